package settingsweb

import (
	"embed"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the settings page's web package: the security policy and the map tile server.
type Server struct {
	*web.Server
	accounts *account.Service
}

// New returns the module; app passes it to web.New.
func New(accounts *account.Service) web.Module {
	s := &Server{accounts: accounts}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.settingsRoutes()
			s.mapRoutes()
		},
		Menu: []web.MenuEntry{{Key: "nav.settings", Href: "/settings", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 140}},
	}
}
