package web

import (
	"context"
	"github.com/wenming-city/wenming/internal/clock"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/org"
)

// userRoutes registers the user, role and token pages and API. The
// handlers live in users.go, roles.go and tokens.go; every permission and
// data-scope rule is the account service's, so a user outside the viewer's
// scope is 404 on every route, page or API.
func (s *Server) userRoutes() {
	s.page("GET /users", s.userList)
	s.page("GET /users/new", s.userNew)
	s.page("POST /users", s.userCreate)
	s.page("GET /users/{id}", s.userDetail)
	s.page("GET /users/{id}/edit", s.userEdit)
	s.page("POST /users/{id}", s.userUpdate)
	s.page("POST /users/{id}/unlock", s.userUnlock)
	s.page("POST /users/{id}/password", s.userPassword)
	s.page("POST /users/{id}/phone", s.userPhone)

	s.page("GET /roles", s.roleList)
	s.page("GET /roles/new", s.roleNew)
	s.page("POST /roles", s.roleCreate)
	s.page("GET /roles/{id}/edit", s.roleEdit)
	s.page("POST /roles/{id}", s.roleUpdate)
	s.page("POST /roles/{id}/delete", s.roleDelete)

	s.page("GET /tokens", s.tokenList)
	s.page("GET /tokens/new", s.tokenNew)
	s.page("POST /tokens", s.tokenCreate)
	s.page("POST /tokens/{id}/revoke", s.tokenRevoke)

	s.userAPIRoutes()
	s.roleAPIRoutes()
	s.tokenAPIRoutes()
}

// choice is one entry of a select box or a group of checkboxes.
type choice struct {
	Value, Label, Hint string
	Off                bool // an inactive unit, still selectable for existing users
}

// treeChoices turns region or unit options into indented choices in the
// viewer's language.
func treeChoices(v *View, opts []org.Option) []choice {
	out := make([]choice, 0, len(opts))
	for _, o := range opts {
		label := strings.Repeat("\u3000", o.Depth) + v.Name(o.Name, o.NameEN)
		if !o.Active {
			label += " " + v.T("users.inactive_mark")
		}
		out = append(out, choice{Value: i64s(o.ID), Label: label, Off: !o.Active})
	}
	return out
}

// scopeChoices are the six data-scope kinds with their labels.
func scopeChoices(v *View) []choice {
	out := make([]choice, 0, len(auth.ScopeKinds))
	for _, k := range auth.ScopeKinds {
		out = append(out, choice{Value: string(k), Label: v.T("scope.kind." + string(k)), Hint: v.T("users.scope_hint." + string(k))})
	}
	return out
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

func i64s(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// parseDay parses an optional YYYY-MM-DD value as the start of that day
// in China Standard Time (the time the pages show, whatever the
// server's zone); "" is nil.
func parseDay(f *errs.Fields, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, clock.CST)
	if err != nil {
		f.Add(field, "field.bad_date")
		return nil
	}
	return &t
}

// pageOf cuts one page out of a list the service returns whole (roles,
// tokens), so these lists page like every other.
func pageOf[T any](items []T, lq ListQuery) []T {
	start := (lq.Page - 1) * lq.Size
	if start >= len(items) {
		return nil
	}
	return slices.Clone(items[start:min(start+lq.Size, len(items))])
}

// matchQ reports whether any of the texts contains the keyword (case-insensitive).
func matchQ(q string, texts ...string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, t := range texts {
		if strings.Contains(strings.ToLower(t), q) {
			return true
		}
	}
	return false
}

// rfc3339 formats an optional time for the API (nil stays null).
func rfc3339(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// yesNo is a boolean in the viewer's language, for exports.
func yesNo(l i18n.Lang, b bool) string {
	if b {
		return i18n.T(l, "yes")
	}
	return i18n.T(l, "no")
}
