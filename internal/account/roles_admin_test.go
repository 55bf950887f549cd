package account_test

import (
	"slices"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

func (f *fixture) roleID(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		return tx.Get(f.ctx, "entity.role", "SELECT id FROM roles WHERE code = ?", []any{code}, &id)
	}))
	return id
}

func TestCreateRoleRefusesBadCodesNamesPermsAndScopesAndAddsNoRow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		roles := f.count(t, "SELECT COUNT(*) FROM roles")
		ok := account.RoleInput{Code: "street_clerk", Name: "街道办事员", Perms: []auth.Perm{auth.PermOrgView}, ScopeKind: auth.ScopeRegion}
		cases := []struct {
			name string
			edit func(*account.RoleInput)
			want map[string]string
		}{
			{"upper case and hyphen", func(in *account.RoleInput) { in.Code = "Street-Clerk" }, map[string]string{"code": "role.bad_code"}},
			{"one letter", func(in *account.RoleInput) { in.Code = "s" }, map[string]string{"code": "role.bad_code"}},
			{"starts with a digit", func(in *account.RoleInput) { in.Code = "1clerk" }, map[string]string{"code": "role.bad_code"}},
			{"empty code", func(in *account.RoleInput) { in.Code = "" }, map[string]string{"code": "field.required"}},
			{"code of a custom role", func(in *account.RoleInput) { in.Code = "district_admin" }, map[string]string{"code": "role.code_taken"}},
			{"code of a built-in role", func(in *account.RoleInput) { in.Code = account.RoleAdmin }, map[string]string{"code": "role.code_taken"}},
			{"no name", func(in *account.RoleInput) { in.Name = "  " }, map[string]string{"name": "field.required"}},
			{"unknown permission", func(in *account.RoleInput) { in.Perms = []auth.Perm{auth.PermOrgView, "nuke.all"} }, map[string]string{"perms": "field.bad_choice"}},
			{"unknown scope", func(in *account.RoleInput) { in.ScopeKind = "galaxy" }, map[string]string{"scope_kind": "field.bad_choice"}},
		}
		for _, c := range cases {
			in := ok
			c.edit(&in)
			_, err := f.svc.CreateRole(f.ctx, f.rootP, in)
			t.Run(c.name, func(t *testing.T) { wantFields(t, err, c.want) })
		}
		if n := f.count(t, "SELECT COUNT(*) FROM roles"); n != roles {
			t.Fatalf("refused creates added %d roles", n-roles)
		}
		in := ok
		in.Perms = []auth.Perm{auth.PermUserView, auth.PermOrgView, auth.PermOrgView} // order and duplicates are normalised
		id, err := f.svc.CreateRole(f.ctx, f.rootP, in)
		must(t, err)
		r, err := f.svc.GetRole(f.ctx, f.rootP, id)
		must(t, err)
		if r.Code != "street_clerk" || r.Builtin || r.ScopeKind != auth.ScopeRegion || !slices.Equal(r.Perms, []auth.Perm{auth.PermOrgView, auth.PermUserView}) {
			t.Fatalf("created %+v", r)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'role' AND action = 'create' AND entity_id = ?", itoa(id)); n != 1 {
			t.Fatalf("create audit rows %d", n)
		}
	})
}

func TestRoleWritesNeedRoleManageAndReadsNeedUserViewOrRoleManage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := account.RoleInput{Code: "x_role", Name: "X"}
		_, err := f.svc.CreateRole(f.ctx, f.adminAP, in)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		wantCode(t, f.svc.UpdateRole(f.ctx, f.adminAP, f.districtAdminRID, in), errs.Forbidden, "err.forbidden")
		wantCode(t, f.svc.DeleteRole(f.ctx, f.adminAP, f.districtAdminRID), errs.Forbidden, "err.forbidden")
		if _, err := f.svc.ListRoles(f.ctx, f.adminAP); err != nil {
			t.Fatalf("user.view may list roles: %v", err)
		}
		op := f.principal(t, f.create(t, f.rootP, account.UserInput{Username: "op1", DisplayName: "话务员", ScopeKind: auth.ScopeAll,
			Roles: []string{account.RoleOperator}, Active: true, Password: goodPW}))
		_, err = f.svc.ListRoles(f.ctx, op)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		_, err = f.svc.GetRole(f.ctx, op, f.districtAdminRID)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
	})
}

func TestListRolesCountsOnlyUsersInsideTheReadersScope(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		count := func(p *auth.Principal, code string) int {
			rs, err := f.svc.ListRoles(f.ctx, p)
			must(t, err)
			for _, r := range rs {
				if r.Code == code {
					return r.UserCount
				}
			}
			t.Fatalf("role %s not listed", code)
			return 0
		}
		if n := count(f.rootP, account.RoleHandler); n != 2 {
			t.Errorf("root counts %d handlers", n)
		}
		if n := count(f.adminAP, account.RoleHandler); n != 1 {
			t.Errorf("district A admin counts %d handlers", n)
		}
		r, err := f.svc.GetRole(f.ctx, f.adminAP, f.roleID(t, account.RoleHandler))
		must(t, err)
		if r.UserCount != 1 || !r.Builtin || r.Name == "" {
			t.Errorf("GetRole %+v", r)
		}
		rs, err := f.svc.ListRoles(f.ctx, f.rootP)
		must(t, err)
		if len(rs) != len(account.BuiltinRoles)+1 || rs[0].Code != account.RoleAdmin || rs[len(rs)-1].Code != "district_admin" {
			t.Errorf("order: built-in first, then custom; got %d roles, first %s", len(rs), rs[0].Code)
		}
	})
}

func TestBuiltinRoleKeepsItsCodeAndTheAdminRoleKeepsRoleAndUserManage(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		adminID := f.roleID(t, account.RoleAdmin)
		admin, err := f.svc.GetRole(f.ctx, f.rootP, adminID)
		must(t, err)
		in := account.RoleInput{Code: admin.Code, Name: admin.Name, NameEN: admin.NameEN, ScopeKind: admin.ScopeKind}
		for _, p := range admin.Perms {
			if p != auth.PermRoleManage {
				in.Perms = append(in.Perms, p)
			}
		}
		wantFields(t, f.svc.UpdateRole(f.ctx, f.rootP, adminID, in), map[string]string{"perms": "role.admin_keeps"})
		in.Perms = []auth.Perm{auth.PermRoleManage}
		wantFields(t, f.svc.UpdateRole(f.ctx, f.rootP, adminID, in), map[string]string{"perms": "role.admin_keeps"})
		in.Perms = []auth.Perm{auth.PermRoleManage, auth.PermUserManage}
		in.Code = "superuser"
		wantFields(t, f.svc.UpdateRole(f.ctx, f.rootP, adminID, in), map[string]string{"code": "role.code_fixed"})
		after, err := f.svc.GetRole(f.ctx, f.rootP, adminID)
		must(t, err)
		if after.Code != account.RoleAdmin || !slices.Equal(after.Perms, admin.Perms) {
			t.Fatalf("refused updates changed the admin role: %+v", after)
		}

		// Built-in permissions are editable, and the change reaches users at once.
		leaderID := f.roleID(t, account.RoleLeader)
		leader, err := f.svc.GetRole(f.ctx, f.rootP, leaderID)
		must(t, err)
		in = account.RoleInput{Name: leader.Name, NameEN: leader.NameEN, ScopeKind: leader.ScopeKind,
			Perms: append(slices.Clone(leader.Perms), auth.PermAuditView)}
		must(t, f.svc.UpdateRole(f.ctx, f.rootP, leaderID, in))
		l := f.principal(t, f.create(t, f.rootP, account.UserInput{Username: "leader1", DisplayName: "领导", ScopeKind: auth.ScopeAll,
			Roles: []string{account.RoleLeader}, Active: true, Password: goodPW}))
		if !l.Can(auth.PermAuditView) {
			t.Fatal("edited permission not held")
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'role' AND action = 'update' AND entity_id = ?", itoa(leaderID)); n != 1 {
			t.Fatalf("update audit rows %d", n)
		}

		// A custom role may be renamed, but not onto another code.
		in = account.RoleInput{Code: "leader", Name: "区管理员", ScopeKind: auth.ScopeRegion}
		wantFields(t, f.svc.UpdateRole(f.ctx, f.rootP, f.districtAdminRID, in), map[string]string{"code": "role.code_taken"})
		in.Code = "district_manager"
		must(t, f.svc.UpdateRole(f.ctx, f.rootP, f.districtAdminRID, in))
	})
}

func TestDeleteRoleRefusesBuiltinAndInUseRolesAndDeletesAnUnusedOne(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		wantCode(t, f.svc.DeleteRole(f.ctx, f.rootP, f.roleID(t, account.RoleLeader)), errs.Conflict, "role.builtin")
		err := f.svc.DeleteRole(f.ctx, f.rootP, f.districtAdminRID)
		wantCode(t, err, errs.Conflict, "role.in_use")
		if got := errs.As(err).Args; len(got) != 1 || got[0] != 1 {
			t.Fatalf("in_use args %v", got)
		}
		id, err := f.svc.CreateRole(f.ctx, f.rootP, account.RoleInput{Code: "temp_role", Name: "临时"})
		must(t, err)
		must(t, f.svc.DeleteRole(f.ctx, f.rootP, id))
		_, err = f.svc.GetRole(f.ctx, f.rootP, id)
		wantCode(t, err, errs.NotFound, "err.not_found")
		wantCode(t, f.svc.DeleteRole(f.ctx, f.rootP, id), errs.NotFound, "err.not_found")
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'role' AND action = 'delete' AND entity_id = ?", itoa(id)); n != 1 {
			t.Fatalf("delete audit rows %d", n)
		}
	})
}
