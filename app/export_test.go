package app

import (
	"context"

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

// SessionCookie is the name of the session cookie.
const SessionCookie = sessionCookie
