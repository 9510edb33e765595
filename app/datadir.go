package app

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// dataFiles are what a site keeps in its data directory; print-queue is a
// directory, and everything in it is the site's too.
var dataFiles = []string{
	dbFile, dbFile + "-wal", dbFile + "-shm", dbFile + "-journal",
	settingsFile, printStateFile, "serf.snapshot", printQueueDir, tlsCertFile, tlsKeyFile,
}

// dbFile is the site's SQLite database in its data directory.
const dbFile = "pforte.db"

// privateDataDir makes the data directory and what Pforte keeps in it
// private to the account Pforte runs as: directories at most 0700, files
// at most 0600. The database, its WAL and SHM files, the print queue and
// Serf's snapshot hold personal data or the site's signing key. SQLite and
// Serf create their files 0644, and a directory copied back from a backup
// or made by hand may be open to everyone, so this runs at every start,
// over what is there, not only over what Pforte creates. It only takes
// bits away, touches only the directory and Pforte's own files in it (a
// --data pointed at a home directory must not close the rest of it), and
// leaves symbolic links and what they point to alone. It returns how many
// it changed.
func privateDataDir(dir string) (fixed int, err error) {
	tighten := func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		limit := fs.FileMode(0o600)
		if d.IsDir() {
			limit = 0o700
		}
		if perm := info.Mode().Perm(); perm&^limit != 0 {
			fixed++
			return os.Chmod(path, perm&limit)
		}
		return nil
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return 0, err
	}
	if err := tighten(dir, fs.FileInfoToDirEntry(info), nil); err != nil {
		return fixed, err
	}
	for _, name := range dataFiles {
		if err := filepath.WalkDir(filepath.Join(dir, name), tighten); err != nil {
			return fixed, err
		}
	}
	return fixed, nil
}
