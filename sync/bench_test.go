package sync

import (
	"context"
	"testing"
)

// BenchmarkSession streams 10,000 ops from a to a fresh b over TLS on
// 127.0.0.1. "verified": b checks each signature as the store does (the
// bulk of the time: one ed25519 verification per op); "unverified": the
// channel and protocol alone.
func BenchmarkSession(b *testing.B) {
	for _, verify := range []bool{true, false} {
		name := "verified"
		if !verify {
			name = "unverified"
		}
		b.Run(name, func(b *testing.B) { benchSession(b, verify) })
	}
}

func benchSession(b *testing.B, verify bool) {
	const n = 10_000
	src := newMemLog("a")
	src.commit(n)
	na := mustNode(b, src)
	var ops, bytes int64
	var secs float64
	for b.Loop() {
		b.StopTimer()
		dst := newMemLog("b")
		dst.noVerify = !verify
		nb := mustNode(b, dst)
		b.StartTimer()
		stats, err := nb.SyncWith(context.Background(), na.Addr())
		if err != nil || stats.Applied != n {
			b.Fatalf("applied %d: %v", stats.Applied, err)
		}
		ops += int64(stats.Applied)
		bytes += stats.BytesReceived + stats.BytesSent
		secs += stats.Duration.Seconds()
		b.StopTimer()
		nb.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(ops)/secs, "ops/s")
	b.ReportMetric(float64(bytes)/float64(ops), "bytes/op")
}
