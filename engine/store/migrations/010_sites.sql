-- Enrolled sites (engine/site.go): folded from site.enrolled and
-- site.revoked ops. A site's key comes from its enrollment only; the keys
-- learnt from hellos before (trust on first use) are dropped, this site's
-- own is written back at open (signingKey).
CREATE TABLE sites (
	site TEXT PRIMARY KEY,
	doc  BLOB NOT NULL
) WITHOUT ROWID;
DELETE FROM site_keys;

-- Ops the fold refuses (engine.Authorize, engine.CheckOp): kept in the
-- log, so chains and vectors stay whole, and never folded.
CREATE TABLE refused_ops (
	origin      TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	entity_type TEXT NOT NULL,
	entity      TEXT NOT NULL,
	reason      TEXT NOT NULL,
	PRIMARY KEY (origin, seq)
) WITHOUT ROWID;

-- Invitations this site made: only the hash of the secret is kept, and
-- only here (an invitation is redeemed at the site that made it, once).
CREATE TABLE invitations (
	secret_hash BLOB PRIMARY KEY,
	site        TEXT NOT NULL,
	building    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	created_by  TEXT NOT NULL,
	expires_at  INTEGER NOT NULL,
	used_at     INTEGER
) WITHOUT ROWID;
