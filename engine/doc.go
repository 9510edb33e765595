// Package engine is Pforte's domain: buildings, services, staff, visits, the
// operations (ops) that change them and the rules that decide what a change
// may do. Later it holds the calendar and the allocation engine.
//
// Every change is an Op. The state of an entity is a deterministic fold of its
// ops ordered by (HLC, origin, seq), so sites that hold the same set of ops
// hold the same state, whatever order the ops arrived in.
//
// engine must not import app, sync, printing, a SQL driver, or anything that
// needs cgo: its SQLite store lives in engine/store, and a test keeps it so.
package engine
