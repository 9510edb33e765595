package app

import (
	"encoding/json"
	"net/http"
	"sync"
)

// callBroker fans calls out to the call-up monitors listening on
// /api/calls/stream. A monitor that cannot keep up loses calls rather than
// slowing the clerk down; it reloads /api/calls when it reconnects.
type callBroker struct {
	mu   sync.Mutex
	subs map[chan callJSON]string // channel → building
}

func newCallBroker() *callBroker { return &callBroker{subs: map[chan callJSON]string{}} }

func (b *callBroker) subscribe(building string) chan callJSON {
	ch := make(chan callJSON, 16)
	b.mu.Lock()
	b.subs[ch] = building
	b.mu.Unlock()
	return ch
}

func (b *callBroker) unsubscribe(ch chan callJSON) {
	b.mu.Lock()
	delete(b.subs, ch)
	b.mu.Unlock()
}

func (b *callBroker) publish(c callJSON) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch, building := range b.subs {
		if building != c.Building {
			continue
		}
		select {
		case ch <- c:
		default:
		}
	}
}

// callStream serves GET /api/calls/stream: server-sent events, one
// `event: call` per call, and a comment every 15 s so proxies keep the
// connection open.
func (a *App) callStream(w http.ResponseWriter, r *http.Request) {
	b, err := a.buildingParam(r)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	w, closeStream, ok := openStream(w, r)
	if !ok {
		return
	}
	defer closeStream()
	ch := a.calls.subscribe(b.ID)
	defer a.calls.unsubscribe(ch)
	streamEvents(a, w, r, "building "+b.ID, "call", ch, func(c callJSON) ([]byte, bool) {
		data, err := json.Marshal(c)
		return data, err == nil
	})
}
