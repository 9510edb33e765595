package sync

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
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

func TestResolveSyncTag(t *testing.T) {
	ip := net.ParseIP("10.0.0.5")
	cases := map[string]string{":7947": "10.0.0.5:7947", "192.168.1.2:7947": "192.168.1.2:7947", "": ""}
	for tag, want := range cases {
		if got := resolveSyncTag(tag, ip); got != want {
			t.Errorf("resolveSyncTag(%q) = %q, want %q", tag, got, want)
		}
	}
}

// TestSerfHintsDriveSync: two sites whose full sync is an hour away find
// each other's data plane through the "sync" tag, and a "seq" event makes
// the other site fetch a new op at once.
func TestSerfHintsDriveSync(t *testing.T) {
	key := bytes.Repeat([]byte{7}, KeySize)
	ma := mustStart(t, "a", key)
	mb := mustStart(t, "b", key, ma.Addr())
	a, b := newMemLog("a"), newMemLog("b")
	na, nb := mustNode(t, a), mustNode(t, b)
	if err := na.Attach(ma); err != nil {
		t.Fatal(err)
	}
	if err := nb.Attach(mb); err != nil {
		t.Fatal(err)
	}
	if !eventually(t, 5*time.Second, func() bool { return slices.Equal(mb.SyncPeers(), []string{na.Addr()}) }) {
		t.Fatalf("b sees sync peers %v; want [%s]", mb.SyncPeers(), na.Addr())
	}

	a.commit(3)
	ma.AnnounceSeq(1) // a burst of commits: coalesced into one event
	ma.AnnounceSeq(3)
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 3 }) {
		t.Fatalf("b holds %d ops; want a's 3 after the hint", b.count())
	}
	// The same through the node, which reads the seq from the log.
	a.commit(2)
	na.Committed()
	na.Committed()
	if !eventually(t, 5*time.Second, func() bool { return b.count() == 5 }) {
		t.Fatalf("b holds %d ops; want a's 5 after Committed", b.count())
	}
}

func TestSyncTagOnEveryInterface(t *testing.T) {
	m := mustStart(t, "a", nil)
	other := mustStart(t, "b", nil, m.Addr())
	if err := m.SetSyncAddr("0.0.0.0:7947"); err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.1:7947"
	if !eventually(t, 5*time.Second, func() bool { return other.PeerSyncAddr("a") == want }) {
		t.Errorf("b dials a at %q; want %q", other.PeerSyncAddr("a"), want)
	}
}
