package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"pforte/engine"
	"pforte/printing"
	"pforte/printing/cups"
)

// printSettings are this desk's printing settings. They belong to the
// site, not the cluster (each desk has its own printers), so they live in
// DATA/settings.json under "printers" and are not replicated.
type printSettings struct {
	SlipPrinter            string `json:"slip_printer"` // slips and badges
	A4Printer              string `json:"a4_printer"`   // daily sheets and attendance lists
	PrintBadgeOnRegister   bool   `json:"print_badge_on_register"`
	PrintDailySheetAtClose bool   `json:"print_daily_sheet_at_close"`
	SlipFormat             string `json:"slip_format"`  // a6 (default) or receipt: what the slip printer takes
	CancelPhone            string `json:"cancel_phone"` // printed on slips: where to call to cancel
	// CUPSServer overrides PFORTE_CUPS and the default 127.0.0.1:631.
	CUPSServer string `json:"cups_server"`
}

// printSettingsUpdate is the body of PUT /api/settings/printers: fields
// left out keep their value.
type printSettingsUpdate struct {
	SlipPrinter            *string `json:"slip_printer"`
	A4Printer              *string `json:"a4_printer"`
	PrintBadgeOnRegister   *bool   `json:"print_badge_on_register"`
	PrintDailySheetAtClose *bool   `json:"print_daily_sheet_at_close"`
	SlipFormat             *string `json:"slip_format"`
	CancelPhone            *string `json:"cancel_phone"`
	CUPSServer             *string `json:"cups_server"`
}

// settingsJSON is what GET and PUT /api/settings/printers answer.
type settingsJSON struct {
	printSettings
	CUPSServerInUse string `json:"cups_server_in_use"` // after PFORTE_CUPS and the default
}

const (
	settingsFile = "settings.json"
	settingsKey  = "printers"
	// cupsTimeout bounds one request to the print server: a desk waits
	// this long at most before it hears that the printer is unavailable.
	cupsTimeout = 5 * time.Second
)

func (a *App) settingsPath() string { return filepath.Join(a.cfg.DataDir, settingsFile) }

// readSettingsFile reads DATA/settings.json as its top-level keys, so that
// writing the printers' part keeps what others keep there.
func (a *App) readSettingsFile() (map[string]json.RawMessage, error) {
	all := map[string]json.RawMessage{}
	b, err := os.ReadFile(a.settingsPath())
	if errors.Is(err, fs.ErrNotExist) {
		return all, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, fmt.Errorf("%s: %w", a.settingsPath(), err)
	}
	return all, nil
}

// loadPrintSettings returns the desk's printing settings; a missing or
// broken file gives the defaults (logged), so printing by hand still works.
func (a *App) loadPrintSettings() printSettings {
	var s printSettings
	all, err := a.readSettingsFile()
	if err == nil && all[settingsKey] != nil {
		err = json.Unmarshal(all[settingsKey], &s)
	}
	if err != nil {
		a.log.Error("read print settings; using defaults", "err", err)
		return printSettings{}
	}
	return s
}

// savePrintSettings writes the settings beside whatever else the file
// holds, through a temporary file, so a crash leaves the old file or the
// new. Two desks' browsers saving at the same instant: the last one wins.
func (a *App) savePrintSettings(s printSettings) error {
	all, err := a.readSettingsFile()
	if err != nil {
		return err
	}
	part, err := json.Marshal(s)
	if err != nil {
		return err
	}
	all[settingsKey] = part
	b, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	tmp := a.settingsPath() + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, a.settingsPath())
}

// cupsServer is the print server of this desk: the settings file, else
// the environment variable PFORTE_CUPS, else CUPS on this machine. The
// setting wins over the environment because it is what someone chose for
// this desk in the UI; the variable is the machine's default.
func (a *App) cupsServer(s printSettings) string {
	if s.CUPSServer != "" {
		return s.CUPSServer
	}
	if env := strings.TrimSpace(os.Getenv("PFORTE_CUPS")); env != "" {
		return env
	}
	return cups.DefaultServer
}

// cupsClient talks to the desk's print server. An address that cannot be
// used (a bad PFORTE_CUPS) is reported like a server that does not answer.
func (a *App) cupsClient(s printSettings) (*cups.Client, error) {
	server := a.cupsServer(s)
	c, err := cups.New(server, cupsTimeout)
	if err != nil {
		return nil, &cups.UnavailableError{Server: server, Reason: cups.Unreachable, Err: err}
	}
	return c, nil
}

// printerSettings serves GET /api/settings/printers.
func (a *App) printerSettings(w http.ResponseWriter, r *http.Request) {
	s := a.loadPrintSettings()
	writeJSON(w, http.StatusOK, settingsJSON{printSettings: s, CUPSServerInUse: a.cupsServer(s)})
}

// putPrinterSettings serves PUT /api/settings/printers.
func (a *App) putPrinterSettings(w http.ResponseWriter, r *http.Request) {
	var u printSettingsUpdate
	if err := decode(w, r, &u); err != nil {
		a.fail(w, r, err)
		return
	}
	s := a.loadPrintSettings()
	for _, f := range []struct {
		field string
		from  *string
		to    *string
		check func(field, v string) error
	}{
		{"slip_printer", u.SlipPrinter, &s.SlipPrinter, checkPrinterName},
		{"a4_printer", u.A4Printer, &s.A4Printer, checkPrinterName},
		{"slip_format", u.SlipFormat, &s.SlipFormat, checkSlipFormat},
		{"cancel_phone", u.CancelPhone, &s.CancelPhone, checkPhone},
		{"cups_server", u.CUPSServer, &s.CUPSServer, checkCUPSServer},
	} {
		if f.from == nil {
			continue
		}
		v := strings.TrimSpace(*f.from)
		if err := f.check(f.field, v); err != nil {
			a.fail(w, r, err)
			return
		}
		*f.to = v
	}
	if u.PrintBadgeOnRegister != nil {
		s.PrintBadgeOnRegister = *u.PrintBadgeOnRegister
	}
	if u.PrintDailySheetAtClose != nil {
		s.PrintDailySheetAtClose = *u.PrintDailySheetAtClose
	}
	if err := a.savePrintSettings(s); err != nil {
		a.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsJSON{printSettings: s, CUPSServerInUse: a.cupsServer(s)})
}

// checkPrinterName accepts what CUPS accepts as a queue name: up to 127
// printable characters without space, tab, '/' or '#'; "" means none.
func checkPrinterName(field, v string) error {
	if utf8.RuneCountInString(v) > 127 {
		e := engine.InvalidRule(field, engine.RuleTooLong, "printer name over 127 characters")
		e.Limit = 127
		return e
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return engine.InvalidRule(field, engine.RuleControlChar, "control character in printer name")
		}
		if r == ' ' || r == '/' || r == '#' || !unicode.IsPrint(r) {
			return engine.InvalidRule(field, engine.RuleFormat, "printer names have no spaces, '/' or '#'")
		}
	}
	return nil
}

func checkSlipFormat(field, v string) error {
	if _, err := printing.ParseSlipFormat(v); err != nil {
		return engine.InvalidRule(field, engine.RuleFormat, "slip format %q: a6 or receipt", v)
	}
	return nil
}

func checkPhone(field, v string) error {
	if utf8.RuneCountInString(v) > engine.MaxPhoneLen {
		e := engine.InvalidRule(field, engine.RuleTooLong, "phone number too long")
		e.Limit = engine.MaxPhoneLen
		return e
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9') && !strings.ContainsRune(" +()/-.", r) {
			return engine.InvalidRule(field, engine.RuleFormat, "not a phone number: %q", v)
		}
	}
	return nil
}

func checkCUPSServer(field, v string) error {
	if v == "" {
		return nil
	}
	if _, _, err := cups.SplitServer(v); err != nil {
		return engine.InvalidRule(field, engine.RuleFormat, "want host or host:port, got %q", v)
	}
	return nil
}

// printers serves GET /api/print/printers: the queues of the print server.
func (a *App) printers(w http.ResponseWriter, r *http.Request) {
	s := a.loadPrintSettings()
	c, err := a.cupsClient(s)
	if err != nil {
		a.failPrinter(w, r, err, nil)
		return
	}
	ps, err := c.Printers()
	if err != nil {
		a.failPrinter(w, r, err, nil)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

// codePrinterUnavailable answers a print that cannot go out now: 503, and
// the document waits in the print queue.
const codePrinterUnavailable = "printer_unavailable"

// errNoPrinter: the document has no printer to go to (none given, none set
// for this desk).
var errNoPrinter = errors.New("no printer chosen")

// failPrinter answers 503 printer_unavailable for an error of the print
// server, with extra fields (the waiting job) beside the error; other
// errors go to fail.
func (a *App) failPrinter(w http.ResponseWriter, r *http.Request, err error, extra map[string]any) {
	var ue *cups.UnavailableError
	if !errors.As(err, &ue) && !errors.Is(err, errNoPrinter) {
		a.fail(w, r, err)
		return
	}
	a.log.Warn("printer unavailable", "path", r.URL.Path, "err", err)
	body := map[string]any{"error": apiError{Code: codePrinterUnavailable, Field: "printer", Message: printerMessage(err)}}
	for k, v := range extra {
		body[k] = v
	}
	writeJSON(w, http.StatusServiceUnavailable, body)
}

// printerMessage says in German why a printer cannot print.
func printerMessage(err error) string {
	var e *cups.UnavailableError
	if !errors.As(err, &e) {
		return "Für dieses Dokument ist kein Drucker eingestellt. Bitte einen Drucker wählen."
	}
	detail := ""
	if e.Detail != "" {
		detail = " (" + e.Detail + ")"
	}
	if e.Printer == "" {
		return fmt.Sprintf("Der Druckserver %s ist nicht erreichbar. Bitte prüfen, ob CUPS läuft.", e.Server)
	}
	why := map[string]string{
		cups.Unreachable:  fmt.Sprintf("der Druckserver %s antwortet nicht", e.Server),
		cups.Unknown:      fmt.Sprintf("der Druckserver %s kennt ihn nicht", e.Server),
		cups.Stopped:      "er ist angehalten" + detail + "; bitte Papier und Klappen prüfen und ihn in CUPS fortsetzen",
		cups.NotAccepting: "er nimmt keine Aufträge an" + detail,
	}[e.Reason]
	if why == "" {
		why = "der Druckserver hat den Auftrag abgelehnt" + detail
	}
	return fmt.Sprintf("Drucker „%s“ ist nicht erreichbar: %s.", e.Printer, why)
}
