package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"pforte/engine"
	"pforte/engine/store"
)

// AddUser creates the first admin in the data directory of a stopped site
// (`pforte user add`): the way in for a headless site without a browser
// at hand. The account is an op of that site and replicates when it runs.
// Once an admin exists, the site itself may not make accounts (the fold
// would refuse them): admins make them under Verwaltung → Benutzer.
func AddUser(ctx context.Context, dataDir string, spec engine.AccountSpec, password string, logger *slog.Logger) (engine.Account, error) {
	path := filepath.Join(dataDir, dbFile)
	site, err := store.Owner(ctx, path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return engine.Account{}, fmt.Errorf("--data: no Pforte database in %s (start the site once first)", dataDir)
	case err != nil:
		return engine.Account{}, fmt.Errorf("--data: %w", err)
	case site == "":
		return engine.Account{}, fmt.Errorf("--data: the database in %s belongs to no site yet (start the site once first)", dataDir)
	}
	if err := engine.CheckPassword("password", password); err != nil {
		return engine.Account{}, errors.New("password: at least 8 and at most 200 characters, read from standard input")
	}
	st, err := store.Open(ctx, path, site, engine.SystemClock{})
	if err != nil {
		return engine.Account{}, err
	}
	defer st.Close()
	if _, err := privateDataDir(dataDir); err != nil {
		logger.Warn("could not make the data directory private", "err", err)
	}
	for _, acc := range st.Principals().Accounts {
		if acc.HasRole(engine.RoleAdmin) && !acc.Disabled {
			// Who may change accounts is decided by the fold (engine.Authorize):
			// the site itself may only while no admin exists.
			return engine.Account{}, fmt.Errorf("an admin exists already (%s): accounts are made by an admin under Verwaltung → Benutzer; pforte user add creates only the first admin", acc.ID)
		}
	}
	hash, err := engine.HashPassword(password)
	if err != nil {
		return engine.Account{}, err
	}
	return st.DefineAccount(ctx, site, spec, true, hash)
}
