package app_test

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"pforte/engine"
	"pforte/printing/cups/cupstest"
)

// printSettings is what GET /api/settings/printers answers.
type printSettings struct {
	SlipPrinter            string `json:"slip_printer"`
	A4Printer              string `json:"a4_printer"`
	PrintBadgeOnRegister   bool   `json:"print_badge_on_register"`
	PrintDailySheetAtClose bool   `json:"print_daily_sheet_at_close"`
	SlipFormat             string `json:"slip_format"`
	CancelPhone            string `json:"cancel_phone"`
	CUPSServer             string `json:"cups_server"`
	CUPSServerInUse        string `json:"cups_server_in_use"`
}

func (s *site) putSettings(t *testing.T, body string) printSettings {
	t.Helper()
	var got printSettings
	s.do(t, http.MethodPut, "/api/settings/printers", strings.NewReader(body)).want(t, http.StatusOK, &got)
	return got
}

// usePrinters points a site at a fake CUPS with the queues "infotheke"
// (slips and badges) and "buero" (A4).
func (s *site) usePrinters(t *testing.T) *cupstest.Server {
	t.Helper()
	srv := cupstest.New(t)
	srv.AddPrinter("infotheke")
	srv.AddPrinter("buero")
	s.putSettings(t, `{"cups_server":"`+srv.Addr+`","slip_printer":"infotheke","a4_printer":"buero"}`)
	return srv
}

// deadServer is an address where nothing listens.
func deadServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestPrinterSettings(t *testing.T) {
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	s := openSite(t, demoConfig(dir), clock)

	var got printSettings
	s.get(t, "/api/settings/printers").want(t, http.StatusOK, &got)
	if got != (printSettings{CUPSServerInUse: defaultCUPS()}) {
		t.Errorf("defaults = %+v, want everything off and CUPS at %s", got, defaultCUPS())
	}

	got = s.putSettings(t, `{"slip_printer":"Infotheke_Bon","print_badge_on_register":true,"slip_format":"receipt"}`)
	got = s.putSettings(t, `{"a4_printer":"Buero-A4","print_daily_sheet_at_close":true,"cups_server":"drucker.local:8631"}`)
	want := printSettings{SlipPrinter: "Infotheke_Bon", A4Printer: "Buero-A4", PrintBadgeOnRegister: true,
		PrintDailySheetAtClose: true, SlipFormat: "receipt", CUPSServer: "drucker.local:8631", CUPSServerInUse: "drucker.local:8631"}
	if got != want {
		t.Errorf("after two partial updates: %+v, want %+v", got, want)
	}

	// Someone else's settings in the same file survive.
	path := filepath.Join(dir, "settings.json")
	var file map[string]json.RawMessage
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &file); err != nil || file["printers"] == nil {
		t.Fatalf("settings.json = %s (%v), want a printers object", b, err)
	}
	file["monitor"] = json.RawMessage(`{"theme":"dark"}`)
	b, _ = json.Marshal(file)
	os.WriteFile(path, b, 0o600)
	s.putSettings(t, `{"print_badge_on_register":false}`)
	b, _ = os.ReadFile(path)
	if !strings.Contains(string(b), `"theme": "dark"`) {
		t.Errorf("settings.json lost another part: %s", b)
	}

	// Kept across a restart.
	s.app.Close()
	again := openSite(t, demoConfig(dir), clock)
	again.get(t, "/api/settings/printers").want(t, http.StatusOK, &got)
	want.PrintBadgeOnRegister = false
	if got != want {
		t.Errorf("after restart: %+v, want %+v", got, want)
	}
}

func defaultCUPS() string {
	if env := os.Getenv("PFORTE_CUPS"); env != "" {
		return env
	}
	return "127.0.0.1:631"
}

func TestPrinterSettingsRejects(t *testing.T) {
	s := openDemo(t)
	tests := []struct{ name, body, field string }{
		{"space in printer name", `{"slip_printer":"Drucker Infotheke"}`, "slip_printer"},
		{"slash in printer name", `{"a4_printer":"a/b"}`, "a4_printer"},
		{"printer name too long", `{"a4_printer":"` + strings.Repeat("x", 128) + `"}`, "a4_printer"},
		{"slip format", `{"slip_format":"a4"}`, "slip_format"},
		{"cups server", `{"cups_server":"http://drucker:631/"}`, "cups_server"},
		{"phone", `{"cancel_phone":"call us"}`, "cancel_phone"},
		{"wrong type", `{"print_badge_on_register":"yes"}`, "print_badge_on_register"},
		{"unknown field", `{"printer":"x"}`, "printer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.do(t, http.MethodPut, "/api/settings/printers", strings.NewReader(tt.body)).
				wantError(t, http.StatusBadRequest, engine.CodeInvalidField, tt.field)
		})
	}
	var got printSettings
	s.get(t, "/api/settings/printers").want(t, http.StatusOK, &got)
	if got.SlipPrinter != "" || got.SlipFormat != "" {
		t.Errorf("a refused update changed the settings: %+v", got)
	}
}

func TestPrintersList(t *testing.T) {
	s := openDemo(t)
	s.usePrinters(t)
	var ps []struct {
		Name      string `json:"name"`
		State     string `json:"state"`
		Accepting bool   `json:"accepting"`
	}
	s.get(t, "/api/print/printers").want(t, http.StatusOK, &ps)
	if len(ps) != 2 || ps[0].Name != "buero" || ps[1].Name != "infotheke" || ps[1].State != "idle" || !ps[1].Accepting {
		t.Errorf("printers = %+v, want buero and infotheke, idle", ps)
	}

	s.putSettings(t, `{"cups_server":"`+deadServer(t)+`"}`)
	e := s.get(t, "/api/print/printers").wantError(t, http.StatusServiceUnavailable, "printer_unavailable", anyField)
	if !strings.Contains(e.Error.Message, "Druckserver") {
		t.Errorf("message %q does not name the print server", e.Error.Message)
	}
}
