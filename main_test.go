package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer that the server's goroutines may write to
// while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// mustRun runs the command line and checks its exit code.
func mustRun(t *testing.T, wantCode int, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut lockedBuffer
	if code := run(args, &out, &errOut); code != wantCode {
		t.Fatalf("pforte %s: exit %d, want %d\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), code, wantCode, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	out, _ := mustRun(t, 0, "version")
	if !strings.HasPrefix(out, "pforte ") {
		t.Errorf("version printed %q, want it to start with %q", out, "pforte ")
	}
}

func TestCommandLineErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		says []string // in stderr
	}{
		{"unknown command", []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`, "usage:"}},
		{"unknown building", []string{"serve", "--demo", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
			"--site", "x", "--building", "nope"}, 1,
			[]string{`"nope"`, "rathaus-1", "rathaus-2", "propst-nuebel-strasse", "buergerbuero"}},
		{"no building in an empty database", []string{"serve", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
			"--site", "x"}, 1, []string{"--demo", "--building"}},
		{"user add without a database", []string{"user", "add", "--data", t.TempDir(), "--name", "kim", "--role", "admin"}, 1,
			[]string{"start the site once first"}},
		{"unknown flag", []string{"serve", "--colour", "blue"}, 1, []string{"colour"}},
		{"stray argument", []string{"serve", "--data", t.TempDir(), "extra"}, 1, []string{`"extra"`}},
		{"keygen without a file", []string{"keygen"}, 1, []string{"keygen FILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut := mustRun(t, tt.code, tt.args...)
			for _, s := range tt.says {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr does not mention %s:\n%s", s, errOut)
				}
			}
		})
	}
}

func TestKeygen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.key")
	mustRun(t, 0, "keygen", path)

	written, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(written)))
	if err != nil {
		t.Fatalf("key file %q is not base64: %v", written, err)
	}
	if len(key) != 32 {
		t.Errorf("key has %d bytes, want 32", len(key))
	}
	if fi, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want -rw------- (it is a secret)", fi.Mode().Perm())
	}

	// A second keygen must not replace the key a cluster already uses.
	_, errOut := mustRun(t, 1, "keygen", path)
	if !strings.Contains(errOut, "exists") {
		t.Errorf("refusal does not say the file exists: %s", errOut)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, written) {
		t.Errorf("the key changed from %q to %q", written, again)
	}

	// Two keys are not the same key.
	other := filepath.Join(t.TempDir(), "other.key")
	mustRun(t, 0, "keygen", other)
	if b, _ := os.ReadFile(other); bytes.Equal(b, written) {
		t.Error("two keygens wrote the same key")
	}
}

// TestServe starts the headless server as `pforte serve` does, waits for
// the line it promises, asks it something and stops it with SIGTERM.
func TestServe(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	stdout, stdoutW := io.Pipe()
	var stderr lockedBuffer
	exit := make(chan int, 1)
	go func() {
		defer stdoutW.Close() // so the reader sees EOF if serve ends early
		exit <- run([]string{"serve", "--demo", "--data", t.TempDir(), "--listen", "127.0.0.1:0",
			"--site", "x", "--building", "buergerbuero"}, stdoutW, &stderr)
	}()

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no listening line (%v); stderr:\n%s", err, stderr.String())
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("got %q, want listening on http://127.0.0.1:PORT", line)
	}

	res, err := httpClient.Get(url + "/api/health")
	if err != nil {
		t.Fatal(err)
	}
	var health map[string]string
	err = json.NewDecoder(res.Body).Decode(&health)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK || health["site"] != "x" || health["building"] != "buergerbuero" {
		t.Errorf("health: status %d %v err %v, want 200 with site x, building buergerbuero", res.StatusCode, health, err)
	}

	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if err := self.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop within 30 s of SIGTERM; stderr:\n%s", stderr.String())
	}
}
