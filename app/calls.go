package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
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
	flusher, ok := w.(http.Flusher)
	if !ok {
		a.fail(w, r, fmt.Errorf("streaming unsupported by %T", w))
		return
	}
	ch := a.calls.subscribe(b.ID)
	defer a.calls.unsubscribe(ch)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n: building %s\n\n", b.ID)
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-a.done:
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
		case c := <-ch:
			data, _ := json.Marshal(c)
			fmt.Fprintf(w, "event: call\ndata: %s\n\n", data)
		}
		flusher.Flush()
	}
}
