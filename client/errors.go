package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/certsum/certsum"
)

// errorBody is the union of the error bodies the API sends: the ErrorResponseDto (400, 403,
// 404, 500…), the 401 {"error": "..."}, the 429 {"message": "..."} and the token endpoint's
// RFC 6749 {"error", "error_description"}. Error and Message are raw because the spec leaves
// their type open (the SDK models expect objects; certsum sends strings).
type errorBody struct {
	DetailCode       string          `json:"detailCode"`
	TrackingID       string          `json:"trackingId"`
	Messages         []errorMessage  `json:"messages"`
	Causes           []errorMessage  `json:"causes"`
	Error            json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	Message          json.RawMessage `json:"message"`
}

type errorMessage struct {
	Text string `json:"text"`
}

// maxErrorBody bounds how much of an error body is read.
const maxErrorBody = 64 << 10

// decodeError turns a non-2xx API response into a *certsum.Error whose Code is what the
// server's code was (see CodeForStatus), carrying the status, detail code, tracking id and
// the most specific message the body offers.
func decodeError(resp *http.Response) *certsum.Error {
	e, _ := parseError(resp)
	return e
}

// decodeTokenError turns a failed token response into a *certsum.Error. The OAuth2 errors
// that mean "these credentials do not work" are CodeUnauthenticated whatever the status.
func decodeTokenError(resp *http.Response) *certsum.Error {
	e, b := parseError(resp)
	switch rawText(b.Error) {
	case "invalid_client", "unauthorized_client", "invalid_grant", "access_denied":
		e.Code = certsum.CodeUnauthenticated
	}
	return e
}

// parseError reads (a bounded prefix of) an error body and builds the error from it. A
// body that is not JSON leaves only the status to go by.
func parseError(resp *http.Response) (*certsum.Error, *errorBody) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	b := &errorBody{}
	_ = json.Unmarshal(raw, b)
	e := &certsum.Error{
		Status:     resp.StatusCode,
		DetailCode: b.DetailCode,
		TrackingID: b.TrackingID,
		Code:       CodeForStatus(resp.StatusCode, b.DetailCode),
		Message:    b.text(),
	}
	if e.Message == "" {
		e.Message = defaultMessage(resp.StatusCode)
	}
	return e, b
}

// CodeForStatus maps an HTTP error status (and the ErrorResponseDto's detail code) back to
// the certsum code the server started from: 400 → invalid, or reference for a detail code
// of 400.1.404 (a referenced object not found); 401 → unauthenticated; 403 → forbidden;
// 404 → not_found; 409 → conflict; 429 → rate_limited; 503 → unavailable; any other 4xx →
// invalid; any other status → internal.
func CodeForStatus(status int, detailCode string) certsum.Code {
	switch {
	case status == http.StatusBadRequest && strings.HasPrefix(detailCode, "400.1.404"):
		return certsum.CodeReference
	case status == http.StatusUnauthorized:
		return certsum.CodeUnauthenticated
	case status == http.StatusForbidden:
		return certsum.CodeForbidden
	case status == http.StatusNotFound:
		return certsum.CodeNotFound
	case status == http.StatusConflict:
		return certsum.CodeConflict
	case status == http.StatusTooManyRequests:
		return certsum.CodeRateLimited
	case status == http.StatusServiceUnavailable:
		return certsum.CodeUnavailable
	case status >= 400 && status < 500:
		return certsum.CodeInvalid
	}
	return certsum.CodeInternal
}

// text picks the most specific human message of the body.
func (b *errorBody) text() string {
	var parts []string
	for _, m := range b.Messages {
		if t := strings.TrimSpace(m.Text); t != "" {
			parts = append(parts, t)
		}
	}
	msg := strings.Join(parts, "; ")
	if msg == "" {
		if d := strings.TrimSpace(b.ErrorDescription); d != "" {
			msg = d
		} else if t := rawText(b.Error); t != "" {
			msg = t
		} else {
			msg = rawText(b.Message)
		}
	}
	// certsum repeats the first of several problems as the message; list it once.
	var causes []string
	for _, m := range b.Causes {
		if t := strings.TrimSpace(m.Text); t != "" && !slices.Contains(parts, t) {
			causes = append(causes, t)
		}
	}
	if len(causes) > 0 {
		if msg == "" {
			return strings.Join(causes, "; ")
		}
		msg += " (" + strings.Join(causes, "; ") + ")"
	}
	return msg
}

// rawText renders a JSON value that should be a string: the string itself, trimmed, or the
// compact JSON of anything else.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return strings.TrimSpace(s)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return ""
	}
	return buf.String()
}

func defaultMessage(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return fmt.Sprintf("HTTP status %d", status)
}
