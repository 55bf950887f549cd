package perf

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Under load: after the sequential table, `bench orders` runs the KPI API
// from 16 clients at once beside its ceiling (the same two statements, the
// quarter's per-unit rows of the narrow rollup and the live overdue count,
// from 16 goroutines on a read-only pool of the same file), then a mix of
// the dispatcher's screens from 64 clients while it samples the server's
// resident memory for its peak.

// loadPhase runs clients goroutines, each calling do until d has passed,
// and returns every call's latency, the calls that failed and the peak
// resident memory of pid (sampled every 50 ms; 0 when pid is 0).
func loadPhase(ctx context.Context, clients int, d time.Duration, pid int, do func(worker, n int) error) ([]time.Duration, int, int, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var lat []time.Duration
	var failed int
	var firstErr error
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for n := 0; ctx.Err() == nil; n++ {
				t0 := time.Now()
				err := do(w, n)
				if ctx.Err() != nil {
					break // cut by the deadline: not counted
				}
				if err != nil {
					mu.Lock()
					failed++
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	peak := 0
	if pid != 0 {
		tick := time.NewTicker(50 * time.Millisecond)
	sample:
		for {
			select {
			case <-ctx.Done():
				break sample
			case <-tick.C:
				if kib, err := rssKiB(pid); err == nil && kib > peak {
					peak = kib
				}
			}
		}
		tick.Stop()
	}
	wg.Wait()
	return lat, failed, peak, firstErr
}

// concurrentClient is an HTTP client sharing c's session with enough idle
// connections for n clients, so a phase measures requests, not handshakes.
func concurrentClient(c *http.Client, n int) *http.Client {
	return &http.Client{Jar: c.Jar, CheckRedirect: c.CheckRedirect,
		Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, MaxConnsPerHost: n}}
}

func getOK(c *http.Client, url string) error {
	res, err := c.Get(url)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", url, res.StatusCode)
	}
	return nil
}

// kpiCeiling is the KPI table's work without the server: its two
// statements for the quarter on the raw file.
func kpiCeiling(ctx context.Context, raw *sql.DB, from, to string) error {
	if _, err := rawRows(ctx, raw, `SELECT s.id, SUM(s.received), SUM(s.dispatched), SUM(s.acknowledged_on_time), SUM(s.resolved),
		SUM(s.resolved_on_time), SUM(s.returned), SUM(s.reopened), SUM(s.callbacks_reached), SUM(s.satisfied),
		SUM(s.basically_satisfied), SUM(s.dissatisfied), SUM(s.handling_ms_sum), SUM(s.handling_count)
		FROM workorder_stats_dim s WHERE s.dim = 'unit' AND s.day >= ? AND s.day <= ? GROUP BY s.id`, from, to); err != nil {
		return err
	}
	now := time.Now().UnixMilli()
	_, err := rawRows(ctx, raw, `SELECT COALESCE(w.unit_id, 0), COUNT(*) FROM workorders w
		WHERE ((w.state = 'dispatched' AND w.ack_due_at < ?) OR (w.state IN ('acknowledged', 'extension_requested', 'reopened') AND w.resolve_due_at < ?))
		AND w.kind = 'request' GROUP BY COALESCE(w.unit_id, 0)`, now, now)
	return err
}

// underLoad runs both phases and writes their lines of the report.
func underLoad(ctx context.Context, out io.Writer, c *http.Client, base string, pid int, rawFile string, d time.Duration, kpi string, from, to string, mix []string) error {
	const kpiClients, memClients = 16, 64
	hc := concurrentClient(c, memClients)
	raw, err := sql.Open("sqlite", "file:"+rawFile+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-32000)")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(kpiClients)
	line := func(name string, lat []time.Duration, failed int, extra string) {
		slices.Sort(lat)
		fmt.Fprintf(out, "| %s | %.0f/s | %s | %s | %d | %s |\n", name, float64(len(lat))/d.Seconds(), ms(pct(lat, 0.5)), ms(pct(lat, 0.99)), failed, extra)
	}
	fmt.Fprintf(out, "\nUnder load, %s per phase:\n\n| phase | requests | p50 | p99 | failed | |\n|---|---|---|---|---|---|\n", d)
	lat, failed, _, err := loadPhase(ctx, kpiClients, d, 0, func(int, int) error { return kpiCeiling(ctx, raw, from, to) })
	if err != nil && len(lat) == 0 {
		return fmt.Errorf("KPI ceiling: %w", err)
	}
	ceil := pct(lat, 0.99)
	line("ceiling: the KPI table's two statements on the raw file, 16 goroutines", lat, failed, "")
	lat, failed, _, err = loadPhase(ctx, kpiClients, d, 0, func(int, int) error { return getOK(hc, base+kpi) })
	if err != nil && len(lat) == 0 {
		return fmt.Errorf("KPI under load: %w", err)
	}
	slices.Sort(lat)
	line("API `GET "+kpi+"`, 16 clients", lat, failed, fmt.Sprintf("p99 %.1f× the ceiling's", float64(pct(lat, 0.99))/float64(max(ceil, time.Microsecond))))
	lat, failed, peak, err := loadPhase(ctx, memClients, d, pid, func(w, n int) error { return getOK(hc, base+mix[(w+n)%len(mix)]) })
	if err != nil && len(lat) == 0 {
		return fmt.Errorf("mix under load: %w", err)
	}
	line(fmt.Sprintf("the mix of %d screens below, 64 clients", len(mix)), lat, failed, fmt.Sprintf("peak resident memory %.1f MiB", float64(peak)/1024))
	for _, m := range mix {
		fmt.Fprintf(out, "\n- `%s`", m)
	}
	fmt.Fprintln(out)
	return nil
}
