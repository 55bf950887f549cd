// Package web is wenming's HTTP layer: server-rendered pages and the JSON API
// under /api/v1, over the capability services. Handlers are methods on
// Server that return an error; one place (fail) maps errors to status codes,
// pages and JSON. Handlers never write SQL.
package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/metrics"
	"github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Config is the part of the configuration the HTTP layer needs.
type Config struct {
	BaseURL string // e.g. https://wenming.example.gov.cn; decides secure cookies
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (the client address for throttling and the audit log).
	TrustedProxies []netip.Prefix
	Version        string
	Demo           bool // demo mode: the login page lists the demo accounts
	// DemoLogins are shown on the login page in demo mode.
	DemoLogins []DemoLogin
}

// DemoLogin is one demo account and the role it shows.
type DemoLogin struct{ Username, Role string }

// Server holds the HTTP layer's dependencies.
type Server struct {
	cfg      Config
	db       *db.DB
	clock    clock.Clock
	log      *slog.Logger
	accounts *account.Service
	org      *org.Service
	orders   *workorder.Service
	inbox    *inbox.Service
	photos   *photo.Service
	audit    *audit.Service
	metrics  *metrics.Registry
	channels *notify.Admin // notification channels and the outbox (notify_admin.go)
	tiles    tileCache     // the map tile server setting (map_tiles.go)

	tmpl   *templates
	assets *assets
	mux    *http.ServeMux
	routes []route
}

// Deps are the services the server is built on.
type Deps struct {
	Config   Config
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	Accounts *account.Service
	Org      *org.Service
	Audit    *audit.Service
	Orders   *workorder.Service
	Inbox    *inbox.Service
	Photos   *photo.Service // nil: uploads are refused
	Metrics  *metrics.Registry
}

// New builds the server; templates are parsed and checked here, so a broken
// template stops the start rather than a page.
func New(d Deps) (*Server, error) {
	s := &Server{cfg: d.Config, db: d.DB, clock: d.Clock, log: d.Log, accounts: d.Accounts, org: d.Org, audit: d.Audit, orders: d.Orders, inbox: d.Inbox, photos: d.Photos, metrics: d.Metrics}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	s.channels = notify.NewAdmin(d.DB, d.Clock)
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = loadTemplates(s.funcs()); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	s.registerRoutes()
	return s, nil
}

// Handler returns the root handler with the shared middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.observe(s.secure(s.identify(s.mux))))
}

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

// isAPI tells whether a request is answered in JSON.
// /open311/ (GeoReport v2) is an API too: machine clients, no cookies.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/")
}
