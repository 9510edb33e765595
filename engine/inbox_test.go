package engine

import (
	"testing"
	"time"
)

func TestFoldInboxAnyOrder(t *testing.T) {
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, Berlin)
	add := AddInboxOp(InboxNote{Kind: InboxMoved, Building: "buergerbuero", Appointment: "a1", NewAppointment: "a2",
		Code: "K7M2QX", Citizen: Citizen{Name: "Hans Müller", Phone: "02921 555-1"}, OldStart: at,
		NewStart: at.Add(10 * time.Minute), Reason: "Schalter 1 nicht besetzt (Krankheit)"}, at)
	add.Origin, add.Seq, add.HLC = "site-a", 1, MakeHLC(at.UnixMilli(), 0)
	called, err := ResolveInbox(add.Entity, InboxCalled, "desk-b", at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	called.Origin, called.Seq, called.HLC = "site-b", 1, MakeHLC(at.Add(time.Hour).UnixMilli(), 0)
	done, _ := ResolveInbox(add.Entity, InboxDone, "desk-c", at.Add(time.Hour))
	done.Origin, done.Seq, done.HLC = "site-c", 1, MakeHLC(at.Add(time.Hour).UnixMilli(), 1)

	orders := [][]Op{{add, called, done}, {done, called, add}, {called, add, done}, {done, add, called}}
	var want InboxEntry
	for i, ops := range orders {
		got, ok, err := FoldInbox(add.Entity, ops)
		if err != nil || !ok {
			t.Fatalf("order %d: %v, ok %v", i, err, ok)
		}
		if i == 0 {
			want = got
			if !got.Resolved || got.Action != InboxCalled || got.Citizen.Name != "Hans Müller" || got.NewStart == nil {
				t.Fatalf("fold: %+v; want resolved by the earlier call", got)
			}
			continue
		}
		if got.Action != want.Action || got.By != want.By || got.Code != want.Code || !got.ResolvedAt.Equal(want.ResolvedAt) {
			t.Errorf("order %d folds %+v, want %+v", i, got, want)
		}
	}
	if _, ok, _ := FoldInbox(add.Entity, []Op{called}); ok {
		t.Error("a resolution without its entry folds to an entry")
	}
	if _, err := ResolveInbox(add.Entity, "gelesen", "x", at); AsError(err).Field != "action" {
		t.Errorf("bad action: %v, want invalid field action", err)
	}
}
