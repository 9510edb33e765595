package app_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pforte/app"
	"pforte/engine"
)

// The race tests book through the real HTTP server from many goroutines
// at once: the store must let exactly one of them have a place.

var raceSeed = flag.Uint64("race-seed", 0, "seed of the randomized booking race (0: a new one; env PFORTE_RACE_SEED works too)")

func raceRand(t *testing.T) uint64 {
	t.Helper()
	seed := *raceSeed
	if s := os.Getenv("PFORTE_RACE_SEED"); seed == 0 && s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PFORTE_RACE_SEED=%q: %v", s, err)
		}
		seed = n
	}
	if seed == 0 {
		seed = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -race-seed %d)", seed, seed)
	return seed
}

// raceClient allows as many connections as the test has clients, so the
// requests really are in flight together.
func raceClient(s *site) *http.Client { return s.client }

// outcome is one request's answer, collected from a goroutine (which must
// not call t.Fatal).
type outcome struct {
	status int
	code   string // error code, if any
	appt   apiAppointment
	err    error
}

func postJSON(c *http.Client, url, body string) outcome {
	res, err := c.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return outcome{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return outcome{status: res.StatusCode, err: err}
	}
	o := outcome{status: res.StatusCode}
	if res.StatusCode == http.StatusCreated {
		o.err = json.Unmarshal(b, &o.appt)
		return o
	}
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil {
		o.err = fmt.Errorf("status %d, body %q: %w", res.StatusCode, b, err)
	}
	o.code = e.Error.Code
	return o
}

func getJSON(c *http.Client, url string, v any) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d, body %s", url, res.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

func citizenBody(building string, services []string, start, channel string, n int) string {
	b, err := json.Marshal(map[string]any{"building": building, "services": services, "start": start, "channel": channel,
		"citizen": map[string]string{"name": fmt.Sprintf("Bürger %03d", n), "birth_date": "1970-01-01",
			"email": fmt.Sprintf("b%03d@example.org", n)}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestLastPlaceRace fires 32 bookings of the last free place at once: the
// dog tax is handled by one counter in Rathaus I, so every start has
// exactly one place.
func TestLastPlaceRace(t *testing.T) {
	s := openSite(t, app.Config{DataDir: t.TempDir(), Site: "test", Building: "rathaus-1", Demo: true},
		engine.NewFixedClock(bookingMorning))
	client := raceClient(s)
	const clients = 32

	var first []apiSlot
	s.get(t, "/api/slots?building=rathaus-1&services=hundesteuer&days=14").want(t, http.StatusOK, &first)
	if len(first) < 200 {
		t.Fatalf("only %d dog tax slots in two weeks", len(first))
	}
	// Today's first start (an hour's lead: 09:05), a later one today, one
	// in the middle of the fortnight and its last.
	starts := []string{first[0].Start, first[20].Start, first[len(first)/2].Start, first[len(first)-1].Start}
	for _, start := range starts {
		t.Run(start, func(t *testing.T) {
			body := func(n int) string { return citizenBody("rathaus-1", []string{"hundesteuer"}, start, "desk", n) }
			ready := make(chan struct{})
			results := make([]outcome, clients)
			var wg sync.WaitGroup
			for i := range clients {
				wg.Go(func() {
					<-ready
					results[i] = postJSON(client, s.url+"/api/appointments", body(i))
				})
			}
			close(ready)
			wg.Wait()

			var won []apiAppointment
			for i, o := range results {
				switch {
				case o.err != nil:
					t.Errorf("client %d: %v", i, o.err)
				case o.status == http.StatusCreated:
					won = append(won, o.appt)
				case o.status != http.StatusConflict || o.code != engine.CodeSlotTaken:
					t.Errorf("client %d: status %d code %q, want 409 slot_taken", i, o.status, o.code)
				}
			}
			if len(won) != 1 {
				t.Fatalf("%d bookings won the last place at %s, want exactly 1", len(won), start)
			}
			if won[0].Start != start || won[0].Counter != "r1-kaemmerei" {
				t.Errorf("winner booked %s at %s", won[0].Start, won[0].Counter)
			}
			var active []string
			for _, a := range s.mustAppointments(t, "rathaus-1", start[:10]) {
				if a.Start == start && a.Status != "cancelled" {
					active = append(active, a.ID)
				}
			}
			if len(active) != 1 || active[0] != won[0].ID {
				t.Errorf("active appointments at %s: %v, want only the winner %s", start, active, won[0].ID)
			}
		})
	}
}

// TestRandomBookingRace lets 16 clients book random offered slots in two
// buildings until 300 bookings went through, then checks that no counter
// holds two appointments at once and that every 201 is there.
func TestRandomBookingRace(t *testing.T) {
	seed := raceRand(t)
	s := openSite(t, app.Config{DataDir: t.TempDir(), Site: "test", Building: "buergerbuero", Demo: true},
		engine.NewFixedClock(bookingMorning))
	client := raceClient(s)
	const (
		clients  = 16
		bookings = 300
		horizon  = 10 // days from today the clients look at
	)
	menus := map[string][]string{
		"buergerbuero":          {"personalausweis", "reisepass", "ausweis-abholen", "anmeldung", "ummeldung", "meldebescheinigung", "fuehrungszeugnis", "beglaubigung"},
		"propst-nuebel-strasse": {"personalausweis", "ausweis-abholen", "anmeldung", "ummeldung", "meldebescheinigung", "beglaubigung"},
	}
	buildings := []string{"buergerbuero", "propst-nuebel-strasse"}
	channels := []string{"desk", "phone", "online", "branch"}

	var (
		booked   atomic.Int64
		mu       sync.Mutex
		won      []apiAppointment
		failures []string
		counts   = map[string]int{}
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		failures = append(failures, fmt.Sprintf(format, args...))
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(seed, uint64(c)))
			for try := 0; booked.Load() < bookings && try < 10*bookings; try++ {
				b := buildings[rnd.IntN(len(buildings))]
				menu := menus[b]
				services := slices.Clone(menu)
				rnd.Shuffle(len(services), func(i, j int) { services[i], services[j] = services[j], services[i] })
				services = services[:1+rnd.IntN(2)]
				from := bookingMorning.AddDate(0, 0, rnd.IntN(horizon-2)).Format(time.DateOnly)
				var ss []apiSlot
				url := fmt.Sprintf("%s/api/slots?building=%s&services=%s&from=%s&days=2&limit=12", s.url, b,
					strings.Join(services, ","), from)
				if err := getJSON(client, url, &ss); err != nil {
					fail("client %d: %v", c, err)
					return
				}
				if len(ss) == 0 {
					continue
				}
				start := ss[rnd.IntN(len(ss))].Start
				o := postJSON(client, s.url+"/api/appointments",
					citizenBody(b, services, start, channels[rnd.IntN(len(channels))], c*10000+try))
				mu.Lock()
				counts[strconv.Itoa(o.status)+" "+o.code]++
				mu.Unlock()
				switch {
				case o.err != nil:
					fail("client %d: book %v at %s in %s: %v", c, services, start, b, o.err)
				case o.status == http.StatusCreated:
					booked.Add(1)
					mu.Lock()
					won = append(won, o.appt)
					mu.Unlock()
				case o.status == http.StatusConflict && o.code == engine.CodeSlotTaken:
					// Someone else was faster: fine.
				default:
					fail("client %d: book %v at %s in %s: status %d code %q", c, services, start, b, o.status, o.code)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("answers: %v", counts)
	for _, f := range failures {
		t.Error(f)
	}
	if len(won) < bookings {
		t.Fatalf("%d bookings went through, want %d", len(won), bookings)
	}

	// Everything the clients were told is there, and nothing else.
	listed := map[string]apiAppointment{}
	for _, b := range buildings {
		for d := range horizon {
			day := bookingMorning.AddDate(0, 0, d).Format(time.DateOnly)
			for _, a := range s.mustAppointments(t, b, day) {
				listed[a.ID] = a
			}
		}
	}
	for _, w := range won {
		got, ok := listed[w.ID]
		switch {
		case !ok:
			t.Errorf("booked %s (%s at %s) is not listed", w.ID, w.Building, w.Start)
		case got.Status != "booked" || got.Start != w.Start || got.Counter != w.Counter:
			t.Errorf("booked %s at %s on %s, listed %s at %s on %s", w.ID, w.Start, w.Counter, got.Status, got.Start, got.Counter)
		}
	}
	if len(listed) != len(won) {
		t.Errorf("%d appointments listed, %d bookings answered 201", len(listed), len(won))
	}
	if overlaps := doubleBookings(t, listed); len(overlaps) > 0 {
		t.Errorf("double-booked counters:\n%s", overlaps)
	}
}

// doubleBookings lists every pair of active appointments that share a
// counter and overlap in time.
func doubleBookings(t *testing.T, as map[string]apiAppointment) string {
	t.Helper()
	byCounter := map[string][]apiAppointment{}
	for _, a := range as {
		if a.Status != "cancelled" {
			byCounter[a.Building+"/"+a.Counter] = append(byCounter[a.Building+"/"+a.Counter], a)
		}
	}
	var out bytes.Buffer
	for k, list := range byCounter {
		slices.SortFunc(list, func(a, b apiAppointment) int { return mustTime(t, a.Start).Compare(mustTime(t, b.Start)) })
		// latest is the appointment reaching furthest so far: an
		// overlap need not be with the direct predecessor.
		for i, latest := 1, list[0]; i < len(list); i++ {
			if mustTime(t, list[i].Start).Before(mustTime(t, latest.End)) {
				fmt.Fprintf(&out, "%s: %s %s–%s and %s %s–%s\n", k, latest.ID, latest.Start, latest.End,
					list[i].ID, list[i].Start, list[i].End)
			}
			if mustTime(t, list[i].End).After(mustTime(t, latest.End)) {
				latest = list[i]
			}
		}
	}
	return out.String()
}
