// Package spool keeps the documents a desk has not managed to print yet, in
// a directory (DATA/print-queue), so that a printer out of paper or a CUPS
// that is down loses nothing: the document waits there until it is printed
// or discarded, across restarts.
//
// Each job is two files, ID.pdf and ID.json, each written to a temporary
// name and renamed, so a crash leaves a job whole or absent. A job being
// sent is claimed with an ID.lock file created exclusively, so two desks'
// browsers pressing "print again" at once print it once. The documents
// hold personal data: the directory is private to the user, and Prune
// removes what is older than the retention period.
//
// spool must not import app or engine.
package spool

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Job is a document waiting to be printed.
type Job struct {
	ID        string    `json:"id"`
	Document  string    `json:"document"` // slip, badge, daily-sheet, attendance
	Ref       string    `json:"ref"`      // what it is of: an id, or "building day"
	Title     string    `json:"title"`    // the job's name in CUPS; no personal data
	Printer   string    `json:"printer"`
	Media     string    `json:"media,omitempty"` // the paper size asked of CUPS
	CreatedAt time.Time `json:"created_at"`
	Attempts  int       `json:"attempts"`
	LastTry   time.Time `json:"last_try,omitzero"`
	LastError string    `json:"last_error,omitempty"`
}

// Errors the spool reports.
var (
	ErrNotFound = errors.New("spool: no such job")
	ErrBusy     = errors.New("spool: the job is being sent")
	ErrBadID    = errors.New("spool: job ids are letters, digits and dashes")
)

// Spool is a directory of jobs.
type Spool struct{ dir string }

// Open uses dir, creating it (private to the user) if needed.
func Open(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return &Spool{dir: dir}, nil
}

// Dir is the spool's directory.
func (s *Spool) Dir() string { return s.dir }

// validID keeps ids from naming files outside the directory: they come
// from URLs.
func validID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func (s *Spool) path(id, ext string) string { return filepath.Join(s.dir, id+ext) }

// Add stores a job and its document.
func (s *Spool) Add(job Job, pdf []byte) error {
	if !validID(job.ID) {
		return ErrBadID
	}
	if err := writeFile(s.path(job.ID, ".pdf"), pdf); err != nil {
		return err
	}
	// The .json is written last: a job is listed only once its document
	// is complete.
	return s.Update(job)
}

// Update rewrites a job's record (attempts, last error, printer).
func (s *Spool) Update(job Job) error {
	if !validID(job.ID) {
		return ErrBadID
	}
	b, err := json.MarshalIndent(job, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(s.path(job.ID, ".json"), b)
}

// Get returns a job and its document; ErrNotFound if there is none.
func (s *Spool) Get(id string) (Job, []byte, error) {
	if !validID(id) {
		return Job{}, nil, ErrNotFound
	}
	job, err := s.read(id)
	if err != nil {
		return Job{}, nil, err
	}
	pdf, err := os.ReadFile(s.path(id, ".pdf"))
	if err != nil {
		return Job{}, nil, notFound(err)
	}
	return job, pdf, nil
}

func (s *Spool) read(id string) (Job, error) {
	b, err := os.ReadFile(s.path(id, ".json"))
	if err != nil {
		return Job{}, notFound(err)
	}
	var job Job
	if err := json.Unmarshal(b, &job); err != nil {
		return Job{}, fmt.Errorf("spool: job %s: %w", id, err)
	}
	return job, nil
}

// List returns the waiting jobs, oldest first.
func (s *Spool) List() ([]Job, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	jobs := []Job{}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !validID(id) {
			continue
		}
		job, err := s.read(id)
		if errors.Is(err, ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, job)
	}
	sort.Slice(jobs, func(i, j int) bool {
		if !jobs[i].CreatedAt.Equal(jobs[j].CreatedAt) {
			return jobs[i].CreatedAt.Before(jobs[j].CreatedAt)
		}
		return jobs[i].ID < jobs[j].ID
	})
	return jobs, nil
}

// Claim marks a job as being sent; release undoes it. A job claimed
// already is ErrBusy; a job that is gone is ErrNotFound.
func (s *Spool) Claim(id string) (release func(), err error) {
	if !validID(id) {
		return nil, ErrNotFound
	}
	if _, err := os.Stat(s.path(id, ".json")); err != nil {
		return nil, notFound(err)
	}
	f, err := os.OpenFile(s.path(id, ".lock"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil, ErrBusy
	}
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f.Close()
	return func() { os.Remove(s.path(id, ".lock")) }, nil
}

// Remove deletes a job: it was printed or discarded.
func (s *Spool) Remove(id string) error {
	if !validID(id) {
		return ErrNotFound
	}
	// The record first: without it the job is no longer listed, even if
	// removing the document fails.
	err := os.Remove(s.path(id, ".json"))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Remove(s.path(id, ".pdf")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

// Prune removes the jobs created before cutoff, and files a crash left
// behind (a stale lock, a document without a record). It returns how many
// jobs it removed.
func (s *Spool) Prune(cutoff time.Time) (int, error) {
	jobs, err := s.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		if j.CreatedAt.Before(cutoff) {
			if err := s.Remove(j.ID); err != nil && !errors.Is(err, ErrNotFound) {
				return n, err
			}
			os.Remove(s.path(j.ID, ".lock"))
			n++
		}
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return n, fmt.Errorf("spool: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		name := e.Name()
		orphan := false
		switch {
		case strings.HasSuffix(name, ".tmp"), strings.HasSuffix(name, ".lock"):
			orphan = true // a write or a send that never finished
		case strings.HasSuffix(name, ".pdf"):
			_, err := os.Stat(s.path(strings.TrimSuffix(name, ".pdf"), ".json"))
			orphan = errors.Is(err, fs.ErrNotExist)
		}
		if orphan {
			os.Remove(filepath.Join(s.dir, name))
		}
	}
	return n, nil
}

// writeFile writes b to a temporary file beside path and renames it, so
// readers see the old content or the new, never half of it.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	return fmt.Errorf("spool: %w", err)
}
