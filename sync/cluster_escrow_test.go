package sync

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// The cluster test's bookings on capacity tokens (escrow, engine/token.go):
// the Bürger Büro is escrowed (clusterBuildings), every site books it on
// the same days and at the same times as the others, cancels, and takes
// day tickets, through partitions, loss and crashes. Escrow promises that
// this never gives a place or a day ticket twice, not even for a moment on
// one site: checkCapacity looks after every step.

const (
	// escrowBuilding is the building whose capacity is divided into tokens.
	escrowBuilding = "buergerbuero"
	// clusterHome is the index of its home site, site-a.
	clusterHome = 0
	// clusterDayTickets is its contingent of same-day bookings.
	clusterDayTickets = 8
	// clusterNextWeek is the Wednesday after the schedule's day: bookings
	// ahead, on the allotments dealt out before the schedule.
	clusterNextWeek = "2026-11-25"
)

// clusterAims are the times clerks at every site aim bookings at, so that
// the sites book the same hours: each takes the first place it may book
// from there on.
var clusterAims = []string{"08:00", "10:00", "10:30", "12:00", "15:00"}

// dealAllotments has the home site deal out the allotments of the next
// days (store.ReconcileTokens) and waits until every site holds them, as a
// cluster would have long before a morning's faults.
func (c *cluster) dealAllotments() {
	c.t.Helper()
	ctx := context.Background()
	home := c.sites[clusterHome]
	n, err := home.st.ReconcileTokens(ctx, "admin")
	if err != nil || n == 0 {
		c.fatalf("%s deals out %d tokens: %v", home.name, n, err)
	}
	v, err := home.st.Vector(ctx)
	if err != nil {
		c.fatalf("vector of %s: %v", home.name, err)
	}
	want := v[home.name]
	if !eventually(c.t, 20*time.Second, func() bool {
		for _, s := range c.sites {
			if got, _ := s.st.Vector(ctx); got[home.name] < want {
				return false
			}
		}
		return true
	}) {
		c.fatalf("the allotments %s dealt out (its seq %d) did not reach every site: %v", home.name, want, c.vectors())
	}
	c.logf("%s dealt out %d tokens; every site holds them", home.name, n)
}

// reconcile has every site that is up hand on the tokens that belong
// elsewhere now, as the app does every minute: from the release time on,
// today's go home.
func (c *cluster) reconcile() {
	c.t.Helper()
	for _, s := range c.up() {
		n, err := s.st.ReconcileTokens(context.Background(), "reconcile")
		if err != nil {
			c.fatalf("%s hands on tokens: %v", s.name, err)
		}
		if n > 0 {
			c.logf("%s: hands on %d tokens", s.name, n)
		}
	}
}

// book books at s: the first place of its own at an aimed time today (a
// day ticket) or next week, or a place another site booked.
func (c *cluster) book(s *clusterSite) {
	switch r := c.rng.IntN(10); {
	case r < 4:
		c.bookAimed(s, engine.Day(s.clock.Now()))
	case r < 8:
		c.bookAimed(s, clusterNextWeek)
	default:
		c.bookTaken(s)
	}
}

// bookAimed books the first place at or after an aimed time that s's slot
// finder offers on day, asking it with s's tokens. What it offers it must
// book: only s writes what could take s's tokens.
func (c *cluster) bookAimed(s *clusterSite, day string) {
	c.t.Helper()
	now := s.clock.Now()
	svc := []string{"anmeldung", "meldebescheinigung"}[c.rng.IntN(2)]
	slots, err := s.st.Slots(engine.Query{Building: escrowBuilding, Services: []string{svc}, From: day, Days: 1,
		Channel: engine.ChannelDesk, Now: now, Tokens: s.st}, 0)
	if err != nil {
		c.fatalf("slots at %s: %v", s.name, err)
	}
	if len(slots) == 0 {
		c.logf("%s: no place of its own left on %s", s.name, day)
		return
	}
	m, _ := engine.ParseClock("aim", clusterAims[c.rng.IntN(len(clusterAims))])
	aim := engine.At(day, m)
	slot := slots[max(0, slices.IndexFunc(slots, func(sl engine.Slot) bool { return !sl.Start.Before(aim) }))]
	a, err := s.st.Book(context.Background(), "reception", engine.BookingRequest{Building: escrowBuilding,
		Services: []string{svc}, Start: slot.Start, Channel: engine.ChannelDesk,
		Citizen: clusterCitizens[c.rng.IntN(len(clusterCitizens))]})
	if err != nil {
		c.errorf("step %d: %s's slot finder offered %s %s on %s, and booking it failed: %v",
			c.step, s.name, day, clock(slot.Start), slot.Counter, err)
		return
	}
	c.acked(s, a)
}

// bookTaken tries at s the place of a booking another site made: s gets
// it only if it owns the tokens and the place is free again.
func (c *cluster) bookTaken(s *clusterSite) {
	c.t.Helper()
	var others []engine.Appointment
	for _, a := range c.booked {
		if a.Origin != s.name {
			others = append(others, a)
		}
	}
	if len(others) == 0 {
		c.bookAimed(s, clusterNextWeek)
		return
	}
	o := others[c.rng.IntN(len(others))]
	a, err := s.st.Book(context.Background(), "reception", engine.BookingRequest{Building: escrowBuilding,
		Services: o.Services, Start: o.Start, Channel: engine.ChannelDesk,
		Citizen: clusterCitizens[c.rng.IntN(len(clusterCitizens))]})
	if !c.domainErr("book "+o.ID+"'s place", err) {
		c.logf("%s: not %s's place %s %s (%s): %v", s.name, o.Origin, engine.Day(o.Start), clock(o.Start), o.Code, err)
		return
	}
	c.logf("%s: takes %s's place %s %s (%s)", s.name, o.Origin, engine.Day(o.Start), clock(o.Start), o.Code)
	c.acked(s, a)
}

func (c *cluster) acked(s *clusterSite, a engine.Appointment) {
	c.days[engine.Day(a.Start)] = true
	c.booked = append(c.booked, a)
	c.ack(s, "book", a.ID)
	c.logf("%s:   %s %s %s–%s on %s, ticket %q", s.name, a.Code, engine.Day(a.Start), clock(a.Start), clock(a.End),
		a.Counter, a.TicketToken)
}

func clock(t time.Time) string { return t.In(engine.Berlin).Format("15:04") }

// checkCapacity checks the escrowed building's days over all sites that
// are up together (a booking counts as cancelled once any site has it
// cancelled: a cancel wins over everything), and on each of them: no two
// active appointments on one counter or room at the same time; no more
// same-day appointments of a day than its day tickets, each on a ticket
// token of its own. Each violation is reported once, with the step it was
// first seen at, and fails the test.
//
// Over all sites together a violation is a place or day ticket given
// twice. On one site it would be a stale view: the site holding a booking
// on a place or ticket another site freed and gave again, but not yet the
// cancel that freed it (ops reach a site in order per origin, not in
// causal order across origins). A booking carries its booker's vector and
// a site shows it only once it holds that much, so there are none.
func (c *cluster) checkCapacity(when string) {
	c.t.Helper()
	defer func(start time.Time) { c.checking += time.Since(start) }(time.Now())
	if when == "" {
		when = fmt.Sprintf("step %d", c.step)
	}
	ctx := context.Background()
	days := []string{engine.Day(storeMorning), clusterNextWeek}
	all := map[string]engine.Appointment{}
	bySite := map[string][]engine.Appointment{}
	for _, s := range c.up() {
		// The state is a function of the ops held: a site whose vector
		// did not move since the last check holds the same appointments.
		vector := c.vectors1(s.st)
		as, ok := c.seen[s.name][vector]
		if !ok {
			for _, day := range days {
				got, err := s.st.Appointments(ctx, escrowBuilding, day)
				if err != nil {
					c.fatalf("appointments at %s: %v", s.name, err)
				}
				as = append(as, got...)
			}
			c.seen[s.name] = map[string][]engine.Appointment{vector: as}
		}
		bySite[s.name] = as
		for _, a := range as {
			if prev, ok := all[a.ID]; !ok || statusRank(a.Status) > statusRank(prev.Status) {
				all[a.ID] = a
			}
		}
	}
	c.overCapacity(when, "all sites together", slices.Collect(maps.Values(all)), nil)
	for _, s := range c.up() {
		c.overCapacity(when, s.name, bySite[s.name], all)
	}
}

// statusRank orders what sites may hold of one appointment: the status
// every site ends up with is the highest (a cancel wins over everything,
// see engine.FoldAppointment).
func statusRank(status string) int {
	switch status {
	case engine.ApptCancelled:
		return 2
	case engine.ApptServed, engine.ApptNoShow:
		return 1
	}
	return 0
}

// overCapacity reports what gives a place or a day ticket twice in as,
// one site's (or all sites') appointments of the escrowed building. all,
// for one site's, is every site's: a violation that goes away with what
// the others hold is a stale view.
func (c *cluster) overCapacity(when, where string, as []engine.Appointment, all map[string]engine.Appointment) {
	c.t.Helper()
	gone := func(id string) bool { a, ok := all[id]; return ok && !a.Active() }
	var active []engine.Appointment
	for _, a := range as {
		if a.Active() {
			active = append(active, a)
		}
	}
	slices.SortFunc(active, func(x, y engine.Appointment) int {
		return cmp.Or(x.Start.Compare(y.Start), strings.Compare(x.ID, y.ID))
	})
	report := func(stale bool, key, format string, args ...any) {
		key = where + " " + key
		if c.reported[key] {
			return
		}
		c.reported[key] = true
		msg := fmt.Sprintf(format, args...)
		if stale {
			c.staleViews++
			c.logf("STALE VIEW at %s: %s", where, msg)
			msg = "stale view (the cancel that freed it has not reached this site): " + msg
		} else {
			c.logf("VIOLATION at %s: %s", where, msg)
		}
		c.errorf("%s, %s: %s", when, where, msg)
	}
	for i, x := range active {
		for _, y := range active[i+1:] {
			if !y.Start.Before(x.End) {
				break
			}
			for _, res := range []string{"counter", "room"} {
				rx, ry := x.Counter, y.Counter
				if res == "room" {
					rx, ry = x.Room, y.Room
				}
				if rx != "" && rx == ry {
					report(gone(x.ID) || gone(y.ID), x.ID+" "+y.ID+" "+res, "%s %s given twice: %s and %s", res, rx, show(x, all), show(y, all))
				}
			}
		}
	}
	sameDay := map[string][]engine.Appointment{}
	for _, a := range active {
		if a.SameDay {
			sameDay[engine.Day(a.Start)] = append(sameDay[engine.Day(a.Start)], a)
		}
	}
	for day, list := range sameDay {
		if n := len(list); n > clusterDayTickets {
			var codes []string
			for _, a := range list {
				codes = append(codes, a.Code+"/"+a.Origin)
				if gone(a.ID) {
					n--
				}
			}
			report(n <= clusterDayTickets, "tickets "+day+" "+fmt.Sprint(len(list)), "%d day tickets issued for %s, the contingent is %d: %v",
				len(list), day, clusterDayTickets, codes)
		}
		holder := map[string]engine.Appointment{}
		for _, a := range list {
			if a.TicketToken == "" {
				report(false, "no ticket "+a.ID, "same-day booking %s holds no ticket token", show(a, all))
				continue
			}
			if h, ok := holder[a.TicketToken]; ok {
				report(gone(h.ID) || gone(a.ID), "ticket "+h.ID+" "+a.ID, "ticket token %s held twice: %s and %s",
					a.TicketToken, show(h, all), show(a, all))
			}
			holder[a.TicketToken] = a
		}
	}
}

// show names an appointment for a report: code, time, who booked it, its
// status here and, if another site has it otherwise, there.
func show(a engine.Appointment, all map[string]engine.Appointment) string {
	status := a.Status
	if o, ok := all[a.ID]; ok && o.Status != a.Status {
		status += ", elsewhere " + o.Status
	}
	return fmt.Sprintf("%s (%s %s–%s, booked by %s, %s)", a.Code, engine.Day(a.Start), clock(a.Start), clock(a.End), a.Origin, status)
}

// checkBookingsKept: every booking a site acknowledged and nobody
// cancelled is still booked on every site, or was moved (a booking that
// replaces it names it in MovedFrom).
func (c *cluster) checkBookingsKept() {
	c.t.Helper()
	ctx := context.Background()
	cancelled := map[string]bool{}
	for _, a := range c.acks {
		if a.kind == "cancel" {
			cancelled[a.id] = true
		}
	}
	moved := 0
	for _, s := range c.sites {
		byID, successor := map[string]engine.Appointment{}, map[string]engine.Appointment{}
		for day := range c.days {
			as, err := s.st.Appointments(ctx, escrowBuilding, day)
			if err != nil {
				c.fatalf("appointments at %s: %v", s.name, err)
			}
			for _, a := range as {
				byID[a.ID] = a
				if a.MovedFrom != "" && a.Active() {
					successor[a.MovedFrom] = a
				}
			}
		}
		for _, b := range c.booked {
			if cancelled[b.ID] {
				continue
			}
			a, ok := byID[b.ID]
			switch {
			case !ok:
				c.errorf("%s lacks booking %s (%s at %s by %s)", s.name, b.Code, engine.Day(b.Start), clock(b.Start), b.Origin)
			case a.Active():
			case successor[b.ID].ID != "":
				moved++
			default:
				c.errorf("%s: booking %s (%s at %s by %s) is %s, nobody cancelled it and nothing replaces it",
					s.name, b.Code, engine.Day(b.Start), clock(b.Start), b.Origin, a.Status)
			}
		}
	}
	c.t.Logf("seed=%d: %d bookings acknowledged, %d cancelled by a clerk, %d moved (counted on each site); %d stale views; capacity checked in %v",
		c.seed, len(c.booked), len(cancelled), moved, c.staleViews, c.checking.Round(time.Millisecond))
}

// TestClusterBranchCutOffBooksItsAllotment cuts site-b, a branch, off from
// the others: it books every place of next Wednesday its allotment holds
// and its share of today's day tickets, while the home site and the other
// two branches book the rest. After healing the day is exactly full on
// every site, no place given twice, nothing moved, and exactly the day's
// contingent of day tickets issued.
func TestClusterBranchCutOffBooksItsAllotment(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: four SQLite sites with Serf in real time; not in -short")
	}
	t.Parallel()
	c := newCluster(t, 2_000_001)
	branch := c.sites[1]
	today := engine.Day(storeMorning)
	const places = 2 * 10 * 60 / 5 // two counters, 08:00–18:00, 5-minute grid

	owned, free := map[string]int{}, map[string]int{}
	total := 0
	for _, s := range c.sites {
		owned[s.name], free[s.name] = s.st.FreePlaces(escrowBuilding, clusterNextWeek)
		total += owned[s.name]
	}
	if total != places || owned[branch.name] == 0 || free[branch.name] != owned[branch.name] {
		c.fatalf("next week's places are owned %v (%v free); want all %d dealt out and free", owned, free, places)
	}

	c.net.partition([][]int{{branch.i}, {0, 2, 3}})
	c.logf("partition [%d] | [0 2 3]", branch.i)
	booked, tickets := map[string]int{}, map[string]int{}
	for round, progress := 1, true; progress; round++ {
		progress = false
		for _, s := range c.sites {
			if c.bookFirst(s, clusterNextWeek) {
				booked[s.name]++
				progress = true
			}
			if c.bookFirst(s, today) {
				tickets[s.name]++
				progress = true
			}
		}
		if c.step = round; round%8 == 0 || !progress {
			c.checkCapacity("") // not every round: a full day is 240 appointments a site
		}
	}
	for _, s := range c.sites {
		if booked[s.name] != free[s.name] {
			t.Errorf("%s booked %d places next week, its allotment had %d free", s.name, booked[s.name], free[s.name])
		}
	}
	issued := 0
	for _, n := range tickets {
		issued += n
	}
	if issued != clusterDayTickets || tickets[branch.name] == 0 {
		t.Errorf("day tickets issued %v, want %d in all, some by the cut-off branch", tickets, clusterDayTickets)
	}

	c.heal()
	c.converge(settle)
	c.checkCapacity("after healing")
	for _, s := range c.sites {
		if _, free := s.st.FreePlaces(escrowBuilding, clusterNextWeek); free != 0 {
			t.Errorf("%s: %d places of its own still free next week", s.name, free)
		}
		for _, day := range []string{clusterNextWeek, today} {
			as, err := s.st.Appointments(context.Background(), escrowBuilding, day)
			if err != nil {
				c.fatalf("appointments at %s: %v", s.name, err)
			}
			active, sameDay := 0, 0
			for _, a := range as {
				if a.MovedFrom != "" || !a.Active() {
					t.Errorf("%s: %s (%s %s by %s) was moved or cancelled: %s, moved from %q",
						s.name, a.Code, day, clock(a.Start), a.Origin, a.Status, a.MovedFrom)
				}
				if a.Active() {
					active++
				}
				if a.SameDay {
					sameDay++
				}
			}
			if day == clusterNextWeek && active != places {
				t.Errorf("%s holds %d bookings next week, want the day full with %d", s.name, active, places)
			}
			if day == today && sameDay != clusterDayTickets {
				t.Errorf("%s holds %d day tickets today, want the contingent of %d", s.name, sameDay, clusterDayTickets)
			}
		}
	}
	c.checkSameDigest()
	t.Logf("next week's %d places booked %v, today's day tickets %v", places, booked, tickets)
}

// bookFirst books the first place s's slot finder offers on day, if any:
// of today, a day ticket.
func (c *cluster) bookFirst(s *clusterSite, day string) bool {
	c.t.Helper()
	now := s.clock.Now()
	slots, err := s.st.Slots(engine.Query{Building: escrowBuilding, Services: []string{"meldebescheinigung"}, From: day,
		Days: 1, Channel: engine.ChannelDesk, Now: now, Tokens: s.st}, 1)
	if err != nil {
		c.fatalf("slots at %s: %v", s.name, err)
	}
	if len(slots) == 0 {
		return false
	}
	a, err := s.st.Book(context.Background(), "reception", engine.BookingRequest{Building: escrowBuilding,
		Services: []string{"meldebescheinigung"}, Start: slots[0].Start, Channel: engine.ChannelDesk,
		Citizen: clusterCitizens[len(c.booked)%len(clusterCitizens)]})
	if err != nil {
		c.fatalf("%s's slot finder offered %s %s on %s, and booking it failed: %v", s.name, day, clock(slots[0].Start),
			slots[0].Counter, err)
	}
	c.acked(s, a)
	return true
}

// TestClusterCancelMeetsServeElsewhere: the home site cancels a day
// ticket and gives its place and ticket again, while a site cut off from
// it has checked the citizen in and served them (early). Escrow needs the
// cancel the owner acted on to stay a cancel (engine.FoldAppointment: a
// cancel wins), else after healing the place and the ticket would be held
// twice on every site.
func TestClusterCancelMeetsServeElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test: four SQLite sites with Serf in real time; not in -short")
	}
	t.Parallel()
	ctx := context.Background()
	c := newCluster(t, 3_000_001)
	home, branch := c.sites[clusterHome], c.sites[1]
	if !c.bookFirst(home, engine.Day(storeMorning)) {
		c.fatalf("%s books no day ticket", home.name)
	}
	x := c.booked[0]
	c.waitAppointment(branch, x.ID)
	c.net.partition([][]int{{home.i}, {1, 2, 3}})
	c.logf("partition [%d] | [1 2 3]", home.i)
	if _, err := branch.st.CheckIn(ctx, "terminal", store.CheckInRequest{Building: escrowBuilding, Code: x.Code}); err != nil {
		c.fatalf("check-in at %s: %v", branch.name, err)
	}
	if _, err := branch.st.CallNext(ctx, "clerk", x.Counter); err != nil {
		c.fatalf("call at %s: %v", branch.name, err)
	}
	if _, err := branch.st.Serve(ctx, "clerk", x.ID); err != nil {
		c.fatalf("serve at %s: %v", branch.name, err)
	}
	for _, s := range c.sites {
		s.clock.Add(time.Second) // the cancel comes after the serve
	}
	if _, err := home.st.Cancel(ctx, "phone", x.ID); err != nil {
		c.fatalf("cancel at %s: %v", home.name, err)
	}
	y, err := home.st.Book(ctx, "phone", engine.BookingRequest{Building: escrowBuilding, Services: x.Services,
		Start: x.Start, Channel: engine.ChannelDesk, Citizen: clusterCitizens[1]})
	if err != nil {
		c.fatalf("%s rebooks the cancelled place: %v", home.name, err)
	}
	c.acked(home, y)
	c.heal()
	c.converge(settle)
	c.checkCapacity("after healing")
}

// waitAppointment waits until s holds the appointment, brought by its node.
func (c *cluster) waitAppointment(s *clusterSite, id string) {
	c.t.Helper()
	ctx := context.Background()
	if !eventually(c.t, 10*time.Second, func() bool { _, err := s.st.Appointment(ctx, id); return err == nil }) {
		c.fatalf("%s did not receive appointment %s; its sessions: %+v", s.name, id, s.node.Status())
	}
}
