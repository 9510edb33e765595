package main

import (
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestKeyRotationReachesASiteThatWasAway: the admin rotates the gossip key
// while the branch is stopped. Restarted with the old key, the branch
// cannot read the gossip any more, but it reaches the data channel with
// its own identity, fetches the new key there, and is back in the gossip.
func TestKeyRotationReachesASiteThatWasAway(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	c, dir := newProcessCluster(t)
	s1 := c.start(site{name: "s1", building: "buergerbuero", data: filepath.Join(dir, "data1")}, "")
	s2 := c.start(site{name: "s2", building: "rathaus-1", data: filepath.Join(dir, "data2")}, s1.gossip)
	// The branch keeps its own copy of the key file, as a site on another
	// machine does.
	old, err := os.ReadFile(c.key)
	if err != nil {
		t.Fatal(err)
	}
	key3 := filepath.Join(dir, "branch.key")
	if err := os.WriteFile(key3, old, 0o600); err != nil {
		t.Fatal(err)
	}
	repl := replicationLine.FindStringSubmatch(s1.stderr.String())
	if repl == nil {
		t.Fatal("site 1 logged no replication address")
	}
	s3site := site{name: "s3", building: "propst-nuebel-strasse", data: filepath.Join(dir, "data3")}
	s3 := c.startOn(s3site, "127.0.0.1:0", s1.gossip, key3, "--sync-seeds", repl[1])
	alive := func(p *proc, name string) func() (bool, string) {
		return func() (bool, string) {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			for _, peer := range st.Peers {
				if peer.Site == name && peer.Status == "alive" {
					return true, ""
				}
			}
			return false, p.name + " does not see " + name + " alive"
		}
	}
	waitFor(t, 20*time.Second, "s1 sees s3 alive", alive(s1, "s3"))
	s3.terminate(t)

	status, body, err := postJSON(s1.url+"/api/sites/rotate-key", map[string]any{})
	if err != nil || status != http.StatusOK {
		t.Fatalf("rotate: %d %s %v", status, body, err)
	}
	waitFor(t, 20*time.Second, "s1 and s2 gossip with the new key", alive(s1, "s2"))

	s3 = c.startOn(s3site, "127.0.0.1:0", s1.gossip, key3, "--sync-seeds", repl[1])
	waitFor(t, 60*time.Second, "s3 back in the gossip", alive(s1, "s3"))
	if !strings.Contains(s3.stderr.String(), "took the new one over the data channel") {
		t.Errorf("s3 did not say how it got the key:\n%s", s3.stderr.String())
	}
	for _, p := range []*proc{s1, s2, s3} {
		p.terminate(t)
	}
}
