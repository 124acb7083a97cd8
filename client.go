package certsum

// User levels (authorities) that matter to certsum's authorization rules.
const (
	LevelOrgAdmin    = "ORG_ADMIN"
	LevelCertAdmin   = "CERT_ADMIN"
	LevelReportAdmin = "REPORT_ADMIN"
	LevelUser        = "USER"
)

// CampaignReaders are the user levels that see every campaign: getActiveCampaigns, the
// campaign roll-ups, any scope's audit evidence and the dashboard's campaign pages.
var CampaignReaders = []string{LevelOrgAdmin, LevelCertAdmin, LevelReportAdmin}

// Scopes certsum's operations ask for.
const (
	ScopeAll            = "sp:scopes:all"
	ScopeDefault        = "sp:scopes:default"
	ScopeCampaignRead   = "idn:campaign:read"
	ScopeCampaignManage = "idn:campaign:manage"
)

// OAuthClient is a registered OAuth2 client: a personal access token when IdentityID is set
// (its tokens carry that identity and Levels), an API client without user context otherwise.
// The secret is kept only as SecretHash.
type OAuthClient struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	IdentityID string   `json:"identityId,omitempty"`
	Levels     []string `json:"levels"`
	Scopes     []string `json:"scopes"`
	SecretHash []byte   `json:"-"`
	Created    Time     `json:"created"`
	LastUsed   *Time    `json:"lastUsed"`
}

// SigningKey is a token-signing key pair kept in the store, so every replica verifies every
// other's tokens. Retired keys still verify until NotAfter, then are deleted.
type SigningKey struct {
	ID         string `json:"kid"`
	Algorithm  string `json:"alg"`
	PrivateKey []byte `json:"-"` // PKCS#8 DER
	PublicKey  []byte `json:"-"` // PKIX DER
	Created    Time   `json:"created"`
	// Retired is when the key stopped signing (nil while it is the active key).
	Retired *Time `json:"retired"`
	// NotAfter is when the key stops verifying (nil while active).
	NotAfter *Time `json:"notAfter"`
}
