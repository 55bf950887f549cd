package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Durable intake: `wenming bench intake` drives POST /api/v1/public/reports
// (201 only after the order, its event and its rollups are committed) with
// N concurrent clients for a bounded time and request count, with
// realistic reports (RealisticBodies: descriptions of the demo history's
// kind with a median near 250 characters, a tenth with a photo) sent each
// from its own address so that the default per-address limit's counter
// is written for every report, and measures in the same run, with the same
// clients and bodies, the ceilings it is compared with: the plain Go HTTP
// POST (an in-process handler that answers 201 without work), the minimal
// durable path (minimal.go: parse + one INSERT into a two-index table,
// group commit at wenming's batch size) and PocketBase when a binary is
// given (pocketbase.go). Runs are interleaved; medians are reported.

// ReportsPath is the route under load.
const ReportsPath = "/api/v1/public/reports"

// IntakeConfig says what to measure.
type IntakeConfig struct {
	Binary   string        // the wenming binary to start when URL is ""
	URL      string        // a running server instead (its report limit must allow the load)
	Clients  int           // concurrent clients (default 64)
	Duration time.Duration // per measured run (default 20 s)
	Requests int           // at most this many requests per run (default 2,000,000)
	Runs     int           // runs of each measurement; medians are reported (default 3)
	Raw      bool          // also measure plain SQLite inserts, 1 and 256 rows per transaction (for reference)
	// DB is a PostgreSQL URL to run the server (and the minimal durable
	// path) on; "" is SQLite in the server's fresh data folder. The
	// database should be empty: the first run loads the demo city in it.
	DB string
	// SearchBehind starts the server with --search-behind.
	SearchBehind bool
	// PocketBase is a PocketBase binary to measure beside (optional).
	PocketBase string
	// Bodies is how many distinct realistic bodies are posted in turn.
	Bodies int
	// Photos is the share of bodies with a photo (0: PhotoShare; < 0: none).
	Photos float64
	// NoLimit turns the per-address report limit off (for a profile of
	// what the limit's counter costs).
	NoLimit bool
	Out     io.Writer
	Wait    time.Duration // longest start-up to wait for
}

// Load is the outcome of one run of clients against a URL.
type Load struct {
	Requests int64 // answered or failed
	Created  int64 // 201
	Errors   int64 // anything else, transport errors included
	Elapsed  time.Duration
	P50, P99 time.Duration
	// FirstErrors are a few error descriptions, for the report.
	FirstErrors []string
}

// PerSecond is the rate of 201 answers.
func (l Load) PerSecond() float64 {
	if l.Elapsed <= 0 {
		return 0
	}
	return float64(l.Created) / l.Elapsed.Seconds()
}

// LoadConfig drives one run.
type LoadConfig struct {
	URL    string   // full URL to POST to
	Bodies [][]byte // JSON bodies, used in turn
	// Types are the bodies' content types (nil or "": JSON).
	Types []string
	// ForwardFor sends each request from its own client address
	// (X-Forwarded-For 10.x.y.z, for a server trusting 127.0.0.1 as its
	// proxy), so the per-address report limit counts every report and
	// refuses none.
	ForwardFor bool
	// OK is the status that counts as created (0: 201).
	OK       int
	Clients  int           // concurrent clients
	Duration time.Duration // stop after this long…
	Requests int           // …or this many requests
	// Created is called with the body of every 201 answer, from the
	// client's goroutine (the crash test records the tracking codes).
	Created func(body []byte)
}

// Drive runs the clients: each POSTs a body, waits for the answer and
// posts the next, until the time or the request count is used up or ctx
// ends. Latencies are those of the answered requests.
func Drive(ctx context.Context, cfg LoadConfig) Load {
	if cfg.Clients <= 0 {
		cfg.Clients = 1
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 2_000_000
	}
	tr := &http.Transport{MaxIdleConns: cfg.Clients, MaxIdleConnsPerHost: cfg.Clients, MaxConnsPerHost: cfg.Clients,
		DisableCompression: true, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent, created, failed atomic.Int64
	var mu sync.Mutex
	var firstErrs []string
	noteErr := func(s string) {
		failed.Add(1)
		mu.Lock()
		if len(firstErrs) < 5 && !slices.Contains(firstErrs, s) {
			firstErrs = append(firstErrs, s)
		}
		mu.Unlock()
	}
	okStatus := http.StatusCreated
	if cfg.OK != 0 {
		okStatus = cfg.OK
	}
	lat := make([][]time.Duration, cfg.Clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := range cfg.Clients {
		wg.Go(func() {
			buf := make([]byte, 0, 512)
			for i := c; ctx.Err() == nil; i += cfg.Clients {
				seq := sent.Add(1)
				if seq > int64(cfg.Requests) {
					sent.Add(-1)
					return
				}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, cfg.URL, bytes.NewReader(cfg.Bodies[i%len(cfg.Bodies)]))
				ct := "application/json"
				if k := i % len(cfg.Bodies); k < len(cfg.Types) && cfg.Types[k] != "" {
					ct = cfg.Types[k]
				}
				req.Header.Set("Content-Type", ct)
				if cfg.ForwardFor {
					n := seq
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255))
				}
				start := time.Now()
				res, err := hc.Do(req)
				if err != nil {
					if ctx.Err() != nil {
						sent.Add(-1) // cut off by the end of the run: not a request
						return
					}
					noteErr(shortErr(err))
					time.Sleep(10 * time.Millisecond) // a dead server is not a hot loop
					continue
				}
				buf = buf[:0]
				buf, err = readAll(buf, res.Body)
				res.Body.Close()
				d := time.Since(start)
				switch {
				case err != nil && ctx.Err() != nil:
					sent.Add(-1)
					return
				case err != nil:
					noteErr(shortErr(err))
				case res.StatusCode != okStatus:
					noteErr(fmt.Sprintf("HTTP %d: %.120s", res.StatusCode, buf))
				default:
					created.Add(1)
					lat[c] = append(lat[c], d)
					if cfg.Created != nil {
						cfg.Created(buf)
					}
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	all := slices.Concat(lat...)
	slices.Sort(all)
	return Load{Requests: sent.Load(), Created: created.Load(), Errors: failed.Load(), Elapsed: elapsed,
		P50: quantile(all, 0.50), P99: quantile(all, 0.99), FirstErrors: firstErrs}
}

func readAll(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

func shortErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Op + ": " + op.Err.Error()
	}
	s := err.Error()
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// quantile of sorted durations.
func quantile(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*q))]
}

// reportDescriptions are what citizens write, by category code; a
// category without its own gets the general ones.
var reportDescriptions = []string{
	"小区门口垃圾堆了好几天没人清运，气味很大，请尽快处理",
	"人行道上有流动摊贩占道经营，行人只能走到机动车道上",
	"路灯不亮已经一个星期了，晚上回家很不安全",
	"楼下餐馆油烟直排，家里窗户都不敢开",
	"深夜广场舞音响声音太大，影响休息",
	"井盖缺失，旁边只放了一个锥桶，很危险",
	"道路破损坑洼积水，电动车经过容易摔倒",
	"小区车辆乱停放堵住消防通道",
	"电线杆上贴满小广告，影响市容",
	"公厕无人打扫，卫生状况很差",
}

var streets = []string{"嘉定北路", "嘉定中路", "人民西路", "肖公嘴", "柏杨东路", "滨河路", "长青路", "凤凰路", "龙游路", "海棠路"}

// ReportBodies returns n JSON bodies for POST /api/v1/public/reports over
// the category codes, with places around Leshan's centre.
func ReportBodies(categories []string, n int, seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	out := make([][]byte, n)
	for i := range out {
		lat, lng := 29.552+r.Float64()*0.06-0.03, 103.766+r.Float64()*0.06-0.03
		b, _ := json.Marshal(map[string]any{
			"category":    categories[r.IntN(len(categories))],
			"description": fmt.Sprintf("%s（第 %d 号）", reportDescriptions[r.IntN(len(reportDescriptions))], i),
			"lat":         lat, "lng": lng,
			"address": fmt.Sprintf("乐山市市中区%s%d号", streets[r.IntN(len(streets))], 1+r.IntN(300)),
			"name":    "市民", "phone": fmt.Sprintf("138%08d", r.IntN(100_000_000)),
		})
		out[i] = b
	}
	return out
}

// PublicCategories reads the codes citizens may choose from a server.
func PublicCategories(ctx context.Context, base string) ([]string, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/public/categories", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/public/categories: HTTP %d", res.StatusCode)
	}
	var list struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/public/categories: %w", err)
	}
	var codes []string
	for _, it := range list.Items {
		codes = append(codes, it.Code)
	}
	if len(codes) == 0 {
		return nil, errors.New("the server offers citizens no category")
	}
	return codes, nil
}

// Server is a wenming process started for a measurement.
type Server struct {
	Cmd  *exec.Cmd
	Base string
	Data string
}

// StartServer runs `wenming serve --demo` on the data folder with the
// citizens' report limit off (every client comes from 127.0.0.1) and
// waits for /readyz. Stderr (the log) goes to logw when not nil.
func StartServer(ctx context.Context, bin, data string, wait time.Duration, logw io.Writer) (*Server, error) {
	return StartServerWith(ctx, bin, data, wait, logw, nil, []string{"WENMING_REPORT_LIMIT=off"})
}

// StartServerWith is StartServer with more arguments for serve and more
// environment, and the report limit as configured (default: on).
func StartServerWith(ctx context.Context, bin, data string, wait time.Duration, logw io.Writer, args, env []string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--demo", "--addr", addr, "--data", data, "--log-format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	cmd.Stderr = io.Discard
	if logw != nil {
		cmd.Stderr = logw
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	base := "http://" + addr
	if _, err := waitReady(base, wait); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, err
	}
	return &Server{Cmd: cmd, Base: base, Data: data}, nil
}

// Stop ends the server gracefully (SIGINT, then SIGKILL after 10 s).
func (s *Server) Stop() { stop(s.Cmd) }

// Kill ends the server with SIGKILL and reaps it.
func (s *Server) Kill() {
	s.Cmd.Process.Kill()
	s.Cmd.Wait()
}

// Intake runs the measurement and writes a Markdown report.
func Intake(ctx context.Context, cfg IntakeConfig) error {
	if cfg.Clients <= 0 {
		cfg.Clients = 64
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 20 * time.Second
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 2_000_000
	}
	if cfg.Runs <= 0 {
		cfg.Runs = 3
	}
	if cfg.Wait == 0 {
		cfg.Wait = 60 * time.Second
	}
	if cfg.Bodies <= 0 {
		cfg.Bodies = 4096
	}
	switch {
	case cfg.Photos == 0:
		cfg.Photos = PhotoShare
	case cfg.Photos < 0:
		cfg.Photos = 0
	}
	out := cfg.Out
	engine := "SQLite"
	if cfg.DB != "" {
		engine = "PostgreSQL"
	}
	fmt.Fprintf(out, "Machine: %d cores (%s), GOMAXPROCS %d, load average %s, %s.\n", runtime.NumCPU(), cpuModel(), runtime.GOMAXPROCS(0),
		loadAverage(), time.Now().Format("2006-01-02 15:04"))
	limit := fmt.Sprintf("report limit %d per %s per address (counted for every report)", workorder.DefaultReportLimit.Reports, workorder.DefaultReportLimit.Window)
	if cfg.NoLimit {
		limit = "report limit off"
	}
	fmt.Fprintf(out, "Server: %s, search %s, %s.\n", engine,
		map[bool]string{false: "indexed in the commit", true: "behind the commit (--search-behind)"}[cfg.SearchBehind], limit)
	sample := RealisticBodies([]string{"RUBBISH"}, cfg.Bodies, 1, cfg.Photos)
	p10, p50, p90, photos := BodySizes(sample)
	fmt.Fprintf(out, "Bodies: %d realistic reports, JSON %d / %d / %d bytes (p10 / median / p90), %.0f%% multipart with one %d-byte photo.\n",
		cfg.Bodies, p10, p50, p90, photos*100, len(samplePhoto()))
	fmt.Fprintf(out, "Load: %d clients, %s per run (at most %d requests), %d runs interleaved; medians below.\n\n",
		cfg.Clients, cfg.Duration, cfg.Requests, cfg.Runs)
	fmt.Fprintf(out, "| run | measure | 201/s | p50 | p99 | requests | errors |\n|---|---|---|---|---|---|---|\n")
	warm := min(2*time.Second, cfg.Duration/5)
	var api, ceil, minimal, pb []Load
	for run := 1; run <= cfg.Runs; run++ {
		l, err := intakeRun(ctx, cfg, warm)
		if err != nil {
			return err
		}
		api = append(api, l)
		row(out, run, "wenming `POST "+ReportsPath+"`", l)
		l, err = minimalRun(ctx, cfg, warm)
		if err != nil {
			return err
		}
		minimal = append(minimal, l)
		row(out, run, "minimal durable path (parse + 1 INSERT, 2 indexes, group commit ≤ "+fmt.Sprint(workorder.DefaultBatchMax)+")", l)
		l, err = httpCeiling(ctx, cfg, warm)
		if err != nil {
			return err
		}
		ceil = append(ceil, l)
		row(out, run, "plain Go HTTP POST → 201, no work", l)
		if cfg.PocketBase != "" {
			l, err = pocketBaseRun(ctx, cfg, warm)
			if err != nil {
				return err
			}
			pb = append(pb, l)
			row(out, run, "PocketBase, one collection with an index", l)
		}
	}
	var one, many []float64
	if cfg.Raw {
		for run := 1; run <= cfg.Runs; run++ {
			r1, err := SQLiteInserts(ctx, 1, cfg.Duration)
			if err != nil {
				return err
			}
			rn, err := SQLiteInserts(ctx, 256, cfg.Duration)
			if err != nil {
				return err
			}
			one, many = append(one, r1), append(many, rn)
			fmt.Fprintf(out, "| %d | plain SQLite INSERT into workorders, 1 row per transaction | %.0f rows/s | | | | |\n", run, r1)
			fmt.Fprintf(out, "| %d | plain SQLite INSERT into workorders, 256 rows per transaction | %.0f rows/s | | | | |\n", run, rn)
		}
	}
	ma, mm, mc := medianLoad(api), medianLoad(minimal), medianLoad(ceil)
	fmt.Fprintf(out, "\n| median of %d | value |\n|---|---|\n", cfg.Runs)
	fmt.Fprintf(out, "| durable intake `POST %s` | %.0f orders/s, p50 %s, p99 %s, errors %d |\n", ReportsPath,
		ma.PerSecond(), ms(ma.P50), ms(ma.P99), ma.Errors)
	fmt.Fprintf(out, "| minimal durable path | %.0f rows/s, p50 %s, p99 %s |\n", mm.PerSecond(), ms(mm.P50), ms(mm.P99))
	fmt.Fprintf(out, "| plain Go HTTP POST ceiling | %.0f requests/s, p50 %s, p99 %s |\n", mc.PerSecond(), ms(mc.P50), ms(mc.P99))
	fmt.Fprintf(out, "| intake / minimal durable path (target ≥ 0.6) | %.2f |\n", ma.PerSecond()/mm.PerSecond())
	fmt.Fprintf(out, "| intake / HTTP ceiling | %.2f |\n", ma.PerSecond()/mc.PerSecond())
	fmt.Fprintf(out, "| intake p99 (target ≤ 50 ms) | %s |\n", ms(ma.P99))
	if len(pb) > 0 {
		mp := medianLoad(pb)
		fmt.Fprintf(out, "| PocketBase | %.0f records/s, p50 %s, p99 %s |\n", mp.PerSecond(), ms(mp.P50), ms(mp.P99))
		fmt.Fprintf(out, "| intake / PocketBase (target ≥ 3) | %.2f |\n", ma.PerSecond()/mp.PerSecond())
	}
	if cfg.Raw {
		m1, mn := medianF(one), medianF(many)
		fmt.Fprintf(out, "| plain SQLite, 1 row per transaction | %.0f rows/s |\n", m1)
		fmt.Fprintf(out, "| plain SQLite, 256 rows per transaction | %.0f rows/s |\n", mn)
	}
	for _, ls := range [][]Load{api, minimal, pb} {
		for _, l := range ls {
			for _, e := range l.FirstErrors {
				fmt.Fprintf(out, "\nerror seen: %s", e)
			}
		}
	}
	fmt.Fprintln(out)
	return nil
}

// loadAverage is /proc/loadavg's first three figures.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// loadWith drives url with the realistic bodies (warm-up, then the run).
func loadWith(ctx context.Context, cfg IntakeConfig, warm time.Duration, url string, bodies []Body, forward bool, ok int) Load {
	lc := LoadConfig{URL: url, Clients: cfg.Clients, Duration: warm, Requests: cfg.Requests, ForwardFor: forward, OK: ok}
	for _, b := range bodies {
		lc.Bodies, lc.Types = append(lc.Bodies, b.Data), append(lc.Types, b.ContentType)
	}
	Drive(ctx, lc)
	lc.Duration = cfg.Duration
	return Drive(ctx, lc)
}

func minimalRun(ctx context.Context, cfg IntakeConfig, warm time.Duration) (Load, error) {
	m, err := startMinimal(ctx, cfg.DB)
	if err != nil {
		return Load{}, fmt.Errorf("start the minimal durable path: %w", err)
	}
	defer m.stop()
	return loadWith(ctx, cfg, warm, m.URL, RealisticBodies([]string{"RUBBISH"}, cfg.Bodies, 2, cfg.Photos), false, 0), nil
}

func pocketBaseRun(ctx context.Context, cfg IntakeConfig, warm time.Duration) (Load, error) {
	pb, err := startPocketBase(ctx, cfg.PocketBase, cfg.Wait)
	if err != nil {
		return Load{}, fmt.Errorf("start PocketBase: %w", err)
	}
	defer pb.Stop()
	return loadWith(ctx, cfg, warm, pb.URL, RealisticBodies([]string{"RUBBISH"}, cfg.Bodies, 3, 0), false, http.StatusOK), nil
}

func row(w io.Writer, run int, name string, l Load) {
	fmt.Fprintf(w, "| %d | %s | %.0f | %s | %s | %d | %d |\n", run, name, l.PerSecond(), ms(l.P50), ms(l.P99), l.Requests, l.Errors)
}

func medianLoad(ls []Load) Load {
	s := slices.Clone(ls)
	slices.SortFunc(s, func(a, b Load) int {
		switch x, y := a.PerSecond(), b.PerSecond(); {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

func medianF(fs []float64) float64 {
	s := slices.Clone(fs)
	slices.Sort(s)
	return s[len(s)/2]
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for l := range strings.SplitSeq(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// intakeRun measures the API once: on a server started on a fresh folder
// (trusting 127.0.0.1 as its proxy, so each report comes from its own
// address and the default limit counts it), or on cfg.URL.
func intakeRun(ctx context.Context, cfg IntakeConfig, warm time.Duration) (Load, error) {
	base := strings.TrimRight(cfg.URL, "/")
	if base == "" {
		data, err := os.MkdirTemp("", "wenming-intake-")
		if err != nil {
			return Load{}, err
		}
		defer os.RemoveAll(data)
		args := []string{"--trust-proxy", "127.0.0.1/32", "--demo-orders", "0"}
		if cfg.DB != "" {
			args = append(args, "--db", cfg.DB)
		}
		if cfg.SearchBehind {
			args = append(args, "--search-behind")
		}
		var env []string
		if cfg.NoLimit {
			env = []string{"WENMING_REPORT_LIMIT=off"}
		}
		srv, err := StartServerWith(ctx, cfg.Binary, data, cfg.Wait, nil, args, env)
		if err != nil {
			return Load{}, fmt.Errorf("start the server: %w", err)
		}
		defer srv.Stop()
		base = srv.Base
	}
	cats, err := PublicCategories(ctx, base)
	if err != nil {
		return Load{}, err
	}
	bodies := RealisticBodies(cats, cfg.Bodies, uint64(time.Now().UnixNano()), cfg.Photos)
	l := loadWith(ctx, cfg, warm, base+ReportsPath, bodies, true, 0)
	if l.Created == 0 {
		return l, fmt.Errorf("no report was created (%d errors: %v)", l.Errors, l.FirstErrors)
	}
	return l, nil
}

// httpCeiling drives an in-process handler that reads the body and answers
// 201 with a small JSON body, with the same clients and bodies.
func httpCeiling(ctx context.Context, cfg IntakeConfig, warm time.Duration) (Load, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Load{}, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":1,"code":"ABCDEFGHJK"}`)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	return loadWith(ctx, cfg, warm, "http://"+ln.Addr().String()+ReportsPath,
		RealisticBodies([]string{"RUBBISH"}, cfg.Bodies, 1, cfg.Photos), false, 0), nil
}

// SQLiteInserts measures plain inserts of report rows into a fresh
// database with wenming's schema and settings (WAL, synchronous NORMAL,
// BEGIN IMMEDIATE), perTx rows per transaction from one goroutine, for
// about d; it returns rows per second. These are the workorders rows the
// API writes, without the timeline event, rollup, search tokens and the
// reads around them.
func SQLiteInserts(ctx context.Context, perTx int, d time.Duration) (float64, error) {
	dir, err := os.MkdirTemp("", "wenming-raw-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	st, err := db.Open(ctx, filepath.Join(dir, "raw.db"))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		return 0, err
	}
	svc := workorder.New(st, clock.System{})
	if err := svc.Bootstrap(ctx); err != nil {
		return 0, err
	}
	var cat int64
	if err := st.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT id FROM workorder_categories WHERE code = 'RUBBISH'", nil, &cat)
	}); err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(7, 7))
	const q = `INSERT INTO workorders (code, channel, category_id, title, description, address, lat, lng,
		region_id, region_path, reporter_name, reporter_phone, state, urgency, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	n := 0
	t0 := time.Now()
	for time.Since(t0) < d && ctx.Err() == nil {
		err := st.Write(ctx, func(tx *db.Tx) error {
			for range perTx {
				desc := fmt.Sprintf("%s（第 %d 号）", reportDescriptions[r.IntN(len(reportDescriptions))], n)
				now := time.Now().UnixMilli()
				if _, err := tx.Exec(ctx, q, workorder.NewCode(), "api", cat, firstRunes(desc, 30), desc,
					fmt.Sprintf("乐山市市中区%s%d号", streets[r.IntN(len(streets))], 1+r.IntN(300)),
					29.552+r.Float64()*0.06, 103.766+r.Float64()*0.06, nil, "", "市民",
					fmt.Sprintf("138%08d", r.IntN(100_000_000)), "submitted", "general", nil, now, now); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(t0).Seconds(), nil
}

// firstRunes is s cut to at most n characters. ([]rune(s)[:n] would read
// past a shorter text into the slice's spare capacity: NUL characters,
// which the store refuses.)
func firstRunes(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}
