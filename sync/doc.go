// Package sync replicates ops between sites.
//
// Serf (Membership) says who is there and carries hints: each site's
// data-plane address in a tag, and "site X is at seq N" events. The data
// travels on its own channel (Node): TLS 1.3 pinned to an identity derived
// from the cluster key, one symmetric session per connection in which both
// sides exchange version vectors and stream each other the missing ops in
// batches. The anti-entropy loop runs a session with a random alive peer
// every few seconds and at once on a hint, backing off from peers that
// fail. Each op carries its origin's signature, so ops relayed through
// other sites are checked where they are applied (the Log).
//
// sync imports engine (ops in, ops out); it must not import app or printing.
package sync
