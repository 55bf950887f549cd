package accountweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// ---- list ----

// userRow is a user with role names in the viewer's language.
type userRow struct {
	account.User
	RoleNames string
}

type userListData struct {
	Rows                  []userRow
	Pager                 web.Pager
	Units, Regions, Roles []web.Choice
}

// userFilterOf reads the filters shared by the list page, its export and
// the API: q, unit (id), region (id), role (code), active (1/0), sort.
func userFilterOf(r *http.Request) (account.UserFilter, web.ListQuery, error) {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := account.UserFilter{Q: lq.Q, Role: strings.TrimSpace(q.Get("role")), Page: lq.Page, Size: lq.Size}
	f.UnitID = web.FormInt64(&fe, q, "unit")
	f.RegionID = web.FormInt64(&fe, q, "region")
	f.Active = web.QueryBool(q, "active")
	if f.Active == nil && q.Get("active") != "" {
		fe.Add("active", "field.bad_choice")
	}
	switch sort := q.Get("sort"); sort {
	case "", "newest":
	case "username":
		f.Sort = sort
	default:
		fe.Add("sort", "field.bad_choice")
	}
	return f, lq, fe.Err()
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserView); err != nil {
		return err
	}
	ctx := r.Context()
	v := s.View(w, r, "users.title")
	v.Form = r.URL.Query()
	names, roles, err := s.roleNames(ctx, p, v.Lang)
	if err != nil {
		return err
	}
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return err
	}
	d := &userListData{Units: web.TreeChoices(v, units), Regions: web.TreeChoices(v, regions)}
	for _, ro := range roles {
		d.Roles = append(d.Roles, web.Choice{Value: ro.Code, Label: roleLabel(v.Lang, ro)})
	}
	v.Data = d
	f, lq, err := userFilterOf(r)
	if err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "user_list", v, err)
	}
	if web.WantsXLSX(r) {
		return s.userExport(w, r, f, names)
	}
	users, total, err := s.accounts.ListUsers(ctx, p, f)
	if err != nil {
		return err
	}
	sep := v.T("home.list_sep")
	for _, u := range users {
		d.Rows = append(d.Rows, userRow{User: u, RoleNames: strings.Join(names.names(u.Roles), sep)})
	}
	d.Pager = web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "user_list", v)
	return nil
}

// userExport answers with every matching user as a workbook, headers in
// the viewer's language; phones stay masked.
func (s *Server) userExport(w http.ResponseWriter, r *http.Request, f account.UserFilter, names roleNamer) error {
	f.Page, f.Size = 1, account.ExportAll
	users, _, err := s.accounts.ListUsers(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	l := web.Lang(r)
	cols := []export.Column{
		{Header: i18n.T(l, "user.field.username"), Width: 16},
		{Header: i18n.T(l, "user.field.display_name"), Width: 12},
		{Header: i18n.T(l, "user.field.unit_id"), Width: 24},
		{Header: i18n.T(l, "user.field.region_id"), Width: 16},
		{Header: i18n.T(l, "user.field.roles"), Width: 24},
		{Header: i18n.T(l, "user.field.scope_kind"), Width: 14},
		{Header: i18n.T(l, "user.field.phone"), Width: 14},
		{Header: i18n.T(l, "user.field.email"), Width: 22},
		{Header: i18n.T(l, "user.field.active"), Width: 8},
		{Header: i18n.T(l, "users.col.last_login"), Width: 18},
		{Header: i18n.T(l, "users.col.created"), Width: 18},
	}
	sep := i18n.T(l, "home.list_sep")
	rows := make([][]any, 0, len(users))
	for _, u := range users {
		rows = append(rows, []any{u.Username, u.DisplayName, web.LocalName(l, u.UnitName, u.UnitNameEN), web.LocalName(l, u.RegionName, u.RegionNameEN), strings.Join(names.names(u.Roles), sep),
			i18n.T(l, "scope.kind."+string(u.ScopeKind)), u.Phone, u.Email, web.YesNo(l, u.Active), u.LastLoginAt, u.CreatedAt})
	}
	return export.ServeXLSX(w, i18n.T(l, "users.export_name"), s.Now(), cols, rows)
}

// ---- detail, unlock, password reset, phone ----

type userDetailData struct {
	U                        account.User
	Roles                    []string
	ScopeRegions, ScopeUnits []string
	Locked                   bool
	LockedUntil              time.Time
	Failures                 int
	FullPhone                string // after a reveal
	Revealed                 bool
	Generated                string // a generated password, shown once
	Rule                     string
}

// passwordRule describes the password policy in the language.
func (s *Server) passwordRule(r *http.Request) (string, error) {
	var pol account.Policy
	err := s.DB.Read(r.Context(), func(tx *db.Tx) error {
		var err error
		pol, err = s.accounts.Policy(r.Context(), tx)
		return err
	})
	if err != nil {
		return "", err
	}
	return i18n.T(web.Lang(r), "pw.rule", pol.Password.MinLength, pol.Password.MinClasses), nil
}

// userDetailView loads a user in the viewer's scope (NotFound outside it)
// with everything the detail page shows.
func (s *Server) userDetailView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, *userDetailData, error) {
	p := web.Principal(r)
	ctx := r.Context()
	u, err := s.accounts.GetUser(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	v := s.View(w, r, "users.detail_title")
	v.Form.Set("mode", "generate")
	v.Form.Set("must_change", "1")
	d := &userDetailData{U: u}
	names, _, err := s.roleNames(ctx, p, v.Lang)
	if err != nil {
		return nil, nil, err
	}
	d.Roles = names.names(u.Roles)
	if u.ScopeKind == auth.ScopeCustom {
		regions, err := s.org.RegionOptions(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		units, err := s.org.UnitOptions(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		label := func(opts []web.Choice, id int64) string {
			want := strconv.FormatInt(id, 10)
			for _, o := range opts {
				if o.Value == want {
					return strings.TrimLeft(o.Label, "\u3000")
				}
			}
			return "#" + want // outside the viewer's own scope
		}
		rc, uc := web.TreeChoices(v, regions), web.TreeChoices(v, units)
		for _, id := range u.ScopeRegionIDs {
			d.ScopeRegions = append(d.ScopeRegions, label(rc, id))
		}
		for _, id := range u.ScopeUnitIDs {
			d.ScopeUnits = append(d.ScopeUnits, label(uc, id))
		}
	}
	if d.Locked, d.LockedUntil, d.Failures, err = s.accounts.LockStatus(ctx, p, id); err != nil {
		return nil, nil, err
	}
	if d.Rule, err = s.passwordRule(r); err != nil {
		return nil, nil, err
	}
	v.Data = d
	return v, d, nil
}

func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	v, _, err := s.userDetailView(w, r, id)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "user_detail", v)
	return nil
}

func userPath(id int64) string { return "/users/" + strconv.FormatInt(id, 10) }

func (s *Server) userUnlock(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	if err := s.accounts.Unlock(r.Context(), web.Principal(r), id); err != nil {
		return err
	}
	return s.Redirect(w, r, userPath(id), "users.unlocked")
}

// userPassword resets a user's password: mode "generate" shows a generated
// password once on the answer page; mode "set" takes the typed one.
func (s *Server) userPassword(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	must := web.FormBool(r.PostForm, "must_change")
	pw := r.PostFormValue("password")
	var generated string
	switch r.PostFormValue("mode") {
	case "set":
		if pw == "" {
			var f errs.Fields
			f.Add("password", "field.required")
			err = f.Err()
		} else {
			err = s.accounts.ResetPassword(r.Context(), p, id, pw, must)
		}
	case "generate", "":
		generated, err = s.accounts.ResetPasswordGenerated(r.Context(), p, id, must)
	default:
		var f errs.Fields
		f.Add("mode", "field.bad_choice")
		err = f.Err()
	}
	if err != nil {
		v, _, verr := s.userDetailView(w, r, id)
		if verr != nil {
			return verr
		}
		r.PostForm.Del("password")
		return s.FormFailed(w, r, "user_detail", v, err)
	}
	if generated == "" {
		return s.Redirect(w, r, userPath(id), "users.password_reset")
	}
	v, d, err := s.userDetailView(w, r, id)
	if err != nil {
		return err
	}
	d.Generated = generated
	s.Render(w, r, http.StatusOK, "user_detail", v)
	return nil
}

// userPhone reveals a user's full phone number on the detail page; the
// service writes the view_contact audit entry.
func (s *Server) userPhone(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	phone, err := s.accounts.RevealPhone(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	v, d, err := s.userDetailView(w, r, id)
	if err != nil {
		return err
	}
	d.FullPhone, d.Revealed = phone, true
	s.Render(w, r, http.StatusOK, "user_detail", v)
	return nil
}

// ---- create and edit ----

type userFormData struct {
	ID                            int64  // 0 when creating
	Username                      string // fixed once created
	Units, Regions, Roles, Scopes []web.Choice
	Rule                          string
}

func (s *Server) userFormView(w http.ResponseWriter, r *http.Request, id int64, username string) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	title := "users.new_title"
	if id != 0 {
		title = "users.edit_title"
	}
	v := s.View(w, r, title)
	units, err := s.org.UnitOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	regions, err := s.org.RegionOptions(ctx, p)
	if err != nil {
		return nil, err
	}
	_, roles, err := s.roleNames(ctx, p, v.Lang)
	if err != nil {
		return nil, err
	}
	d := &userFormData{ID: id, Username: username, Units: web.TreeChoices(v, units), Regions: web.TreeChoices(v, regions), Scopes: scopeChoices(v)}
	for _, ro := range roles {
		d.Roles = append(d.Roles, web.Choice{Value: ro.Code, Label: roleLabel(v.Lang, ro), Hint: ro.Description})
	}
	if id == 0 {
		if d.Rule, err = s.passwordRule(r); err != nil {
			return nil, err
		}
	}
	v.Data = d
	return v, nil
}

// userFormValues fills the edit form from a stored user (phone masked: the
// service keeps the stored number when the masked one comes back).
func userFormValues(u account.User) url.Values {
	f := url.Values{}
	f.Set("username", u.Username)
	f.Set("display_name", u.DisplayName)
	f.Set("phone", u.Phone)
	f.Set("email", u.Email)
	f.Set("unit_id", web.I64s(u.UnitID))
	f.Set("region_id", web.I64s(u.RegionID))
	f.Set("scope_kind", string(u.ScopeKind))
	for _, id := range u.ScopeRegionIDs {
		f.Add("scope_regions", strconv.FormatInt(id, 10))
	}
	for _, id := range u.ScopeUnitIDs {
		f.Add("scope_units", strconv.FormatInt(id, 10))
	}
	f["roles"] = slices.Clone(u.Roles)
	if u.Active {
		f.Set("active", "1")
	}
	return f
}

// userInputOf reads the user form.
func userInputOf(vals url.Values) (account.UserInput, error) {
	var fe errs.Fields
	in := account.UserInput{
		Username: vals.Get("username"), DisplayName: vals.Get("display_name"), Phone: vals.Get("phone"), Email: vals.Get("email"),
		UnitID: web.FormInt64(&fe, vals, "unit_id"), RegionID: web.FormInt64(&fe, vals, "region_id"),
		ScopeKind:      auth.ScopeKind(strings.TrimSpace(vals.Get("scope_kind"))),
		ScopeRegionIDs: web.FormInt64s(&fe, vals, "scope_regions"), ScopeUnitIDs: web.FormInt64s(&fe, vals, "scope_units"),
		Roles: vals["roles"], Active: web.FormBool(vals, "active"),
		Password: vals.Get("password"), MustChange: web.FormBool(vals, "must_change"),
	}
	dropUnusedScope(&in)
	return in, fe.Err()
}

// dropUnusedScope forgets custom-scope choices when the scope is not
// custom, so a stale selection cannot refuse the form.
func dropUnusedScope(in *account.UserInput) {
	if in.ScopeKind != auth.ScopeCustom {
		in.ScopeRegionIDs, in.ScopeUnitIDs = nil, nil
	}
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermUserManage); err != nil {
		return err
	}
	return s.Show(w, r, "user_form", func() (*web.View, error) {
		v, err := s.userFormView(w, r, 0, "")
		if err == nil {
			v.Form.Set("active", "1")
			v.Form.Set("must_change", "1")
			v.Form.Set("scope_kind", string(auth.ScopeUnit))
		}
		return v, err
	})
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	return s.Submit(w, r, "user_form", "flash.created", func() (*web.View, error) {
		r.PostForm.Del("password") // a refused password is not shown again
		return s.userFormView(w, r, 0, "")
	}, func(vals url.Values, _ *errs.Fields) (string, error) {
		in, err := userInputOf(vals)
		if err != nil {
			return "", err
		}
		id, err := s.accounts.CreateUser(r.Context(), p, in)
		return userPath(id), err
	})
}

// userOf loads the user named by the path for a manager, in their scope.
func (s *Server) userOf(r *http.Request) (account.User, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return account.User{}, err
	}
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return account.User{}, err
	}
	return s.accounts.GetUser(r.Context(), p, id)
}

func (s *Server) userEdit(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "user_form", func() (*web.View, error) {
		v, err := s.userFormView(w, r, u.ID, u.Username)
		if err == nil {
			v.Form = userFormValues(u)
		}
		return v, err
	})
}

func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) error {
	u, err := s.userOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "user_form", "flash.saved", func() (*web.View, error) { return s.userFormView(w, r, u.ID, u.Username) },
		func(vals url.Values, _ *errs.Fields) (string, error) {
			in, err := userInputOf(vals)
			in.Username, in.Password = u.Username, ""
			if err != nil {
				return "", err
			}
			return userPath(u.ID), s.accounts.UpdateUser(r.Context(), web.Principal(r), u.ID, in)
		})
}

// ---- API ----

// userJSON is the API view of a user; the phone is always masked (see
// reveal-phone).
type userJSON struct {
	ID                 int64          `json:"id"`
	Username           string         `json:"username"`
	DisplayName        string         `json:"display_name"`
	Phone              string         `json:"phone"`
	Email              string         `json:"email"`
	UnitID             *int64         `json:"unit_id"`
	UnitName           string         `json:"unit_name"`
	RegionID           *int64         `json:"region_id"`
	RegionName         string         `json:"region_name"`
	ScopeKind          auth.ScopeKind `json:"scope_kind"`
	ScopeRegions       []int64        `json:"scope_regions,omitempty"`
	ScopeUnits         []int64        `json:"scope_units,omitempty"`
	Roles              []string       `json:"roles"`
	Active             bool           `json:"active"`
	MustChangePassword bool           `json:"must_change_password"`
	Lang               string         `json:"lang"`
	LastLoginAt        *string        `json:"last_login_at"`
	CreatedAt          string         `json:"created_at"`
	UpdatedAt          string         `json:"updated_at"`
}

func idPtr(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func userJSONOf(u account.User) userJSON {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Email: u.Email,
		UnitID: idPtr(u.UnitID), UnitName: u.UnitName, RegionID: idPtr(u.RegionID), RegionName: u.RegionName,
		ScopeKind: u.ScopeKind, ScopeRegions: u.ScopeRegionIDs, ScopeUnits: u.ScopeUnitIDs, Roles: roles, Active: u.Active,
		MustChangePassword: u.MustChangePassword, Lang: u.Lang, LastLoginAt: web.RFC3339(u.LastLoginAt),
		CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: u.UpdatedAt.UTC().Format(time.RFC3339)}
}

// userBody is the JSON body of a user create or update.
type userBody struct {
	Username     string   `json:"username"`
	DisplayName  string   `json:"display_name"`
	Phone        string   `json:"phone"`
	Email        string   `json:"email"`
	UnitID       *int64   `json:"unit_id"`
	RegionID     *int64   `json:"region_id"`
	ScopeKind    string   `json:"scope_kind"`
	ScopeRegions []int64  `json:"scope_regions"`
	ScopeUnits   []int64  `json:"scope_units"`
	Roles        []string `json:"roles"`
	Active       *bool    `json:"active"`
}

type userCreateBody struct {
	userBody
	Password   string `json:"password"`
	MustChange bool   `json:"must_change"`
}

func (b userBody) input() account.UserInput {
	in := account.UserInput{Username: b.Username, DisplayName: b.DisplayName, Phone: b.Phone, Email: b.Email,
		ScopeKind: auth.ScopeKind(strings.TrimSpace(b.ScopeKind)), ScopeRegionIDs: b.ScopeRegions, ScopeUnitIDs: b.ScopeUnits,
		Roles: b.Roles, Active: b.Active == nil || *b.Active}
	if b.UnitID != nil {
		in.UnitID = *b.UnitID
	}
	if b.RegionID != nil {
		in.RegionID = *b.RegionID
	}
	dropUnusedScope(&in)
	return in
}

var (
	userSchemaProps = map[string]any{
		"id": web.Integer(), "username": web.Str(), "display_name": web.Str(),
		"phone": map[string]any{"type": "string", "description": "masked (138****5678); see reveal-phone"},
		"email": web.Str(), "unit_id": web.Integer(), "unit_name": web.Str(), "region_id": web.Integer(),
		"region_name": map[string]any{"type": "string", "description": "the user's region, else their unit's"},
		"scope_kind":  scopeKindSchema(),
		"scope_regions": map[string]any{"type": "array", "items": web.Integer(),
			"description": "region ids of a custom scope (on GET /api/v1/users/{id})"},
		"scope_units": map[string]any{"type": "array", "items": web.Integer(),
			"description": "unit ids of a custom scope (on GET /api/v1/users/{id})"},
		"roles": web.Arr(web.Str()), "active": web.Boolean(), "must_change_password": web.Boolean(), "lang": web.Str(),
		"last_login_at": web.DateTime(), "created_at": web.DateTime(), "updated_at": web.DateTime(),
	}
	userBodyProps = map[string]any{
		"username": map[string]any{"type": "string", "description": "fixed once created"}, "display_name": web.Str(), "phone": web.Str(), "email": web.Str(),
		"unit_id": web.Integer(), "region_id": web.Integer(), "scope_kind": scopeKindSchema(),
		"scope_regions": web.Arr(web.Integer()), "scope_units": web.Arr(web.Integer()),
		"roles":  map[string]any{"type": "array", "items": web.Str(), "description": "role codes"},
		"active": map[string]any{"type": "boolean", "default": true},
	}
)

func scopeKindSchema() map[string]any {
	kinds := make([]string, len(auth.ScopeKinds))
	for i, k := range auth.ScopeKinds {
		kinds[i] = string(k)
	}
	return map[string]any{"type": "string", "enum": kinds}
}

func (s *Server) userAPIRoutes() {
	user := web.Obj(userSchemaProps)
	createProps := map[string]any{"password": web.Str(), "must_change": web.Boolean()}
	for k, v := range userBodyProps {
		createProps[k] = v
	}
	s.API("GET /api/v1/users", web.APIDoc{
		Summary: "Users in the caller's data scope, newest first; phones masked (needs user.view)", Tag: "users",
		Params: append(slices.Clone(web.PagingParams),
			web.Param{Name: "unit", In: "query", Type: "integer", Description: "users of this unit (id)"},
			web.Param{Name: "region", In: "query", Type: "integer", Description: "users whose region (else their unit's) lies in this region's subtree (id)"},
			web.Param{Name: "role", In: "query", Description: "role code"},
			web.Param{Name: "active", In: "query", Type: "boolean", Description: "only active (true) or inactive (false) accounts"},
			web.Param{Name: "sort", In: "query", Description: "newest (default) or username"},
		),
		Response: web.ListOf(user), Extra: map[int]string{400: "a bad filter value", 403: "the role lacks user.view"},
	}, s.apiUserList)
	s.API("POST /api/v1/users", web.APIDoc{
		Summary: "Create a user inside the caller's scope; bad input is refused field by field and nothing is stored (needs user.manage)", Tag: "users",
		Body:     web.Obj(createProps, "username", "display_name", "roles", "password"),
		Response: user, Status: http.StatusCreated,
		Extra: map[int]string{400: "invalid input, with field messages", 403: "the role lacks user.manage"},
	}, s.apiUserCreate)
	s.API("GET /api/v1/users/{id}", web.APIDoc{
		Summary: "One user with roles and custom scope (needs user.view)", Tag: "users", Response: user,
		Extra: map[int]string{403: "the role lacks user.view", 404: "no such user in the caller's scope"},
	}, s.apiUserGet)
	s.API("PUT /api/v1/users/{id}", web.APIDoc{
		Summary: "Change a user; fields left out keep their value, a masked phone keeps the stored number (needs user.manage)", Tag: "users",
		Body: web.Obj(userBodyProps), Response: user,
		Extra: map[int]string{400: "invalid input, with field messages", 403: "the role lacks user.manage", 404: "no such user in the caller's scope"},
	}, s.apiUserUpdate)
	s.API("POST /api/v1/users/{id}/password", web.APIDoc{
		Summary: "Reset a user's password: set {\"password\"} or {\"generate\":true}; a generated password is returned once (needs user.manage)", Tag: "users",
		Body: web.Obj(map[string]any{"password": web.Str(), "generate": web.Boolean(), "must_change": web.Boolean()}),
		Response: web.Obj(map[string]any{"must_change": web.Boolean(),
			"password": map[string]any{"type": "string", "description": "the generated password, only when generate was true"}}),
		Extra: map[int]string{400: "the password does not meet the policy", 403: "the role lacks user.manage", 404: "no such user in the caller's scope"},
	}, s.apiUserPassword)
	s.API("POST /api/v1/users/{id}/reveal-phone", web.APIDoc{
		Summary: "The user's full phone number; every reveal is written to the audit log (needs contact.view)", Tag: "users",
		Response: web.Obj(map[string]any{"id": web.Integer(), "phone": web.Str()}),
		Extra:    map[int]string{403: "the role lacks contact.view", 404: "no such user in the caller's scope"},
	}, s.apiUserRevealPhone)
}

func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) error {
	f, lq, err := userFilterOf(r)
	if err != nil {
		return err
	}
	users, total, err := s.accounts.ListUsers(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	items := make([]userJSON, 0, len(users))
	for _, u := range users {
		items = append(items, userJSONOf(u))
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, total, lq))
	return nil
}

func (s *Server) writeUser(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	u, err := s.accounts.GetUser(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, status, userJSONOf(u))
	return nil
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	var b userCreateBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	in := b.input()
	in.Password, in.MustChange = b.Password, b.MustChange
	id, err := s.accounts.CreateUser(r.Context(), p, in)
	if err != nil {
		return err
	}
	return s.writeUser(w, r, http.StatusCreated, id)
}

func (s *Server) apiUserGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	return s.writeUser(w, r, http.StatusOK, id)
}

func (s *Server) apiUserUpdate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	u, err := s.accounts.GetUser(r.Context(), p, id)
	if err != nil {
		return err
	}
	// Start from the stored values, so fields left out keep them.
	b := userBody{Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Email: u.Email,
		UnitID: idPtr(u.UnitID), RegionID: idPtr(u.RegionID), ScopeKind: string(u.ScopeKind),
		ScopeRegions: u.ScopeRegionIDs, ScopeUnits: u.ScopeUnitIDs, Roles: u.Roles, Active: &u.Active}
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	if err := s.accounts.UpdateUser(r.Context(), p, id, b.input()); err != nil {
		return err
	}
	return s.writeUser(w, r, http.StatusOK, id)
}

type passwordBody struct {
	Password   string `json:"password"`
	Generate   bool   `json:"generate"`
	MustChange bool   `json:"must_change"`
}

func (s *Server) apiUserPassword(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	var b passwordBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	var f errs.Fields
	switch {
	case b.Generate && b.Password != "":
		f.Add("password", "users.password_or_generate")
	case !b.Generate && b.Password == "":
		f.Add("password", "field.required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	out := map[string]any{"must_change": b.MustChange}
	if b.Generate {
		pw, err := s.accounts.ResetPasswordGenerated(r.Context(), p, id, b.MustChange)
		if err != nil {
			return err
		}
		out["password"] = pw
	} else if err := s.accounts.ResetPassword(r.Context(), p, id, b.Password, b.MustChange); err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiUserRevealPhone(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.user")
	if err != nil {
		return err
	}
	phone, err := s.accounts.RevealPhone(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	web.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "phone": phone})
	return nil
}
