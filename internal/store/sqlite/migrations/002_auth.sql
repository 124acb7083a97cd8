-- certsum authentication storage: OAuth clients (personal access tokens owned by an identity,
-- and API clients without one) and the token-signing keys every replica shares. Times are
-- TEXT in certsum.TimeLayout (UTC, milliseconds), so text order is time order.

-- levels and scopes are JSON arrays of strings; secret_hash is the auth package's hash of
-- the client secret, never the secret itself. Deleting an identity deletes its tokens.
CREATE TABLE oauth_clients (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL,
	identity_id TEXT REFERENCES identities(id) ON DELETE CASCADE,
	levels      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(levels) AND json_type(levels) = 'array'),
	scopes      TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scopes) AND json_type(scopes) = 'array'),
	secret_hash BLOB NOT NULL,
	created     TEXT NOT NULL,
	last_used   TEXT
);
CREATE INDEX oauth_clients_identity ON oauth_clients(identity_id);
CREATE INDEX oauth_clients_created ON oauth_clients(created, id);

-- private_key is PKCS#8 DER, public_key PKIX DER. retired and not_after are NULL while the
-- key is the active signer; a retired key verifies until not_after, then is pruned.
CREATE TABLE signing_keys (
	id          TEXT PRIMARY KEY,
	algorithm   TEXT NOT NULL,
	private_key BLOB NOT NULL,
	public_key  BLOB NOT NULL,
	created     TEXT NOT NULL,
	retired     TEXT,
	not_after   TEXT
);
CREATE INDEX signing_keys_not_after ON signing_keys(not_after) WHERE not_after IS NOT NULL;
