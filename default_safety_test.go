package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestDefaultIsSafe: three demo sites, enrolled as the README says, with
// no home site or allotment configured. The branch is cut off, and both
// sides book the same morning in the branch's building and in the Bürger
// Büro as far as they can. Each building's capacity belongs to its default
// home site (the first site enrolled for it), so each side books only
// what it owns, and after the heal no place is given twice.
func TestDefaultIsSafe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	c, dir := newProcessCluster(t)
	s1 := c.start(site{name: "s1", building: "buergerbuero", data: filepath.Join(dir, "data1")}, "")
	s2 := c.start(site{name: "s2", building: "rathaus-1", data: filepath.Join(dir, "data2")}, s1.gossip)
	s3 := c.start(site{name: "s3", building: "propst-nuebel-strasse", data: filepath.Join(dir, "data3")}, s1.gossip)
	waitFor(t, 20*time.Second, "every site knows the three enrolled sites and the default homes", func() (bool, string) {
		for _, p := range []*proc{s1, s2, s3} {
			var al struct {
				Buildings []struct {
					ID       string `json:"id"`
					HomeSite string `json:"home_site"`
					Default  bool   `json:"home_site_default"`
				}
			}
			if err := getJSON(p.url+"/api/allotments", &al); err != nil {
				return false, err.Error()
			}
			homes := map[string]string{}
			for _, b := range al.Buildings {
				if b.Default {
					homes[b.ID] = b.HomeSite
				}
			}
			want := map[string]string{"buergerbuero": "s1", "rathaus-1": "s2", "propst-nuebel-strasse": "s3", "rathaus-2": "s1"}
			if fmt.Sprint(homes) != fmt.Sprint(want) {
				return false, fmt.Sprintf("%s: default homes %v, want %v", p.name, homes, want)
			}
		}
		return true, ""
	})

	const day = "2026-11-19"
	book := func(p *proc, building string) (n int, refused string) {
		for n < 12 {
			var slots []struct{ Start string }
			if err := getJSON(p.url+"/api/slots?building="+building+"&services=personalausweis&channel=branch&limit=1&from="+day, &slots); err != nil {
				t.Fatal(err)
			}
			if len(slots) == 0 || slots[0].Start[:10] != day {
				return n, "no slot left"
			}
			status, body, err := postJSON(p.url+"/api/appointments", map[string]any{
				"building": building, "services": []string{"personalausweis"}, "start": slots[0].Start, "channel": "branch",
				"citizen": map[string]any{"name": fmt.Sprintf("Bürger %s %d", p.name, n), "birth_date": "1970-01-01"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusCreated {
				return n, fmt.Sprintf("%d %s", status, body)
			}
			n++
		}
		return n, ""
	}

	// The branch is cut off: the others book while it is away…
	s3.terminate(t)
	main1, why1 := book(s1, "buergerbuero")
	branch1, whyBranch1 := book(s1, "propst-nuebel-strasse")
	t.Logf("s1 booked %d in the Bürger Büro, %d in the branch's building (%s)", main1, branch1, whyBranch1)
	if main1 == 0 {
		t.Fatalf("s1 booked nothing in its own building: %s", why1)
	}
	if branch1 != 0 {
		t.Errorf("s1 booked %d places of the cut-off branch's building", branch1)
	}
	// …and the branch books while they are away.
	s1.terminate(t)
	s2.terminate(t)
	s3 = c.startOn(s3.site, "127.0.0.1:0", s1.gossip, c.key)
	branch3, why3 := book(s3, "propst-nuebel-strasse")
	main3, whyMain3 := book(s3, "buergerbuero")
	t.Logf("s3 booked %d in its building, %d in the Bürger Büro (%s)", branch3, main3, whyMain3)
	if branch3 == 0 {
		t.Fatalf("the branch booked nothing in its own building: %s", why3)
	}
	if main3 != 0 {
		t.Errorf("the cut-off branch booked %d places of the Bürger Büro", main3)
	}

	// The heal (the restarted sites came back on new ports: s1 is told
	// where the branch is now, as fixed addresses would).
	s1 = c.startOn(s1.site, "127.0.0.1:0", s3.gossip, c.key)
	s2 = c.startOn(s2.site, "127.0.0.1:0", s1.gossip, c.key)
	waitFor(t, 30*time.Second, "the three sites hold the same log", func() (bool, string) {
		var first map[string]uint64
		for _, p := range []*proc{s1, s2, s3} {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			if first == nil {
				first = st.Vector
			} else if fmt.Sprint(st.Vector) != fmt.Sprint(first) {
				return false, fmt.Sprintf("%s at %v, s1 at %v", p.name, st.Vector, first)
			}
		}
		return true, ""
	})
	for _, p := range []*proc{s1, s2, s3} {
		for _, building := range []string{"buergerbuero", "propst-nuebel-strasse"} {
			var as []struct{ ID, Start, Counter, Status string }
			if err := getJSON(p.url+"/api/appointments?building="+building+"&day="+day, &as); err != nil {
				t.Fatal(err)
			}
			seen := map[string]string{}
			for _, a := range as {
				if a.Status == "cancelled" {
					continue
				}
				k := a.Counter + " " + a.Start
				if other, twice := seen[k]; twice {
					t.Errorf("%s: %s at %s given twice (%s and %s)", p.name, building, k, other, a.ID)
				}
				seen[k] = a.ID
			}
			want := map[string]int{"buergerbuero": main1, "propst-nuebel-strasse": branch3}[building]
			if len(seen) != want {
				t.Errorf("%s lists %d bookings in %s, want the %d made", p.name, len(seen), building, want)
			}
		}
	}
	for _, p := range []*proc{s1, s2, s3} {
		p.terminate(t)
	}
}
