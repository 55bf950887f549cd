package orgweb

import (
	"embed"
	"io/fs"
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
func New(org *org.Service) *Server {
	return &Server{org: org}
}

// Register adds the module's routes on the core server.
func (s *Server) Register(core *web.Server) {
	s.Server = core
	s.orgRoutes()
	s.supervisionRoutes()
}

// Templates are the module's pages and partials.
func (s *Server) Templates() fs.FS { return web.TemplatesIn(templateFS) }

// Menu lists the organisation's screens.
func (s *Server) Menu() []web.MenuEntry {
	return []web.MenuEntry{
		{Key: "nav.regions", Href: "/regions", Perm: auth.PermOrgView, Group: "nav.admin", Order: 60},
		{Key: "nav.units", Href: "/units", Perm: auth.PermOrgView, Group: "nav.admin", Order: 70},
		{Key: "nav.pairings", Href: "/pairings", Perm: auth.PermOrgView, Group: "nav.admin", Order: 80},
	}
}

// HomeTiles count the regions, units and pairings of the viewer's scope.
func (s *Server) HomeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
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
