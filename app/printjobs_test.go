package app_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// printed is what POST /api/print/jobs and its retry answer.
type printed struct {
	JobID     string `json:"job_id"`
	Printer   string `json:"printer"`
	CUPSJobID int    `json:"cups_job_id"`
	Status    string `json:"status"`
}

// notPrinted is the answer when the printer cannot take the job.
type notPrinted struct {
	apiError
	JobID   string `json:"job_id"`
	Printer string `json:"printer"`
}

type waitingJob struct {
	JobID     string `json:"job_id"`
	Document  string `json:"document"`
	Printer   string `json:"printer"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

func (s *site) waitingJobs(t *testing.T) []waitingJob {
	t.Helper()
	var jobs []waitingJob
	s.get(t, "/api/print/jobs").want(t, http.StatusOK, &jobs)
	return jobs
}

func pdfTextOf(t *testing.T, pdf []byte) string {
	t.Helper()
	return pdfText(t, writePDF(t, pdf))
}

func TestPrintJob(t *testing.T) {
	s := openDemo(t)
	srv := s.usePrinters(t)
	ap := s.bookFirst(t, today, "Jürgen Nübel")
	v := s.mustRegister(t, mariaJSON)

	tests := []struct {
		name, body, printer, media, wantText string
	}{
		{"slip on the slip printer", `{"document":"slip","id":"` + ap.ID + `"}`, "infotheke", "", ap.Code},
		{"receipt slip", `{"document":"slip","id":"` + ap.ID + `","format":"receipt"}`, "infotheke", "", ap.Code},
		{"badge on the slip printer", `{"document":"badge","id":"` + v.ID + `"}`, "infotheke", "", "Maria Schneider"},
		{"daily sheet on the A4 printer", `{"document":"daily-sheet","building":"rathaus-1","day":"` + today + `"}`, "buero", "iso_a4_210x297mm", "Maria Schneider"},
		{"attendance list, today in this building", `{"document":"attendance"}`, "buero", "iso_a4_210x297mm", "Jürgen Nübel"},
		{"another printer", `{"document":"badge","id":"` + v.ID + `","printer":"buero"}`, "buero", "", "BESUCHER"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got printed
			s.post(t, "/api/print/jobs", tt.body).want(t, http.StatusAccepted, &got)
			if got.JobID == "" || got.Printer != tt.printer || got.CUPSJobID != i+1 || got.Status != "sent" {
				t.Errorf("answer %+v, want job %d sent to %s", got, i+1, tt.printer)
			}
			jobs := srv.Jobs()
			if len(jobs) != i+1 || jobs[i].Printer != tt.printer || jobs[i].Format != "application/pdf" || jobs[i].Media != tt.media {
				t.Fatalf("CUPS got %d jobs, the last on %q with media %q; want job %d on %s with media %q",
					len(jobs), jobs[len(jobs)-1].Printer, jobs[len(jobs)-1].Media, i+1, tt.printer, tt.media)
			}
			wantIn(t, "printed document", pdfTextOf(t, jobs[i].Document), tt.wantText)
			if strings.Contains(jobs[i].Title, "Nübel") || strings.Contains(jobs[i].Title, "Schneider") {
				t.Errorf("job title %q names a person: spoolers log titles", jobs[i].Title)
			}
		})
	}
	if jobs := s.waitingJobs(t); len(jobs) != 0 {
		t.Errorf("%d jobs waiting after printing, want none", len(jobs))
	}
}

func TestPrintJobRejects(t *testing.T) {
	s := openDemo(t)
	s.usePrinters(t)
	ap := s.bookFirst(t, today, "Jürgen Nübel")
	tests := []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"no document", `{"id":"` + ap.ID + `"}`, 400, "invalid_field", "document"},
		{"unknown document", `{"document":"poster"}`, 400, "invalid_field", "document"},
		{"slip without id", `{"document":"slip"}`, 400, "invalid_field", "id"},
		{"unknown building", `{"document":"daily-sheet","building":"rathaus-9"}`, 400, "invalid_field", "building"},
		{"bad day", `{"document":"attendance","day":"gestern"}`, 400, "invalid_field", "day"},
		{"bad format", `{"document":"slip","id":"` + ap.ID + `","format":"a3"}`, 400, "invalid_field", "format"},
		{"bad printer name", `{"document":"slip","id":"` + ap.ID + `","printer":"a b"}`, 400, "invalid_field", "printer"},
		{"unknown field", `{"document":"slip","id":"` + ap.ID + `","copies":2}`, 400, "invalid_field", "copies"},
		{"unknown appointment", `{"document":"slip","id":"nope"}`, 404, "not_found", anyField},
		{"unknown visit", `{"document":"badge","id":"nope"}`, 404, "not_found", anyField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.post(t, "/api/print/jobs", tt.body).wantError(t, tt.status, tt.code, tt.field)
		})
	}
	s.putSettings(t, `{"slip_printer":""}`)
	s.post(t, "/api/print/jobs", `{"document":"slip","id":"`+ap.ID+`"}`).wantError(t, 400, "invalid_field", "printer")
	if jobs := s.waitingJobs(t); len(jobs) != 0 {
		t.Errorf("refused requests left %d jobs in the queue", len(jobs))
	}
}

// TestPrintJobWaitsForPrinter: a stopped printer answers 503; the document
// waits in DATA/print-queue, survives a restart and prints on retry.
func TestPrintJobWaitsForPrinter(t *testing.T) {
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	s := openSite(t, demoConfig(dir), clock)
	srv := s.usePrinters(t)
	ap := s.bookFirst(t, today, "Jürgen Nübel")
	srv.Stop("infotheke", "Media empty")

	var e notPrinted
	s.post(t, "/api/print/jobs", `{"document":"slip","id":"`+ap.ID+`"}`).want(t, http.StatusServiceUnavailable, &e)
	if e.Error.Code != "printer_unavailable" || e.JobID == "" || e.Printer != "infotheke" ||
		!strings.HasPrefix(e.Error.Message, "Drucker „infotheke“ ist nicht erreichbar") || !strings.Contains(e.Error.Message, "Media empty") {
		t.Fatalf("answer %+v, want printer_unavailable naming „infotheke“ and why, with the job id", e)
	}
	if !looksGerman(e.Error.Message) {
		t.Errorf("message %q does not read like German UI text", e.Error.Message)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "print-queue", e.JobID+".*"))
	if len(files) != 2 {
		t.Errorf("print queue holds %v, want the job's .pdf and .json", files)
	}
	jobs := s.waitingJobs(t)
	if len(jobs) != 1 || jobs[0].JobID != e.JobID || jobs[0].Attempts != 1 || !strings.Contains(jobs[0].LastError, "angehalten") {
		t.Fatalf("waiting jobs %+v, want the slip after one attempt, with the reason", jobs)
	}

	// Still stopped: retrying fails the same way and keeps the job.
	s.post(t, "/api/print/jobs/"+e.JobID+"/retry", "").wantError(t, http.StatusServiceUnavailable, "printer_unavailable", "printer")

	// The desk restarts; the printer gets paper.
	s.app.Close()
	s = openSite(t, demoConfig(dir), clock)
	srv.Start("infotheke")
	var got printed
	s.post(t, "/api/print/jobs/"+e.JobID+"/retry", "").want(t, http.StatusAccepted, &got)
	if got.JobID != e.JobID || got.Printer != "infotheke" {
		t.Errorf("retry answer %+v, want job %s on infotheke", got, e.JobID)
	}
	if n := len(srv.Jobs()); n != 1 {
		t.Fatalf("CUPS got %d jobs, want 1", n)
	}
	wantIn(t, "printed slip", pdfTextOf(t, srv.Jobs()[0].Document), ap.Code)
	if jobs := s.waitingJobs(t); len(jobs) != 0 {
		t.Errorf("after printing, waiting: %+v", jobs)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "print-queue", "*")); len(files) != 0 {
		t.Errorf("print queue still holds %v", files)
	}
	s.post(t, "/api/print/jobs/"+e.JobID+"/retry", "").wantError(t, http.StatusNotFound, "not_found", "job")
}

func TestPrintJobUnavailablePrinters(t *testing.T) {
	s := openDemo(t)
	s.usePrinters(t)
	v := s.mustRegister(t, mariaJSON)
	tests := []struct{ name, settings, printer, says string }{
		{"unknown queue", `{}`, "keller", "kennt ihn nicht"},
		{"no print server", `{"cups_server":"` + deadServer(t) + `"}`, "infotheke", "antwortet nicht"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.putSettings(t, tt.settings)
			var e notPrinted
			s.post(t, "/api/print/jobs", `{"document":"badge","id":"`+v.ID+`","printer":"`+tt.printer+`"}`).
				want(t, http.StatusServiceUnavailable, &e)
			if e.Error.Code != "printer_unavailable" || !strings.Contains(e.Error.Message, "„"+tt.printer+"“") ||
				!strings.Contains(e.Error.Message, tt.says) || e.JobID == "" {
				t.Errorf("answer %+v, want printer_unavailable: %s", e, tt.says)
			}
		})
	}
	// A waiting document can go to another printer, or be discarded.
	s.usePrinters(t)
	jobs := s.waitingJobs(t)
	if len(jobs) != 2 {
		t.Fatalf("waiting %+v, want 2", jobs)
	}
	s.post(t, "/api/print/jobs/"+jobs[0].JobID+"/retry", `{"printer":"buero"}`).want(t, http.StatusAccepted, nil)
	if res := s.do(t, http.MethodDelete, "/api/print/jobs/"+jobs[1].JobID, nil); res.status != http.StatusNoContent {
		t.Errorf("DELETE: status %d, want 204", res.status)
	}
	s.do(t, http.MethodDelete, "/api/print/jobs/"+jobs[1].JobID, nil).wantError(t, 404, "not_found", "job")
	s.do(t, http.MethodDelete, "/api/print/jobs/..%2Fsettings", nil).wantError(t, 404, "not_found", "job")
	if jobs := s.waitingJobs(t); len(jobs) != 0 {
		t.Errorf("waiting after retry and discard: %+v", jobs)
	}
}

// TestDailySheetAtClose drives the scheduled job with the site's clock.
func TestDailySheetAtClose(t *testing.T) {
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	s := openSite(t, demoConfig(dir), clock)
	srv := s.usePrinters(t)
	s.putSettings(t, `{"print_daily_sheet_at_close":true}`)
	ctx := context.Background()
	run := func() {
		t.Helper()
		if err := s.app.PrintDueSheets(ctx); err != nil {
			t.Fatalf("PrintDueSheets: %v", err)
		}
	}
	s.mustRegister(t, `{"name":"Mittwoch Besucherin","phone":"123","host":"staff-mueller","reason":"Abgabe"}`)

	run() // 09:14: Rathaus I is open until 16:00
	clock.Set(time.Date(2026, 11, 18, 15, 59, 0, 0, engine.Berlin))
	run()
	if n := len(srv.Jobs()); n != 0 {
		t.Fatalf("%d sheets printed before closing time, want none", n)
	}
	clock.Set(time.Date(2026, 11, 18, 16, 0, 30, 0, engine.Berlin))
	run()
	run() // once is enough
	jobs := srv.Jobs()
	if len(jobs) != 1 || jobs[0].Printer != "buero" {
		t.Fatalf("after closing: %d jobs, want Wednesday's sheet once on the A4 printer", len(jobs))
	}
	wantIn(t, "sheet", pdfTextOf(t, jobs[0].Document), "Mittwoch, 18. November 2026", "Mittwoch Besucherin")

	// Thursday (open until 17:30): a visitor, and the desk is switched off
	// at 17:00. It comes back on Friday morning.
	clock.Set(time.Date(2026, 11, 19, 10, 0, 0, 0, engine.Berlin))
	s.mustRegister(t, `{"name":"Donnerstag Besucher","phone":"123","host":"staff-mueller","reason":"Abgabe"}`)
	clock.Set(time.Date(2026, 11, 19, 17, 0, 0, 0, engine.Berlin))
	run()
	s.app.Close()
	clock.Set(time.Date(2026, 11, 20, 8, 0, 0, 0, engine.Berlin))
	s = openSite(t, demoConfig(dir), clock)
	run()
	jobs = srv.Jobs()
	if len(jobs) != 2 {
		t.Fatalf("after the restart: %d jobs, want Thursday's missed sheet", len(jobs))
	}
	wantIn(t, "missed sheet", pdfTextOf(t, jobs[1].Document), "Donnerstag, 19. November 2026", "Donnerstag Besucher")

	// Friday closes at 12:30; nobody came: nothing to print. The setting
	// off: Monday's sheet is not printed either.
	clock.Set(time.Date(2026, 11, 20, 13, 0, 0, 0, engine.Berlin))
	run()
	s.putSettings(t, `{"print_daily_sheet_at_close":false}`)
	clock.Set(time.Date(2026, 11, 23, 9, 0, 0, 0, engine.Berlin))
	s.mustRegister(t, `{"name":"Montag Besucher","phone":"123","host":"staff-mueller","reason":"Abgabe"}`)
	clock.Set(time.Date(2026, 11, 23, 16, 30, 0, 0, engine.Berlin))
	run()
	if n := len(srv.Jobs()); n != 2 {
		t.Errorf("%d jobs, want still 2", n)
	}
}

// TestDailySheetAtCloseWaitsForPrinter: a sheet the printer cannot take
// at closing time waits in the print queue and is not printed twice.
func TestDailySheetAtCloseWaitsForPrinter(t *testing.T) {
	s := openDemo(t)
	srv := s.usePrinters(t)
	s.putSettings(t, `{"print_daily_sheet_at_close":true}`)
	s.mustRegister(t, mariaJSON)
	srv.Stop("buero", "")
	s.clock.Set(time.Date(2026, 11, 18, 16, 5, 0, 0, engine.Berlin))
	for range 2 {
		if err := s.app.PrintDueSheets(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if jobs := s.waitingJobs(t); len(jobs) != 1 || jobs[0].Document != "daily-sheet" {
		t.Errorf("waiting %+v, want the daily sheet once", jobs)
	}
}

// TestPrintThroughRealCUPS prints a slip through the private cupsd of
// scripts/cups-test.sh and finds the booking code in the file its PDF
// queue wrote.
func TestPrintThroughRealCUPS(t *testing.T) {
	server := os.Getenv("PFORTE_CUPS_TEST")
	if server == "" {
		t.Skip("PFORTE_CUPS_TEST is not set: start a private CUPS with `scripts/cups-test.sh start DIR` " +
			"and set PFORTE_CUPS_TEST to the address it prints (make test-cups does both)")
	}
	s := openDemo(t)
	s.putSettings(t, `{"cups_server":"`+server+`"}`)
	var ps []struct {
		Name      string `json:"name"`
		DeviceURI string `json:"device_uri"`
	}
	s.get(t, "/api/print/printers").want(t, http.StatusOK, &ps)
	out := ""
	for _, p := range ps {
		if p.Name == "pforte-pdf" {
			u, err := url.Parse(p.DeviceURI)
			if err != nil || u.Scheme != "file" {
				t.Fatalf("pforte-pdf writes to %q, want a file: URI", p.DeviceURI)
			}
			out = u.Path
		}
	}
	if out == "" {
		t.Fatalf("the print server has no queue pforte-pdf: %+v", ps)
	}

	ap := s.bookAt(t, "2026-12-03T09:40:00+01:00", "Jürgen Nübel")
	var got printed
	s.post(t, "/api/print/jobs", `{"document":"slip","id":"`+ap.ID+`","printer":"pforte-pdf"}`).want(t, http.StatusAccepted, &got)
	if got.CUPSJobID <= 0 {
		t.Errorf("CUPS job id %d", got.CUPSJobID)
	}
	needTools(t, "pdftotext")
	deadline := time.Now().Add(15 * time.Second)
	var text string
	for time.Now().Before(deadline) {
		// The queue writes each job over the last; wait for ours.
		if b, err := exec.Command("pdftotext", "-enc", "UTF-8", out, "-").Output(); err == nil {
			if text = string(b); strings.Contains(text, ap.Code) {
				break
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	wantIn(t, "the printed file "+out, text, ap.Code, "Jürgen Nübel", "Eingang über den Rathausinnenhof")

	e := s.post(t, "/api/print/jobs", `{"document":"slip","id":"`+ap.ID+`","printer":"pforte-stopped"}`).
		wantError(t, http.StatusServiceUnavailable, "printer_unavailable", "printer")
	if !strings.Contains(e.Error.Message, "„pforte-stopped“") || !strings.Contains(e.Error.Message, "angehalten") {
		t.Errorf("message %q, want it to name the stopped queue", e.Error.Message)
	}
}

// TestBadgeAtRegistration: when the desk prints badges at registration,
// the registration's answer says at once whether the badge printed, and
// why not (it waits in the print queue then); the visit is registered
// either way.
func TestBadgeAtRegistration(t *testing.T) {
	s := openDemo(t)
	srv := s.usePrinters(t)
	type registered struct {
		ID    string `json:"id"`
		Badge *struct {
			Status string `json:"status"`
			Job    string `json:"job"`
			Error  string `json:"error"`
		} `json:"badge"`
	}
	var got registered
	s.post(t, "/api/visits", mariaJSON).want(t, http.StatusCreated, &got)
	if got.Badge != nil {
		t.Fatalf("badge = %+v with print_badge_on_register off, want none", *got.Badge)
	}

	s.putSettings(t, `{"print_badge_on_register":true}`)
	s.post(t, "/api/visits", mariaJSON).want(t, http.StatusCreated, &got)
	if got.Badge == nil || got.Badge.Status != "printed" || got.Badge.Error != "" {
		t.Fatalf("badge = %+v, want printed", got.Badge)
	}
	if n := len(srv.Jobs()); n != 1 {
		t.Errorf("the print server holds %d jobs, want the one badge", n)
	}

	srv.Stop("infotheke", "media-empty")
	s.post(t, "/api/visits", mariaJSON).want(t, http.StatusCreated, &got)
	if got.Badge == nil || got.Badge.Status != "queued" || !strings.Contains(got.Badge.Error, "angehalten") {
		t.Fatalf("badge = %+v, want queued with the printer's reason in German", got.Badge)
	}
	jobs := s.waitingJobs(t)
	if len(jobs) != 1 || jobs[0].JobID != got.Badge.Job || jobs[0].Document != "badge" {
		t.Errorf("print queue = %+v, want the badge %s waiting", jobs, got.Badge.Job)
	}
	var present []visit
	s.get(t, "/api/visits/present").want(t, http.StatusOK, &present)
	if len(present) != 3 {
		t.Errorf("%d visitors present, want 3: a badge that did not print never stops a registration", len(present))
	}
}
