package engine

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func validVisit() NewVisit {
	return NewVisit{Building: "rathaus-1", Name: "Erika Mustermann", Phone: "02921 103-0", Host: "staff-mueller"}
}

func TestNormalizeVisit(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*NewVisit)
		wantField string // "" means valid
		wantRule  string
	}{
		{"valid", func(*NewVisit) {}, "", ""},
		{"email only", func(n *NewVisit) { n.Phone, n.Email = "", "erika@example.org" }, "", ""},
		{"address only", func(n *NewVisit) { n.Phone, n.Address = "", "Markt 1, 59494 Soest" }, "", ""},
		{"umlauts and hyphen", func(n *NewVisit) { n.Name = "Jürgen Öztürk-Weiß" }, "", ""},
		{"no name", func(n *NewVisit) { n.Name = "   " }, "name", RuleRequired},
		{"2000-character name", func(n *NewVisit) { n.Name = strings.Repeat("a", 2000) }, "name", RuleTooLong},
		{"bell in name", func(n *NewVisit) { n.Name = "Erika\x07" }, "name", RuleControlChar},
		{"newline in name", func(n *NewVisit) { n.Name = "Erika\nMustermann" }, "name", RuleControlChar},
		{"line separator in name", func(n *NewVisit) { n.Name = "Erika\u2028M" }, "name", RuleControlChar},
		{"invalid UTF-8", func(n *NewVisit) { n.Name = "Erika \xff" }, "name", RuleFormat},
		{"no contact", func(n *NewVisit) { n.Phone = " " }, "contact", RuleRequired},
		{"letters as phone", func(n *NewVisit) { n.Phone = "call me" }, "phone", RuleFormat},
		{"two digits as phone", func(n *NewVisit) { n.Phone = "12" }, "phone", RuleFormat},
		{"bad e-mail", func(n *NewVisit) { n.Email = "erika@" }, "email", RuleFormat},
		{"e-mail with display name", func(n *NewVisit) { n.Email = "Erika <erika@example.org>" }, "email", RuleFormat},
		{"no host", func(n *NewVisit) { n.Host = "" }, "host", RuleRequired},
		{"no building", func(n *NewVisit) { n.Building = "" }, "building", RuleRequired},
		{"long reason", func(n *NewVisit) { n.Reason = strings.Repeat("x", MaxReasonLen+1) }, "reason", RuleTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := validVisit()
			tt.edit(&n)
			_, err := n.Normalize()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Normalize() = %v, want no error", err)
				}
				return
			}
			e := AsError(err)
			if e.Code != CodeInvalidField || e.Field != tt.wantField || e.Rule != tt.wantRule {
				t.Errorf("Normalize() = %v (field %q rule %q), want field %q rule %q", err, e.Field, e.Rule, tt.wantField, tt.wantRule)
			}
		})
	}
}

func TestNormalizeVisitTrims(t *testing.T) {
	n := validVisit()
	n.Name = "  Erika \t  Mustermann "
	n.Email = " erika@example.org "
	got, err := n.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Erika Mustermann" || got.Email != "erika@example.org" {
		t.Errorf("Normalize() name %q email %q, want trimmed", got.Name, got.Email)
	}
}

// stamp gives ops of one origin consecutive seqs and HLCs, as a site would.
func stamp(origin string, ops ...Op) []Op {
	for i := range ops {
		ops[i].Origin, ops[i].Seq, ops[i].HLC = origin, uint64(i+1), MakeHLC(1_700_000_000_000+int64(i), 0)
	}
	return ops
}

func TestFoldVisitAnyOrder(t *testing.T) {
	arrived := time.Date(2026, 11, 18, 8, 14, 0, 0, time.UTC)
	reg := RegisterOp("v1", validVisit(), arrived)
	v := Visit{ID: "v1", Status: VisitWaiting}
	pick, err := PickUp(v, "staff-schmidt", arrived.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	v.Status = VisitEscorted
	leave, err := Leave(v, arrived.Add(40*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	ops := stamp("s1", reg, pick, leave)

	want, ok, err := FoldVisit("v1", ops)
	if err != nil || !ok {
		t.Fatalf("FoldVisit = ok %v err %v", ok, err)
	}
	if want.Status != VisitLeft || want.PickedUpBy != "staff-schmidt" || !want.LeftAt.Equal(arrived.Add(40*time.Minute)) {
		t.Fatalf("folded visit = %+v", want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 50; i++ {
		shuffled := append([]Op(nil), ops...)
		shuffled = append(shuffled, ops[r.IntN(len(ops))]) // a duplicate
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got, _, err := FoldVisit("v1", shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("order %d: got %+v, want %+v", i, got, want)
		}
	}
}

func TestFoldVisitWithoutRegistration(t *testing.T) {
	pick, _ := PickUp(Visit{ID: "v1", Status: VisitWaiting}, "staff-mueller", time.Now())
	if _, ok, err := FoldVisit("v1", stamp("s1", pick)); ok || err != nil {
		t.Errorf("FoldVisit(pick-up only) ok=%v err=%v, want no visit yet", ok, err)
	}
}

func TestFoldVisitErasedPersonalData(t *testing.T) {
	reg := RegisterOp("v1", validVisit(), time.Now())
	reg.Personal = nil // what the retention purge leaves
	v, ok, err := FoldVisit("v1", stamp("s1", reg))
	if err != nil || !ok {
		t.Fatalf("FoldVisit = ok %v err %v", ok, err)
	}
	if v.Name != "" || v.Phone != "" || v.Building != "rathaus-1" {
		t.Errorf("erased visit = %+v, want building kept and no personal data", v)
	}
}

func TestVisitTransitions(t *testing.T) {
	now := time.Now()
	tests := []struct {
		status          string
		pickOK, leaveOK bool
	}{
		{VisitWaiting, true, true},
		{VisitEscorted, false, true},
		{VisitLeft, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			v := Visit{ID: "v1", Status: tt.status}
			if _, err := PickUp(v, "x", now); (err == nil) != tt.pickOK {
				t.Errorf("PickUp from %s: err %v, want ok=%v", tt.status, err, tt.pickOK)
			} else if err != nil && AsError(err).Code != CodeInvalidState {
				t.Errorf("PickUp from %s: code %s, want %s", tt.status, AsError(err).Code, CodeInvalidState)
			}
			if _, err := Leave(v, now); (err == nil) != tt.leaveOK {
				t.Errorf("Leave from %s: err %v, want ok=%v", tt.status, err, tt.leaveOK)
			}
		})
	}
}
