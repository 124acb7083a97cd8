package httpapi

import (
	"net/http"
	"slices"

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
	auditor := slices.ContainsFunc(campaignReaders, func(l string) bool { return slices.Contains(p.Levels, l) })
	switch {
	case auditor:
	case scope.CampaignID != "":
		return certsum.Errorf(certsum.CodeForbidden, "identity %s lacks the level a campaign's evidence needs: one of ORG_ADMIN, CERT_ADMIN, REPORT_ADMIN", p.IdentityID)
	default:
		if _, _, err := s.authorize(r.Context(), scope.CertificationID, readAccess); err != nil {
			return err
		}
	}
	lw := &lazyDownload{w: w, name: "certsum-evidence-" + scope.Kind() + "-" + fileNamePart(scope.ID()) + ".zip"}
	_, err = evidence.Write(r.Context(), lw, s.store, scope, s.now())
	if err != nil && lw.started {
		s.logger.Error("evidence export failed after it began; the connection is cut", "scope", scope.Kind(), "id", scope.ID(), "err", err)
		panic(http.ErrAbortHandler)
	}
	return err
}

// lazyDownload writes a download's headers and status with its first byte, so that an
// error before any byte can still be answered as an error.
type lazyDownload struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (d *lazyDownload) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(p)
}

// fileNamePart keeps the characters of s that are safe in a quoted file name (letters,
// digits, '.', '_' and '-'), so that no id can break the Content-Disposition header.
func fileNamePart(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			b = append(b, c)
		}
	}
	return string(b)
}
