package sync

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"pforte/engine"
)

const aYear = 365 * 24 * time.Hour

// logBuffer collects a node's log lines.
type logBuffer struct {
	mu  gosync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// take returns the lines logged so far and forgets them.
func (b *logBuffer) take() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	defer b.buf.Reset()
	return strings.Split(strings.TrimSpace(b.buf.String()), "\n")
}

// grep returns the lines that contain s.
func grep(lines []string, s string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

func logTo(b *logBuffer) func(*Config) {
	return func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(b, nil)) }
}

func (s *storeSite) vector(t *testing.T) map[string]uint64 {
	t.Helper()
	v, err := s.st.Vector(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantClockNear fails when the site's HLC runs ahead of its wall clock by
// more than the bound: it took an op from the future.
func (s *storeSite) wantClockNear(t *testing.T, when string) {
	t.Helper()
	if ahead := s.st.LastHLC().Ahead(s.clock.Now()); ahead > engine.MaxClockAhead {
		t.Fatalf("%s: %s's HLC %v runs %v ahead of its clock", when, s.st.Site(), s.st.LastHLC(), ahead)
	}
}

func peerStatus(n *Node, site string) (PeerStatus, bool) {
	for _, p := range n.Status() {
		if p.Site == site {
			return p, true
		}
	}
	return PeerStatus{}, false
}

// TestOpsFromTheFuture: site A's clock runs a year ahead. Its ops, validly
// signed, reach C through the relay R (whose clock is as wrong as A's, so
// R took them). C refuses them for now without moving its clock, takes
// B's ops in the same sessions, does not hold R's relaying against it,
// and is offered no more than the refused op while it refuses it. Once
// C's clock has caught up, it takes them all.
func TestOpsFromTheFuture(t *testing.T) {
	var logC logBuffer
	a, b, r := mustStoreSite(t, "site-a"), mustStoreSite(t, "site-b"), mustStoreSite(t, "site-r")
	c := mustStoreSite(t, "site-c", logTo(&logC))

	before := a.register(t, "Maria Schneider") // site-a/1, stamped at the right time
	a.clock.Add(aYear)
	const future = 20
	var later []engine.Visit
	for range future {
		later = append(later, a.register(t, "Jonas Weber")) // site-a/2…21, a year ahead
	}
	b.register(t, "Erika Mustermann")
	b.register(t, "Paul Klein")
	r.clock.Set(a.clock.Now()) // R's clock is as far ahead: it takes A's ops
	mustSync(t, r.node, a.node)
	mustSync(t, r.node, b.node)
	if got := r.vector(t); got["site-a"] != 1+future || got["site-b"] != 2 {
		t.Fatalf("R holds %v, want all of A's and B's ops", got)
	}

	// 1. C refuses A's ops from the future and takes the rest.
	stats := mustSync(t, c.node, r.node)
	if stats.Applied != 3 || stats.Future != future || stats.Rejected != 0 {
		t.Errorf("C ← R: %+v; want 3 applied (site-a/1, B's two), %d refused for now, none rejected", stats, future)
	}
	c.wantClockNear(t, "after the refusal")
	if got := c.vector(t); got["site-a"] != 1 || got["site-b"] != 2 {
		t.Errorf("C holds %v, want site-a up to 1 and site-b up to 2", got)
	}
	if _, err := c.st.Visit(context.Background(), before.ID); err != nil {
		t.Errorf("C lacks A's visit from before its clock jumped: %v", err)
	}
	if _, err := c.st.Visit(context.Background(), later[0].ID); err == nil {
		t.Errorf("C shows A's visit stamped a year ahead")
	}
	logged := grep(logC.take(), "level=WARN")
	if len(logged) != 1 || !strings.Contains(logged[0], "origin=site-a seq=2 ") || !strings.Contains(logged[0], "ahead=") {
		t.Errorf("C logged %q; want one warning naming site-a/2 and how far ahead", logged)
	}
	if got := c.node.Refusing(); len(got) != 1 || got[0].Origin != "site-a" || got[0].Seq != 2 {
		t.Errorf("C refusing %+v; want site-a/2", got)
	}
	// No fault of R's: no error, no back-off.
	if p, _ := peerStatus(c.node, "site-r"); p.Failures != 0 || p.LastError != "" || p.LastSync.IsZero() {
		t.Errorf("C's status of R: %+v; want a success without failures", p)
	}
	// R heard why (C's fin): it offers C no more of site-a than site-a/2.
	// (R records the session it answered after C's end returned.)
	waitingAtR := func() []FutureRefusal { p, _ := peerStatus(r.node, "site-c"); return p.Waiting }
	if !eventually(t, 5*time.Second, func() bool { return len(waitingAtR()) > 0 }) ||
		len(waitingAtR()) != 1 || waitingAtR()[0].Origin != "site-a" || waitingAtR()[0].Seq != 2 ||
		waitingAtR()[0].Ahead < aYear-time.Hour {
		t.Errorf("R's status of C: waiting %+v; want site-a/2 about a year ahead", waitingAtR())
	}

	// 2. Later sessions: B's new ops travel, of A's only the refused one.
	b.register(t, "Anna Müller")
	mustSync(t, r.node, b.node)
	for i := range 2 {
		stats = mustSync(t, c.node, r.node)
		if stats.Received != 2-i || stats.Applied != 1-i || stats.Future != 1 || stats.Rejected != 0 {
			t.Errorf("C ← R again (%d): %+v; want site-a/2 refused for now and B's new op (applied once)", i, stats)
		}
	}
	c.wantClockNear(t, "after more sessions")
	lines := logC.take()
	if logged := grep(lines, "level=WARN"); len(logged) != 0 {
		t.Errorf("C logged again: %q; want the warning once an hour at most", logged)
	}
	if logged := grep(lines, "msg=\"sync session\""); len(logged) != 2 || !strings.Contains(logged[1], "future=1") {
		t.Errorf("C's session lines: %q; want two, each with future=1", logged)
	}
	if got := c.vector(t); got["site-b"] != 3 {
		t.Errorf("C holds %v, want site-b up to 3", got)
	}
	// C's own writes are stamped by its own clock.
	c.register(t, "Klaus Becker")
	c.wantClockNear(t, "after a write of its own")

	// A hears it from C directly: its own ops are refused.
	mustSync(t, c.node, a.node)
	waitingAtA := func() []FutureRefusal { p, _ := peerStatus(a.node, "site-c"); return p.Waiting }
	if !eventually(t, 5*time.Second, func() bool { return len(waitingAtA()) > 0 }) ||
		len(waitingAtA()) != 1 || waitingAtA()[0].Origin != "site-a" {
		t.Errorf("A's status of C: waiting %+v; want its own site-a/2", waitingAtA())
	}

	// 3. C's clock passes A's ops: it takes the op offered, then the rest.
	c.clock.Set(a.clock.Now())
	stats = mustSync(t, c.node, r.node)
	if stats.Applied != 1 || stats.Future != 0 {
		t.Errorf("C ← R, its clock a year on: %+v; want site-a/2 taken", stats)
	}
	if !eventually(t, 5*time.Second, func() bool { return len(waitingAtR()) == 0 }) {
		t.Errorf("R's status of C: still waiting %+v after C took the op", waitingAtR())
	}
	stats = mustSync(t, c.node, r.node)
	if stats.Applied != future-1 || stats.Future != 0 || stats.Rejected != 0 {
		t.Errorf("C ← R once more: %+v; want the other %d of A's ops", stats, future-1)
	}
	if got := c.vector(t); got["site-a"] != 1+future {
		t.Errorf("C holds %v, want site-a up to %d", got, 1+future)
	}
	if w := waitingAtR(); len(w) != 0 {
		t.Errorf("R's status of C: waiting %+v at the end", w)
	}
	if got := c.node.Refusing(); len(got) != 0 {
		t.Errorf("C still refusing %+v at the end", got)
	}
	if _, err := c.st.Visit(context.Background(), later[future-1].ID); err != nil {
		t.Errorf("C lacks A's last visit: %v", err)
	}
}
