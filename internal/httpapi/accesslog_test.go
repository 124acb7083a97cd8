package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAccessLogWritesOneLinePerRequest(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := requestID(accessLog(logger, nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	h := accessLog(slog.New(slog.NewJSONHandler(&logs, nil)), nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
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

// The access line of a request names the route pattern that matched and, for an error
// answer, the tracking id its body carries, so that a client's report leads to the line.
func TestAccessLogCarriesTheRouteAndTheTrackingID(t *testing.T) {
	f := mustFixture(t)
	res := f.do("GET", "/v3/certifications/"+idCertA+"/identity-summaries/nope", f.mia, nil).mustStatus(t, 404)
	dto := res.dto(t)
	var line string
	for _, l := range strings.Split(f.logs.String(), "\n") {
		if strings.Contains(l, `msg="http request"`) && strings.Contains(l, "trackingId="+dto.TrackingID) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no access line with the tracking id %s:\n%s", dto.TrackingID, f.logs.String())
	}
	for _, want := range []string{"route=/v3/certifications/{id}/identity-summaries/{identitySummaryId}", "status=404", "clientId="} {
		if !strings.Contains(line, want) {
			t.Errorf("the access line lacks %s: %s", want, line)
		}
	}
	f.do("GET", certPath(idCertA, "/decision-summary"), f.mia, nil).mustStatus(t, 200)
	if !strings.Contains(f.logs.String(), "route=/v2024/certifications/{id}/decision-summary status=200") {
		t.Errorf("no access line of the decision summary with its route:\n%s", f.logs.String())
	}
}
