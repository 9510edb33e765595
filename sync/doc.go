// Package sync replicates ops between sites. So far: the cluster key and
// Serf membership (who is there, alive or not, encrypted with the key,
// tuned for sites that are away for days). Anti-entropy (version vectors
// exchanged, missing ops streamed) comes next; Serf will carry only hints.
//
// sync imports engine (ops in, ops out); it must not import app or printing.
package sync
