// Package metrics keeps request counters and latency histograms and writes
// them, with the database pools' statistics, in the Prometheus text format.
// It needs no client library: the format is a few lines of text.
package metrics

import (
	"database/sql"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Buckets are the latency histogram's upper bounds in seconds.
var Buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

type key struct{ route, method, status string }

type hist struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	n      uint64
}

// Registry collects request metrics.
type Registry struct {
	mu       sync.Mutex
	requests map[key]uint64
	latency  map[string]*hist // by route
	start    time.Time
	pools    func() map[string]sql.DBStats
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{requests: map[key]uint64{}, latency: map[string]*hist{}, start: time.Now()}
}

// SetPools registers a function that reports database pool statistics by name.
func (r *Registry) SetPools(f func() map[string]sql.DBStats) { r.mu.Lock(); r.pools = f; r.mu.Unlock() }

// Observe records one request.
func (r *Registry) Observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests[key{route, method, strconv.Itoa(status)}]++
	h := r.latency[route]
	if h == nil {
		h = &hist{counts: make([]uint64, len(Buckets))}
		r.latency[route] = h
	}
	sec := d.Seconds()
	for i, b := range Buckets {
		if sec <= b {
			h.counts[i]++
			break
		}
	}
	h.sum += sec
	h.n++
}

// Write writes every metric in the Prometheus text exposition format.
func (r *Registry) Write(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(w, "# HELP wenming_http_requests_total HTTP requests by route pattern, method and status.")
	fmt.Fprintln(w, "# TYPE wenming_http_requests_total counter")
	keys := make([]key, 0, len(r.requests))
	for k := range r.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.route != b.route {
			return a.route < b.route
		}
		if a.method != b.method {
			return a.method < b.method
		}
		return a.status < b.status
	})
	for _, k := range keys {
		fmt.Fprintf(w, "wenming_http_requests_total{route=%q,method=%q,status=%q} %d\n", k.route, k.method, k.status, r.requests[k])
	}
	fmt.Fprintln(w, "# HELP wenming_http_request_duration_seconds HTTP request latency by route pattern.")
	fmt.Fprintln(w, "# TYPE wenming_http_request_duration_seconds histogram")
	routes := make([]string, 0, len(r.latency))
	for k := range r.latency {
		routes = append(routes, k)
	}
	sort.Strings(routes)
	for _, route := range routes {
		h := r.latency[route]
		var cum uint64
		for i, b := range Buckets {
			cum += h.counts[i]
			fmt.Fprintf(w, "wenming_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", route, strconv.FormatFloat(b, 'g', -1, 64), cum)
		}
		fmt.Fprintf(w, "wenming_http_request_duration_seconds_bucket{route=%q,le=\"+Inf\"} %d\n", route, h.n)
		fmt.Fprintf(w, "wenming_http_request_duration_seconds_sum{route=%q} %g\n", route, h.sum)
		fmt.Fprintf(w, "wenming_http_request_duration_seconds_count{route=%q} %d\n", route, h.n)
	}
	if r.pools != nil {
		pools := r.pools()
		names := make([]string, 0, len(pools))
		for n := range pools {
			names = append(names, n)
		}
		sort.Strings(names)
		gauges := []struct {
			name, help string
			get        func(sql.DBStats) float64
		}{
			{"wenming_db_open_connections", "Open database connections by pool.", func(s sql.DBStats) float64 { return float64(s.OpenConnections) }},
			{"wenming_db_in_use_connections", "Database connections in use by pool.", func(s sql.DBStats) float64 { return float64(s.InUse) }},
			{"wenming_db_idle_connections", "Idle database connections by pool.", func(s sql.DBStats) float64 { return float64(s.Idle) }},
			{"wenming_db_max_open_connections", "Maximum open database connections by pool.", func(s sql.DBStats) float64 { return float64(s.MaxOpenConnections) }},
			{"wenming_db_wait_count_total", "Waits for a database connection by pool.", func(s sql.DBStats) float64 { return float64(s.WaitCount) }},
			{"wenming_db_wait_seconds_total", "Time spent waiting for a database connection by pool.", func(s sql.DBStats) float64 { return s.WaitDuration.Seconds() }},
		}
		for _, g := range gauges {
			fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n", g.name, g.help, g.name)
			for _, n := range names {
				fmt.Fprintf(w, "%s{pool=%q} %g\n", g.name, n, g.get(pools[n]))
			}
		}
	}
	fmt.Fprintln(w, "# HELP wenming_uptime_seconds Seconds since the process started.")
	fmt.Fprintln(w, "# TYPE wenming_uptime_seconds gauge")
	fmt.Fprintf(w, "wenming_uptime_seconds %g\n", time.Since(r.start).Seconds())
}
