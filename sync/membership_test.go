package sync

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustStart(t *testing.T, site string, key []byte, join ...string) *Membership {
	t.Helper()
	m, err := StartMembership(MembershipConfig{
		Site: site, Building: "rathaus-1", Bind: "127.0.0.1:0", Join: join, Key: key, DataDir: t.TempDir(),
	}, quietLogger())
	if err != nil {
		t.Fatalf("start %s: %v", site, err)
	}
	t.Cleanup(func() { m.Leave() })
	return m
}

// eventually retries cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

func alivePeers(m *Membership) []string {
	var sites []string
	for _, p := range m.Peers() {
		if p.Status == "alive" {
			sites = append(sites, p.Site)
		}
	}
	return sites
}

func TestMembershipJoinAndLeave(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	a := mustStart(t, "rathaus-1-pforte", key)
	b := mustStart(t, "buergerbuero-pforte", key, a.Addr())
	if !eventually(t, 5*time.Second, func() bool { return len(alivePeers(a)) == 1 && len(alivePeers(b)) == 1 }) {
		t.Fatalf("peers: a sees %v, b sees %v; want each other alive", a.Peers(), b.Peers())
	}
	if p := a.Peers()[0]; p.Site != "buergerbuero-pforte" || p.Building != "rathaus-1" {
		t.Errorf("a's peer = %+v", p)
	}
	if err := b.Leave(); err != nil {
		t.Fatal(err)
	}
	if !eventually(t, 5*time.Second, func() bool { p := a.Peers(); return len(p) == 1 && p[0].Status == "left" }) {
		t.Errorf("after b left, a sees %+v; want b left", a.Peers())
	}
}

func TestMembershipRejectsWrongKey(t *testing.T) {
	a := mustStart(t, "a", bytes.Repeat([]byte{1}, KeySize))
	intruder := mustStart(t, "intruder", bytes.Repeat([]byte{2}, KeySize), a.Addr())
	time.Sleep(500 * time.Millisecond) // give a join the time it would need to succeed
	if len(a.Peers()) != 0 || len(intruder.Peers()) != 0 {
		t.Errorf("a node with another key joined: a sees %v, intruder sees %v", a.Peers(), intruder.Peers())
	}
}

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cluster.key")
	if err := WriteNewKey(path); err != nil {
		t.Fatal(err)
	}
	key, err := ReadKey(path)
	if err != nil || len(key) != KeySize {
		t.Fatalf("ReadKey = %d bytes, %v", len(key), err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := WriteNewKey(path); err == nil {
		t.Error("WriteNewKey overwrote an existing key")
	}
	os.WriteFile(path, []byte("c2hvcnQ=\n"), 0o600)
	if _, err := ReadKey(path); err == nil {
		t.Error("ReadKey accepted a 5-byte key")
	}
}
