package engine

import (
	"testing"
	"time"
)

// mailLog builds the ops of the mail configuration entity, stamped in
// order.
type mailLog struct {
	ops []Op
	at  time.Time
}

func (l *mailLog) add(origin string, op Op) {
	l.at = l.at.Add(time.Second)
	op.Origin, op.Seq, op.HLC = origin, uint64(len(l.ops)+1), MakeHLC(l.at.UnixMilli(), 0)
	l.ops = append(l.ops, op)
}

func (l *mailLog) configure(origin, site string) {
	l.add(origin, ConfigureMailOp(MailConfig{Site: site, SMTPServer: "mail.soest.example:587", From: "termine@soest.example", StartTLS: true}))
}

func (l *mailLog) release(site string) {
	st := l.state()
	l.add(site, st.ReleaseMailOp(site, l.at))
}

func (l *mailLog) state() MailState {
	st, _, err := FoldMailState(l.ops)
	if err != nil {
		panic(err)
	}
	return st
}

func none(string) bool { return false }

func TestMailSiteHandsOver(t *testing.T) {
	l := &mailLog{at: opTime}
	l.configure("a", "a")
	if st := l.state(); !st.MaySend("a", none) || st.MaySend("b", none) || st.OwesRelease("a") {
		t.Fatalf("first mail site: %+v", st)
	}
	l.configure("b", "b")
	st := l.state()
	if st.MaySend("a", none) || st.MaySend("b", none) || !st.OwesRelease("a") {
		t.Fatalf("named, b waits for a's release; a owes it: may a %v, may b %v, owes a %v",
			st.MaySend("a", none), st.MaySend("b", none), st.OwesRelease("a"))
	}
	if got := st.AwaitedReleases(none); len(got) != 1 || got[0] != "a" {
		t.Errorf("awaited %v, want [a]", got)
	}
	if !st.MaySend("b", func(s string) bool { return s == "a" }) {
		t.Error("a revoked: b may send without its release")
	}
	l.release("a")
	if st := l.state(); !st.MaySend("b", none) || st.OwesRelease("a") {
		t.Fatalf("after a's release: %+v", st)
	}
	// Back to a: its release from before does not count for the new
	// hand-over; a waits for b's.
	l.configure("a", "a")
	if st := l.state(); st.MaySend("a", none) || !st.OwesRelease("b") {
		t.Fatalf("back to a: may a %v, owes b %v", st.MaySend("a", none), st.OwesRelease("b"))
	}
	l.release("b")
	l.configure("c", "c")
	if st := l.state(); st.MaySend("c", none) || len(st.AwaitedReleases(none)) != 1 {
		t.Fatalf("c waits for a only (b released already): %v", st.AwaitedReleases(none))
	}
	// A release written by another site than the one it names counts not.
	forged := l.state().ReleaseMailOp("a", l.at)
	l.add("c", forged)
	if l.state().MaySend("c", none) {
		t.Error("a release of a written by c counts")
	}
	// Fold order, not arrival order.
	rev := append([]Op(nil), l.ops...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	got, _, _ := FoldMailState(rev)
	if got.Config.Site != "c" || len(got.AwaitedReleases(none)) != 1 {
		t.Errorf("reversed: %+v", got)
	}
}

func TestFoldMailFirstSentCounts(t *testing.T) {
	q := QueueMail(MailCancelled, Appointment{ID: "a1", Building: "rathaus-1"}, opTime)
	q.Origin, q.Seq, q.HLC = "a", 1, MakeHLC(opTime.UnixMilli(), 0)
	s1 := MailSentOp(q.Entity, "m1", opTime.Add(time.Minute))
	s1.Origin, s1.Seq, s1.HLC = "a", 2, MakeHLC(opTime.Add(time.Minute).UnixMilli(), 0)
	s2 := MailSentOp(q.Entity, "m2", opTime.Add(2*time.Minute))
	s2.Origin, s2.Seq, s2.HLC = "b", 1, MakeHLC(opTime.Add(2*time.Minute).UnixMilli(), 0)
	m, ok, err := FoldMail(q.Entity, []Op{s2, s1, q})
	if err != nil || !ok || m.SentBy != "a" || m.MessageID != "m1" || m.Kind != MailCancelled || m.Appointment != "a1" {
		t.Errorf("fold: %+v %v %v", m, ok, err)
	}
	if _, ok, _ := FoldMail(q.Entity, []Op{s1}); ok {
		t.Error("a sent marker alone is no mail")
	}
}

// TestMailSitesNamedOnBothSidesOfASplit: m was the mail site; during a
// split, x is named on m's side and y on the other. m's release reaches
// x's side only, so y sends nothing until the split heals, and then the
// later configuration wins and waits for the other's release.
func TestMailSitesNamedOnBothSidesOfASplit(t *testing.T) {
	base := &mailLog{at: opTime}
	base.configure("m", "m")
	side1 := &mailLog{at: base.at, ops: append([]Op(nil), base.ops...)}
	side2 := &mailLog{at: base.at, ops: append([]Op(nil), base.ops...)}
	side1.configure("x", "x")
	side1.release("m")
	side2.configure("y", "y")
	if !side1.state().MaySend("x", none) {
		t.Error("x, with m's release, may not send")
	}
	if side2.state().MaySend("y", none) {
		t.Error("y sends without m's release")
	}
	// Healed: every op of both sides; the seqs of one log are renumbered
	// per origin, as each origin wrote them.
	healed := &mailLog{at: side2.at}
	seqs := map[string]uint64{}
	for _, op := range append(side1.ops, side2.ops[len(base.ops):]...) {
		seqs[op.Origin]++
		op.Seq = seqs[op.Origin]
		healed.ops = append(healed.ops, op)
	}
	st := healed.state()
	if st.Config.Site != "y" || st.MaySend("y", none) || !st.OwesRelease("x") {
		t.Errorf("healed: mail site %s, may y send %v, owes x %v", st.Config.Site, st.MaySend("y", none), st.OwesRelease("x"))
	}
}
