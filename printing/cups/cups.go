// Package cups sends PDF documents to the print queues of a CUPS server and
// lists those queues. It speaks IPP over HTTP with github.com/phin1x/go-ipp,
// which is pure Go, so the headless binary stays free of cgo and of
// libcups.
//
// cups knows nothing of Pforte's documents: it moves bytes to a queue. It
// must not import app or engine.
package cups

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phin1x/go-ipp"
)

// Language is the attributes-natural-language of every request. go-ipp
// fills in "en-US" when a request names none, and CUPS 2.4.2-3+deb12u11
// refuses that (RFC 8011 wants a lower-case language tag) with
// client-error-bad-request. Pforte speaks German.
const Language = "de"

// DefaultServer is where a desk's own CUPS listens.
const DefaultServer = "127.0.0.1:631"

// user is the requesting-user-name of every job; CUPS shows it in its job
// list, so the desk's staff can tell Pforte's jobs from others.
const user = "pforte"

// Printer is one print queue of the server.
type Printer struct {
	Name         string `json:"name"`
	Info         string `json:"info"`     // the description an administrator gave it
	Location     string `json:"location"` // "Infotheke Rathaus I"
	MakeModel    string `json:"make_model"`
	DeviceURI    string `json:"device_uri,omitempty"`
	State        string `json:"state"` // idle, processing or stopped
	StateMessage string `json:"state_message,omitempty"`
	Accepting    bool   `json:"accepting"` // false: the queue rejects new jobs
}

// Ready reports whether a job sent now would be printed (rather than held
// in a stopped queue or refused).
func (p Printer) Ready() bool { return p.State != "stopped" && p.Accepting }

// Reasons a printer cannot print, as UnavailableError.Reason.
const (
	Unreachable  = "unreachable"   // no CUPS server answers at the address
	Unknown      = "unknown"       // the server has no such queue
	Stopped      = "stopped"       // the queue is paused (out of paper, jammed, or paused by hand)
	NotAccepting = "not_accepting" // the queue refuses new jobs
	Refused      = "refused"       // the server refused the job (say, it wants a password)
)

// UnavailableError says why a printer cannot take a job now.
type UnavailableError struct {
	Server  string
	Printer string
	Reason  string // one of the reasons above
	Detail  string // what CUPS said, if anything ("Media empty")
	Err     error
}

func (e *UnavailableError) Error() string {
	msg := fmt.Sprintf("cups: printer %q on %s: %s", e.Printer, e.Server, e.Reason)
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// Client talks to one CUPS server.
type Client struct {
	server string
	ipp    *ipp.CUPSClient
}

// New returns a client for the CUPS server at server ("host" or
// "host:port"; "" is DefaultServer). Every request gives up after timeout:
// go-ipp does not pass contexts down, so the HTTP client's timeout is what
// bounds a request to a server that accepts the connection and then hangs.
func New(server string, timeout time.Duration) (*Client, error) {
	host, port, err := SplitServer(server)
	if err != nil {
		return nil, err
	}
	// The default go-ipp client skips TLS verification; this one speaks
	// plain HTTP to a server on the desk or the LAN and never follows a
	// redirect elsewhere.
	hc := &http.Client{
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	adapter := germanAdapter{ipp.NewHttpAdapter(host, port, user, "", false, ipp.WithHttpClient(hc))}
	return &Client{server: net.JoinHostPort(host, strconv.Itoa(port)), ipp: ipp.NewCUPSClientWithAdapter(user, adapter)}, nil
}

// germanAdapter names Language on every request before go-ipp's encoder
// would put its default there. It sits under every operation go-ipp's
// clients build, so no request can go out without it.
type germanAdapter struct{ *ipp.HttpAdapter }

func (a germanAdapter) SendRequest(url string, req *ipp.Request, extra io.Writer) (*ipp.Response, error) {
	return a.SendRequestContext(context.Background(), url, req, extra)
}

func (a germanAdapter) SendRequestContext(ctx context.Context, url string, req *ipp.Request, extra io.Writer) (*ipp.Response, error) {
	if req.OperationAttributes == nil {
		req.OperationAttributes = map[string]any{}
	}
	if _, ok := req.OperationAttributes[ipp.AttributeNaturalLanguage]; !ok {
		req.OperationAttributes[ipp.AttributeNaturalLanguage] = Language
	}
	return a.HttpAdapter.SendRequestContext(ctx, url, req, extra)
}

// SplitServer reads "host" or "host:port" ("" is DefaultServer).
func SplitServer(server string) (host string, port int, err error) {
	server = strings.TrimSpace(server)
	if server == "" {
		server = DefaultServer
	}
	if !strings.Contains(server, ":") || strings.HasSuffix(server, "]") {
		server += ":631"
	}
	h, p, err := net.SplitHostPort(server)
	if err != nil {
		return "", 0, fmt.Errorf("cups: server %q: %w", server, err)
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 || h == "" || strings.ContainsAny(h, "/ ") {
		return "", 0, fmt.Errorf("cups: server %q: want host:port", server)
	}
	return h, port, nil
}

// Server is the address the client talks to, host:port.
func (c *Client) Server() string { return c.server }

var printerAttributes = []string{
	ipp.AttributePrinterName, ipp.AttributePrinterInfo, ipp.AttributePrinterLocation,
	ipp.AttributePrinterMakeAndModel, ipp.AttributeDeviceURI, ipp.AttributePrinterState,
	ipp.AttributePrinterStateMessage, ipp.AttributePrinterIsAcceptingJobs,
}

// Printers lists the server's print queues by name. A server that does not
// answer is an *UnavailableError with Reason Unreachable.
func (c *Client) Printers() ([]Printer, error) {
	all, err := c.ipp.GetPrinters(printerAttributes)
	if err != nil {
		return nil, c.unavailable("", err)
	}
	out := make([]Printer, 0, len(all))
	for _, attrs := range all {
		out = append(out, printerFrom(attrs))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Printer returns one queue; an unknown queue is an *UnavailableError with
// Reason Unknown.
func (c *Client) Printer(name string) (Printer, error) {
	attrs, err := c.ipp.GetPrinterAttributes(name, printerAttributes)
	if err != nil {
		return Printer{}, c.unavailable(name, err)
	}
	p := printerFrom(attrs)
	if p.Name == "" {
		p.Name = name
	}
	return p, nil
}

// Job is a document to print.
type Job struct {
	// Title names the job in CUPS's job list and logs; keep personal data
	// out of it.
	Title string
	PDF   []byte
	// Media asks for a paper size by its IPP name ("iso_a4_210x297mm");
	// "" leaves it to the queue. CUPS takes a size the printer lacks as a
	// wish, not a condition (ipp-attribute-fidelity is false), so an A4
	// list on a US-configured queue still prints.
	Media string
}

// Print sends a PDF to the named queue and returns CUPS's job id. It first
// asks for the queue's state, so that a job for a stopped queue is not
// left waiting in CUPS where nobody at the desk would look for it: the
// caller keeps the document and tries again.
func (c *Client) Print(printer string, job Job) (int, error) {
	p, err := c.Printer(printer)
	if err != nil {
		return 0, err
	}
	switch {
	case p.State == "stopped":
		return 0, &UnavailableError{Server: c.server, Printer: printer, Reason: Stopped, Detail: p.StateMessage}
	case !p.Accepting:
		return 0, &UnavailableError{Server: c.server, Printer: printer, Reason: NotAccepting, Detail: p.StateMessage}
	}
	attrs := map[string]any{}
	if job.Media != "" {
		attrs[ipp.AttributeMedia] = job.Media
	}
	id, err := c.ipp.PrintJob(ipp.Document{
		Document: bytes.NewReader(job.PDF), Size: len(job.PDF), Name: job.Title, MimeType: "application/pdf",
	}, printer, attrs)
	if err != nil {
		return 0, c.unavailable(printer, err)
	}
	return id, nil
}

// unavailable turns a go-ipp error into an *UnavailableError.
func (c *Client) unavailable(printer string, err error) error {
	e := &UnavailableError{Server: c.server, Printer: printer, Reason: Refused, Err: err}
	var ippErr ipp.IPPError
	var httpErr ipp.HTTPError
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.As(err, &ippErr) && ippErr.Status == ipp.StatusErrorNotFound:
		e.Reason, e.Detail = Unknown, ippErr.Message
	case errors.As(err, &ippErr):
		e.Detail = ippErr.Message
	case errors.As(err, &httpErr) && httpErr.Code == http.StatusNotFound:
		e.Reason = Unknown
	case errors.As(err, &httpErr):
		e.Detail = fmt.Sprintf("HTTP %d", httpErr.Code)
	case errors.As(err, &urlErr), errors.As(err, &netErr):
		e.Reason = Unreachable
	}
	return e
}

func printerFrom(attrs ipp.Attributes) Printer {
	p := Printer{
		Name:         attrString(attrs, ipp.AttributePrinterName),
		Info:         attrString(attrs, ipp.AttributePrinterInfo),
		Location:     attrString(attrs, ipp.AttributePrinterLocation),
		MakeModel:    attrString(attrs, ipp.AttributePrinterMakeAndModel),
		DeviceURI:    attrString(attrs, ipp.AttributeDeviceURI),
		StateMessage: attrString(attrs, ipp.AttributePrinterStateMessage),
		Accepting:    true,
	}
	switch attrInt(attrs, ipp.AttributePrinterState) {
	case int(ipp.PrinterStateIdle):
		p.State = "idle"
	case int(ipp.PrinterStateProcessing):
		p.State = "processing"
	case int(ipp.PrinterStateStopped):
		p.State = "stopped"
	default:
		p.State = "unknown"
	}
	if v, ok := first(attrs, ipp.AttributePrinterIsAcceptingJobs).(bool); ok {
		p.Accepting = v
	}
	return p
}

func first(attrs ipp.Attributes, name string) any {
	if vs := attrs[name]; len(vs) > 0 {
		return vs[0].Value
	}
	return nil
}

func attrString(attrs ipp.Attributes, name string) string {
	s, _ := first(attrs, name).(string)
	return s
}

func attrInt(attrs ipp.Attributes, name string) int {
	switch v := first(attrs, name).(type) {
	case int:
		return v
	case int8:
		return int(v)
	case int16:
		return int(v)
	case int32:
		return int(v)
	}
	return 0
}
