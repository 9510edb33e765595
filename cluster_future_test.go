package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// futureStatus is what TestClusterClockAYearAhead reads of
// GET /api/sync/status.
type futureStatus struct {
	Vector map[string]uint64 `json:"vector"`
	Clock  struct {
		Now        string   `json:"now"`
		HLC        string   `json:"hlc"`
		HLCAheadMs int64    `json:"hlc_ahead_ms"`
		MaxAheadMs int64    `json:"max_ahead_ms"`
		RefusedBy  []string `json:"refused_by"`
		Refusing   []struct {
			Origin  string `json:"origin"`
			Seq     uint64 `json:"seq"`
			AheadMs int64  `json:"ahead_ms"`
		} `json:"refusing"`
		Warning string `json:"warning"`
	} `json:"clock"`
	Peers []struct {
		Site      string `json:"site"`
		LastError string `json:"last_error"`
		Waiting   []struct {
			Origin string `json:"origin"`
			Seq    uint64 `json:"seq"`
		} `json:"waiting"`
	} `json:"peers"`
}

// TestClusterClockAYearAhead runs three sites; site 2's clock runs a year
// ahead of the others (--fake-time). Sites 1 and 3 refuse site 2's ops,
// keep sharing each other's writes, and their clocks (the HLC their new
// ops get) stay where their wall clocks are; site 2 takes their ops and
// its status says that its own are refused and why.
func TestClusterClockAYearAhead(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs three processes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	c, dir := newProcessCluster(t)

	begun := time.Now()
	s1 := c.start(site{name: "s1", building: "buergerbuero", data: filepath.Join(dir, "data1")}, "")
	// The later --fake-time wins over the one startOn gives every site.
	s2 := c.startOn(site{name: "s2", building: "rathaus-1", data: filepath.Join(dir, "data2")},
		"127.0.0.1:0", s1.gossip, c.key, "--fake-time", "2027-11-18T08:05:00+01:00")
	s3 := c.start(site{name: "s3", building: "propst-nuebel-strasse", data: filepath.Join(dir, "data3")}, s1.gossip)
	sites := []*proc{s1, s2, s3}
	status := func(p *proc) (futureStatus, error) {
		var st futureStatus
		err := getJSON(p.url+"/api/sync/status", &st)
		return st, err
	}
	register := func(p *proc, building, name string) {
		t.Helper()
		var v struct{ ID string }
		mustPost(t, p.url+"/api/visits", map[string]any{
			"building": building, "name": name, "phone": "02921 103-0", "host": "staff-lange", "reason": "Rückfrage",
		}, &v)
	}

	register(s2, "rathaus-1", "Besucher aus der Zukunft") // stamped 2027
	register(s1, "buergerbuero", "Maria Schneider")
	register(s3, "propst-nuebel-strasse", "Jonas Weber")

	waitFor(t, 20*time.Second, "s1 and s3 hold each other's visit, s2 both", func() (bool, string) {
		vecs := map[string]map[string]uint64{}
		for _, p := range sites {
			st, err := status(p)
			if err != nil {
				return false, err.Error()
			}
			vecs[p.name] = st.Vector
		}
		ok := vecs["s1"]["s3"] >= 1 && vecs["s3"]["s1"] >= 1 && vecs["s2"]["s1"] >= 1 && vecs["s2"]["s3"] >= 1
		return ok, fmt.Sprintf("vectors %v", vecs)
	})
	// More writes at s1 and s3 after s1 and s3 refused s2's: they still
	// travel.
	register(s1, "buergerbuero", "Erika Mustermann")
	register(s3, "propst-nuebel-strasse", "Paul Klein")
	waitFor(t, 15*time.Second, "the second visits of s1 and s3 at each other", func() (bool, string) {
		st1, err1 := status(s1)
		st3, err3 := status(s3)
		if err1 != nil || err3 != nil {
			return false, fmt.Sprint(err1, err3)
		}
		return st1.Vector["s3"] >= 2 && st3.Vector["s1"] >= 2, fmt.Sprintf("s1 %v, s3 %v", st1.Vector, st3.Vector)
	})

	for _, p := range []*proc{s1, s3} {
		st, err := status(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Vector["s2"] != 0 {
			t.Errorf("%s holds s2's ops from the future: vector %v", p.name, st.Vector)
		}
		// Nobody's clock jumped: the HLC of the next op stays at the wall
		// clock (the fake 2026-11-18 morning).
		if !strings.HasPrefix(st.Clock.HLC, "2026-11-18") || st.Clock.HLCAheadMs > st.Clock.MaxAheadMs ||
			st.Clock.Warning != "" {
			t.Errorf("%s's clock %+v; want its HLC on 2026-11-18, not ahead, no warning", p.name, st.Clock)
		}
		for _, peer := range st.Peers {
			if peer.Site == "s2" && peer.LastError != "" {
				t.Errorf("%s's sessions with s2 failed: %s", p.name, peer.LastError)
			}
		}
		if r := st.Clock.Refusing; len(r) != 1 || r[0].Origin != "s2" || r[0].Seq != 1 ||
			r[0].AheadMs < (364*24*time.Hour).Milliseconds() {
			t.Errorf("%s's status: refusing %+v; want s2/1, a year ahead", p.name, r)
		}
		if log := p.stderr.String(); !strings.Contains(log, "refusing ops stamped too far ahead") ||
			!strings.Contains(log, "origin=s2 seq=1") {
			t.Errorf("%s did not log the refusal of s2/1", p.name)
		}
	}
	waitFor(t, 15*time.Second, "s2's status: s1 and s3 refuse its ops", func() (bool, string) {
		st, err := status(s2)
		if err != nil {
			return false, err.Error()
		}
		ok := slices.Contains(st.Clock.RefusedBy, "s1") && slices.Contains(st.Clock.RefusedBy, "s3") &&
			strings.Contains(st.Clock.Warning, "Uhrzeit dieses Rechners")
		return ok, fmt.Sprintf("clock %+v", st.Clock)
	})
	if log := s2.stderr.String(); !strings.Contains(log, "peer refuses this site's ops for now") {
		t.Errorf("s2 did not log that its ops are refused:\n%s", log)
	}
	t.Logf("done %v after the first start", time.Since(begun).Round(time.Millisecond))
	for _, p := range sites {
		p.terminate(t)
	}
}
