package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/certsum/certsum"
)

// Detail codes of ErrorResponseDto that certsum answers with (docs/api.md).
const (
	detailBadContent   = "400.1 Bad Request Content"
	detailIllegalValue = "400.1.3 Illegal value"
	detailReference    = "400.1.404 Referenced object not found"
	detailForbidden    = "403 Forbidden"
	detailNotFound     = "404 Not found"
	detailNotAllowed   = "405 Method Not Allowed"
	detailUnavailable  = "503 Service Unavailable"
	detailInternal     = "500.0 Internal Fault"
)

// Generic texts for answers whose cause must not reach the client.
const (
	textInternal    = "An internal fault occurred."
	textUnavailable = "The service is temporarily unavailable; retry later."
	textRateLimited = " Rate Limit Exceeded " // the spec's example, spaces included
)

// handlerFunc is the shape of every API handler: it writes a success response itself and
// returns an error for anything else, which the adapter renders. A handler that returns an
// error must not have written anything.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// contentError marks a CodeInvalid failure that concerns a request body or the state of the
// resource rather than a query or path parameter, so that it is reported as
// "400.1 Bad Request Content" instead of "400.1.3 Illegal value". The rule, applied
// consistently: query strings and path elements are "illegal values"; bodies, and the
// store's verdict on a write, are "bad request content".
type contentError struct{ err error }

func (e *contentError) Error() string { return e.err.Error() }
func (e *contentError) Unwrap() error { return e.err }

// asContent marks err (which may be nil) as a body or state failure.
func asContent(err error) error {
	if err == nil {
		return nil
	}
	return &contentError{err}
}

// status returns the HTTP status and ErrorResponseDto detail code for err: the one table
// from certsum error codes to HTTP (docs/api.md).
func status(err error) (int, string) {
	var se *statusError
	if errors.As(err, &se) {
		return se.status, se.detail
	}
	switch certsum.ErrorCode(err) {
	case certsum.CodeInvalid:
		var ce *contentError
		if errors.As(err, &ce) {
			return http.StatusBadRequest, detailBadContent
		}
		return http.StatusBadRequest, detailIllegalValue
	case certsum.CodeReference:
		return http.StatusBadRequest, detailReference
	case certsum.CodeConflict:
		return http.StatusBadRequest, detailBadContent
	case certsum.CodeNotFound:
		return http.StatusNotFound, detailNotFound
	case certsum.CodeForbidden:
		return http.StatusForbidden, detailForbidden
	case certsum.CodeUnauthenticated:
		return http.StatusUnauthorized, ""
	case certsum.CodeRateLimited:
		return http.StatusTooManyRequests, ""
	case certsum.CodeUnavailable:
		return http.StatusServiceUnavailable, detailUnavailable
	}
	return http.StatusInternalServerError, detailInternal
}

// errorResponse is the spec's ErrorResponseDto.
type errorResponse struct {
	DetailCode string                 `json:"detailCode"`
	TrackingID string                 `json:"trackingId"`
	Messages   []certsum.ErrorMessage `json:"messages"`
	Causes     []certsum.ErrorMessage `json:"causes"`
}

var (
	localeEnUS    = "en-US"
	originDefault = "DEFAULT"
)

func message(text string) certsum.ErrorMessage {
	return certsum.ErrorMessage{Locale: &localeEnUS, LocaleOrigin: &originDefault, Text: text}
}

// causes lists the individual problems of an error that joins several (such as a filter
// with more than one violation), so that clients see each one; nil for a single error.
func causes(err error) []certsum.ErrorMessage {
	var multi interface{ Unwrap() []error }
	if !errors.As(err, &multi) {
		return nil
	}
	var out []certsum.ErrorMessage
	for _, e := range multi.Unwrap() {
		if e != nil {
			out = append(out, message(certsum.ErrorText(e)))
		}
	}
	return out
}

// errorWriter renders failures. It is the only place that turns an error into a response.
type errorWriter struct {
	logger *slog.Logger
}

// write renders err as the response: ErrorResponseDto with a fresh tracking id for 400, 403,
// 404 and 5xx, {"error": "..."} for 401 and {"message": " Rate Limit Exceeded "} for 429.
// 5xx answers carry a generic text; the full error chain is logged with the tracking id.
func (ew *errorWriter) write(w http.ResponseWriter, r *http.Request, err error) {
	code, detail := status(err)
	switch code {
	case http.StatusUnauthorized:
		_ = writeJSON(w, code, map[string]string{"error": certsum.ErrorText(err)}, -1)
		return
	case http.StatusTooManyRequests:
		_ = writeJSON(w, code, map[string]string{"message": textRateLimited}, -1)
		return
	}
	body := errorResponse{DetailCode: detail, TrackingID: certsum.NewID(), Causes: []certsum.ErrorMessage{}}
	noteTracking(r.Context(), body.TrackingID)
	attrs := []any{"trackingId", body.TrackingID, "requestId", requestIDFrom(r.Context()),
		"method", r.Method, "path", r.URL.Path, "status", code, "err", err.Error()}
	switch {
	case code == http.StatusServiceUnavailable:
		body.Messages = []certsum.ErrorMessage{message(textUnavailable)}
		w.Header().Set("Retry-After", "1")
		ew.logger.Warn("request failed", attrs...)
	case code >= 500:
		body.Messages = []certsum.ErrorMessage{message(textInternal)}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			// The client went away; nobody reads this answer.
			ew.logger.Info("request canceled", attrs...)
		} else {
			ew.logger.Error("request failed", attrs...)
		}
	default:
		text := certsum.ErrorText(err)
		if se := (*statusError)(nil); errors.As(err, &se) {
			text = se.text
		}
		body.Messages = []certsum.ErrorMessage{message(text)}
		if c := causes(err); c != nil {
			body.Causes = c
		}
		ew.logger.Debug("request rejected", attrs...)
	}
	_ = writeJSON(w, code, body, -1)
}

// writeDTO answers with an ErrorResponseDto that has no error behind it (405).
func (ew *errorWriter) writeDTO(w http.ResponseWriter, r *http.Request, code int, detail, text string) {
	body := errorResponse{DetailCode: detail, TrackingID: certsum.NewID(),
		Messages: []certsum.ErrorMessage{message(text)}, Causes: []certsum.ErrorMessage{}}
	noteTracking(r.Context(), body.TrackingID)
	ew.logger.Debug("request rejected", "trackingId", body.TrackingID, "requestId", requestIDFrom(r.Context()),
		"method", r.Method, "path", r.URL.Path, "status", code)
	_ = writeJSON(w, code, body, -1)
}

// adapt turns a handlerFunc into an http.Handler whose failures go through ew.
func (ew *errorWriter) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			ew.write(w, r, err)
		}
	})
}
