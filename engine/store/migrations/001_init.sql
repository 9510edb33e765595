-- The op log: the only write path. (origin, seq) identifies an op; seq is
-- gap-free per origin. data may be kept as long as the op; personal is
-- erased by the retention purge.
CREATE TABLE ops (
	origin      TEXT    NOT NULL,
	seq         INTEGER NOT NULL,
	hlc         INTEGER NOT NULL,
	author      TEXT    NOT NULL,
	kind        TEXT    NOT NULL,
	entity_type TEXT    NOT NULL,
	entity      TEXT    NOT NULL,
	data        BLOB,
	personal    BLOB,
	PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE INDEX ops_entity ON ops (entity_type, entity);

-- This site's identity.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- Materialised state, a fold of the ops (see engine.FoldVisit and friends).
CREATE TABLE buildings (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE services (
	id  TEXT PRIMARY KEY,
	doc BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE staff (
	id       TEXT PRIMARY KEY,
	building TEXT NOT NULL,
	doc      BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE visits (
	id         TEXT PRIMARY KEY,
	building   TEXT    NOT NULL,
	day        TEXT    NOT NULL, -- local (Europe/Berlin) day of arrival
	arrived_at INTEGER NOT NULL, -- Unix ms
	present    INTEGER NOT NULL, -- 1 until the visitor left
	doc        BLOB    NOT NULL
) WITHOUT ROWID;
CREATE INDEX visits_building_day ON visits (building, day, arrived_at);
CREATE INDEX visits_present ON visits (building, present, arrived_at);
