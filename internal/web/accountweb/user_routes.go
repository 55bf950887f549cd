package accountweb

import (
	"context"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
)

// userRoutes registers the user, role and token pages and API. The
// handlers live in users.go, roles.go and tokens.go; every permission and
// data-scope rule is the account service's, so a user outside the viewer's
// scope is 404 on every route, page or API.
func (s *Server) userRoutes() {
	s.Page("GET /users", s.userList)
	s.Page("GET /users/new", s.userNew)
	s.Page("POST /users", s.userCreate)
	s.Page("GET /users/{id}", s.userDetail)
	s.Page("GET /users/{id}/edit", s.userEdit)
	s.Page("POST /users/{id}", s.userUpdate)
	s.Page("POST /users/{id}/unlock", s.userUnlock)
	s.Page("POST /users/{id}/password", s.userPassword)
	s.Page("POST /users/{id}/phone", s.userPhone)

	s.Page("GET /roles", s.roleList)
	s.Page("GET /roles/new", s.roleNew)
	s.Page("POST /roles", s.roleCreate)
	s.Page("GET /roles/{id}/edit", s.roleEdit)
	s.Page("POST /roles/{id}", s.roleUpdate)
	s.Page("POST /roles/{id}/delete", s.roleDelete)

	s.Page("GET /tokens", s.tokenList)
	s.Page("GET /tokens/new", s.tokenNew)
	s.Page("POST /tokens", s.tokenCreate)
	s.Page("POST /tokens/{id}/revoke", s.tokenRevoke)

	s.userAPIRoutes()
	s.roleAPIRoutes()
	s.tokenAPIRoutes()
}

// roleLabel is a role's name in the language.
func roleLabel(l i18n.Lang, r account.Role) string {
	if l == i18n.EN && r.NameEN != "" {
		return r.NameEN
	}
	return r.Name
}

// roleNamer maps role codes to names in the viewer's language.
type roleNamer map[string]string

func (s *Server) roleNames(ctx context.Context, p *auth.Principal, l i18n.Lang) (roleNamer, []account.Role, error) {
	roles, err := s.accounts.ListRoles(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	m := make(roleNamer, len(roles))
	for _, r := range roles {
		m[r.Code] = roleLabel(l, r)
	}
	return m, roles, nil
}

// names lists the names of role codes, unknown codes as themselves.
func (m roleNamer) names(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		if n, ok := m[c]; ok {
			out = append(out, n)
		} else {
			out = append(out, c)
		}
	}
	return out
}

// scopeChoices are the six data-scope kinds with their labels.
func scopeChoices(v *web.View) []web.Choice {
	out := make([]web.Choice, 0, len(auth.ScopeKinds))
	for _, k := range auth.ScopeKinds {
		out = append(out, web.Choice{Value: string(k), Label: v.T("scope.kind." + string(k)), Hint: v.T("users.scope_hint." + string(k))})
	}
	return out
}
