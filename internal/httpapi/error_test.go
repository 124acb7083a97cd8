package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/certsum/certsum"
)

var trackingIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestStatusMapsEveryErrorCode(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		detail string
	}{
		{"an invalid query parameter is an illegal value", certsum.Invalidf("limit", "bad"), 400, "400.1.3 Illegal value"},
		{"an invalid body is bad request content", asContent(certsum.Invalidf("body", "bad")), 400, "400.1 Bad Request Content"},
		{"a wrapped invalid body is still bad request content", fmt.Errorf("decide: %w", asContent(certsum.Invalidf("", "x"))), 400, "400.1 Bad Request Content"},
		{"an unknown reference is referenced object not found", certsum.Errorf(certsum.CodeReference, "x"), 400, "400.1.404 Referenced object not found"},
		{"a conflict is bad request content", certsum.Conflictf("signed"), 400, "400.1 Bad Request Content"},
		{"a conflict marked as content stays bad request content", asContent(certsum.Conflictf("signed")), 400, "400.1 Bad Request Content"},
		{"not found is 404", certsum.NotFoundf("x"), 404, "404 Not found"},
		{"a wrapped not found is 404", fmt.Errorf("get: %w", certsum.NotFoundf("x")), 404, "404 Not found"},
		{"a content-marked not found is still 404", asContent(certsum.NotFoundf("x")), 404, "404 Not found"},
		{"forbidden is 403", certsum.Errorf(certsum.CodeForbidden, "x"), 403, "403 Forbidden"},
		{"unauthenticated is 401", certsum.Errorf(certsum.CodeUnauthenticated, "x"), 401, ""},
		{"rate limited is 429", certsum.Errorf(certsum.CodeRateLimited, "x"), 429, ""},
		{"unavailable is 503", certsum.Errorf(certsum.CodeUnavailable, "x"), 503, "503 Service Unavailable"},
		{"internal is 500", certsum.Errorf(certsum.CodeInternal, "x"), 500, "500.0 Internal Fault"},
		{"a plain error is 500", errors.New("disk on fire"), 500, "500.0 Internal Fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, detail := status(tt.err)
			if st != tt.status || detail != tt.detail {
				t.Errorf("status(%v) = %d %q, want %d %q", tt.err, st, detail, tt.status, tt.detail)
			}
		})
	}
}

// mustWriteError renders err through an errorWriter and returns the recorder and the log.
func mustWriteError(t testing.TB, err error) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var logs bytes.Buffer
	ew := &errorWriter{logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/v2024/certifications/x", nil)
	ew.write(rec, req, err)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
	return rec, logs.String()
}

func mustDecodeDTO(t testing.TB, b []byte) errorResponse {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var dto errorResponse
	if err := dec.Decode(&dto); err != nil {
		t.Fatalf("body %s is not an ErrorResponseDto: %v", b, err)
	}
	return dto
}

func TestErrorWriterWritesTheErrorResponseDto(t *testing.T) {
	rec, _ := mustWriteError(t, certsum.Invalidf("limit", "limit must be between 0 and 250, not 999"))
	if rec.Code != 400 {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
	dto := mustDecodeDTO(t, rec.Body.Bytes())
	if dto.DetailCode != "400.1.3 Illegal value" {
		t.Errorf("detailCode = %q", dto.DetailCode)
	}
	if !trackingIDPattern.MatchString(dto.TrackingID) {
		t.Errorf("trackingId = %q, want 32 hex characters", dto.TrackingID)
	}
	if len(dto.Messages) != 1 || *dto.Messages[0].Locale != "en-US" || *dto.Messages[0].LocaleOrigin != "DEFAULT" ||
		dto.Messages[0].Text != "limit must be between 0 and 250, not 999" {
		t.Errorf("messages = %+v", dto.Messages)
	}
	if dto.Causes == nil || len(dto.Causes) != 0 {
		t.Errorf("causes = %#v, want an empty array", dto.Causes)
	}
}

func TestErrorWriterGivesEveryErrorAFreshTrackingID(t *testing.T) {
	a, _ := mustWriteError(t, certsum.NotFoundf("x"))
	b, _ := mustWriteError(t, certsum.NotFoundf("x"))
	if mustDecodeDTO(t, a.Body.Bytes()).TrackingID == mustDecodeDTO(t, b.Body.Bytes()).TrackingID {
		t.Error("two errors share a tracking id")
	}
}

func TestErrorWriterHidesInternalsOf5xxAndLogsThem(t *testing.T) {
	secret := "pq: password authentication failed for user certsum at 10.0.0.7"
	rec, logs := mustWriteError(t, fmt.Errorf("list identity summaries: %w", errors.New(secret)))
	if rec.Code != 500 {
		t.Fatalf("status = %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "10.0.0.7") || strings.Contains(rec.Body.String(), "list identity") {
		t.Errorf("500 body leaks the cause: %s", rec.Body)
	}
	dto := mustDecodeDTO(t, rec.Body.Bytes())
	if dto.DetailCode != "500.0 Internal Fault" || dto.Messages[0].Text != "An internal fault occurred." {
		t.Errorf("dto = %+v", dto)
	}
	if !strings.Contains(logs, secret) || !strings.Contains(logs, dto.TrackingID) || !strings.Contains(logs, "level=ERROR") {
		t.Errorf("log lacks the full chain or the tracking id:\n%s", logs)
	}
}

func TestErrorWriterHidesInternalsOf503(t *testing.T) {
	rec, logs := mustWriteError(t, &certsum.Error{Code: certsum.CodeUnavailable, Message: "database 10.0.0.7 down"})
	if rec.Code != 503 || strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("status %d body %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
	if !strings.Contains(logs, "10.0.0.7") {
		t.Errorf("log lacks the cause: %s", logs)
	}
}

func TestErrorWriterUsesThe401And429Shapes(t *testing.T) {
	rec, _ := mustWriteError(t, certsum.Errorf(certsum.CodeUnauthenticated, "JWT validation failed: JWT is expired"))
	if rec.Code != 401 || strings.TrimSpace(rec.Body.String()) != `{"error":"JWT validation failed: JWT is expired"}` {
		t.Errorf("401: %d %s", rec.Code, rec.Body)
	}
	rec, _ = mustWriteError(t, certsum.Errorf(certsum.CodeRateLimited, "slow down"))
	if rec.Code != 429 || strings.TrimSpace(rec.Body.String()) != `{"message":" Rate Limit Exceeded "}` {
		t.Errorf("429: %d %s", rec.Code, rec.Body)
	}
}

func TestErrorWriterListsEachJoinedProblemAsACause(t *testing.T) {
	err := &certsum.Error{Code: certsum.CodeInvalid, Message: "filters: 2 problems",
		Cause: errors.Join(certsum.Invalidf("filters", "field \"x\" is unknown"), certsum.Invalidf("filters", "operator co not allowed"))}
	rec, _ := mustWriteError(t, err)
	dto := mustDecodeDTO(t, rec.Body.Bytes())
	if len(dto.Causes) != 2 || dto.Causes[0].Text != `field "x" is unknown` || dto.Causes[1].Text != "operator co not allowed" {
		t.Errorf("causes = %+v", dto.Causes)
	}
}

func TestErrorWriterLogsACanceledRequestQuietly(t *testing.T) {
	var logs bytes.Buffer
	ew := &errorWriter{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequest("GET", "/v2024/certifications", nil).WithContext(ctx)
	ew.write(httptest.NewRecorder(), req, fmt.Errorf("query: %w", context.Canceled))
	if strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "request canceled") {
		t.Errorf("log = %s", logs.String())
	}
}

func TestAdaptRendersAHandlerError(t *testing.T) {
	ew := &errorWriter{logger: slog.New(slog.DiscardHandler)}
	ok := ew.adapt(func(w http.ResponseWriter, r *http.Request) error { return writeJSON(w, 200, []int{1}, -1) })
	bad := ew.adapt(func(w http.ResponseWriter, r *http.Request) error { return certsum.NotFoundf("no such thing") })
	rec := httptest.NewRecorder()
	ok.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != "[1]" {
		t.Errorf("ok: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	bad.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 404 || mustDecodeDTO(t, rec.Body.Bytes()).Messages[0].Text != "no such thing" {
		t.Errorf("bad: %d %s", rec.Code, rec.Body)
	}
}
