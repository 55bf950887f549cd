// Package perf measures a real wenming process from the outside: start-up
// time to ready, page times over loopback compared with the cheapest route
// of the same server (the raw floor), and resident memory at idle. It is
// run by `wenming bench pages` and its figures go to docs/PERFORMANCE.md.
package perf

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PagesConfig says what to measure.
type PagesConfig struct {
	Binary string        // the wenming binary to start
	N      int           // requests per page
	Out    io.Writer     // report
	Wait   time.Duration // longest start-up to wait for
}

// Page is one measured URL.
type Page struct {
	Name, Path string
}

// DefaultPages are the pages the foundation issue asks about.
var DefaultPages = []Page{
	{"healthz (floor: smallest route)", "/healthz"},
	{"home page (admin)", "/"},
	{"units list, 50 rows", "/units?size=50"},
	{"users list, 11 rows", "/users"},
	{"audit log, 50 rows", "/audit?size=50"},
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitReady(base string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < limit {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return time.Since(start), nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return 0, fmt.Errorf("not ready after %s", limit)
}

// start runs `wenming serve --demo` on a data folder and returns the
// process, its base URL and the time to /readyz.
func start(ctx context.Context, bin, data string, wait time.Duration) (*exec.Cmd, string, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", 0, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve", "--demo", "--addr", addr, "--data", data, "--log-format", "json")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, "", 0, err
	}
	base := "http://" + addr
	if _, err := waitReady(base, wait); err != nil {
		cmd.Process.Kill()
		return nil, "", 0, err
	}
	return cmd, base, time.Since(t0), nil
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}

// rssKiB reads the resident set size of a process from /proc.
func rssKiB(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func login(base, user, pw string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRe.FindSubmatch(b)
	if m == nil {
		return nil, fmt.Errorf("no csrf token on /login")
	}
	res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "username": {user}, "password": {pw}})
	if err != nil {
		return nil, err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s: status %d", user, res.StatusCode)
	}
	return c, nil
}

// median of durations.
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// Pages runs the measurement and writes a Markdown report.
func Pages(ctx context.Context, cfg PagesConfig, password string) error {
	if cfg.N <= 0 {
		cfg.N = 200
	}
	if cfg.Wait == 0 {
		cfg.Wait = 60 * time.Second
	}
	data, err := os.MkdirTemp("", "wenming-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)

	// First start: empty folder, schema and demo city created.
	cmd, _, first, err := start(ctx, cfg.Binary, data, cfg.Wait)
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	stop(cmd)
	// Second start: the ordinary restart of an existing database.
	var again []time.Duration
	for i := 0; i < 5; i++ {
		cmd, _, d, err := start(ctx, cfg.Binary, data, cfg.Wait)
		if err != nil {
			return fmt.Errorf("restart: %w", err)
		}
		again = append(again, d)
		stop(cmd)
	}
	cmd, base, _, err := start(ctx, cfg.Binary, data, cfg.Wait)
	if err != nil {
		return err
	}
	defer stop(cmd)
	c, err := login(base, "admin", password)
	if err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond)
	idle, err := rssKiB(cmd.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "| measure | value |\n|---|---|\n")
	fmt.Fprintf(cfg.Out, "| first start (schema + demo city) to /readyz | %s |\n", ms(first))
	fmt.Fprintf(cfg.Out, "| restart to /readyz, median of %d | %s |\n", len(again), ms(median(again)))
	fmt.Fprintf(cfg.Out, "| resident memory at idle after start and login | %.1f MiB |\n\n", float64(idle)/1024)
	fmt.Fprintf(cfg.Out, "Sequential GETs over loopback, %d per page after 20 warm-up requests, logged in as admin:\n\n", cfg.N)
	fmt.Fprintf(cfg.Out, "| page | median | p90 | ratio to floor (median) | bytes |\n|---|---|---|---|---|\n")
	var floor time.Duration
	for i, p := range DefaultPages {
		var times []time.Duration
		size := 0
		for j := 0; j < cfg.N+20; j++ {
			t0 := time.Now()
			res, err := c.Get(base + p.Path)
			if err != nil {
				return err
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			d := time.Since(t0)
			if res.StatusCode != 200 {
				return fmt.Errorf("%s: status %d", p.Path, res.StatusCode)
			}
			size = len(b)
			if j >= 20 {
				times = append(times, d)
			}
		}
		m := median(times)
		if i == 0 {
			floor = m
		}
		fmt.Fprintf(cfg.Out, "| %s `%s` | %s | %s | %.1f× | %d |\n", p.Name, p.Path, ms(m), ms(pct(times, 0.9)), float64(m)/float64(floor), size)
	}
	after, _ := rssKiB(cmd.Process.Pid)
	fmt.Fprintf(cfg.Out, "\nResident memory after the page runs: %.1f MiB.\n", float64(after)/1024)
	return nil
}
