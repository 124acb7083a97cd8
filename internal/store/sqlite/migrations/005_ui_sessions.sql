-- The dashboard's sessions (internal/ui), here so that every replica serves every browser.
-- id_hash is the SHA-256 of the id in the browser's cookie; token is the access token the
-- sign-in obtained, verified again on every request.
CREATE TABLE ui_sessions (
	id_hash   TEXT PRIMARY KEY,
	token     TEXT NOT NULL,
	csrf      TEXT NOT NULL,
	expires   TEXT NOT NULL,
	last_seen TEXT NOT NULL
);
CREATE INDEX ui_sessions_expires ON ui_sessions(expires);
