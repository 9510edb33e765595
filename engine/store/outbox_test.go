package store_test

import (
	"context"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

func outbox(t *testing.T, s *store.Store, status string) []store.OutboxEntry {
	t.Helper()
	list, err := s.Outbox(context.Background(), store.OutboxFilter{Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestMailIsQueuedWithTheChange: a move and a cancel queue their mail in
// their own transaction, only for a citizen with an e-mail address; the
// confirmation mails are the online channel's only.
func TestMailIsQueuedWithTheChange(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newBookingStore(t)
	noMail := mustBook(t, s, bookingFor(erika, at("09:00"), "reisepass"))
	withMail := mustBook(t, s, bookingFor(hannah, at("09:30"), "reisepass"))
	if _, err := s.Move(ctx, author, noMail.ID, at("11:00")); err != nil {
		t.Fatal(err)
	}
	moved, err := s.Move(ctx, author, withMail.ID, at("11:30"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, author, moved.ID); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range outbox(t, s, "") {
		got[m.ID] = true
		if m.Status != store.OutboxQueued || m.Building != "buergerbuero" {
			t.Errorf("mail %+v", m)
		}
	}
	want := map[string]bool{engine.MailID(engine.MailMoved, moved.ID): true, engine.MailID(engine.MailCancelled, moved.ID): true}
	if len(got) != len(want) || !got[engine.MailID(engine.MailMoved, moved.ID)] || !got[engine.MailID(engine.MailCancelled, moved.ID)] {
		t.Errorf("outbox %v, want %v", got, want)
	}
	st, err := s.MailSettings(ctx)
	if err != nil || st.Counts.Queued != 2 || st.MaySend || st.Configured {
		t.Errorf("settings %+v %v", st, err)
	}
}

// TestSentMailsGoWithThePersonalData: once the appointment's personal
// data is purged, its mails' rows are gone, sent or not: an unsent one is
// never sent, and a failed one's error (which may quote the address) goes.
func TestSentMailsGoWithThePersonalData(t *testing.T) {
	ctx := context.Background()
	s, clock, _ := newBookingStore(t)
	a := mustBook(t, s, bookingFor(hannah, at("09:30"), "reisepass"))
	b := mustBook(t, s, bookingFor(hannah, at("10:30"), "reisepass"))
	for _, ap := range []engine.Appointment{a, b} {
		if _, err := s.Cancel(ctx, author, ap.ID); err != nil {
			t.Fatal(err)
		}
	}
	due, err := s.DueMails(ctx, clock.Now(), 10)
	if err != nil || len(due) != 2 || due[0].Appointment.Citizen.Email != hannah.Email {
		t.Fatalf("due %+v %v", due, err)
	}
	if err := s.MarkSent(ctx, store.Sent{ID: due[0].ID, MessageID: "x@pforte"}); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFailed(ctx, due[1].ID, context.DeadlineExceeded, clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(outbox(t, s, store.OutboxSent)); n != 1 {
		t.Fatalf("%d sent", n)
	}
	clock.Add(20 * 24 * time.Hour) // past the 14 days of appointments' personal data
	if _, err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(outbox(t, s, "")); n != 0 {
		t.Errorf("%d mails kept after the purge", n)
	}
	due, err = s.DueMails(ctx, clock.Now(), 10)
	if err != nil || len(due) != 0 {
		t.Errorf("due after the purge: %+v %v", due, err)
	}
}

// TestRemindersQueueOnce: tomorrow's booked appointments with an e-mail
// address get one reminder, however often the job runs.
func TestRemindersQueueOnce(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newBookingStore(t)
	mustBook(t, s, bookingFor(hannah, at("09:30"), "reisepass"))
	b := s.Catalog().Buildings["buergerbuero"]
	b.Booking.ReminderDayBefore = true
	mustApply(t, s, []engine.Op{func() engine.Op {
		op := engine.DefineOp(engine.KindBuildingDefined, b.ID, b)
		op.Origin, op.Seq, op.Author, op.HLC = "seed-2", 1, "seed-2", engine.MakeHLC(time.Now().UnixMilli(), 0)
		return op
	}()})
	for range 2 {
		if _, err := s.QueueReminders(ctx, bookingDay); err != nil {
			t.Fatal(err)
		}
	}
	if got := outbox(t, s, ""); len(got) != 1 || got[0].Kind != engine.MailReminder {
		t.Errorf("outbox %+v, want one reminder", got)
	}
}

// TestDueMailCarriesTheLinkToken: the link secret of an online booking is
// personal data (its booking op's personal part, and the folded row that
// moves copy it from); the sender gets it for the links in the mail.
func TestDueMailCarriesTheLinkToken(t *testing.T) {
	ctx := context.Background()
	s, clock, _ := newBookingStore(t)
	r := bookingFor(hannah, at("09:30"), "reisepass")
	r.Channel, r.Token, r.UID = engine.ChannelOnline, "secret-link-token", "uid-1"
	a := mustBook(t, s, r)
	if row := mustAppointment(t, s, a.ID); row.Token != "secret-link-token" || row.TokenHash != engine.TokenHash("secret-link-token") {
		t.Fatalf("the folded row has token %q hash %q", row.Token, row.TokenHash)
	}
	if _, err := s.Cancel(ctx, author, a.ID); err != nil {
		t.Fatal(err)
	}
	due, err := s.DueMails(ctx, clock.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %+v %v", due, err)
	}
	if got := due[0].Appointment; got.Token != "secret-link-token" || got.UID != "uid-1" || got.Channel != engine.ChannelOnline {
		t.Errorf("due appointment token %q uid %q channel %q", got.Token, got.UID, got.Channel)
	}
}
