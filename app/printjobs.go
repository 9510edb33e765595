package app

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/robfig/cron/v3"

	"pforte/engine"
	"pforte/printing/cups"
	"pforte/printing/spool"
)

// A document that could not be printed waits in DATA/print-queue until it
// is printed or discarded; after the retention period of the personal data
// it holds (the purge, retention.go) it is deleted unprinted.
const printQueueDir = "print-queue"

func (a *App) spool() (*spool.Spool, error) {
	return spool.Open(filepath.Join(a.cfg.DataDir, printQueueDir))
}

// printJobRequest is the body of POST /api/print/jobs.
type printJobRequest struct {
	Document string `json:"document"` // slip, badge, daily-sheet, attendance
	ID       string `json:"id"`       // slip: appointment id; badge: visit id
	Building string `json:"building"` // daily-sheet, attendance; "" is this site's building
	Day      string `json:"day"`      // daily-sheet, attendance; "" is today
	Format   string `json:"format"`   // slip: a6 or receipt; "" is the desk's setting
	Printer  string `json:"printer"`  // "" is the desk's printer for the document
}

// printJobJSON is a print job as the API shows it.
type printJobJSON struct {
	JobID     string `json:"job_id"`
	Document  string `json:"document"`
	Ref       string `json:"ref"`
	Title     string `json:"title"`
	Printer   string `json:"printer"`
	CreatedAt string `json:"created_at"`
	Attempts  int    `json:"attempts"`
	LastTry   string `json:"last_try,omitempty"`
	LastError string `json:"last_error,omitempty"`
}

func jobJSON(j spool.Job) printJobJSON {
	return printJobJSON{JobID: j.ID, Document: j.Document, Ref: j.Ref, Title: j.Title, Printer: j.Printer,
		CreatedAt: apiTime(j.CreatedAt), Attempts: j.Attempts, LastTry: apiTime(j.LastTry), LastError: j.LastError}
}

// docRequestFrom checks a print job request and names the document.
func (a *App) docRequestFrom(ctx context.Context, req printJobRequest, s printSettings) (docRequest, error) {
	d := docRequest{Document: strings.TrimSpace(req.Document), ID: strings.TrimSpace(req.ID)}
	switch d.Document {
	case docSlip, docBadge:
		if d.ID == "" {
			return d, engine.InvalidRule("id", engine.RuleRequired, "the %s needs an id", d.Document)
		}
		if d.Document == docSlip {
			format := req.Format
			if format == "" {
				format = s.SlipFormat
			}
			f, err := slipFormatParam(format)
			if err != nil {
				return d, err
			}
			d.Format = f
		}
	case docDailySheet, docAttendance, docEvacuation:
		b, err := a.buildingOrHere(ctx, req.Building)
		if err != nil {
			return d, err
		}
		d.Building, d.Day = b, engine.Day(a.clock.Now())
		if day := strings.TrimSpace(req.Day); day != "" {
			if d.Day, err = engine.ParseDay("day", day); err != nil {
				return d, err
			}
		}
	case "":
		return d, engine.InvalidRule("document", engine.RuleRequired, "document is required")
	default:
		return d, engine.InvalidRule("document", engine.RuleFormat,
			"unknown document %q: slip, badge, daily-sheet, attendance or evacuation", d.Document)
	}
	return d, nil
}

// buildingOrHere is the building with the id, as the query parameter
// "building" reads it: "" is this site's building, an unknown one is bad
// input.
func (a *App) buildingOrHere(ctx context.Context, id string) (engine.Building, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return a.building, nil
	}
	b, err := a.store.Building(ctx, id)
	if err != nil && engine.AsError(err).Code == engine.CodeNotFound {
		return b, engine.InvalidRule("building", engine.RuleUnknown, "unknown building %q", id)
	}
	return b, err
}

// printerFor is the desk's printer for a document: slips and badges on the
// slip printer, lists on the A4 printer.
func printerFor(document string, s printSettings) string {
	if document == docSlip || document == docBadge {
		return s.SlipPrinter
	}
	return s.A4Printer
}

// createPrintJob serves POST /api/print/jobs: render the document, keep it
// in the print queue and send it to the printer. 202 once CUPS has the
// job; 503 printer_unavailable when it could not take it, with the job's
// id to print it again.
func (a *App) createPrintJob(w http.ResponseWriter, r *http.Request) {
	var req printJobRequest
	if err := decode(w, r, &req); err != nil {
		a.fail(w, r, err)
		return
	}
	s := a.loadPrintSettings()
	doc, err := a.docRequestFrom(r.Context(), req, s)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	printer := strings.TrimSpace(req.Printer)
	if printer == "" {
		printer = printerFor(doc.Document, s)
	}
	if err := checkPrinterName("printer", printer); err != nil {
		a.fail(w, r, err)
		return
	}
	if printer == "" {
		a.fail(w, r, engine.InvalidRule("printer", engine.RuleRequired, "no printer given and none set for %s", doc.Document))
		return
	}
	job, cupsID, err := a.submit(r.Context(), doc, printer, s)
	a.answerPrint(w, r, job, cupsID, err)
}

// retryPrintJob serves POST /api/print/jobs/{id}/retry: send a waiting
// document again, to its printer or (body {"printer"}) another one.
func (a *App) retryPrintJob(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Printer string `json:"printer"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			a.fail(w, r, err)
			return
		}
	}
	printer := strings.TrimSpace(req.Printer)
	if err := checkPrinterName("printer", printer); err != nil {
		a.fail(w, r, err)
		return
	}
	sp, err := a.spool()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	job, pdf, err := sp.Get(r.PathValue("id"))
	if err != nil {
		a.fail(w, r, spoolError(err))
		return
	}
	if printer != "" {
		job.Printer = printer
	}
	job, cupsID, err := a.send(sp, job, pdf, a.loadPrintSettings())
	a.answerPrint(w, r, job, cupsID, err)
}

// printJobs serves GET /api/print/jobs: the documents waiting to be
// printed, oldest first.
func (a *App) printJobs(w http.ResponseWriter, r *http.Request) {
	sp, err := a.spool()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	jobs, err := sp.List()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	out := make([]printJobJSON, len(jobs))
	for i, j := range jobs {
		out[i] = jobJSON(j)
	}
	writeJSON(w, http.StatusOK, out)
}

// deletePrintJob serves DELETE /api/print/jobs/{id}: discard a waiting
// document.
func (a *App) deletePrintJob(w http.ResponseWriter, r *http.Request) {
	sp, err := a.spool()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	release, err := sp.Claim(id)
	if err != nil {
		a.fail(w, r, spoolError(err))
		return
	}
	defer release()
	if err := sp.Remove(id); err != nil {
		a.fail(w, r, spoolError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *App) answerPrint(w http.ResponseWriter, r *http.Request, job spool.Job, cupsID int, err error) {
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, map[string]any{
			"job_id": job.ID, "printer": job.Printer, "cups_job_id": cupsID, "status": "sent",
		})
	case job.ID != "":
		a.failPrinter(w, r, err, map[string]any{"job_id": job.ID, "printer": job.Printer})
	default:
		a.fail(w, r, err)
	}
}

func spoolError(err error) error {
	switch {
	case errors.Is(err, spool.ErrNotFound):
		return engine.NotFound("job", "no waiting print job")
	case errors.Is(err, spool.ErrBusy):
		return engine.InvalidState("print_job_busy", "the job is being sent")
	}
	return err
}

// submit renders a document, puts it in the print queue and sends it. The
// job it returns has an ID once the document is queued; an error with a
// job ID means the document waits for another try.
func (a *App) submit(ctx context.Context, doc docRequest, printer string, s printSettings) (spool.Job, int, error) {
	out, err := a.render(ctx, doc)
	if err != nil {
		return spool.Job{}, 0, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return spool.Job{}, 0, err
	}
	sp, err := a.spool()
	if err != nil {
		return spool.Job{}, 0, err
	}
	job := spool.Job{ID: id.String(), Document: doc.Document, Ref: out.ref, Title: out.title,
		Printer: printer, Media: out.media, CreatedAt: a.clock.Now()}
	if err := sp.Add(job, out.pdf); err != nil {
		return spool.Job{}, 0, err
	}
	return a.send(sp, job, out.pdf, s)
}

// send hands a queued document to CUPS. Printed, it leaves the queue;
// otherwise the queue keeps it with the reason, for the next try.
func (a *App) send(sp *spool.Spool, job spool.Job, pdf []byte, s printSettings) (spool.Job, int, error) {
	release, err := sp.Claim(job.ID)
	if err != nil {
		return spool.Job{}, 0, spoolError(err)
	}
	defer release()
	job.Attempts++
	job.LastTry = a.clock.Now()
	cupsID, err := 0, errNoPrinter
	if job.Printer != "" {
		if c, cerr := a.cupsClient(s); cerr != nil {
			err = cerr
		} else {
			cupsID, err = c.Print(job.Printer, cups.Job{Title: job.Title, PDF: pdf, Media: job.Media})
		}
	}
	if err != nil {
		job.LastError = printerMessage(err)
		if uerr := sp.Update(job); uerr != nil {
			a.log.Error("print queue: keep job", "job", job.ID, "err", uerr)
		}
		return job, 0, err
	}
	if err := sp.Remove(job.ID); err != nil {
		a.log.Error("print queue: remove printed job", "job", job.ID, "err", err)
	}
	a.log.Info("printed", "job", job.ID, "document", job.Document, "printer", job.Printer, "cups_job", cupsID)
	return job, cupsID, nil
}

// badgeJSON tells reception at once what became of the badge printed at
// registration: "printed", "queued" with the reason it did not print (the
// document waits in the print queue for a retry), or "failed".
type badgeJSON struct {
	Status string `json:"status"`
	Job    string `json:"job,omitempty"`
	Error  string `json:"error,omitempty"`
}

// printBadgeOnRegister prints a newly registered visitor's badge on the
// slip printer when the desk's setting print_badge_on_register is on, and
// answers what became of it (nil: not wanted). It never fails the
// registration: a badge that cannot be printed waits in the print queue.
// Call it after a visit is registered at this desk.
func (a *App) printBadgeOnRegister(ctx context.Context, v engine.Visit) *badgeJSON {
	s := a.loadPrintSettings()
	if !s.PrintBadgeOnRegister {
		return nil
	}
	job, _, err := a.submit(ctx, docRequest{Document: docBadge, ID: v.ID}, s.SlipPrinter, s)
	if err != nil {
		a.log.Warn("badge not printed", "visit", v.ID, "job", job.ID, "err", err)
		if job.ID == "" { // not even queued
			return &badgeJSON{Status: "failed", Error: "Der Besucherausweis konnte nicht erstellt werden."}
		}
		return &badgeJSON{Status: "queued", Job: job.ID, Error: printerMessage(err)}
	}
	return &badgeJSON{Status: "printed", Job: job.ID}
}

// startPrintJobs adds the printing jobs to the app's scheduler: every
// minute, the daily sheets of days that have closed; every night, the
// print queue drops documents older than the retention period.
func (a *App) startPrintJobs() {
	once := cron.NewChain(cron.SkipIfStillRunning(cron.DiscardLogger))
	a.cron.AddJob("* * * * *", once.Then(cron.FuncJob(func() {
		if err := a.PrintDueSheets(context.Background()); err != nil {
			a.log.Error("daily sheet at close", "err", err)
		}
	})))
}

// printState is what the scheduled printing remembers across restarts:
// the last day whose daily sheet each building has had (printed, queued,
// or not wanted).
type printState struct {
	DailySheetDone map[string]string `json:"daily_sheet_done"` // building id → YYYY-MM-DD
}

const (
	printStateFile = "print-state.json"
	// catchUpDays bounds how far back a desk that was off prints missed
	// sheets: the visits of older days are purged anyway.
	catchUpDays = 28
)

// PrintDueSheets prints the daily registration sheet of this site's
// building for every day whose closing time (the end of the day's last
// opening) has passed since the sheet was last handled, when the desk's
// setting print_daily_sheet_at_close is on. A desk that was off at closing
// time prints the missed sheets when it next runs. Days without visits
// print nothing. The scheduler calls it every minute; it reads the app's
// clock, so tests call it after moving the clock.
func (a *App) PrintDueSheets(ctx context.Context) error {
	release, err := a.lockPrintState(ctx)
	if err != nil {
		return err
	}
	defer release()
	state, err := a.loadPrintState()
	if err != nil {
		return err
	}
	b, err := a.store.Building(ctx, a.building.ID)
	if err != nil {
		return err
	}
	now := a.clock.Now()
	today := engine.Day(now)
	next := today
	if last := state.DailySheetDone[b.ID]; last != "" {
		next = engine.Day(noonOf(last).AddDate(0, 0, 1))
		if oldest := engine.Day(now.AddDate(0, 0, -catchUpDays)); next < oldest {
			next = oldest
		}
	}
	s := a.loadPrintSettings()
	for day := next; day <= today; day = engine.Day(noonOf(day).AddDate(0, 0, 1)) {
		plan := b.Plan(noonOf(day))
		if plan.Open() && now.Before(plan.Openings[len(plan.Openings)-1].End) {
			break // not closed yet
		}
		if plan.Open() && s.PrintDailySheetAtClose {
			if err := a.printSheetAtClose(ctx, b, day, s); err != nil {
				return err
			}
		}
		state.DailySheetDone[b.ID] = day
		if err := a.savePrintState(state); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) printSheetAtClose(ctx context.Context, b engine.Building, day string, s printSettings) error {
	vs, err := a.store.Visits(ctx, b.ID, day)
	if err != nil || len(vs) == 0 {
		return err
	}
	job, _, err := a.submit(ctx, docRequest{Document: docDailySheet, Building: b, Day: day}, s.A4Printer, s)
	switch {
	case err == nil:
		a.log.Info("daily sheet printed at close", "building", b.ID, "day", day)
	case job.ID != "":
		// Queued: it can be printed from the print queue.
		a.log.Warn("daily sheet at close waits in the print queue", "building", b.ID, "day", day, "job", job.ID, "err", err)
	default:
		return err
	}
	return nil
}

func (a *App) loadPrintState() (printState, error) {
	st := printState{DailySheetDone: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(a.cfg.DataDir, printStateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, err
	}
	if st.DailySheetDone == nil {
		st.DailySheetDone = map[string]string{}
	}
	return st, nil
}

func (a *App) savePrintState(st printState) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(a.cfg.DataDir, printStateFile)
	if err := os.WriteFile(path+".tmp", append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

// lockPrintState keeps two runs of PrintDueSheets (the scheduler's and a
// test's, or two processes on one data directory) from printing a sheet
// twice: the second waits for the first, then finds the day done. A lock
// older than staleLock was left by a crash and is taken over.
func (a *App) lockPrintState(ctx context.Context) (release func(), err error) {
	const (
		staleLock = 10 * time.Minute
		wait      = time.Minute // a run prints a few sheets, each in cupsTimeout at most
	)
	path := filepath.Join(a.cfg.DataDir, printStateFile+".lock")
	deadline := time.Now().Add(wait)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if info, err := os.Stat(path); err == nil && time.Since(info.ModTime()) > staleLock {
			os.Remove(path)
			continue
		}
		if time.Now().After(deadline) {
			return nil, errors.New("print state is locked: another run of the daily-sheet job does not finish")
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}
