package auth

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"sync"

	"github.com/certsum/certsum"
)

// memStore is an in-memory implementation of the auth Store interface, a test double of the
// interface (the SQLite backend is tested against real files in its own package). It keeps
// the contract's error codes so the Service's error handling is exercised.
type memStore struct {
	mu         sync.Mutex
	clients    map[string]certsum.OAuthClient
	keys       []certsum.SigningKey
	identities []certsum.Identity

	keyReads int // ListSigningKeys calls, to prove caching
}

var _ Store = (*memStore)(nil)

func newMemStore(ids ...certsum.Identity) *memStore {
	return &memStore{clients: map[string]certsum.OAuthClient{}, identities: ids}
}

func (m *memStore) CreateClient(_ context.Context, c *certsum.OAuthClient) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[c.ID]; ok {
		return certsum.Conflictf("client %s exists", c.ID)
	}
	if c.IdentityID != "" && !slices.ContainsFunc(m.identities, func(i certsum.Identity) bool { return i.ID == c.IdentityID }) {
		return &certsum.Error{Code: certsum.CodeReference, Message: "no identity " + c.IdentityID}
	}
	cp := *c
	cp.Levels, cp.Scopes, cp.SecretHash = slices.Clone(c.Levels), slices.Clone(c.Scopes), slices.Clone(c.SecretHash)
	m.clients[c.ID] = cp
	return nil
}

func (m *memStore) GetClient(_ context.Context, id string) (*certsum.OAuthClient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.clients[id]
	if !ok {
		return nil, certsum.NotFoundf("client %s", id)
	}
	return &c, nil
}

func (m *memStore) ListClients(context.Context) ([]certsum.OAuthClient, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]certsum.OAuthClient, 0, len(m.clients))
	for _, c := range m.clients {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created.Time) })
	return out, nil
}

func (m *memStore) DeleteClient(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[id]; !ok {
		return certsum.NotFoundf("client %s", id)
	}
	delete(m.clients, id)
	return nil
}

func (m *memStore) AddSigningKey(_ context.Context, k *certsum.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.keys {
		if e.ID == k.ID {
			return certsum.Conflictf("key %s exists", k.ID)
		}
	}
	m.keys = append(m.keys, *k)
	return nil
}

func (m *memStore) RetireSigningKey(_ context.Context, kid string, retired, notAfter certsum.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.keys {
		if m.keys[i].ID == kid {
			m.keys[i].Retired, m.keys[i].NotAfter = &retired, &notAfter
			return nil
		}
	}
	return certsum.NotFoundf("key %s", kid)
}

func (m *memStore) ListSigningKeys(context.Context) ([]certsum.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keyReads++
	out := slices.Clone(m.keys)
	// Newest first; insertion order breaks ties between keys created at one instant.
	slices.Reverse(out)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created.Time) })
	return out, nil
}

func (m *memStore) DeleteSigningKeys(_ context.Context, before certsum.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.keys[:0]
	n := 0
	for _, k := range m.keys {
		if k.NotAfter != nil && k.NotAfter.Before(before.Time) {
			n++
			continue
		}
		kept = append(kept, k)
	}
	m.keys = kept
	return n, nil
}

func (m *memStore) ResealSigningKey(_ context.Context, kid string, old, sealed []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, k := range m.keys {
		if k.ID == kid && bytes.Equal(k.PrivateKey, old) {
			m.keys[i].PrivateKey = sealed
			return nil
		}
	}
	return certsum.NotFoundf("signing key %q not found", kid)
}

func (m *memStore) FindIdentity(_ context.Context, idOrName string) (*certsum.Identity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, i := range m.identities {
		if i.ID == idOrName {
			return &i, nil
		}
	}
	var found []certsum.Identity
	for _, i := range m.identities {
		if i.Name == idOrName {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, certsum.NotFoundf("identity %q", idOrName)
	case 1:
		return &found[0], nil
	default:
		return nil, certsum.Invalidf("identity", "%d identities are named %q", len(found), idOrName)
	}
}

func (m *memStore) CreateIdentity(_ context.Context, id *certsum.Identity) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, i := range m.identities {
		if i.ID == id.ID {
			return certsum.Conflictf("identity %s exists", id.ID)
		}
	}
	m.identities = append(m.identities, *id)
	return nil
}

func (m *memStore) CountIdentities(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.identities), nil
}

func (m *memStore) keyReadCount() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.keyReads
}
