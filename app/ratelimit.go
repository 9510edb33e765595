package app

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"pforte/engine"
)

// limiter allows each client address a burst of requests and then one per
// interval (a token bucket per address), so that one machine cannot book a
// morning's slots or try link tokens by the thousand. It keeps nothing but
// the addresses it saw in the last hour, in memory.
type limiter struct {
	clock    engine.Clock
	burst    float64
	interval time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(clock engine.Clock, burst int, interval time.Duration) *limiter {
	return &limiter{clock: clock, burst: float64(burst), interval: interval, buckets: map[string]*bucket{}}
}

// allow takes one request of client's bucket; false: too many.
func (l *limiter) allow(client string) bool {
	now := l.clock.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buckets) > 10_000 {
		for k, b := range l.buckets {
			if now.Sub(b.at) > time.Hour {
				delete(l.buckets, k)
			}
		}
	}
	b, ok := l.buckets[client]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[client] = b
	}
	b.tokens = min(l.burst, b.tokens+float64(now.Sub(b.at))/float64(l.interval))
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// clientAddress is whom a public request comes from: the peer, or, when the
// peer is the town's reverse proxy on this machine (loopback), the address
// that proxy puts last into X-Forwarded-For. A header from anyone else is
// not believed: a client could name any address in it.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if fwd := r.Header.Values("X-Forwarded-For"); len(fwd) > 0 {
			parts := strings.Split(fwd[len(fwd)-1], ",")
			if last := strings.TrimSpace(parts[len(parts)-1]); net.ParseIP(last) != nil {
				return last
			}
		}
	}
	return host
}
