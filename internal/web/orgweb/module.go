package orgweb

import (
	"embed"
	"net/http"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// The module's messages (locales/<lang>/*.json) join the catalogues.
func init() { i18n.Register(localeFS) }

// Server is the organisation's web package: regions, units, pairings and the supervision groups' areas.
type Server struct {
	*web.Server
	org *org.Service
}

// New returns the module; app passes it to web.New.
func New(org *org.Service) web.Module {
	s := &Server{org: org}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.orgRoutes()
			s.supervisionRoutes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.regions", Href: "/regions", Perm: auth.PermOrgView, Group: "nav.admin", Order: 60},
			{Key: "nav.units", Href: "/units", Perm: auth.PermOrgView, Group: "nav.admin", Order: 70},
			{Key: "nav.pairings", Href: "/pairings", Perm: auth.PermOrgView, Group: "nav.admin", Order: 80},
		},
		Tiles: s.homeTiles,
	}
}

// homeTiles count the regions, units and pairings of the viewer's scope.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermOrgView) {
		return nil, nil
	}
	regions, units, pairings, err := s.org.Counts(r.Context(), p)
	if err != nil {
		return nil, err
	}
	return []web.Tile{{Label: v.T("nav.regions"), N: regions, Href: "/regions"}, {Label: v.T("nav.units"), N: units, Href: "/units"},
		{Label: v.T("nav.pairings"), N: pairings, Href: "/pairings"}}, nil
}
