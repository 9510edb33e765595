package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"pforte/engine"
)

// TestAccountsAndCallsTravel: an account made at one site signs in at the
// other (accounts are ops), and the call-up monitor paired at one site
// shows a call made at the other site's desk in the same building.
func TestAccountsAndCallsTravel(t *testing.T) {
	a, b := openPair(t, "rathaus", "eingang")
	waitForPeerSync(t, b, "rathaus")

	a.post(t, "/api/accounts", `{"user":"m.weber","name":"Maria Weber","password":"Herbst-2026!","roles":["sachbearbeitung"]}`).
		want(t, http.StatusCreated, nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, res := b.signInAs(t, "m.weber", "Herbst-2026!")
		if res.status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the account made at rathaus does not sign in at eingang within 10 s: %d %s", res.status, res.body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	monitor := b.pairDevice(t, engine.DeviceMonitor, "buergerbuero")
	next := sseLines(t, monitor, b.url+"/api/calls/stream?building=buergerbuero")
	next("greeting", 5*time.Second, func(l string) bool { return l == ": building buergerbuero" })
	// The monitor may read its building's calls only.
	monitor.get(t, "/api/calls?building=rathaus-1").wantError(t, http.StatusForbidden, engine.CodeForbidden, "building")
	monitor.get(t, "/api/visits/present").wantError(t, http.StatusForbidden, engine.CodeForbidden, "")

	ap := a.mustBook(t, bookBody(berlin(today, "10:00"), klaus, "personalausweis"))
	a.post(t, "/api/checkin", `{"building":"buergerbuero","code":"`+ap.Code+`"}`).want(t, http.StatusOK, nil)
	a.post(t, "/api/counters/bb-2/call-next", "{}").want(t, http.StatusOK, nil)

	next("event: call", 10*time.Second, func(l string) bool { return l == "event: call" })
	data := next("data", time.Second, func(l string) bool { return strings.HasPrefix(l, "data: ") })
	var c apiCall
	if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &c); err != nil {
		t.Fatalf("call data %q: %v", data, err)
	}
	if c.AppointmentID != ap.ID || c.Counter != "bb-2" || c.Building != "buergerbuero" {
		t.Errorf("call on the monitor at eingang: %+v, want %s at bb-2", c, ap.ID)
	}
}
