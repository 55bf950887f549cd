package perf

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/search"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Work orders at scale: `wenming bench orders --data DIR` starts this
// binary's `serve` on a data folder already loaded with
// `wenming demo --orders 1000000 --data DIR`, logs in as the dispatcher and
// times, with N sequential requests each over loopback, the dispatcher's
// queue (API and page), the unit KPI table for the current quarter (API and
// page; the last complete quarter) and full-text search for two-character words. In the same run it
// times the raw indexed queries directly on the same SQLite file (read-only,
// database/sql): the floor `SELECT id … WHERE state = ? ORDER BY id DESC
// LIMIT 50`, and the statement List itself runs for the dispatcher (all
// columns and joins; the search predicate from internal/search).

// OrdersConfig says what to measure.
type OrdersConfig struct {
	Binary   string        // the wenming binary to start
	Data     string        // a data folder loaded with demo --orders
	N        int           // requests per measure
	Warm     int           // warm-up requests per measure, not counted
	Out      io.Writer     // report
	Wait     time.Duration // longest start-up to wait for
	Password string        // the demo accounts' password
	Load     time.Duration // each phase under load (concurrent.go); 0: none
}

// OrdersMain parses the flags of `wenming bench orders` and runs it.
func OrdersMain(args []string, stdout, stderr io.Writer, password string) error {
	fs := flag.NewFlagSet("bench orders", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := OrdersConfig{Out: stdout, Password: password}
	fs.StringVar(&cfg.Data, "data", "data", "data folder loaded with `wenming demo --orders N`")
	fs.IntVar(&cfg.N, "n", 50, "requests per measure")
	fs.IntVar(&cfg.Warm, "warm", 5, "warm-up requests per measure")
	fs.DurationVar(&cfg.Load, "load", 10*time.Second, "each phase under load: the KPI API from 16 clients beside its ceiling, a mix from 64 (0: skip)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Binary = self
	return Orders(context.Background(), cfg)
}

// listSQL is List's statement up to its filters, for the dispatcher, who
// sees everything (visibleWhere is 1=1).
const listSQL = "SELECT " + workorder.ListColumns + workorder.ListFrom + " WHERE 1=1 AND "

// rawRows runs q and reads every column of every row; it returns the count.
func rawRows(ctx context.Context, d *sql.DB, q string, args ...any) (int, error) {
	rows, err := d.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

type measure struct {
	key, name string
	floors    []string // keys of the measures this one is compared with
	run       func() (int, error)
	unit      string // what the int of run is: "rows" or "bytes"
}

// Orders runs the measurement and writes a Markdown report.
func Orders(ctx context.Context, cfg OrdersConfig) error {
	if cfg.N <= 0 {
		cfg.N = 50
	}
	if cfg.Warm < 0 {
		cfg.Warm = 0
	}
	if cfg.Wait == 0 {
		cfg.Wait = 120 * time.Second
	}
	file := filepath.Join(cfg.Data, "wenming.db")
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("no database in %s (load one with `wenming demo --orders 1000000 --data %s`): %w", cfg.Data, cfg.Data, err)
	}
	cmd, base, ready, err := start(ctx, cfg.Binary, cfg.Data, cfg.Wait)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	defer stop(cmd)
	// Read-only, like the server's readers (same page cache size).
	raw, err := sql.Open("sqlite", "file:"+file+"?mode=ro&_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=cache_size(-32000)")
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	var orders, maxID int64
	if err := raw.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM workorders").Scan(&orders, &maxID); err != nil {
		return fmt.Errorf("count orders: %w", err)
	}
	c, err := login(base, "dispatcher", cfg.Password)
	if err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	idle, err := rssKiB(cmd.Process.Pid)
	if err != nil {
		return err
	}

	// serverTime is the Server-Timing of the last answer: the server's own
	// time for the request, without the round trip.
	var serverTime time.Duration
	get := func(path string) func() (int, error) {
		return func() (int, error) {
			res, err := c.Get(base + path)
			if err != nil {
				return 0, err
			}
			serverTime = parseServerTiming(res.Header.Get("Server-Timing"))
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return 0, fmt.Errorf("%s: status %d", path, res.StatusCode)
			}
			return len(b), nil
		}
	}
	state := string(workorder.StateDispatched)
	// The last complete quarter: a full 3 months of the demo's year (the
	// screen's default, the current quarter, is still filling up).
	cur, _ := quarter(time.Now())
	first, _ := time.ParseInLocation(workorder.DateLayout, cur, workorder.Zone)
	qFrom, qTo := quarter(first.AddDate(0, 0, -1))
	stats := "group=unit&from=" + qFrom + "&to=" + qTo
	runs := []measure{
		{"floor", "raw floor: `SELECT id FROM workorders WHERE state = 'dispatched' ORDER BY id DESC LIMIT 50`", nil, func() (int, error) {
			return rawRows(ctx, raw, "SELECT id FROM workorders WHERE state = ? ORDER BY id DESC LIMIT 50", state)
		}, "rows"},
		{"list", "raw List statement, state = dispatched (all columns, 3 joins, LIMIT 51)", []string{"floor"}, func() (int, error) {
			return rawRows(ctx, raw, listSQL+"w.state IN (?) ORDER BY w.id DESC LIMIT ? OFFSET ?", state, 51, 0)
		}, "rows"},
		{"", "API `GET /api/v1/workorders?state=dispatched`", []string{"floor", "list"}, get("/api/v1/workorders?state=dispatched"), "bytes"},
		{"", "page `GET /orders?state=dispatched`", []string{"floor", "list"}, get("/orders?state=dispatched"), "bytes"},
		{"", "API `GET /api/v1/stats/workorders?" + stats + "`", nil, get("/api/v1/stats/workorders?" + stats), "bytes"},
		{"", "page `GET /stats/workorders?" + stats + "`", nil, get("/stats/workorders?" + stats), "bytes"},
	}
	// The cockpit for the same quarter, the whole city and its busiest
	// district (the one with most orders).
	var district int64
	if err := raw.QueryRowContext(ctx, `SELECT r.id FROM regions r JOIN workorders w ON w.region_path LIKE r.path || '%'
		WHERE r.level = 'district' AND w.id > (SELECT MAX(id) - 20000 FROM workorders) GROUP BY r.id ORDER BY COUNT(*) DESC LIMIT 1`).Scan(&district); err != nil {
		return fmt.Errorf("busiest district: %w", err)
	}
	dash := "period=custom&from=" + qFrom + "&to=" + qTo
	dashD := dash + "&region=" + strconv.FormatInt(district, 10)
	runs = append(runs,
		measure{"", "API `GET /api/v1/dashboard?" + dash + "` (city)", nil, get("/api/v1/dashboard?" + dash), "bytes"},
		measure{"", "page `GET /dashboard?" + dash + "` (city)", nil, get("/dashboard?" + dash), "bytes"},
		measure{"", "API `GET /api/v1/dashboard?" + dashD + "` (district)", nil, get("/api/v1/dashboard?" + dashD), "bytes"},
		measure{"", "page `GET /dashboard?" + dashD + "` (district)", nil, get("/dashboard?" + dashD), "bytes"})
	for _, w := range []string{"路灯", "井盖"} {
		// The statement List runs for a text search: the index's newest
		// matches first (search.Newest), the FTS5 table joined before the orders.
		plan, ok := search.Newest(db.SQLite, workorder.SearchKind, w, "w.id")
		if !ok {
			return fmt.Errorf("search.Newest(%q): no term", w)
		}
		searchSQL := "SELECT " + workorder.ListColumns + " FROM " + plan.From + strings.TrimPrefix(workorder.ListFrom, " FROM ") + " WHERE " +
			plan.Where + " ORDER BY " + plan.Order + " LIMIT ? OFFSET ?"
		runs = append(runs,
			measure{"q" + w, "raw List statement, q=" + w + " (FTS5 newest first, 3 joins, LIMIT 51)", nil, func() (int, error) {
				return rawRows(ctx, raw, searchSQL, append(slices.Clone(plan.Args), 51, 0)...)
			}, "rows"},
			measure{"", "API `GET /api/v1/workorders?q=" + w + "`", []string{"q" + w}, get("/api/v1/workorders?q=" + url.QueryEscape(w)), "bytes"})
	}

	fmt.Fprintf(cfg.Out, "Data folder %s: %d work orders (max id %d), wenming.db %.2f GB. Start to /readyz %s; resident memory after start and login as dispatcher %.1f MiB.\n\n",
		cfg.Data, orders, maxID, float64(st.Size())/1e9, ms(ready), float64(idle)/1024)
	fmt.Fprintf(cfg.Out, "Sequential requests, %d per measure after %d warm-up, logged in as dispatcher; raw queries on the same file, read-only, in the same run:\n\n", cfg.N, cfg.Warm)
	fmt.Fprintf(cfg.Out, "| measure | median | p90 | server time (median) | server time to raw (median) | rows / bytes |\n|---|---|---|---|---|---|\n")
	medians := map[string]time.Duration{}
	for _, m := range runs {
		var times, server []time.Duration
		size := 0
		for j := 0; j < cfg.N+cfg.Warm; j++ {
			serverTime = 0
			t0 := time.Now()
			n, err := m.run()
			d := time.Since(t0)
			if err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			size = n
			if j >= cfg.Warm {
				times = append(times, d)
				if serverTime > 0 {
					server = append(server, serverTime)
				}
			}
		}
		med := median(times)
		if m.key != "" {
			medians[m.key] = med
		}
		smed, sshown := med, "—"
		if len(server) > 0 {
			smed = median(server)
			sshown = ms(smed)
		}
		var ratios []string
		for _, f := range m.floors {
			if medians[f] > 0 {
				ratios = append(ratios, fmt.Sprintf("%.1f× %s", float64(smed)/float64(medians[f]), floorNames[f]))
			}
		}
		ratio := "—"
		if len(ratios) > 0 {
			ratio = strings.Join(ratios, "; ")
		}
		fmt.Fprintf(cfg.Out, "| %s | %s | %s | %s | %s | %d %s |\n", m.name, ms(med), ms(pct(times, 0.9)), sshown, ratio, size, m.unit)
	}
	after, err := rssKiB(cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "\nResident memory (VmRSS) of the server after these runs: %.1f MiB.\n", float64(after)/1024)
	if cfg.Load <= 0 {
		return nil
	}
	mix := []string{"/api/v1/workorders?state=" + state, "/orders?state=" + state, "/api/v1/stats/workorders?" + stats,
		"/api/v1/workorders?q=" + url.QueryEscape("路灯"), "/api/v1/dashboard?" + dashD, "/orders/" + strconv.FormatInt(maxID, 10)}
	return underLoad(ctx, cfg.Out, c, base, cmd.Process.Pid, file, cfg.Load, "/api/v1/stats/workorders?"+stats, qFrom, qTo, mix)
}

// parseServerTiming reads the app;dur=<ms> the server puts on its
// answers; 0 when it is missing.
func parseServerTiming(h string) time.Duration {
	for part := range strings.SplitSeq(h, ",") {
		dur, ok := strings.CutPrefix(strings.TrimSpace(part), "app;dur=")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(dur, 64); err == nil {
			return time.Duration(v * float64(time.Millisecond))
		}
	}
	return 0
}

// quarter returns the first and last day of the quarter holding t in
// Beijing time (the default period of the KPI screen).
func quarter(t time.Time) (string, string) {
	t = t.In(workorder.Zone)
	first := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, workorder.Zone)
	return first.Format(workorder.DateLayout), first.AddDate(0, 3, -1).Format(workorder.DateLayout)
}

var floorNames = map[string]string{"floor": "raw floor", "list": "raw List statement",
	"q路灯": "raw List statement, q=路灯", "q井盖": "raw List statement, q=井盖"}
