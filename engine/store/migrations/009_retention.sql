-- Retention (engine/retention.go): holds keep records from the purge,
-- erased lists the records erased on request (their personal data is
-- stripped from any op that still arrives), and a partial index finds
-- the ops that still carry personal data without reading the others.
CREATE TABLE holds (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE erased (
	entity TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE INDEX ops_personal ON ops (kind) WHERE personal IS NOT NULL;
