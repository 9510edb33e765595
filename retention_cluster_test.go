package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestClusterRetentionErasesTheBytes: three real sites. A visitor and a
// citizen are registered and booked and reach every site; then the clock
// moves past their retention (a restart with a later --fake-time) while
// one site is off. The two running sites purge at start: the name, phone,
// birth date and e-mail are in no file under their data directories. The
// third comes back, purges before it syncs, and nothing comes back with
// it; the ops still verify (nothing is refused) and the vectors match.
func TestClusterRetentionErasesTheBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three sites")
	}
	c, dir := newProcessCluster(t)
	sites := []site{
		{name: "r1", building: "rathaus-1", data: filepath.Join(dir, "r1")},
		{name: "r2", building: "rathaus-2", data: filepath.Join(dir, "r2")},
		{name: "bb", building: "buergerbuero", data: filepath.Join(dir, "bb")},
	}
	p1 := c.start(sites[0], "")
	p2 := c.start(sites[1], p1.gossip)
	p3 := c.start(sites[2], p1.gossip)

	needles := []string{"Hiltrud Vergessmeinnicht", "0299 8765432", "1931-07-19", "hiltrud@example.org", "Theobald Loeschke", "0177 1112223"}
	var v struct{ ID string }
	mustPost(t, p1.url+"/api/visits", map[string]any{"building": "rathaus-1", "name": "Theobald Loeschke",
		"phone": "0177 1112223", "host": "staff-mueller", "reason": "Abholung"}, &v)
	var ap struct{ ID string }
	mustPost(t, p2.url+"/api/appointments", map[string]any{"building": "buergerbuero", "services": []string{"meldebescheinigung"},
		"start": "2026-11-19T10:00:00+01:00", "channel": "desk",
		"citizen": map[string]string{"name": "Hiltrud Vergessmeinnicht", "birth_date": "1931-07-19",
			"phone": "0299 8765432", "email": "hiltrud@example.org"}}, &ap)
	for _, p := range []*proc{p1, p2, p3} {
		waitFor(t, 30*time.Second, p.name+" holds the visit and the booking", func() (bool, string) {
			var vs []map[string]any
			var as []map[string]any
			if err := getJSON(p.url+"/api/visits?building=rathaus-1&day=2026-11-18", &vs); err != nil {
				return false, err.Error()
			}
			if err := getJSON(p.url+"/api/appointments?building=buergerbuero&day=2026-11-19", &as); err != nil {
				return false, err.Error()
			}
			return len(vs) == 1 && len(as) == 1, fmt.Sprintf("%d visits, %d appointments", len(vs), len(as))
		})
	}
	for _, s := range sites {
		if found := bytesUnder(t, s.data, needles); len(found) == 0 {
			t.Fatalf("%s: the personal data is not on disk to begin with: the test looks in the wrong place", s.name)
		}
	}

	// An erasure on request made while the branch is off reaches it when
	// it is back, and takes the bytes with it there too.
	erasmus := []string{"Erasmus Tilgung", "0170 5550123"}
	var e struct{ ID string }
	mustPost(t, p1.url+"/api/visits", map[string]any{"building": "rathaus-1", "name": erasmus[0],
		"phone": erasmus[1], "host": "staff-mueller", "reason": "Abholung"}, &e)
	waitFor(t, 30*time.Second, "the branch holds Erasmus's visit", func() (bool, string) {
		var vs []struct{ Name string }
		err := getJSON(p3.url+"/api/visits?building=rathaus-1&day=2026-11-18", &vs)
		return err == nil && len(vs) == 2, fmt.Sprint(len(vs), err)
	})
	p3.terminate(t)
	if code, out, err := postJSON(p1.url+"/api/personal-data/erase", map[string]any{"ids": []string{e.ID},
		"reason": "Antrag auf Löschung"}); err != nil || code != 200 {
		t.Fatalf("erase: %d %s %v", code, out, err)
	}
	p3 = c.startOn(sites[2], "127.0.0.1:0", p1.gossip, c.key)
	waitFor(t, 30*time.Second, "the erasure reaches the branch", func() (bool, string) {
		var vs []struct{ ID, Name string }
		if err := getJSON(p3.url+"/api/visits?building=rathaus-1&day=2026-11-18", &vs); err != nil {
			return false, err.Error()
		}
		for _, v := range vs {
			if v.ID == e.ID && v.Name == "" {
				return true, ""
			}
		}
		return false, fmt.Sprint(vs)
	})
	for _, s := range sites {
		if found := bytesUnder(t, s.data, erasmus); len(found) > 0 {
			t.Errorf("%s after the erasure: still on disk: %v", s.name, found)
		}
	}

	// The branch goes off; four weeks and a bit later the others restart.
	p3.terminate(t)
	p1.terminate(t)
	p2.terminate(t)
	later := "2026-12-20T09:00:00+01:00"
	p1 = c.startOn(sites[0], "127.0.0.1:0", "", c.key, "--fake-time", later)
	p2 = c.startOn(sites[1], "127.0.0.1:0", p1.gossip, c.key, "--fake-time", later)
	for _, s := range sites[:2] {
		if found := bytesUnder(t, s.data, needles); len(found) > 0 {
			t.Errorf("%s after the purge at start: still on disk: %v", s.name, found)
		}
	}

	// The branch comes back: it purges before it syncs, and the others
	// take nothing personal back from it.
	p3 = c.startOn(sites[2], "127.0.0.1:0", p1.gossip, c.key, "--fake-time", later)
	var vectors []map[string]uint64
	waitFor(t, 30*time.Second, "the three sites hold the same ops", func() (bool, string) {
		vectors = nil
		for _, p := range []*proc{p1, p2, p3} {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			for _, peer := range st.Peers {
				if peer.LastError != "" {
					return false, p.name + ": " + peer.Site + ": " + peer.LastError
				}
			}
			vectors = append(vectors, st.Vector)
		}
		return maps.Equal(vectors[0], vectors[1]) && maps.Equal(vectors[1], vectors[2]), fmt.Sprint(vectors)
	})
	for _, p := range []*proc{p1, p2, p3} {
		var vs []struct{ ID, Name, Phone string }
		mustGet(t, p.url+"/api/visits?building=rathaus-1&day=2026-11-18", &vs)
		if len(vs) != 2 || vs[0].Name != "" || vs[0].Phone != "" || vs[1].Name != "" || vs[1].Phone != "" ||
			(vs[0].ID != v.ID && vs[1].ID != v.ID) {
			t.Errorf("%s: the visits after the purge: %+v, want both, without name and phone", p.name, vs)
		}
	}
	for _, s := range sites {
		if found := bytesUnder(t, s.data, needles); len(found) > 0 {
			t.Errorf("%s after the branch came back: still on disk: %v", s.name, found)
		}
	}
}

// bytesUnder lists which needles a file under dir holds.
func bytesUnder(t *testing.T, dir string, needles []string) []string {
	t.Helper()
	var found []string
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil // a file that went away while walking
		}
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				found = append(found, filepath.Base(path)+": "+n)
			}
		}
		return nil
	})
	return found
}
