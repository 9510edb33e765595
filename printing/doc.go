// Package printing renders Pforte's paper documents as PDF: the visitor badge
// now, and later the appointment slip, the daily registration sheet and the
// attendance lists.
//
// Every document is a pure function of its data and Options: the same input
// gives the same bytes, so golden files in testdata/ can pin the layout. Text
// is shown in Europe/Berlin and in German, as the people at the desk read it.
//
// printing may import only the standard library, gofpdf and, for its data
// types, pforte/engine. It must not import app, sync, a database driver or
// anything that talks to a network or a printer spooler: the caller decides
// where the bytes go. Until the engine's types settle, the functions here take
// plain structs such as Badge.
package printing
