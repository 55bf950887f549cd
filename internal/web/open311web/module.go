package open311web

import (
	"embed"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/open311"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the Open311 GeoReport v2 endpoints and the screen for its clients' api_keys.
type Server struct {
	*web.Server
	o311 *open311.Service
}

// New returns the module; app passes it to web.New.
func New(o311 *open311.Service) web.Module {
	s := &Server{o311: o311}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.open311Routes()
		},
		Menu: []web.MenuEntry{{Key: "nav.open311", Href: "/open311-clients", Perm: auth.PermTokenManage, Group: "nav.admin", Order: 120}},
	}
}
