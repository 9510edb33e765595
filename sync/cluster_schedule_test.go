package sync

import (
	"context"
	"slices"
	gosync "sync"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test's schedule (see cluster_test.go): clerks' writes and
// faults, drawn from the seed, one step every stepPause of real time.

// runSchedule runs clusterSteps steps; each moves every site's clock 20 s
// and does one thing at a random site that is up; every third step (a
// minute of the sites' clocks) every site that is up hands on tokens, as
// the app does every minute. After every step the capacity is checked on
// every site that is up.
func (c *cluster) runSchedule() {
	for c.step = 1; c.step <= clusterSteps; c.step++ {
		time.Sleep(stepPause)
		for _, s := range c.sites {
			s.clock.Add(20 * time.Second)
			c.days[engine.Day(s.clock.Now())] = true
		}
		if c.step%3 == 0 {
			c.reconcile()
		}
		up := c.up()
		s := c.pick(up)
		switch r := c.rng.IntN(100); {
		case r < 12:
			c.register(s)
		case r < 17:
			c.changeVisit(s, "pickup")
		case r < 21:
			c.changeVisit(s, "leave")
		case r < 37:
			c.book(s)
		case r < 44:
			c.bookOnline(s)
		case r < 49:
			c.changeAppointment(s, "cancel")
		case r < 53:
			c.changeAppointment(s, "checkin")
		case r < 55:
			c.changeAppointment(s, "call")
		case r < 57:
			c.changeAppointment(s, "serve")
		case r < 59:
			c.changeAppointment(s, "noshow")
		case r < 64:
			c.partition()
		case r < 66:
			a, b := c.rng.IntN(clusterSize), c.rng.IntN(clusterSize)
			if a != b {
				c.net.loseOneWay(a, b)
				c.logf("one-way loss %d → %d", a, b)
			}
		case r < 68:
			c.net.heal()
			c.logf("heal")
		case r < 72:
			delay, flaky := time.Duration(c.rng.IntN(3))*time.Millisecond, c.rng.IntN(60)
			loss, dup, jitter := c.rng.IntN(30), c.rng.IntN(30), time.Duration(c.rng.IntN(40))*time.Millisecond
			c.net.setLine(delay, flaky, loss, dup, jitter)
			c.logf("line: %v per write, %d%% of connections drop; gossip %d%% lost, %d%% twice, up to %v late",
				delay, flaky, loss, dup, jitter)
		case r < 76:
			c.crashOrRestart()
		case r < 81:
			c.syncTwice(s)
		default:
			// Let the nodes and Serf work on their own for a while.
			d := time.Duration(20+c.rng.IntN(100)) * time.Millisecond
			c.logf("wait %v", d)
			time.Sleep(d)
		}
		c.checkCapacity("")
	}
}

func (c *cluster) ack(s *clusterSite, kind, id string) {
	c.acks = append(c.acks, ackedWrite{step: c.step, site: s.i, kind: kind, id: id})
	c.logf("%s: %s %s", s.name, kind, id)
}

func (c *cluster) register(s *clusterSite) {
	cz := clusterCitizens[c.rng.IntN(len(clusterCitizens))]
	host := []string{"staff-mueller", "staff-lange"}[c.rng.IntN(2)]
	v, err := s.st.RegisterVisit(context.Background(), "reception", engine.NewVisit{
		Building: "rathaus-1", Name: cz.Name, Phone: "02921 103-0", Host: host, Reason: "Rückfrage zum Bescheid"})
	if c.domainErr("register", err) {
		c.ack(s, "visit", v.ID)
	}
}

// changeVisit picks up or signs out a visitor this site knows of.
func (c *cluster) changeVisit(s *clusterSite, kind string) {
	ctx := context.Background()
	vs, err := s.st.Visits(ctx, "rathaus-1", engine.Day(s.clock.Now()))
	if err != nil {
		c.fatalf("visits at %s: %v", s.name, err)
	}
	if len(vs) == 0 {
		return
	}
	v := vs[c.rng.IntN(len(vs))]
	if kind == "pickup" {
		_, err = s.st.PickUpVisit(ctx, "reception", v.ID, "staff-lange")
	} else {
		_, err = s.st.LeaveVisit(ctx, "reception", v.ID)
	}
	if c.domainErr(kind+" "+v.ID, err) {
		c.ack(s, kind, v.ID)
	}
}

// changeAppointment does a clerk's or the terminal's action on an
// appointment this site knows of and may act on: a cancel of today's or
// next week's, a check-in, call, serve or no-show of today's.
func (c *cluster) changeAppointment(s *clusterSite, kind string) {
	ctx := context.Background()
	day := engine.Day(s.clock.Now())
	if kind == "cancel" && c.rng.IntN(2) == 0 {
		day = clusterNextWeek
	}
	as, err := s.st.Appointments(ctx, escrowBuilding, day)
	if err != nil {
		c.fatalf("appointments at %s: %v", s.name, err)
	}
	as = slices.DeleteFunc(as, func(a engine.Appointment) bool {
		switch kind {
		case "checkin":
			return a.Status != engine.ApptBooked
		case "call", "serve":
			return a.Status != engine.ApptCheckedIn && a.Status != engine.ApptCalled
		}
		return a.Final() // cancel, no-show
	})
	if len(as) == 0 {
		return
	}
	a := as[c.rng.IntN(len(as))]
	switch kind {
	case "cancel":
		_, err = s.st.Cancel(ctx, "reception", a.ID)
	case "checkin":
		_, err = s.st.CheckIn(ctx, "terminal", store.CheckInRequest{Building: escrowBuilding, Code: a.Code})
	case "call":
		_, err = s.st.Call(ctx, "clerk", a.ID, a.Counter)
	case "serve":
		_, err = s.st.Serve(ctx, "clerk", a.ID)
	case "noshow":
		_, err = s.st.NoShow(ctx, "clerk", a.ID)
	}
	if c.domainErr(kind+" "+a.ID, err) {
		c.ack(s, kind, a.ID)
	}
}

// partition splits the sites in two; a third of the time the schedule waits
// until Serf on every site that is up has marked the sites it cannot reach
// failed, so that the writes that follow happen in a cluster that knows it
// is split.
func (c *cluster) partition() {
	order := c.rng.Perm(clusterSize)
	cut := 1 + c.rng.IntN(clusterSize-1)
	groups := [][]int{order[:cut], order[cut:]}
	c.net.partition(groups)
	wait := c.rng.IntN(3) == 0
	c.logf("partition %v | %v (wait for Serf: %v)", groups[0], groups[1], wait)
	if !wait {
		return
	}
	start := time.Now()
	if c.serfSeesSplit(2 * time.Second) {
		c.partitionsSeen++
		c.logf("Serf saw the partition after %v", time.Since(start).Round(time.Millisecond))
	} else {
		c.logf("Serf had not seen the partition after %v", time.Since(start).Round(time.Millisecond))
	}
}

// serfSeesSplit waits until every site that is up sees each site it cannot
// reach as failed (or gone) and no longer offers it as a sync peer.
func (c *cluster) serfSeesSplit(d time.Duration) bool {
	return eventually(c.t, d, func() bool {
		for _, s := range c.up() {
			for _, p := range s.members.Peers() {
				o := c.site(p.Site)
				if o != nil && !c.net.reachable(s.i, o.i) && p.Status == "alive" {
					return false
				}
			}
		}
		return true
	})
}

func (c *cluster) site(name string) *clusterSite {
	for _, s := range c.sites {
		if s.name == name {
			return s
		}
	}
	return nil
}

// crashOrRestart brings a down site back, or takes one down while at
// least two others stay up.
func (c *cluster) crashOrRestart() {
	for _, s := range c.sites {
		if s.st == nil && c.rng.IntN(2) == 0 {
			c.restart(s)
			return
		}
	}
	if up := c.up(); len(up) > 2 {
		c.crash(c.pick(up))
	}
}

// syncTwice runs two sessions of s with one peer at the same time, or
// with two peers, at the addresses s's Serf gives for them, so that the
// same ops arrive twice and interleaved.
func (c *cluster) syncTwice(s *clusterSite) {
	a, b := c.pick(c.sites), c.pick(c.sites)
	c.logf("%s: sync with %s and %s at once", s.name, a.name, b.name)
	var wg gosync.WaitGroup
	for _, p := range []*clusterSite{a, b} {
		addr := s.members.PeerSyncAddr(p.name)
		if p == s || addr == "" {
			continue
		}
		wg.Go(func() {
			// Failures are the faults at work; convergence is checked later.
			s.node.SyncWith(context.Background(), addr)
		})
	}
	wg.Wait()
}

// heal ends every fault and brings every site back up.
func (c *cluster) heal() {
	c.net.heal()
	for _, s := range c.sites {
		if s.st == nil {
			c.restart(s)
		}
	}
	c.logf("heal all")
}
