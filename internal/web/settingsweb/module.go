package settingsweb

import (
	"embed"
	"io/fs"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// The module's messages (locales/<lang>/*.json) join the catalogues.
func init() { i18n.Register(localeFS) }

// Server is the settings page's web package: the security policy and the map tile server.
type Server struct {
	*web.Server
	accounts *account.Service
}

// New returns the module; app passes it to web.New.
func New(accounts *account.Service) *Server {
	return &Server{accounts: accounts}
}

// Register adds the module's routes on the core server.
func (s *Server) Register(core *web.Server) {
	s.Server = core
	s.settingsRoutes()
	s.mapRoutes()
}

// Templates are the module's pages and partials.
func (s *Server) Templates() fs.FS { return web.TemplatesIn(templateFS) }

// Menu lists the settings page.
func (s *Server) Menu() []web.MenuEntry {
	return []web.MenuEntry{{Key: "nav.settings", Href: "/settings", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 140}}
}
