package app

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"pforte/engine"
)

// transferWait bounds how long a booking waits for the tokens it asked
// other sites for: a LAN round trip and one sync session take well under
// a second; a site that does not answer by then is treated as away.
const transferWait = 3 * time.Second

// bookOnTokens books r. In an escrowed building a site books only on the
// capacity tokens it owns (engine/token.go); when the place asked for is
// free but on tokens of other sites, and this site is connected, it asks
// those owners to transfer them (only an owner writes the transfer of its
// own token), pulls the transfer at once, and books. The clerk notices
// none of it but a round trip. Offline, the booking is refused as taken:
// the slot search then offers only this site's own places.
func (a *App) bookOnTokens(ctx context.Context, r engine.BookingRequest) (engine.Appointment, error) {
	ap, err := a.store.Book(ctx, a.author(ctx), r)
	if !isSlotTaken(err) || a.sync == nil {
		return ap, err
	}
	missing, merr := a.store.MissingTokens(r)
	if merr != nil || len(missing) == 0 {
		return ap, err // taken for everyone, or ours once what it depends on arrives
	}
	ctx, cancel := context.WithTimeout(ctx, transferWait)
	defer cancel()
	for owner, tokens := range missing {
		names := make([]string, len(tokens))
		for i, t := range tokens {
			names[i] = t.String()
		}
		addr := a.sync.AddrOf(owner)
		if a.members != nil {
			addr = cmp.Or(a.members.PeerSyncAddr(owner), addr)
		}
		if rerr := a.sync.RequestTokens(ctx, addr, names); rerr != nil {
			a.log.Info("tokens not transferred", "owner", owner, "tokens", len(names), "err", rerr)
			return ap, ownerAway(owner, rerr)
		}
	}
	// The owner answered once its transfer was written, and RequestTokens
	// pulled it; what the transfer depends on may still be on its way.
	for {
		if ap, err = a.store.Book(ctx, a.author(ctx), r); !isSlotTaken(err) {
			return ap, err
		}
		if _, merr := a.store.MissingTokens(r); merr != nil {
			return ap, merr // meanwhile taken by someone else
		}
		select {
		case <-ctx.Done():
			return ap, ownerAway(strings.Join(slices.Sorted(maps.Keys(missing)), ", "), ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func isSlotTaken(err error) bool {
	e := engine.AsError(err)
	return e != nil && e.Code == engine.CodeSlotTaken
}

// ownerAway is the slot_taken error for a place whose owner site did not
// hand it over: the clerk picks another place or books it later.
func ownerAway(owner string, cause error) error {
	return &engine.Error{Code: engine.CodeSlotTaken, Field: "start", Rule: "owner_away",
		Detail: fmt.Sprintf("the place belongs to site %s, which did not hand it over: %v", owner, cause)}
}

// handOverTokens answers another site's token request (sync.TokenHandler):
// it transfers the tokens, all of which this site must own.
func (a *App) handOverTokens(ctx context.Context, from string, names []string) (uint64, error) {
	tokens := make([]engine.Token, 0, len(names))
	for _, n := range names {
		t, err := engine.ParseToken(n)
		if err != nil {
			return 0, err
		}
		tokens = append(tokens, t)
	}
	return a.store.TransferTokens(ctx, "sync:"+from, from, tokens, "request")
}
