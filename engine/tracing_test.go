package engine

import (
	"slices"
	"testing"
	"time"
)

// tracingHall is a town hall open Tuesday and Wednesday 08:30–12:30 and
// 13:00–16:00.
var tracingHall = Building{ID: "rathaus-1", Hours: []Interval{
	{Weekday: 2, Open: "08:30", Close: "12:30"}, {Weekday: 2, Open: "13:00", Close: "16:00"},
	{Weekday: 3, Open: "08:30", Close: "12:30"}, {Weekday: 3, Open: "13:00", Close: "16:00"},
}}

// on is a wall-clock time on Tuesday 17 or Wednesday 18 November 2026.
func on(day int, hh, mm int) time.Time { return time.Date(2026, 11, day, hh, mm, 0, 0, Berlin) }

func TestOverlaps(t *testing.T) {
	const margin = 15 * time.Minute
	now := on(18, 18, 0) // the evening: the day is over
	// The index person: a visitor on Wednesday from 10:00 to 11:00.
	index, ok := VisitStay(Visit{ID: "index", Building: "rathaus-1", ArrivedAt: on(18, 10, 0), LeftAt: on(18, 11, 0)}, tracingHall, now)
	if !ok {
		t.Fatal("the index visit is no stay")
	}
	visit := func(building string, arrived, left time.Time) func() (Stay, bool) {
		return func() (Stay, bool) {
			return VisitStay(Visit{ID: "v", Building: building, ArrivedAt: arrived, LeftAt: left}, tracingHall, now)
		}
	}
	appt := func(status string, start, end, checkedIn, ended time.Time) func() (Stay, bool) {
		return func() (Stay, bool) {
			return AppointmentStay(Appointment{ID: "a", Building: "rathaus-1", Status: status,
				Start: start, End: end, CheckedInAt: checkedIn, EndedAt: ended}, now)
		}
	}
	var never time.Time
	tests := []struct {
		name   string
		stay   func() (Stay, bool)
		want   bool // a contact of the index person
		noStay bool // not a stay at all
	}{
		{"at the same time", visit("rathaus-1", on(18, 10, 15), on(18, 10, 45)), true, false},
		{"left exactly at the margin", visit("rathaus-1", on(18, 9, 0), on(18, 9, 45)), true, false},
		{"left one minute before the margin", visit("rathaus-1", on(18, 9, 0), on(18, 9, 44)), false, false},
		{"came exactly at the margin", visit("rathaus-1", on(18, 11, 15), on(18, 11, 30)), true, false},
		{"came one minute past the margin", visit("rathaus-1", on(18, 11, 16), on(18, 11, 30)), false, false},
		{"never signed out: until closing", visit("rathaus-1", on(18, 8, 40), never), true, false},
		{"never signed out, came after the index left", visit("rathaus-1", on(18, 14, 0), never), false, false},
		{"never signed out the day before", visit("rathaus-1", on(17, 15, 0), never), false, false},
		{"signed out the next morning", visit("rathaus-1", on(17, 15, 0), on(18, 10, 30)), false, false},
		{"arrived 23:50 the day before, never signed out", visit("rathaus-1", on(17, 23, 50), never), false, false},
		{"other building", visit("rathaus-2", on(18, 10, 15), on(18, 10, 45)), false, false},
		{"appointment at the same time", appt(ApptServed, on(18, 10, 30), on(18, 10, 45), on(18, 10, 20), on(18, 10, 50)), true, false},
		{"appointment checked in early", appt(ApptServed, on(18, 11, 30), on(18, 11, 45), on(18, 11, 10), on(18, 11, 40)), true, false},
		{"appointment served long after", appt(ApptServed, on(18, 11, 30), on(18, 11, 45), never, on(18, 11, 50)), false, false},
		{"appointment never checked in: its slot", appt(ApptBooked, on(18, 9, 30), on(18, 9, 50), never, never), true, false},
		{"appointment ended exactly at the margin", appt(ApptServed, on(18, 9, 30), on(18, 9, 40), never, on(18, 9, 45)), true, false},
		{"cancelled appointment", appt(ApptCancelled, on(18, 10, 30), on(18, 10, 45), never, on(18, 8, 0)), false, true},
		{"no-show", appt(ApptNoShow, on(18, 10, 30), on(18, 10, 45), never, on(18, 10, 50)), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := tt.stay()
			if ok == tt.noStay {
				t.Fatalf("is a stay: %v, want %v", ok, !tt.noStay)
			}
			if !ok {
				return
			}
			if got := Overlaps(index, s, margin); got != tt.want {
				t.Errorf("Overlaps(index %v–%v, %v–%v) = %v, want %v", index.From, index.To, s.From, s.To, got, tt.want)
			}
			if got := Overlaps(s, index, margin); got != tt.want {
				t.Errorf("Overlaps is not symmetric: %v", got)
			}
		})
	}
}

func TestVisitStayEnds(t *testing.T) {
	tests := []struct {
		name          string
		v             Visit
		now           time.Time
		wantTo        time.Time
		wantEstimated bool
	}{
		{"signed out", Visit{ArrivedAt: on(18, 9, 0), LeftAt: on(18, 9, 30)}, on(18, 18, 0), on(18, 9, 30), false},
		{"signed out after closing, same day", Visit{ArrivedAt: on(18, 15, 0), LeftAt: on(18, 17, 0)}, on(18, 18, 0), on(18, 17, 0), false},
		{"never signed out: closing", Visit{ArrivedAt: on(18, 9, 0)}, on(18, 18, 0), on(18, 16, 0), true},
		{"still there: now", Visit{ArrivedAt: on(18, 9, 0)}, on(18, 10, 0), on(18, 10, 0), true},
		{"came after closing: midnight", Visit{ArrivedAt: on(18, 16, 30)}, on(19, 9, 0), on(19, 0, 0), true},
		{"closed day: midnight", Visit{ArrivedAt: on(19, 10, 0)}, on(20, 9, 0), on(20, 0, 0), true},
		{"signed out the next day: closing", Visit{ArrivedAt: on(17, 9, 0), LeftAt: on(18, 8, 0)}, on(18, 18, 0), on(17, 16, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.Building = tracingHall.ID
			s, ok := VisitStay(tt.v, tracingHall, tt.now)
			if !ok {
				t.Fatal("no stay")
			}
			if !s.To.Equal(tt.wantTo) || s.Estimated != tt.wantEstimated {
				t.Errorf("to %v estimated %v, want %v %v", s.To.In(Berlin), s.Estimated, tt.wantTo, tt.wantEstimated)
			}
		})
	}
	if _, ok := VisitStay(Visit{ArrivedAt: on(18, 11, 0)}, tracingHall, on(18, 10, 0)); ok {
		t.Error("a visit arriving after now is a stay")
	}
	if _, ok := AppointmentStay(Appointment{Status: ApptBooked, Start: on(18, 11, 0), End: on(18, 11, 15)}, on(18, 10, 0)); ok {
		t.Error("an appointment that has not begun is a stay")
	}
}

func TestContactsListAPersonOnce(t *testing.T) {
	at := func(kind, id, appt string, from, to time.Time) Stay {
		return Stay{Kind: kind, ID: id, Building: "rathaus-1", From: from, To: to, Appointment: appt}
	}
	index := at(StayVisit, "index", "index-appt", on(18, 10, 0), on(18, 11, 0))
	stays := []Stay{
		index,
		at(StayAppointment, "index-appt", "", on(18, 10, 10), on(18, 10, 30)), // the index person's own booking
		at(StayVisit, "anna", "anna-appt", on(18, 10, 5), on(18, 10, 50)),
		at(StayAppointment, "anna-appt", "", on(18, 10, 20), on(18, 10, 40)), // Anna again
		at(StayAppointment, "bert-appt", "", on(18, 10, 20), on(18, 10, 40)), // Bert came without registering
		at(StayVisit, "carl", "", on(18, 13, 0), on(18, 14, 0)),
	}
	var got []string
	for _, s := range Contacts(index, stays, DefaultTracingMargin) {
		got = append(got, s.ID)
	}
	if want := []string{"anna", "bert-appt"}; !slices.Equal(got, want) {
		t.Errorf("contacts %v, want %v", got, want)
	}
}

func TestTracingMargin(t *testing.T) {
	if got := (Building{}).TracingMargin(); got != 15*time.Minute {
		t.Errorf("default margin %v, want 15m", got)
	}
	if got := (Building{TracingMarginMinutes: 30}).TracingMargin(); got != 30*time.Minute {
		t.Errorf("margin %v, want 30m", got)
	}
}
