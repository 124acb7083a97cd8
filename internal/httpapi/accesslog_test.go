package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAccessLogWritesOneLinePerRequest(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := requestID(accessLog(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		noteClient(r.Context(), "client-7")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("12345"))
	})))
	req := httptest.NewRequest("GET", "/v2024/certifications?filters=name%20eq%20%22Ann%22", nil)
	req.Header.Set("X-Request-Id", "req-1")
	h.ServeHTTP(httptest.NewRecorder(), req)

	var line map[string]any
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	want := map[string]any{"msg": "http request", "method": "GET", "path": "/v2024/certifications",
		"status": float64(418), "bytes": float64(5), "requestId": "req-1", "clientId": "client-7"}
	for k, v := range want {
		if line[k] != v {
			t.Errorf("%s = %v, want %v", k, line[k], v)
		}
	}
	if _, ok := line["duration"]; !ok {
		t.Error("no duration")
	}
	if bytes.Contains(logs.Bytes(), []byte("Ann")) {
		t.Error("the query string reached the log")
	}
}

func TestAccessLogRecordsAnImplicit200(t *testing.T) {
	var logs bytes.Buffer
	h := accessLog(slog.New(slog.NewJSONHandler(&logs, nil)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	var line map[string]any
	_ = json.Unmarshal(logs.Bytes(), &line)
	if line["status"] != float64(200) {
		t.Errorf("status = %v", line["status"])
	}
	if _, ok := line["clientId"]; ok {
		t.Error("clientId logged for an anonymous request")
	}
}
