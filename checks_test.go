package certsum

import "testing"

// The rules for new objects each name the field they refuse, and pass a complete object.
func TestNewObjectRulesNameTheField(t *testing.T) {
	key := func(edit func(*SigningKey)) *SigningKey {
		k := &SigningKey{ID: "k1", Algorithm: "ES256", PrivateKey: []byte{1}, PublicKey: []byte{2}}
		edit(k)
		return k
	}
	client := func(edit func(*OAuthClient)) *OAuthClient {
		c := &OAuthClient{ID: "c1", Name: "CI", SecretHash: []byte{1}}
		edit(c)
		return c
	}
	cases := []struct {
		name  string
		err   error
		field string // "" for no error
	}{
		{"complete key", CheckNewSigningKey(key(func(*SigningKey) {})), ""},
		{"no key", CheckNewSigningKey(nil), "key"},
		{"blank kid", CheckNewSigningKey(key(func(k *SigningKey) { k.ID = " " })), "kid"},
		{"blank algorithm", CheckNewSigningKey(key(func(k *SigningKey) { k.Algorithm = " " })), "alg"},
		{"no public key", CheckNewSigningKey(key(func(k *SigningKey) { k.PublicKey = nil })), "key"},
		{"complete client", CheckNewClient(client(func(*OAuthClient) {})), ""},
		{"no client", CheckNewClient(nil), "client"},
		{"blank client name", CheckNewClient(client(func(c *OAuthClient) { c.Name = "" })), "name"},
		{"no secret hash", CheckNewClient(client(func(c *OAuthClient) { c.SecretHash = nil })), "secretHash"},
		{"identity", CheckNewIdentity(&Identity{Name: "Ada"}), ""},
		{"nameless identity", CheckNewIdentity(&Identity{}), "name"},
	}
	for _, tc := range cases {
		if tc.field == "" {
			if tc.err != nil {
				t.Errorf("%s: %v", tc.name, tc.err)
			}
			continue
		}
		e, ok := tc.err.(*Error)
		if !ok || e.Code != CodeInvalid || e.Field != tc.field {
			t.Errorf("%s: %#v, want invalid naming %q", tc.name, tc.err, tc.field)
		}
	}
}
