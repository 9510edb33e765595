package sync

import (
	"context"
	"crypto/ed25519"

	"pforte/engine"
)

// Log is the op log that sync replicates: a site's store. The store
// implements it (engine/store); tests may use another.
type Log interface {
	// Site is this site's name, the origin of its own ops.
	Site() string
	// Vector returns, per origin, the highest contiguous seq held.
	Vector(ctx context.Context) (map[string]uint64, error)
	// OpsAfter returns up to limit ops of origin with seq > after, in seq
	// order, complete with signature and personal hash.
	OpsAfter(ctx context.Context, origin string, after uint64, limit int) ([]engine.Op, error)
	// ApplyRemote stores ops received from a peer in one transaction:
	// per origin only the next seq is accepted (gap-free), ops already held
	// are skipped, and a forged, malformed or conflicting op is rejected
	// (reported in the result, never applied) without stopping the others.
	// An op stamped too far ahead of the log's clock is refused for now,
	// with its origin's later ops: their Rejection has Ahead set (no fault,
	// see future.go).
	ApplyRemote(ctx context.Context, ops []engine.Op) (engine.ApplyResult, error)
	// SiteKeys returns the keys ops are verified with: of every site
	// enrolled (engine.KindSiteEnrolled), this one included.
	SiteKeys(ctx context.Context) (map[string]ed25519.PublicKey, error)
	// PeerKeys returns the keys of the sites this one talks to on the
	// data channel: enrolled, not revoked, not itself.
	PeerKeys(ctx context.Context) (map[string]ed25519.PublicKey, error)
	// PeerHoldsOwn tells the log that a peer holds this site's own ops up
	// to seq (from the peer's hello). A site restored from an old backup
	// holds fewer: it must get them back (the peer sends them, and
	// ApplyRemote takes them) before it writes an op of its own, or that
	// op would take a seq its peers hold already.
	PeerHoldsOwn(seq uint64)
}
