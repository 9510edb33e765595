package main

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestRestoredBackup: a site whose data directory is put back from an
// older copy (last night's backup) loses nothing and writes no op under a
// seq its peers already hold: at start it learns from a peer how far its
// own log got, takes its own later ops back, and only then writes. Real
// processes, a real copy of the data directory.
func TestRestoredBackup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two processes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	c, dir := newProcessCluster(t)

	s1 := c.start(site{name: "s1", building: "buergerbuero", data: filepath.Join(dir, "data1")}, "")
	s2site := site{name: "s2", building: "rathaus-1", data: filepath.Join(dir, "data2")}
	s2 := c.start(s2site, s1.gossip)
	today := fakeToday(t, s1.url)

	var ids []string
	register := func(p *proc, name string) {
		t.Helper()
		var v struct{ ID string }
		mustPost(t, p.url+"/api/visits", map[string]any{
			"building": "buergerbuero", "name": name, "phone": "02921 103-0",
			"host": "staff-lange", "reason": "Sicherungstest",
		}, &v)
		ids = append(ids, v.ID)
	}
	// everywhere waits until both sites list every visit registered so far
	// and hold the same vector.
	everywhere := func(what string, sites ...*proc) {
		t.Helper()
		want := slices.Sorted(slices.Values(ids))
		waitFor(t, 20*time.Second, what, func() (bool, string) {
			var vec0 map[string]uint64
			for i, p := range sites {
				st, err := syncStatus(p.url)
				if err != nil {
					return false, err.Error()
				}
				if i == 0 {
					vec0 = st.Vector
				} else if !maps.Equal(vec0, st.Vector) {
					return false, fmt.Sprintf("vectors differ: %v, %s %v", vec0, p.name, st.Vector)
				}
				vs, err := visits(p.url, "buergerbuero", today)
				if err != nil {
					return false, err.Error()
				}
				var got []string
				for _, v := range vs {
					got = append(got, v.ID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					return false, fmt.Sprintf("%s lists %v, want %v", p.name, got, want)
				}
			}
			return true, ""
		})
	}

	register(s2, "Vor der Sicherung")
	everywhere("the first visit on both sites", s1, s2)
	s2.terminate(t)
	backup := filepath.Join(dir, "backup2")
	copyDir(t, s2site.data, backup)

	s2 = c.start(s2site, s1.gossip)
	register(s2, "Nach der Sicherung A")
	register(s2, "Nach der Sicherung B")
	everywhere("the visits after the backup on both sites", s1, s2)
	before := mustStatus(t, s1.url).Vector["s2"]
	s2.terminate(t)

	// The disk is replaced; last night's backup goes back.
	if err := os.RemoveAll(s2site.data); err != nil {
		t.Fatal(err)
	}
	copyDir(t, backup, s2site.data)
	s2 = c.start(s2site, s1.gossip)
	register(s2, "Nach dem Zurückspielen")
	everywhere("every visit, before and after the restore, on both sites", s1, s2)
	if after := mustStatus(t, s1.url).Vector["s2"]; after <= before {
		t.Errorf("site 1 holds s2's ops up to %d, as before the restore (%d): the new visit wrote no new op", after, before)
	}
	for _, p := range c.procs {
		for _, l := range strings.Split(p.stderr.String(), "\n") {
			if strings.Contains(l, "sync: op rejected") {
				t.Errorf("%s refused ops: %s", p.name, l)
			}
		}
	}
	s1.terminate(t)
	s2.terminate(t)
}

// copyDir copies a data directory as a backup tool would (cp -a).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", from, to, err, out)
	}
}
