package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"pforte/engine"
	"pforte/engine/store"
)

// trustSeed is seedOps as the demo seed: written by every site itself.
func trustSeed() []engine.Op {
	ops := seedOps()
	for i := range ops {
		ops[i].Origin, ops[i].Author = engine.DemoOrigin, engine.DemoOrigin
	}
	return ops
}

func openTrusted(t *testing.T, name string, clock engine.Clock) *store.Store {
	t.Helper()
	s := mustOpen(t, filepath.Join(t.TempDir(), "pforte.db"), name, clock)
	mustApply(t, s, trustSeed())
	return s
}

// enroll has root's admin invite s and redeems the invitation, as the
// data channel does (sync/enroll.go), and s records the root.
func enroll(t *testing.T, root, s *store.Store, author, building string) {
	t.Helper()
	ctx := context.Background()
	secret := []byte("secret of " + s.Site())
	sum := sha256.Sum256(secret)
	if err := root.CreateInvitation(ctx, author, s.Site(), building, sum[:], wednesdayMorning.Add(time.Hour)); err != nil {
		t.Fatalf("invite %s: %v", s.Site(), err)
	}
	if _, err := root.RedeemInvitation(ctx, secret, s.Site(), building, s.PublicKey()); err != nil {
		t.Fatalf("enroll %s: %v", s.Site(), err)
	}
	if err := s.JoinCluster(ctx, root.Site(), root.PublicKey()); err != nil {
		t.Fatal(err)
	}
}

// feed gives to every op of from that to lacks, in one batch.
func feed(t *testing.T, from, to *store.Store) {
	t.Helper()
	ctx := context.Background()
	for origin := range mustVector(t, from) {
		if origin == engine.DemoOrigin {
			continue
		}
		ops, err := from.OpsAfter(ctx, origin, mustVector(t, to)[origin], 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := to.ApplyRemote(ctx, ops); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVector(t *testing.T, s *store.Store) map[string]uint64 {
	t.Helper()
	v, err := s.Vector(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func renamed(t *testing.T, s *store.Store, author, name string) {
	t.Helper()
	b, err := s.Building(context.Background(), "rathaus-1")
	if err != nil {
		t.Fatal(err)
	}
	b.Name = name
	if b.SlotMinutes == 0 { // the seed leaves them out; Validate wants them
		b.SlotMinutes, b.TicketPrefix = 15, "A"
	}
	if err := s.DefineBuilding(context.Background(), author, b); err != nil {
		t.Fatalf("%s renames rathaus-1 to %s: %v", author, name, err)
	}
}

func account(t *testing.T, s *store.Store, author, user string, roles ...string) {
	t.Helper()
	_, exists := s.Principals().Accounts[user]
	if _, err := s.DefineAccount(context.Background(), author, engine.AccountSpec{User: user, Name: user, Roles: roles},
		!exists, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"); err != nil {
		t.Fatalf("%s defines %s: %v", author, user, err)
	}
}

func refusedRefs(t *testing.T, s *store.Store) []string {
	t.Helper()
	rs, err := s.RefusedOps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s/%d %s by %s", r.Origin, r.Seq, r.Kind, r.Author))
	}
	slices.Sort(out)
	return out
}

// TestAuthorizationIsDecidedByTheFold: configuration and account ops count
// only when their author held admin at that point of the log. Every store
// that is fed the same ops, in any order and any batches, refuses the
// same ones and shows the same configuration.
func TestAuthorizationIsDecidedByTheFold(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(wednesdayMorning)
	root := openTrusted(t, "root", clock)
	if did, err := root.SelfEnroll(ctx, "rathaus-1"); err != nil || !did {
		t.Fatalf("self-enroll: %v %v", did, err)
	}
	branch := openTrusted(t, "branch", clock)
	// Setting up at the root: no admin yet, so the site itself may.
	account(t, root, "root", "anna", engine.RoleAdmin)
	enroll(t, root, branch, "anna", "buergerbuero")
	account(t, root, "anna", "bob", engine.RoleAdmin)
	account(t, root, "anna", "carl", engine.RoleClerk)
	clock.Add(time.Minute)
	renamed(t, root, "bob", "Rathaus I (Bob)")   // counts
	renamed(t, root, "carl", "Rathaus I (Carl)") // a clerk: refused
	if _, err := root.DefineAccount(ctx, "root", engine.AccountSpec{User: "mallory", Name: "M", Roles: []string{engine.RoleAdmin}},
		true, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"); err == nil {
		t.Error("the console made an admin after anna existed") // (the fold refused it, and the write with it)
	}
	clock.Add(time.Minute)
	feed(t, root, branch)
	// At the branch: bob loses admin, then renames again (refused); a
	// console user writes as the branch site (refused: not the root).
	account(t, branch, "anna", "bob", engine.RoleManager)
	clock.Add(time.Minute)
	renamed(t, branch, "bob", "Rathaus I (Bob, später)")
	renamed(t, branch, "branch", "Rathaus I (Konsole)")
	renamed(t, branch, "anna", "Rathaus I")
	feed(t, branch, root)

	want := []string{
		"branch/3 building.defined by bob",
		"branch/4 building.defined by branch",
		"root/10 building.defined by carl",
	}
	if got := refusedRefs(t, root); !slices.Equal(got, want) {
		t.Fatalf("root refuses\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if b, _ := root.Building(ctx, "rathaus-1"); b.Name != "Rathaus I" {
		t.Errorf("root shows rathaus-1 as %q, want anna's last name", b.Name)
	}
	if _, ok := root.Principals().Accounts["mallory"]; ok {
		t.Error("mallory's account, made by the console after an admin existed, counts")
	}

	var all []engine.Op
	for origin := range mustVector(t, root) {
		if origin != engine.DemoOrigin {
			all = append(all, siteOps(t, root, origin)...)
		}
	}
	for seed := range uint64(12) {
		rng := rand.New(rand.NewPCG(seed, 7))
		fresh := openTrusted(t, fmt.Sprintf("fresh-%d", seed), engine.NewFixedClock(wednesdayMorning.Add(time.Hour)))
		if err := fresh.JoinCluster(ctx, root.Site(), root.PublicKey()); err != nil {
			t.Fatal(err)
		}
		for round := 0; len(all) > 0; round++ {
			held := mustVector(t, fresh)
			var missing []engine.Op
			for _, op := range all {
				if op.Seq > held[op.Origin] {
					missing = append(missing, op)
				}
			}
			if len(missing) == 0 {
				break
			}
			if round > 200 {
				t.Fatalf("seed %d: stuck with %d ops missing", seed, len(missing))
			}
			rng.Shuffle(len(missing), func(i, j int) { missing[i], missing[j] = missing[j], missing[i] })
			for len(missing) > 0 {
				n := min(len(missing), 1+rng.IntN(5))
				if _, err := fresh.ApplyRemote(ctx, missing[:n]); err != nil {
					t.Fatal(err)
				}
				missing = missing[n:]
			}
		}
		if got := refusedRefs(t, fresh); !slices.Equal(got, want) {
			t.Errorf("seed %d: a fresh store refuses\n%s\nwant\n%s", seed, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if b, _ := fresh.Building(ctx, "rathaus-1"); b.Name != "Rathaus I" {
			t.Errorf("seed %d: rathaus-1 is %q", seed, b.Name)
		}
		if acc := fresh.Principals().Accounts["bob"]; acc.HasRole(engine.RoleAdmin) {
			t.Errorf("seed %d: bob is admin still", seed)
		}
	}
}

// TestRevocationCutsAnOrigin: a revoked site's ops up to the cut stay, the
// ones after are dropped where they are held and refused where they come
// later; its name is never enrolled again.
func TestRevocationCutsAnOrigin(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(wednesdayMorning)
	root := openTrusted(t, "root", clock)
	root.SelfEnroll(ctx, "rathaus-1")
	laptop := openTrusted(t, "laptop", clock)
	other := openTrusted(t, "other", clock)
	account(t, root, "root", "anna", engine.RoleAdmin)
	enroll(t, root, laptop, "anna", "rathaus-1")
	enroll(t, root, other, "anna", "rathaus-1")
	feed(t, root, laptop)
	feed(t, root, other)
	before := mustRegister(t, laptop, maria())
	cut := mustVector(t, laptop)["laptop"]
	after := mustRegister(t, laptop, maria())
	feed(t, laptop, other) // other holds both
	if _, err := other.Visit(ctx, after.ID); err != nil {
		t.Fatal(err)
	}

	if _, err := root.Revoke(ctx, "anna", "laptop", cut, "gestohlen"); err != nil {
		t.Fatal(err)
	}
	late := mustRegister(t, laptop, maria())
	feed(t, root, other)
	for _, s := range []*store.Store{root, other} {
		feed(t, laptop, s)
		if _, err := s.Visit(ctx, before.ID); err != nil {
			t.Errorf("%s lost the visit before the cut: %v", s.Site(), err)
		}
		for _, v := range []engine.Visit{after, late} {
			if _, err := s.Visit(ctx, v.ID); engine.AsError(err).Code != engine.CodeNotFound {
				t.Errorf("%s shows %s, written after the cut (%v)", s.Site(), v.ID, err)
			}
		}
		if got := mustVector(t, s)["laptop"]; got != cut {
			t.Errorf("%s holds laptop's ops up to %d, want the cut %d", s.Site(), got, cut)
		}
		keys, _ := s.PeerKeys(ctx)
		if _, ok := keys["laptop"]; ok {
			t.Errorf("%s still talks to the revoked laptop", s.Site())
		}
	}
	sum := sha256.Sum256([]byte("again"))
	err := root.CreateInvitation(ctx, "anna", "laptop", "rathaus-1", sum[:], wednesdayMorning.Add(time.Hour))
	wantError(t, err, engine.CodeInvalidField, "site")
}

// TestInvitationWorksOnceAndExpires.
func TestInvitationWorksOnceAndExpires(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(wednesdayMorning)
	root := openTrusted(t, "root", clock)
	root.SelfEnroll(ctx, "rathaus-1")
	a, b := openTrusted(t, "a", clock), openTrusted(t, "b", clock)
	secret := []byte("0123456789abcdef")
	sum := sha256.Sum256(secret)
	if err := root.CreateInvitation(ctx, "root", "a", "rathaus-1", sum[:], wednesdayMorning.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := root.RedeemInvitation(ctx, secret, "a", "buergerbuero", a.PublicKey()); !errors.Is(err, store.ErrInvitation) {
		t.Errorf("another building: %v", err)
	}
	if _, err := root.RedeemInvitation(ctx, secret, "a", "rathaus-1", a.PublicKey()); err != nil {
		t.Fatal(err)
	}
	if _, err := root.RedeemInvitation(ctx, secret, "a", "rathaus-1", b.PublicKey()); !errors.Is(err, store.ErrInvitation) {
		t.Errorf("used twice: %v", err)
	}
	secret2 := []byte("fedcba9876543210")
	sum2 := sha256.Sum256(secret2)
	if err := root.CreateInvitation(ctx, "root", "b", "rathaus-1", sum2[:], wednesdayMorning.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	if _, err := root.RedeemInvitation(ctx, secret2, "b", "rathaus-1", b.PublicKey()); !errors.Is(err, store.ErrInvitation) ||
		!strings.Contains(err.Error(), "expired") {
		t.Errorf("expired: %v", err)
	}
	if names := siteNames(root); !slices.Equal(names, []string{"root", "a"}) {
		t.Errorf("enrolled %v", names)
	}
}

func siteNames(s *store.Store) []string {
	var out []string
	for _, x := range s.Sites() {
		out = append(out, x.Site)
	}
	return out
}

// TestReplicatedTextIsHeldToLocalRules: a visit whose name carries a
// right-to-left override, signed by an enrolled site, is kept (its chain
// stays whole) but never shown, and listed as refused.
func TestReplicatedTextIsHeldToLocalRules(t *testing.T) {
	ctx := context.Background()
	clock := engine.NewFixedClock(wednesdayMorning)
	root := openTrusted(t, "root", clock)
	root.SelfEnroll(ctx, "rathaus-1")
	b := openTrusted(t, "b", clock)
	enroll(t, root, b, "root", "rathaus-1")
	feed(t, root, b)
	n := maria()
	if _, err := b.RegisterVisit(ctx, "reception", engine.NewVisit{Building: n.Building, Name: "Maria \u202eredienhcS",
		Phone: n.Phone, Host: n.Host, Reason: n.Reason}); err == nil {
		t.Fatal("local input took a name with U+202E")
	}
	// A broken peer writes it anyway: its op, signed, the next of its log.
	op := engine.RegisterOp("0193a1b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", engine.NewVisit{Building: n.Building,
		Name: "Maria \u202eredienhcS", Phone: n.Phone, Host: n.Host, Reason: n.Reason}, wednesdayMorning)
	op.Origin, op.Seq, op.Author, op.HLC = "b", mustVector(t, b)["b"]+1, "reception", engine.MakeHLC(wednesdayMorning.UnixMilli(), 0)
	if own := siteOps(t, b, "b"); len(own) > 0 {
		op.Prev = own[len(own)-1].Hash()
	}
	op = engine.Sign(op, b.SigningKey())
	res, err := root.ApplyRemote(ctx, []engine.Op{op})
	if err != nil || res.Applied != 1 {
		t.Fatalf("applied %+v: %v", res, err)
	}
	if _, err := root.Visit(ctx, op.Entity); err == nil {
		t.Error("the visit with U+202E is shown")
	}
	if got := refusedRefs(t, root); len(got) != 1 || !strings.HasPrefix(got[0], "b/") {
		t.Errorf("refused %v", got)
	}
}
