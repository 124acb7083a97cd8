package auth

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/certsum/certsum"
)

// LevelAPI is the one user level of a client without an identity: it has no user context,
// so no user level applies to it.
const LevelAPI = "API"

// knownLevels are the user levels SailPoint's v2024 API names (docs/api.md).
var knownLevels = []string{
	certsum.LevelOrgAdmin, "SOURCE_ADMIN", "SOURCE_SUBADMIN", certsum.LevelCertAdmin, "ROLE_ADMIN",
	"ROLE_SUBADMIN", certsum.LevelReportAdmin, "HELPDESK", certsum.LevelUser, LevelAPI, "APPROVAL_OWNER",
}

// The built-in administrator identity that `certsum clients create --level ORG_ADMIN` and
// the demo give their first client to on a fresh install.
const (
	AdminIdentityID   = "00000000000000000000000000000001"
	AdminIdentityName = "certsum-admin"
)

// ClientSpec describes a client to register.
type ClientSpec struct {
	// Name labels the client in listings. Default: derived from the identity.
	Name string
	// Identity is the id or exact name of the identity a personal access token acts for;
	// empty registers an API client without user context.
	Identity string
	// Levels are the user levels the token carries (upper case, e.g. ORG_ADMIN). Default
	// USER for a personal access token; an API client may only have API (its default).
	Levels []string
	// Scopes are the scopes the client may be granted. Default sp:scopes:all, as for a
	// SailPoint personal access token created without scopes.
	Scopes []string
}

// CreateClient registers a client and returns it with its secret, which is shown only this
// once: the store keeps a hash. Errors: invalid (bad name, level or scope; user levels
// without an identity), reference (no such identity), invalid (ambiguous identity name).
func (s *Service) CreateClient(ctx context.Context, spec ClientSpec) (*certsum.OAuthClient, string, error) {
	c, secret, err := s.createClient(ctx, spec)
	if err == nil {
		s.logger.Info("client created", "client_id", c.ID, "identity_id", c.IdentityID, "levels", c.Levels, "scopes", c.Scopes)
	}
	return c, secret, err
}

// createClient is CreateClient without the log line, for callers that log a batch once.
func (s *Service) createClient(ctx context.Context, spec ClientSpec) (*certsum.OAuthClient, string, error) {
	c := &certsum.OAuthClient{ID: certsum.NewID(), Created: certsum.NewTime(s.now())}
	var owner *certsum.Identity
	if ident := strings.TrimSpace(spec.Identity); ident != "" {
		id, err := s.store.FindIdentity(ctx, ident)
		if err != nil {
			if certsum.ErrorCode(err) == certsum.CodeNotFound {
				return nil, "", &certsum.Error{Code: certsum.CodeReference, Field: "identity",
					Message: fmt.Sprintf("no identity has the id or name %q", ident)}
			}
			return nil, "", fmt.Errorf("find identity %q: %w", ident, err)
		}
		owner = id
		c.IdentityID = id.ID
	}
	levels, err := normalizeLevels(spec.Levels, owner != nil)
	if err != nil {
		return nil, "", err
	}
	c.Levels = levels
	if c.Scopes, err = normalizeScopes(spec.Scopes); err != nil {
		return nil, "", err
	}
	if c.Name, err = clientName(spec.Name, owner); err != nil {
		return nil, "", err
	}
	secret := newSecret()
	c.SecretHash = hashSecret(c.ID, secret)
	if err := s.store.CreateClient(ctx, c); err != nil {
		return nil, "", fmt.Errorf("create client: %w", err)
	}
	s.clients.forget(c.ID)
	return c, secret, nil
}

// DeleteClient removes a client. Its tokens stop verifying on this Service at once and on
// other replicas within 30 seconds. Errors: not_found.
func (s *Service) DeleteClient(ctx context.Context, id string) error {
	if err := s.store.DeleteClient(ctx, id); err != nil {
		return fmt.Errorf("delete client %s: %w", id, err)
	}
	s.clients.forget(id)
	s.logger.Info("client deleted", "client_id", id)
	return nil
}

// normalizeLevels upper-cases, checks and de-duplicates user levels, and applies the
// defaults.
func normalizeLevels(in []string, hasUser bool) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, l := range in {
		l = strings.ToUpper(strings.TrimSpace(l))
		if !slices.Contains(knownLevels, l) {
			return nil, certsum.Invalidf("level", "%q is not a user level (one of %s)", l, strings.Join(knownLevels, ", "))
		}
		if !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		if hasUser {
			return []string{certsum.LevelUser}, nil
		}
		return []string{LevelAPI}, nil
	}
	if !hasUser && (len(out) != 1 || out[0] != LevelAPI) {
		return nil, certsum.Invalidf("level",
			"a client without an identity has no user context, so it cannot carry user levels (%s); name the identity it acts for",
			strings.Join(out, ", "))
	}
	return out, nil
}

// normalizeScopes checks and de-duplicates scopes, defaulting to sp:scopes:all.
func normalizeScopes(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, sc := range in {
		sc = strings.TrimSpace(sc)
		if sc == "sp:scope:all" {
			sc = certsum.ScopeAll
		}
		if err := checkScope(sc); err != nil {
			return nil, err
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		out = append(out, certsum.ScopeAll)
	}
	return out, nil
}

// clientName checks a given name or derives one.
func clientName(name string, owner *certsum.Identity) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		if owner != nil {
			return "PAT of " + owner.Name, nil
		}
		return "API client", nil
	}
	if len(name) > 128 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", certsum.Invalidf("name", "a client name is at most 128 characters without control characters")
	}
	return name, nil
}

// EnsureAdminIdentity returns the built-in administrator identity (AdminIdentityID),
// creating it when the inventory does not have it yet. It is safe to call from several
// processes at once.
func (s *Service) EnsureAdminIdentity(ctx context.Context) (*certsum.Identity, error) {
	find := func() (*certsum.Identity, error) {
		id, err := s.store.FindIdentity(ctx, AdminIdentityID)
		if err == nil && id.ID != AdminIdentityID { // a name match, not the built-in identity
			return nil, certsum.NotFoundf("identity %s", AdminIdentityID)
		}
		return id, err
	}
	id, err := find()
	if err == nil {
		return id, nil
	}
	if certsum.ErrorCode(err) != certsum.CodeNotFound {
		return nil, fmt.Errorf("find the administrator identity: %w", err)
	}
	admin := &certsum.Identity{ID: AdminIdentityID, Name: AdminIdentityName, Title: "Built-in administrator"}
	if err := s.store.CreateIdentity(ctx, admin); err != nil {
		if certsum.ErrorCode(err) == certsum.CodeConflict { // another process was first
			if id, ferr := find(); ferr == nil {
				return id, nil
			}
		}
		return nil, fmt.Errorf("create the administrator identity: %w", err)
	}
	s.logger.Info("administrator identity created", "identity_id", admin.ID, "name", admin.Name)
	return admin, nil
}

// Credentials are a newly registered client and its secret, as shown once.
type Credentials struct {
	Client *certsum.OAuthClient
	Secret string
	// IdentityName names the identity the client acts for ("" for an API client).
	IdentityName string
}

// Env returns the credentials as environment assignments both official SDKs read, one per
// line: SAIL_BASE_URL (only when baseURL is given), SAIL_CLIENT_ID and SAIL_CLIENT_SECRET.
func (c Credentials) Env(baseURL string) string {
	var b strings.Builder
	if baseURL != "" {
		b.WriteString("SAIL_BASE_URL=" + strings.TrimRight(baseURL, "/") + "\n")
	}
	b.WriteString("SAIL_CLIENT_ID=" + c.Client.ID + "\n")
	b.WriteString("SAIL_CLIENT_SECRET=" + c.Secret + "\n")
	return b.String()
}

// CreateAdminClient registers an ORG_ADMIN personal access token for the built-in
// administrator identity, creating that identity when needed: how a fresh install gets its
// first credentials.
func (s *Service) CreateAdminClient(ctx context.Context, name string, scopes []string) (Credentials, error) {
	admin, err := s.EnsureAdminIdentity(ctx)
	if err != nil {
		return Credentials{}, err
	}
	c, secret, err := s.CreateClient(ctx, ClientSpec{
		Name: name, Identity: admin.ID, Levels: []string{certsum.LevelOrgAdmin}, Scopes: scopes,
	})
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{Client: c, Secret: secret, IdentityName: admin.Name}, nil
}

// CreateDemoClients registers the credentials `certsum serve --demo` prints: an ORG_ADMIN
// token for the built-in administrator first, then one USER token with sp:scopes:all per
// reviewer identity (by id or name, duplicates ignored), in the order given. Every call
// registers new clients, since secrets cannot be shown twice; one log line tells how many.
func (s *Service) CreateDemoClients(ctx context.Context, reviewers []string) ([]Credentials, error) {
	out := make([]Credentials, 0, len(reviewers)+1)
	admin, err := s.EnsureAdminIdentity(ctx)
	if err != nil {
		return nil, fmt.Errorf("demo administrator client: %w", err)
	}
	ac, asecret, err := s.createClient(ctx, ClientSpec{Name: "demo administrator", Identity: admin.ID, Levels: []string{certsum.LevelOrgAdmin}})
	if err != nil {
		return nil, fmt.Errorf("demo administrator client: %w", err)
	}
	out = append(out, Credentials{Client: ac, Secret: asecret, IdentityName: admin.Name})
	defer func() {
		s.logger.Info("demo clients created", "clients", len(out), "administrator_client_id", ac.ID, "reviewer_clients", len(out)-1)
	}()
	seen := map[string]bool{}
	for _, r := range reviewers {
		id, err := s.store.FindIdentity(ctx, r)
		if err != nil {
			return out, fmt.Errorf("demo reviewer %q: %w", r, err)
		}
		if seen[id.ID] {
			continue
		}
		seen[id.ID] = true
		c, secret, err := s.createClient(ctx, ClientSpec{
			Name: "demo reviewer " + id.Name, Identity: id.ID, Levels: []string{certsum.LevelUser},
		})
		if err != nil {
			return out, fmt.Errorf("demo reviewer %q: %w", r, err)
		}
		out = append(out, Credentials{Client: c, Secret: secret, IdentityName: id.Name})
	}
	return out, nil
}
