// Package metrics is what a running certsum tells Prometheus: its HTTP requests by route,
// its rate-limit rejections and token requests, its read model, its store's transactions
// and connection pools, the decisions made, the drift a periodic recount finds, and the Go
// runtime and process figures. The other packages report through small hooks (the HTTP
// access log's RequestObserver, the stores' TxObserver, the read model's Stats) so that none
// of them depends on Prometheus; figures that already exist (pool sizes, read-model counters)
// are read when Prometheus scrapes, at no cost to a request.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/certsum/certsum"
	"github.com/certsum/certsum/internal/readmodel"
	"github.com/certsum/certsum/internal/store/sqlstore"
)

// TokenRoute is the route the token endpoint's requests are counted under.
const TokenRoute = "/oauth/token"

// Metrics holds certsum's collectors in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	rateLimited prometheus.Counter
	tokens      *prometheus.CounterVec
	issued      prometheus.Counter // tokens' two series, looked up once
	failed      prometheus.Counter
	decisions   *prometheus.CounterVec
	txDuration  *prometheus.HistogramVec
	txErrors    *prometheus.CounterVec
	drift       prometheus.Gauge
	verifyRuns  *prometheus.CounterVec
	verifyLast  prometheus.Gauge

	// byRequest caches the series of each (route, method, status), so that a request does
	// not hash its labels: reqKey → *reqSeries.
	byRequest sync.Map
}

type reqKey struct {
	route, method string
	status        int
}

type reqSeries struct {
	count prometheus.Counter
	dur   prometheus.Observer
}

// New returns certsum's metrics with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certsum_http_requests_total",
		Help: "HTTP requests answered, by route pattern (\"unmatched\" for none), method and status.",
	}, []string{"route", "method", "status"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "certsum_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})
	m.rateLimited = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "certsum_rate_limited_total",
		Help: "Requests refused with 429 by the rate limit (API and token endpoint).",
	})
	m.tokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certsum_tokens_total",
		Help: "Token requests at /oauth/token, by outcome: issued or failed.",
	}, []string{"outcome"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certsum_decisions_total",
		Help: "Review decisions made (API and dashboard), by decision.",
	}, []string{"decision"})
	m.txDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "certsum_store_tx_duration_seconds",
		Help:    "Store transactions from begin to commit or rollback, by kind: read or write.",
		Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30},
	}, []string{"kind"})
	m.txErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certsum_store_tx_errors_total",
		Help: "Store transactions that ended in an error, by kind and certsum error code.",
	}, []string{"kind", "code"})
	m.drift = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "certsum_verify_drift",
		Help: "Maintained counters that differ from their recount at the last periodic verify (--verify-every); 0 is healthy.",
	})
	m.verifyRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "certsum_verify_runs_total",
		Help: "Periodic verify runs, by outcome: clean, drift or error.",
	}, []string{"outcome"})
	m.verifyLast = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "certsum_verify_last_run_timestamp_seconds",
		Help: "When the last periodic verify finished (Unix time).",
	})
	m.issued, m.failed = m.tokens.WithLabelValues("issued"), m.tokens.WithLabelValues("failed")
	m.reg.MustRegister(m.requests, m.duration, m.rateLimited, m.tokens, m.decisions, m.txDuration, m.txErrors,
		m.drift, m.verifyRuns, m.verifyLast,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Registry is the registry the collectors are in, for tests and for other collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// statusText holds the label of each status, so a request does not format one.
var statusText = func() [600]string {
	var out [600]string
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

// methodLabel keeps the method label to the methods HTTP defines: a client may send any
// token as a method, which must not grow the number of series.
func methodLabel(m string) string {
	switch m {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return m
	}
	return "other"
}

// ObserveRequest counts one answered request (httpapi's RequestObserver). route is the
// matched pattern, "" when none matched; the patterns are certsum's own, so the routes are
// few, as are the methods (methodLabel) and statuses.
func (m *Metrics) ObserveRequest(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	if status < 0 || status >= len(statusText) {
		status = 0
	}
	method = methodLabel(method)
	k := reqKey{route, method, status}
	v, ok := m.byRequest.Load(k)
	if !ok {
		st := "other"
		if status > 0 {
			st = statusText[status]
		}
		v, _ = m.byRequest.LoadOrStore(k, &reqSeries{count: m.requests.WithLabelValues(route, method, st),
			dur: m.duration.WithLabelValues(route, method)})
	}
	rs := v.(*reqSeries)
	rs.count.Inc()
	rs.dur.Observe(d.Seconds())
	if status == http.StatusTooManyRequests {
		m.rateLimited.Inc()
	}
	if route == TokenRoute {
		if status == http.StatusOK {
			m.issued.Inc()
		} else {
			m.failed.Inc()
		}
	}
}

// ObserveDecisions counts decisions made.
func (m *Metrics) ObserveDecisions(ds []certsum.ReviewDecision) {
	for _, d := range ds {
		m.decisions.WithLabelValues(string(d.Decision)).Inc()
	}
}

// ObserveTx is the stores' TxObserver.
func (m *Metrics) ObserveTx(write bool, d time.Duration, err error) {
	kind := "read"
	if write {
		kind = "write"
	}
	m.txDuration.WithLabelValues(kind).Observe(d.Seconds())
	if err != nil {
		m.txErrors.WithLabelValues(kind, string(certsum.ErrorCode(err))).Inc()
	}
}

// ObserveVerify records a periodic verify's outcome: the drifts it found, or its error.
func (m *Metrics) ObserveVerify(drifts []certsum.Drift, err error, at time.Time) {
	switch {
	case err != nil:
		m.verifyRuns.WithLabelValues("error").Inc()
		return
	case len(drifts) > 0:
		m.verifyRuns.WithLabelValues("drift").Inc()
	default:
		m.verifyRuns.WithLabelValues("clean").Inc()
	}
	m.drift.Set(float64(len(drifts)))
	m.verifyLast.Set(float64(at.Unix()))
}

// WatchPool reports a store's connection figures, read at each scrape.
func (m *Metrics) WatchPool(p sqlstore.PoolReporter) {
	gauge := func(name, help string, f func(sqlstore.PoolStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(p.PoolStats()) })
	}
	counter := func(name, help string, f func(sqlstore.PoolStats) float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return f(p.PoolStats()) })
	}
	m.reg.MustRegister(
		gauge("certsum_db_connections_open", "Database connections open (SQLite: readers and the writer; PostgreSQL: the pool).",
			func(s sqlstore.PoolStats) float64 { return float64(s.Open) }),
		gauge("certsum_db_connections_in_use", "Database connections in use.", func(s sqlstore.PoolStats) float64 { return float64(s.InUse) }),
		gauge("certsum_db_connections_idle", "Database connections idle.", func(s sqlstore.PoolStats) float64 { return float64(s.Idle) }),
		gauge("certsum_db_connections_max", "Most database connections the pools may open.", func(s sqlstore.PoolStats) float64 { return float64(s.Max) }),
		counter("certsum_db_connection_waits_total", "Requests that waited for a free database connection.",
			func(s sqlstore.PoolStats) float64 { return float64(s.Waits) }),
		counter("certsum_db_connection_wait_seconds_total", "Time spent waiting for a free database connection.",
			func(s sqlstore.PoolStats) float64 { return s.WaitTime.Seconds() }),
	)
}

// WatchReadModel reports the read model's counters and memory, read at each scrape.
func (m *Metrics) WatchReadModel(rm *readmodel.Model) {
	st := rm.Stats()
	counter := func(name, help string, f func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(f()) })
	}
	m.reg.MustRegister(
		counter("certsum_readmodel_hits_total", "Reads answered by a current in-memory model.", st.Hits.Load),
		counter("certsum_readmodel_misses_total", "Reads the store answered because no current model was ready.", st.Fallbacks.Load),
		counter("certsum_readmodel_builds_total", "Certification models built.", st.Builds.Load),
		counter("certsum_readmodel_rebuilds_total", "Models dropped because the certification changed elsewhere (another replica, a bulk write), to be built again.", st.Stale.Load),
		counter("certsum_readmodel_evictions_total", "Models evicted to stay within --cache-size.", st.Evictions.Load),
		counter("certsum_readmodel_applied_total", "Writes of this process applied to models in place.", st.Applied.Load),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "certsum_readmodel_bytes", Help: "Memory the read model's certification models use, by its own account."},
			func() float64 { return float64(rm.UsedBytes()) }),
	)
}
