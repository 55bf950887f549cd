package notifyweb

import (
	"embed"

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
func New(channels *notify.Admin, org *org.Service) web.Module {
	s := &Server{channels: channels, org: org}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.notifyRoutes()
		},
		Menu: []web.MenuEntry{{Key: "nav.outbox", Href: "/notify/outbox", Perm: auth.PermSettingsManage, Group: "nav.admin", Order: 190}},
	}
}
