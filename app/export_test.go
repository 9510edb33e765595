package app

import (
	"context"
	"errors"

	"pforte/engine"
)

// RedefineBuildingForTest stands for an admin's change that arrived from
// elsewhere: b as a new definition from the demo origin, newer than the
// seed. Tests use it to escrow a building without the PUT.
func (a *App) RedefineBuildingForTest(ctx context.Context, b engine.Building) error {
	vector, err := a.store.Vector(ctx)
	if err != nil {
		return err
	}
	op := engine.DefineOp(engine.KindBuildingDefined, b.ID, b)
	op.Origin, op.Author = demoOrigin, demoOrigin
	op.Seq = vector[demoOrigin] + 1
	op.HLC = engine.MakeHLC(a.clock.Now().UnixMilli(), 0)
	_, err = a.store.Apply(ctx, []engine.Op{op})
	return err
}

// BuildingForTest returns a building's current definition.
func (a *App) BuildingForTest(ctx context.Context, id string) (engine.Building, error) {
	return a.store.Building(ctx, id)
}

// SessionForTest signs user in without the password (the sign-in itself
// has its own tests, and argon2id under the race detector costs seconds)
// and returns the session cookie's value.
func (a *App) SessionForTest(user string) string {
	token, _ := a.sessions.create(user, a.clock.Now())
	return token
}

// SessionCookieForTest is the name of the site's session cookie.
func (a *App) SessionCookieForTest() string { return a.cookieName(sessionCookie) }

// RouteRule is what the route table declares for one route.
type RouteRule struct {
	Pattern  string
	Open     bool
	Anyone   bool
	Roles    []string
	Devices  []string
	LockedOK bool
	Audited  bool
}

// RouteTableForTest returns the route table's rules.
func (a *App) RouteTableForTest() []RouteRule {
	var out []RouteRule
	for _, rt := range a.routes() {
		out = append(out, RouteRule{Pattern: rt.pattern, Open: rt.allow.open, Anyone: rt.allow.anyone,
			Roles: rt.allow.roles, Devices: rt.allow.devices, LockedOK: rt.allow.lockedOK, Audited: rt.audit != ""})
	}
	return out
}

// OpsForTest returns every op the site holds; an error once it is closed.
func (a *App) OpsForTest(ctx context.Context) ([]engine.Op, error) {
	if a.store == nil {
		return nil, errors.New("closed")
	}
	return a.store.Ops(ctx)
}

// LinkTokenForTest is the link token of an online booking: what the
// citizen's mail carries.
func (a *App) LinkTokenForTest(ctx context.Context, id string) (string, error) {
	ap, err := a.store.Appointment(ctx, id)
	return ap.Token, err
}

// ExpireForTest runs the expiry of unconfirmed bookings now.
func (a *App) ExpireForTest(ctx context.Context) { a.expireUnconfirmed(ctx) }
