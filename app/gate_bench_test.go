package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"pforte/engine"
)

// BenchmarkGate measures what the gate adds to a request: find the
// session, its account, check the role and the building. The handler does
// nothing, so the time is the gate's (sub-benchmark "bare" is the same
// request without it).
func BenchmarkGate(b *testing.B) {
	a, err := Open(context.Background(), Config{DataDir: b.TempDir(), Site: "bench", Building: "rathaus-1", Demo: true,
		Clock: engine.NewFixedClock(time.Date(2026, 11, 18, 9, 0, 0, 0, engine.Berlin))},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	token, _ := a.sessions.create("sachbearbeitung", a.clock.Now())
	noop := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	rt := route{pattern: "GET /api/slots", handle: noop, allow: people(clerk, manager), building: fromQuery}
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{{"bare", http.HandlerFunc(noop)}, {"gate", a.gate(rt)}} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/slots?building=rathaus-1", nil)
			req.AddCookie(&http.Cookie{Name: a.cookieName(sessionCookie), Value: token})
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
