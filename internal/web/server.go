// Package web is wenming's HTTP layer: server-rendered pages and the JSON API
// under /api/v1, over the capability services. Handlers are methods on
// Server that return an error; one place (fail) maps errors to status codes,
// pages and JSON. Handlers never write SQL.
package web

import (
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/metrics"
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

// Server is the HTTP core every capability's web package serves on: the
// router and API document, rendering, the one error mapping, forms,
// sessions, the middleware and the static assets.
type Server struct {
	Config   Config
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	accounts *account.Service // sessions, API tokens, the login pages
	metrics  *metrics.Registry
	tiles    tileCache // the map tile server setting (map_tiles.go)

	modules []Module
	menu    []MenuEntry
	tmpl    *templates
	assets  *assets
	Mux     *http.ServeMux
	routes  []route
}

// Deps are what the core is built on; the capabilities bring their own
// services in their modules.
type Deps struct {
	Config   Config
	DB       *db.DB
	Clock    clock.Clock
	Log      *slog.Logger
	Accounts *account.Service
	Metrics  *metrics.Registry
}

// New builds the server with the capabilities' modules; templates are
// parsed and checked here, so a broken template stops the start rather
// than a page.
func New(d Deps, modules ...Module) (*Server, error) {
	s := &Server{Config: d.Config, DB: d.DB, Clock: d.Clock, Log: d.Log, accounts: d.Accounts, metrics: d.Metrics, modules: modules}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = loadTemplates(s.funcs(), modules); err != nil {
		return nil, err
	}
	s.menu = coreMenu
	for _, m := range modules {
		s.menu = append(s.menu, m.Menu...)
	}
	s.menu = sortMenu(s.menu)
	s.Mux = http.NewServeMux()
	s.registerRoutes()
	return s, nil
}

// Handler returns the root handler with the shared middleware.
func (s *Server) Handler() http.Handler {
	return s.recoverer(s.observe(s.secure(s.identify(s.Mux))))
}

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.Config.BaseURL, "https://") }

// isAPI tells whether a request is answered in JSON.
// /open311/ (GeoReport v2) is an API too: machine clients, no cookies.
func isAPI(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/")
}

// sortMenu orders the menu: the entries without a group first (by Order),
// then each group together, the groups by their first entry's Order, the
// entries within a group by theirs. A module's ungrouped entry whose Order
// falls among another module's group is never shown under that group's
// heading.
func sortMenu(menu []MenuEntry) []MenuEntry {
	first := map[string]int{}
	for _, e := range menu {
		if o, ok := first[e.Group]; !ok || e.Order < o {
			first[e.Group] = e.Order
		}
	}
	out := slices.Clone(menu)
	slices.SortStableFunc(out, func(a, b MenuEntry) int {
		if (a.Group == "") != (b.Group == "") {
			if a.Group == "" {
				return -1
			}
			return 1
		}
		if a.Group != b.Group {
			if d := first[a.Group] - first[b.Group]; d != 0 {
				return d
			}
			return strings.Compare(a.Group, b.Group)
		}
		return a.Order - b.Order
	})
	return out
}
