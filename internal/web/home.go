package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
)

func (s *Server) homeRoutes() {
	s.Page("GET /{$}", s.home)
}

type homeData struct {
	Roles  string
	Scope  string
	Duties []string
	Groups []tileGroup
	// Pending are the viewer's capabilities whose module supplies no tile
	// yet: an honest note of what will be there.
	Pending []string
	Links   []NavItem
}

// tileGroup is a heading and its tiles.
type tileGroup struct {
	Title string
	Tiles []Tile
}

// capabilityRoles are the roles whose home shows their capability's
// tiles, by the permission of that capability: until a module whose menu
// needs the permission supplies a tile, the home says what will be there
// (home.pending.<role>).
var capabilityRoles = []struct {
	role string
	perm auth.Perm
}{
	{"inspector", auth.PermInspect}, {"grid_worker", auth.PermGridVisit},
	{"volunteer_organiser", auth.PermVolunteerOrg}, {"appraiser", auth.PermAppraise},
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
	supplied := map[auth.Perm]bool{}
	for _, m := range s.modules {
		if m.Tiles == nil {
			continue
		}
		tiles, err := m.Tiles(r, v)
		if err != nil {
			return err
		}
		if len(tiles) > 0 {
			for _, e := range m.Menu {
				supplied[e.Perm] = true
			}
		}
		for _, t := range tiles {
			title := v.T("home.figures")
			if t.Group != "" {
				title = v.T(t.Group)
			}
			i := slices.IndexFunc(d.Groups, func(g tileGroup) bool { return g.Title == title })
			if i < 0 {
				d.Groups = append(d.Groups, tileGroup{Title: title})
				i = len(d.Groups) - 1
			}
			d.Groups[i].Tiles = append(d.Groups[i].Tiles, t)
		}
	}
	// The viewer's own work first, the general figures last.
	slices.SortStableFunc(d.Groups, func(a, b tileGroup) int {
		ga, gb := a.Title == v.T("home.figures"), b.Title == v.T("home.figures")
		switch {
		case ga == gb:
			return 0
		case ga:
			return 1
		}
		return -1
	})
	for _, c := range capabilityRoles {
		if slices.Contains(p.Roles, c.role) && p.Can(c.perm) && !supplied[c.perm] {
			d.Pending = append(d.Pending, v.T("home.pending."+c.role))
		}
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
