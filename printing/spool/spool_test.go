package spool_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"pforte/printing/spool"
)

var monday = time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC)

func mustOpen(t *testing.T) *spool.Spool {
	t.Helper()
	s, err := spool.Open(filepath.Join(t.TempDir(), "print-queue"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAddGetListRemove(t *testing.T) {
	s := mustOpen(t)
	a := spool.Job{ID: "job-a", Document: "slip", Ref: "appt-1", Title: "Terminbestätigung K7M2QX", Printer: "infotheke", CreatedAt: monday.Add(time.Minute)}
	b := spool.Job{ID: "job-b", Document: "badge", Ref: "visit-1", Title: "Besucherausweis Nr. 7", Printer: "infotheke", CreatedAt: monday}
	for _, j := range []spool.Job{a, b} {
		if err := s.Add(j, []byte("%PDF-"+j.ID)); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].ID != "job-b" || jobs[1].ID != "job-a" {
		t.Fatalf("List = %+v, want job-b then job-a (oldest first)", jobs)
	}
	got, pdf, err := s.Get("job-a")
	if err != nil || got.Title != a.Title || !got.CreatedAt.Equal(a.CreatedAt) || string(pdf) != "%PDF-job-a" {
		t.Fatalf("Get = %+v, %q, %v; want job-a with its PDF", got, pdf, err)
	}
	got.Attempts, got.LastError = 1, "Drucker angehalten"
	if err := s.Update(got); err != nil {
		t.Fatal(err)
	}
	if again, _, _ := s.Get("job-a"); again.Attempts != 1 || again.LastError != "Drucker angehalten" {
		t.Errorf("after Update: %+v", again)
	}
	if err := s.Remove("job-a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get("job-a"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Get after Remove: %v, want ErrNotFound", err)
	}
	if err := s.Remove("job-a"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Remove twice: %v, want ErrNotFound", err)
	}
	if files, _ := os.ReadDir(s.Dir()); len(files) != 2 {
		t.Errorf("%d files left, want job-b's two", len(files))
	}
}

func TestSurvivesReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "q")
	s, _ := spool.Open(dir)
	if err := s.Add(spool.Job{ID: "j1", CreatedAt: monday}, []byte("%PDF")); err != nil {
		t.Fatal(err)
	}
	again, err := spool.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if jobs, _ := again.List(); len(jobs) != 1 || jobs[0].ID != "j1" {
		t.Errorf("after reopening: %+v, want j1", jobs)
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700: the documents hold personal data", info.Mode().Perm())
	}
}

func TestClaim(t *testing.T) {
	s := mustOpen(t)
	s.Add(spool.Job{ID: "j1", CreatedAt: monday}, []byte("%PDF"))
	release, err := s.Claim("j1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim("j1"); !errors.Is(err, spool.ErrBusy) {
		t.Errorf("second Claim: %v, want ErrBusy", err)
	}
	release()
	release2, err := s.Claim("j1")
	if err != nil {
		t.Fatalf("Claim after release: %v", err)
	}
	release2()
	if _, err := s.Claim("nope"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Claim of an unknown job: %v, want ErrNotFound", err)
	}
}

func TestRejectsPathsAsIDs(t *testing.T) {
	s := mustOpen(t)
	for _, id := range []string{"", "../etc/passwd", "a/b", "a.b", "..", "x y"} {
		if err := s.Add(spool.Job{ID: id}, nil); !errors.Is(err, spool.ErrBadID) {
			t.Errorf("Add(%q): %v, want ErrBadID", id, err)
		}
		if _, _, err := s.Get(id); !errors.Is(err, spool.ErrNotFound) {
			t.Errorf("Get(%q): %v, want ErrNotFound", id, err)
		}
	}
}

func TestPrune(t *testing.T) {
	s := mustOpen(t)
	s.Add(spool.Job{ID: "old", CreatedAt: monday.AddDate(0, 0, -30)}, []byte("%PDF"))
	s.Add(spool.Job{ID: "new", CreatedAt: monday}, []byte("%PDF"))
	// Leftovers of a crash, written long ago.
	for _, name := range []string{"orphan.pdf", "new.json.tmp", "gone.lock"} {
		p := filepath.Join(s.Dir(), name)
		os.WriteFile(p, []byte("x"), 0o600)
		os.Chtimes(p, monday.AddDate(0, 0, -30), monday.AddDate(0, 0, -30))
	}
	n, err := s.Prune(monday.AddDate(0, 0, -28))
	if err != nil || n != 1 {
		t.Fatalf("Prune = %d, %v; want 1", n, err)
	}
	files, _ := os.ReadDir(s.Dir())
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	if len(names) != 2 || names[0] != "new.json" || names[1] != "new.pdf" {
		t.Errorf("files after Prune: %v, want new.json and new.pdf", names)
	}
}
