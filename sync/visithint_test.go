package sync

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestVisitHintArrivesAndTriggers: a visit registered at a reaches b's
// screens through Serf, and b's node fetches the op at once although a
// announced no seq and the full sync is an hour away.
func TestVisitHintArrivesAndTriggers(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	ma := mustStart(t, "a", key)
	mb := mustStart(t, "b", key, ma.Addr())
	a, b := newMemLog("a"), newMemLog("b")
	na, nb := mustNode(t, a), mustNode(t, b)
	for _, p := range []struct {
		n *Node
		m *Membership
	}{{na, ma}, {nb, mb}} {
		if err := p.n.Attach(p.m); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan VisitHint, 4)
	mb.OnVisitHint(func(h VisitHint) { got <- h })
	ma.OnVisitHint(func(h VisitHint) { t.Errorf("a heard its own hint %+v", h) })
	if !eventually(t, 5*time.Second, func() bool { return mb.PeerSyncAddr("a") == na.Addr() }) {
		t.Fatalf("b sees a's sync address %q; want %s", mb.PeerSyncAddr("a"), na.Addr())
	}

	a.commit(4) // not announced: only the visit hint tells b
	want := VisitHint{Visit: "0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", Host: "staff-ordnungsamt-1", Origin: "a", Seq: 4}
	if err := ma.SendVisitHint(want); err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h != want {
			t.Errorf("b heard %+v, want %+v", h, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("b heard no visit hint within 5 s")
	}
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 4 }) {
		t.Fatalf("b holds %d ops; want a's 4 after the visit hint", b.count())
	}
}

func TestVisitHintPayload(t *testing.T) {
	h := VisitHint{Visit: "0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", Host: "staff-1", Origin: "rathaus 2", Seq: 18446744073709551615}
	b, err := h.encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := parseVisitHint(b); !ok || got != h {
		t.Errorf("parse(encode(%+v)) = %+v, %v", h, got, ok)
	}
	for name, bad := range map[string]VisitHint{
		"no host":           {Visit: "v", Origin: "a"},
		"space in id":       {Visit: "v 1", Host: "h", Origin: "a"},
		"no origin":         {Visit: "v", Host: "h"},
		"128 bytes or more": {Visit: "v", Host: "h", Origin: strings.Repeat("x", 130)},
	} {
		if _, err := bad.encode(); err == nil {
			t.Errorf("%s: encode accepted %+v", name, bad)
		}
	}
	for _, p := range []string{"", "v h 1", "v h x a", "v  1 a", strings.Repeat("v", 128)} {
		if h, ok := parseVisitHint([]byte(p)); ok {
			t.Errorf("parse(%q) = %+v; want refused", p, h)
		}
	}
}
