package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
	"github.com/certsum/certsum/internal/clock"
	"github.com/certsum/certsum/internal/lifecycle"
	"github.com/certsum/certsum/internal/ratelimit"
)

// Prefix is the path prefix of every v2024 route.
const Prefix = "/v2024"

// Options configures New.
type Options struct {
	// Store is the storage backend. Required.
	Store certsum.Store
	// Auth verifies bearer tokens and serves /oauth/token and the JWKS document. Required.
	Auth *auth.Service
	// Limiter limits API requests per verified client id, one budget across every
	// generation; nil turns rate limiting off.
	Limiter ratelimit.Limiter
	// Logger receives the access log and error reports; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Runner generates created campaigns in the background; nil leaves them PENDING (for
	// a caller that generates them itself).
	Runner *lifecycle.Runner
	// Clock, when set, is served at /certsum/v1/clock (read, and moved where it is movable).
	Clock *clock.Clock
	// UI, when set, serves the dashboard at /ui/ (internal/ui), and / leads to it.
	UI http.Handler
	// Observer, when set, sees every answered request and every decision made through the
	// API (internal/metrics).
	Observer Observer
	// Metrics, when set, is served at /metrics to ORG_ADMIN tokens.
	Metrics http.Handler
}

// Observer is what internal/metrics learns from the API.
type Observer interface {
	RequestObserver
	ObserveDecisions(ds []certsum.ReviewDecision)
}

// server holds what the handlers share.
type server struct {
	store  certsum.Store
	reader certsum.RawPager // every read of the summaries and lists: readerOf(store)
	now    func() time.Time
	logger *slog.Logger
	ew     *errorWriter
	runner *lifecycle.Runner
	clock  *clock.Clock
	obs    Observer
}

// route is one operation: method, path pattern below a versioned root such as Prefix (in
// net/http ServeMux syntax, with the spec's parameter names), the v2024 spec's operationId
// (without the service-versioned generation's V1 suffix), the user levels of which the
// caller needs one, and the handler. Which generations serve it, where, and the scopes its
// token needs there, are each generation's spec's (generation.go).
type route struct {
	method  string
	pattern string
	op      string
	levels  []string // user levels of which the caller needs one; nil: any user
	h       handlerFunc
}

// routes lists every operation certsum serves, in any generation. The contract tests
// cross-check it against every generation's spec in both directions.
func (s *server) routes() []route {
	return []route{
		{"GET", "/certifications/{id}/access-summaries/{type}", "getIdentityAccessSummaries", nil, s.getAccessSummaries},
		{"GET", "/certifications/{id}/decision-summary", "getIdentityDecisionSummary", nil, s.getDecisionSummary},
		{"GET", "/certifications/{id}/identity-summaries", "getIdentitySummaries", nil, s.getIdentitySummaries},
		{"GET", "/certifications/{id}/identity-summaries/{identitySummaryId}", "getIdentitySummary", nil, s.getIdentitySummary},
		{"GET", "/certifications", "listIdentityCertifications", nil, s.listCertifications},
		{"GET", "/certifications/{id}", "getIdentityCertification", nil, s.getCertification},
		{"GET", "/certifications/{id}/access-review-items", "listIdentityAccessReviewItems", nil, s.listReviewItems},
		{"POST", "/certifications/{id}/decide", "makeIdentityDecision", nil, s.decide},
		{"POST", "/certifications/{id}/sign-off", "signOffIdentityCertification", nil, s.signOff},
		{"POST", "/certifications/{id}/reassign", "reassignIdentityCertifications", nil, s.reassign},
		{"GET", "/certifications/{id}/reviewers", "listCertificationReviewers", nil, s.listReviewers},
		{"GET", "/certifications/{certificationId}/access-review-items/{itemId}/permissions", "getIdentityCertificationItemPermissions", nil, s.listPermissions},
		{"GET", "/campaigns", "getActiveCampaigns", campaignReaders, s.listCampaigns},
		{"POST", "/campaigns", "createCampaign", campaignAdmins, s.createCampaign},
		{"GET", "/campaigns/{id}", "getCampaign", campaignAdmins, s.getCampaign},
		{"POST", "/campaigns/{id}/activate", "startCampaign", campaignAdmins, s.startCampaign},
		{"POST", "/campaigns/{id}/complete", "completeCampaign", campaignAdmins, s.completeCampaign},
		{"POST", "/campaigns/delete", "deleteCampaigns", campaignAdmins, s.deleteCampaigns},
		// Campaign filters (not in v2024's spec; v3, v2025, v2026 and /campaign-filters/v1
		// have them). The spec names no user level; certsum keeps them to campaign admins, as on
		// /certsum/v1/campaign-filters.
		{"POST", "/campaign-filters", "createCampaignFilter", campaignAdmins, s.createCampaignFilter},
		{"GET", "/campaign-filters", "listCampaignFilters", campaignAdmins, s.listCampaignFilters},
		{"GET", "/campaign-filters/{id}", "getCampaignFilterById", campaignAdmins, s.getCampaignFilter},
		{"POST", "/campaign-filters/{id}", "updateCampaignFilter", campaignAdmins, s.updateCampaignFilter},
		{"POST", "/campaign-filters/delete", "deleteCampaignFilters", campaignAdmins, s.deleteCampaignFilters},
	}
}

// New returns the HTTP handler of certsum's API: every generation's operations (/v2024/**,
// /v3/**, /v2025/**, /v2026/**, /beta/**, /certifications/v1/**, …), POST /oauth/token and
// GET /.well-known/jwks.json. Any other path answers 404 in the error format, so the handler
// can be mounted at "/" beside health probes. It panics when Store or Auth is missing, a
// programming error at start-up.
func New(opts Options) http.Handler {
	if opts.Store == nil || opts.Auth == nil {
		panic("httpapi.New: Store and Auth are required")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	ew := &errorWriter{logger: logger}
	s := &server{store: opts.Store, reader: readerOf(opts.Store), now: now, logger: logger, ew: ew, runner: opts.Runner,
		clock: opts.Clock, obs: opts.Observer}

	// Every generation's operations behind the per-route scope gate; wrong methods get 405
	// and unknown paths 404, both in the error format.
	api := http.NewServeMux()
	roots := s.mountGenerations(api)

	// The chain, composed once, outermost first: request id → access log → panic recovery →
	// bearer-token verification → rate limit → per-route scope (above). Verification comes
	// before the rate limit so the limit is keyed by a verified client id (see rateLimitKey);
	// one limiter behind every generation makes the limit a client's across generations.
	var apiChain http.Handler = api
	if opts.Limiter != nil {
		apiChain = ratelimit.Middleware(opts.Limiter, rateLimitKey)(apiChain)
	}
	apiChain = opts.Auth.Authenticate(apiChain)

	// /certsum/v1: certsum's administration routes, behind the same verification and rate
	// limit, each gated by user level.
	var admin = s.adminMux()
	if opts.Limiter != nil {
		admin = ratelimit.Middleware(opts.Limiter, rateLimitKey)(admin)
	}
	admin = opts.Auth.Authenticate(admin)

	root := http.NewServeMux()
	for _, r := range roots {
		root.Handle(r, apiChain)
	}
	root.Handle(AdminPrefix+"/", admin)
	// The token endpoint answers in RFC 6749 form, methods included, and limits token
	// requests per client id itself; the JWKS document is public.
	root.Handle("/oauth/token", routed("/oauth/token", opts.Auth.TokenHandler()))
	root.Handle("/.well-known/jwks.json", routed("/.well-known/jwks.json", opts.Auth.JWKSHandler()))
	root.Handle("/", notFound(ew))
	if opts.Metrics != nil {
		// Prometheus's own format; the bearer check and ORG_ADMIN gate are the API's.
		gate := requireAccess(ew, nil, []string{certsum.LevelOrgAdmin})
		root.Handle("/metrics", routed("/metrics", opts.Auth.Authenticate(gate(opts.Metrics))))
	}
	if opts.UI != nil {
		root.Handle("/ui/", routed("/ui/", opts.UI))
		root.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/ui/", http.StatusSeeOther)
		})
	}

	mw := []func(http.Handler) http.Handler{
		cleanPath(ew),
		requestID,
		accessLog(logger, opts.Observer),
		recovery(ew),
		limitBody(ew),
		strictQuery(ew),
	}
	if a, ok := opts.Store.(Arriver); ok {
		mw = append(mw, arrivals(a))
	}
	return chain(root, mw...)
}

// Arriver is a store that shares work between the calls of requests that arrived together
// (the read model: see readmodel.Model.Arrive).
type Arriver interface {
	// Arrive numbers a request as it arrives and returns its context carrying the number.
	Arrive(ctx context.Context) context.Context
}

// arrivals numbers each request as it arrives, through the store's Arrive.
func arrivals(a Arriver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(a.Arrive(r.Context())))
		})
	}
}

// chain wraps h in middleware, the first listed outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// methods dispatches one path pattern by method; any other method gets 405 with an Allow
// header and the error body.
func methods(ew *errorWriter, byMethod map[string]http.Handler) http.Handler {
	allowed := make([]string, 0, len(byMethod))
	for m := range byMethod {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := byMethod[r.Method]; ok {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Allow", allow)
		ew.writeDTO(w, r, http.StatusMethodNotAllowed, detailNotAllowed,
			"method "+r.Method+" is not allowed here; use "+allow)
	})
}

// notFound answers paths that match no route.
func notFound(ew *errorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew.write(w, r, certsum.NotFoundf("no resource at %s", r.URL.Path))
	})
}
