package app

import (
	"fmt"
	"net/http"
	"time"
)

// namedEvent is a value that names its own event instead of streamEvents'
// name ("" keeps that).
type namedEvent interface{ eventName() string }

// streamEvents serves server-sent events: one `event: NAME` per value
// received on ch that render turns into data (false skips it), and a
// comment every 15 s so proxies keep the connection open. It returns when
// the client goes away or the site closes.
func streamEvents[T any](a *App, w http.ResponseWriter, r *http.Request, hello, name string,
	ch <-chan T, render func(T) ([]byte, bool)) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		a.fail(w, r, fmt.Errorf("streaming unsupported by %T", w))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 1000\n: %s\n\n", hello)
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
		case v := <-ch:
			data, ok := render(v)
			if !ok {
				continue
			}
			event := name
			if n, ok := any(v).(namedEvent); ok && n.eventName() != "" {
				event = n.eventName()
			}
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data)
		}
		flusher.Flush()
	}
}
