// Package printing renders Pforte's paper documents as PDF: the appointment
// slip (A6, or an 80 mm receipt roll) with its QR code for the check-in
// terminal, the visitor badge, and the A4 lists of a building's day, the
// daily registration sheet and the attendance list.
//
// Every document is a pure function of its data and Options: the same input
// gives the same bytes, so golden files in testdata/ pin the layout. Text is
// shown in Europe/Berlin and in German, as the people at the desk read it,
// in an embedded TrueType font (fonts/), so names print as written.
//
// printing imports only the standard library, gofpdf, a QR encoder
// (github.com/boombuler/barcode) and golang.org/x/text for Unicode
// normalisation. It must not import app, sync, engine's store, a database
// driver or anything that talks to a network or a printer spooler: the
// caller decides where the bytes go. The functions take plain structs
// (Slip, Badge, DailySheet, Attendance), so the package needs nothing of
// the engine. Its subpackages do the rest of printing: cups sends a PDF to
// a CUPS queue over IPP, spool keeps the documents that could not be
// printed yet.
package printing
