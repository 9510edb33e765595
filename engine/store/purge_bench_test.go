package store_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// BenchmarkPurgeYear purges a year of a town hall's personal data at one
// site: about 60,000 visits and 50,000 appointments, written over 2026,
// purged on 2027-01-20 (so all but the last weeks expire). It reports the
// database's size before and after (db_MB, after_MB), what a VACUUM would
// then take and leave (vacuum_s, vacuum_MB), and the longest time a
// registration made during the purge waited (max_write_ms): the purge must
// never hold the writer for more than 50 ms at a time.
//
//	go test -run '^$' -bench PurgeYear -benchtime 1x -count 3 ./engine/store
func BenchmarkPurgeYear(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s, clock, path := yearOfData(b)
		before := fileMB(path)
		clock.Set(time.Date(2027, 1, 20, 3, 10, 0, 0, engine.Berlin))

		// A desk registering a visitor every 5 ms, first alone (the
		// machine's own commit latency), then while the purge runs.
		alone := deskLoad(b, s, func() { time.Sleep(5 * time.Second) })
		var during time.Duration
		done := make(chan struct{})
		go func() { during = deskLoad(b, s, func() { <-done }); close(done) }()
		var txs []time.Duration
		store.ObservePurgeForTest(func(d time.Duration) { txs = append(txs, d) })
		b.StartTimer()
		res, err := s.Purge(context.Background())
		b.StopTimer()
		done <- struct{}{}
		<-done
		if err != nil {
			b.Fatal(err)
		}
		if res[engine.PersonalVisit] < 55_000 || res[engine.PersonalAppointment] < 45_000 {
			b.Fatalf("purged %v of a year", res)
		}
		after := fileMB(path)
		t0 := time.Now()
		if err := s.Vacuum(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(before, "db_MB")
		b.ReportMetric(after, "after_MB")
		b.ReportMetric(time.Since(t0).Seconds(), "vacuum_s")
		b.ReportMetric(fileMB(path), "vacuum_MB")
		slices.Sort(txs)
		b.ReportMetric(float64(txs[len(txs)/2].Microseconds())/1000, "tx_p50_ms")
		b.ReportMetric(float64(txs[len(txs)*99/100].Microseconds())/1000, "tx_p99_ms")
		b.ReportMetric(float64(txs[len(txs)-1].Microseconds())/1000, "tx_max_ms")
		b.ReportMetric(float64(during.Microseconds())/1000, "max_write_ms")
		b.ReportMetric(float64(alone.Microseconds())/1000, "max_write_alone_ms")
		s.Close()
		b.StartTimer()
	}
}

// deskLoad registers a visitor every 5 ms until wait returns and answers
// the longest a registration took.
func deskLoad(b *testing.B, s *store.Store, wait func()) time.Duration {
	var mu sync.Mutex
	var worst time.Duration
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			t0 := time.Now()
			if _, err := s.RegisterVisit(context.Background(), author, engine.NewVisit{Building: "rathaus-1",
				Name: fmt.Sprintf("Gast %d", i), Phone: "0170 1234567", Host: "staff-mueller", Reason: "Abholung"}); err != nil {
				b.Errorf("register: %v", err)
				return
			}
			mu.Lock()
			worst = max(worst, time.Since(t0))
			mu.Unlock()
		}
	}()
	wait()
	close(stop)
	wg.Wait()
	return worst
}

// yearOfData opens a store holding 2026's visits (165 a day) and
// appointments (137 a day) of one other site, signed, as they arrive by
// sync.
func yearOfData(b *testing.B) (*store.Store, *engine.FixedClock, string) {
	b.Helper()
	clock := engine.NewFixedClock(time.Date(2026, 1, 2, 8, 0, 0, 0, engine.Berlin))
	path := filepath.Join(b.TempDir(), "pforte.db")
	s, err := store.Open(context.Background(), path, site, clock)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Apply(context.Background(), seedOps()); err != nil {
		b.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	var ops []engine.Op
	seq := uint64(0)
	flush := func() {
		if _, err := s.Apply(context.Background(), ops); err != nil {
			b.Fatal(err)
		}
		ops = ops[:0]
	}
	add := func(op engine.Op, at time.Time) {
		seq++
		op.Origin, op.Seq, op.HLC, op.Author = "zweigstelle", seq, engine.MakeHLC(at.UnixMilli(), 0), "reception"
		ops = append(ops, engine.Sign(op, key))
		if len(ops) == 5000 {
			flush()
		}
	}
	day := time.Date(2026, 1, 1, 8, 0, 0, 0, engine.Berlin)
	for d := 0; d < 365; d++ {
		for i := 0; i < 165; i++ {
			at := day.AddDate(0, 0, d).Add(time.Duration(i*2) * time.Minute)
			add(engine.RegisterOp(fmt.Sprintf("v-%d-%d", d, i), engine.NewVisit{Building: "rathaus-1", Name: fmt.Sprintf("Besucherin %d-%d", d, i),
				Phone: "0170 1234567", Email: "gast@example.org", Host: "staff-mueller", Reason: "Termin ohne Buchung"}, at), at)
		}
		for i := 0; i < 137; i++ {
			start := day.AddDate(0, 0, d).Add(time.Duration(i*3) * time.Minute)
			r := engine.BookingRequest{Building: "buergerbuero", Services: []string{"reisepass"}, Channel: "desk",
				Citizen: engine.Citizen{Name: fmt.Sprintf("Bürgerin %d-%d", d, i), BirthDate: "1970-01-01", Phone: "0171 7654321"}}
			add(engine.BookOp(fmt.Sprintf("a-%d-%d", d, i), fmt.Sprintf("C%05d", d*137+i), r,
				engine.Slot{Start: start, End: start.Add(15 * time.Minute), Counter: "bb-1"}, start.AddDate(0, 0, -7), ""), start)
		}
	}
	flush()
	if err := s.Checkpoint(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, clock, path
}

func fileMB(path string) float64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return float64(n) / (1 << 20)
}
