-- Who may see what (engine/account.go): staff accounts, paired kiosks and
-- monitors, and the audit log. Folds of their ops, like the rest.
CREATE TABLE accounts (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE devices (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit (
	id       TEXT    PRIMARY KEY,
	at       INTEGER NOT NULL, -- Unix ms
	user     TEXT    NOT NULL,
	doc      BLOB    NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_user ON audit (user, at);
