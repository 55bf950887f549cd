package accountweb

import (
	"embed"
	"net/http"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

// Server is the accounts' web package: users, roles and API tokens.
type Server struct {
	*web.Server
	accounts *account.Service
	org      *org.Service
}

// New returns the module; app passes it to web.New.
func New(accounts *account.Service, org *org.Service) web.Module {
	s := &Server{accounts: accounts, org: org}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.userRoutes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.users", Href: "/users", Perm: auth.PermUserView, Group: "nav.admin", Order: 90},
			{Key: "nav.roles", Href: "/roles", Perm: auth.PermRoleManage, Group: "nav.admin", Order: 100},
			{Key: "nav.tokens", Href: "/tokens", Perm: auth.PermTokenManage, Group: "nav.admin", Order: 110},
		},
		Tiles: s.homeTiles,
	}
}

// homeTiles count the users of the viewer's scope.
func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermUserView) {
		return nil, nil
	}
	_, n, err := s.accounts.ListUsers(r.Context(), p, account.UserFilter{Page: 1, Size: 1})
	if err != nil {
		return nil, err
	}
	return []web.Tile{{Label: v.T("nav.users"), N: n, Href: "/users"}}, nil
}
