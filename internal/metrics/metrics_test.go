package metrics

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/certsum/certsum"
)

func TestObserveVerifyReportsDriftAndOutcomes(t *testing.T) {
	m := New()
	m.ObserveVerify(nil, nil, time.Unix(100, 0))
	if got := testutil.ToFloat64(m.drift); got != 0 {
		t.Errorf("drift after a clean run = %v", got)
	}
	m.ObserveVerify([]certsum.Drift{{}, {}}, nil, time.Unix(200, 0))
	if got := testutil.ToFloat64(m.drift); got != 2 {
		t.Errorf("drift = %v, want 2", got)
	}
	m.ObserveVerify(nil, errors.New("database gone"), time.Unix(300, 0))
	if got := testutil.ToFloat64(m.drift); got != 2 {
		t.Errorf("a failed run changed the drift to %v", got)
	}
	if got := testutil.ToFloat64(m.verifyLast); got != 200 {
		t.Errorf("last run = %v, want the last one that finished (200)", got)
	}
	for outcome, want := range map[string]float64{"clean": 1, "drift": 1, "error": 1} {
		if got := testutil.ToFloat64(m.verifyRuns.WithLabelValues(outcome)); got != want {
			t.Errorf("runs %s = %v", outcome, got)
		}
	}
}

func TestObserveTxCountsErrorsByCode(t *testing.T) {
	m := New()
	m.ObserveTx(true, time.Millisecond, nil)
	m.ObserveTx(true, time.Millisecond, certsum.Errorf(certsum.CodeUnavailable, "down"))
	m.ObserveTx(false, time.Millisecond, certsum.NotFoundf("x"))
	if got := testutil.ToFloat64(m.txErrors.WithLabelValues("write", "unavailable")); got != 1 {
		t.Errorf("write unavailable = %v", got)
	}
	if got := testutil.ToFloat64(m.txErrors.WithLabelValues("read", "not_found")); got != 1 {
		t.Errorf("read not_found = %v", got)
	}
	if n := testutil.CollectAndCount(m.txDuration); n != 2 {
		t.Errorf("%d duration series, want read and write", n)
	}
}

func TestObserveRequestLabels(t *testing.T) {
	m := New()
	m.ObserveRequest("", "GET", 404, time.Millisecond)
	m.ObserveRequest(TokenRoute, "POST", 429, time.Millisecond)
	m.ObserveRequest(TokenRoute, "POST", 200, time.Millisecond)
	m.ObserveRequest("/v2024/campaigns", "GET", 999, time.Millisecond)
	m.ObserveRequest("/v2024/campaigns", "BREW", 405, time.Millisecond)
	m.ObserveRequest("/v2024/campaigns", "GET", 200, time.Millisecond)
	m.ObserveRequest("/v2024/campaigns", "GET", 200, 2*time.Second)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`certsum_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`certsum_http_requests_total{method="GET",route="/v2024/campaigns",status="other"} 1`,
		`certsum_rate_limited_total 1`,
		`certsum_tokens_total{outcome="failed"} 1`,
		`certsum_tokens_total{outcome="issued"} 1`,
		`certsum_http_requests_total{method="other",route="/v2024/campaigns",status="405"} 1`,
		`certsum_http_requests_total{method="GET",route="/v2024/campaigns",status="200"} 2`,
		`certsum_http_request_duration_seconds_bucket{method="GET",route="/v2024/campaigns",le="2.5"} 3`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("no %s", want)
		}
	}
}

// BenchmarkObserveRequest is what the metrics add to a request.
func BenchmarkObserveRequest(b *testing.B) {
	m := New()
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveRequest("/v2024/certifications/{id}/decision-summary", "GET", 200, time.Millisecond)
	}
}
