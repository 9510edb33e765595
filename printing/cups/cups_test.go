package cups_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/phin1x/go-ipp"

	"pforte/printing/cups"
	"pforte/printing/cups/cupstest"
)

// pdf is enough of a PDF for a queue that passes documents through.
var pdf = []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 298 420]>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n")

func mustClient(t *testing.T, server string) *cups.Client {
	t.Helper()
	c, err := cups.New(server, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPrintAndList(t *testing.T) {
	srv := cupstest.New(t)
	srv.AddPrinter("infotheke")
	srv.AddPrinter("buero-a4")
	c := mustClient(t, srv.Addr)

	ps, err := c.Printers()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "buero-a4" || ps[1].Name != "infotheke" || ps[1].State != "idle" || !ps[1].Accepting {
		t.Fatalf("printers = %+v, want buero-a4 and infotheke, idle and accepting", ps)
	}

	id, err := c.Print("infotheke", cups.Job{Title: "Terminbestätigung K7M2QX", PDF: pdf, Media: "iso_a6_105x148mm"})
	if err != nil {
		t.Fatal(err)
	}
	jobs := srv.Jobs()
	if len(jobs) != 1 || jobs[0].ID != id || jobs[0].Printer != "infotheke" || jobs[0].Title != "Terminbestätigung K7M2QX" ||
		jobs[0].Format != "application/pdf" || jobs[0].Media != "iso_a6_105x148mm" || string(jobs[0].Document) != string(pdf) {
		t.Errorf("server got %+v, want the PDF as job %d on infotheke", jobs, id)
	}
}

func TestPrintUnavailable(t *testing.T) {
	srv := cupstest.New(t)
	srv.AddPrinter("infotheke")
	srv.Stop("infotheke", "Media empty")
	// A port nobody listens on: a closed listener's address.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()

	tests := []struct {
		name, server, printer, reason, detail string
	}{
		{"stopped", srv.Addr, "infotheke", cups.Stopped, "Media empty"},
		{"unknown", srv.Addr, "keller", cups.Unknown, "The printer or class does not exist."},
		{"no server", dead, "infotheke", cups.Unreachable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mustClient(t, tt.server).Print(tt.printer, cups.Job{Title: "Besucherausweis", PDF: pdf})
			var e *cups.UnavailableError
			if !errors.As(err, &e) || e.Reason != tt.reason || e.Detail != tt.detail || e.Printer != tt.printer {
				t.Fatalf("Print error = %#v, want an UnavailableError for %q, reason %q, detail %q", err, tt.printer, tt.reason, tt.detail)
			}
		})
	}
	if n := len(srv.Jobs()); n != 0 {
		t.Errorf("server got %d jobs, want none", n)
	}
	if _, err := mustClient(t, dead).Printers(); err == nil {
		t.Error("Printers on a dead server succeeded")
	}
}

func TestSplitServer(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port int
		ok   bool
	}{
		{"", "127.0.0.1", 631, true},
		{"drucker.rathaus.local", "drucker.rathaus.local", 631, true},
		{"127.0.0.1:8631", "127.0.0.1", 8631, true},
		{"[::1]:631", "::1", 631, true},
		{"[::1]", "::1", 631, true},
		{"host:0", "", 0, false},
		{"host:http", "", 0, false},
		{"http://host:631/", "", 0, false},
	}
	for _, tt := range tests {
		host, port, err := cups.SplitServer(tt.in)
		if (err == nil) != tt.ok || host != tt.host || port != tt.port {
			t.Errorf("SplitServer(%q) = %q, %d, %v; want %q, %d, ok %v", tt.in, host, port, err, tt.host, tt.port, tt.ok)
		}
	}
}

// TestRealCUPS talks to the private cupsd of scripts/cups-test.sh.
func TestRealCUPS(t *testing.T) {
	server := os.Getenv("PFORTE_CUPS_TEST")
	if server == "" {
		t.Skip("PFORTE_CUPS_TEST is not set: start a private CUPS with `scripts/cups-test.sh start DIR` " +
			"and set PFORTE_CUPS_TEST to the address it prints (make test-cups does both)")
	}
	c := mustClient(t, server)
	ps, err := c.Printers()
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]bool{}
	for _, p := range ps {
		states[p.Name] = p.Ready()
	}
	if ready, ok := states["pforte-pdf"]; !ok || !ready {
		t.Fatalf("queues %+v: want pforte-pdf, ready", ps)
	}
	if ready, ok := states["pforte-stopped"]; !ok || ready {
		t.Fatalf("queues %+v: want pforte-stopped, stopped", ps)
	}
	if id, err := c.Print("pforte-pdf", cups.Job{Title: "Pforte-Test", PDF: pdf, Media: "iso_a4_210x297mm"}); err != nil || id <= 0 {
		t.Errorf("Print to pforte-pdf = %d, %v; want a job id", id, err)
	}
	var e *cups.UnavailableError
	if _, err := c.Print("pforte-stopped", cups.Job{Title: "Pforte-Test", PDF: pdf}); !errors.As(err, &e) || e.Reason != cups.Stopped {
		t.Errorf("Print to pforte-stopped: %v, want reason stopped", err)
	}
	if _, err := c.Print("keller", cups.Job{Title: "Pforte-Test", PDF: pdf}); !errors.As(err, &e) || e.Reason != cups.Unknown {
		t.Errorf("Print to an unknown queue: %v, want reason unknown", err)
	}
}

// TestNaturalLanguage: CUPS since 2.4.2-3+deb12u11 refuses go-ipp's default
// "en-US"; the fake refuses it the same way, and Pforte's client sends "de".
func TestNaturalLanguage(t *testing.T) {
	srv := cupstest.New(t)
	srv.AddPrinter("infotheke")
	host, port, err := cups.SplitServer(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	plain := ipp.NewCUPSClient(host, port, "pforte", "", false)
	if _, err := plain.GetPrinters(nil); err == nil || !strings.Contains(err.Error(), "attributes-natural-language") {
		t.Fatalf("go-ipp's own client: %v; want the fake to refuse en-US as CUPS does", err)
	}
	if _, err := mustClient(t, srv.Addr).Printers(); err != nil {
		t.Fatalf("Printers: %v", err)
	}
	if _, err := mustClient(t, srv.Addr).Print("infotheke", cups.Job{Title: "Test", PDF: pdf}); err != nil {
		t.Fatalf("Print: %v", err)
	}
}
