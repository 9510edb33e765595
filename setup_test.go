package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFirstStartSetupCodeAndUserAdd runs the real binary on an empty data
// directory without --demo: it prints a setup code, the setup page's API
// takes it once and signs the first admin in; after that `pforte user add`
// is refused. On another site, `pforte user add` makes the first admin of
// the stopped site, and after a restart that person signs in and no setup
// code is printed any more.
func TestFirstStartSetupCodeAndUserAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it")
	}
	dir := t.TempDir()
	bin := buildHeadless(t, dir)
	data := filepath.Join(dir, "data")

	url, out, stop := serveBinary(t, bin, "serve", "--data", data, "--listen", "127.0.0.1:0", "--site", "neu", "--building", "rathaus-1")
	code := regexp.MustCompile(`setup code: ([A-Z2-9]{4}-[A-Z2-9]{4})`).FindStringSubmatch(out)
	if code == nil {
		t.Fatalf("no setup code before the listening line:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	var state struct{ Required bool }
	if st, b := call(t, client, "GET", url+"/api/setup", ""); st != 200 || json.Unmarshal(b, &state) != nil || !state.Required {
		t.Fatalf("GET /api/setup: %d %s", st, b)
	}
	if st, b := call(t, client, "GET", url+"/api/visits", ""); st != http.StatusUnauthorized {
		t.Fatalf("GET /api/visits before setup: %d %s, want 401", st, b)
	}
	body := `{"code":"` + code[1] + `","user":"kaemmerer","name":"Karl Kämmerer","password":"Rathaus-Soest-1"}`
	if st, b := call(t, client, "POST", url+"/api/setup", body); st != 200 || !strings.Contains(string(b), `"roles":["admin"]`) {
		t.Fatalf("POST /api/setup: %d %s", st, b)
	}
	if st, b := call(t, client, "GET", url+"/api/accounts", ""); st != 200 || !strings.Contains(string(b), `"kaemmerer"`) {
		t.Fatalf("the new admin's GET /api/accounts: %d %s", st, b)
	}
	if st, _ := call(t, &http.Client{Timeout: 10 * time.Second}, "POST", url+"/api/setup", body); st != http.StatusConflict {
		t.Fatalf("the setup code worked twice: %d", st)
	}
	stop()

	// Once an admin exists, the console makes no accounts: the fold would
	// refuse them (only an admin may), so user add says where to go.
	late := exec.Command(bin, "user", "add", "--data", data, "--name", "kim", "--role", "empfang")
	late.Stdin = strings.NewReader("Sommer-2026!\n")
	if b, err := late.CombinedOutput(); err == nil || !strings.Contains(string(b), "Verwaltung → Benutzer") {
		t.Fatalf("user add after the setup: %v\n%s", err, b)
	}

	// A second site that never opened the setup page: user add creates its
	// first admin, once.
	data = filepath.Join(dir, "data2")
	_, _, stop = serveBinary(t, bin, "serve", "--data", data, "--listen", "127.0.0.1:0", "--site", "neu", "--building", "rathaus-1")
	stop()
	add := exec.Command(bin, "user", "add", "--data", data, "--name", "kim", "--full-name", "Kim Empfang", "--role", "admin,empfang")
	add.Stdin = strings.NewReader("Sommer-2026!\n")
	if b, err := add.CombinedOutput(); err != nil || !strings.Contains(string(b), "added kim") {
		t.Fatalf("pforte user add: %v\n%s", err, b)
	}
	again := exec.Command(bin, "user", "add", "--data", data, "--name", "kim", "--role", "empfang")
	again.Stdin = strings.NewReader("Winter-2026!\n")
	if b, err := again.CombinedOutput(); err == nil || !strings.Contains(string(b), "admin exists") {
		t.Fatalf("a second user add: %v\n%s", err, b)
	}

	url, out, _ = serveBinary(t, bin, "serve", "--data", data, "--listen", "127.0.0.1:0", "--site", "neu", "--building", "rathaus-1")
	if strings.Contains(out, "setup code") {
		t.Errorf("a setup code is printed although accounts exist:\n%s", out)
	}
	client = &http.Client{Timeout: 10 * time.Second}
	if st, b := call(t, client, "POST", url+"/api/session", `{"user":"kim","password":"Sommer-2026!"}`); st != 200 ||
		!strings.Contains(string(b), `"name":"Kim Empfang"`) {
		t.Fatalf("sign in as the added user: %d %s", st, b)
	}
}

// serveBinary starts bin with args and returns its URL once it listens,
// what it printed until then, and a stop that ends it with SIGTERM (also
// at the end of the test).
func serveBinary(t *testing.T, bin string, args ...string) (url, printed string, stop func()) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("pforte did not stop within 30 s of SIGTERM")
		}
	}
	t.Cleanup(stop)
	lines := make(chan string)
	go func() {
		r := bufio.NewReader(pipe)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				close(lines)
				io.Copy(io.Discard, r)
				return
			}
			lines <- line
		}
	}()
	var seen strings.Builder
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("pforte ended before listening:\n%s\nstderr:\n%s", seen.String(), stderr.String())
			}
			seen.WriteString(line)
			if u, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok {
				go func() {
					for range lines {
					}
				}()
				return u, seen.String(), stop
			}
		case <-timeout:
			t.Fatalf("pforte does not listen within 60 s:\n%s", seen.String())
		}
	}
}

func call(t *testing.T, c *http.Client, method, url, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}
