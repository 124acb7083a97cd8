package httpapi

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRecoveryTurnsAPanicIntoA500(t *testing.T) {
	var logs bytes.Buffer
	ew := &errorWriter{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	h := recovery(ew)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("nil map in handler at 10.0.0.7")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v2024/certifications", nil))
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
	dto := mustDecodeDTO(t, rec.Body.Bytes())
	if dto.DetailCode != "500.0 Internal Fault" || strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("body %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "10.0.0.7") || !strings.Contains(logs.String(), dto.TrackingID) ||
		!strings.Contains(logs.String(), "recovery_test.go") {
		t.Errorf("log lacks the panic, tracking id or stack: %s", logs.String())
	}
}

func TestRecoveryDoesNotWriteTwiceAfterTheResponseStarted(t *testing.T) {
	var logs bytes.Buffer
	ew := &errorWriter{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	h := recovery(ew)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("[1,"))
		panic("boom")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || rec.Body.String() != "[1," {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	if !strings.Contains(logs.String(), "panic after the response started") {
		t.Errorf("log %s", logs.String())
	}
}

func TestRecoveryReraisesErrAbortHandler(t *testing.T) {
	ew := &errorWriter{logger: slog.New(slog.DiscardHandler)}
	h := recovery(ew)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic(http.ErrAbortHandler) }))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}
