package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// wednesdayMorning is 09:14 in Berlin (CET, UTC+1) on an ordinary weekday.
var wednesdayMorning = time.Date(2026, 11, 18, 9, 14, 0, 0, engine.Berlin)

// site is the name of the site under test; author is who makes its changes.
const (
	site   = "pforte-1"
	author = "reception-1"
)

// seedOrigin stamps the configuration every test store starts with, the way
// the demo seed does it: fixed origin, seq and HLC, before any real op.
const seedOrigin = "seed"

var seedEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var (
	rathaus = engine.Building{ID: "rathaus-1", Name: "Rathaus I", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Innenhof", AppointmentOnly: true,
		Hours: []engine.Interval{{Weekday: 3, Open: "08:30", Close: "12:30"}}}
	buergerbuero = engine.Building{ID: "buergerbuero", Name: "Bürger Büro", Address: "Am Vreithof 8, 59494 Soest",
		Entrance: "Vreithof", Hours: []engine.Interval{{Weekday: 3, Open: "08:00", Close: "12:30"}}}
	seedBuildings = []engine.Building{rathaus, buergerbuero}
	seedStaff     = []engine.Staff{
		{ID: "staff-mueller", Name: "Anna Müller", Department: "Bürgermeisterbüro", Building: "rathaus-1"},
		{ID: "staff-schmidt", Name: "Jens Schmidt", Department: "Kämmerei", Building: "rathaus-1"},
		{ID: "staff-aydin", Name: "Deniz Aydin", Department: "Bürgerservice", Building: "buergerbuero"},
		{ID: "staff-lange", Name: "Petra Lange", Department: "Bürgerservice", Building: "buergerbuero"},
	}
)

// seedOps defines the buildings and staff of seedBuildings and seedStaff.
func seedOps() []engine.Op {
	var ops []engine.Op
	add := func(kind, id string, v any) {
		op := engine.DefineOp(kind, id, v)
		op.Origin, op.Author = seedOrigin, seedOrigin
		op.Seq = uint64(len(ops) + 1)
		op.HLC = engine.MakeHLC(seedEpoch.UnixMilli(), uint16(len(ops)))
		ops = append(ops, op)
	}
	for _, b := range seedBuildings {
		add(engine.KindBuildingDefined, b.ID, b)
	}
	for _, s := range seedStaff {
		add(engine.KindStaffDefined, s.ID, s)
	}
	return ops
}

// mustOpen opens the store at path for siteName; it is closed when the test
// ends (closing it earlier is fine).
func mustOpen(t *testing.T, path, siteName string, clock engine.Clock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, siteName, clock)
	if err != nil {
		t.Fatalf("open %s as %s: %v", path, siteName, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func mustClose(t *testing.T, s *store.Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// newStore opens a fresh seeded store for site in t.TempDir(), with a clock
// standing at wednesdayMorning. It returns the database path for reopening.
func newStore(t *testing.T) (*store.Store, *engine.FixedClock, string) {
	t.Helper()
	clock := engine.NewFixedClock(wednesdayMorning)
	path := filepath.Join(t.TempDir(), "pforte.db")
	s := mustOpen(t, path, site, clock)
	mustApply(t, s, seedOps())
	return s, clock, path
}

func mustApply(t *testing.T, s *store.Store, ops []engine.Op) int {
	t.Helper()
	n, err := s.Apply(context.Background(), ops)
	if err != nil {
		t.Fatalf("apply %d ops: %v", len(ops), err)
	}
	return n
}

// maria is a valid walk-in visitor of Anna Müller in Rathaus I.
func maria() engine.NewVisit {
	return engine.NewVisit{
		Building: "rathaus-1", Name: "Maria Schneider", Phone: "02921 103-0",
		Email: "maria.schneider@example.org", Host: "staff-mueller", Reason: "Rückfrage zum Bescheid",
	}
}

func mustRegister(t *testing.T, s *store.Store, n engine.NewVisit) engine.Visit {
	t.Helper()
	v, err := s.RegisterVisit(context.Background(), author, n)
	if err != nil {
		t.Fatalf("register %+v: %v", n, err)
	}
	return v
}

func mustPickUp(t *testing.T, s *store.Store, id, by string) engine.Visit {
	t.Helper()
	v, err := s.PickUpVisit(context.Background(), author, id, by)
	if err != nil {
		t.Fatalf("pick up %s: %v", id, err)
	}
	return v
}

func mustLeave(t *testing.T, s *store.Store, id string) engine.Visit {
	t.Helper()
	v, err := s.LeaveVisit(context.Background(), author, id)
	if err != nil {
		t.Fatalf("leave %s: %v", id, err)
	}
	return v
}

func mustVisit(t *testing.T, s *store.Store, id string) engine.Visit {
	t.Helper()
	v, err := s.Visit(context.Background(), id)
	if err != nil {
		t.Fatalf("visit %s: %v", id, err)
	}
	return v
}

func mustVisits(t *testing.T, s *store.Store, building, day string) []engine.Visit {
	t.Helper()
	vs, err := s.Visits(context.Background(), building, day)
	if err != nil {
		t.Fatalf("visits of %s on %s: %v", building, day, err)
	}
	return vs
}

func mustPresent(t *testing.T, s *store.Store, building string) []engine.Visit {
	t.Helper()
	vs, err := s.Present(context.Background(), building)
	if err != nil {
		t.Fatalf("present in %s: %v", building, err)
	}
	return vs
}

func mustOps(t *testing.T, s *store.Store) []engine.Op {
	t.Helper()
	ops, err := s.Ops(context.Background())
	if err != nil {
		t.Fatalf("ops: %v", err)
	}
	return ops
}

// siteOps returns the ops that origin wrote, in seq order.
func siteOps(t *testing.T, s *store.Store, origin string) []engine.Op {
	t.Helper()
	var out []engine.Op
	for _, op := range mustOps(t, s) {
		if op.Origin == origin {
			out = append(out, op)
		}
	}
	return out
}

func ids(vs []engine.Visit) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

// asJSON shows a value the way the store keeps it, for comparisons that do
// not depend on time.Time's internal location pointer.
func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal %T: %v", v, err)
	}
	return string(b)
}

// wantError checks that err is an *engine.Error with code and, if field is
// not empty, naming field.
func wantError(t *testing.T, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (field %q)", code, field)
	}
	var e *engine.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *engine.Error %s", err, err, code)
	}
	if e.Code != code || (field != "" && e.Field != field) {
		t.Fatalf("got code %q field %q (%v), want code %q field %q", e.Code, e.Field, err, code, field)
	}
}

// snapshot is everything a failed change must leave untouched.
type snapshot struct {
	ops     int
	vector  string
	visits  string
	present string
}

func takeSnapshot(t *testing.T, s *store.Store) snapshot {
	t.Helper()
	vec, err := s.Vector(context.Background())
	if err != nil {
		t.Fatalf("vector: %v", err)
	}
	var visits, present []engine.Visit
	for _, b := range seedBuildings {
		visits = append(visits, mustVisits(t, s, b.ID, engine.Day(wednesdayMorning))...)
		present = append(present, mustPresent(t, s, b.ID)...)
	}
	return snapshot{
		ops: len(mustOps(t, s)), vector: asJSON(t, vec),
		visits: asJSON(t, visits), present: asJSON(t, present),
	}
}
