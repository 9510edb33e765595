package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The benchmarks run on a durable store on disk (WAL, synchronous=FULL, as
// store.Open sets it up) with a configuration like the demo's: its four
// buildings, hours, holidays and services. The counters are multiplied so
// that 50,000 appointments fit into the next four months at about two
// thirds occupancy. The configuration is built here rather than taken from
// app.DemoOps: importing app would tie every store test to the
// application layer's build.
//
//	go test -run XXX -bench 'Slot|Book|Bare' -count 6 ./engine/store

// benchNow is a Wednesday morning: the Bürger Büro is open.
var benchNow = time.Date(2026, 11, 18, 8, 5, 0, 0, engine.Berlin)

const benchOrigin = "bench"

var (
	benchCitizenServices = []string{"personalausweis", "reisepass", "ausweis-abholen", "anmeldung", "ummeldung",
		"meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}
	benchBranchServices = []string{"personalausweis", "ausweis-abholen", "anmeldung", "ummeldung", "meldebescheinigung", "beglaubigung"}
	// benchSearch is the slot search of BenchmarkSlotSearch: four
	// concerns, 40 minutes, at one counter.
	benchSearch = []string{"personalausweis", "anmeldung", "ummeldung", "meldebescheinigung"}
)

func benchTownHallHours() []engine.Interval {
	var h []engine.Interval
	for d := 1; d <= 3; d++ {
		h = append(h, engine.Interval{Weekday: d, Open: "08:30", Close: "12:30"},
			engine.Interval{Weekday: d, Open: "13:00", Close: "16:00"})
	}
	return append(h,
		engine.Interval{Weekday: 4, Open: "08:30", Close: "12:30"},
		engine.Interval{Weekday: 4, Open: "13:00", Close: "17:30"},
		engine.Interval{Weekday: 5, Open: "08:30", Close: "12:30"})
}

// benchConfigOps defines the benchmark municipality.
func benchConfigOps() []engine.Op {
	townHall := engine.BookingRules{MinLeadMinutes: 60}
	buildings := []engine.Building{
		{ID: "rathaus-1", Name: "Rathaus I", Hours: benchTownHallHours(), HolidayRegion: "NW", SlotMinutes: 5,
			TicketPrefix: "R", Booking: townHall},
		{ID: "rathaus-2", Name: "Rathaus II", Hours: benchTownHallHours(), HolidayRegion: "NW", SlotMinutes: 5,
			TicketPrefix: "S", Booking: townHall},
		{ID: "propst-nuebel-strasse", Name: "Dienststelle Propst-Nübel-Straße", Hours: benchTownHallHours(),
			HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "P", Booking: townHall},
		{ID: "buergerbuero", Name: "Bürger Büro", HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "A",
			Booking: engine.BookingRules{MinLeadMinutes: 10, DayTickets: 20, ReleaseAt: "07:45"},
			Hours: []engine.Interval{
				{Weekday: 1, Open: "08:00", Close: "16:00"}, {Weekday: 2, Open: "08:00", Close: "16:00"},
				{Weekday: 3, Open: "08:00", Close: "12:30"}, {Weekday: 4, Open: "08:00", Close: "18:00"},
				{Weekday: 5, Open: "08:00", Close: "12:30"},
			},
			Exceptions: []engine.Exception{
				{From: "2026-12-24", Hours: []engine.TimeRange{{Open: "08:00", Close: "11:00"}}},
				{From: "2026-12-31", Closed: true, Reason: "Jahresabschluss"},
			}},
	}
	bb, bbBranch := []string{"buergerbuero"}, []string{"buergerbuero", "propst-nuebel-strasse"}
	services := []engine.Service{
		{ID: "personalausweis", Name: "Personalausweis beantragen", DurationMin: 15, Buildings: bbBranch},
		{ID: "reisepass", Name: "Reisepass beantragen", DurationMin: 15, Buildings: bb},
		{ID: "ausweis-abholen", Name: "Ausweis oder Pass abholen", DurationMin: 5, Buildings: bbBranch},
		{ID: "anmeldung", Name: "Wohnsitz anmelden", DurationMin: 10, Buildings: bbBranch},
		{ID: "ummeldung", Name: "Wohnsitz ummelden", DurationMin: 10, Buildings: bbBranch},
		{ID: "meldebescheinigung", Name: "Meldebescheinigung", DurationMin: 5, Buildings: bbBranch},
		{ID: "fuehrungszeugnis", Name: "Führungszeugnis beantragen", DurationMin: 5, Buildings: bb},
		{ID: "beglaubigung", Name: "Beglaubigung", DurationMin: 5, Buildings: bbBranch},
		{ID: "gewerbe", Name: "Gewerbe anmelden", DurationMin: 20, Department: "Wirtschaftsförderung", Buildings: []string{"rathaus-2"}},
		{ID: "bauberatung", Name: "Bauberatung", DurationMin: 30, Department: "Bauordnung", NeedsRoom: true, Buildings: []string{"rathaus-2"}},
		{ID: "hundesteuer", Name: "Hund an- oder abmelden", DurationMin: 10, Department: "Kämmerei", Buildings: []string{"rathaus-1"}},
	}
	var counters []engine.Counter
	add := func(building, prefix string, n int, services []string) {
		for i := 1; i <= n; i++ {
			counters = append(counters, engine.Counter{ID: fmt.Sprintf("%s-%d", prefix, i), Building: building,
				Name: fmt.Sprintf("Schalter %d", i), Services: services})
		}
	}
	add("buergerbuero", "bb", 10, benchCitizenServices)
	counters = append(counters,
		engine.Counter{ID: "bb-quick", Building: "buergerbuero", Name: "Schalter 11",
			Services: []string{"ausweis-abholen", "meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}},
		engine.Counter{ID: "bb-held", Building: "buergerbuero", Name: "Schalter 12", Services: benchCitizenServices, HeldBack: true})
	add("propst-nuebel-strasse", "pn", 6, benchBranchServices)
	add("rathaus-1", "r1-kaemmerei", 4, []string{"hundesteuer"})
	add("rathaus-2", "r2-gewerbe", 4, []string{"gewerbe"})
	add("rathaus-2", "r2-bau", 6, []string{"bauberatung"})
	var rooms []engine.Room
	for i := 1; i <= 6; i++ {
		rooms = append(rooms, engine.Room{ID: fmt.Sprintf("r2-raum-%d", i), Building: "rathaus-2",
			Name: fmt.Sprintf("Raum %d", i), BarrierFree: i == 1})
	}

	var ops []engine.Op
	def := func(kind, id string, v any) {
		op := engine.DefineOp(kind, id, v)
		op.Origin, op.Author = benchOrigin, benchOrigin
		op.Seq = uint64(len(ops) + 1)
		op.HLC = engine.MakeHLC(seedEpoch.UnixMilli(), uint16(len(ops)))
		ops = append(ops, op)
	}
	for _, b := range buildings {
		def(engine.KindBuildingDefined, b.ID, b)
	}
	for _, s := range services {
		def(engine.KindServiceDefined, s.ID, s)
	}
	for _, k := range counters {
		def(engine.KindCounterDefined, k.ID, k)
	}
	for _, r := range rooms {
		def(engine.KindRoomDefined, r.ID, r)
	}
	return ops
}

// openBenchStore opens a durable store in b.TempDir() with the benchmark
// configuration, its clock standing at benchNow.
func openBenchStore(b *testing.B) (*store.Store, *engine.FixedClock) {
	b.Helper()
	clock := engine.NewFixedClock(benchNow)
	s, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "pforte.db"), site, clock)
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	if _, err := s.Apply(context.Background(), benchConfigOps()); err != nil {
		b.Fatalf("apply configuration: %v", err)
	}
	return s, clock
}

// benchShare is how many appointments a building gets and what they are
// for.
type benchShare struct {
	building string
	n        int
	menu     [][]string
}

func benchMenu(services []string) [][]string {
	var m [][]string
	for i, a := range services {
		m = append(m, []string{a})
		for _, b := range services[i+1:] {
			m = append(m, []string{a, b})
		}
	}
	return m
}

// fillAppointments books n appointments spread over the open days of the
// next days days, in one store.Apply: it allocates against its own
// occupancy index by the store's rules (engine.Allocate), so the result is
// what n bookings through store.Book would leave.
func fillAppointments(b *testing.B, s *store.Store, now time.Time, n, days int) {
	b.Helper()
	cat := s.Catalog()
	occ := engine.NewOccupancyIndex()
	rnd := rand.New(rand.NewPCG(2026, 11))
	shares := []benchShare{
		{"buergerbuero", n * 44 / 100, benchMenu(benchCitizenServices)},
		{"propst-nuebel-strasse", n * 24 / 100, benchMenu(benchBranchServices)},
		{"rathaus-1", n * 16 / 100, [][]string{{"hundesteuer"}}},
		{"rathaus-2", 0, [][]string{{"gewerbe"}, {"bauberatung"}}},
	}
	shares[3].n = n - shares[0].n - shares[1].n - shares[2].n
	citizen := engine.Citizen{Name: "Bench Bürger", BirthDate: "1970-01-01", Email: "bench@example.org"}
	ops := make([]engine.Op, 0, n)
	misses := 0
	for _, sh := range shares {
		bld := cat.Buildings[sh.building]
		for booked := 0; booked < sh.n; {
			if misses > 20*n {
				b.Fatalf("%s: only %d of %d appointments fit", sh.building, booked, sh.n)
			}
			day := time.Date(now.Year(), now.Month(), now.Day()+1+rnd.IntN(days), 12, 0, 0, 0, engine.Berlin)
			plan := bld.Plan(day)
			if !plan.Open() {
				continue
			}
			o := plan.Openings[rnd.IntN(len(plan.Openings))]
			start := o.Start.Add(time.Duration(rnd.IntN(int(o.End.Sub(o.Start)/(5*time.Minute)))) * 5 * time.Minute)
			services := sh.menu[rnd.IntN(len(sh.menu))]
			q := engine.Query{Building: sh.building, Services: services, Channel: engine.ChannelDesk, Now: now}
			slot, err := engine.Allocate(cat, occ, q, start)
			if err != nil {
				misses++
				continue
			}
			i := len(ops)
			id := fmt.Sprintf("bench-%06d", i)
			r := engine.BookingRequest{Building: sh.building, Services: services, Start: start, Channel: engine.ChannelDesk, Citizen: citizen}
			op := engine.BookOp(id, benchCode(i), r, slot, now, "")
			op.Origin, op.Author, op.Seq = benchOrigin+"-appointments", benchOrigin, uint64(i+1)
			op.HLC = engine.MakeHLC(seedEpoch.UnixMilli()+1000+int64(i), 0)
			ops = append(ops, op)
			occ.Put(engine.Appointment{ID: id, Building: sh.building, Start: slot.Start, End: slot.End,
				Counter: slot.Counter, Room: slot.Room, Status: engine.ApptBooked})
			booked++
		}
	}
	t0 := time.Now()
	if _, err := s.Apply(context.Background(), ops); err != nil {
		b.Fatalf("apply %d appointments: %v", len(ops), err)
	}
	b.Logf("allocated %d appointments (%d misses), applied in %v", len(ops), misses, time.Since(t0).Round(time.Millisecond))
}

// benchCode is the i-th booking code: unique, from the code alphabet.
func benchCode(i int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	var c [store.CodeLen]byte
	for j := range c {
		c[len(c)-1-j] = alphabet[i%32]
		i /= 32
	}
	return string(c[:])
}

func BenchmarkSlotSearch(b *testing.B) {
	s, clock := openBenchStore(b)
	t0 := time.Now()
	fillAppointments(b, s, clock.Now(), 50_000, 120)
	b.Logf("50,000 appointments in %v", time.Since(t0).Round(time.Millisecond))
	q := engine.Query{Building: "buergerbuero", Services: benchSearch, From: engine.Day(clock.Now()), Days: 90,
		Channel: engine.ChannelDesk, Now: clock.Now()}
	var found []engine.Slot
	for b.Loop() {
		var err error
		if found, err = s.Slots(q, 0); err != nil {
			b.Fatal(err)
		}
	}
	if len(found) == 0 {
		b.Fatal("no free 40-minute slot in 90 days: the fill is too dense to measure a search")
	}
	b.ReportMetric(float64(len(found)), "slots")
}

// BenchmarkSlotSearchTokens is BenchmarkSlotSearch in an escrowed Bürger
// Büro: this site is its home and has dealt 30% of the capacity tokens of
// the next 60 days out to a branch, so the search checks token ownership
// at every place it finds free (engine.Query.Tokens).
func BenchmarkSlotSearchTokens(b *testing.B) {
	s, clock := openBenchStore(b)
	fillAppointments(b, s, clock.Now(), 50_000, 120)
	bld := s.Catalog().Buildings["buergerbuero"]
	bld.HomeSite, bld.Booking.Allotments = site, map[string]int{"branch": 30}
	op := engine.DefineOp(engine.KindBuildingDefined, bld.ID, bld)
	op.Origin, op.Seq, op.HLC = "bench-escrow", 1, engine.MakeHLC(clock.Now().UnixMilli(), 0)
	if _, err := s.Apply(context.Background(), []engine.Op{op}); err != nil {
		b.Fatal(err)
	}
	n, err := s.ReconcileTokens(context.Background(), "bench")
	if err != nil || n == 0 {
		b.Fatalf("allotment: %d tokens, %v", n, err)
	}
	q := engine.Query{Building: "buergerbuero", Services: benchSearch, From: engine.Day(clock.Now()), Days: 90,
		Channel: engine.ChannelDesk, Now: clock.Now(), Tokens: s}
	var found []engine.Slot
	for b.Loop() {
		if found, err = s.Slots(q, 0); err != nil {
			b.Fatal(err)
		}
	}
	if len(found) == 0 {
		b.Fatal("no free slot on this site's tokens in 90 days")
	}
	b.ReportMetric(float64(len(found)), "slots")
	b.ReportMetric(float64(n), "tokens-allotted")
}

// placeFeed hands out free starts of a 5-minute concern in the Bürger Büro,
// searching the next week when the found ones are used up. Grid-length
// appointments never overlap another start, so every start it hands out
// is still free when booked.
type placeFeed struct {
	s      *store.Store
	now    time.Time
	from   time.Time
	copies int // how often each start is handed out (at most the counters serving it)
	queue  []time.Time
}

func newPlaceFeed(s *store.Store, now time.Time, copies int) *placeFeed {
	return &placeFeed{s: s, now: now, from: now.AddDate(0, 0, 1), copies: copies}
}

// next hands out the next free start, searching further if needed.
func (f *placeFeed) next(b *testing.B) time.Time {
	if len(f.queue) == 0 {
		f.refill(b)
	}
	t := f.queue[0]
	f.queue = f.queue[1:]
	return t
}

// refill searches the next week with free places.
func (f *placeFeed) refill(b *testing.B) {
	for len(f.queue) == 0 {
		if f.from.After(f.now.AddDate(1, 0, 0)) {
			b.Fatal("no free places left within the booking horizon")
		}
		ss, err := f.s.Slots(engine.Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"},
			From: engine.Day(f.from), Days: 7, Channel: engine.ChannelDesk, Now: f.now}, 0)
		if err != nil {
			b.Fatal(err)
		}
		for range f.copies {
			for _, sl := range ss {
				f.queue = append(f.queue, sl.Start)
			}
		}
		f.from = f.from.AddDate(0, 0, 7)
	}
}

func benchRequest(start time.Time, i int) engine.BookingRequest {
	return engine.BookingRequest{Building: "buergerbuero", Services: []string{"meldebescheinigung"}, Start: start,
		Channel: engine.ChannelPhone,
		Citizen: engine.Citizen{Name: fmt.Sprintf("Bürger %d", i), BirthDate: "1980-05-17", Phone: "02921 555-0"}}
}

func BenchmarkBook(b *testing.B) {
	s, clock := openBenchStore(b)
	feed := newPlaceFeed(s, clock.Now(), 1)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if len(feed.queue) == 0 { // the search is not what this measures
			b.StopTimer()
			feed.refill(b)
			b.StartTimer()
		}
		start := feed.next(b)
		if _, err := s.Book(ctx, author, benchRequest(start, i)); err != nil {
			b.Fatalf("book %s: %v", start, err)
		}
		i++
	}
}

func BenchmarkBookParallel(b *testing.B) {
	s, clock := openBenchStore(b)
	// Every start three times: concurrent bookings of one start each get
	// their own counter.
	feed := newPlaceFeed(s, clock.Now(), 3)
	starts := make([]time.Time, b.N)
	for i := range starts {
		starts[i] = feed.next(b)
	}
	ctx := context.Background()
	var next, failed atomic.Int64
	var firstErr atomic.Value
	b.SetParallelism(8) // 8 × GOMAXPROCS clients
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1) - 1)
			if _, err := s.Book(ctx, author, benchRequest(starts[i], i)); err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, fmt.Errorf("book %s: %w", starts[i], err))
			}
		}
	})
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "bookings/s")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d bookings failed, first: %v", n, b.N, firstErr.Load())
	}
	if err := noDoubleBooking(s, starts); err != nil {
		b.Fatal(err)
	}
}

// noDoubleBooking checks every day of starts: no counter holds two active
// appointments at once, and there are as many as starts.
func noDoubleBooking(s *store.Store, starts []time.Time) error {
	days := map[string]bool{}
	for _, t := range starts {
		days[engine.Day(t)] = true
	}
	total := 0
	for day := range days {
		as, err := s.Appointments(context.Background(), "buergerbuero", day)
		if err != nil {
			return err
		}
		byCounter := map[string][]engine.Appointment{}
		for _, a := range as {
			if a.Active() {
				byCounter[a.Counter] = append(byCounter[a.Counter], a)
				total++
			}
		}
		for k, list := range byCounter {
			slices.SortFunc(list, func(a, b engine.Appointment) int { return a.Start.Compare(b.Start) })
			for i, latest := 1, list[0]; i < len(list); i++ {
				if list[i].Start.Before(latest.End) {
					return fmt.Errorf("%s double-booked on %s: %s at %s and %s at %s", k, day,
						latest.ID, latest.Start, list[i].ID, list[i].Start)
				}
				if list[i].End.After(latest.End) {
					latest = list[i]
				}
			}
		}
	}
	if total != len(starts) {
		return fmt.Errorf("%d active appointments, %d bookings", total, len(starts))
	}
	return nil
}

// BenchmarkBareInsert is the floor under BenchmarkBook: one INSERT of an
// op-sized row in its own transaction, on a database opened with the
// store's pragmas.
func BenchmarkBareInsert(b *testing.B) {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)", "secure_delete(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	path := filepath.ToSlash(filepath.Join(b.TempDir(), "bare.db"))
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE ops (origin TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB,
		PRIMARY KEY (origin, seq)) WITHOUT ROWID`); err != nil {
		b.Fatal(err)
	}
	var mode string
	if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		b.Fatalf("journal mode %q (%v), want wal", mode, err)
	}
	data := []byte(strings.Repeat("x", 300))
	seq := 0
	for b.Loop() {
		seq++
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO ops (origin, seq, data) VALUES (?, ?, ?)`, site, seq, data); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
