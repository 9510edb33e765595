package engine

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"testing"
	"time"
)

// TestPersonalHashConfirmsNoGuess: the hash that stays after the purge
// erased a visit's personal part is not the hash of a guess of it, and
// two registrations of the same person hash differently.
func TestPersonalHashConfirmsNoGuess(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	n := NewVisit{Building: "rathaus-1", Name: "Erika Mustermann", Phone: "0170 1234567", Host: "staff-mueller"}
	at := time.Date(2026, 11, 18, 9, 0, 0, 0, Berlin)
	a := Sign(RegisterOp("v1", n, at), key)
	b := Sign(RegisterOp("v1", n, at), key)
	if bytes.Equal(a.PersonalHash, b.PersonalHash) {
		t.Fatal("the same person hashes the same twice: the hash confirms a guess")
	}
	guess := sha256.Sum256(RegisterOp("v1", n, at).Personal) // the personal part without its salt
	if bytes.Equal(guess[:], a.PersonalHash) {
		t.Fatal("the hash is the hash of the unsalted guess")
	}
	var p map[string]any
	if err := json.Unmarshal(a.Personal, &p); err != nil || p["salt"] == nil || p["name"] != "Erika Mustermann" {
		t.Fatalf("salted personal part %s", a.Personal)
	}
	if err := Verify(a, key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	a.Personal = nil // erased: still verifies
	if err := Verify(a, key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatalf("erased op does not verify: %v", err)
	}
	// The fold reads the salted part as before.
	v, ok, err := FoldVisit("v1", []Op{b})
	if err != nil || !ok || v.Name != "Erika Mustermann" {
		t.Fatalf("fold of a salted op: %+v %v %v", v, ok, err)
	}
}

func TestPersonalRecordExpires(t *testing.T) {
	r := DefaultRetention
	visit := PersonalRecord{Kind: PersonalVisit, Building: "rathaus-1", Day: "2026-11-18"}
	appt := PersonalRecord{Kind: PersonalAppointment, Building: "rathaus-1", Day: "2026-11-18"}
	tests := []struct {
		rec  PersonalRecord
		now  string
		gone bool
	}{
		{visit, "2026-12-15T23:59:00+01:00", false},
		{visit, "2026-12-16T00:00:00+01:00", true}, // 28 days after the visit day
		{appt, "2026-12-01T23:59:00+01:00", false},
		{appt, "2026-12-02T00:00:00+01:00", true},
	}
	for _, tt := range tests {
		now, _ := time.Parse(time.RFC3339, tt.now)
		if got := tt.rec.Expired(r, now); got != tt.gone {
			t.Errorf("%s of %s at %s: expired %v, want %v", tt.rec.Kind, tt.rec.Day, tt.now, got, tt.gone)
		}
	}
	h := Hold{Building: "rathaus-1", From: "2026-11-17", To: "2026-11-18", Until: "2027-01-31"}
	now := time.Date(2027, 1, 10, 9, 0, 0, 0, Berlin)
	if !h.Keeps(visit, now) || h.Keeps(PersonalRecord{Kind: PersonalVisit, Building: "rathaus-2", Day: "2026-11-18"}, now) ||
		h.Keeps(visit, time.Date(2027, 2, 1, 0, 0, 0, 0, Berlin)) {
		t.Error("hold keeps the wrong records")
	}
	h.Lifted = true
	if h.Keeps(visit, now) {
		t.Error("a lifted hold keeps records")
	}
}
