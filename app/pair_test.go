package app_test

import (
	"net"
	"net/http"
	"path/filepath"
	"testing"

	"pforte/engine"
	psync "pforte/sync"
)

// openPair opens two demo sites, siteA and siteB, in one cluster: a
// listens for gossip, b joins it, both share a fresh cluster key and
// stand at wednesdayMorning. It does not wait for them to meet; call
// waitForPeerSync once the test has set up what must travel.
func openPair(t *testing.T, siteA, siteB string) (a, b *site) {
	t.Helper()
	key := filepath.Join(t.TempDir(), "cluster.key")
	if err := psync.WriteNewKey(key); err != nil {
		t.Fatal(err)
	}
	gossip := freeAddr(t)
	cfgA := demoConfig(t.TempDir())
	cfgA.Site, cfgA.Gossip, cfgA.ClusterKeyFile = siteA, gossip, key
	cfgB := demoConfig(t.TempDir())
	cfgB.Site, cfgB.Gossip, cfgB.ClusterKeyFile, cfgB.Join = siteB, "127.0.0.1:0", key, []string{gossip}
	a = openSite(t, cfgA, engine.NewFixedClock(wednesdayMorning))
	// B joins with an invitation an admin made at A (Verwaltung → Standorte).
	var inv struct{ Token string }
	a.as(t, "admin").post(t, "/api/sites/invitations", `{"site":"`+siteB+`","building":"`+cfgB.Building+`"}`).
		want(t, http.StatusCreated, &inv)
	cfgB.Enroll = inv.Token
	b = openSite(t, cfgB, engine.NewFixedClock(wednesdayMorning))
	return a, b
}

// freeAddr returns a 127.0.0.1 address with a port free just now (for
// Serf, which binds TCP and UDP on it).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
