package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestCluster runs three `pforte serve` processes as one cluster and checks
// replication end to end: a booking and a visit reach every site, a stream
// of visits survives a kill -9 of a site that is catching up (nothing lost,
// nothing doubled), and a site with another cluster key shares nothing.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four processes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM on Windows")
	}
	c, dir := newProcessCluster(t)

	s1 := c.start(site{name: "s1", building: "buergerbuero", data: filepath.Join(dir, "data1")}, "")
	s2 := c.start(site{name: "s2", building: "rathaus-1", data: filepath.Join(dir, "data2")}, s1.gossip)
	s3 := c.start(site{name: "s3", building: "propst-nuebel-strasse", data: filepath.Join(dir, "data3")}, s1.gossip)
	sites := []*proc{s1, s2, s3}

	formed := time.Now()
	waitFor(t, 15*time.Second, "every site sees the two others alive", func() (bool, string) {
		for _, p := range sites {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			alive := 0
			for _, peer := range st.Peers {
				if peer.Status == "alive" {
					alive++
				}
			}
			if alive < 2 {
				return false, fmt.Sprintf("%s: peers %+v", p.name, st.Peers)
			}
		}
		return true, ""
	})
	t.Logf("cluster formed in %v", time.Since(formed).Round(time.Millisecond))

	today := fakeToday(t, s1.url)

	// 1. A booking at site 2 and a visit at site 3 reach every site.
	var slots []struct{ Start, End, Building string }
	mustGet(t, s2.url+"/api/slots?building=buergerbuero&services=personalausweis&channel=branch&limit=1", &slots)
	if len(slots) != 1 {
		t.Fatalf("slots: got %v, want one", slots)
	}
	apptDay := slots[0].Start[:10] // apiTime is Berlin time
	if apptDay != "2026-11-18" {
		t.Logf("note: the first branch slot is on %s, not 2026-11-18", apptDay)
	}
	var appt struct{ ID string }
	mustPost(t, s2.url+"/api/appointments", map[string]any{
		"building": "buergerbuero", "services": []string{"personalausweis"}, "start": slots[0].Start,
		"channel": "branch",
		"citizen": map[string]any{"name": "Klaus Becker", "birth_date": "1961-09-30", "email": "k@example.org"},
	}, &appt)
	var visit struct{ ID string }
	mustPost(t, s3.url+"/api/visits", map[string]any{
		"building": "propst-nuebel-strasse", "name": "Maria Schneider", "phone": "02921 103-0",
		"host": "staff-weiss", "reason": "Rückfrage zum Bescheid",
	}, &visit)
	written := time.Now()
	waitFor(t, 10*time.Second, "the booking and the visit on every site", func() (bool, string) {
		for _, p := range sites {
			var as []struct{ ID string }
			if err := getJSON(p.url+"/api/appointments?building=buergerbuero&day="+apptDay, &as); err != nil {
				return false, err.Error()
			}
			if !slices.ContainsFunc(as, func(a struct{ ID string }) bool { return a.ID == appt.ID }) {
				return false, p.name + " lacks the appointment"
			}
			vs, err := visits(p.url, "propst-nuebel-strasse", today)
			if err != nil {
				return false, err.Error()
			}
			if !slices.ContainsFunc(vs, func(v visitRow) bool { return v.ID == visit.ID }) {
				return false, p.name + " lacks the visit"
			}
		}
		return true, ""
	})
	t.Logf("step 1: booking (site 2) and visit (site 3) on all three sites %v after the writes",
		time.Since(written).Round(time.Millisecond))

	// 2. A stream of visits at site 1; site 2 is killed while catching up
	// and restarted on the same data directory.
	const total = 300
	var (
		idsMu sync.Mutex
		ids   []string
		done  atomic.Int64
	)
	streamErr := make(chan error, 1)
	streamStart := time.Now()
	go func() {
		defer close(streamErr)
		work := make(chan int)
		var wg sync.WaitGroup
		var once sync.Once
		for range 1 { // one at a time: slow enough that site 2 is seen catching up
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range work {
					var v struct{ ID string }
					code, body, err := postJSON(s1.url+"/api/visits", map[string]any{
						"building": "buergerbuero", "name": fmt.Sprintf("Besucher %03d", i),
						"phone": "02921 103-0", "host": "staff-lange", "reason": "Stresstest",
					})
					if err == nil && code != http.StatusCreated {
						err = fmt.Errorf("POST /api/visits: %d %s", code, body)
					}
					if err == nil {
						err = json.Unmarshal(body, &v)
					}
					if err != nil {
						once.Do(func() { streamErr <- err })
						continue
					}
					idsMu.Lock()
					ids = append(ids, v.ID)
					idsMu.Unlock()
					done.Add(1)
					// A steady stream over a second or two, so that site 2
					// syncs (hints come every 250 ms) several times during it.
					time.Sleep(3 * time.Millisecond)
				}
			}()
		}
		for i := range total {
			work <- i
		}
		close(work)
		wg.Wait()
	}()

	// Kill site 2 while it is catching up: it holds some of the stream but
	// not all that site 1 has acknowledged.
	var caught uint64
	deadline := time.Now().Add(20 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("site 2 was never seen halfway through the stream (holds %d of %d)", caught, done.Load())
		}
		// Site 1's own ops include more than the visits (configuration,
		// accounts, audit entries): compare with what site 1 holds of
		// itself, not with the number of visits.
		st2, err2 := syncStatus(s2.url)
		st1, err1 := syncStatus(s1.url)
		if err1 == nil && err2 == nil {
			caught = st2.Vector[s1.name]
			if caught > 0 && caught < st1.Vector[s1.name] {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	registered := done.Load()
	s2.kill(t)
	t.Logf("step 2: killed site 2 (kill -9) holding %d stream ops of %d registered so far, %v into the stream",
		caught, registered, time.Since(streamStart).Round(time.Millisecond))
	restarted := time.Now()
	// Restart with the very same flags, so a new gossip port: the others
	// still know site 2 at its old address, and its name must be reclaimed
	// rather than voted out as a conflict. PFORTE_CLUSTER_SAME_PORT=1 keeps
	// the old port instead.
	s2Gossip := "127.0.0.1:0"
	if os.Getenv("PFORTE_CLUSTER_SAME_PORT") != "" {
		s2Gossip = s2.gossip
	}
	s2 = c.startOn(s2.site, s2Gossip, s1.gossip, c.key)
	sites[1] = s2
	t.Logf("step 2: site 2 restarted on the same data, %v into the stream", time.Since(streamStart).Round(time.Millisecond))

	if err := <-streamErr; err != nil {
		t.Fatalf("stream: %v", err)
	}
	streamed := time.Since(streamStart)
	if len(ids) != total {
		t.Fatalf("stream: %d visits acknowledged, want %d", len(ids), total)
	}
	t.Logf("step 2: %d visits registered at site 1 in %v", total, streamed.Round(time.Millisecond))

	want := slices.Sorted(slices.Values(ids))
	if d := duplicates(want); len(d) > 0 {
		t.Fatalf("site 1 acknowledged these ids twice: %v", d)
	}
	converge := time.Now()
	var lists [][]byte
	waitFor(t, 30*time.Second, "identical vectors and visit lists on all three sites", func() (bool, string) {
		var vec0 map[string]uint64
		lists = lists[:0]
		for i, p := range sites {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			delete(st.Vector, "demo")
			if i == 0 {
				vec0 = st.Vector
			} else if !maps.Equal(vec0, st.Vector) {
				return false, fmt.Sprintf("vectors differ: s1 %v, %s %v", vec0, p.name, st.Vector)
			}
			vs, err := visits(p.url, "buergerbuero", today)
			if err != nil {
				return false, err.Error()
			}
			got := make([]string, len(vs))
			for i, v := range vs {
				got[i] = v.ID
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				return false, fmt.Sprintf("%s lists %d visits (%d duplicates), want %d",
					p.name, len(got), len(duplicates(got)), len(want))
			}
			slices.SortFunc(vs, func(a, b visitRow) int { return strings.Compare(a.ID, b.ID) })
			b, _ := json.Marshal(vs)
			lists = append(lists, b)
		}
		for i := 1; i < len(lists); i++ {
			if !bytes.Equal(lists[0], lists[i]) {
				return false, fmt.Sprintf("visit lists of s1 and %s differ in content", sites[i].name)
			}
		}
		return true, ""
	})
	t.Logf("step 2: all three sites identical %v after the stream ended (%v after the restart began)",
		time.Since(converge).Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond))
	for _, p := range sites {
		st := mustStatus(t, p.url)
		t.Logf("  %s vector %v", p.name, st.Vector)
	}
	// The restarted site is a member again, at its address, for everyone:
	// the peers that held its old address fetch it from the new one
	// (Membership.Reintroduce) once Serf declared the old one dead.
	waitFor(t, 15*time.Second, "every site sees the two others alive at their gossip addresses", func() (bool, string) {
		for _, p := range sites {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			for _, q := range sites {
				if q == p {
					continue
				}
				if !slices.ContainsFunc(st.Peers, func(peer peerRow) bool {
					return peer.Site == q.name && peer.Status == "alive" && peer.Addr == q.gossip
				}) {
					return false, fmt.Sprintf("%s does not see %s alive at %s: peers %+v", p.name, q.name, q.gossip, st.Peers)
				}
			}
		}
		return true, ""
	})
	t.Logf("step 2: every site sees site 2 alive at its new gossip address %v after the restart began",
		time.Since(restarted).Round(time.Millisecond))

	// 3. A laptop with the cluster key but no enrollment shares nothing,
	// either way: it founded a cluster of its own, then joins this one's
	// gossip and names site 1's replication address as a seed.
	repl := replicationLine.FindStringSubmatch(s1.stderr.String())
	if repl == nil {
		t.Fatalf("site 1 logged no replication address:\n%s", s1.stderr.String())
	}
	s4site := site{name: "s4", building: "rathaus-1", data: filepath.Join(dir, "data4")}
	c.startOn(s4site, "127.0.0.1:0", "", c.key).terminate(t)
	s4 := c.startOn(s4site, "127.0.0.1:0", s1.gossip, c.key, "--sync-seeds", repl[1])
	var stranger struct{ ID string }
	mustPost(t, s4.url+"/api/visits", map[string]any{
		"building": "buergerbuero", "name": "Fremder Gast", "phone": "0170 1234567",
		"host": "staff-lange", "reason": "nicht angemeldet",
	}, &stranger)
	time.Sleep(4 * time.Second) // a full sync round (3 s ± 25 %) and a few gossip rounds
	if vs, err := visits(s4.url, "buergerbuero", today); err != nil {
		t.Fatal(err)
	} else if len(vs) != 1 || vs[0].ID != stranger.ID {
		t.Errorf("site 4 (not enrolled) lists %d buergerbuero visits, want only its own", len(vs))
	}
	if vs, err := visits(s4.url, "propst-nuebel-strasse", today); err != nil {
		t.Fatal(err)
	} else if len(vs) != 0 {
		t.Errorf("site 4 (not enrolled) sees %d of site 3's visits", len(vs))
	}
	if !strings.Contains(s1.stderr.String(), "refused a peer that is not enrolled") {
		t.Errorf("site 1 did not log the refusal of site 4")
	}
	st4 := mustStatus(t, s4.url)
	if !slices.ContainsFunc(st4.Peers, func(p peerRow) bool { return p.SyncAddr == repl[1] && p.LastError != "" }) {
		t.Errorf("site 4 shows no failed attempt on the data channel to %s: peers %+v", repl[1], st4.Peers)
	}
	if st := st4; st.Vector["s1"] != 0 || st.Vector["s2"] != 0 || st.Vector["s3"] != 0 {
		t.Errorf("site 4 (not enrolled) has ops of the cluster: vector %v", st.Vector)
	}
	for _, p := range sites {
		st := mustStatus(t, p.url)
		if _, ok := st.Vector["s4"]; ok {
			t.Errorf("%s has ops of site 4 (not enrolled): vector %v", p.name, st.Vector)
		}
		vs, err := visits(p.url, "buergerbuero", today)
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(vs, func(v visitRow) bool { return v.ID == stranger.ID }) {
			t.Errorf("%s lists site 4's visit", p.name)
		}
		if len(vs) != total {
			t.Errorf("%s lists %d buergerbuero visits, want %d", p.name, len(vs), total)
		}
	}

	// 4. SIGTERM: every site stops cleanly.
	for _, p := range append(sites, s4) {
		p.terminate(t)
	}
}

// newProcessCluster builds the headless binary and a cluster key in a
// fresh directory, for a test that runs real `pforte serve` processes; they
// are killed, and their logs shown if the test failed, when it ends.
func newProcessCluster(t *testing.T) (c *cluster, dir string) {
	t.Helper()
	dir = t.TempDir()
	bin := buildHeadless(t, dir)
	key := filepath.Join(dir, "cluster.key")
	runBin(t, bin, "keygen", key)
	c = &cluster{t: t, bin: bin, key: key}
	t.Cleanup(c.cleanup)
	return c, dir
}

type site struct {
	name, building, data string
	// under, if set, is the command line the binary runs under (strace
	// …): the process started is its first word, with the binary and its
	// arguments after the rest, in a process group of its own so that
	// kill and cleanup stop the binary too. (terminate does not fit it:
	// the exit it sees is the tracer's.)
	under []string
}

// proc is one running `pforte serve`.
type proc struct {
	site
	cmd    *exec.Cmd
	stdout *lockedBuffer
	stderr *lockedBuffer
	url    string
	gossip string
	done   chan struct{} // closed when the process has exited
	err    error         // of Wait, after done
	ended  string        // how the test ended it: "", "killed", "terminated"
}

type cluster struct {
	t     *testing.T
	bin   string
	key   string
	procs []*proc // every process started, killed ones too
	// root is the site that founded the cluster (the first started
	// without --join): it invites the others (invite)
	root *proc
}

// invite has an admin invite s at the root, as the README's one-liner
// does (pforte invite), and returns the token.
func (c *cluster) invite(s site) string {
	c.t.Helper()
	cmd := exec.Command(c.bin, "invite", "--url", c.root.url, "--user", "demo", "--site", s.name, "--building", s.building)
	cmd.Env = append(os.Environ(), "PFORTE_PASSWORD=demo")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("pforte invite %s: %v\n%s", s.name, err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func (c *cluster) start(s site, join string) *proc { return c.startWithKey(s, join, c.key) }

var (
	gossipLine      = regexp.MustCompile(`msg=gossip addr=(127\.0\.0\.1:[0-9]+)`)
	replicationLine = regexp.MustCompile(`msg=replication addr=(127\.0\.0\.1:[0-9]+)`)
)

func (c *cluster) startWithKey(s site, join, key string) *proc {
	c.t.Helper()
	return c.startOn(s, "127.0.0.1:0", join, key)
}

func (c *cluster) startOn(s site, gossip, join, key string, extra ...string) *proc {
	t := c.t
	t.Helper()
	args := []string{"serve", "--demo", "--data", s.data, "--listen", "127.0.0.1:0",
		"--site", s.name, "--building", s.building, "--gossip", gossip,
		"--cluster-key", key, "--fake-time", "2026-11-18T08:05:00+01:00"}
	args = append(args, extra...)
	if join != "" {
		args = append(args, "--join", join)
		if _, err := os.Stat(filepath.Join(s.data, "pforte.db")); err != nil && c.root != nil {
			// A new site: enrolled with an invitation of the root.
			args = append(args, "--enroll", c.invite(s))
		}
	}
	p := &proc{site: s, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, done: make(chan struct{})}
	if len(s.under) > 0 {
		p.cmd = exec.Command(s.under[0], slices.Concat(s.under[1:], []string{c.bin}, args)...)
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	} else {
		p.cmd = exec.Command(c.bin, args...)
	}
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.procs = append(c.procs, p)
	go func() { p.err = p.cmd.Wait(); close(p.done) }()

	deadline := time.After(30 * time.Second)
	for p.url == "" || p.gossip == "" {
		if p.url == "" {
			for _, l := range strings.Split(p.stdout.String(), "\n") {
				if u, ok := strings.CutPrefix(strings.TrimSpace(l), "listening on "); ok {
					p.url = u
				}
			}
		}
		if m := gossipLine.FindStringSubmatch(p.stderr.String()); m != nil {
			p.gossip = m[1]
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited during start-up: %v", s.name, p.err)
		case <-deadline:
			t.Fatalf("%s: no listening line and gossip address within 30 s", s.name)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if (c.root == nil && join == "") || (c.root != nil && c.root.data == s.data) {
		c.root = p
	}
	return p
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	p.ended = "killed"
	if err := p.signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
}

// signal sends sig to the process, or to its whole process group when it
// runs under another command: a tracer killed alone would leave the binary
// running, detached.
func (p *proc) signal(sig syscall.Signal) error {
	if len(p.under) > 0 {
		return syscall.Kill(-p.cmd.Process.Pid, sig)
	}
	return p.cmd.Process.Signal(sig)
}

// terminate sends SIGTERM and wants exit status 0 within 20 s.
func (p *proc) terminate(t *testing.T) {
	t.Helper()
	p.ended = "terminated"
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("%s: SIGTERM: %v", p.name, err)
		return
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Errorf("%s: after SIGTERM: %v, want exit status 0", p.name, p.err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop within 20 s of SIGTERM", p.name)
	}
}

// cleanup kills what is still running and shows every process's log when
// the test failed.
func (c *cluster) cleanup() {
	for _, p := range c.procs {
		select {
		case <-p.done:
		default:
			p.signal(syscall.SIGKILL)
			<-p.done
		}
	}
	if !c.t.Failed() && os.Getenv("PFORTE_CLUSTER_LOGS") == "" {
		return
	}
	for _, p := range c.procs {
		c.t.Logf("──── %s (%s, %s; exit: %v) stderr:\n%s", p.name, p.url, p.ended, p.err, p.stderr.String())
	}
}

func buildHeadless(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "pforte")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, bin string, args ...string) {
	t.Helper()
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("pforte %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// httpClient is every test's HTTP client: signed in as the demo account
// that holds every role, at every site it talks to (signedIn).
var httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &signedIn{base: http.DefaultTransport,
	user: "demo", password: "demo", cookies: map[string][]*http.Cookie{}}}

// signedIn signs in at a site (POST /api/session) before the first request
// to it, keeps that site's cookies apart from the other sites' on the same
// host (a cookie jar would not: cookies ignore the port), and signs in
// again once when a restarted site no longer knows the session.
type signedIn struct {
	base           http.RoundTripper
	user, password string
	mu             sync.Mutex
	cookies        map[string][]*http.Cookie // by host:port
}

func (s *signedIn) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path == "/api/session" {
		return s.base.RoundTrip(req)
	}
	for attempt := 0; ; attempt++ {
		cookies, err := s.session(req, attempt > 0)
		if err != nil {
			return nil, err
		}
		r := req.Clone(req.Context())
		if attempt > 0 && req.GetBody != nil {
			if r.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
		for _, c := range cookies {
			r.AddCookie(c)
		}
		res, err := s.base.RoundTrip(r)
		if err != nil || res.StatusCode != http.StatusUnauthorized || attempt > 0 || (req.Body != nil && req.GetBody == nil) {
			return res, err
		}
		res.Body.Close()
	}
}

// session returns the site's session cookies, signing in first if there
// are none (or fresh says the old ones were refused).
func (s *signedIn) session(req *http.Request, fresh bool) ([]*http.Cookie, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	host := req.URL.Host
	if c, ok := s.cookies[host]; ok && !fresh {
		return c, nil
	}
	body, _ := json.Marshal(map[string]string{"user": s.user, "password": s.password})
	sr, err := http.NewRequestWithContext(req.Context(), http.MethodPost, req.URL.Scheme+"://"+host+"/api/session", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	sr.Header.Set("Content-Type", "application/json")
	res, err := s.base.RoundTrip(sr)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return nil, fmt.Errorf("sign in at %s as %s: %d %s", host, s.user, res.StatusCode, b)
	}
	s.cookies[host] = res.Cookies()
	return s.cookies[host], nil
}

func getJSON(url string, v any) error {
	res, err := httpClient.Get(url)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", url, res.StatusCode, body)
	}
	return json.Unmarshal(body, v)
}

func mustGet(t *testing.T, url string, v any) {
	t.Helper()
	if err := getJSON(url, v); err != nil {
		t.Fatal(err)
	}
}

func postJSON(url string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	res, err := httpClient.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}

func mustPost(t *testing.T, url string, body, v any) {
	t.Helper()
	code, out, err := postJSON(url, body)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusCreated {
		t.Fatalf("POST %s: %d %s, want 201", url, code, out)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatal(err)
	}
}

type statusReply struct {
	Site   string            `json:"site"`
	Vector map[string]uint64 `json:"vector"`
	Peers  []peerRow         `json:"peers"`
}

type peerRow struct {
	Site      string `json:"site"`
	Addr      string `json:"addr"`
	Status    string `json:"status"`
	SyncAddr  string `json:"sync_addr"`
	LastError string `json:"last_error"`
}

func syncStatus(url string) (statusReply, error) {
	var st statusReply
	err := getJSON(url+"/api/sync/status", &st)
	return st, err
}

func mustStatus(t *testing.T, url string) statusReply {
	t.Helper()
	st, err := syncStatus(url)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// visitRow is a visit as GET /api/visits lists it; every field is
// compared between sites.
type visitRow struct {
	ID            string `json:"id"`
	Building      string `json:"building"`
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	Email         string `json:"email"`
	Address       string `json:"address"`
	Host          string `json:"host"`
	HostName      string `json:"host_name"`
	AppointmentID string `json:"appointment_id"`
	Reason        string `json:"reason"`
	ArrivedAt     string `json:"arrived_at"`
	PickedUpAt    string `json:"picked_up_at"`
	PickedUpBy    string `json:"picked_up_by"`
	LeftAt        string `json:"left_at"`
	Status        string `json:"status"`
}

func visits(url, building, day string) ([]visitRow, error) {
	var vs []visitRow
	err := getJSON(url+"/api/visits?building="+building+"&day="+day, &vs)
	return vs, err
}

// fakeToday is the site's day (Berlin) by its fake clock.
func fakeToday(t *testing.T, url string) string {
	t.Helper()
	var h map[string]string
	mustGet(t, url+"/api/health", &h)
	if len(h["now"]) < 10 {
		t.Fatalf("health: now %q", h["now"])
	}
	return h["now"][:10]
}

func duplicates(sorted []string) []string {
	var d []string
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			d = append(d, sorted[i])
		}
	}
	return d
}

// waitFor polls cond every 50 ms until it holds or the deadline passes.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	last := ""
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v; last: %s", what, limit, last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
