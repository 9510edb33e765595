package mail

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Server is how to reach the SMTP server.
type Server struct {
	Addr     string // host:port
	From     string
	Username string // "" sends without authentication
	Password string
	// StartTLS: true makes STARTTLS mandatory (the server's certificate
	// is verified); false talks plain text, which the configuration
	// allows for a server on this machine only (tests).
	StartTLS bool
	// Timeout bounds connecting and each command (default 30 s).
	Timeout time.Duration
}

// Conn is one connection to the SMTP server: a batch of mails goes over it.
type Conn struct {
	client *gomail.Client
	from   string
}

// Dial connects (STARTTLS and sign-in as srv says); an error means no mail
// can go now.
func Dial(ctx context.Context, srv Server) (*Conn, error) {
	host, portText, err := net.SplitHostPort(srv.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp server %q: %w", srv.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("smtp server %q: port: %w", srv.Addr, err)
	}
	timeout := srv.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(port), gomail.WithTimeout(timeout), gomail.WithHELO("pforte")}
	if srv.StartTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if srv.Username != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if !srv.StartTLS {
			auth = gomail.SMTPAuthPlainNoEnc // plain text to this machine only (tests)
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(srv.Username), gomail.WithPassword(srv.Password))
	}
	client, err := gomail.NewClient(host, opts...)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.DialWithContext(dctx); err != nil {
		return nil, fmt.Errorf("smtp %s: %w", srv.Addr, err)
	}
	return &Conn{client: client, from: srv.From}, nil
}

// Send sends msgs in order; failed[i] is the error of msgs[i], nil for
// the mails the server took.
func (c *Conn) Send(msgs []Message, now time.Time) (failed []error) {
	built := make([]*gomail.Msg, len(msgs))
	failed = make([]error, len(msgs))
	var ready []*gomail.Msg
	for i, m := range msgs {
		if built[i], failed[i] = build(c.from, m, now); failed[i] == nil {
			ready = append(ready, built[i])
		}
	}
	if len(ready) > 0 {
		// Errors come back per message too (HasSendError).
		_ = c.client.Send(ready...)
	}
	for i, m := range built {
		if m != nil && m.HasSendError() {
			failed[i] = m.SendError()
		}
	}
	return failed
}

// Close says goodbye to the server.
func (c *Conn) Close() error { return c.client.Close() }

// Send sends msgs over one connection, in order. err is set when no mail
// could be sent (no connection, refused sign-in); otherwise failed[i] is
// the error of msgs[i].
func Send(ctx context.Context, srv Server, msgs []Message, now time.Time) (failed []error, err error) {
	c, err := Dial(ctx, srv)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.Send(msgs, now), nil
}

// build makes the MIME message: text with an HTML alternative, the
// inline images and the attachments.
func build(from string, m Message, now time.Time) (*gomail.Msg, error) {
	g := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := g.From(from); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := g.To(m.To); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	g.Subject(m.Subject)
	g.SetMessageIDWithValue(m.MessageID)
	g.SetDateWithValue(now)
	g.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	g.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		g.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		opts := []gomail.FileOption{gomail.WithFileContentType(gomail.ContentType(a.ContentType))}
		var err error
		if a.Inline {
			err = g.EmbedReader(a.Name, bytes.NewReader(a.Data), append(opts, gomail.WithFileContentID(a.ContentID))...)
		} else {
			err = g.AttachReader(a.Name, bytes.NewReader(a.Data), opts...)
		}
		if err != nil {
			return nil, fmt.Errorf("attachment %s: %w", a.Name, err)
		}
	}
	return g, nil
}
