package orderweb

import (
	"embed"
	"html/template"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// The module's messages (locales/<lang>/*.json) join the catalogues.
func init() { i18n.Register(localeFS) }

// Server is the work orders' web package: the staff's queue, order pages and intake, statistics and KPI tracing, points, category and holiday settings, the public board, and the citizens' pages (report, track, rate) with the public API.
type Server struct {
	*web.Server
	orders *workorder.Service
	org    *org.Service
	photos *photo.Service // nil: uploads are refused
	// accounts tells which units have someone who can act on an order
	// (the dispatcher's warning).
	accounts *account.Service
}

// New returns the module; app passes it to web.New.
func New(orders *workorder.Service, org *org.Service, photos *photo.Service, accounts *account.Service) web.Module {
	s := &Server{orders: orders, org: org, photos: photos, accounts: accounts}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.workorderRoutes()
			s.statsRoutes()
			s.pointsRoutes()
			s.woconfigRoutes()
			s.publicRoutes()
			s.boardRoutes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.orders", Href: "/orders", Perm: auth.PermOrderView, Order: 20},
			{Key: "nav.intake", Href: "/orders/new", Perm: auth.PermOrderIntake, Order: 30},
			{Key: "nav.stats", Href: "/stats/workorders", Perm: auth.PermDashboardView, Order: 40},
			{Key: "nav.board", Href: "/board", Perm: auth.PermOrderView, Order: 50},
			{Key: "nav.points_admin", Href: "/points/admin", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 150},
			{Key: "nav.categories", Href: "/categories", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 160},
			{Key: "nav.urgencies", Href: "/category-urgencies", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 170},
			{Key: "nav.holidays", Href: "/holidays", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 180},
		},
		Tiles: s.homeTiles,
		Funcs: s.funcs(),
	}
}

// funcs are the work orders' template functions.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		// stateBadge is a work-order state's badge class (wo_state in _wo.html).
		"stateBadge": stateBadge,
		"queueRows":  queueRows,
	}
}
