package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// TestSyncStatusTellsOfAClockThatRanAhead: a site wrote a visit while its
// clock ran a year ahead and restarts with the clock set right. Its next
// ops are stamped after that visit (never before its own earlier ops), so
// its HLC stays a year ahead, and its sync status says what that means.
func TestSyncStatusTellsOfAClockThatRanAhead(t *testing.T) {
	type clockStatus struct {
		Now        string   `json:"now"`
		HLC        string   `json:"hlc"`
		HLCAheadMs int64    `json:"hlc_ahead_ms"`
		RefusedBy  []string `json:"refused_by"`
		Warning    string   `json:"warning"`
	}
	var st struct{ Clock clockStatus }
	dir := t.TempDir()
	clock := engine.NewFixedClock(wednesdayMorning)
	s := openSite(t, demoConfig(dir), clock)
	s.get(t, "/api/sync/status").want(t, http.StatusOK, &st)
	if st.Clock.HLCAheadMs != 0 || st.Clock.Warning != "" || st.Clock.RefusedBy == nil || len(st.Clock.RefusedBy) != 0 {
		t.Errorf("a site with its clock right: %+v; want nothing ahead, no warning, refused by nobody", st.Clock)
	}

	clock.Add(365 * 24 * time.Hour)
	s.mustRegister(t, mariaJSON)
	if err := s.app.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	clock.Set(wednesdayMorning.Add(time.Hour))
	s = openSite(t, demoConfig(dir), clock)
	s.get(t, "/api/sync/status").want(t, http.StatusOK, &st)
	if st.Clock.HLCAheadMs < (364*24*time.Hour).Milliseconds() || !strings.HasPrefix(st.Clock.HLC, "2027-11-18") ||
		!strings.Contains(st.Clock.Warning, "Andere Standorte übernehmen seine neuen Änderungen erst ab 18.11.2027") {
		t.Errorf("after the restart with the clock set right: %+v; want the HLC a year ahead and a warning", st.Clock)
	}
}
