// Package sync replicates ops between sites: the cluster key, and later
// hybrid clocks, version vectors, Serf membership and anti-entropy.
//
// sync imports engine (ops in, ops out); it must not import app or printing.
package sync
