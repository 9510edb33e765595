package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAcknowledgedWritesAreDurable backs the README's promise that an
// acknowledged write survives a power cut. It runs the real binary under
// strace and reads, in the order the kernel saw them, the system calls of
// three writes:
//
//  1. a booking (POST /api/appointments) and
//  2. a visit (POST /api/visits): after the request is read, the WAL page
//     that carries the new id and its transaction's commit frame are
//     written, the WAL is fsynced, and only then does the 201 leave the
//     socket;
//  3. a sync batch from a second site: the batch is read from the sync
//     connection, the WAL page that carries the booking's id and the
//     commit frame are written, the WAL is fsynced, and only then does
//     the receiver send its "fin" ("all you sent is applied",
//     sync/protocol.go) on that connection.
//
// A site that answered before its commit, synced later or not at all
// (synchronous=OFF or NORMAL) fails here.
func TestAcknowledgedWritesAreDurable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs two processes, one under strace")
	}
	if runtime.GOOS != "linux" {
		t.Skip("strace is Linux only")
	}
	strace := mustStrace(t)
	c, dir := newProcessCluster(t)

	tracePath := filepath.Join(dir, "a.strace")
	// -yy names every fd: a file by its path, a TCP socket by its two
	// ends. -s 4096: a whole WAL page, a whole HTTP answer.
	// --seccomp-bpf stops the binary only at the calls traced.
	a := c.start(site{name: "a-traced", building: "buergerbuero", data: filepath.Join(dir, "data-a"),
		under: []string{strace, "-f", "--seccomp-bpf", "-tt", "-yy", "-s", "4096", "-o", tracePath,
			"-e", "trace=read,readv,recvfrom,recvmsg,write,writev,sendto,sendmsg,pwrite64,pwritev,pwritev2,fsync,fdatasync"}}, "")
	b := c.start(site{name: "b-peer", building: "rathaus-1", data: filepath.Join(dir, "data-b")}, a.gossip)
	// strace names files by their real path.
	realData, err := filepath.EvalSymlinks(a.data)
	if err != nil {
		t.Fatal(err)
	}
	tr := &trace{t: t, path: tracePath, wal: filepath.Join(realData, "pforte.db") + "-wal"}

	waitFor(t, 20*time.Second, "the two sites see each other alive", func() (bool, string) {
		for _, p := range []*proc{a, b} {
			st, err := syncStatus(p.url)
			if err != nil {
				return false, err.Error()
			}
			if !slices.ContainsFunc(st.Peers, func(peer peerRow) bool { return peer.Status == "alive" }) {
				return false, fmt.Sprintf("%s: peers %+v", p.name, st.Peers)
			}
		}
		return true, ""
	})

	// 1. A booking.
	var booked struct{ ID string }
	mustPost(t, a.url+"/api/appointments", bookingAt(t, a.url), &booked)
	tr.answeredAfterSync("booking", "/api/appointments HTTP/1.1", booked.ID)

	// 2. A visit.
	var visit struct{ ID string }
	mustPost(t, a.url+"/api/visits", map[string]any{
		"building": "buergerbuero", "name": "Maria Schneider", "phone": "02921 103-0",
		"host": "staff-lange", "reason": "Rückfrage zum Bescheid",
	}, &visit)
	tr.answeredAfterSync("visit", "/api/visits HTTP/1.1", visit.ID)

	// 3. A sync batch: a booking at site b reaches site a.
	var syncAddrs []string
	for _, p := range []*proc{a, b} {
		m := replicationLine.FindStringSubmatch(p.stderr.String())
		if m == nil {
			t.Fatalf("%s logged no replication address:\n%s", p.name, p.stderr.String())
		}
		syncAddrs = append(syncAddrs, m[1])
	}
	// Site a has nothing left to send: the batch travels alone.
	aSeq := mustStatus(t, a.url).Vector[a.name]
	waitFor(t, 10*time.Second, "site b holds site a's booking and visit", func() (bool, string) {
		st, err := syncStatus(b.url)
		if err != nil {
			return false, err.Error()
		}
		return st.Vector[a.name] >= aSeq, fmt.Sprintf("b's vector %v, a is at %d", st.Vector, aSeq)
	})
	// The receiver's fin is found by its size (see finRecord); a session
	// that gave way to one in the other direction ends without one, so a
	// batch whose connection shows no fin is tried again with another
	// booking.
	for attempt := 1; ; attempt++ {
		var remote struct{ ID string }
		mustPost(t, b.url+"/api/appointments", bookingAt(t, b.url), &remote)
		want := mustStatus(t, b.url).Vector[b.name]
		waitFor(t, 10*time.Second, "site a holds site b's booking", func() (bool, string) {
			st, err := syncStatus(a.url)
			if err != nil {
				return false, err.Error()
			}
			return st.Vector[b.name] >= want, fmt.Sprintf("a's vector %v, b is at %d", st.Vector, want)
		})
		inconclusive := tr.syncedBeforeFin(remote.ID, syncAddrs)
		if inconclusive == "" {
			break
		}
		if attempt == 3 {
			t.Fatalf("sync batch: %s (three bookings tried)", inconclusive)
		}
		t.Logf("sync batch, attempt %d: %s; trying another booking", attempt, inconclusive)
	}
}

// mustStrace finds strace and checks that it may trace here. Without it the
// test fails: `make test` installs it (scripts/install-deps.sh test).
func mustStrace(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("strace")
	if err != nil {
		t.Fatalf("strace is not installed (%v): the durability test runs the binary under it; "+
			"scripts/install-deps.sh test installs it, go test -short skips this test", err)
	}
	out, err := exec.Command(path, "-f", "--seccomp-bpf", "-o", os.DevNull, "-e", "trace=fsync", "true").CombinedOutput()
	if err != nil {
		t.Fatalf("strace cannot trace here (%v; ptrace not permitted in this container?): %s\n"+
			"the durability test needs it; go test -short skips this test", err, out)
	}
	return path
}

// bookingAt is a desk booking of the first free slot site url offers.
func bookingAt(t *testing.T, url string) map[string]any {
	t.Helper()
	var slots []struct{ Start string }
	mustGet(t, url+"/api/slots?building=buergerbuero&services=personalausweis&channel=desk&limit=1", &slots)
	if len(slots) != 1 {
		t.Fatalf("slots at %s: got %v, want one", url, slots)
	}
	return map[string]any{
		"building": "buergerbuero", "services": []string{"personalausweis"}, "start": slots[0].Start,
		"channel": "desk",
		"citizen": map[string]any{"name": "Klaus Becker", "birth_date": "1961-09-30", "email": "k@example.org"},
	}
}

// trace is the strace output of the site under test.
type trace struct {
	t    *testing.T
	path string
	wal  string // the database's -wal file, as strace names it
}

// answeredAfterSync checks the write whose answer carried id: after the
// request (the read holding request, "/api/visits HTTP/1.1": net/http may
// read the method's first byte on its own) was read, the WAL page carrying
// id and its transaction's commit frame were written, then the WAL was
// fsynced, and only then did the 201 leave the same socket.
func (tr *trace) answeredAfterSync(what, request, id string) {
	t := tr.t
	t.Helper()
	var calls []syscallEvent
	var req, answer *syscallEvent
	waitFor(t, 10*time.Second, what+": the answer in the trace", func() (bool, string) {
		calls = tr.read()
		req, answer = nil, nil
		for i := range calls {
			c := &calls[i]
			switch {
			case c.ret > 0 && c.isRead() && strings.Contains(c.args, request):
				req, answer = c, nil // the last such request
			case req != nil && answer == nil && c.isWrite() && c.fd == req.fd && c.entry > req.exit:
				answer = c // the first thing said on that connection after it
			}
		}
		if answer == nil {
			return false, fmt.Sprintf("request read: %v", req != nil)
		}
		return true, ""
	})
	if !strings.Contains(answer.args, `"HTTP/1.1 201 `) || !strings.Contains(answer.args, id) {
		t.Fatalf("%s: the first write on the request's connection after it is not the 201 carrying %s:\n%s",
			what, id, answer.line)
	}
	page := tr.firstWALWrite(calls, id)
	switch {
	case page == nil || page.entry > answer.entry:
		t.Errorf("%s: the answer left before %s reached the WAL\n  answer: %s", what, id, answer.line)
	case page.entry < req.exit:
		t.Errorf("%s: %s was in the WAL before the request was read?\n  page: %s\n  request: %s",
			what, id, page.line, req.line)
	default:
		tr.syncedBefore(calls, page, answer, what+": the answer (HTTP/1.1 201)")
	}
}

// syncedBeforeFin checks that site a, receiving the sync batch that carried
// the booking id, fsynced its WAL after writing the batch and before it sent
// its fin on the connection that brought the batch. It returns why the
// check could not be made (the session gave way, the fin is not there), or
// "" when it was made.
func (tr *trace) syncedBeforeFin(id string, syncAddrs []string) (inconclusive string) {
	t := tr.t
	t.Helper()
	isSync := func(c *syscallEvent) bool {
		for _, addr := range syncAddrs {
			if strings.Contains(c.fd, addr+"-") || strings.Contains(c.fd, addr+"]") {
				return true
			}
		}
		return false
	}
	var calls []syscallEvent
	var page, batch, fin *syscallEvent
	var inUse int // sync connections in use before and after the page was written
	// The fin follows the commit at once; give the trace a few seconds.
	deadline := time.Now().Add(5 * time.Second)
	for {
		calls = tr.read()
		page, batch, fin, inUse = tr.firstWALWrite(calls, id), nil, nil, 0
		if page != nil {
			// The batch: the last read from a sync connection before the
			// page was written (the session reads nothing until a batch is
			// applied).
			before, after := map[string]bool{}, map[string]bool{}
			for i := range calls {
				c := &calls[i]
				if !isSync(c) {
					continue
				}
				if c.exit < page.entry {
					before[c.fd] = true
					if c.ret > 0 && c.isRead() {
						batch = c
					}
				}
				if c.entry > page.exit && before[c.fd] && !after[c.fd] {
					after[c.fd] = true
					inUse++
				}
			}
			for i := range calls {
				c := &calls[i]
				if batch != nil && c.entry > batch.exit && c.isWrite() && c.fd == batch.fd && c.ret == finRecord {
					fin = c
					break
				}
			}
		}
		if fin != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	switch {
	case page == nil:
		t.Fatalf("sync batch: site a holds the booking %s, but no WAL write in the trace carries it", id)
	case batch == nil:
		t.Fatalf("sync batch: no read from a sync connection (%v) before the WAL write carrying %s:\n  page: %s",
			syncAddrs, id, page.line)
	case inUse > 1:
		// Another session (a full sync from b) ran alongside: its last
		// read might be taken for the batch.
		return fmt.Sprintf("%d sync connections were in use when the batch was written", inUse)
	case fin == nil:
		return fmt.Sprintf("no fin (a write of %d bytes) on %s after the batch was read", finRecord, batch.fd)
	case fin.entry < page.entry:
		t.Errorf("sync batch: the fin left before the batch reached the WAL\n  fin: %s\n  page: %s", fin.line, page.line)
	default:
		tr.syncedBefore(calls, page, fin, "sync batch: the fin")
	}
	return ""
}

// finRecord is the size of the TLS record that carries the receiver's fin
// (sync/protocol.go): a 5-byte record header, the frame's 4-byte length
// and {"t":"fin"}, the inner content type byte and a 16-byte AEAD tag (TLS
// 1.3 without padding, as crypto/tls sends it). The session's other short
// frames differ ({"t":"done"} is one byte longer) and so does the TLS
// close_notify alert (24 bytes).
const finRecord = int64(5 + 4 + len(`{"t":"fin"}`) + 1 + 16)

// syncedBefore wants the transaction that wrote page committed and synced
// before answer began: its commit frame written (the first WAL frame from
// page on whose header holds the database size, which only a commit
// frame's does), then an fsync or fdatasync of the WAL begun after that
// and returned before answer began.
func (tr *trace) syncedBefore(calls []syscallEvent, page, answer *syscallEvent, what string) {
	t := tr.t
	t.Helper()
	// The page's own frame header comes just before it: when the page is
	// the transaction's last, that header is the commit frame's.
	header := page
	for i := range calls {
		c := &calls[i]
		if c.exit < page.entry && c.isWrite() && c.path() == tr.wal && c.ret == 24 {
			header = c
		}
	}
	var commit, synced *syscallEvent
	for i := range calls {
		c := &calls[i]
		switch {
		case c.entry < header.entry || c.path() != tr.wal:
		case commit == nil && c.isWrite() && isCommitFrame(c):
			commit = c
		case commit != nil && synced == nil && c.entry > commit.exit && c.isSync() && c.ret == 0:
			synced = c
		}
	}
	switch {
	case commit == nil || commit.entry > answer.entry:
		t.Errorf("%s left before the transaction that wrote the id committed\n  WAL page: %s\n  answer:   %s",
			what, page.line, answer.line)
	case synced == nil:
		t.Errorf("%s left, but the WAL was never fsynced after the commit\n  WAL commit: %s\n  answer:     %s",
			what, commit.line, answer.line)
	case synced.exit > answer.entry:
		t.Errorf("%s left before the WAL was synced: the first fsync of the WAL after the commit returned after it\n"+
			"  WAL commit: %s\n  answer:     %s\n  fsync:      %s", what, commit.line, answer.line, synced.line)
	default:
		t.Logf("%s left at %s, after the WAL page carrying the id (%s), the commit frame (%s) and the WAL's %s (%s)",
			what, answer.at, page.at, commit.at, synced.name, synced.at)
	}
}

// isCommitFrame reports whether c writes a WAL frame header (24 bytes)
// whose second field, the database size in pages after the commit, is set:
// the last frame of a transaction.
func isCommitFrame(c *syscallEvent) bool {
	if c.ret != 24 {
		return false
	}
	h := quoted(strings.TrimPrefix(c.args, c.fd+", "))
	return len(h) == 24 && (h[4]|h[5]|h[6]|h[7]) != 0
}

// quoted decodes the string strace printed at the start of s: "…" with C
// escapes (\n, \", \\, octal \0 to \377, \x41 under -x).
func quoted(s string) []byte {
	if !strings.HasPrefix(s, `"`) {
		return nil
	}
	var b []byte
	for i := 1; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			return b
		case ch != '\\' || i+1 == len(s):
			b = append(b, ch)
		default:
			i++
			switch e := s[i]; e {
			case 'n':
				b = append(b, '\n')
			case 't':
				b = append(b, '\t')
			case 'r':
				b = append(b, '\r')
			case 'v':
				b = append(b, '\v')
			case 'f':
				b = append(b, '\f')
			case 'x':
				v, _ := strconv.ParseUint(s[i+1:min(i+3, len(s))], 16, 8)
				b = append(b, byte(v))
				i += 2
			default:
				if e < '0' || e > '7' {
					b = append(b, e) // \\, \"
					continue
				}
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 16)
				b = append(b, byte(v))
				i = j - 1
			}
		}
	}
	return nil // cut off
}

// firstWALWrite is the first write to the WAL whose data contains s.
func (tr *trace) firstWALWrite(calls []syscallEvent, s string) *syscallEvent {
	for i := range calls {
		c := &calls[i]
		if c.isWrite() && c.path() == tr.wal && strings.Contains(c.args, s) {
			return c
		}
	}
	return nil
}

// read parses the trace written so far.
func (tr *trace) read() []syscallEvent {
	tr.t.Helper()
	b, err := os.ReadFile(tr.path)
	if err != nil {
		tr.t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i+1] // strace may be half-way through a line
	} else {
		b = nil
	}
	return parseStrace(string(b))
}

// syscallEvent is one system call of the traced process, as `strace -f -tt
// -yy -o FILE` prints it. entry and exit are line numbers: strace prints in
// the order it sees the calls begin and end, and a call that another
// thread's call interleaves with is split into "<unfinished ...>" and
// "<... resumed>" lines.
type syscallEvent struct {
	entry, exit int
	name        string
	fd          string // the first argument as -yy names it: 8</dir/pforte.db-wal>, 9<TCP:[a:1->b:2]>
	args        string // between the parentheses, data as strace quotes it
	ret         int64  // -1 for errors and calls cut short
	at, done    string // the times (-tt) of entry and exit
	line        string // for messages, shortened
}

func (c *syscallEvent) isRead() bool {
	switch c.name {
	case "read", "readv", "recvfrom", "recvmsg":
		return true
	}
	return false
}

func (c *syscallEvent) isWrite() bool {
	switch c.name {
	case "write", "writev", "sendto", "sendmsg", "pwrite64", "pwritev", "pwritev2":
		return true
	}
	return false
}

func (c *syscallEvent) isSync() bool { return c.name == "fsync" || c.name == "fdatasync" }

// path is the file the fd names, "" for anything else.
func (c *syscallEvent) path() string {
	_, p, ok := strings.Cut(c.fd, "<")
	if !ok || !strings.HasPrefix(p, "/") {
		return ""
	}
	return strings.TrimSuffix(p, ">")
}

// parseStrace reads strace -f -tt -yy -o output: "PID HH:MM:SS.ffffff
// call(args) = ret", with unfinished and resumed halves.
func parseStrace(out string) []syscallEvent {
	type started struct {
		entry      int
		name, args string
		at         string
	}
	var calls []syscallEvent
	open := map[string]started{} // by pid
	for n, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		// strace pads the pid to five columns ("6750  10:00…"): a
		// fresh machine's pids are short.
		pid, rest, _ := strings.Cut(line, " ")
		at, rest, _ := strings.Cut(strings.TrimLeft(rest, " "), " ")
		var s started
		var tail string
		switch {
		case strings.HasPrefix(rest, "---"), strings.HasPrefix(rest, "+++"):
			continue // signals, exits
		case strings.HasPrefix(rest, "<... "):
			var ok bool
			if s, ok = open[pid]; !ok {
				continue
			}
			delete(open, pid)
			_, tail, _ = strings.Cut(rest, " resumed>")
		default:
			name, args, ok := strings.Cut(rest, "(")
			if !ok {
				continue
			}
			s = started{entry: n, name: name, args: args, at: at}
			if a, ok := strings.CutSuffix(args, " <unfinished ...>"); ok {
				s.args = a
				open[pid] = s
				continue
			}
		}
		full := s.args + tail
		c := syscallEvent{entry: s.entry, exit: n, name: s.name, ret: -1, at: s.at, done: at}
		if i := strings.LastIndex(full, ") = "); i >= 0 {
			c.args = full[:i]
			ret, _, _ := strings.Cut(full[i+len(") = "):], " ")
			if v, err := strconv.ParseInt(ret, 10, 64); err == nil {
				c.ret = v
			}
		} else {
			c.args = full
		}
		c.fd = firstFD(c.args)
		c.line = fmt.Sprintf("%s %s(%s%s) = %d", s.at, c.name, c.fd, shorten(strings.TrimPrefix(c.args, c.fd)), c.ret)
		calls = append(calls, c)
	}
	return calls
}

// firstFD is the first argument when it is an fd named by -yy, `12<…>`; a
// socket's name holds "->" inside brackets, a path may end in "<char 1:3>>".
func firstFD(args string) string {
	i := 0
	for i < len(args) && args[i] >= '0' && args[i] <= '9' {
		i++
	}
	if i == 0 || i == len(args) || args[i] != '<' {
		return ""
	}
	depth, square := 0, 0
	for j := i; j < len(args); j++ {
		switch args[j] {
		case '[':
			square++
		case ']':
			square--
		case '<':
			if square == 0 {
				depth++
			}
		case '>':
			if square == 0 {
				depth--
				if depth == 0 {
					return args[:j+1]
				}
			}
		}
	}
	return ""
}

func shorten(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// TestParseStrace pins down the strace format the durability test reads.
func TestParseStrace(t *testing.T) {
	out := `100   10:00:00.000001 read(7<TCP:[127.0.0.1:8080->127.0.0.1:5000]>, "P", 1) = 1
10100 10:00:00.000002 pwrite64(8</d/pforte.db-wal>, "\0\0\0\2\0\0\0\3\"\\\n\0018\0\0\0\0\0\0\0\0\0\0\0", 24, 32 <unfinished ...>
100   10:00:00.000003 write(2</dev/null<char 1:3>>, "x) = 5", 6) = 6
10100 10:00:00.000004 <... pwrite64 resumed>) = 24
100   10:00:00.000005 --- SIGURG {si_signo=SIGURG, si_code=SI_TKILL} ---
100   10:00:00.000006 read(7<TCP:[127.0.0.1:8080->127.0.0.1:5000]>, 0xc000, 4096) = -1 EAGAIN (Resource temporarily unavailable)
10100 10:00:00.000007 fsync(8</d/pforte.db-wal>) = 0
`
	calls := parseStrace(out)
	type call struct {
		entry, exit int
		name, fd    string
		ret         int64
	}
	var got []call
	for _, c := range calls {
		got = append(got, call{c.entry, c.exit, c.name, c.fd, c.ret})
	}
	want := []call{
		{0, 0, "read", "7<TCP:[127.0.0.1:8080->127.0.0.1:5000]>", 1},
		{2, 2, "write", "2</dev/null<char 1:3>>", 6},
		{1, 3, "pwrite64", "8</d/pforte.db-wal>", 24},
		{5, 5, "read", "7<TCP:[127.0.0.1:8080->127.0.0.1:5000]>", -1},
		{6, 6, "fsync", "8</d/pforte.db-wal>", 0},
	}
	if !slices.Equal(got, want) {
		t.Errorf("parsed\n%v\nwant\n%v", got, want)
	}
	if p := calls[2].path(); p != "/d/pforte.db-wal" {
		t.Errorf("path %q, want /d/pforte.db-wal", p)
	}
	if p := calls[0].path(); p != "" {
		t.Errorf("a socket's path %q, want none", p)
	}
	header := quoted(strings.TrimPrefix(calls[2].args, calls[2].fd+", "))
	if want := []byte("\x00\x00\x00\x02\x00\x00\x00\x03\"\\\n\x018" + strings.Repeat("\x00", 11)); !bytes.Equal(header, want) {
		t.Errorf("decoded %q, want %q", header, want)
	}
	if !isCommitFrame(&calls[2]) {
		t.Error("a frame header with a database size is not taken for a commit frame")
	}
	inner := &syscallEvent{fd: "8</d/pforte.db-wal>", ret: 24,
		args: `8</d/pforte.db-wal>, "\0\0\0\2` + strings.Repeat(`\0`, 20) + `", 24, 56`}
	if isCommitFrame(inner) {
		t.Error("a frame header without a database size is taken for a commit frame")
	}
}
