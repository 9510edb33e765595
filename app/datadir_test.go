package app_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"pforte/engine"
)

// TestDataDirIsPrivate: at start the data directory and Pforte's files in
// it end up private to the account it runs as, whatever they were (a
// directory made by hand, a backup copied back), and nothing else is
// touched: not a stranger's file beside them, not what a link points to.
func TestDataDirIsPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	outside := filepath.Join(t.TempDir(), "elsewhere.txt")
	mustWrite := func(path string, mode fs.FileMode) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}\n"), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	mustWrite(filepath.Join(dir, "settings.json"), 0o644)
	mustWrite(filepath.Join(dir, "print-queue", "leftover.pdf"), 0o666)
	mustWrite(filepath.Join(dir, "notes.txt"), 0o644)
	mustWrite(filepath.Join(dir, "backup.sh"), 0o755)
	mustWrite(outside, 0o644)
	for _, d := range []string{dir, filepath.Join(dir, "print-queue")} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "serf.snapshot")); err != nil {
		t.Fatal(err)
	}

	openSite(t, demoConfig(dir), engine.NewFixedClock(wednesdayMorning))

	tests := []struct {
		path string
		want fs.FileMode
	}{
		{dir, 0o700},
		{filepath.Join(dir, "pforte.db"), 0o600},
		{filepath.Join(dir, "pforte.db-wal"), 0o600},
		{filepath.Join(dir, "pforte.db-shm"), 0o600},
		{filepath.Join(dir, "settings.json"), 0o600},
		{filepath.Join(dir, "print-queue"), 0o700},
		{filepath.Join(dir, "print-queue", "leftover.pdf"), 0o600},
		{filepath.Join(dir, "notes.txt"), 0o644}, // not Pforte's
		{filepath.Join(dir, "backup.sh"), 0o755}, // not Pforte's
		{outside, 0o644},                         // behind a link
	}
	for _, tt := range tests {
		info, err := os.Stat(tt.path)
		if err != nil {
			t.Errorf("%s: %v", tt.path, err)
			continue
		}
		if got := info.Mode().Perm(); got != tt.want {
			t.Errorf("%s: mode %v, want %v", tt.path, got, tt.want)
		}
	}
}
