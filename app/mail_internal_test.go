package app

import (
	"context"
	"crypto/sha256"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/internal/mailpit"
)

// mailMonday is a Monday morning: the demo's Bürger Büro opens at 08:00.
var mailMonday = time.Date(2026, 12, 7, 7, 30, 0, 0, engine.Berlin)

// mailStore opens a site's store with the demo configuration.
func mailStore(t testing.TB, name string, clock engine.Clock) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "pforte.db"), name, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Apply(ctx, DemoOps()); err != nil {
		t.Fatal(err)
	}
	return st
}

func testMailer(st *store.Store, clock engine.Clock) *mailer {
	m := newMailer(st, clock, "https://termine.soest.example", slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.jitter = func() float64 { return 1 }
	return m
}

// configure makes st the mail site, sending to mp.
func configure(t testing.TB, st *store.Store, mp *mailpit.Server) {
	t.Helper()
	pw := "geheim"
	_, err := st.ConfigureMail(context.Background(), "admin", engine.MailConfig{SMTPServer: mp.SMTP,
		From: "termine@soest.example", Username: "pforte"}, &pw)
	if err != nil {
		t.Fatal(err)
	}
}

// bookMany books n desk appointments at the Bürger Büro from tomorrow on,
// each for another citizen with an e-mail address.
func bookMany(t testing.TB, st *store.Store, clock engine.Clock, n int) []engine.Appointment {
	t.Helper()
	ctx := context.Background()
	slots, err := st.Slots(engine.Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"},
		From: engine.Day(clock.Now().AddDate(0, 0, 1)), Days: 60, Channel: engine.ChannelDesk, Now: clock.Now()}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []engine.Appointment
	for i := 0; len(out) < n; i++ {
		if i >= len(slots) {
			t.Fatalf("only %d free slots", len(slots))
		}
		a, err := st.Book(ctx, "clerk", engine.BookingRequest{Building: "buergerbuero", Services: []string{"meldebescheinigung"},
			Start: slots[i].Start, Channel: engine.ChannelDesk, Citizen: engine.Citizen{Name: "Bürger " + strconv.Itoa(len(out)),
				BirthDate: "1980-01-01", Email: "buerger" + strconv.Itoa(len(out)) + "@example.org"}})
		if engine.AsError(err).Code == engine.CodeSlotTaken {
			continue // a counter's slot of the same start
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// cancelAll cancels appointments: each queues its cancelled mail.
func cancelAll(t testing.TB, st *store.Store, as []engine.Appointment) {
	t.Helper()
	for _, a := range as {
		if _, err := st.Cancel(context.Background(), "clerk", a.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// wantEachOnce fails unless mailpit holds exactly one message per
// appointment's cancelled mail (by Message-ID and by recipient).
func wantEachOnce(t *testing.T, mp *mailpit.Server, as []engine.Appointment, kind string) {
	t.Helper()
	byID, byTo := map[string]int{}, map[string]int{}
	for _, m := range mp.Messages() {
		byID[m.MessageID]++
		for _, to := range m.To {
			byTo[to.Address]++
		}
	}
	for _, a := range as {
		id := strings.NewReplacer(":", ".").Replace(engine.MailID(kind, a.ID)) + "@pforte"
		if byID[id] != 1 || byTo[a.Citizen.Email] != 1 {
			t.Errorf("mail %s to %s arrived %d times (%d to the address), want once", id, a.Citizen.Email, byID[id], byTo[a.Citizen.Email])
		}
	}
	if total := len(mp.Messages()); total != len(as) {
		t.Errorf("%d messages in mailpit, want %d", total, len(as))
	}
}

func mustRound(t testing.TB, m *mailer) int {
	t.Helper()
	n, err := m.round(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOutboxWaitsOutAnHourWithoutSMTP: the SMTP server is down for an
// hour; the sender retries with back-off (1 min doubling); once the server
// answers, every mail arrives once, in the order queued.
func TestOutboxWaitsOutAnHourWithoutSMTP(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(mailMonday)
	st := mailStore(t, "rathaus", clock)
	mp := mailpit.New(t)
	configure(t, st, mp)
	mp.Stop()
	as := bookMany(t, st, clock, 12)
	cancelAll(t, st, as)
	m := testMailer(st, clock)

	for range 60 {
		if n := mustRound(t, m); n != 0 {
			t.Fatalf("sent %d mails with the server down", n)
		}
		clock.Add(time.Minute)
	}
	list, err := st.Outbox(ctx, store.OutboxFilter{Status: store.OutboxFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(as) {
		t.Fatalf("%d failed mails after an hour, want %d", len(list), len(as))
	}
	// 1+2+4+8+16+32 minutes: six attempts fit in an hour, not one a minute.
	if a := list[0].Attempts; a < 5 || a > 7 {
		t.Errorf("%d attempts in an hour, want about 6 (back-off)", a)
	}

	mp.Start()
	sent := 0
	for step := 0; sent < len(as) && step < 120; step++ {
		sent += mustRound(t, m)
		clock.Add(time.Minute)
	}
	wantEachOnce(t, mp, as, engine.MailCancelled)
	// In the order queued: mailpit lists the newest first.
	got := mp.Messages()
	for i, a := range as {
		if to := got[len(got)-1-i].To[0].Address; to != a.Citizen.Email {
			t.Errorf("mail %d went to %s, want %s (queue order)", i, to, a.Citizen.Email)
			break
		}
	}
	if n := mustRound(t, m); n != 0 {
		t.Errorf("a later round sent %d mails again", n)
	}
}

// syncStores hands every op from holds and to lacks to to.
func syncStores(t testing.TB, from, to *store.Store) {
	t.Helper()
	ctx := context.Background()
	have, _ := to.Vector(ctx)
	vec, _ := from.Vector(ctx)
	for origin := range vec {
		if origin == engine.DemoOrigin {
			continue
		}
		ops, err := from.OpsAfter(ctx, origin, have[origin], 100000)
		if err != nil {
			t.Fatal(err)
		}
		res, err := to.ApplyRemote(ctx, ops)
		if err != nil || len(res.Rejected) > 0 {
			t.Fatalf("%s takes %s's ops: %v %+v", to.Site(), from.Site(), err, res.Rejected)
		}
	}
}

// twoSites founds a cluster at site-a and enrolls site-b (the demo's
// account admin holds the admin role).
func twoSites(t *testing.T, clock engine.Clock) (a, b *store.Store) {
	t.Helper()
	ctx := context.Background()
	a, b = mailStore(t, "site-a", clock), mailStore(t, "site-b", clock)
	if _, err := a.SelfEnroll(ctx, "buergerbuero"); err != nil {
		t.Fatal(err)
	}
	secret := []byte("invitation secret")
	sum := sha256.Sum256(secret)
	if err := a.CreateInvitation(ctx, "admin", "site-b", "rathaus-1", sum[:], clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RedeemInvitation(ctx, secret, "site-b", "rathaus-1", b.PublicKey()); err != nil {
		t.Fatal(err)
	}
	if err := b.JoinCluster(ctx, "site-a", a.PublicKey()); err != nil {
		t.Fatal(err)
	}
	syncStores(t, a, b)
	return a, b
}

// TestMailSiteMovesWhileSending: A is the mail site and is sending when
// an admin makes B the mail site. A stops after the batch on its way and
// releases; B sends nothing before it holds A's release, and then only
// what A did not send: no mail twice, none lost.
func TestMailSiteMovesWhileSending(t *testing.T) {
	clock := engine.NewFixedClock(mailMonday)
	a, b := twoSites(t, clock)
	mp := mailpit.New(t)
	configure(t, a, mp)
	as := bookMany(t, a, clock, 30)
	cancelAll(t, a, as)
	syncStores(t, a, b)

	ma, mb := testMailer(a, clock), testMailer(b, clock)
	ma.batchSize, mb.batchSize = 5, 5
	if n := mustRound(t, mb); n != 0 {
		t.Fatalf("B sent %d mails before it was the mail site", n)
	}
	// After A's second batch, the admin names B and B's op reaches A.
	mails, moved := 0, false
	ma.sent = func(store.DueMail) {
		mails++
		if mails == 10 && !moved {
			moved = true
			configure(t, b, mp)
			syncStores(t, b, a)
			if n := mustRound(t, mb); n != 0 {
				t.Errorf("B sent %d mails while A may still be sending", n)
			}
		}
	}
	sentA := mustRound(t, ma)
	if sentA != 10 {
		t.Errorf("A sent %d mails, want 10 (two batches, then it stopped)", sentA)
	}
	if st, _ := b.MailSettings(context.Background()); st.MaySend || len(st.Awaiting) != 1 || st.Awaiting[0] != "site-a" {
		t.Errorf("B before A's release: may send %v, awaiting %v", st.MaySend, st.Awaiting)
	}
	if n := mustRound(t, mb); n != 0 {
		t.Fatalf("B sent %d mails without A's release", n)
	}
	mustRound(t, ma) // A releases the mail site
	syncStores(t, a, b)
	sentB := mustRound(t, mb)
	if sentA+sentB != len(as) {
		t.Errorf("A sent %d, B %d: want %d in all", sentA, sentB, len(as))
	}
	wantEachOnce(t, mp, as, engine.MailCancelled)
	syncStores(t, b, a)
	for _, s := range []*store.Store{a, b} {
		st, _ := s.MailSettings(context.Background())
		if st.MailSite != "site-b" || st.MaySend != (s == b) || st.Counts.Sent != len(as) || st.Counts.Queued != 0 {
			t.Errorf("%s's settings: %+v", s.Site(), st)
		}
		if refused, _ := s.RefusedOps(context.Background()); len(refused) > 0 {
			t.Errorf("%s refuses %+v", s.Site(), refused)
		}
	}
}

// TestMovedMailClosesTheInboxEntry: displacement moves an appointment and
// puts it in the inbox; the moved mail, once sent, resolves the entry as
// e-mailed by the system.
func TestMovedMailClosesTheInboxEntry(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(mailMonday)
	st := mailStore(t, "rathaus", clock)
	mp := mailpit.New(t)
	configure(t, st, mp)
	ap := bookMany(t, st, clock, 1)[0]
	if _, err := st.AddAbsence(ctx, "leitung", ap.Counter, engine.DateRange{From: engine.Day(ap.Start), Reason: "Krankheit"}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.RelocateDisplaced(ctx, "system"); err != nil || n != 1 {
		t.Fatalf("relocate: %d %v", n, err)
	}
	entry := engine.InboxID(engine.InboxMoved, ap.ID)
	if e, err := st.InboxEntry(ctx, entry); err != nil || e.Resolved {
		t.Fatalf("inbox entry before the mail: %+v %v", e, err)
	}
	if n := mustRound(t, testMailer(st, clock)); n != 1 {
		t.Fatalf("sent %d mails, want the moved one", n)
	}
	e, err := st.InboxEntry(ctx, entry)
	if err != nil || !e.Resolved || e.Action != engine.InboxEmailed || e.By != engine.SystemAuthor {
		t.Errorf("inbox entry after the mail: %+v %v", e, err)
	}
	msgs := mp.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "verlegt") || msgs[0].To[0].Address != ap.Citizen.Email {
		t.Fatalf("mailpit holds %+v", msgs)
	}
	full := mp.Message(msgs[0].ID)
	if len(full.Attachments) != 1 || full.Attachments[0].FileName != "termin.ics" {
		t.Errorf("moved mail attachments: %+v", full.Attachments)
	}
}

// BenchmarkOutboxThousandMails: 1,000 queued mails to a local mailpit.
func BenchmarkOutboxThousandMails(b *testing.B) {
	for range b.N {
		b.StopTimer()
		clock := engine.NewFixedClock(mailMonday)
		st := mailStore(b, "rathaus", clock)
		mp := mailpit.New(b)
		configure(b, st, mp)
		cancelAll(b, st, bookMany(b, st, clock, 1000))
		m := testMailer(st, clock)
		b.StartTimer()
		t0 := time.Now()
		if n := mustRound(b, m); n != 1000 {
			b.Fatalf("sent %d, want 1000", n)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "s/1000mails")
		b.StopTimer()
		mp.Stop()
	}
}

// TestOnlyAnAdminNamesTheMailSite: a configuration written by an account
// without the admin role counts at no site (the fold refuses it); the
// gate refuses it at the API already, this is the replicated rule.
func TestOnlyAnAdminNamesTheMailSite(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(mailMonday)
	a, b := twoSites(t, clock)
	mp := mailpit.New(t)
	configure(t, a, mp)
	syncStores(t, a, b)
	if _, err := b.ConfigureMail(ctx, engine.RoleClerk, engine.MailConfig{SMTPServer: mp.SMTP, From: "termine@soest.example"}, nil); err != nil {
		t.Fatal(err)
	}
	syncStores(t, b, a)
	for _, s := range []*store.Store{a, b} {
		st, err := s.MailSettings(ctx)
		if err != nil || st.MailSite != "site-a" {
			t.Errorf("%s: mail site %q (%v), want site-a: a clerk's configuration counts not", s.Site(), st.MailSite, err)
		}
	}
	if st, _ := a.MailSettings(ctx); !st.MaySend {
		t.Error("site-a may no longer send")
	}
}

func TestBackoffDoublesToAnHour(t *testing.T) {
	m := testMailer(nil, nil)
	for _, tt := range []struct {
		attempt int
		want    time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {6, 32 * time.Minute}, {7, time.Hour}, {40, time.Hour}} {
		if got := m.backoff(tt.attempt); got != tt.want {
			t.Errorf("attempt %d: wait %v, want %v", tt.attempt, got, tt.want)
		}
	}
	m.jitter = func() float64 { return 1.19 }
	if got := m.backoff(7); got != time.Hour {
		t.Errorf("with jitter at the cap: %v, want an hour at most", got)
	}
}
