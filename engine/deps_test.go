package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the domain free of the other layers, SQL drivers
// and cgo (DESIGN.md: engine imports none of app, sync, printing), and keeps
// the store below the application.
func TestDependencies(t *testing.T) {
	tests := []struct {
		pkg       string
		forbidden []string
	}{
		{"pforte/engine", []string{"pforte/app", "pforte/sync", "pforte/printing", "pforte/engine/store",
			"database/sql", "modernc.org/", "github.com/wailsapp/", "github.com/hashicorp/", "github.com/jung-kurt/", "runtime/cgo"}},
		{"pforte/engine/store", []string{"pforte/app", "pforte/sync", "pforte/printing", "github.com/wailsapp/", "runtime/cgo"}},
		{"pforte/printing", []string{"pforte/app", "pforte/sync", "pforte/engine/store", "database/sql", "github.com/wailsapp/"}},
		{"pforte/sync", []string{"pforte/app", "pforte/printing", "github.com/wailsapp/"}},
		// The citizens' mails: rendering and SMTP only, no database.
		{"pforte/mail", []string{"pforte/app", "pforte/sync", "pforte/printing", "pforte/engine/store", "database/sql",
			"modernc.org/", "github.com/wailsapp/", "runtime/cgo"}},
		// The headless binary has no Wails code and needs no cgo.
		{"pforte", []string{"github.com/wailsapp/", "runtime/cgo"}},
	}
	for _, tt := range tests {
		t.Run(tt.pkg, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", tt.pkg)
			cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go list -deps %s: %v\n%s", tt.pkg, err, out)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range tt.forbidden {
					if dep == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) {
						t.Errorf("%s imports %s (forbidden: %s)", tt.pkg, dep, f)
					}
				}
			}
		})
	}
}
