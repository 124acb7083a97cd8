package httpapi

import (
	"net/http"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/evidence"
)

// getEvidence serves GET /certsum/v1/evidence?campaignId=…|certificationId=…: the audit
// evidence ZIP of docs/evidence.md, streamed. A campaign's evidence is for the users who may
// list campaigns (ORG_ADMIN, CERT_ADMIN, REPORT_ADMIN); a certification's also for its
// reviewers, as every certification route. An error before the first byte is the usual
// ErrorResponseDto; one after it cuts the connection, so a broken download never looks whole.
func (s *server) getEvidence(w http.ResponseWriter, r *http.Request) error {
	q := queryValues(r)
	scope := certsum.EvidenceScope{CampaignID: q.Get("campaignId"), CertificationID: q.Get("certificationId")}
	if err := scope.Check(); err != nil {
		return err
	}
	p, err := principal(r.Context())
	if err != nil {
		return err
	}
	if err := evidence.Authorize(r.Context(), s.store, p.Levels, p.IdentityID, scope); err != nil {
		return err
	}
	started, err := evidence.Serve(r.Context(), w, s.store, scope, s.now())
	if err != nil && started {
		s.logger.Error("evidence export failed after it began; the connection is cut", "scope", scope.Kind(), "id", scope.ID(), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}
