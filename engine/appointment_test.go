package engine

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// erika is a complete, valid booking at the town hall's desk.
func erika() BookingRequest {
	return BookingRequest{
		Building: "rathaus-1", Services: []string{"ausweis", "meldung"}, Start: wall("2026-11-23", "08:30"),
		Channel: ChannelDesk,
		Citizen: Citizen{Name: "Erika Mustermann", BirthDate: "1964-08-12", Phone: "02921 103-0", Email: "erika@example.org"},
	}
}

// erikaSlot is where erika's appointment was allocated.
func erikaSlot() Slot {
	return Slot{Start: wall("2026-11-23", "08:30"), End: wall("2026-11-23", "08:55"), Counter: "k1", Room: "sz-1"}
}

// stampAt stamps op as the seq-th op of origin with HLC tick (ms after a fixed
// epoch), as that site would.
func stampAt(origin string, seq uint64, tick int64, op Op) Op {
	op.Origin, op.Seq, op.HLC = origin, seq, MakeHLC(1_795_000_000_000+tick, 0)
	return op
}

// allowed returns op, failing the test on a transition the state forbids.
func allowed(t *testing.T) func(Op, error) Op {
	return func(op Op, err error) Op {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
}

func foldA1(t *testing.T, ops []Op) Appointment {
	t.Helper()
	a, ok, err := FoldAppointment("a1", ops)
	if err != nil || !ok {
		t.Fatalf("FoldAppointment = ok %v, err %v", ok, err)
	}
	return a
}

// Each transition op as a site makes it from the state it sees.
func bookOp(at time.Time) Op { return BookOp("a1", "K7Q2", erika(), erikaSlot(), at, "") }
func checkInOp(t *testing.T, ticket string, at time.Time) Op {
	return allowed(t)(CheckIn(Appointment{ID: "a1", Status: ApptBooked}, ticket, at))
}
func callOp(t *testing.T, counter string, at time.Time) Op {
	return allowed(t)(Call(Appointment{ID: "a1", Status: ApptCheckedIn}, counter, at))
}
func serveOp(t *testing.T, at time.Time) Op {
	return allowed(t)(Serve(Appointment{ID: "a1", Status: ApptCalled}, at))
}
func noShowOp(t *testing.T, at time.Time) Op {
	return allowed(t)(NoShow(Appointment{ID: "a1", Status: ApptCalled}, at))
}
func cancelOp(t *testing.T, at time.Time) Op {
	return allowed(t)(Cancel(Appointment{ID: "a1", Status: ApptBooked}, at))
}

func TestFoldAppointmentAnyOrder(t *testing.T) {
	day := "2026-11-23"
	ops := []Op{
		stampAt("s1", 1, 0, bookOp(wall("2026-11-16", "10:00"))),
		stampAt("s2", 1, 10, checkInOp(t, "R-017", wall(day, "08:21"))),
		stampAt("s3", 1, 20, callOp(t, "k1", wall(day, "08:32"))),
		stampAt("s3", 2, 30, serveOp(t, wall(day, "08:51"))),
	}
	want := foldA1(t, ops)
	if want.Status != ApptServed || want.Ticket != "R-017" || want.CalledTo != "k1" || want.Counter != "k1" ||
		want.Room != "sz-1" || want.Code != "K7Q2" || want.Citizen.Name != "Erika Mustermann" ||
		!want.Start.Equal(erikaSlot().Start) || !want.EndedAt.Equal(wall(day, "08:51")) || want.SameDay {
		t.Fatalf("folded = %+v", want)
	}
	r := rand.New(rand.NewPCG(7, 23))
	for i := range 200 {
		shuffled := append([]Op(nil), ops...)
		for range r.IntN(4) {
			shuffled = append(shuffled, ops[r.IntN(len(ops))]) // delivered twice
		}
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := foldA1(t, shuffled); !reflect.DeepEqual(got, want) {
			t.Fatalf("order %d: got %+v,\nwant %+v", i, got, want)
		}
	}
}

// permutations lists every order of ops.
func permutations(ops []Op) [][]Op {
	if len(ops) <= 1 {
		return [][]Op{append([]Op(nil), ops...)}
	}
	var out [][]Op
	for i := range ops {
		rest := append(append([]Op(nil), ops[:i]...), ops[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]Op{ops[i]}, p...))
		}
	}
	return out
}

// TestFoldAppointmentConflicts: two sites act on the same appointment at
// once, each from the state it saw. Every site folds the same result,
// whatever order the ops arrive in; the fold order (HLC, origin, seq)
// decides.
func TestFoldAppointmentConflicts(t *testing.T) {
	day := "2026-11-23"
	book := stampAt("s1", 1, 0, bookOp(wall("2026-11-16", "10:00")))
	tests := []struct {
		name     string
		ops      []Op
		status   string
		ticket   string
		calledTo string
		endedAt  time.Time
	}{
		{"cancel before check-in", []Op{
			stampAt("site-a", 1, 10, cancelOp(t, wall(day, "08:00"))),
			stampAt("site-b", 1, 20, checkInOp(t, "R-001", wall(day, "08:01"))),
		}, ApptCancelled, "", "", wall(day, "08:00")},
		{"check-in before cancel", []Op{
			stampAt("site-b", 1, 10, checkInOp(t, "R-001", wall(day, "08:01"))),
			stampAt("site-a", 1, 20, cancelOp(t, wall(day, "08:00"))),
		}, ApptCancelled, "R-001", "", wall(day, "08:00")},
		{"same HLC: the origin decides", []Op{
			stampAt("site-a", 1, 10, cancelOp(t, wall(day, "08:00"))),
			stampAt("site-b", 1, 10, checkInOp(t, "R-001", wall(day, "08:00"))),
		}, ApptCancelled, "", "", wall(day, "08:00")},
		{"two check-ins: the first ticket", []Op{
			stampAt("site-b", 1, 10, checkInOp(t, "R-002", wall(day, "08:02"))),
			stampAt("site-a", 1, 10, checkInOp(t, "R-001", wall(day, "08:01"))),
		}, ApptCheckedIn, "R-001", "", time.Time{}},
		{"served, then a no-show from another desk", []Op{
			stampAt("site-a", 1, 10, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("site-a", 2, 20, serveOp(t, wall(day, "08:50"))),
			stampAt("site-b", 1, 30, noShowOp(t, wall(day, "08:55"))),
		}, ApptServed, "R-001", "", wall(day, "08:50")},
		{"no-show, then served from another desk", []Op{
			stampAt("site-a", 1, 10, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("site-b", 1, 20, noShowOp(t, wall(day, "08:55"))),
			stampAt("site-a", 2, 30, serveOp(t, wall(day, "08:50"))),
		}, ApptNoShow, "R-001", "", wall(day, "08:55")},
		{"two calls: the later in fold order", []Op{
			stampAt("site-a", 1, 10, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("site-b", 1, 30, callOp(t, "k2", wall(day, "08:31"))),
			stampAt("site-a", 2, 20, callOp(t, "k1", wall(day, "08:30"))),
		}, ApptCalled, "R-001", "k2", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, order := range permutations(append([]Op{book}, tt.ops...)) {
				got := foldA1(t, order)
				if got.Status != tt.status || got.Ticket != tt.ticket || got.CalledTo != tt.calledTo || !got.EndedAt.Equal(tt.endedAt) {
					t.Fatalf("order %d: status %s ticket %q called to %q ended %v; want %s %q %q %v",
						i, got.Status, got.Ticket, got.CalledTo, got.EndedAt, tt.status, tt.ticket, tt.calledTo, tt.endedAt)
				}
			}
		})
	}
}

func TestFoldAppointmentTransitions(t *testing.T) {
	day := "2026-11-23"
	book := stampAt("s1", 1, 0, bookOp(wall("2026-11-16", "10:00")))
	tests := []struct {
		name    string
		ops     []Op // after the booking, in fold order
		status  string
		endedAt time.Time
	}{
		{"served needs a check-in first", []Op{stampAt("s1", 2, 10, serveOp(t, wall(day, "08:50")))}, ApptBooked, time.Time{}},
		{"a call needs a check-in first", []Op{stampAt("s1", 2, 10, callOp(t, "k1", wall(day, "08:30")))}, ApptBooked, time.Time{}},
		{"served before the check-in in fold order", []Op{
			stampAt("s2", 1, 10, serveOp(t, wall(day, "08:50"))),
			stampAt("s1", 2, 20, checkInOp(t, "R-001", wall(day, "08:20"))),
		}, ApptCheckedIn, time.Time{}},
		{"served straight after the check-in", []Op{
			stampAt("s1", 2, 10, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("s1", 3, 20, serveOp(t, wall(day, "08:50"))),
		}, ApptServed, wall(day, "08:50")},
		{"a no-show without check-in", []Op{stampAt("s1", 2, 10, noShowOp(t, wall(day, "09:00")))}, ApptNoShow, wall(day, "09:00")},
		{"cancelled ignores everything after", []Op{
			stampAt("s1", 2, 10, cancelOp(t, wall(day, "07:00"))),
			stampAt("s2", 1, 20, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("s2", 2, 30, callOp(t, "k1", wall(day, "08:30"))),
			stampAt("s2", 3, 40, serveOp(t, wall(day, "08:50"))),
			stampAt("s3", 1, 50, cancelOp(t, wall(day, "09:00"))),
		}, ApptCancelled, wall(day, "07:00")},
		// Two sites apart: one serves, the other cancels (and, owning the
		// place's tokens, may give it again): the cancel wins, folded
		// after the serve or before it.
		{"a later cancel wins over served", []Op{
			stampAt("s1", 2, 10, checkInOp(t, "R-001", wall(day, "08:20"))),
			stampAt("s1", 3, 20, serveOp(t, wall(day, "08:50"))),
			stampAt("s2", 1, 30, cancelOp(t, wall(day, "09:00"))),
			stampAt("s2", 2, 40, noShowOp(t, wall(day, "09:01"))),
		}, ApptCancelled, wall(day, "09:00")},
		{"no-show ignores a later check-in", []Op{
			stampAt("s1", 2, 10, noShowOp(t, wall(day, "09:00"))),
			stampAt("s2", 1, 20, checkInOp(t, "R-001", wall(day, "09:10"))),
		}, ApptNoShow, wall(day, "09:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := foldA1(t, append([]Op{book}, tt.ops...))
			if got.Status != tt.status || !got.EndedAt.Equal(tt.endedAt) {
				t.Errorf("status %s ended %v, want %s ended %v", got.Status, got.EndedAt, tt.status, tt.endedAt)
			}
			if got.Final() != (tt.status != ApptBooked && tt.status != ApptCheckedIn && tt.status != ApptCalled) {
				t.Errorf("Final() = %v for %s", got.Final(), got.Status)
			}
		})
	}

	t.Run("no booking yet", func(t *testing.T) {
		if _, ok, err := FoldAppointment("a1", []Op{stampAt("s2", 1, 10, checkInOp(t, "R-001", wall(day, "08:20")))}); ok || err != nil {
			t.Errorf("FoldAppointment(check-in only) ok %v err %v, want no appointment yet", ok, err)
		}
	})
	t.Run("a foreign op kind", func(t *testing.T) {
		op := stampAt("s2", 1, 10, Op{Kind: KindVisitLeft, Entity: "a1", Data: json.RawMessage(`{"at":1}`)})
		if _, _, err := FoldAppointment("a1", []Op{book, op}); err == nil {
			t.Error("FoldAppointment with a visit op: no error")
		}
	})
	t.Run("a broken payload", func(t *testing.T) {
		op := stampAt("s2", 1, 10, Op{Kind: KindApptCancelled, Entity: "a1", Data: json.RawMessage(`{"at":`)})
		if _, _, err := FoldAppointment("a1", []Op{book, op}); err == nil {
			t.Error("FoldAppointment with a broken payload: no error")
		}
	})
}

func TestAppointmentTransitionChecks(t *testing.T) {
	at := wall("2026-11-23", "08:30")
	tests := []struct {
		status                                   string
		cancel, checkIn, call, serve, noShowAble bool
	}{
		{ApptBooked, true, true, false, false, true},
		{ApptCheckedIn, true, false, true, true, true},
		{ApptCalled, true, false, true, true, true},
		{ApptServed, false, false, false, false, false},
		{ApptNoShow, false, false, false, false, false},
		{ApptCancelled, false, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			a := Appointment{ID: "a1", Status: tt.status}
			for _, c := range []struct {
				name string
				want bool
				err  error
			}{
				{"cancel", tt.cancel, errOf(Cancel(a, at))},
				{"check in", tt.checkIn, errOf(CheckIn(a, "R-001", at))},
				{"call", tt.call, errOf(Call(a, "k1", at))},
				{"serve", tt.serve, errOf(Serve(a, at))},
				{"no-show", tt.noShowAble, errOf(NoShow(a, at))},
			} {
				if (c.err == nil) != c.want {
					t.Errorf("%s from %s: err %v, want allowed %v", c.name, tt.status, c.err, c.want)
				}
				if c.err != nil && AsError(c.err).Code != CodeInvalidState {
					t.Errorf("%s from %s: %v, want %s", c.name, tt.status, c.err, CodeInvalidState)
				}
			}
		})
	}
}

func errOf(_ Op, err error) error { return err }

func TestBookingRequestNormalize(t *testing.T) {
	now := wall("2026-11-16", "10:00")
	tests := []struct {
		name  string
		edit  func(r *BookingRequest)
		field string // "" means valid
		rule  string
	}{
		{"valid", func(*BookingRequest) {}, "", ""},
		{"channel defaults to desk", func(r *BookingRequest) { r.Channel = " " }, "", ""},
		{"online with e-mail", func(r *BookingRequest) { r.Channel = ChannelOnline }, "", ""},
		{"phone without e-mail", func(r *BookingRequest) { r.Channel, r.Citizen.Email = ChannelPhone, "" }, "", ""},
		{"born 1900-01-01", func(r *BookingRequest) { r.Citizen.BirthDate = "1900-01-01" }, "", ""},
		{"born today", func(r *BookingRequest) { r.Citizen.BirthDate = "2026-11-16" }, "", ""},
		{"no building", func(r *BookingRequest) { r.Building = " " }, "building", RuleRequired},
		{"no service", func(r *BookingRequest) { r.Services = nil }, "services", RuleRequired},
		{"five services", func(r *BookingRequest) {
			r.Services = []string{"ausweis", "meldung", "gewerbe", "beglaubigung", "wohngeld"}
		}, "services", RuleTooLong},
		{"a service twice", func(r *BookingRequest) { r.Services = []string{"ausweis", "ausweis"} }, "services", RuleFormat},
		{"an empty service id", func(r *BookingRequest) { r.Services = []string{"ausweis", ""} }, "services", RuleRequired},
		{"no start", func(r *BookingRequest) { r.Start = time.Time{} }, "start", RuleRequired},
		{"unknown channel", func(r *BookingRequest) { r.Channel = "fax" }, "channel", RuleFormat},
		{"no name", func(r *BookingRequest) { r.Citizen.Name = "  " }, "citizen.name", RuleRequired},
		{"name too long", func(r *BookingRequest) { r.Citizen.Name = strings.Repeat("a", MaxNameLen+1) }, "citizen.name", RuleTooLong},
		{"newline in name", func(r *BookingRequest) { r.Citizen.Name = "Erika\nMustermann" }, "citizen.name", RuleControlChar},
		{"no birth date", func(r *BookingRequest) { r.Citizen.BirthDate = "" }, "citizen.birth_date", RuleRequired},
		{"birth date in the future", func(r *BookingRequest) { r.Citizen.BirthDate = "2026-11-17" }, "citizen.birth_date", RuleFormat},
		{"born 1899", func(r *BookingRequest) { r.Citizen.BirthDate = "1899-12-31" }, "citizen.birth_date", RuleFormat},
		{"birth date German style", func(r *BookingRequest) { r.Citizen.BirthDate = "12.08.1964" }, "citizen.birth_date", RuleFormat},
		{"birth date garbage", func(r *BookingRequest) { r.Citizen.BirthDate = "yesterday" }, "citizen.birth_date", RuleFormat},
		{"no such birth date", func(r *BookingRequest) { r.Citizen.BirthDate = "1964-02-30" }, "citizen.birth_date", RuleFormat},
		{"online without e-mail", func(r *BookingRequest) { r.Channel, r.Citizen.Email = ChannelOnline, " " }, "citizen.email", RuleRequired},
		{"bad e-mail", func(r *BookingRequest) { r.Citizen.Email = "erika@" }, "citizen.email", RuleFormat},
		{"letters as phone", func(r *BookingRequest) { r.Citizen.Phone = "call me" }, "citizen.phone", RuleFormat},
		{"two digits as phone", func(r *BookingRequest) { r.Citizen.Phone = "12" }, "citizen.phone", RuleFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := erika()
			tt.edit(&r)
			got, err := r.Normalize(now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Normalize() = %v, want valid", err)
				}
				if got.Channel == "" {
					t.Errorf("Normalize() left the channel empty")
				}
				return
			}
			var e *Error
			if e = AsError(err); err == nil || e.Code != CodeInvalidField || e.Field != tt.field || e.Rule != tt.rule {
				t.Fatalf("Normalize() = %v (field %q rule %q), want field %q rule %q", err, e.Field, e.Rule, tt.field, tt.rule)
			}
		})
	}
}

func TestBookingRequestNormalizeTrims(t *testing.T) {
	r := erika()
	r.Building, r.Channel = " rathaus-1 ", " online "
	r.Citizen = Citizen{Name: "  Erika \t Mustermann ", BirthDate: " 1964-08-12 ", Phone: " 02921 103-0 ", Email: " erika@example.org "}
	got, err := r.Normalize(wall("2026-11-16", "10:00"))
	if err != nil {
		t.Fatal(err)
	}
	want := Citizen{Name: "Erika Mustermann", BirthDate: "1964-08-12", Phone: "02921 103-0", Email: "erika@example.org"}
	if got.Building != "rathaus-1" || got.Channel != ChannelOnline || got.Citizen != want {
		t.Errorf("Normalize() = %+v", got)
	}
}

// TestBookOpKeepsPersonalDataApart: the retention purge erases
// Op.Personal, so a citizen's data must be nowhere else in the op.
func TestBookOpKeepsPersonalDataApart(t *testing.T) {
	r, err := erika().Normalize(wall("2026-11-16", "10:00"))
	if err != nil {
		t.Fatal(err)
	}
	op := BookOp("a1", "K7Q2", r, erikaSlot(), wall("2026-11-16", "10:00"), "")
	for _, s := range []string{r.Citizen.Name, "Erika", "Mustermann", r.Citizen.BirthDate, r.Citizen.Phone, r.Citizen.Email, "example.org"} {
		if strings.Contains(string(op.Data), s) {
			t.Errorf("Op.Data holds personal data %q: %s", s, op.Data)
		}
	}
	var data map[string]any
	if err := json.Unmarshal(op.Data, &data); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"citizen", "name", "birth_date", "phone", "email"} {
		if _, ok := data[k]; ok {
			t.Errorf("Op.Data has the key %q", k)
		}
	}
	var personal Citizen
	if err := json.Unmarshal(op.Personal, &personal); err != nil || personal != r.Citizen {
		t.Errorf("Op.Personal = %s (%v), want the citizen %+v", op.Personal, err, r.Citizen)
	}
	for _, o := range []Op{cancelOp(t, wall("2026-11-20", "09:00")), checkInOp(t, "R-001", wall("2026-11-23", "08:20"))} {
		if len(o.Personal) != 0 {
			t.Errorf("%s carries personal data %s", o.Kind, o.Personal)
		}
	}

	t.Run("erased by the purge", func(t *testing.T) {
		erased := stampAt("s1", 1, 0, op)
		erased.Personal = nil
		a := foldA1(t, []Op{erased})
		if a.Citizen != (Citizen{}) || a.Counter != "k1" || a.Code != "K7Q2" || !a.Start.Equal(erikaSlot().Start) {
			t.Errorf("erased appointment = %+v, want no citizen and the rest kept", a)
		}
	})
}

func TestBookOpSameDay(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		want bool
	}{
		{"a week ahead", wall("2026-11-16", "10:00"), false},
		{"the evening before", wall("2026-11-22", "23:59"), false},
		{"early in the morning", wall("2026-11-23", "07:50"), true},
		// 23:30 UTC on the 22nd is already the 23rd in Berlin.
		{"after local midnight, before UTC midnight", time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := foldA1(t, []Op{stampAt("s1", 1, 0, BookOp("a1", "K7Q2", erika(), erikaSlot(), tt.at, ""))})
			if a.SameDay != tt.want {
				t.Errorf("SameDay = %v, want %v", a.SameDay, tt.want)
			}
		})
	}
}
