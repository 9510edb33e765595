-- Replication: every op carries its origin's ed25519 signature and the
-- hash of its personal data (kept when the purge erases the data, so the
-- signature still verifies). Ops written before signing have neither until
-- the site signs its own at the first open with a key (see signingKey).
ALTER TABLE ops ADD COLUMN personal_hash BLOB;
ALTER TABLE ops ADD COLUMN sig BLOB;

-- The public key of every site known, this one included: first key wins.
-- The site's own private key is in meta ('signing_key', base64 seed).
CREATE TABLE site_keys (
	site       TEXT PRIMARY KEY,
	public_key BLOB NOT NULL
) WITHOUT ROWID;
