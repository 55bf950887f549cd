package web

import (
	"net/http"
	"strings"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
)

func (s *Server) homeRoutes() {
	s.page("GET /{$}", s.home)
}

// tile is one figure on the home page, linking to the rows behind it.
type tile struct {
	Label string
	N     int
	Href  string
}

type homeData struct {
	Roles  string
	Scope  string
	Duties []string
	Tiles  []tile
	Links  []NavItem
}

// home is made for the viewer's roles: what they are responsible for, the
// figures of their scope that exist so far, and where to start.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	v := s.view(w, r, "nav.home")
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
	ctx := r.Context()
	unread, err := s.inbox.Unread(ctx, p)
	if err != nil {
		return err
	}
	d.Tiles = append(d.Tiles, tile{v.T("notif.unread_tile"), int(unread), "/notifications?unread=1"})
	if p.Can(auth.PermOrgView) {
		regions, units, pairings, err := s.org.Counts(ctx, p)
		if err != nil {
			return err
		}
		d.Tiles = append(d.Tiles, tile{v.T("nav.regions"), regions, "/regions"}, tile{v.T("nav.units"), units, "/units"}, tile{v.T("nav.pairings"), pairings, "/pairings"})
	}
	if p.Can(auth.PermUserView) {
		_, n, err := s.accounts.ListUsers(ctx, p, account.UserFilter{Page: 1, Size: 1})
		if err != nil {
			return err
		}
		d.Tiles = append(d.Tiles, tile{v.T("nav.users"), n, "/users"})
	}
	for _, item := range v.Nav {
		if item.Href != "/" {
			d.Links = append(d.Links, item)
		}
	}
	v.Data = d
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}
