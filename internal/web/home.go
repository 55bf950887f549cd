package web

import (
	"net/http"
	"strings"

	"github.com/wenming-city/wenming/internal/i18n"
)

func (s *Server) homeRoutes() {
	s.Page("GET /{$}", s.home)
}

type homeData struct {
	Roles  string
	Scope  string
	Duties []string
	Tiles  []Tile
	Links  []NavItem
}

// home is made for the viewer's roles: what they are responsible for, the
// figures of their scope that exist so far, and where to start.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := Principal(r)
	v := s.View(w, r, "nav.home")
	d := &homeData{}
	names := p.RoleNames
	if v.Lang == i18n.EN {
		names = p.RoleNamesEN
	}
	d.Roles = strings.Join(names, v.T("home.list_sep"))
	d.Scope = v.T("scope.kind." + string(p.ScopeKind))
	for _, code := range p.Roles {
		if k := "home.duty." + code; i18n.Has(k) {
			d.Duties = append(d.Duties, v.T(k))
		}
	}
	for _, m := range s.modules {
		if m.Tiles == nil {
			continue
		}
		tiles, err := m.Tiles(r, v)
		if err != nil {
			return err
		}
		d.Tiles = append(d.Tiles, tiles...)
	}
	for _, item := range v.Nav {
		if item.Href != "/" {
			d.Links = append(d.Links, item)
		}
	}
	v.Data = d
	s.Render(w, r, http.StatusOK, "home", v)
	return nil
}
