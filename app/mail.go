package app

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"pforte/engine"
	"pforte/engine/store"
	"pforte/mail"
)

// Mail to citizens: the outbox is a fold of ops (engine/mail.go,
// store/outbox.go); here the mail site sends it. The sender wakes every few
// seconds and whenever a transaction queued a mail (or the mail site
// changed), sends what is due in batches over one SMTP connection per
// round, and backs off per mail when the server does not take it.

const (
	mailTick      = 5 * time.Second
	mailBatch     = 50
	mailBackoff   = time.Minute // after the first failure, doubling ...
	mailMaxWait   = time.Hour   // ... up to this
	reminderCron  = "0 7 * * *" // the day before, in the morning
	mailSendLimit = 30 * time.Second
)

// mailer sends one site's outbox. One round at a time (mu): a release
// (mail.released) is written only between batches, never while one is on
// its way, so every sent marker of this site precedes it in its log.
type mailer struct {
	store     *store.Store
	clock     engine.Clock
	publicURL string
	log       *slog.Logger
	wake      chan struct{}
	mu        sync.Mutex
	batchSize int // mails per batch (mailBatch)
	// jitter spreads retries: a factor in [0.8, 1.2).
	jitter func() float64
	// sent is called after each mail the server took (tests).
	sent func(store.DueMail)
}

func newMailer(st *store.Store, clock engine.Clock, publicURL string, log *slog.Logger) *mailer {
	return &mailer{store: st, clock: clock, publicURL: publicURL, log: log, wake: make(chan struct{}, 1), batchSize: mailBatch,
		jitter: func() float64 { return 0.8 + 0.4*rand.Float64() }}
}

// poke wakes the sender; it never blocks (the store calls it after a
// commit).
func (m *mailer) poke() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// backoff is the wait after the n-th failed attempt: a minute, doubling,
// with jitter (so a thousand mails that failed together do not all knock
// at once), at most an hour.
func (m *mailer) backoff(n int) time.Duration {
	d := mailBackoff
	for i := 1; i < n && d < mailMaxWait; i++ {
		d *= 2
	}
	return min(time.Duration(float64(d)*m.jitter()), mailMaxWait)
}

// round releases the mail site if this site owes it, then, if this site
// may send and something is due, connects once and sends batches until
// nothing is due. It returns how many mails the server took.
func (m *mailer) round(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if released, err := m.store.ReleaseMail(ctx); err != nil {
		return 0, err
	} else if released {
		m.log.Info("mail: another site is the mail site now; this site sends no more")
	}
	settings, err := m.store.MailSettings(ctx)
	if err != nil || !settings.MaySend {
		return 0, err
	}
	due, err := m.store.DueMails(ctx, m.clock.Now(), m.batchSize)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	cfg := settings.Config
	conn, err := mail.Dial(ctx, mail.Server{Addr: cfg.SMTPServer, From: cfg.From, Username: cfg.Username,
		Password: settings.Password, StartTLS: cfg.StartTLS, Timeout: mailSendLimit})
	if err != nil {
		m.log.Warn("mail: the SMTP server does not answer; trying again later", "server", cfg.SMTPServer, "err", err)
		now := m.clock.Now()
		for _, d := range due {
			m.fail(ctx, d, err, now)
		}
		return 0, nil
	}
	defer conn.Close()
	if settings.Counts.Failed > 0 {
		// The server answers again: what waited for it goes now, all of
		// it in the order it was queued.
		if err := m.store.RetryNow(ctx); err != nil {
			return 0, err
		}
	}
	total := 0
	for {
		// Another site may have become the mail site meanwhile.
		if settings, err = m.store.MailSettings(ctx); err != nil || !settings.MaySend {
			return total, err
		}
		if due, err = m.store.DueMails(ctx, m.clock.Now(), m.batchSize); err != nil || len(due) == 0 {
			return total, err
		}
		n, err := m.batch(ctx, conn, due, settings.Config.From)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// batch sends due mails over conn, from the address from, and records the
// outcome.
func (m *mailer) batch(ctx context.Context, conn *mail.Conn, due []store.DueMail, from string) (int, error) {
	cat := m.store.Catalog()
	now := m.clock.Now()
	var msgs []mail.Message
	var which []store.DueMail
	for _, d := range due {
		var services []engine.Service
		for _, id := range d.Appointment.Services {
			if s, ok := cat.Services[id]; ok {
				services = append(services, s)
			}
		}
		msg, err := mail.Render(mail.Input{Kind: d.Kind, MailID: d.ID, Appointment: d.Appointment, Old: d.Old,
			Building: cat.Buildings[d.Building], Services: services, PublicURL: m.publicURL,
			QRPayload: store.QRPrefix + d.Appointment.Code, Organizer: from, Now: now})
		if err != nil {
			m.fail(ctx, d, err, now)
			continue
		}
		msgs, which = append(msgs, msg), append(which, d)
	}
	failed := conn.Send(msgs, now)
	var sent []store.Sent
	for i, d := range which {
		if failed[i] != nil {
			m.fail(ctx, d, failed[i], now)
			continue
		}
		sent = append(sent, store.Sent{ID: d.ID, MessageID: msgs[i].MessageID})
	}
	if err := m.store.MarkSent(ctx, sent...); err != nil {
		return 0, err
	}
	for i, d := range which {
		if failed[i] != nil {
			continue
		}
		if d.Kind == engine.MailMoved && d.Appointment.MovedFrom != "" {
			m.resolveMoved(ctx, d.Appointment.MovedFrom)
		}
		if m.sent != nil {
			m.sent(d)
		}
	}
	return len(sent), nil
}

// resolveMoved closes the clerks' inbox entry about a moved appointment:
// the citizen has been told by mail.
func (m *mailer) resolveMoved(ctx context.Context, old string) {
	id := engine.InboxID(engine.InboxMoved, old)
	e, err := m.store.InboxEntry(ctx, id)
	if err != nil || e.Resolved {
		return // no entry (a clerk's own move), or resolved already
	}
	if _, err := m.store.ResolveInbox(ctx, engine.SystemAuthor, id, engine.InboxEmailed); err != nil {
		m.log.Warn("mail: resolve inbox entry", "entry", id, "err", err)
	}
}

func (m *mailer) fail(ctx context.Context, d store.DueMail, cause error, now time.Time) {
	if err := m.store.MarkFailed(ctx, d.ID, cause, now.Add(m.backoff(d.Attempts+1))); err != nil {
		m.log.Error("mail: record failed attempt", "mail", d.ID, "err", err)
	}
}

// run sends every mailTick and when poked, until done is closed.
func (m *mailer) run(done <-chan struct{}) {
	t := time.NewTicker(mailTick)
	defer t.Stop()
	for {
		if _, err := m.round(context.Background()); err != nil {
			m.log.Error("mail: send round", "err", err)
		}
		select {
		case <-done:
			return
		case <-t.C:
		case <-m.wake:
		}
	}
}

// startMail starts the sender and the daily reminders.
func (a *App) startMail() {
	a.mailer = newMailer(a.store, a.clock, a.cfg.PublicURL, a.log)
	a.store.OnMail(a.mailer.poke)
	a.cron.AddFunc(reminderCron, func() { a.queueReminders(context.Background()) })
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		a.queueReminders(context.Background())
		a.mailer.run(a.done)
	}()
}

// queueReminders queues tomorrow's reminders (queued once per appointment,
// however often this runs: at start and every morning). Only the mail
// site queues them: it sends them, and every site queuing the same
// reminders would write one op per site for one mail.
func (a *App) queueReminders(ctx context.Context) {
	if s, err := a.store.MailSettings(ctx); err != nil || s.MailSite != a.cfg.Site {
		return
	}
	tomorrow := a.clock.Now().In(engine.Berlin).AddDate(0, 0, 1)
	if _, err := a.store.QueueReminders(ctx, engine.Day(tomorrow)); err != nil {
		a.log.Error("mail: queue reminders", "err", err)
	}
}

// mailSettingsBody is the body of PUT /api/settings/mail. password left
// out keeps the one this site holds; "" removes it.
type mailSettingsBody struct {
	SMTPServer string  `json:"smtp_server"`
	From       string  `json:"from"`
	Username   string  `json:"username"`
	Password   *string `json:"password"`
	StartTLS   *bool   `json:"starttls"` // left out: true
}

// mailSettings answers GET /api/settings/mail: the configuration, whether
// this site holds a password (never the password), the mail site and the
// outbox counts.
func (a *App) mailSettings(w http.ResponseWriter, r *http.Request) {
	s, err := a.store.MailSettings(r.Context())
	if err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s)
}

// putMailSettings answers PUT /api/settings/mail: this site becomes the
// mail site with these settings.
func (a *App) putMailSettings(w http.ResponseWriter, r *http.Request) {
	var b mailSettingsBody
	if err := decode(w, r, &b); err != nil {
		a.fail(w, r, err)
		return
	}
	c := engine.MailConfig{SMTPServer: b.SMTPServer, From: b.From, Username: b.Username, StartTLS: b.StartTLS == nil || *b.StartTLS}
	if b.Password != nil && strings.ContainsAny(*b.Password, "\r\n") {
		a.fail(w, r, engine.InvalidRule("password", engine.RuleFormat, "no line breaks"))
		return
	}
	s, err := a.store.ConfigureMail(r.Context(), a.author(r.Context()), c, b.Password)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	if a.mailer != nil {
		a.mailer.poke()
	}
	writeJSON(w, http.StatusOK, s)
}

// outbox answers GET /api/settings/mail/outbox?status=: the status screen.
func (a *App) outbox(w http.ResponseWriter, r *http.Request) {
	list, err := a.store.Outbox(r.Context(), store.OutboxFilter{Status: r.URL.Query().Get("status")})
	if err != nil {
		a.fail(w, r, err)
		return
	}
	for i := range list {
		e := &list[i]
		e.QueuedAt, e.SentAt, e.NextAttempt = e.QueuedAt.In(engine.Berlin), inBerlin(e.SentAt), inBerlin(e.NextAttempt)
	}
	writeJSON(w, http.StatusOK, list)
}

// inBerlin shows a time in Berlin, as the API writes every time; zero stays
// zero (left out).
func inBerlin(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(engine.Berlin)
}
