package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"pforte/engine"
)

// A session is one exchange over one connection, the same on both ends:
//
//	both:     hello {site, vector}            → the site must be the one whose key the
//	                                            peer proved in the TLS handshake
//	both:     ops [batch] … ops [batch], done → what the peer's vector lacks
//	both:     apply each batch received until the peer's done, then fin
//	          close when both have sent and received fin
//
// A fin says "all you sent is applied", so when a session returns without
// error, the peer holds everything this side sent.
// Each side sends, for every origin where its vector is ahead of the
// peer's, the ops after the peer's seq, read from the log in batches with a
// cursor, so a backlog of a million ops needs no more memory than one
// batch. Each batch is applied in one transaction as it arrives; a
// rejected op is logged and the stream goes on. A broken connection loses
// nothing: what was applied stays, and the next session starts again from
// the vectors.

const (
	protocolVersion = 1
	// DefaultBatch is the number of ops per batch: one read from the log,
	// one frame, one transaction at the receiver.
	DefaultBatch = 500
	// demoOrigin is the origin of the demo seed (app.DemoOps): every demo
	// site writes the very same unsigned ops itself, so they never travel.
	demoOrigin = "demo"
	// maxLoggedRejections per session; the rest are only counted.
	maxLoggedRejections = 10
)

const (
	msgHello = "hello"
	msgOps   = "ops"
	msgDone  = "done"
	msgFin   = "fin"
	// msgSuperseded: this session gives way to the one in the other
	// direction (see Node.claim); sent instead of the next batch.
	msgSuperseded = "superseded"
)

// message is one frame, JSON encoded.
type message struct {
	Type   string            `json:"t"`
	V      int               `json:"v,omitempty"`
	Site   string            `json:"site,omitempty"`
	Vector map[string]uint64 `json:"vector,omitempty"`
	Future []wireFuture      `json:"future,omitempty"` // in a fin: ops refused for now (future.go)
	Ops    []wireOp          `json:"ops,omitempty"`
	Tokens []string          `json:"tokens,omitempty"` // a token request (tokens.go)
	Error  string            `json:"error,omitempty"`
	// Gossip is the sender's Serf address, in a hello (see Node.Attach).
	Gossip string `json:"gossip,omitempty"`
	// An enrollment and its answer (enroll.go).
	Secret     []byte   `json:"secret,omitempty"`
	Building   string   `json:"building,omitempty"`
	Root       string   `json:"root,omitempty"`
	RootKey    []byte   `json:"root_key,omitempty"`
	GossipKeys [][]byte `json:"gossip_keys,omitempty"`
	// Wire lists the op-batch encodings the sender reads, in a hello;
	// none: JSON only (wire.go).
	Wire []int `json:"wire,omitempty"`
	// batch: the ops of an ops message, whichever encoding brought them
	batch []engine.Op
}

// wireOp carries an op with its data and personal data as bytes (base64 in
// JSON), not as embedded JSON: encoding/json would compact and HTML-escape
// embedded JSON, and the signature covers the exact bytes.
type wireOp struct {
	Origin       string `json:"o"`
	Seq          uint64 `json:"s"`
	HLC          uint64 `json:"h"`
	Author       string `json:"a,omitempty"`
	Kind         string `json:"k"`
	Entity       string `json:"e"`
	Data         []byte `json:"d,omitempty"`
	Personal     []byte `json:"p,omitempty"`
	PersonalHash []byte `json:"ph,omitempty"`
	Sig          []byte `json:"sig,omitempty"`
	Prev         []byte `json:"pv,omitempty"`
}

func toWire(op engine.Op) wireOp {
	return wireOp{
		Origin: op.Origin, Seq: op.Seq, HLC: uint64(op.HLC), Author: op.Author, Kind: op.Kind,
		Entity: op.Entity, Data: op.Data, Personal: op.Personal, PersonalHash: op.PersonalHash, Sig: op.Sig,
		Prev: op.Prev,
	}
}

func (w wireOp) op() engine.Op {
	return engine.Op{
		Origin: w.Origin, Seq: w.Seq, HLC: engine.HLC(w.HLC), Author: w.Author, Kind: w.Kind,
		Entity: w.Entity, Data: w.Data, Personal: w.Personal, PersonalHash: w.PersonalHash, Sig: w.Sig,
		Prev: w.Prev,
	}
}

// SessionStats reports one session.
type SessionStats struct {
	Peer          string // the peer's site ("" if the hello never came)
	Sent          int    // ops sent
	Received      int    // ops received
	Applied       int    // of those, new and stored
	Skipped       int    // already held
	Rejected      int    // refused by the log (forged, malformed, out of order)
	Future        int    // refused for now: stamped ahead of this site's clock, or waiting behind such an op (future.go)
	BytesSent     int64  // on the wire, TLS included
	BytesReceived int64
	Duration      time.Duration
	// PeerVector is the peer's version vector from its hello; after a
	// session without error, raised by the ops this side sent (the
	// peer's fin says they are applied). nil if the hello never came.
	PeerVector map[string]uint64
	// RefusedForNow: per origin, the op of the peer's stream this side
	// refused for now; RefusedByPeer: of what this side sent, from the
	// peer's fin (future.go).
	RefusedForNow []FutureRefusal
	RefusedByPeer []FutureRefusal
}

// Errors of a session.
var (
	// ErrSuperseded ends a session that runs alongside another one with
	// the same peer in the other direction (see Node.claim): no failure.
	ErrSuperseded = errors.New("sync: another session with this peer does the work")
	// errClaimRefused: this end refused the session's claim.
	errClaimRefused = errors.New("sync: session not claimed")
	// errGaveWay: the send side stopped and told the peer to.
	errGaveWay  = errors.New("sync: session gave way")
	ErrSameSite = errors.New("sync: peer has this site's name (this site itself, or two sites configured alike)")
	ErrProtocol = errors.New("sync: protocol violation")
)

type sessionConfig struct {
	batch  int
	idle   time.Duration
	logger *slog.Logger
	// waiting, if set, says which op of origin the peer refuses for now:
	// the stream offers it no further (future.go).
	waiting func(peer, origin string) (FutureRefusal, bool)
	// claim, if set, is asked once the peer's hello names it, before any
	// op travels: ErrSuperseded ends the session (see Node.claim); release
	// is called when the session ends. supersede makes the session give
	// way before its next batch.
	claim func(peer string, supersede func()) (release func(), err error)
	// peer is the enrolled site whose key the other end proved in the
	// TLS handshake: its hello must name it.
	peer string
	// gossip is this site's Serf address, told to the peer in the hello;
	// heard, if set, is told the peer's (see Node.Attach).
	gossip string
	heard  func(site, gossip string)
	// wire is the newest op-batch encoding this side speaks (wire.go).
	wire int
}

// session is the state of one exchange.
type session struct {
	lg     Log
	fc     *frameConn
	cfg    sessionConfig
	stats  SessionStats
	logged int // rejections logged so far
	// release ends the session's claim on its peer, once it has one
	release func()
	// first: the peer's hello, read by the listener before the session
	first *message
	// superseded: give way before the next batch (see Node.claim)
	superseded atomic.Bool
	gaveWay    atomic.Bool // the send side told the peer
	// sentUpTo: per origin, the last seq sent; the send side's alone
	// until runSession has its result
	sentUpTo map[string]uint64
	// future: per origin, the op of the peer's stream refused for now,
	// for the fin; the receive side's alone until it closes peerDone
	future map[string]wireFuture
	// wire: the encoding of the batches sent, once the peer's hello has
	// come; enc and dec are the send and the receive side's (wire.go)
	wire int
	enc  batchEncoder
	dec  batchDecoder
}

// runSession runs one exchange over an established connection and closes
// it. raw, if not nil, is the connection under TLS whose bytes are counted;
// first, if not nil, is the peer's hello, read already from fc.
func runSession(ctx context.Context, fc *frameConn, conn net.Conn, raw *countingConn, lg Log, cfg sessionConfig, first *message) (SessionStats, error) {
	start := time.Now()
	ctx, cancel := context.WithCancelCause(ctx)
	// Cancelling closes the connection: that unblocks one direction when
	// the other fails, and ends the session when the node stops.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer func() {
		stop()
		cancel(nil)
		conn.Close()
	}()
	s := &session{lg: lg, fc: fc, cfg: cfg, sentUpTo: map[string]uint64{}, first: first}
	defer func() {
		if s.release != nil {
			s.release()
		}
	}()

	peerHello := make(chan *message, 1)
	peerDone := make(chan struct{})
	helloSent := make(chan struct{})
	sendErr := make(chan error, 1)
	go func() {
		err := s.sendSide(ctx, helloSent, peerHello, peerDone)
		if errors.Is(err, errGaveWay) {
			// The peer was told; its batches are still applied until it
			// hangs up, so that it never writes into a closed connection.
			err = nil
		}
		if err != nil {
			cancel(err)
		}
		sendErr <- err
	}()
	rerr := s.receiveSide(ctx, peerHello, peerDone)
	if errors.Is(rerr, ErrSameSite) {
		<-helloSent // so that the other end, this site too, learns why
	}
	if errors.Is(rerr, errClaimRefused) {
		// The send side waits for a hello that never comes: this frame
		// cannot interleave with its writes.
		<-helloSent
		if s.write(message{Type: msgSuperseded}) == nil {
			// Until the peer, told, hangs up, or says it gives way too
			// (it superseded the session from its side at the same time).
			for {
				m, err := s.read()
				if err != nil || m.Type == msgSuperseded {
					break
				}
			}
		}
		rerr = ErrSuperseded
	}
	if rerr != nil && s.gaveWay.Load() {
		rerr = ErrSuperseded // the peer hung up as it was told
	}
	if rerr != nil {
		cancel(rerr)
	}
	var err error
	if serr := <-sendErr; rerr != nil || serr != nil {
		// The first failure closed the connection under the other
		// direction: report it, not the "use of closed connection" after.
		err = context.Cause(ctx)
	}
	if err == nil && s.stats.PeerVector != nil {
		for origin, seq := range s.sentUpTo {
			s.stats.PeerVector[origin] = max(s.stats.PeerVector[origin], s.takenUpTo(origin, seq))
		}
	}
	s.stats.Duration = time.Since(start)
	if raw != nil {
		s.stats.BytesSent, s.stats.BytesReceived = raw.written.Load(), raw.read.Load()
	}
	return s.stats, err
}

// sendSide sends the hello, waits for the peer's, streams what the peer
// lacks and says done; once the peer's stream is applied, says fin.
func (s *session) sendSide(ctx context.Context, helloSent chan<- struct{}, peerHello <-chan *message, peerDone <-chan struct{}) error {
	signalled := false
	defer func() {
		if !signalled {
			close(helloSent)
		}
	}()
	mine, err := s.lg.Vector(ctx)
	if err != nil {
		return fmt.Errorf("vector: %w", err)
	}
	hello := message{Type: msgHello, V: protocolVersion, Site: s.lg.Site(), Vector: mine, Gossip: s.cfg.gossip}
	hello.Wire = wireVersions(s.cfg.wire)
	err = s.write(hello)
	close(helloSent)
	signalled = true
	if err != nil {
		return err
	}
	var peer *message
	select {
	case peer = <-peerHello:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.wire = commonWire(s.cfg.wire, peer.Wire)
	origins := streamOrder(mine, peer.Vector, rootOf(s.lg))
	for _, origin := range origins {
		// A peer that lacks ops of its own origin was restored from an
		// old backup: it gets them back like any other (Log.PeerHoldsOwn).
		if origin == demoOrigin || mine[origin] <= peer.Vector[origin] {
			continue
		}
		if err := s.stream(ctx, origin, peer.Vector[origin], s.offerUpTo(peer, origin, mine[origin])); err != nil {
			return err
		}
	}
	if err := s.giveWay(); err != nil {
		return err
	}
	if err := s.write(message{Type: msgDone}); err != nil {
		return err
	}
	select {
	case <-peerDone:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.write(message{Type: msgFin, Future: s.futureNotes()})
}

// stream sends origin's ops with after < seq ≤ upto, a batch at a time.
func (s *session) stream(ctx context.Context, origin string, after, upto uint64) error {
	for cursor := after; cursor < upto; {
		limit := int(min(uint64(s.cfg.batch), upto-cursor))
		ops, err := s.lg.OpsAfter(ctx, origin, cursor, limit)
		if err != nil {
			return fmt.Errorf("ops of %s after %d: %w", origin, cursor, err)
		}
		// Never more than asked, never past the vector sent in the hello.
		if len(ops) > limit {
			ops = ops[:limit]
		}
		for len(ops) > 0 && ops[len(ops)-1].Seq > upto {
			ops = ops[:len(ops)-1]
		}
		if len(ops) == 0 || ops[len(ops)-1].Seq <= cursor {
			s.cfg.logger.Warn("sync: log holds fewer ops than its vector says", "origin", origin, "after", cursor, "vector", upto)
			return nil
		}
		if err := s.giveWay(); err != nil {
			return err
		}
		if err := s.sendOps(ops); err != nil {
			return err
		}
		cursor = ops[len(ops)-1].Seq
		s.sentUpTo[origin] = cursor
	}
	return nil
}

// giveWay tells the peer and returns errGaveWay once the session is
// superseded.
func (s *session) giveWay() error {
	if !s.superseded.Load() {
		return nil
	}
	if err := s.write(message{Type: msgSuperseded}); err != nil {
		return err
	}
	s.gaveWay.Store(true)
	return errGaveWay
}

// sendOps sends one batch, halving it until each frame fits.
func (s *session) sendOps(ops []engine.Op) error {
	b, size, err := s.encodeOps(ops)
	if err != nil {
		return err
	}
	if size > s.fc.limit || len(ops) > maxBatchOps {
		if len(ops) == 1 {
			return fmt.Errorf("op %s/%d: %w (%d bytes)", ops[0].Origin, ops[0].Seq, ErrFrameTooLarge, size)
		}
		half := len(ops) / 2
		if err := s.sendOps(ops[:half]); err != nil {
			return err
		}
		return s.sendOps(ops[half:])
	}
	if err := s.fc.writeFrame(b); err != nil {
		return err
	}
	s.stats.Sent += len(ops)
	return nil
}

// encodeOps encodes a batch in the session's encoding; size is what the
// frame limit applies to (for a compact batch, also its inflated content).
func (s *session) encodeOps(ops []engine.Op) (frame []byte, size int, err error) {
	if s.wire >= wireCompact {
		frame, inflated, err := s.enc.encode(ops)
		return frame, max(len(frame), inflated), err
	}
	m := message{Type: msgOps, Ops: make([]wireOp, len(ops))}
	for i, op := range ops {
		m.Ops[i] = toWire(op)
	}
	frame, err = json.Marshal(m)
	return frame, len(frame), err
}

func (s *session) write(m message) error { return writeMessage(s.fc, m) }

// read reads the next message: JSON, or a compact batch once the hellos
// agreed on it (wire.go).
func (s *session) read() (*message, error) {
	b, err := s.fc.readFrame()
	if err != nil {
		return nil, err
	}
	if len(b) > 0 && b[0] == wireCompact && s.cfg.wire >= wireCompact {
		ops, err := s.dec.decode(b, s.fc.limit)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		return &message{Type: msgOps, batch: ops}, nil
	}
	return decodeMessage(b)
}

func writeMessage(fc *frameConn, m message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return fc.writeFrame(b)
}

// readMessage reads one JSON message: the first of a connection, and
// every message of an enrollment or a token request.
func readMessage(fc *frameConn) (*message, error) {
	b, err := fc.readFrame()
	if err != nil {
		return nil, err
	}
	return decodeMessage(b)
}

func decodeMessage(b []byte) (*message, error) {
	var m message
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProtocol, err)
	}
	if len(m.Ops) > 0 {
		m.batch = make([]engine.Op, len(m.Ops))
		for i, w := range m.Ops {
			m.batch[i] = w.op()
		}
	}
	return &m, nil
}

// streamOrder is the order a session streams origins in: the root's first
// (its ops carry the enrollments, so the peer learns the keys of the
// origins after it within the session), then those the peer holds some
// of, then the rest; by name within each.
func streamOrder(mine, peer map[string]uint64, root string) []string {
	origins := make([]string, 0, len(mine))
	for o := range mine {
		origins = append(origins, o)
	}
	rank := func(o string) int {
		switch {
		case o == root:
			return 0
		case peer[o] > 0:
			return 1
		}
		return 2
	}
	slices.SortFunc(origins, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return origins
}

// rootOf returns the cluster's root, if the log knows it.
func rootOf(lg Log) string {
	if r, ok := lg.(interface{ Root() string }); ok {
		return r.Root()
	}
	return ""
}

// receiveSide reads the peer's hello, learns its keys, applies the peer's
// batches until its done, and waits for its fin.
func (s *session) receiveSide(ctx context.Context, peerHello chan<- *message, peerDone chan<- struct{}) error {
	hello := s.first
	if hello == nil {
		var err error
		if hello, err = s.read(); err != nil {
			return fmt.Errorf("read hello: %w", err)
		}
	}
	switch {
	case hello.Type != msgHello:
		return fmt.Errorf("%w: first message %q, want hello", ErrProtocol, hello.Type)
	case hello.V != protocolVersion:
		return fmt.Errorf("%w: peer speaks version %d, want %d", ErrProtocol, hello.V, protocolVersion)
	case hello.Site == "":
		return fmt.Errorf("%w: hello without a site", ErrProtocol)
	case hello.Site == s.lg.Site():
		return ErrSameSite
	case s.cfg.peer != "" && hello.Site != s.cfg.peer:
		return fmt.Errorf("%w: hello names site %q, the key is %q's", ErrProtocol, hello.Site, s.cfg.peer)
	}
	s.stats.Peer = hello.Site
	s.stats.PeerVector = maps.Clone(hello.Vector)
	if s.stats.PeerVector == nil {
		s.stats.PeerVector = map[string]uint64{} // a peer with an empty log
	}
	if s.cfg.claim != nil {
		release, err := s.cfg.claim(hello.Site, func() { s.superseded.Store(true) })
		if err != nil {
			return fmt.Errorf("%w: %w", errClaimRefused, err)
		}
		s.release = release
	}
	s.lg.PeerHoldsOwn(hello.Vector[s.lg.Site()])
	if s.cfg.heard != nil && hello.Gossip != "" {
		s.cfg.heard(hello.Site, hello.Gossip)
	}
	peerHello <- hello

	for {
		m, err := s.read()
		if err != nil {
			return fmt.Errorf("read from %s: %w", hello.Site, err)
		}
		switch m.Type {
		case msgDone:
			close(peerDone)
			return s.expectFin(hello.Site)
		case msgOps:
			if err := s.apply(ctx, m.batch); err != nil {
				return err
			}
		case msgSuperseded:
			return ErrSuperseded
		default:
			return fmt.Errorf("%w: unexpected %q", ErrProtocol, m.Type)
		}
	}
}

func (s *session) expectFin(peer string) error {
	m, err := s.read()
	if err != nil {
		return fmt.Errorf("read fin from %s: %w", peer, err)
	}
	if m.Type != msgFin {
		return fmt.Errorf("%w: %q after done, want fin", ErrProtocol, m.Type)
	}
	s.peerRefused(m)
	return nil
}

// apply stores one batch in one transaction, logging what was refused.
func (s *session) apply(ctx context.Context, ops []engine.Op) error {
	res, err := s.lg.ApplyRemote(ctx, ops)
	if err != nil {
		return fmt.Errorf("apply %d ops: %w", len(ops), err)
	}
	s.stats.Received += len(ops)
	s.stats.Applied += res.Applied
	s.stats.Skipped += res.Skipped
	for _, r := range res.Rejected {
		if s.noteFuture(r) {
			continue // no fault: logged once per origin
		}
		s.stats.Rejected++
		if s.logged >= maxLoggedRejections {
			continue
		}
		s.logged++
		s.cfg.logger.Warn("sync: op rejected", "peer", s.stats.Peer, "origin", r.Origin, "seq", r.Seq, "reason", r.Reason)
	}
	return nil
}
