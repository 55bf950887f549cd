package accountweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// ---- list and delete ----

// roleRow is a role with its name and default scope in the viewer's language.
type roleRow struct {
	account.Role
	Label, Scope string
}

type roleListData struct {
	Rows  []roleRow
	Pager web.Pager
}

// rolesMatching lists the roles whose code or names contain the keyword.
func (s *Server) rolesMatching(r *http.Request, q string) ([]account.Role, error) {
	roles, err := s.accounts.ListRoles(r.Context(), web.Principal(r))
	return web.Matching(roles, q, func(ro account.Role) []string { return []string{ro.Code, ro.Name, ro.NameEN} }), err
}

func (s *Server) roleListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "roles.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	roles, err := s.rolesMatching(r, lq.Q)
	if err != nil {
		return nil, err
	}
	d := &roleListData{Pager: web.NewPager(r, lq, len(roles))}
	for _, ro := range web.PageOf(roles, lq) {
		d.Rows = append(d.Rows, roleRow{Role: ro, Label: roleLabel(v.Lang, ro), Scope: v.T("scope.kind." + string(ro.ScopeKind))})
	}
	v.Data = d
	return v, nil
}

func (s *Server) roleList(w http.ResponseWriter, r *http.Request) error {
	if web.WantsXLSX(r) {
		return s.roleExport(w, r)
	}
	return s.Show(w, r, "role_list", func() (*web.View, error) { return s.roleListView(w, r) })
}

func (s *Server) roleExport(w http.ResponseWriter, r *http.Request) error {
	roles, err := s.rolesMatching(r, web.ListQueryOf(r).Q)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "role.field.code"), Width: 20},
		{Header: i18n.T(l, "role.field.name"), Width: 18},
		{Header: i18n.T(l, "role.field.name_en"), Width: 20},
		{Header: i18n.T(l, "roles.col.builtin"), Width: 8},
		{Header: i18n.T(l, "role.field.scope_kind"), Width: 14},
		{Header: i18n.T(l, "roles.col.users"), Width: 8},
		{Header: i18n.T(l, "role.field.perms"), Width: 60},
		{Header: i18n.T(l, "role.field.description"), Width: 40},
	}
	rows := make([][]any, 0, len(roles))
	for _, ro := range roles {
		perms := make([]string, len(ro.Perms))
		for i, pm := range ro.Perms {
			perms[i] = i18n.T(l, "perm."+string(pm))
		}
		rows = append(rows, []any{ro.Code, ro.Name, ro.NameEN, web.YesNo(l, ro.Builtin), i18n.T(l, "scope.kind."+string(ro.ScopeKind)),
			ro.UserCount, strings.Join(perms, i18n.T(l, "home.list_sep")), ro.Description})
	}
	return export.ServeXLSX(w, i18n.T(l, "roles.export_name"), s.Now(), cols, rows)
}

// roleDelete deletes a role; a refusal (built in, still held) is shown
// above the list.
func (s *Server) roleDelete(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.role")
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteRole(r.Context(), p, id); err != nil {
		if !errs.Is(err, errs.Conflict) {
			return err
		}
		v, verr := s.roleListView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "role_list", v, err)
	}
	return s.Redirect(w, r, "/roles", "flash.deleted")
}

// ---- create and edit ----

type roleFormData struct {
	ID      int64
	Builtin bool
	Code    string
	Perms   []web.Choice
	Scopes  []web.Choice
}

func (s *Server) roleFormView(w http.ResponseWriter, r *http.Request, cur account.Role) *web.View {
	title := "roles.new_title"
	if cur.ID != 0 {
		title = "roles.edit_title"
	}
	v := s.View(w, r, title)
	d := &roleFormData{ID: cur.ID, Builtin: cur.Builtin, Code: cur.Code, Scopes: scopeChoices(v)}
	for _, pm := range auth.AllPerms {
		d.Perms = append(d.Perms, web.Choice{Value: string(pm), Label: v.T("perm." + string(pm))})
	}
	v.Data = d
	return v
}

func roleFormValues(ro account.Role) url.Values {
	f := url.Values{}
	f.Set("code", ro.Code)
	f.Set("name", ro.Name)
	f.Set("name_en", ro.NameEN)
	f.Set("description", ro.Description)
	f.Set("scope_kind", string(ro.ScopeKind))
	for _, pm := range ro.Perms {
		f.Add("perms", string(pm))
	}
	return f
}

func roleInputOf(vals url.Values) account.RoleInput {
	in := account.RoleInput{Code: vals.Get("code"), Name: vals.Get("name"), NameEN: vals.Get("name_en"),
		Description: vals.Get("description"), ScopeKind: auth.ScopeKind(strings.TrimSpace(vals.Get("scope_kind")))}
	for _, pm := range vals["perms"] {
		in.Perms = append(in.Perms, auth.Perm(pm))
	}
	return in
}

func rolePath(id int64) string { return "/roles/" + strconv.FormatInt(id, 10) + "/edit" }

func (s *Server) roleNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermRoleManage); err != nil {
		return err
	}
	v := s.roleFormView(w, r, account.Role{})
	v.Form.Set("scope_kind", string(auth.ScopeUnit))
	s.Render(w, r, http.StatusOK, "role_form", v)
	return nil
}

func (s *Server) roleCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if _, err := s.accounts.CreateRole(r.Context(), p, roleInputOf(r.PostForm)); err != nil {
		return s.FormFailed(w, r, "role_form", s.roleFormView(w, r, account.Role{}), err)
	}
	return s.Redirect(w, r, "/roles", "flash.created")
}

// loadRoleForEdit is the role of the path, for role.manage holders only.
func (s *Server) loadRoleForEdit(r *http.Request) (account.Role, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return account.Role{}, err
	}
	id, err := web.PathID(r, "id", "entity.role")
	if err != nil {
		return account.Role{}, err
	}
	return s.accounts.GetRole(r.Context(), p, id)
}

func (s *Server) roleEdit(w http.ResponseWriter, r *http.Request) error {
	ro, err := s.loadRoleForEdit(r)
	if err != nil {
		return err
	}
	v := s.roleFormView(w, r, ro)
	v.Form = roleFormValues(ro)
	s.Render(w, r, http.StatusOK, "role_form", v)
	return nil
}

func (s *Server) roleUpdate(w http.ResponseWriter, r *http.Request) error {
	ro, err := s.loadRoleForEdit(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := roleInputOf(r.PostForm)
	if ro.Builtin {
		in.Code = ro.Code
	}
	if err := s.accounts.UpdateRole(r.Context(), web.Principal(r), ro.ID, in); err != nil {
		if ro.Builtin {
			r.PostForm.Set("code", ro.Code)
		}
		return s.FormFailed(w, r, "role_form", s.roleFormView(w, r, ro), err)
	}
	return s.Redirect(w, r, "/roles", "flash.saved")
}

// ---- API ----

type roleJSON struct {
	ID          int64          `json:"id"`
	Code        string         `json:"code"`
	Name        string         `json:"name"`
	NameEN      string         `json:"name_en"`
	Description string         `json:"description"`
	Permissions []string       `json:"permissions"`
	ScopeKind   auth.ScopeKind `json:"scope_kind"`
	Builtin     bool           `json:"builtin"`
	UserCount   int            `json:"user_count"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
}

func roleJSONOf(ro account.Role) roleJSON {
	perms := make([]string, len(ro.Perms))
	for i, pm := range ro.Perms {
		perms[i] = string(pm)
	}
	return roleJSON{ID: ro.ID, Code: ro.Code, Name: ro.Name, NameEN: ro.NameEN, Description: ro.Description, Permissions: perms,
		ScopeKind: ro.ScopeKind, Builtin: ro.Builtin, UserCount: ro.UserCount,
		CreatedAt: ro.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: ro.UpdatedAt.UTC().Format(time.RFC3339)}
}

type roleBody struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	NameEN      string   `json:"name_en"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	ScopeKind   string   `json:"scope_kind"`
}

func (b roleBody) input() account.RoleInput {
	in := account.RoleInput{Code: b.Code, Name: b.Name, NameEN: b.NameEN, Description: b.Description, ScopeKind: auth.ScopeKind(b.ScopeKind)}
	for _, pm := range b.Permissions {
		in.Perms = append(in.Perms, auth.Perm(pm))
	}
	return in
}

func (s *Server) roleAPIRoutes() {
	perms := make([]string, len(auth.AllPerms))
	for i, pm := range auth.AllPerms {
		perms[i] = string(pm)
	}
	permList := map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": perms}}
	role := web.Obj(map[string]any{"id": web.Integer(), "code": web.Str(), "name": web.Str(), "name_en": web.Str(), "description": web.Str(),
		"permissions": permList, "scope_kind": scopeKindSchema(), "builtin": web.Boolean(),
		"user_count": map[string]any{"type": "integer", "description": "users holding the role inside the caller's scope"},
		"created_at": web.DateTime(), "updated_at": web.DateTime()})
	body := func(required ...string) map[string]any {
		return web.Obj(map[string]any{"code": map[string]any{"type": "string", "description": "a-z, 0-9 and _; fixed for built-in roles"},
			"name": web.Str(), "name_en": web.Str(), "description": web.Str(), "permissions": permList,
			"scope_kind": map[string]any{"type": "string", "enum": scopeKindSchema()["enum"], "description": "the data scope suggested for new users with this role"}},
			required...)
	}
	s.API("GET /api/v1/roles", web.APIDoc{
		Summary: "Roles with their permission codes, built-in first (needs role.manage or user.view)", Tag: "roles",
		Params: web.PagingParams, Response: web.ListOf(role), Extra: map[int]string{403: "the role lacks role.manage and user.view"},
	}, s.apiRoleList)
	s.API("POST /api/v1/roles", web.APIDoc{
		Summary: "Define a role (needs role.manage)", Tag: "roles", Body: body("code", "name"), Response: role, Status: http.StatusCreated,
		Extra: map[int]string{400: "invalid input, with field messages", 403: "the role lacks role.manage"},
	}, s.apiRoleCreate)
	s.API("GET /api/v1/roles/{id}", web.APIDoc{
		Summary: "One role (needs role.manage or user.view)", Tag: "roles", Response: role,
		Extra: map[int]string{403: "the role lacks role.manage and user.view", 404: "no such role"},
	}, s.apiRoleGet)
	s.API("PUT /api/v1/roles/{id}", web.APIDoc{
		Summary: "Change a role; fields left out keep their value (needs role.manage)", Tag: "roles", Body: body(), Response: role,
		Extra: map[int]string{400: "invalid input, with field messages", 403: "the role lacks role.manage", 404: "no such role"},
	}, s.apiRoleUpdate)
	s.API("DELETE /api/v1/roles/{id}", web.APIDoc{
		Summary: "Delete a role that is not built in and that no user holds (needs role.manage)", Tag: "roles", Status: http.StatusNoContent,
		Extra: map[int]string{403: "the role lacks role.manage", 404: "no such role", 409: "built in, or still held by users"},
	}, s.apiRoleDelete)
}

func (s *Server) apiRoleList(w http.ResponseWriter, r *http.Request) error {
	lq := web.ListQueryOf(r)
	roles, err := s.rolesMatching(r, lq.Q)
	if err != nil {
		return err
	}
	items := make([]roleJSON, 0, len(roles))
	for _, ro := range web.PageOf(roles, lq) {
		items = append(items, roleJSONOf(ro))
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, len(roles), lq))
	return nil
}

func (s *Server) writeRole(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	ro, err := s.accounts.GetRole(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, status, roleJSONOf(ro))
	return nil
}

func (s *Server) apiRoleCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	var b roleBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	id, err := s.accounts.CreateRole(r.Context(), p, b.input())
	if err != nil {
		return err
	}
	return s.writeRole(w, r, http.StatusCreated, id)
}

func (s *Server) apiRoleGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.role")
	if err != nil {
		return err
	}
	return s.writeRole(w, r, http.StatusOK, id)
}

func (s *Server) apiRoleUpdate(w http.ResponseWriter, r *http.Request) error {
	ro, err := s.loadRoleForEdit(r)
	if err != nil {
		return err
	}
	cur := roleJSONOf(ro)
	b := roleBody{Code: ro.Code, Name: ro.Name, NameEN: ro.NameEN, Description: ro.Description,
		Permissions: slices.Clone(cur.Permissions), ScopeKind: string(ro.ScopeKind)}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := s.accounts.UpdateRole(r.Context(), web.Principal(r), ro.ID, b.input()); err != nil {
		return err
	}
	return s.writeRole(w, r, http.StatusOK, ro.ID)
}

func (s *Server) apiRoleDelete(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.role")
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteRole(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
