package sync

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"slices"
	gosync "sync"
	"testing"

	"pforte/engine"
)

// memLog is an in-memory Log that follows the store's rules: per origin
// only the next seq is accepted, ops already held are skipped, and every
// op must be proven by its origin's key, by its own signature or by the
// chain link from a proven successor in the same batch (unless noVerify:
// the backlog test is about streaming, and a hundred thousand signatures
// would only slow it down).
type memLog struct {
	site string
	priv ed25519.PrivateKey

	mu       gosync.Mutex
	ops      map[string][]engine.Op // by origin; ops[o][i].Seq == i+1
	keys     map[string]ed25519.PublicKey
	noVerify bool
	// notEnrolled, revoked: sites of testSites this log does not count
	// as enrolled, or as revoked
	notEnrolled, revoked map[string]bool

	// What the session asked of the log.
	applyCalls  int
	maxApplied  int // largest batch given to ApplyRemote
	maxOpsAfter int // largest limit asked of OpsAfter
	applied     int // ops newly stored by ApplyRemote, all calls
	// peerHoldsOwn: the most of this site's own ops a peer said it holds
	peerHoldsOwn uint64
}

func newMemLog(site string) *memLog {
	seed := sha256.Sum256([]byte("test site key " + site))
	priv := ed25519.NewKeyFromSeed(seed[:])
	testSites.Store(site, priv.Public().(ed25519.PublicKey))
	return &memLog{
		site: site,
		priv: priv,
		ops:  map[string][]engine.Op{},
		keys: map[string]ed25519.PublicKey{site: priv.Public().(ed25519.PublicKey)},
	}
}

var _ Log = (*memLog)(nil)

// commit writes n local ops, as registering n visits would.
func (l *memLog) commit(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		seq := uint64(len(l.ops[l.site]) + 1)
		op := engine.Op{
			Origin:   l.site,
			Seq:      seq,
			HLC:      engine.MakeHLC(1_780_000_000_000+int64(seq), 0),
			Author:   "pforte-" + l.site,
			Kind:     engine.KindVisitRegistered,
			Entity:   fmt.Sprintf("visit-%s-%d", l.site, seq),
			Data:     []byte(fmt.Sprintf(`{"host":"staff-%d","building":"rathaus-1"}`, seq%7)),
			Personal: []byte(fmt.Sprintf(`{"name":"Erika Mustermann %d"}`, seq)),
		}
		if !l.noVerify {
			if seq > 1 {
				op.Prev = l.ops[l.site][seq-2].Hash()
			}
			op = engine.Sign(op, l.priv)
		}
		l.ops[l.site] = append(l.ops[l.site], op)
	}
}

// inject stores op as it is, without any check: a log that holds a
// tampered op (a relay that was broken into).
func (l *memLog) inject(op engine.Op) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops[op.Origin] = append(l.ops[op.Origin], op)
}

func (l *memLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ops := range l.ops {
		n += len(ops)
	}
	return n
}

func (l *memLog) held(origin string) []engine.Op {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ops[origin])
}

func (l *memLog) Site() string { return l.site }

func (l *memLog) Vector(ctx context.Context) (map[string]uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := map[string]uint64{}
	for o, ops := range l.ops {
		v[o] = uint64(len(ops))
	}
	return v, nil
}

func (l *memLog) OpsAfter(ctx context.Context, origin string, after uint64, limit int) ([]engine.Op, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxOpsAfter = max(l.maxOpsAfter, limit)
	ops := l.ops[origin]
	if after >= uint64(len(ops)) {
		return nil, nil
	}
	end := min(int(after)+limit, len(ops))
	return slices.Clone(ops[after:end]), nil
}

func (l *memLog) ApplyRemote(ctx context.Context, ops []engine.Op) (engine.ApplyResult, error) {
	keys, _ := l.SiteKeys(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.applyCalls++
	l.maxApplied = max(l.maxApplied, len(ops))
	var res engine.ApplyResult
	reject := func(op engine.Op, why string) {
		res.Rejected = append(res.Rejected, engine.Rejection{Origin: op.Origin, Seq: op.Seq, Reason: why})
	}
	// Proven, per op: walking back, an op linked to a proven successor
	// needs no signature check of its own.
	proof := make([]error, len(ops))
	if !l.noVerify {
		linked, proven := engine.Linked(ops), false
		for i := len(ops) - 1; i >= 0; i-- {
			op := ops[i]
			if linked[i] && proven {
				proof[i] = engine.CheckPersonal(op)
			} else {
				proof[i] = engine.Verify(op, keys[op.Origin])
			}
			// A held op is skipped, not taken: it proves nothing.
			proven = proof[i] == nil && op.Seq > uint64(len(l.ops[op.Origin]))
		}
	}
	for i, op := range ops {
		held := uint64(len(l.ops[op.Origin]))
		switch {
		case op.Origin == "" || op.Seq == 0:
			reject(op, "malformed")
		case op.Seq <= held:
			if !bytes.Equal(l.ops[op.Origin][op.Seq-1].Sig, op.Sig) {
				reject(op, "conflicts with the op held")
			} else {
				res.Skipped++
			}
		case op.Seq != held+1:
			reject(op, fmt.Sprintf("gap: holding %d", held))
		default:
			if err := proof[i]; err != nil {
				reject(op, err.Error())
				continue
			}
			l.ops[op.Origin] = append(l.ops[op.Origin], op)
			res.Applied++
		}
	}
	l.applied += res.Applied
	return res, nil
}

func (l *memLog) PeerHoldsOwn(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.peerHoldsOwn = max(l.peerHoldsOwn, seq)
}

// testSites holds the key of every memLog a test made: the sites a
// memLog counts as enrolled, unless it was told otherwise (unenroll).
var testSites gosync.Map // site → ed25519.PublicKey

func (l *memLog) SiteKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]ed25519.PublicKey{}
	testSites.Range(func(k, v any) bool {
		if !l.notEnrolled[k.(string)] {
			out[k.(string)] = v.(ed25519.PublicKey)
		}
		return true
	})
	for s, k := range l.keys {
		out[s] = k
	}
	return out, nil
}

func (l *memLog) PeerKeys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	keys, _ := l.SiteKeys(ctx)
	delete(keys, l.site)
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.revoked {
		delete(keys, s)
	}
	return keys, nil
}

func (l *memLog) SigningKey() ed25519.PrivateKey { return l.priv }

// unenroll makes l treat site as never enrolled; revoke as revoked.
func (l *memLog) unenroll(site string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.notEnrolled == nil {
		l.notEnrolled = map[string]bool{}
	}
	l.notEnrolled[site] = true
}

func (l *memLog) revoke(site string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.revoked == nil {
		l.revoked = map[string]bool{}
	}
	l.revoked[site] = true
}

// sameOps fails unless both logs hold the same ops of origin.
func sameOps(t *testing.T, a, b *memLog, origin string) {
	t.Helper()
	x, y := a.held(origin), b.held(origin)
	if len(x) != len(y) {
		t.Fatalf("%s holds %d ops of %s, %s holds %d", a.site, len(x), origin, b.site, len(y))
	}
	for i := range x {
		if x[i].Seq != uint64(i+1) || y[i].Seq != uint64(i+1) || !bytes.Equal(x[i].Sig, y[i].Sig) ||
			!bytes.Equal(x[i].Data, y[i].Data) || !bytes.Equal(x[i].Personal, y[i].Personal) {
			t.Fatalf("op %d of %s differs: %+v vs %+v", i+1, origin, x[i], y[i])
		}
	}
}
