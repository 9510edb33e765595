package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

func TestRegisteredVisitSurvivesReopen(t *testing.T) {
	s, clock, path := newStore(t)
	want := mustRegister(t, s, maria())
	mustClose(t, s)

	s = mustOpen(t, path, site, clock)
	got := mustVisit(t, s, want.ID)
	if asJSON(t, got) != asJSON(t, want) {
		t.Errorf("after reopen got visit\n%+v\nwant\n%+v", got, want)
	}
	if got, want := ids(mustPresent(t, s, "rathaus-1")), []string{want.ID}; asJSON(t, got) != asJSON(t, want) {
		t.Errorf("present in rathaus-1 after reopen: got %v, want %v", got, want)
	}
	if got, want := ids(mustVisits(t, s, "rathaus-1", "2026-11-18")), []string{want.ID}; asJSON(t, got) != asJSON(t, want) {
		t.Errorf("visits of 2026-11-18 after reopen: got %v, want %v", got, want)
	}
}

func TestRegisterVisit(t *testing.T) {
	s, _, _ := newStore(t)
	n := maria()
	n.Name = "  Maria   Schneider " // reception typed extra spaces
	v := mustRegister(t, s, n)

	tests := []struct {
		what      string
		got, want any
	}{
		{"status", v.Status, engine.VisitWaiting},
		{"name (spaces folded)", v.Name, "Maria Schneider"},
		{"building", v.Building, "rathaus-1"},
		{"host", v.Host, "staff-mueller"},
		{"phone", v.Phone, "02921 103-0"},
		{"reason", v.Reason, "Rückfrage zum Bescheid"},
		{"arrived at", v.ArrivedAt.Equal(wednesdayMorning), true},
		{"picked up at", v.PickedUpAt.IsZero(), true},
		{"left at", v.LeftAt.IsZero(), true},
		{"has an id", v.ID != "", true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.what, tt.got, tt.want)
		}
	}
}

func TestPickUpThenLeave(t *testing.T) {
	s, clock, _ := newStore(t)
	v := mustRegister(t, s, maria())

	clock.Add(6 * time.Minute)
	pickedUp := clock.Now()
	v = mustPickUp(t, s, v.ID, "") // no one named: the host came
	if v.Status != engine.VisitEscorted || !v.PickedUpAt.Equal(pickedUp) || v.PickedUpBy != "staff-mueller" {
		t.Errorf("after pick-up got status %q at %v by %q, want %q at %v by staff-mueller",
			v.Status, v.PickedUpAt, v.PickedUpBy, engine.VisitEscorted, pickedUp)
	}
	if got := ids(mustPresent(t, s, "rathaus-1")); len(got) != 1 {
		t.Errorf("present after pick-up: got %v, want the visit still in the building", got)
	}

	clock.Add(47 * time.Minute)
	left := clock.Now()
	v = mustLeave(t, s, v.ID)
	if v.Status != engine.VisitLeft || !v.LeftAt.Equal(left) || !v.PickedUpAt.Equal(pickedUp) {
		t.Errorf("after leave got status %q left %v picked up %v, want %q left %v picked up %v",
			v.Status, v.LeftAt, v.PickedUpAt, engine.VisitLeft, left, pickedUp)
	}
	if got := mustPresent(t, s, "rathaus-1"); len(got) != 0 {
		t.Errorf("present after leave: got %v, want nobody", ids(got))
	}
	if got := mustVisits(t, s, "rathaus-1", "2026-11-18"); len(got) != 1 || got[0].Status != engine.VisitLeft {
		t.Errorf("visits of the day after leave: got %+v, want the one visit, left", got)
	}
}

func TestPickUpByColleague(t *testing.T) {
	s, _, _ := newStore(t)
	v := mustRegister(t, s, maria())
	v = mustPickUp(t, s, v.ID, "staff-schmidt")
	if v.PickedUpBy != "staff-schmidt" {
		t.Errorf("picked up by: got %q, want staff-schmidt", v.PickedUpBy)
	}
}

func TestVisitTransitionsRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		prepare func(t *testing.T, s *store.Store, id string) // brings the visit into its state
		try     func(s *store.Store, id string) error
		code    string
		field   string
	}{
		{
			name:    "pick up a visit that left",
			prepare: func(t *testing.T, s *store.Store, id string) { mustLeave(t, s, id) },
			try:     func(s *store.Store, id string) error { _, err := s.PickUpVisit(ctx, author, id, ""); return err },
			code:    engine.CodeInvalidState,
		},
		{
			name:    "pick up twice",
			prepare: func(t *testing.T, s *store.Store, id string) { mustPickUp(t, s, id, "") },
			try:     func(s *store.Store, id string) error { _, err := s.PickUpVisit(ctx, author, id, ""); return err },
			code:    engine.CodeInvalidState,
		},
		{
			name: "leave twice",
			prepare: func(t *testing.T, s *store.Store, id string) {
				mustPickUp(t, s, id, "")
				mustLeave(t, s, id)
			},
			try:  func(s *store.Store, id string) error { _, err := s.LeaveVisit(ctx, author, id); return err },
			code: engine.CodeInvalidState,
		},
		{
			name:    "pick up by someone who does not work here",
			prepare: func(*testing.T, *store.Store, string) {},
			try: func(s *store.Store, id string) error {
				_, err := s.PickUpVisit(ctx, author, id, "staff-nobody")
				return err
			},
			code:  engine.CodeInvalidField,
			field: "by",
		},
		{
			name:    "pick up an unknown visit",
			prepare: func(*testing.T, *store.Store, string) {},
			try: func(s *store.Store, _ string) error {
				_, err := s.PickUpVisit(ctx, author, "no-such-visit", "")
				return err
			},
			code: engine.CodeNotFound,
		},
		{
			name:    "leave an unknown visit",
			prepare: func(*testing.T, *store.Store, string) {},
			try:     func(s *store.Store, _ string) error { _, err := s.LeaveVisit(ctx, author, "no-such-visit"); return err },
			code:    engine.CodeNotFound,
		},
		{
			name:    "look up an unknown visit",
			prepare: func(*testing.T, *store.Store, string) {},
			try:     func(s *store.Store, _ string) error { _, err := s.Visit(ctx, "no-such-visit"); return err },
			code:    engine.CodeNotFound,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, _ := newStore(t)
			v := mustRegister(t, s, maria())
			clock.Add(5 * time.Minute)
			tt.prepare(t, s, v.ID)
			before := takeSnapshot(t, s)
			want := mustVisit(t, s, v.ID)

			clock.Add(5 * time.Minute)
			wantError(t, tt.try(s, v.ID), tt.code, tt.field)

			if after := takeSnapshot(t, s); after != before {
				t.Errorf("a refused change wrote something:\nbefore %+v\nafter  %+v", before, after)
			}
			if got := mustVisit(t, s, v.ID); asJSON(t, got) != asJSON(t, want) {
				t.Errorf("a refused change altered the visit:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestRegisterRefusesBadInput(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(n *engine.NewVisit)
		field string
	}{
		{"no contact", func(n *engine.NewVisit) { n.Phone, n.Email, n.Address = "", "", "" }, "contact"},
		{"contact only blanks", func(n *engine.NewVisit) { n.Phone, n.Email, n.Address = " ", "\t", "  " }, "contact"},
		{"no name", func(n *engine.NewVisit) { n.Name = "   " }, "name"},
		{"no host", func(n *engine.NewVisit) { n.Host = "" }, "host"},
		{"unknown host", func(n *engine.NewVisit) { n.Host = "staff-nobody" }, "host"},
		{"unknown building", func(n *engine.NewVisit) { n.Building = "rathaus-9" }, "building"},
		{"2,000-character name", func(n *engine.NewVisit) { n.Name = strings.Repeat("Maria ", 334)[:2000] }, "name"},
		{"bell in name", func(n *engine.NewVisit) { n.Name = "Maria\x07Schneider" }, "name"},
		{"line separator in name", func(n *engine.NewVisit) { n.Name = "Maria\u2028Schneider" }, "name"},
		{"newline in name", func(n *engine.NewVisit) { n.Name = "Maria\nSchneider" }, "name"},
		{"escape sequence in name", func(n *engine.NewVisit) { n.Name = "Maria \x1b[31mSchneider" }, "name"},
		{"invalid UTF-8 in name", func(n *engine.NewVisit) { n.Name = "Maria \xff" }, "name"},
		{"invalid e-mail", func(n *engine.NewVisit) { n.Email = "maria at example.org" }, "email"},
		{"e-mail with display name", func(n *engine.NewVisit) { n.Email = "Maria <maria@example.org>" }, "email"},
		{"letters for a phone number", func(n *engine.NewVisit) { n.Phone = "call me" }, "phone"},
		{"appointment id that does not exist", func(n *engine.NewVisit) { n.AppointmentID = "appt-1" }, "appointment_id"},
		{"reason too long", func(n *engine.NewVisit) { n.Reason = strings.Repeat("x", engine.MaxReasonLen+1) }, "reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newStore(t)
			mustRegister(t, s, maria()) // so there is something that must stay as it is
			before := takeSnapshot(t, s)

			n := maria()
			tt.edit(&n)
			v, err := s.RegisterVisit(context.Background(), author, n)
			wantError(t, err, engine.CodeInvalidField, tt.field)
			if v.ID != "" {
				t.Errorf("got visit %q with the error, want none", v.ID)
			}
			if after := takeSnapshot(t, s); after != before {
				t.Errorf("refused registration wrote something:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
}

// TestEveryChangeWritesOneOp checks the op log a sequence of changes leaves:
// one op per change, this site as origin, seq 1, 2, 3 … without gaps,
// strictly increasing HLCs, and personal data only in Personal.
func TestEveryChangeWritesOneOp(t *testing.T) {
	s, clock, _ := newStore(t)
	ctx := context.Background()
	personal := []string{"Maria Schneider", "02921 103-0", "maria.schneider@example.org",
		"Jonas Weber", "0170 1234567", "Grandweg 3, 59494 Soest", "Rückfrage zum Bescheid"}

	var a, b engine.Visit
	steps := []struct {
		name   string
		change func(t *testing.T) string // returns the visit id
		kind   string
	}{
		{"register Maria", func(t *testing.T) string { a = mustRegister(t, s, maria()); return a.ID }, engine.KindVisitRegistered},
		{"register Jonas", func(t *testing.T) string {
			b = mustRegister(t, s, engine.NewVisit{Building: "buergerbuero", Name: "Jonas Weber",
				Phone: "0170 1234567", Address: "Grandweg 3, 59494 Soest", Host: "staff-aydin"})
			return b.ID
		}, engine.KindVisitRegistered},
		{"pick up Maria", func(t *testing.T) string { mustPickUp(t, s, a.ID, ""); return a.ID }, engine.KindVisitPickedUp},
		{"refused: pick up Maria again", func(t *testing.T) string {
			_, err := s.PickUpVisit(ctx, author, a.ID, "")
			wantError(t, err, engine.CodeInvalidState, "")
			return ""
		}, ""},
		{"pick up Jonas by a colleague", func(t *testing.T) string { mustPickUp(t, s, b.ID, "staff-lange"); return b.ID }, engine.KindVisitPickedUp},
		{"Maria leaves", func(t *testing.T) string { mustLeave(t, s, a.ID); return a.ID }, engine.KindVisitLeft},
		{"refused: register without contact", func(t *testing.T) string {
			n := maria()
			n.Phone, n.Email = "", ""
			_, err := s.RegisterVisit(ctx, author, n)
			wantError(t, err, engine.CodeInvalidField, "contact")
			return ""
		}, ""},
		{"Jonas leaves", func(t *testing.T) string { mustLeave(t, s, b.ID); return b.ID }, engine.KindVisitLeft},
	}

	seedBefore := asJSON(t, siteOps(t, s, seedOrigin))
	var lastHLC engine.HLC
	var wantSeq uint64
	for _, step := range steps {
		clock.Add(3 * time.Minute)
		before := siteOps(t, s, site)
		id := step.change(t)
		after := siteOps(t, s, site)
		if step.kind == "" {
			if len(after) != len(before) {
				t.Fatalf("%s: refused change wrote %d ops", step.name, len(after)-len(before))
			}
			continue
		}
		if len(after) != len(before)+1 {
			t.Fatalf("%s: wrote %d ops, want 1", step.name, len(after)-len(before))
		}
		wantSeq++
		op := after[len(after)-1]
		if op.Origin != site || op.Seq != wantSeq || op.Kind != step.kind || op.Entity != id || op.Author != author {
			t.Errorf("%s: got op %s/%d %s on %s by %q, want %s/%d %s on %s by %q",
				step.name, op.Origin, op.Seq, op.Kind, op.Entity, op.Author, site, wantSeq, step.kind, id, author)
		}
		if op.HLC <= lastHLC {
			t.Errorf("%s: HLC %v not after the previous op's %v", step.name, op.HLC, lastHLC)
		}
		lastHLC = op.HLC
		for _, p := range personal {
			if bytes.Contains(op.Data, []byte(p)) {
				t.Errorf("%s: personal data %q in Op.Data %s", step.name, p, op.Data)
			}
		}
		if op.Kind == engine.KindVisitRegistered {
			v := mustVisit(t, s, id)
			for _, p := range []string{v.Name, v.Phone} {
				if !bytes.Contains(op.Personal, []byte(p)) {
					t.Errorf("%s: Op.Personal %s lacks %q", step.name, op.Personal, p)
				}
			}
		} else if len(op.Personal) != 0 {
			t.Errorf("%s: Op.Personal %s, want none", step.name, op.Personal)
		}
	}

	vec, err := s.Vector(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := asJSON(t, vec), asJSON(t, map[string]uint64{seedOrigin: uint64(len(seedOps())), site: wantSeq}); got != want {
		t.Errorf("vector: got %s, want %s", got, want)
	}
	if got := asJSON(t, siteOps(t, s, seedOrigin)); got != seedBefore {
		t.Errorf("the seed's ops changed:\ngot  %s\nwant %s", got, seedBefore)
	}
}

// TestOpenIsDurable: every connection of the pool writes through a WAL
// that is synced at every commit (synchronous=FULL), so a write the store
// reports done survives a power cut. The root package's
// TestAcknowledgedWritesAreDurable watches the fsync happen.
func TestOpenIsDurable(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t)
	// Held at once, so that the pool opens new connections, each with
	// the pragmas of the DSN.
	const conns = 3
	for i := range conns {
		c, err := s.ConnForTest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var synchronous int
		var journal string
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&synchronous); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if synchronous != 2 || journal != "wal" {
			t.Errorf("connection %d: synchronous %d, journal_mode %q; want 2 (FULL) and wal", i+1, synchronous, journal)
		}
	}
}

func TestOpenRefusesAnotherSitesData(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(wednesdayMorning)
	path := filepath.Join(t.TempDir(), "pforte.db")
	s := mustOpen(t, path, site, clock)
	mustApply(t, s, seedOps())
	mustClose(t, s)

	tests := []struct {
		name     string
		siteName string
	}{
		{"another site", "pforte-2"},
		{"no site", ""},
		{"same name, other case", strings.ToUpper(site)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := store.Open(ctx, path, tt.siteName, clock)
			if err == nil {
				s.Close()
			}
			wantError(t, err, engine.CodeInvalidField, "site")
		})
	}

	// The refusals left the file to its owner.
	s = mustOpen(t, path, site, clock)
	if got := len(mustOps(t, s)); got != len(seedOps()) {
		t.Errorf("after refused opens the owner sees %d ops, want %d", got, len(seedOps()))
	}
}

// TestDataDirWithURICharacters: a data directory may be named anything the
// file system allows; characters that mean something in a URI must not send
// the database elsewhere.
func TestDataDirWithURICharacters(t *testing.T) {
	tests := []struct {
		name string
		dir  string
	}{
		{"space", "Pforte Daten"},
		{"hash", "site#1"},
		{"question mark", "wer?"},
		{"percent", "100%41"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := engine.NewFixedClock(wednesdayMorning)
			path := filepath.Join(t.TempDir(), tt.dir, "pforte.db")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				t.Fatal(err)
			}
			s := mustOpen(t, path, site, clock)
			mustApply(t, s, seedOps())
			v := mustRegister(t, s, maria())
			mustClose(t, s)

			if _, err := os.Stat(path); err != nil {
				t.Fatalf("no database at %s: the store wrote it elsewhere", path)
			}
			s = mustOpen(t, path, site, clock)
			if got := mustVisit(t, s, v.ID); got.Name != "Maria Schneider" {
				t.Errorf("after reopen got %q, want Maria Schneider", got.Name)
			}
		})
	}
}

// TestVisitsByBerlinDay: a visit belongs to the local day it arrived on, not
// the UTC day.
func TestVisitsByBerlinDay(t *testing.T) {
	tests := []struct {
		name      string
		arrival   time.Time
		day, not  string
		wantLocal string
	}{
		{"23:30 on the 18th is the 18th though 22:30 UTC",
			time.Date(2026, 11, 18, 22, 30, 0, 0, time.UTC), "2026-11-18", "2026-11-19", "23:30"},
		{"00:30 on the 19th is the 19th though the 18th in UTC",
			time.Date(2026, 11, 18, 23, 30, 0, 0, time.UTC), "2026-11-19", "2026-11-18", "00:30"},
		{"summer time: 00:30 on 1 July is 1 July though 22:30 UTC on 30 June",
			time.Date(2026, 6, 30, 22, 30, 0, 0, time.UTC), "2026-07-01", "2026-06-30", "00:30"},
		{"the night clocks go back: 02:30 CET on 25 October is the 25th",
			time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "2026-10-25", "2026-10-24", "02:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock, _ := newStore(t)
			clock.Set(tt.arrival)
			v := mustRegister(t, s, maria())
			if got := v.ArrivedAt.In(engine.Berlin).Format("15:04"); got != tt.wantLocal {
				t.Errorf("arrived at %s Berlin time, want %s", got, tt.wantLocal)
			}
			if got := ids(mustVisits(t, s, "rathaus-1", tt.day)); len(got) != 1 || got[0] != v.ID {
				t.Errorf("visits of %s: got %v, want [%s]", tt.day, got, v.ID)
			}
			if got := mustVisits(t, s, "rathaus-1", tt.not); len(got) != 0 {
				t.Errorf("visits of %s: got %v, want none", tt.not, ids(got))
			}
			if got := mustVisits(t, s, "buergerbuero", tt.day); len(got) != 0 {
				t.Errorf("visits of buergerbuero on %s: got %v, want none", tt.day, ids(got))
			}
		})
	}
}

// TestHLCSurvivesClockSetBack: the wall clock jumps back an hour (a bad NTP
// server, a dead RTC battery); later changes still order after earlier ones,
// also across a restart.
func TestHLCSurvivesClockSetBack(t *testing.T) {
	s, clock, path := newStore(t)
	v := mustRegister(t, s, maria())

	clock.Add(-time.Hour)
	mustPickUp(t, s, v.ID, "")
	clock.Add(-time.Hour)
	got := mustLeave(t, s, v.ID)
	if got.Status != engine.VisitLeft {
		t.Errorf("after pick-up and leave with the clock set back: status %q, want %q", got.Status, engine.VisitLeft)
	}

	ops := siteOps(t, s, site)
	wantKinds := []string{engine.KindVisitRegistered, engine.KindVisitPickedUp, engine.KindVisitLeft}
	if len(ops) != len(wantKinds) {
		t.Fatalf("got %d ops, want %d", len(ops), len(wantKinds))
	}
	for i, op := range ops {
		if op.Kind != wantKinds[i] {
			t.Errorf("op %d: got %s, want %s", i+1, op.Kind, wantKinds[i])
		}
		if i > 0 && op.HLC <= ops[i-1].HLC {
			t.Errorf("op %d (%s) HLC %v not after op %d's %v", i+1, op.Kind, op.HLC, i, ops[i-1].HLC)
		}
	}

	// A restart with the clock a day behind does not reuse old stamps.
	mustClose(t, s)
	clock.Add(-24 * time.Hour)
	s = mustOpen(t, path, site, clock)
	w := mustRegister(t, s, maria())
	ops = siteOps(t, s, site)
	if last, prev := ops[len(ops)-1], ops[len(ops)-2]; last.Entity != w.ID || last.HLC <= prev.HLC {
		t.Errorf("after restart: op on %s HLC %v, want an op on %s after %v", last.Entity, last.HLC, w.ID, prev.HLC)
	}
	if got := mustVisit(t, s, v.ID); got.Status != engine.VisitLeft {
		t.Errorf("after restart the first visit is %q, want %q", got.Status, engine.VisitLeft)
	}

	// An op from a site whose clock runs an hour ahead moves ours past it.
	ahead := engine.RegisterOp("visit-from-ahead", engine.NewVisit{Building: "rathaus-1", Name: "Eva Voraus",
		Phone: "123", Host: "staff-mueller"}, wednesdayMorning.Add(time.Hour))
	ahead.Origin, ahead.Seq, ahead.Author = "pforte-ahead", 1, "reception-2"
	ahead.HLC = engine.MakeHLC(wednesdayMorning.Add(time.Hour).UnixMilli(), 7)
	mustApply(t, s, []engine.Op{ahead})
	mustPickUp(t, s, "visit-from-ahead", "")
	ops = siteOps(t, s, site)
	if last := ops[len(ops)-1]; last.HLC <= ahead.HLC {
		t.Errorf("local op after receiving %v got HLC %v, want a later one", ahead.HLC, last.HLC)
	}
	if got := mustVisit(t, s, "visit-from-ahead"); got.Status != engine.VisitEscorted {
		t.Errorf("visit from the site ahead: status %q, want %q", got.Status, engine.VisitEscorted)
	}
}
