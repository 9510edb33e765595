package app

import (
	"time"

	"pforte/engine"
)

// demoOrigin is the origin of the demo seed's ops. Every site started with
// --demo writes the very same ops (same origin, seq and HLC), so a demo
// cluster agrees on its configuration without shipping it around, and an
// admin change made later (a newer HLC) wins over the seed.
const demoOrigin = "demo"

// demoEpoch stamps the seed, before any real op.
var demoEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// DemoOps returns the demo municipality (the Soest buildings, hours and
// entrances of DESIGN.md; services and staff invented) as ops.
func DemoOps() []engine.Op {
	var ops []engine.Op
	add := func(kind, id string, v any) {
		op := engine.DefineOp(kind, id, v)
		op.Origin, op.Author = demoOrigin, demoOrigin
		op.Seq = uint64(len(ops) + 1)
		op.HLC = engine.MakeHLC(demoEpoch.UnixMilli(), uint16(len(ops)))
		ops = append(ops, op)
	}
	for _, b := range demoBuildings() {
		add(engine.KindBuildingDefined, b.ID, b)
	}
	for _, s := range demoServices() {
		add(engine.KindServiceDefined, s.ID, s)
	}
	for _, s := range demoStaff() {
		add(engine.KindStaffDefined, s.ID, s)
	}
	for _, k := range demoCounters() {
		add(engine.KindCounterDefined, k.ID, k)
	}
	for _, r := range demoRooms() {
		add(engine.KindRoomDefined, r.ID, r)
	}
	for _, spec := range demoAccounts() {
		add(engine.KindAccountDefined, spec.User, engine.Account{ID: spec.User, Name: spec.Name, Roles: spec.Roles, Buildings: []string{}})
		pw := engine.PasswordOp(spec.User, demoPasswordHash)
		op := ops[len(ops)-1]
		pw.Origin, pw.Author, pw.Seq, pw.HLC = op.Origin, op.Author, op.Seq+1, op.HLC+1
		ops = append(ops, pw)
	}
	return ops
}

// demoPasswordHash is the hash of the demo accounts' password "demo",
// salted with "pforte-demo-salt" (engine.HashPasswordWithSalt): every demo
// site must write the very same ops, so the salt is fixed, and the result
// is kept here so that no start pays for it. Demo only: a real account
// gets a random salt.
const demoPasswordHash = "$argon2id$v=19$m=65536,t=3,p=4$cGZvcnRlLWRlbW8tc2FsdA$o+ssL9aXDdQTiEW8YTORWXUR/mmqO+HKiSdonqDT03M"

// DemoPassword is the password of every demo account.
const DemoPassword = "demo"

// demoAccounts: one account per role, user name = role name, and "demo"
// holding every role (for scripts and outside tests).
func demoAccounts() []engine.AccountSpec {
	names := map[string]string{
		engine.RoleReception: "Empfang (Demo)", engine.RoleClerk: "Sachbearbeitung (Demo)",
		engine.RoleManager: "Leitung (Demo)", engine.RoleAdmin: "Verwaltung (Demo)", engine.RolePrivacy: "Datenschutz (Demo)",
	}
	var out []engine.AccountSpec
	for _, role := range engine.Roles {
		out = append(out, engine.AccountSpec{User: role, Name: names[role], Roles: []string{role}})
	}
	return append(out, engine.AccountSpec{User: "demo", Name: "Demo (alle Rollen)", Roles: engine.Roles})
}

// townHallHours: Mon–Wed 08:30–12:30 and 13:00–16:00; Thu 08:30–12:30 and
// 13:00–17:30; Fri 08:30–12:30.
func townHallHours() []engine.Interval {
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

// Bürger Büro: Mon+Tue 08:00–16:00; Wed+Fri 08:00–12:30; Thu 08:00–18:00.
func citizensOfficeHours() []engine.Interval {
	return []engine.Interval{
		{Weekday: 1, Open: "08:00", Close: "16:00"},
		{Weekday: 2, Open: "08:00", Close: "16:00"},
		{Weekday: 3, Open: "08:00", Close: "12:30"},
		{Weekday: 4, Open: "08:00", Close: "18:00"},
		{Weekday: 5, Open: "08:00", Close: "12:30"},
	}
}

func demoBuildings() []engine.Building {
	townHall := engine.BookingRules{MinLeadMinutes: 60}
	// The Bürger Büro gives day tickets: 20 a day, online from 07:00, at
	// the desk from 08:00; the held-back counter opens for the day at 07:45.
	citizensOffice := engine.BookingRules{MinLeadMinutes: 10, DayTickets: 20, ReleaseAt: "07:45"}
	bs := []engine.Building{
		{ID: "rathaus-1", Name: "Rathaus I", Address: "Am Vreithof 8, 59494 Soest",
			Entrance: "Eingang über den Rathausinnenhof", AppointmentOnly: true, Hours: townHallHours(),
			HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "R", Booking: townHall},
		{ID: "rathaus-2", Name: "Rathaus II", Address: "Windmühlenweg 21, 59494 Soest",
			Entrance: "Haupteingang Windmühlenweg", AppointmentOnly: true, Hours: townHallHours(),
			HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "S", Booking: townHall},
		{ID: "propst-nuebel-strasse", Name: "Dienststelle Propst-Nübel-Straße", Address: "Propst-Nübel-Straße 5, 59494 Soest",
			Entrance: "Haupteingang", Hours: townHallHours(),
			HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "P", Booking: townHall},
		{ID: "buergerbuero", Name: "Bürger Büro", Address: "Am Vreithof 8, 59494 Soest",
			Entrance: "Eigener Eingang am Vreithof", Hours: citizensOfficeHours(),
			HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "A", Booking: citizensOffice,
			Exceptions: []engine.Exception{
				{From: "2026-12-24", To: "2026-12-24", Hours: []engine.TimeRange{{Open: "08:00", Close: "11:00"}}},
				{From: "2026-12-31", Closed: true, Reason: "Jahresabschluss"},
			}},
	}
	for i := range bs {
		bs[i].VisitReasons = demoVisitReasons()
		bs[i].PrivacyNotice = demoPrivacyNotice
	}
	return bs
}

// demoPrivacyNotice is what citizens read before they book online; a town
// puts its own text here (Art. 13 DSGVO).
const demoPrivacyNotice = `Die Stadt Soest verarbeitet Ihren Namen, Ihr Geburtsdatum, Ihre E-Mail-Adresse und, wenn Sie sie angeben, Ihre Telefonnummer, um Ihren Termin zu vergeben, Sie am Termin zu erkennen und Ihnen Bestätigung, Änderungen und Absage per E-Mail zu schicken (Art. 6 Abs. 1 lit. e DSGVO).

Die Daten bleiben bei der Stadtverwaltung und werden nach dem Termin gelöscht, spätestens nach vier Wochen. Ein Termin, den Sie nicht bestätigen, verfällt nach 30 Minuten.

Sie haben das Recht auf Auskunft, Berichtigung und Löschung. Fragen beantwortet die Datenschutzbeauftragte der Stadt: datenschutz@soest.example.`


// demoVisitReasons is the pick list for why a visitor came: reception
// picks one instead of typing, so the reason collects no health details.
func demoVisitReasons() []string {
	return []string{"Termin ohne Buchung", "Abholung", "Lieferung", "Handwerker", "Rückfrage zum Bescheid"}
}

func demoServices() []engine.Service {
	bb := []string{"buergerbuero"}
	bbBranch := []string{"buergerbuero", "propst-nuebel-strasse"}
	return []engine.Service{
		{ID: "personalausweis", Name: "Personalausweis beantragen", DurationMin: 15,
			Documents: []string{"bisheriger Ausweis oder Reisepass", "ein aktuelles biometrisches Passfoto"}, Buildings: bbBranch},
		{ID: "reisepass", Name: "Reisepass beantragen", DurationMin: 15,
			Documents: []string{"bisheriger Reisepass oder Personalausweis", "ein aktuelles biometrisches Passfoto"}, Buildings: bb},
		{ID: "ausweis-abholen", Name: "Ausweis oder Pass abholen", DurationMin: 5,
			Documents: []string{"Abholschein", "bisheriges Dokument"}, Buildings: bbBranch},
		{ID: "anmeldung", Name: "Wohnsitz anmelden", DurationMin: 10,
			Documents: []string{"Personalausweis oder Reisepass", "Wohnungsgeberbestätigung"}, Buildings: bbBranch},
		{ID: "ummeldung", Name: "Wohnsitz ummelden", DurationMin: 10,
			Documents: []string{"Personalausweis oder Reisepass", "Wohnungsgeberbestätigung"}, Buildings: bbBranch},
		{ID: "meldebescheinigung", Name: "Meldebescheinigung", DurationMin: 5,
			Documents: []string{"Personalausweis oder Reisepass"}, Buildings: bbBranch},
		{ID: "fuehrungszeugnis", Name: "Führungszeugnis beantragen", DurationMin: 5,
			Documents: []string{"Personalausweis oder Reisepass"}, Buildings: bb},
		{ID: "beglaubigung", Name: "Beglaubigung", DurationMin: 5,
			Documents: []string{"Original", "Kopie"}, Buildings: bbBranch},
		{ID: "gewerbe", Name: "Gewerbe anmelden", DurationMin: 20, Department: "Wirtschaftsförderung",
			Documents: []string{"Personalausweis oder Reisepass", "ggf. Erlaubnis oder Handwerkskarte"}, Buildings: []string{"rathaus-2"}},
		{ID: "bauberatung", Name: "Bauberatung", DurationMin: 30, Department: "Bauordnung", NeedsRoom: true,
			Documents: []string{"Lageplan", "Skizzen oder Entwurf"}, Buildings: []string{"rathaus-2"}},
		{ID: "hundesteuer", Name: "Hund an- oder abmelden", DurationMin: 10, Department: "Kämmerei",
			Documents: []string{"Personalausweis", "ggf. Nachweis der Haftpflichtversicherung"}, Buildings: []string{"rathaus-1"}},
	}
}

func demoStaff() []engine.Staff {
	return []engine.Staff{
		{ID: "staff-mueller", Name: "Anna Müller", Department: "Bürgermeisterbüro", Building: "rathaus-1"},
		{ID: "staff-schmidt", Name: "Jens Schmidt", Department: "Kämmerei", Building: "rathaus-1"},
		{ID: "staff-oezdemir", Name: "Elif Özdemir", Department: "Personal und Organisation", Building: "rathaus-1"},
		{ID: "staff-wagner", Name: "Thomas Wagner", Department: "Ordnungsamt", Building: "rathaus-1"},
		{ID: "staff-becker", Name: "Sabine Becker", Department: "Bauordnung", Building: "rathaus-2"},
		{ID: "staff-hoffmann", Name: "Markus Hoffmann", Department: "Stadtplanung", Building: "rathaus-2"},
		{ID: "staff-kruse", Name: "Katrin Kruse", Department: "Wirtschaftsförderung", Building: "rathaus-2"},
		{ID: "staff-weiss", Name: "Jürgen Weiß", Department: "Jugendamt", Building: "propst-nuebel-strasse"},
		{ID: "staff-nowak", Name: "Monika Nowak", Department: "Soziales", Building: "propst-nuebel-strasse"},
		{ID: "staff-aydin", Name: "Deniz Aydin", Department: "Bürgerservice", Building: "buergerbuero"},
		{ID: "staff-lange", Name: "Petra Lange", Department: "Bürgerservice", Building: "buergerbuero"},
	}
}

func demoCounters() []engine.Counter {
	citizens := []string{"personalausweis", "reisepass", "ausweis-abholen", "anmeldung", "ummeldung",
		"meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}
	branch := []string{"personalausweis", "ausweis-abholen", "anmeldung", "ummeldung", "meldebescheinigung", "beglaubigung"}
	return []engine.Counter{
		{ID: "bb-1", Building: "buergerbuero", Name: "Schalter 1", Services: citizens},
		{ID: "bb-2", Building: "buergerbuero", Name: "Schalter 2", Services: citizens},
		{ID: "bb-3", Building: "buergerbuero", Name: "Schalter 3", Services: citizens},
		// Quick concerns only: keeps short appointments off the long queue.
		{ID: "bb-4", Building: "buergerbuero", Name: "Schalter 4",
			Services: []string{"ausweis-abholen", "meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}},
		// Held back for the day itself, released at 07:45.
		{ID: "bb-5", Building: "buergerbuero", Name: "Schalter 5", Services: citizens, HeldBack: true},
		{ID: "pn-1", Building: "propst-nuebel-strasse", Name: "Schalter 1", Services: branch},
		{ID: "pn-2", Building: "propst-nuebel-strasse", Name: "Schalter 2", Services: branch, Weekdays: []int{1, 2, 4}},
		{ID: "r1-kaemmerei", Building: "rathaus-1", Name: "Kämmerei, Zimmer 112", Services: []string{"hundesteuer"}},
		{ID: "r2-gewerbe", Building: "rathaus-2", Name: "Gewerbeamt, Zimmer 014", Services: []string{"gewerbe"}},
		{ID: "r2-bau-1", Building: "rathaus-2", Name: "Bauordnung, Zimmer 201", Services: []string{"bauberatung"}},
		{ID: "r2-bau-2", Building: "rathaus-2", Name: "Bauordnung, Zimmer 202", Services: []string{"bauberatung"}},
	}
}

// Rathaus II: the building department's own meeting room first, then the
// three rooms of the service centre, one of them barrier-free (Borken).
func demoRooms() []engine.Room {
	return []engine.Room{
		{ID: "r2-raum-bau", Building: "rathaus-2", Name: "Besprechungsraum Bauordnung 2.10", Department: "Bauordnung"},
		{ID: "r2-sc-1", Building: "rathaus-2", Name: "Servicecenter Raum 1", BarrierFree: true},
		{ID: "r2-sc-2", Building: "rathaus-2", Name: "Servicecenter Raum 2"},
		{ID: "r2-sc-3", Building: "rathaus-2", Name: "Servicecenter Raum 3"},
	}
}
