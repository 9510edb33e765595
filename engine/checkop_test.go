package engine

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

var opTime = time.Date(2026, 11, 18, 9, 14, 0, 0, Berlin)

// stamped gives op what a store gives it when it writes it.
func stamped(op Op) Op {
	op.Origin, op.Seq, op.Author = "rathaus", 7, "empfang"
	op.HLC = MakeHLC(opTime.UnixMilli(), 0)
	return op
}

// goodBuilding is a building as the demo defines one, escrowed.
func goodBuilding() Building {
	return Building{ID: "rathaus-1", Name: "Rathaus 1", Address: "Am Vreithof 8, 59494 Soest", Entrance: "Haupteingang",
		Hours: []Interval{{Weekday: 1, Open: "08:30", Close: "12:30"}}, SlotMinutes: 15, TicketPrefix: "A",
		VisitReasons: []string{"Abholung"}, HomeSite: "rathaus",
		Booking: BookingRules{DayTickets: 20, Allotments: map[string]int{"filiale": 20}}}
}

func goodCitizen() Citizen {
	return Citizen{Name: "Erika Mustermann", BirthDate: "1964-08-12", Phone: "02921 103-0"}
}

// goodOps are ops as Pforte writes them, one or more of each kind.
func goodOps(t *testing.T) map[string]Op {
	t.Helper()
	req := BookingRequest{Building: "rathaus-1", Services: []string{"meldebescheinigung"}, Channel: ChannelDesk, Citizen: goodCitizen()}
	slot := Slot{Start: opTime.Add(time.Hour), End: opTime.Add(time.Hour + 15*time.Minute), Counter: "k1"}
	tokens := PlaceTokens(goodBuilding(), slot)
	appt := Appointment{ID: "a1", Status: ApptBooked}
	checkedIn := Appointment{ID: "a1", Status: ApptCheckedIn}
	visit := Visit{ID: "v1", Status: VisitWaiting}
	must := func(op Op, err error) Op {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	ops := map[string]Op{
		"building":            DefineOp(KindBuildingDefined, "rathaus-1", goodBuilding()),
		"service":             DefineOp(KindServiceDefined, "s1", Service{ID: "s1", Name: "Meldebescheinigung", DurationMin: 15, Documents: []string{"Ausweis"}, Buildings: []string{"rathaus-1"}}),
		"staff":               DefineOp(KindStaffDefined, "staff-mueller", Staff{ID: "staff-mueller", Name: "Petra Müller", Department: "Bürgerbüro", Building: "rathaus-1"}),
		"counter":             DefineOp(KindCounterDefined, "k1", Counter{ID: "k1", Building: "rathaus-1", Name: "Schalter 1", Services: []string{"s1"}, Absences: []DateRange{{From: "2026-11-19", To: "2026-11-19", Reason: "Krankheit"}}}),
		"room":                DefineOp(KindRoomDefined, "r1", Room{ID: "r1", Building: "rathaus-1", Name: "Raum 1"}),
		"visit":               RegisterOp("v1", NewVisit{Building: "rathaus-1", Name: "Erika Mustermann", Phone: "02921 103-0", Host: "staff-mueller"}, opTime),
		"pick-up":             must(PickUp(visit, "staff-mueller", opTime)),
		"coming":              must(Acknowledge(visit, "staff-mueller", opTime)),
		"leave":               must(Leave(visit, opTime)),
		"booking":             BookOnTokens("a1", "K7Q2", req, slot, opTime, "", tokens, "", map[string]uint64{"rathaus": 3}),
		"check-in":            must(CheckIn(appt, "A-001", opTime)),
		"call":                must(Call(checkedIn, "k1", opTime)),
		"served":              must(Serve(checkedIn, opTime)),
		"no-show":             must(NoShow(appt, opTime)),
		"cancel":              must(Cancel(appt, opTime)),
		"transfer":            TransferOp("rathaus-1", "2026-11-19", "filiale", []Cell{{Resource: "k1", Block: 9}}, nil, map[string]uint64{"rathaus": 3}, "allotment"),
		"inbox":               AddInboxOp(InboxNote{Kind: InboxUnplaced, Building: "rathaus-1", Appointment: "a1", Code: "K7Q2", Citizen: goodCitizen(), OldStart: opTime, Reason: "Schalter 1 nicht besetzt (Krankheit)"}, opTime),
		"inbox resolved":      must(ResolveInbox("unplaced:a1", InboxCalled, "leitung", opTime)),
		"account":             AccountOp(AccountSpec{User: "b.schulz", Name: "Birgit Schulz", Roles: []string{RoleClerk}, Buildings: []string{}}),
		"password":            PasswordOp("b.schulz", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"),
		"pin cleared":         PINOp("b.schulz", ""),
		"device":              DeviceAddedOp("d1", DeviceSpec{Name: "Kiosk Eingang", Kind: DeviceKiosk, Building: "rathaus-1"}, "abc123", opTime, opTime.Add(time.Hour)),
		"device paired":       DevicePairedOp("d1", "def456"),
		"device revoked":      DeviceRevokedOp("d1"),
		"audit":               AuditOp(AuditEntry{ID: "au1", At: opTime, User: "empfang", Site: "rathaus", Action: AuditRead, Route: "GET /api/visits", Building: "rathaus-1", Day: "2026-11-18", Entities: []string{"v1"}}),
		"hold":                HoldOp("h1", NewHold{Building: "rathaus-1", From: "2026-11-01", To: "2026-11-10", Reason: "Anfrage Gesundheitsamt", Until: "2027-01-31"}, "datenschutz", opTime),
		"hold lifted":         LiftHoldOp("h1", "datenschutz", opTime),
		"erasure":             ErasureOp("e1", Erasure{IDs: []string{"v1"}, Reason: "Antrag nach Art. 17"}),
		"building, no tokens": DefineOp(KindBuildingDefined, "rathaus-2", Building{ID: "rathaus-2", SlotMinutes: 15, TicketPrefix: "B"}),
		"mail queued":         QueueMail(MailMoved, Appointment{ID: "a1", Building: "rathaus-1"}, opTime),
		"mail sent":           MailSentOp(MailID(MailMoved, "a1"), "moved.a1@pforte", opTime),
		"mail configured":     ConfigureMailOp(MailConfig{Site: "rathaus", SMTPServer: "mail.soest.example:587", From: "termine@soest.example", Username: "pforte", StartTLS: true}),
		"mail released":       MailState{Config: MailConfig{Site: "filiale"}, Latest: mailOrder{HLC: 7, Origin: "filiale", Seq: 3}}.ReleaseMailOp("rathaus", opTime),
	}
	for name, op := range ops {
		if len(op.Personal) > 0 {
			op.Personal = SaltPersonal(op.Personal)
		}
		ops[name] = stamped(op)
	}
	return ops
}

func TestCheckOpTakesWhatPforteWrites(t *testing.T) {
	for name, op := range goodOps(t) {
		if err := CheckOp(op); err != nil {
			t.Errorf("%s: CheckOp = %v, want no error", name, err)
		}
		if len(op.Personal) > 0 {
			// After the retention purge: the personal part gone, its hash kept.
			sum := sha256.Sum256(op.Personal)
			op.Personal, op.PersonalHash = nil, sum[:]
			if err := CheckOp(op); err != nil {
				t.Errorf("%s, personal part erased: CheckOp = %v, want no error", name, err)
			}
		}
	}
}

// edit returns op with its Data or Personal (as a JSON object) changed.
func edit(t *testing.T, op Op, personal bool, change func(m map[string]any)) Op {
	t.Helper()
	raw := &op.Data
	if personal {
		raw = &op.Personal
	}
	var m map[string]any
	if err := json.Unmarshal(*raw, &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	*raw = b
	return op
}

func TestCheckOpRefusesWhatLocalInputRefuses(t *testing.T) {
	good := goodOps(t)
	set := func(name string, personal bool, key string, v any) Op {
		return edit(t, good[name], personal, func(m map[string]any) { m[key] = v })
	}
	booking := func(key string, v any) Op {
		return edit(t, good["building"], false, func(m map[string]any) { m["booking"].(map[string]any)[key] = v })
	}
	for _, tt := range []struct {
		name  string
		op    Op
		field string
	}{
		{"visitor name with U+202E", set("visit", true, "name", "Erika \u202eannamretsuM"), "name"},
		{"visitor name of 10 kB", set("visit", true, "name", strings.Repeat("Erika ", 1700)), "name"},
		{"visitor name with a NUL byte", set("visit", true, "name", "Erika\x00"), "name"},
		{"visitor without contact", set("visit", true, "phone", ""), "contact"},
		{"citizen name with U+202E", set("booking", true, "name", "Erika\u202e"), "citizen.name"},
		{"citizen name with U+200B", set("booking", true, "name", "Eri\u200bka"), "citizen.name"},
		{"citizen born in the future", set("booking", true, "birth_date", "2030-01-01"), "citizen.birth_date"},
		{"booking of 5 services", set("booking", false, "services", []string{"a", "b", "c", "d", "e"}), "services"},
		{"booking on an unknown channel", set("booking", false, "channel", "fax"), "channel"},
		{"booking on another building's token", set("booking", false, "tokens", []string{"rathaus-2/2026-11-18/k1@10"}), "tokens"},
		{"account name with U+202E", set("account", false, "name", "Birgit\u202eSchulz"), "name"},
		{"account with an unknown role", set("account", false, "roles", []string{"chef"}), "roles"},
		{"account with a hash in Data", set("account", false, "password_hash", "$argon2id$x"), "password_hash"},
		{"account user name in capitals", edit(t, good["account"], false, func(m map[string]any) { m["id"] = "B.Schulz" }), "id"},
		{"device name with U+2066", set("device", false, "name", "Kiosk\u2066"), "name"},
		{"device of an unknown kind", set("device", false, "kind", "toaster"), "kind"},
		{"building name with a BOM", set("building", false, "name", "\ufeffRathaus"), "name"},
		{"building with a block of 0 minutes", booking("token_minutes", 0), "token_minutes"},
		{"building with a block over a day", booking("token_minutes", 1441), "token_minutes"},
		{"building allotting to its home site", booking("allotments", map[string]int{"rathaus": 10}), "allotments"},
		{"building allotting over 100%", booking("allotments", map[string]int{"a": 60, "b": 50}), "allotments"},
		{"building allotting to a site with U+202E", booking("allotments", map[string]int{"fil\u202eiale": 10}), "allotments"},
		{"building defined in another entity", set("building", false, "id", "rathaus-9"), "id"},
		{"counter absence reason with U+202E", set("counter", false, "absences", []DateRange{{From: "2026-11-19", Reason: "krank\u202e"}}), "absences[0].reason"},
		{"service name with a NUL byte", set("service", false, "name", "Melde\x00"), "name"},
		{"staff name with U+202E", set("staff", false, "name", "Petra\u202e"), "name"},
		{"room name of 10 kB", set("room", false, "name", strings.Repeat("x", 10_000)), "name"},
		{"inbox reason with U+202E", set("inbox", false, "reason", "Schalter\u202e"), "reason"},
		{"inbox citizen with U+202E", set("inbox", true, "name", "Erika\u202e"), "citizen.name"},
		{"inbox resolved by an unknown action", set("inbox resolved", false, "action", "faxed"), "action"},
		{"hold reason with U+202E", set("hold", false, "reason", "Anfrage\u202e"), "reason"},
		{"hold for over a year", set("hold", false, "until", "2028-01-01"), "until"},
		{"erasure reason with U+202E", set("erasure", false, "reason", "Antrag\u202e"), "reason"},
		{"transfer to a site with a space", set("transfer", false, "to", "fili ale"), "to"},
		{"audit user with U+202E", set("audit", true, "user", "empfang\u202e"), "user"},
		{"entity with U+202E", func() Op { op := good["leave"]; op.Entity = "v1\u202e"; return op }(), "entity"},
		{"unknown kind", func() Op { op := good["leave"]; op.Kind = "visit.renamed"; return op }(), "kind"},
		{"data that does not decode", func() Op { op := good["leave"]; op.Data = json.RawMessage(`{"at":"soon"}`); return op }(), "data"},
		{"visit without a personal part, never erased", func() Op { op := good["visit"]; op.Personal = nil; return op }(), "personal"},
		{"mail of an unknown kind", set("mail queued", false, "kind", "newsletter"), "kind"},
		{"mail filed under another entity", func() Op { op := good["mail queued"]; op.Entity = "moved:a2"; return op }(), "entity"},
		{"mail with a personal part", func() Op { op := good["mail queued"]; op.Personal = json.RawMessage(`{"email":"x@y.de"}`); return op }(), "personal"},
		{"sent marker with U+202E", set("mail sent", false, "message_id", "a1\u202e@pforte"), "message_id"},
		{"mail server without a port", set("mail configured", false, "smtp_server", "mail.soest.example"), "smtp_server"},
		{"mail sender not an address", set("mail configured", false, "from", "Stadt Soest"), "from"},
		{"plain SMTP to another machine", set("mail configured", false, "starttls", false), "starttls"},
		{"release of no site", set("mail released", false, "site", ""), "site"},
		{"personal part that does not decode", func() Op { op := good["visit"]; op.Personal = json.RawMessage(`[1]`); return op }(), "personal"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckOp(tt.op)
			e := AsError(err)
			if err == nil || e.Code != CodeInvalidField || e.Field != tt.field {
				t.Errorf("CheckOp = %v, want invalid_field on %q", err, tt.field)
			}
		})
	}
}
