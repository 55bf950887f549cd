// Package cli is wenming's command line: serve (the default), migrate,
// demo, user create|passwd, backup and version. Every serve flag can also
// be set by an environment variable (WENMING_ADDR, WENMING_DATA …).
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/app"
	"github.com/wenming-city/wenming/internal/auth"
	wmbackup "github.com/wenming-city/wenming/internal/backup"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/perf"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/workorder"
)

const usage = `wenming: the civilised-city campaign system.

Usage:
  wenming [serve] [flags]        start the server (the default command)
  wenming migrate [flags]        create or update the database schema
  wenming demo [--orders N] [flags]
                                 load the demo city into an empty database, and N work orders
                                 over the past year (on a database with the city: only the orders)
  wenming user create USERNAME [flags]
  wenming user passwd USERNAME [flags]
  wenming backup FILE [flags]    one archive of the database (SQLite) and the photos
  wenming restore FILE [--force] [flags]
                                 unpack a backup into the data folder
  wenming bench pages [--n 200] measure start-up, page times and memory of this binary
  wenming bench intake [--clients 64] [--duration 20s] [--runs 3] [--url URL] [--db URL] [--search-behind] [--pocketbase BIN]
                                 durable intake through POST /api/v1/public/reports vs raw ceilings
  wenming bench orders [--data DIR] [--n 50] [--load 10s]
                                 queue, KPI table and search on a folder loaded by demo --orders
  wenming pii-key [--id ID]      print a new personal-data key (WENMING_PII_KEYS entry) and index key
  wenming version

Flags (each also an environment variable):
  --addr        WENMING_ADDR        listen address (default 127.0.0.1:8080)
  --data        WENMING_DATA        data folder (default ./data)
  --db          WENMING_DB          database: empty for SQLite in the data folder, or a postgres:// URL
  --demo        WENMING_DEMO        load the demo city if the database is empty
  --base-url    WENMING_BASE_URL    public URL, e.g. https://wenming.example.gov.cn
  --log-format  WENMING_LOG_FORMAT  text or json
  --trust-proxy WENMING_TRUST_PROXY reverse proxies whose X-Forwarded-For is believed (IPs/CIDRs)
  --pprof       WENMING_PPROF       serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060 (default off)
  --report-limit WENMING_REPORT_LIMIT citizens' reports per address: N/DURATION (default 20/1h) or off

Secrets (environment only, so they never show in a process list):
  WENMING_ADMIN_PASSWORD            the first admin's password on a new database
  WENMING_S3_ACCESS_KEY, WENMING_S3_SECRET_KEY
  WENMING_PII_KEYS                  personal-data encryption keys: id:base64[,id:base64…], the first encrypts
  WENMING_PII_INDEX_KEY             the blind index key (base64); see docs/OPERATIONS.md, "Personal data"
`

// Run executes the command line and returns the process exit code.
func Run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, stdout, stderr)
	case "migrate":
		err = migrate(args, stdout, stderr)
	case "demo":
		err = loadDemo(args, stdout, stderr)
	case "user":
		err = user(args, stdin, stdout, stderr)
	case "backup":
		err = backup(args, stdout, stderr)
	case "restore":
		err = restore(args, stdout, stderr)
	case "bench":
		err = bench(args, stdout, stderr)
	case "pii-key":
		err = piiKey(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "wenming", app.Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "wenming:", describe(err))
		return 1
	}
	return 0
}

// describe turns an error into a line for the terminal, in Chinese and
// English where it is a domain error.
func describe(err error) string {
	e := errs.As(err)
	if e == nil {
		return err.Error()
	}
	msg := i18n.T(i18n.EN, e.Key, append([]any(nil), e.Args...)...)
	for f, fe := range e.Fields {
		msg += fmt.Sprintf("\n  %s: %s", f, i18n.T(i18n.EN, fe.Key, append([]any(nil), fe.Args...)...))
	}
	return msg
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// flags declares the shared flags on fs and returns the config they fill.
func flags(fs *flag.FlagSet) *app.Config {
	c := &app.Config{}
	fs.StringVar(&c.Addr, "addr", env("WENMING_ADDR", "127.0.0.1:8080"), "listen address")
	fs.StringVar(&c.DataDir, "data", env("WENMING_DATA", "data"), "data folder")
	fs.StringVar(&c.DB, "db", env("WENMING_DB", ""), "database (empty: SQLite in the data folder; or a postgres:// URL)")
	fs.BoolVar(&c.Demo, "demo", envBool("WENMING_DEMO"), "load the demo city if the database is empty")
	fs.BoolVar(&c.SearchBehind, "search-behind", envBool("WENMING_SEARCH_BEHIND"),
		"index citizens' reports for search just after their commit (within a second; by tracking code at once)")
	fs.IntVar(&c.DemoOrders, "demo-orders", envInt("WENMING_DEMO_ORDERS", app.DefaultDemoOrders),
		"work orders the demo city starts with, spread over the last four months (0: none)")
	fs.StringVar(&c.BaseURL, "base-url", env("WENMING_BASE_URL", ""), "public base URL")
	fs.StringVar(&c.LogFormat, "log-format", env("WENMING_LOG_FORMAT", "text"), "log format: text or json")
	fs.Func("trust-proxy", "reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed", func(v string) error {
		ps, err := parsePrefixes(v)
		c.TrustedProxies = ps
		return err
	})
	if v := os.Getenv("WENMING_TRUST_PROXY"); v != "" {
		ps, err := parsePrefixes(v)
		if err != nil {
			fmt.Fprintf(fs.Output(), "WENMING_TRUST_PROXY ignored: %v\n", err)
		}
		c.TrustedProxies = ps
	}
	if v := os.Getenv("WENMING_REPORT_LIMIT"); v != "" {
		var err error
		if c.ReportLimit, err = parseReportLimit(v); err != nil {
			fmt.Fprintf(fs.Output(), "WENMING_REPORT_LIMIT ignored: %v\n", err)
		}
	}
	fs.StringVar(&c.PhotoStore, "photo-store", env("WENMING_PHOTO_STORE", "local"), "where photos are kept: local (the data folder) or s3")
	fs.StringVar(&c.S3.Endpoint, "s3-endpoint", env("WENMING_S3_ENDPOINT", ""), "S3-compatible endpoint URL, e.g. http://minio.intranet:9000")
	fs.StringVar(&c.S3.Region, "s3-region", env("WENMING_S3_REGION", ""), "S3 signing region (empty: us-east-1)")
	fs.StringVar(&c.S3.Bucket, "s3-bucket", env("WENMING_S3_BUCKET", ""), "S3 bucket")
	fs.StringVar(&c.S3.Prefix, "s3-prefix", env("WENMING_S3_PREFIX", ""), "prefix of every photo key in the bucket, e.g. wenming/")
	fs.BoolVar(&c.S3.PathStyle, "s3-path-style", envBool("WENMING_S3_PATH_STYLE"), "address objects as endpoint/bucket/key (MinIO, Ceph)")
	// Keys only from the environment, so they never show in a process list.
	c.S3.AccessKey = os.Getenv("WENMING_S3_ACCESS_KEY")
	c.S3.SecretKey = os.Getenv("WENMING_S3_SECRET_KEY")
	c.PIIKeys = os.Getenv("WENMING_PII_KEYS")
	c.PIIIndexKey = os.Getenv("WENMING_PII_INDEX_KEY")
	fs.Func("report-limit", "citizens' reports per address, e.g. 20/1h, or off", func(v string) (err error) {
		c.ReportLimit, err = parseReportLimit(v)
		return err
	})
	return c
}

// piiKey prints a new key for WENMING_PII_KEYS under the id given, and a
// new index key for a first configuration.
func piiKey(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("pii-key", stderr)
	id := fs.String("id", "k"+time.Now().UTC().Format("20060102"), "key id (letters, digits, - or _, at most 16)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	entry := *id + ":" + pii.NewKey()
	if _, err := pii.ParseKeys(entry, pii.NewKey()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "WENMING_PII_KEYS entry (put it first; keep the old ones after it):\n%s\n", entry)
	fmt.Fprintf(stdout, "WENMING_PII_INDEX_KEY (only for a first configuration; never change it on its own):\n%s\n", pii.NewKey())
	return nil
}

// parseReportLimit reads "N/DURATION" (20/1h) or "off".
func parseReportLimit(v string) (workorder.ReportLimit, error) {
	if v == "off" || v == "0" {
		return workorder.ReportLimit{Reports: -1}, nil
	}
	n, d, ok := strings.Cut(v, "/")
	reports, err := strconv.Atoi(n)
	window, derr := time.ParseDuration(d)
	if !ok || err != nil || derr != nil || reports <= 0 || window <= 0 {
		return workorder.ReportLimit{}, fmt.Errorf("--report-limit must be N/DURATION (e.g. 20/1h) or off, not %q", v)
	}
	return workorder.ReportLimit{Reports: reports, Window: window}, nil
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

func logger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), nil
	case "text", "":
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", format)
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	c := flags(fs)
	pprofAddr := fs.String("pprof", env("WENMING_PPROF", ""), "serve net/http/pprof on this address (empty: off)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := logger(c.LogFormat, stderr)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	c.Out = stdout
	c.AdminPassword = os.Getenv("WENMING_ADMIN_PASSWORD")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *pprofAddr != "" {
		if err := servePprof(ctx, *pprofAddr, log); err != nil {
			return err
		}
	}
	a, err := app.New(ctx, *c, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if c.Demo {
		printDemoStart(stdout, c.Addr, a.DemoLoaded, a.Logins)
	}
	return a.Run(ctx)
}

// printDemoStart tells where to open the demo city. The accounts are listed
// once: a demo loaded just now has printed them as it loaded (with each
// one's note), so only a recalled demo lists them here.
func printDemoStart(w io.Writer, addr string, loadedNow bool, logins []demo.Login) {
	if loadedNow {
		fmt.Fprintf(w, "Open http://%s/ and log in with a demo account above (password %q).\n", addr, demo.Password)
		return
	}
	fmt.Fprintf(w, "Open http://%s/ and log in (demo accounts below, password %q).\n", addr, demo.Password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-14s %s\n", l.Username, l.Role)
	}
}

// servePprof serves Go's profiler on its own listener (never on the
// product's address), for an operator measuring a running server: for
// example `go tool pprof http://127.0.0.1:6060/debug/pprof/profile?seconds=20`.
func servePprof(ctx context.Context, addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof", "err", err)
		}
	}()
	log.Info("profiler listening", "addr", ln.Addr().String())
	return nil
}

func openDB(c *app.Config) (*db.DB, error) {
	d, err := db.Open(context.Background(), c.DSN())
	if err != nil {
		return nil, err
	}
	if _, err := d.Migrate(context.Background()); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func migrate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	c := flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := db.Open(context.Background(), c.DSN())
	if err != nil {
		return err
	}
	defer d.Close()
	done, err := d.Migrate(context.Background())
	if err != nil {
		return err
	}
	if len(done) == 0 {
		fmt.Fprintln(stdout, "The schema is up to date.")
	} else {
		fmt.Fprintf(stdout, "Applied migrations %v.\n", done)
	}
	return nil
}

func loadDemo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	c := flags(fs)
	orders := fs.Int("orders", 0, "also generate this many work orders over the past year (the seed's Leshan: 600000)")
	seed := fs.Uint64("seed", 0, "random seed of the generated history (0: from the clock)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c.Demo = true
	c.DemoOrders = 0 // this command generates its own (--orders)
	c.Out = stdout
	log, err := logger(c.LogFormat, stderr)
	if err != nil {
		return err
	}
	d, err := openDB(c)
	if err != nil {
		return err
	}
	d.Close()
	a, err := app.New(context.Background(), *c, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if !a.DemoLoaded && *orders <= 0 {
		return errs.E(errs.Conflict, "demo.not_empty")
	}
	if *orders <= 0 {
		return nil
	}
	// On a database that already has the city, only orders are added.
	if !a.DemoLoaded {
		fmt.Fprintf(stdout, "The database already has a city; adding %d orders to it.\n", *orders)
	}
	fmt.Fprintf(stdout, "Generating %d work orders over the past year…\n", *orders)
	res, err := a.Orders.GenerateHistory(context.Background(), workorder.HistoryConfig{Orders: *orders, Seed: *seed, Progress: stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Generated %d orders (%d still open, %d overdue), %d timeline events and %d KPI rollup row writes in %s.\n",
		res.Orders, res.Open, res.Overdue, res.Events, res.StatRows, res.Elapsed.Round(time.Millisecond))
	return nil
}

func user(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 || (args[0] != "create" && args[0] != "passwd") {
		return fmt.Errorf("usage: wenming user create|passwd USERNAME [--role admin] [--name 名字] [flags]; the password is read from standard input")
	}
	sub, username := args[0], args[1]
	fs := newFlagSet("user", stderr)
	c := flags(fs)
	role := fs.String("role", account.RoleAdmin, "role code for a new user")
	name := fs.String("name", "", "display name for a new user (default: the username)")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	fmt.Fprint(stderr, "Password: ")
	pw, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && pw == "" {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	pw = strings.TrimRight(pw, "\r\n")
	d, err := openDB(c)
	if err != nil {
		return err
	}
	defer d.Close()
	acc := account.New(d, systemClock{})
	if err := acc.Bootstrap(context.Background()); err != nil {
		return err
	}
	if sub == "passwd" {
		if err := acc.SetPasswordBySystem(context.Background(), username, pw, false); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Password of %s changed.\n", username)
		return nil
	}
	if *name == "" {
		*name = username
	}
	id, err := acc.CreateUser(context.Background(), nil, account.UserInput{Username: username, DisplayName: *name,
		ScopeKind: auth.ScopeAll, Roles: []string{*role}, Active: true, Password: pw})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Created user %s (id %d) with role %s and data scope all.\n", username, id, *role)
	return nil
}

func backup(args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: wenming backup FILE [--data DIR | --db DSN]")
	}
	file := args[0]
	fs := newFlagSet("backup", stderr)
	c := flags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	d, err := db.Open(context.Background(), c.DSN())
	if err != nil {
		return err
	}
	defer d.Close()
	photos := ""
	if c.PhotoStore == "" || c.PhotoStore == "local" {
		photos = filepath.Join(c.DataDir, "photos")
	}
	m, err := wmbackup.Write(context.Background(), d, photos, file, time.Now())
	if err != nil {
		return err
	}
	what := "the database and"
	if !m.Database {
		what = "(database: use pg_dump, see docs/OPERATIONS.md)"
	}
	fmt.Fprintf(stdout, "Backup written to %s: %s %d photo files.\n", file, what, m.Photos)
	return nil
}

func restore(args []string, stdout, stderr io.Writer) error {
	if len(args) < 1 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: wenming restore FILE [--data DIR] [--force]")
	}
	file := args[0]
	fs := newFlagSet("restore", stderr)
	c := flags(fs)
	force := fs.Bool("force", false, "replace the database and photos already in the data folder")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	m, err := wmbackup.Restore(file, c.DataDir, *force)
	if err != nil {
		return err
	}
	what := "the database and"
	if !m.Database {
		what = "(no database: restore PostgreSQL with pg_restore)"
	}
	fmt.Fprintf(stdout, "Restored into %s: %s %d photo files from a backup of %s.\n", c.DataDir, what, m.Photos, m.Created.In(clock.CST).Format("2006-01-02 15:04"))
	return nil
}

func bench(args []string, stdout, stderr io.Writer) error {
	if len(args) >= 1 && args[0] == "intake" {
		return benchIntake(args[1:], stdout, stderr)
	}
	if len(args) >= 1 && args[0] == "orders" {
		return perf.OrdersMain(args[1:], stdout, stderr, demo.Password)
	}
	if len(args) < 1 || args[0] != "pages" {
		return fmt.Errorf("usage: wenming bench pages [--n 200] | wenming bench intake [--clients 64] [--duration 20s] [--url URL]")
	}
	fs := newFlagSet("bench", stderr)
	n := fs.Int("n", 200, "requests per page")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	return perf.Pages(context.Background(), perf.PagesConfig{Binary: self, N: *n, Out: stdout}, demo.Password)
}

func benchIntake(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench intake", stderr)
	cfg := perf.IntakeConfig{Out: stdout}
	fs.IntVar(&cfg.Clients, "clients", 64, "concurrent clients")
	fs.DurationVar(&cfg.Duration, "duration", 20*time.Second, "length of each measured run")
	fs.IntVar(&cfg.Requests, "requests", 2_000_000, "at most this many requests per run")
	fs.IntVar(&cfg.Runs, "runs", 3, "runs of each measurement (medians are reported)")
	fs.StringVar(&cfg.URL, "url", "", "a running server to load (default: start this binary on a fresh data folder)")
	raw := fs.Bool("raw", false, "also measure plain SQLite inserts into workorders, 1 and 256 rows per transaction (for reference)")
	fs.StringVar(&cfg.DB, "db", "", "run the server and the minimal durable path on this (empty) PostgreSQL database instead of SQLite")
	fs.BoolVar(&cfg.SearchBehind, "search-behind", false, "start the server with --search-behind")
	fs.Float64Var(&cfg.Photos, "photos", perf.PhotoShare, "share of the reports that carry a photo (0: none)")
	fs.BoolVar(&cfg.NoLimit, "no-limit", false, "turn the per-address report limit off (to see what its counter costs)")
	fs.StringVar(&cfg.PocketBase, "pocketbase", "", "a PocketBase binary to measure beside (one collection with an index)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Raw = *raw
	if cfg.Photos == 0 {
		cfg.Photos = -1 // none asked for
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cfg.Binary = self
	return perf.Intake(context.Background(), cfg)
}

// parsePrefixes reads "10.0.0.0/8, 127.0.0.1" as prefixes (a bare address
// is a /32 or /128).
func parsePrefixes(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("--trust-proxy: %q is neither an address nor a CIDR", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
