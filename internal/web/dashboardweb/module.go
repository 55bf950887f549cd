// Package dashboardweb is the leaders' cockpit (领导驾驶舱, /dashboard):
// the registered figures of a period and region with the change from the
// period before, the trend by month, the rankings of the regions one
// level down and of the units (红黑榜), the top categories; a big-screen
// mode for the command centre, a one-page printout, a workbook and the
// API, all made from one report per request.
package dashboardweb

import (
	"context"
	"embed"
	"html/template"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Server is the cockpit's web package.
type Server struct {
	*web.Server
	orders *workorder.Service
	// ctxs prepare a request's context for the registered figures'
	// Compute (each capability's FiguresContext).
	ctxs []func(context.Context) context.Context
}

// New returns the module. ctxs are the figure contexts of the capabilities
// whose figures need one (workorder.Service.FiguresContext …).
func New(orders *workorder.Service, ctxs ...func(context.Context) context.Context) web.Module {
	s := &Server{orders: orders, ctxs: ctxs}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.routes()
		},
		Menu:  []web.MenuEntry{{Key: "nav.dashboard", Href: "/dashboard", Perm: auth.PermDashboardView, Order: 10}},
		Tiles: s.homeTiles,
		Funcs: template.FuncMap{"inc": func(i int) int { return i + 1 }},
	}
}
