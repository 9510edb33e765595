-- The clerks' inbox (engine/inbox.go): a fold of its ops, like the rest.
CREATE TABLE inbox (
	id         TEXT    PRIMARY KEY,
	building   TEXT    NOT NULL,
	created_at INTEGER NOT NULL, -- Unix ms
	resolved   INTEGER NOT NULL, -- 0 open, 1 resolved
	doc        BLOB    NOT NULL
) WITHOUT ROWID;
CREATE INDEX inbox_building ON inbox (building, resolved, created_at);
