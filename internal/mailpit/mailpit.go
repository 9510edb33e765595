// Package mailpit runs a real SMTP server for tests: mailpit, installed by
// scripts/install-deps.sh test into bin/tools (it is no dependency of
// Pforte, so not in go.mod). Messages are read back through its REST API.
//
// Only tests import it.
package mailpit

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is one mailpit on free 127.0.0.1 ports; Stop and Start take it
// down and up again on the same ports and database (an outage).
type Server struct {
	t        testing.TB
	bin, dir string
	SMTP     string // host:port
	HTTP     string // host:port of the REST API
	cmd      *exec.Cmd
}

// Binary returns bin/tools/mailpit of the repository. Missing, the test
// fails (skips only with PFORTE_NO_MAILPIT set).
func Binary(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("mailpit: no go.mod above the test's directory")
		}
		dir = parent
	}
	bin := filepath.Join(dir, "bin", "tools", "mailpit")
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("PFORTE_NO_MAILPIT") != "" {
			t.Skip("PFORTE_NO_MAILPIT is set and bin/tools/mailpit is missing: the real-SMTP test is skipped")
		}
		t.Fatalf("mailpit is missing at %s: run scripts/install-deps.sh test (or set PFORTE_NO_MAILPIT=1 to skip)", bin)
	}
	return bin
}

// New starts a mailpit; it stops with the test.
func New(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), dir: t.TempDir(), SMTP: freeAddr(t), HTTP: freeAddr(t)}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start starts mailpit (again) and waits until its API answers.
func (s *Server) Start() {
	s.t.Helper()
	if s.cmd != nil {
		return
	}
	s.cmd = exec.Command(s.bin, "--smtp", s.SMTP, "--listen", s.HTTP, "--database", filepath.Join(s.dir, "mailpit.db"),
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure", "--disable-version-check", "--quiet",
		"--max", "0", "--smtp-max-recipients", "10")
	s.cmd.Stdout, s.cmd.Stderr = io.Discard, io.Discard
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("start mailpit: %v", err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r, err := http.Get("http://" + s.HTTP + "/api/v1/info"); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("mailpit did not answer on %s", s.HTTP)
}

// Stop stops mailpit; its SMTP port refuses connections until Start.
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
	s.cmd = nil
}

// Address is a mail address with a name.
type Address struct {
	Name    string `json:"Name"`
	Address string `json:"Address"`
}

// Summary is a message in the list.
type Summary struct {
	ID          string    `json:"ID"`
	MessageID   string    `json:"MessageID"`
	To          []Address `json:"To"`
	Subject     string    `json:"Subject"`
	Attachments int       `json:"Attachments"`
}

// Part is an attachment or inline part.
type Part struct {
	PartID      string `json:"PartID"`
	FileName    string `json:"FileName"`
	ContentType string `json:"ContentType"`
	ContentID   string `json:"ContentID"`
	Size        int    `json:"Size"`
}

// Message is one message with its parts.
type Message struct {
	ID          string    `json:"ID"`
	MessageID   string    `json:"MessageID"`
	To          []Address `json:"To"`
	Subject     string    `json:"Subject"`
	Text        string    `json:"Text"`
	HTML        string    `json:"HTML"`
	Inline      []Part    `json:"Inline"`
	Attachments []Part    `json:"Attachments"`
}

func (s *Server) get(path string, into any) []byte {
	s.t.Helper()
	r, err := http.Get("http://" + s.HTTP + path)
	if err != nil {
		s.t.Fatalf("mailpit %s: %v", path, err)
	}
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil || r.StatusCode != http.StatusOK {
		s.t.Fatalf("mailpit %s: %d %v %s", path, r.StatusCode, err, b)
	}
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			s.t.Fatalf("mailpit %s: %v", path, err)
		}
	}
	return b
}

// Messages lists every message, newest first.
func (s *Server) Messages() []Summary {
	s.t.Helper()
	var out []Summary
	for start := 0; ; start += 500 {
		var page struct {
			Total    int       `json:"total"`
			Messages []Summary `json:"messages"`
		}
		s.get("/api/v1/messages?limit=500&start="+strconv.Itoa(start), &page)
		out = append(out, page.Messages...)
		if len(page.Messages) == 0 || len(out) >= page.Total {
			return out
		}
	}
}

// Message reads one message.
func (s *Server) Message(id string) Message {
	s.t.Helper()
	var m Message
	s.get("/api/v1/message/"+id, &m)
	return m
}

// Raw is a message's source.
func (s *Server) Raw(id string) []byte { s.t.Helper(); return s.get("/api/v1/message/"+id+"/raw", nil) }

// PartData is an attachment's or inline part's content.
func (s *Server) PartData(id, part string) []byte {
	s.t.Helper()
	return s.get(fmt.Sprintf("/api/v1/message/%s/part/%s", id, part), nil)
}
