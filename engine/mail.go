package engine

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Mail to citizens leaves from one site, the mail site, and gets out even
// when the network was down: a mail is an op (mail.queued) written in the
// transaction that makes it necessary, every site folds it into its
// outbox, and the mail site sends what it holds. The op names the mail's
// kind and appointment only: the sender renders the mail at send time from
// the appointment, whose personal part the retention purge erases, so a
// mail never outlives the data it is made of.
//
// Only the mail site sends, and a mail site hands over without a mail sent
// twice: the site a later mail.configured names sends only once every
// earlier mail site has written mail.released after it folded that change
// (or is revoked). An origin's ops arrive in order, so a site that holds an
// earlier mail site's release holds every sent marker that site wrote
// before it. Two admins naming two mail sites at once on both sides of a
// network split are covered too while an earlier mail site exists: its
// release reaches one side only. (Known gap: when none is awaited, the
// very first configuration or every earlier mail site revoked, both
// sides send until the split heals, and a mail queued before the split
// may go out twice.)

// Mail op kinds and entity type.
const (
	KindMailQueued     = "mail.queued"
	KindMailSent       = "mail.sent"
	KindMailConfigured = "mail.configured"
	KindMailReleased   = "mail.released"
	EntityMail         = "mail"
	// MailConfigEntity is the one entity of mail.configured and
	// mail.released: the mail site is one fold of few ops.
	MailConfigEntity = "config"
)

// Mail kinds: what a mail tells the citizen.
const (
	MailConfirmRequest = "confirm_request" // follow the link to confirm the online booking
	MailConfirmation   = "confirmation"    // the booking is binding
	MailMoved          = "moved"           // the appointment is at another time
	MailCancelled      = "cancelled"
	MailReminder       = "reminder" // the day before
)

// MailKinds lists the mail kinds.
var MailKinds = []string{MailConfirmRequest, MailConfirmation, MailMoved, MailCancelled, MailReminder}

// SystemAuthor is the author of what Pforte writes on its own (a sent
// marker, an inbox entry the sent mail resolved).
const SystemAuthor = "system"

// MaxMessageIDLen bounds a sent mail's Message-ID.
const MaxMessageIDLen = 250

// MailID is the entity of the mail of a kind about an appointment: queued
// twice, it is still one mail.
func MailID(kind, appointment string) string { return kind + ":" + appointment }

type (
	mailQueuedData struct {
		Kind        string `json:"kind"`
		Appointment string `json:"appointment"`
		Building    string `json:"building"`
		At          int64  `json:"at"`
	}
	mailSentData struct {
		At        int64  `json:"at"`
		MessageID string `json:"message_id"`
	}
	mailReleasedData struct {
		Site string `json:"site"`
		// The configuration the releasing site yields to (its place in
		// the fold).
		ConfigHLC    HLC    `json:"config_hlc"`
		ConfigOrigin string `json:"config_origin"`
		ConfigSeq    uint64 `json:"config_seq"`
		At           int64  `json:"at"`
	}
)

// QueueMail returns the op that queues the mail of kind about a.
func QueueMail(kind string, a Appointment, at time.Time) Op {
	return Op{Kind: KindMailQueued, Entity: MailID(kind, a.ID),
		Data: mustJSON(mailQueuedData{Kind: kind, Appointment: a.ID, Building: a.Building, At: at.UnixMilli()})}
}

// MailSentOp returns the op that marks mail id sent.
func MailSentOp(id, messageID string, at time.Time) Op {
	return Op{Kind: KindMailSent, Entity: id, Data: mustJSON(mailSentData{At: at.UnixMilli(), MessageID: messageID})}
}

// Mail is one mail as its ops say.
type Mail struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Appointment string    `json:"appointment"`
	Building    string    `json:"building"`
	QueuedAt    time.Time `json:"queued_at"`
	SentAt      time.Time `json:"sent_at,omitzero"`
	SentBy      string    `json:"sent_by,omitempty"` // the site that sent it
	MessageID   string    `json:"message_id,omitempty"`
}

// FoldMail computes a mail from its ops, in any order: the first queuing
// and the first sent marker in fold order count. ok is false before it is
// queued.
func FoldMail(id string, ops []Op) (m Mail, ok bool, err error) {
	m.ID = id
	sent := false
	for _, op := range sorted(ops) {
		switch op.Kind {
		case KindMailQueued:
			if ok {
				continue
			}
			var d mailQueuedData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return m, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			m.Kind, m.Appointment, m.Building, m.QueuedAt, ok = d.Kind, d.Appointment, d.Building, msTime(d.At), true
		case KindMailSent:
			var d mailSentData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return m, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if !sent {
				m.SentAt, m.SentBy, m.MessageID, sent = msTime(d.At), op.Origin, d.MessageID, true
			}
		default:
			return m, false, fmt.Errorf("op %s/%d: kind %q is not a mail op", op.Origin, op.Seq, op.Kind)
		}
	}
	return m, ok, nil
}

// MailConfig is the cluster's mail configuration: which site sends, and
// how. The SMTP password is not part of it: it stays at the site it was
// entered at.
type MailConfig struct {
	Site       string `json:"site"`
	SMTPServer string `json:"smtp_server"` // host:port
	From       string `json:"from"`
	Username   string `json:"username,omitempty"`
	StartTLS   bool   `json:"starttls"`
}

// Normalize trims and checks a configuration, naming the bad field.
func (c MailConfig) Normalize() (MailConfig, error) {
	c.Site, c.SMTPServer = strings.TrimSpace(c.Site), strings.TrimSpace(c.SMTPServer)
	c.From, c.Username = strings.TrimSpace(c.From), strings.TrimSpace(c.Username)
	if err := checkTexts([]textField{
		{"site", c.Site, MaxIDLen, true},
		{"smtp_server", c.SMTPServer, 255, true},
		{"from", c.From, MaxEmailLen, true},
		{"username", c.Username, MaxEmailLen, false},
	}); err != nil {
		return c, err
	}
	host, port, err := net.SplitHostPort(c.SMTPServer)
	if n, perr := strconv.Atoi(port); err != nil || host == "" || strings.ContainsAny(host, " /") || perr != nil || n < 1 || n > 65535 {
		return c, InvalidRule("smtp_server", RuleFormat, "want host:port, got %q", c.SMTPServer)
	}
	if !validEmail(c.From) {
		return c, InvalidRule("from", RuleFormat, "not an e-mail address: %q", c.From)
	}
	if !c.StartTLS && host != "localhost" && !isLoopback(host) {
		// Without STARTTLS the password and the citizens' mails cross
		// the network in plain text: only a server on this machine.
		return c, InvalidRule("starttls", RuleFormat, "plain SMTP only to this machine (localhost), not to %q", host)
	}
	return c, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ConfigureMailOp returns the op that makes c the mail configuration.
func ConfigureMailOp(c MailConfig) Op { return DefineOp(KindMailConfigured, MailConfigEntity, c) }

// mailOrder is a configuration's place in the fold.
type mailOrder struct {
	HLC    HLC    `json:"hlc"`
	Origin string `json:"origin"`
	Seq    uint64 `json:"seq"`
}

func (o mailOrder) before(p mailOrder) bool {
	return Before(Op{HLC: o.HLC, Origin: o.Origin, Seq: o.Seq}, Op{HLC: p.HLC, Origin: p.Origin, Seq: p.Seq})
}

// MailState is the fold of the mail configuration and the releases.
type MailState struct {
	Config       MailConfig `json:"config"`
	ConfiguredAt time.Time  `json:"configured_at"`
	ConfiguredBy string     `json:"configured_by"`
	Latest       mailOrder  `json:"latest"`
	// LastNamed: per site, the latest configuration naming it.
	LastNamed map[string]mailOrder `json:"last_named"`
	// Released: per site, the latest configuration it has yielded to.
	Released map[string]mailOrder `json:"released"`
}

// FoldMailState folds the (counted) ops of MailConfigEntity; ok is false
// before any configuration. A release counts only when the site it names
// wrote it.
func FoldMailState(ops []Op) (st MailState, ok bool, err error) {
	st.LastNamed, st.Released = map[string]mailOrder{}, map[string]mailOrder{}
	for _, op := range sorted(ops) {
		o := mailOrder{op.HLC, op.Origin, op.Seq}
		switch op.Kind {
		case KindMailConfigured:
			var c MailConfig
			if err := json.Unmarshal(op.Data, &c); err != nil {
				return st, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			st.Config, st.ConfiguredAt, st.ConfiguredBy, st.Latest, ok = c, op.HLC.Time(), op.Author, o, true
			st.LastNamed[c.Site] = o
		case KindMailReleased:
			var d mailReleasedData
			if err := json.Unmarshal(op.Data, &d); err != nil {
				return st, false, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
			}
			if d.Site != op.Origin {
				continue // a site releases only itself
			}
			r := mailOrder{d.ConfigHLC, d.ConfigOrigin, d.ConfigSeq}
			if cur, held := st.Released[d.Site]; !held || cur.before(r) {
				st.Released[d.Site] = r
			}
		default:
			return st, false, fmt.Errorf("op %s/%d: kind %q is not a mail configuration op", op.Origin, op.Seq, op.Kind)
		}
	}
	return st, ok, nil
}

// releasedSince reports whether site has yielded to a configuration after
// the latest one that named it.
func (st MailState) releasedSince(site string) bool {
	r, ok := st.Released[site]
	return ok && st.LastNamed[site].before(r)
}

// AwaitedReleases lists the earlier mail sites whose release the mail
// site still waits for; revoked sites are not waited for.
func (st MailState) AwaitedReleases(revoked func(site string) bool) []string {
	var out []string
	for site := range st.LastNamed {
		if site != st.Config.Site && !st.releasedSince(site) && !revoked(site) {
			out = append(out, site)
		}
	}
	slices.Sort(out)
	return out
}

// MaySend reports whether site may send mails now: it is the mail site
// and no earlier mail site may still be sending.
func (st MailState) MaySend(site string, revoked func(string) bool) bool {
	return st.Config.Site == site && len(st.AwaitedReleases(revoked)) == 0
}

// OwesRelease reports whether site was a mail site and has not yet said
// that it stopped.
func (st MailState) OwesRelease(site string) bool {
	_, named := st.LastNamed[site]
	return named && st.Config.Site != site && !st.releasedSince(site)
}

// ReleaseMailOp returns the op by which site says it sends no more mails,
// yielding to the latest configuration.
func (st MailState) ReleaseMailOp(site string, at time.Time) Op {
	return Op{Kind: KindMailReleased, Entity: MailConfigEntity, Data: mustJSON(mailReleasedData{Site: site,
		ConfigHLC: st.Latest.HLC, ConfigOrigin: st.Latest.Origin, ConfigSeq: st.Latest.Seq, At: at.UnixMilli()})}
}

// DecodeMailOp checks that a mail op's payload decodes and can be folded,
// for ops received from other sites.
func DecodeMailOp(op Op) error {
	switch op.Kind {
	case KindMailQueued, KindMailSent:
		_, _, err := FoldMail(op.Entity, []Op{op})
		return err
	case KindMailConfigured, KindMailReleased:
		if op.Entity != MailConfigEntity {
			return fmt.Errorf("%s filed under %q", op.Kind, op.Entity)
		}
		_, _, err := FoldMailState([]Op{op})
		return err
	}
	return fmt.Errorf("kind %q is not a mail op", op.Kind)
}

func checkMailQueued(d mailQueuedData) error {
	if !slices.Contains(MailKinds, d.Kind) {
		return InvalidRule("kind", RuleFormat, "unknown mail kind %q", d.Kind)
	}
	return checkTexts([]textField{
		{"appointment", d.Appointment, MaxIDLen, true},
		{"building", d.Building, MaxIDLen, true},
	})
}

func checkMailOp(op Op) error {
	switch op.Kind {
	case KindMailQueued:
		d, err := decodeField[mailQueuedData]("data", op.Data)
		if err != nil {
			return err
		}
		if err := checkMailQueued(d); err != nil {
			return err
		}
		if op.Entity != MailID(d.Kind, d.Appointment) {
			return InvalidRule("entity", RuleFormat, "mail %q filed under %q", MailID(d.Kind, d.Appointment), op.Entity)
		}
	case KindMailSent:
		d, err := decodeField[mailSentData]("data", op.Data)
		if err != nil {
			return err
		}
		if err := checkText("message_id", d.MessageID, MaxMessageIDLen, false); err != nil {
			return err
		}
	case KindMailConfigured:
		c, err := decodeField[MailConfig]("data", op.Data)
		if err != nil {
			return err
		}
		if _, err := c.Normalize(); err != nil {
			return err
		}
	case KindMailReleased:
		d, err := decodeField[mailReleasedData]("data", op.Data)
		if err != nil {
			return err
		}
		if err := checkTexts([]textField{
			{"site", d.Site, MaxIDLen, true},
			{"config_origin", d.ConfigOrigin, MaxIDLen, true},
		}); err != nil {
			return err
		}
	}
	if len(op.Personal) > 0 || len(op.PersonalHash) > 0 {
		return InvalidRule("personal", RuleUnknownField, "a mail op carries no personal data")
	}
	if (op.Kind == KindMailConfigured || op.Kind == KindMailReleased) && op.Entity != MailConfigEntity {
		return InvalidRule("entity", RuleFormat, "%s filed under %q", op.Kind, op.Entity)
	}
	return nil
}
