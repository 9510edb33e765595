package sync

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// escrowSeed adds an escrowed Bürger Büro to storeSeed: home site-a, one
// counter, one 5-minute service.
func escrowSeed() []engine.Op {
	ops := storeSeed()
	add := seedStamper(&ops)
	add(engine.KindBuildingDefined, "bb", engine.Building{ID: "bb", Name: "Bürger Büro", SlotMinutes: 5, HomeSite: "site-a",
		Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "12:30"}}})
	add(engine.KindServiceDefined, "meld", engine.Service{ID: "meld", Name: "Meldebescheinigung", DurationMin: 5, Buildings: []string{"bb"}})
	add(engine.KindCounterDefined, "bb-1", engine.Counter{ID: "bb-1", Building: "bb", Name: "Schalter 1", Services: []string{"meld"}})
	return ops
}

// escrowPair starts the home site a, which hands out tokens on request,
// and site b.
func escrowPair(t testing.TB) (a, b *storeSite) {
	var home *storeSite
	a = mustStoreSite(t, "site-a", func(c *Config) {
		c.Tokens = func(ctx context.Context, from string, names []string) (uint64, error) {
			var toks []engine.Token
			for _, n := range names {
				tok, err := engine.ParseToken(n)
				if err != nil {
					return 0, err
				}
				toks = append(toks, tok)
			}
			return home.st.TransferTokens(ctx, "sync:"+from, from, toks, "request")
		}
	})
	home = a
	b = mustStoreSite(t, "site-b")
	for _, s := range []*storeSite{a, b} {
		if _, err := s.st.Apply(context.Background(), escrowSeed()[len(storeSeed()):]); err != nil {
			t.Fatal(err)
		}
	}
	return a, b
}

func TestRequestTokens(t *testing.T) {
	a, b := escrowPair(t)
	ctx := context.Background()
	tok := engine.Token{Building: "bb", Day: "2026-11-25", Cell: engine.Cell{Resource: "bb-1", Block: 9}}
	r := engine.BookingRequest{Building: "bb", Services: []string{"meld"}, Start: time.Date(2026, 11, 25, 9, 0, 0, 0, engine.Berlin),
		Channel: engine.ChannelDesk, Citizen: engine.Citizen{Name: "Erika Mustermann", BirthDate: "1964-08-12"}}
	if _, err := b.st.Book(ctx, "desk", r); err == nil {
		t.Fatal("b booked without owning the token")
	}
	start := time.Now()
	if err := b.node.RequestTokens(ctx, a.node.Addr(), []string{tok.String()}); err != nil {
		t.Fatal(err)
	}
	t.Logf("round trip and sync: %v", time.Since(start))
	if owner, usable := b.st.TokenOwner(tok); owner != "site-b" || !usable {
		t.Fatalf("after the request b sees owner %q, usable %v", owner, usable)
	}
	if _, err := b.st.Book(ctx, "desk", r); err != nil {
		t.Fatalf("b books on the transferred token: %v", err)
	}
	// a gave it away: asked again, it refuses, and b keeps it.
	err := b.node.RequestTokens(ctx, a.node.Addr(), []string{tok.String()})
	if !errors.Is(err, ErrTokensRefused) {
		t.Fatalf("second request: %v, want ErrTokensRefused", err)
	}
	if err := b.node.RequestTokens(ctx, a.node.Addr(), []string{"nonsense"}); !errors.Is(err, ErrTokensRefused) {
		t.Fatalf("a malformed token: %v, want ErrTokensRefused", err)
	}
	// A site that hands out nothing answers so too.
	if err := a.node.RequestTokens(ctx, b.node.Addr(), []string{tok.String()}); err == nil {
		t.Fatal("b, which has no token handler, answered a request")
	}
}

// BenchmarkTokenTransfer: a branch asks the home site for one token and
// waits until it may book on it: the request, the owner's durable
// transfer, the answer, and one sync session pulling the transfer, on
// 127.0.0.1 with TLS.
//
//	go test -run XXX -bench TokenTransfer -count 6 ./sync
func BenchmarkTokenTransfer(b *testing.B) {
	a, br := escrowPair(b)
	ctx := context.Background()
	day := time.Date(2026, 11, 25, 12, 0, 0, 0, engine.Berlin)
	i := 0
	for b.Loop() {
		// One token per round: the blocks 08–12 of the Wednesdays ahead.
		d := day.AddDate(0, 0, 7*(i/5))
		tok := engine.Token{Building: "bb", Day: engine.Day(d), Cell: engine.Cell{Resource: "bb-1", Block: 8 + i%5}}
		i++
		if err := br.node.RequestTokens(ctx, a.node.Addr(), []string{tok.String()}); err != nil {
			b.Fatal(err)
		}
		if _, usable := br.st.TokenOwner(tok); !usable {
			b.Fatalf("token %s not usable after the round trip", tok)
		}
	}
}

// TestForgedTokenRequestIsRefused: an enrolled site asks for tokens in
// another site's name; the owner answers only for the site whose key the
// request came with, and writes nothing.
func TestForgedTokenRequestIsRefused(t *testing.T) {
	a, b := escrowPair(t)
	ctx := context.Background()
	tok := engine.Token{Building: "bb", Day: "2026-11-25", Cell: engine.Cell{Resource: "bb-1", Block: 9}}
	before, _ := a.st.Vector(ctx)
	fc, closeConn, site, err := b.node.dialEnrolled(ctx, a.node.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn()
	if site != "site-a" {
		t.Fatalf("dialled %q", site)
	}
	if err := writeMessage(fc, message{Type: msgTokens, V: protocolVersion, Site: "site-c", Tokens: []string{tok.String()}}); err != nil {
		t.Fatal(err)
	}
	m, err := readMessage(fc)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != msgTokensErr || !strings.Contains(m.Error, `"site-b"`) {
		t.Errorf("answer %+v; want a refusal naming the requester's own site", m)
	}
	if after, _ := a.st.Vector(ctx); after["site-a"] != before["site-a"] {
		t.Errorf("a wrote %d ops for a forged request", after["site-a"]-before["site-a"])
	}
	if owner, _ := a.st.TokenOwner(tok); owner != "site-a" {
		t.Errorf("the token went to %q", owner)
	}
}
