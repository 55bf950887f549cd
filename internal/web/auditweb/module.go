package auditweb

import (
	"embed"
	"io/fs"

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
func New(audit *audit.Service) *Server {
	return &Server{audit: audit}
}

// Register adds the module's routes on the core server.
func (s *Server) Register(core *web.Server) {
	s.Server = core
	s.auditRoutes()
}

// Templates are the module's pages and partials.
func (s *Server) Templates() fs.FS { return web.TemplatesIn(templateFS) }

// Menu lists the audit log.
func (s *Server) Menu() []web.MenuEntry {
	return []web.MenuEntry{{Key: "nav.audit", Href: "/audit", Perm: auth.PermAuditView, Group: "nav.admin", Order: 130}}
}
