package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/auth"
)

func TestRequireAccess(t *testing.T) {
	ew := &errorWriter{logger: slog.New(slog.DiscardHandler)}
	reached := false
	read := requireAccess(ew, []string{certsum.ScopeCampaignRead}, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
	}))
	manage := requireAccess(ew, []string{certsum.ScopeCampaignManage}, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
	}))
	admins := requireAccess(ew, []string{certsum.ScopeCampaignManage}, []string{certsum.LevelOrgAdmin, certsum.LevelCertAdmin})(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	levelled := func(level string, scopes ...string) *auth.Principal {
		return &auth.Principal{ClientID: "c1", IdentityID: "i1", Levels: []string{level}, Scopes: scopes}
	}
	user := func(scopes ...string) *auth.Principal {
		return &auth.Principal{ClientID: "c1", IdentityID: "i1", Levels: []string{certsum.LevelUser}, Scopes: scopes}
	}
	tests := []struct {
		name   string
		h      http.Handler
		p      *auth.Principal
		status int
		text   string
	}{
		{"a read scope opens a read route", read, user(certsum.ScopeCampaignRead), 200, ""},
		{"a manage scope opens a read route", read, user(certsum.ScopeCampaignManage), 200, ""},
		{"sp:scopes:all opens a manage route", manage, user(certsum.ScopeAll), 200, ""},
		{"a read scope does not open a manage route", manage, user(certsum.ScopeCampaignRead), 403, "idn:campaign:manage"},
		{"the default scope opens nothing", read, user(certsum.ScopeDefault), 403, "idn:campaign:read"},
		{"a token without user context is refused", read, &auth.Principal{ClientID: "api", Scopes: []string{certsum.ScopeAll}}, 403, "user context"},
		{"no principal at all is unauthenticated", read, nil, 401, ""},
		{"a CERT_ADMIN opens a route of admins", admins, levelled(certsum.LevelCertAdmin, certsum.ScopeAll), 200, ""},
		{"a USER does not open a route of admins", admins, user(certsum.ScopeAll), 403, "lacks the level this operation needs: one of ORG_ADMIN, CERT_ADMIN"},
		{"the scope is checked before the level", admins, levelled(certsum.LevelOrgAdmin, certsum.ScopeCampaignRead), 403, "idn:campaign:manage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached = false
			req := httptest.NewRequest("GET", "/v2024/certifications", nil)
			if tt.p != nil {
				req = req.WithContext(auth.WithPrincipal(req.Context(), tt.p))
			}
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, req)
			if rec.Code != tt.status || reached != (tt.status == 200) {
				t.Fatalf("status %d reached %t, want %d", rec.Code, reached, tt.status)
			}
			if tt.status == 403 {
				dto := mustDecodeDTO(t, rec.Body.Bytes())
				if dto.DetailCode != "403 Forbidden" || !strings.Contains(dto.Messages[0].Text, tt.text) {
					t.Errorf("dto %+v", dto)
				}
			}
		})
	}
}
