package httpapi

import (
	"net/http"

	"github.com/certsum/certsum"
)

// getAccessSummaries serves getIdentityAccessSummaries: the distinct access items of one type
// in a certification (Decision 1).
func (s *server) getAccessSummaries(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	t, err := certsum.ParseSummaryType(r.PathValue("type"))
	if err != nil {
		return err
	}
	q, err := ParseListParams(queryValues(r), certsum.AccessSummarySchema)
	if err != nil {
		return err
	}
	return writeRaw(w, func(dst []byte) ([]byte, int, error) {
		return s.reader.AppendAccessSummaries(r.Context(), dst, id, t, q)
	})
}

// getDecisionSummary serves getIdentityDecisionSummary. It takes only `filters`; other
// collection parameters are ignored like any unknown parameter.
func (s *server) getDecisionSummary(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	filter, err := certsum.ParseFilter(queryValues(r).Get("filters"), certsum.DecisionSummarySchema)
	if err != nil {
		return err
	}
	return writeRawValue(w, func(dst []byte) ([]byte, error) { return s.reader.AppendDecisionSummary(r.Context(), dst, id, filter) })
}

// getIdentitySummaries serves getIdentitySummaries.
func (s *server) getIdentitySummaries(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	q, err := ParseListParams(queryValues(r), certsum.IdentitySummarySchema)
	if err != nil {
		return err
	}
	return writeRaw(w, func(dst []byte) ([]byte, int, error) {
		return s.reader.AppendIdentitySummaries(r.Context(), dst, id, q)
	})
}

// getIdentitySummary serves getIdentitySummary; a summary of another certification is 404.
func (s *server) getIdentitySummary(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if _, _, err := s.authorize(r.Context(), id, readAccess); err != nil {
		return err
	}
	return writeRawValue(w, func(dst []byte) ([]byte, error) {
		return s.reader.AppendIdentitySummary(r.Context(), dst, id, r.PathValue("identitySummaryId"))
	})
}
