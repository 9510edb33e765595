-- Online bookings are found by the hash of the token in the citizen's mail
-- link (engine/public.go); moves copy it, the highest sequence is current.
CREATE INDEX appointments_token ON appointments (json_extract(doc, '$.token_hash'), json_extract(doc, '$.sequence'))
	WHERE json_extract(doc, '$.token_hash') IS NOT NULL;
