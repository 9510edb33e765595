-- Counters, rooms and appointments: folds of their ops, like the rest.
CREATE TABLE counters (
	id       TEXT PRIMARY KEY,
	building TEXT NOT NULL,
	doc      BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE rooms (
	id       TEXT PRIMARY KEY,
	building TEXT NOT NULL,
	doc      BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE appointments (
	id         TEXT PRIMARY KEY,
	building   TEXT    NOT NULL,
	day        TEXT    NOT NULL, -- local day of the start
	start      INTEGER NOT NULL, -- Unix ms
	status     TEXT    NOT NULL,
	code       TEXT    NOT NULL,
	birth_date TEXT    NOT NULL,
	called_at  INTEGER NOT NULL, -- Unix ms, 0 until called
	doc        BLOB    NOT NULL
) WITHOUT ROWID;
CREATE INDEX appointments_building_day ON appointments (building, day, start);
CREATE INDEX appointments_code ON appointments (code);
CREATE INDEX appointments_birth_date ON appointments (building, day, birth_date);
