-- certsum authentication storage: OAuth clients (personal access tokens owned by an identity,
-- and API clients without one) and the token-signing keys every replica shares, so that
-- every replica sees every client and accepts every other replica's tokens. Secrets are
-- stored only as the auth package's hash. seq orders rows created in the same millisecond.
-- Deleting an identity deletes its tokens.
CREATE TABLE oauth_clients (
	id          text COLLATE "C" PRIMARY KEY,
	name        text NOT NULL,
	identity_id text COLLATE "C" REFERENCES identities(id) ON DELETE CASCADE,
	levels      text[] NOT NULL DEFAULT '{}',
	scopes      text[] NOT NULL DEFAULT '{}',
	secret_hash bytea NOT NULL,
	created     timestamptz NOT NULL,
	last_used   timestamptz,
	seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX oauth_clients_identity ON oauth_clients(identity_id);
CREATE INDEX oauth_clients_created ON oauth_clients(created, id);

-- private_key is PKCS#8 DER, public_key PKIX DER. retired and not_after are NULL while the
-- key is the active signer; a retired key verifies until not_after, then is pruned.
CREATE TABLE signing_keys (
	id          text COLLATE "C" PRIMARY KEY,
	algorithm   text NOT NULL,
	private_key bytea NOT NULL,
	public_key  bytea NOT NULL,
	created     timestamptz NOT NULL,
	retired     timestamptz,
	not_after   timestamptz,
	seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE
);
CREATE INDEX signing_keys_not_after ON signing_keys(not_after) WHERE not_after IS NOT NULL;
