// Package app wires wenming together: configuration, the store, the
// capability services, jobs and the HTTP server. cmd/wenming only parses the
// command line and calls it; the end-to-end tests start the real thing
// through New and Handler.
package app

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/demo"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/honour"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/metrics"
	"github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/open311"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/web/accountweb"
	"github.com/wenming-city/wenming/internal/web/auditweb"
	"github.com/wenming-city/wenming/internal/web/dashboardweb"
	"github.com/wenming-city/wenming/internal/web/grassrootsweb"
	"github.com/wenming-city/wenming/internal/web/honourweb"
	"github.com/wenming-city/wenming/internal/web/inboxweb"
	"github.com/wenming-city/wenming/internal/web/inspectionweb"
	"github.com/wenming-city/wenming/internal/web/notifyweb"
	"github.com/wenming-city/wenming/internal/web/open311web"
	"github.com/wenming-city/wenming/internal/web/orderweb"
	"github.com/wenming-city/wenming/internal/web/orgweb"
	"github.com/wenming-city/wenming/internal/web/ratingweb"
	"github.com/wenming-city/wenming/internal/web/settingsweb"
	"github.com/wenming-city/wenming/internal/web/volunteerweb"
	"github.com/wenming-city/wenming/internal/workorder"
)

// DefaultDemoOrders is the work orders `wenming --demo` starts the demo city
// with (a few thousand over four months).
const (
	DefaultDemoOrders = 3000
	demoDays          = 120
)

// Version is set at build time with -ldflags "-X …/internal/app.Version=…".
var Version = "0.1.0-dev"

// Config is the configuration of one instance.
type Config struct {
	Addr    string // listen address
	DataDir string // data folder (SQLite file, photos)
	DB      string // "" = SQLite in DataDir; a postgres:// URL selects PostgreSQL
	Demo    bool   // load the demo city when the database is empty
	// DemoOrders is how many work orders a newly loaded demo city starts
	// with (simulated over the last DemoDays days: callbacks, escalations,
	// overdue and open orders), so every screen has life on the first run.
	DemoOrders int
	BaseURL    string
	// TrustedProxies: reverse proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	LogFormat      string // text or json
	// AdminPassword sets the first admin's password on a new production
	// database; empty means generate one and print it once.
	AdminPassword string
	Out           io.Writer // where first-run notices (logins) are printed
	Clock         clock.Clock
	// ReportLimit throttles citizens' reports per address (zero value:
	// workorder.DefaultReportLimit; Reports < 0: none, for load tests).
	ReportLimit workorder.ReportLimit
	// PhotoStore is where evidence photos are kept: "" or "local" (the
	// photos folder under DataDir) or "s3" (an S3-compatible bucket
	// configured by S3).
	PhotoStore string
	S3         photo.S3Config
	// PIIKeys and PIIIndexKey configure the encryption of personal data at
	// rest (pii.ParseKeys: "id:key,…" with the current key first, and the
	// blind index key). Both empty: nothing can be encrypted (App.PII is nil).
	PIIKeys     string
	PIIIndexKey string
	// SearchBehind writes the search tokens of citizens' reports after
	// their commit, from the durable queue workorder_search_pending
	// (workorder.Service.SearchBehind; ARCHITECTURE.md): a report is
	// found by its words within about workorder.SearchLag, by its
	// tracking code at once.
	SearchBehind bool
}

// photoStore opens the photo store the configuration selects.
func (c Config) photoStore() (photo.Store, error) {
	switch c.PhotoStore {
	case "", "local":
		return photo.NewLocalStore(filepath.Join(c.DataDir, "photos"))
	case "s3":
		return photo.NewS3Store(c.S3)
	}
	return nil, fmt.Errorf("photo store %q: use local or s3", c.PhotoStore)
}

// DSN returns the database address the config selects.
func (c Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "wenming.db")
}

// App is a running wenming.
type App struct {
	Config   Config
	Log      *slog.Logger
	DB       *db.DB
	Accounts *account.Service
	Org      *org.Service
	Rating   *rating.Service // star ratings
	Honours  *honour.Service // honours
	Orders   *workorder.Service
	Inbox    *inbox.Service
	Grass    *grassroots.Service // grassroots governance
	Photos   *photo.Service
	Audit    *audit.Service
	Jobs     *jobs.Runner
	Metrics  *metrics.Registry
	Web      *web.Server
	// Volunteers: registration, approval, import (internal/volunteer).
	Volunteers *volunteer.Service
	// PII encrypts personal data at rest and computes its blind indexes;
	// nil when no keys are configured.
	PII *pii.Keyring
	// Logins are the demo accounts in demo mode.
	Logins []demo.Login
	// DemoLoaded is true when this start loaded the demo city.
	DemoLoaded bool

	// Inspection is inspection and evaluation (督查测评).
	Inspection *inspection.Service
}

// New opens and migrates the store, seeds what a new installation needs
// and builds the HTTP server.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if log == nil {
		log = slog.Default()
	}
	// A key that does not parse stops the start before anything is opened.
	keys, err := pii.ParseKeys(cfg.PIIKeys, cfg.PIIIndexKey)
	if err != nil {
		return nil, err
	}
	d, err := db.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Metrics: metrics.New(), PII: keys}
	if keys != nil {
		log.Info("personal data keys loaded", "current_key", keys.CurrentKeyID())
	}
	ok := false
	defer func() {
		if !ok {
			d.Close()
		}
	}()
	if _, err := d.Migrate(ctx); err != nil {
		return nil, err
	}
	if err := d.PrepareReads(ctx, account.HotReads...); err != nil {
		return nil, err
	}
	a.Accounts = account.New(d, cfg.Clock)
	a.Org = org.New(d, cfg.Clock)
	a.Inspection = inspection.New(d, cfg.Clock)
	a.Audit = audit.New(d, cfg.Clock)
	photos, err := cfg.photoStore()
	if err != nil {
		return nil, err
	}
	a.Photos = &photo.Service{DB: d, Store: photos, Clock: cfg.Clock}
	a.Inspection.Photos = a.Photos
	a.Orders = workorder.New(d, cfg.Clock)
	a.Orders.Photos = a.Photos
	a.Inspection.Orders = a.Orders // rectifications are work orders (inspection/rectify.go)
	a.Inbox = inbox.New(d, cfg.Clock)
	a.Grass = grassroots.New(d, cfg.Clock, keys)
	a.Grass.Orders, a.Grass.Photos = a.Orders, a.Photos
	a.Orders.ReportLimit = cfg.ReportLimit
	a.Org.OnRegionsChanged = a.Orders.RegionsChanged
	a.Jobs = jobs.New(d, cfg.Clock, log)
	a.Volunteers = volunteer.New(d, cfg.Clock, keys, a.Accounts)
	a.Rating = rating.New(d, cfg.Clock)
	a.Rating.FigureContext = a.figuresContext
	a.Honours = honour.New(d, cfg.Clock)
	a.Honours.Volunteers = a.Volunteers // the story tours on the honours wall
	// Seeding reads then writes (is there a user yet?), so it runs under the
	// migration lock: instances starting together on one empty PostgreSQL
	// seed one after the other, and the later ones find the rows.
	if err := d.StartLocked(ctx, a.seed); err != nil {
		return nil, err
	}
	a.Metrics.SetPools(func() map[string]sql.DBStats {
		w, r := d.Stats()
		return web.PoolStats(w, r, d.Engine == db.Postgres)
	})
	var logins []web.DemoLogin
	for _, l := range a.Logins {
		logins = append(logins, web.DemoLogin{Username: l.Username, Role: l.Role})
	}
	// The web core and one module per capability (each owns its handlers,
	// templates and messages); a new capability is one more line here.
	a.Web, err = web.New(web.Deps{
		Config: web.Config{BaseURL: cfg.BaseURL, TrustedProxies: cfg.TrustedProxies, Version: Version, Demo: cfg.Demo, DemoLogins: logins},
		DB:     d, Clock: cfg.Clock, Log: log, Accounts: a.Accounts, Metrics: a.Metrics,
	},
		inboxweb.New(a.Inbox),
		orderweb.New(a.Orders, a.Org, a.Photos, a.Accounts),
		orgweb.New(a.Org),
		inspectionweb.New(a.Inspection, a.Org, a.Photos),
		accountweb.New(a.Accounts, a.Org),
		open311web.New(open311.New(d, cfg.Clock, a.Orders)),
		auditweb.New(a.Audit),
		settingsweb.New(a.Accounts),
		notifyweb.New(notify.NewAdmin(d, cfg.Clock), a.Org),
		volunteerweb.New(a.Volunteers, a.Org),
		grassrootsweb.New(a.Grass, a.Org),
		ratingweb.New(a.Rating),
		honourweb.New(a.Honours, a.Photos),
		dashboardweb.New(a.Orders, a.figuresContext),
	)
	if err != nil {
		return nil, err
	}
	// Citizens' reports are written in shared transactions (group commit).
	a.Orders.Batch = workorder.NewBatcher(a.Orders, 0, 0)
	a.Orders.SearchBehind = cfg.SearchBehind
	a.Orders.Batch.Start()
	ok = true
	return a, nil
}

// seed creates what a new installation needs and registers the jobs: roles,
// the first admin or the demo city, categories, the search index after an
// upgrade, the job rows. New runs it under db.StartLocked.
func (a *App) seed(ctx context.Context) error {
	if err := a.Accounts.Bootstrap(ctx); err != nil {
		return fmt.Errorf("seed roles: %w", err)
	}
	if err := a.firstRun(ctx); err != nil {
		return err
	}
	// Categories name their default units by code, so they are seeded after
	// the units exist (the demo city); seeding is idempotent.
	if err := a.Orders.Bootstrap(ctx); err != nil {
		return fmt.Errorf("seed work-order categories: %w", err)
	}
	if a.DemoLoaded {
		if err := a.Orders.SeedDemoQuestions(ctx); err != nil {
			return fmt.Errorf("seed the demo categories' questions: %w", err)
		}
		if err := a.Orders.SeedDemoEvidence(ctx); err != nil {
			return fmt.Errorf("seed the demo categories' evidence rule: %w", err)
		}
		if _, err := a.Volunteers.SeedDemo(ctx, demo.Password); err != nil {
			return fmt.Errorf("seed the demo volunteers: %w", err)
		}
		if err := a.Rating.SeedDemo(ctx, a.Accounts, demo.Password); err != nil {
			return fmt.Errorf("seed the demo star ratings: %w", err)
		}
		if err := a.Honours.SeedDemo(ctx, a.Org, a.Accounts, demo.Password); err != nil {
			return fmt.Errorf("seed the demo honours: %w", err)
		}
		if n := a.Config.DemoOrders; n > 0 {
			t0 := time.Now()
			res, err := a.Orders.GenerateHistory(ctx, workorder.HistoryConfig{Orders: n, Days: demoDays, Seed: 20261203})
			if err != nil {
				return fmt.Errorf("generate the demo city's work orders: %w", err)
			}
			a.Log.Info("demo work orders generated", "orders", res.Orders, "open", res.Open, "overdue", res.Overdue, "took", time.Since(t0).Round(time.Millisecond))
			if err := a.seedDemoBoard(ctx); err != nil {
				return err
			}
		}
		if err := a.Inspection.SeedDemo(ctx); err != nil {
			return fmt.Errorf("seed the demo inspection index and sites: %w", err)
		}
		if a.Config.DemoOrders > 0 { // rectifications are work orders
			if err := a.Inspection.SeedDemoRectifications(ctx); err != nil {
				return fmt.Errorf("seed the demo rectifications: %w", err)
			}
		}
		if err := a.Inspection.SeedDemoPatrols(ctx, a.Config.DemoOrders > 0); err != nil {
			return fmt.Errorf("seed the demo patrols: %w", err)
		}
		if err := a.Inspection.SeedDemoDispatch(ctx, a.Config.DemoOrders > 0); err != nil {
			return fmt.Errorf("seed the demo monthly dispatch: %w", err)
		}
		if err := a.Grass.SeedDemo(ctx, a.Org, a.Config.DemoOrders > 0); err != nil {
			return fmt.Errorf("seed the demo grassroots data: %w", err)
		}
	}
	// After an upgrade that emptied the search index (migration 0014), the
	// orders are indexed again once, before serving.
	t0 := time.Now()
	if n, err := a.Orders.RebuildSearch(ctx); err != nil {
		return fmt.Errorf("rebuild the work-order search index: %w", err)
	} else if n > 0 {
		a.Log.Info("work-order search index rebuilt", "orders", n, "took", time.Since(t0).Round(time.Millisecond))
	}
	// Reports committed but not yet indexed when the last process ended
	// (SearchBehind) are indexed before serving, whatever the setting now.
	t0 = time.Now()
	if n, err := a.Orders.CatchUpSearch(ctx); err != nil {
		return fmt.Errorf("index the pending work orders: %w", err)
	} else if n > 0 {
		a.Log.Info("pending work orders indexed", "orders", n, "took", time.Since(t0).Round(time.Millisecond))
	}
	// After an upgrade that changed what the work-order rollups count
	// (migrations 0019, 0021), they are recomputed from the orders once.
	t0 = time.Now()
	if n, err := a.Orders.RebuildStats(ctx); err != nil {
		return fmt.Errorf("rebuild the work-order rollups: %w", err)
	} else if n > 0 {
		a.Log.Info("work-order rollups rebuilt", "orders", n, "took", time.Since(t0).Round(time.Millisecond))
	}
	if err := a.Jobs.Add(ctx, jobs.Job{Name: "purge_expired_sessions", Every: 15 * time.Minute, Run: a.Accounts.PurgeExpired}); err != nil {
		return err
	}
	if err := a.Jobs.Add(ctx, a.Orders.Job()); err != nil {
		return err
	}
	if err := a.Jobs.Add(ctx, a.Volunteers.RemindJob()); err != nil {
		return err
	}
	if err := a.Jobs.Add(ctx, a.Volunteers.OrderEscalationJob()); err != nil { // residents' orders left unassigned
		return err
	}
	if err := a.Jobs.Add(ctx, a.Volunteers.PartyReportJob()); err != nil { // Party members' quarterly reports to their employers
		return err
	}
	if err := a.Jobs.Add(ctx, a.Honours.ReviewJob()); err != nil { // honours: titles asking for their review
		return err
	}
	if err := a.Jobs.Add(ctx, a.Grass.EscalationJob()); err != nil { // grassroots: disputes past their limit
		return err
	}
	if err := a.Jobs.Add(ctx, a.Orders.IdemJob()); err != nil {
		return err
	}
	if err := a.Jobs.Add(ctx, a.Inspection.PlanJob()); err != nil { // the weekly inspection rounds
		return err
	}
	if err := a.Jobs.Add(ctx, a.Inspection.DispatchJob()); err != nil { // the monthly dispatch report
		return err
	}
	if err := a.Jobs.Add(ctx, a.Inspection.NoticeJob()); err != nil { // notices past their reply deadline
		return err
	}
	// Photo blobs no row names, left by a crash between the blobs and the row.
	if err := a.Jobs.Add(ctx, a.Photos.SweepJob()); err != nil {
		return err
	}
	// Notifications to webhooks and e-mail (WENMING_SMTP_*, WENMING_WEBHOOK_SECRET).
	return a.Jobs.Add(ctx, notify.New(a.DB, a.Config.Clock, a.Log, notify.ConfigFromEnv().Senders()).Job())
}

// figuresContext carries every capability's service to the figures they
// registered (figures.Register), so one computation (the cockpit, a star
// rating's figure criterion) can read them all.
func (a *App) figuresContext(ctx context.Context) context.Context {
	ctx = a.Orders.FiguresContext(ctx)
	ctx = a.Inspection.FiguresContext(ctx)
	ctx = a.Grass.FiguresContext(ctx)
	ctx = a.Rating.FiguresContext(ctx)
	ctx = volunteer.FiguresContext(ctx, a.Volunteers)
	return a.Honours.FiguresContext(ctx)
}

// seedDemoBoard publishes a dozen of the demo's closed orders on the public
// board with before and after photos, as the demo dispatcher.
func (a *App) seedDemoBoard(ctx context.Context) error {
	var id int64
	if err := a.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT id FROM users WHERE username = ?", []any{"dispatcher"}, &id)
	}); err != nil {
		return fmt.Errorf("the demo dispatcher: %w", err)
	}
	p, err := a.Accounts.Principal(ctx, id)
	if err != nil {
		return err
	}
	n, err := a.Orders.SeedDemoBoard(ctx, p, 12)
	if err != nil {
		return fmt.Errorf("the demo board: %w", err)
	}
	a.Log.Info("demo board published", "cases", n)
	return nil
}

// firstRun loads the demo city (demo mode) or creates the first admin on an
// empty database. In demo mode on a database that already has the demo, it
// only recalls the logins for the login page.
func (a *App) firstRun(ctx context.Context) error {
	n, err := a.Accounts.CountUsers(ctx)
	if err != nil {
		return err
	}
	if a.Config.Demo {
		if n == 0 {
			start := time.Now()
			logins, err := demo.Load(ctx, a.Org, a.Accounts)
			if err != nil {
				return fmt.Errorf("load demo city: %w", err)
			}
			a.Log.Info("demo city loaded", "ms", time.Since(start).Milliseconds())
			a.Logins, a.DemoLoaded = logins, true
			PrintLogins(a.Config.Out, logins)
			return nil
		}
		a.Logins = demo.Logins()
		return nil
	}
	if n > 0 {
		return nil
	}
	pw := a.Config.AdminPassword
	generated := pw == ""
	if generated {
		pw = GeneratePassword()
	}
	if _, err := a.Accounts.CreateUser(ctx, nil, account.UserInput{
		Username: "admin", DisplayName: "系统管理员", ScopeKind: auth.ScopeAll, Roles: []string{account.RoleAdmin},
		Active: true, Password: pw, MustChange: generated,
	}); err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if generated {
		fmt.Fprintf(a.Config.Out, "\nFirst start: created the administrator.\n  username: admin\n  password: %s\n(shown once; you must change it at first login)\n\n", pw)
	}
	return nil
}

// PrintLogins prints the demo accounts.
func PrintLogins(w io.Writer, logins []demo.Login) {
	fmt.Fprintf(w, "\nDemo city loaded. Every demo account's password is %q.\n", demo.Password)
	for _, l := range logins {
		fmt.Fprintf(w, "  %-14s %s (%s)  %s\n", l.Username, l.Role, l.RoleEN, l.Note)
	}
	fmt.Fprintln(w)
}

// GeneratePassword returns a random password that meets the default policy.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 14)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b[:4]) + "-" + string(b[4:9]) + "-" + string(b[9:]) + "7a"
}

// Handler is the HTTP handler (for tests and Run).
func (a *App) Handler() http.Handler { return a.Web.Handler() }

// Run serves HTTP and runs jobs until ctx is cancelled (SIGTERM), then
// shuts down gracefully.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.Addr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve is Run on a listener the caller opened.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	jobCtx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	go a.Jobs.Loop(jobCtx, 30*time.Second)
	if a.Orders.SearchBehind {
		go a.Orders.RunSearchIndexer(jobCtx, a.Log)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("wenming is serving", "url", "http://"+ln.Addr().String(), "engine", a.DB.Engine, "version", Version)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := srv.Shutdown(shutCtx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close writes the reports still queued and releases the store.
func (a *App) Close() error {
	a.Orders.Batch.Stop()
	return a.DB.Close()
}
