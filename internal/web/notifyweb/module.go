package notifyweb

import (
	"embed"
	"io/fs"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/notify"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the notification channels' web package: units' and users' channels and the outbox.
type Server struct {
	*web.Server
	channels *notify.Admin
	org      *org.Service
}

// New returns the module; app passes it to web.New.
func New(channels *notify.Admin, org *org.Service) *Server {
	return &Server{channels: channels, org: org}
}

// Register adds the module's routes on the core server.
func (s *Server) Register(core *web.Server) {
	s.Server = core
	s.notifyRoutes()
}

// Templates are the module's pages and partials.
func (s *Server) Templates() fs.FS { return web.TemplatesIn(templateFS) }

// Menu lists the outbox.
func (s *Server) Menu() []web.MenuEntry {
	return []web.MenuEntry{{Key: "nav.outbox", Href: "/notify/outbox", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 190}}
}
