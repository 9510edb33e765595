-- The outbox (engine/mail.go, store/outbox.go): one row per mail, folded
-- from mail.queued and mail.sent. attempts, next_attempt, last_error and
-- dropped are this site's delivery state: never replicated, kept across
-- re-folds. No mail body is ever stored: the sender renders each mail
-- from its appointment when it sends it.
CREATE TABLE outbox (
	id           TEXT    PRIMARY KEY, -- engine.MailID: kind ":" appointment
	kind         TEXT    NOT NULL,
	appointment  TEXT    NOT NULL,
	building     TEXT    NOT NULL,
	queued_at    INTEGER NOT NULL, -- Unix ms
	sent_at      INTEGER,          -- Unix ms; NULL while unsent
	sent_by      TEXT,             -- the site that sent it
	message_id   TEXT,
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0, -- Unix ms
	last_error   TEXT,
	dropped      TEXT              -- why it will never be sent ("purged")
) WITHOUT ROWID;
CREATE INDEX outbox_due ON outbox (next_attempt, queued_at) WHERE sent_at IS NULL AND dropped IS NULL;
CREATE INDEX outbox_appointment ON outbox (appointment);

-- The mail site (engine.MailState), folded from mail.configured and
-- mail.released: one row.
CREATE TABLE mail_state (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	doc BLOB NOT NULL
);

-- The SMTP password, entered at this site and kept here only: it is in no
-- op and never leaves the site.
CREATE TABLE mail_secret (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	password TEXT NOT NULL
);
