package auditweb

import (
	"embed"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the audit log's web package.
type Server struct {
	*web.Server
	audit *audit.Service
}

// New returns the module; app passes it to web.New.
func New(audit *audit.Service) web.Module {
	s := &Server{audit: audit}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.auditRoutes()
		},
		Menu: []web.MenuEntry{{Key: "nav.audit", Href: "/audit", Perm: auth.PermAuditView, Group: "nav.admin", Order: 130}},
	}
}
