package store_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/internal/cputime"
)

// remoteOrigin is the site whose ops BenchmarkApplyRemote receives.
const remoteOrigin = "remote-1"

// remoteOps is a day's worth of another site's work, signed: visits
// (registered, picked up, left) and appointments (booked, checked in,
// called, served) taking turns, n ops in all.
func remoteOps(tb testing.TB, n int) ([]engine.Op, ed25519.PrivateKey) {
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	ops := make([]engine.Op, 0, n+4)
	now := benchNow
	stamp := func(op engine.Op, err error) {
		if err != nil {
			tb.Fatal(err)
		}
		now = now.Add(time.Second)
		op.Origin, op.Seq, op.Author = remoteOrigin, uint64(len(ops)+1), "reception-2"
		op.HLC = engine.MakeHLC(now.UnixMilli(), 0)
		if len(ops) > 0 {
			op.Prev = ops[len(ops)-1].Hash() // chained, as a site writes them
		}
		ops = append(ops, engine.Sign(op, key))
	}
	for i := 0; len(ops) < n; i++ {
		id := fmt.Sprintf("remote-%06d", i)
		if i%2 == 0 {
			stamp(engine.RegisterOp(id, engine.NewVisit{Building: "buergerbuero", Name: fmt.Sprintf("Besucherin %d", i),
				Phone: "02921 103-0", Host: "staff-aydin", Reason: "Abgabe von Unterlagen"}, now), nil)
			stamp(engine.PickUp(engine.Visit{ID: id, Host: "staff-aydin", Status: engine.VisitWaiting}, "staff-aydin", now))
			stamp(engine.Leave(engine.Visit{ID: id, Status: engine.VisitEscorted}, now))
			continue
		}
		day := benchNow.AddDate(0, 0, 1+i%60)
		start := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, engine.Berlin).Add(time.Duration(i/60%50) * 5 * time.Minute)
		r := engine.BookingRequest{Building: "buergerbuero", Services: []string{"meldebescheinigung"}, Start: start,
			Channel: engine.ChannelPhone, Citizen: engine.Citizen{Name: fmt.Sprintf("Bürger %d", i), BirthDate: "1980-05-17"}}
		slot := engine.Slot{Start: start, End: start.Add(5 * time.Minute), Counter: fmt.Sprintf("bb-%d", 1+i%10)}
		stamp(engine.BookOp(id, benchCode(i), r, slot, now, ""), nil)
		a := engine.Appointment{ID: id, Status: engine.ApptBooked}
		stamp(engine.CheckIn(a, fmt.Sprintf("A-%03d", i%1000), now))
		a.Status = engine.ApptCheckedIn
		stamp(engine.Call(a, slot.Counter, now))
		a.Status = engine.ApptCalled
		stamp(engine.Serve(a, now))
	}
	return ops[:n], key
}

// BenchmarkApplyRemote: a fresh site catches up with another one: 10,000
// signed and chained ops in batches of 1,000, as sync sends them, each
// batch one durable transaction. A signature check (ed25519, about 50 µs)
// would be most of an op's cost; the chain leaves one per batch.
//
//	go test -run XXX -bench ApplyRemote -count 3 ./engine/store
func BenchmarkApplyRemote(b *testing.B) {
	const total, batch = 10_000, 1_000
	ops, key := remoteOps(b, total)
	wire := 0
	for _, op := range ops {
		j, err := json.Marshal(op)
		if err != nil {
			b.Fatal(err)
		}
		wire += len(j)
	}
	ctx := context.Background()
	keys := map[string]ed25519.PublicKey{remoteOrigin: key.Public().(ed25519.PublicKey)}
	var applying, cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s, err := store.Open(ctx, filepath.Join(b.TempDir(), "pforte.db"), site, engine.NewFixedClock(benchNow))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Apply(ctx, benchConfigOps()); err != nil {
			b.Fatal(err)
		}
		if err := s.LearnSiteKeys(ctx, keys); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0, c0 := time.Now(), cputime.Used()
		applied := 0
		for from := 0; from < total; from += batch {
			res, err := s.ApplyRemote(ctx, ops[from:from+batch])
			if err != nil {
				b.Fatal(err)
			}
			if len(res.Rejected) > 0 {
				b.Fatalf("refused %d ops, first: %+v", len(res.Rejected), res.Rejected[0])
			}
			applied += res.Applied
		}
		applying += time.Since(t0)
		cpu += cputime.Used() - c0
		b.StopTimer()
		if applied != total {
			b.Fatalf("applied %d of %d ops", applied, total)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total*b.N)/applying.Seconds(), "ops/s")
	b.ReportMetric(float64(wire)/total, "json-bytes/op")
	// CPU time per op, all cores together: wall time depends on how busy
	// the machine is, this does not.
	b.ReportMetric(float64(cpu.Microseconds())/float64(total*b.N), "cpu-µs/op")
}
