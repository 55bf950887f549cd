package account_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

func usernames(us []account.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	slices.Sort(out)
	return out
}

func inputFor(u account.User) account.UserInput {
	return account.UserInput{Username: u.Username, DisplayName: u.DisplayName, Phone: u.Phone, Email: u.Email, UnitID: u.UnitID,
		RegionID: u.RegionID, ScopeKind: u.ScopeKind, ScopeRegionIDs: u.ScopeRegionIDs, ScopeUnitIDs: u.ScopeUnitIDs,
		Roles: u.Roles, Active: u.Active}
}

func TestDistrictAdminGetsNotFoundForUsersOfAnotherDistrictExactlyLikeMissingOnes(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, missing := f.svc.GetUser(f.ctx, f.adminAP, 999999)
		wantCode(t, missing, errs.NotFound, "err.not_found")
		before, err := f.svc.GetUser(f.ctx, f.rootP, f.userB)
		must(t, err)
		audits := f.count(t, "SELECT COUNT(*) FROM audit_log")

		_, err = f.svc.GetUser(f.ctx, f.adminAP, f.userB)
		if !reflect.DeepEqual(errs.As(err), errs.As(missing)) {
			t.Errorf("GetUser: got %v, want the same as missing: %v", err, missing)
		}
		in := inputFor(before)
		in.DisplayName = "改名"
		in.UnitID = f.unitA
		err = f.svc.UpdateUser(f.ctx, f.adminAP, f.userB, in)
		if !reflect.DeepEqual(errs.As(err), errs.As(missing)) {
			t.Errorf("UpdateUser: got %v", err)
		}
		err = f.svc.ResetPassword(f.ctx, f.adminAP, f.userB, "Another-2026", false)
		if !reflect.DeepEqual(errs.As(err), errs.As(missing)) {
			t.Errorf("ResetPassword: got %v", err)
		}
		_, err = f.svc.RevealPhone(f.ctx, f.adminAP, f.userB)
		if !reflect.DeepEqual(errs.As(err), errs.As(missing)) {
			t.Errorf("RevealPhone: got %v", err)
		}
		_, _, _, err = f.svc.LockStatus(f.ctx, f.adminAP, f.userB)
		if !reflect.DeepEqual(errs.As(err), errs.As(missing)) {
			t.Errorf("LockStatus: got %v", err)
		}
		list, total, err := f.svc.ListUsers(f.ctx, f.adminAP, account.UserFilter{})
		must(t, err)
		if got := usernames(list); !slices.Equal(got, []string{"admin_a", "zhang"}) || total != 2 {
			t.Errorf("district A admin lists %v (total %d)", got, total)
		}
		list, total, err = f.svc.ListUsers(f.ctx, f.adminAP, account.UserFilter{RegionID: f.distB})
		must(t, err)
		if len(list) != 0 || total != 0 {
			t.Errorf("filtering by district B shows %v", usernames(list))
		}

		after, err := f.svc.GetUser(f.ctx, f.rootP, f.userB)
		must(t, err)
		if !reflect.DeepEqual(before, after) {
			t.Errorf("user B changed: %+v → %+v", before, after)
		}
		if _, err := f.login("li", goodPW, ip1); err != nil {
			t.Errorf("user B's password changed: %v", err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log"); n != audits+1 { // the login just above
			t.Errorf("audit rows %d → %d", audits, n)
		}
		// Inside the scope all of it works.
		if _, err := f.svc.GetUser(f.ctx, f.adminAP, f.userA); err != nil {
			t.Errorf("own district: %v", err)
		}
	})
}

func TestListUsersFiltersPagesSortsAndMasksPhones(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		all, total, err := f.svc.ListUsers(f.ctx, f.rootP, account.UserFilter{})
		must(t, err)
		if total != 4 || len(all) != 4 || all[0].ID != f.userB {
			t.Fatalf("all: %v total %d (newest first)", usernames(all), total)
		}
		var zhang account.User
		for _, u := range all {
			if u.ID == f.userA {
				zhang = u
			}
		}
		if zhang.Phone != "138****1111" || zhang.UnitName != "市中区城管局" || zhang.RegionName != "市中区" ||
			!slices.Equal(zhang.Roles, []string{account.RoleHandler}) || zhang.LastLoginAt != nil {
			t.Fatalf("zhang listed as %+v", zhang)
		}
		active := false
		cases := []struct {
			name   string
			filter account.UserFilter
			want   []string
		}{
			{"username part", account.UserFilter{Q: "ZHA"}, []string{"zhang"}},
			{"display name", account.UserFilter{Q: "李"}, []string{"li"}},
			{"phone digits", account.UserFilter{Q: "0000111"}, []string{"zhang"}},
			{"like wildcards are literal", account.UserFilter{Q: "%"}, nil},
			{"unit", account.UserFilter{UnitID: f.unitB}, []string{"li"}},
			{"region subtree, own region or unit's", account.UserFilter{RegionID: f.distA}, []string{"admin_a", "zhang"}},
			{"city subtree", account.UserFilter{RegionID: f.city}, []string{"admin_a", "li", "zhang"}},
			{"role", account.UserFilter{Role: account.RoleHandler}, []string{"li", "zhang"}},
			{"inactive", account.UserFilter{Active: &active}, nil},
		}
		for _, c := range cases {
			got, n, err := f.svc.ListUsers(f.ctx, f.rootP, c.filter)
			must(t, err)
			if !slices.Equal(usernames(got), c.want) || n != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v", c.name, usernames(got), n, c.want)
			}
		}
		page2, total, err := f.svc.ListUsers(f.ctx, f.rootP, account.UserFilter{Sort: "username", Page: 2, Size: 3})
		must(t, err)
		if total != 4 || len(page2) != 1 || page2[0].Username != "zhang" {
			t.Errorf("page 2 of 3 by username: %v total %d", usernames(page2), total)
		}
		sorted, _, err := f.svc.ListUsers(f.ctx, f.rootP, account.UserFilter{Sort: "username", Size: account.ExportAll})
		must(t, err)
		var names []string
		for _, u := range sorted {
			names = append(names, u.Username)
		}
		if !slices.Equal(names, []string{"admin_a", "li", "root", "zhang"}) {
			t.Errorf("by username: %v", names)
		}
		_, err = f.login("zhang", goodPW, ip1)
		must(t, err)
		got, _, err := f.svc.ListUsers(f.ctx, f.rootP, account.UserFilter{Q: "zhang"})
		must(t, err)
		if got[0].LastLoginAt == nil {
			t.Error("last login not listed")
		}
	})
}

func TestListAndGetNeedUserViewPermission(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		op := f.principal(t, f.create(t, f.rootP, account.UserInput{Username: "op1", DisplayName: "话务员", ScopeKind: auth.ScopeAll,
			Roles: []string{account.RoleOperator}, Active: true, Password: goodPW}))
		_, _, err := f.svc.ListUsers(f.ctx, op, account.UserFilter{})
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		_, err = f.svc.GetUser(f.ctx, op, f.userA)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		_, _, err = f.svc.ListUsers(f.ctx, nil, account.UserFilter{})
		wantCode(t, err, errs.Unauthorized, "err.unauthorized")
		err = f.svc.UpdateUser(f.ctx, f.principal(t, f.userA), f.userA, account.UserInput{})
		wantCode(t, err, errs.Forbidden, "err.forbidden")
	})
}

func TestUpdateUserChangesFieldsKeepsTheMaskedPhoneAndAuditsBeforeAndAfter(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u, err := f.svc.GetUser(f.ctx, f.adminAP, f.userA)
		must(t, err)
		in := inputFor(u) // carries the masked phone, as an edit form would
		in.DisplayName = "张三丰"
		in.Email = "zhang@example.cn"
		in.RegionID = f.streetA
		in.Roles = []string{account.RoleHandler, account.RoleInspector}
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
		got, err := f.svc.GetUser(f.ctx, f.rootP, f.userA)
		must(t, err)
		if got.DisplayName != "张三丰" || got.Email != "zhang@example.cn" || got.RegionName != "张公桥街道" ||
			!slices.Equal(got.Roles, []string{account.RoleHandler, account.RoleInspector}) {
			t.Fatalf("after update %+v", got)
		}
		phone, err := f.svc.RevealPhone(f.ctx, f.rootP, f.userA)
		must(t, err)
		if phone != "13800001111" {
			t.Fatalf("masked phone sent back changed the number to %q", phone)
		}
		var before, after string
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			return tx.Get(f.ctx, "", "SELECT before, after FROM audit_log WHERE action = 'update' AND entity = 'user' AND entity_id = ?",
				[]any{itoa(f.userA)}, &before, &after)
		}))
		if !strings.Contains(before, `"display_name":"张三"`) || !strings.Contains(after, `"display_name":"张三丰"`) ||
			strings.Contains(before+after, "13800001111") {
			t.Fatalf("audit before %s after %s", before, after)
		}
		// A new number replaces the old one.
		in.Phone = "13700003333"
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
		if phone, _ := f.svc.RevealPhone(f.ctx, f.rootP, f.userA); phone != "13700003333" {
			t.Fatalf("phone %q", phone)
		}
		// Deactivating ends the user's sessions.
		tok, _, err := f.svc.NewSession(f.ctx, f.userA, ip1, "")
		must(t, err)
		in.Active = false
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "")
		_, err = f.login("zhang", goodPW, ip1)
		wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
	})
}

func TestUpdateUserRefusesBadInputWithFieldKeysAndChangesNothing(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		u, err := f.svc.GetUser(f.ctx, f.adminAP, f.userA)
		must(t, err)
		audits := f.count(t, "SELECT COUNT(*) FROM audit_log")
		cases := []struct {
			name string
			edit func(*account.UserInput)
			want map[string]string
		}{
			{"renamed username", func(in *account.UserInput) { in.Username = "zhang2" }, map[string]string{"username": "user.username_fixed"}},
			{"empty name, bad phone and email", func(in *account.UserInput) { in.DisplayName = " "; in.Phone = "12345"; in.Email = "x@" },
				map[string]string{"display_name": "field.required", "phone": "field.bad_phone", "email": "field.bad_email"}},
			{"no roles", func(in *account.UserInput) { in.Roles = nil }, map[string]string{"roles": "user.roles_required"}},
			{"unknown role", func(in *account.UserInput) { in.Roles = []string{"nobody"} }, map[string]string{"roles": "field.bad_choice"}},
			{"no unit", func(in *account.UserInput) { in.UnitID = 0 }, map[string]string{"unit_id": "user.unit_required"}},
			{"unit of another district", func(in *account.UserInput) { in.UnitID = f.unitB }, map[string]string{"unit_id": "field.bad_choice"}},
			{"region above own scope", func(in *account.UserInput) { in.RegionID = f.city }, map[string]string{"region_id": "field.bad_choice"}},
			{"bad scope kind", func(in *account.UserInput) { in.ScopeKind = "everything" }, map[string]string{"scope_kind": "field.bad_choice"}},
			{"empty custom scope", func(in *account.UserInput) { in.ScopeKind = auth.ScopeCustom }, map[string]string{"scope_regions": "user.custom_scope_empty"}},
			{"custom scope outside own", func(in *account.UserInput) { in.ScopeKind = auth.ScopeCustom; in.ScopeRegionIDs = []int64{f.distB} },
				map[string]string{"scope_regions": "field.bad_choice"}},
			{"scope wider than own", func(in *account.UserInput) { in.ScopeKind = auth.ScopeAll }, map[string]string{"scope_kind": "user.scope_too_wide"}},
			{"admin role without role.manage", func(in *account.UserInput) { in.Roles = []string{account.RoleAdmin} },
				map[string]string{"roles": "user.cannot_grant_admin"}},
		}
		for _, c := range cases {
			in := inputFor(u)
			c.edit(&in)
			err := f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in)
			t.Run(c.name, func(t *testing.T) { wantFields(t, err, c.want) })
		}
		after, err := f.svc.GetUser(f.ctx, f.adminAP, f.userA)
		must(t, err)
		if !reflect.DeepEqual(u, after) {
			t.Errorf("refused updates changed the user: %+v → %+v", u, after)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log"); n != audits {
			t.Errorf("refused updates wrote %d audit rows", n-audits)
		}
		// Narrower scopes inside the admin's own are fine.
		in := inputFor(u)
		in.ScopeKind, in.RegionID = auth.ScopeRegion, f.streetA
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
	})
}

func TestCreateUserRefusalsGiveFieldKeysAndAddNoRow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		users := f.count(t, "SELECT COUNT(*) FROM users")
		base := account.UserInput{Username: "wang", DisplayName: "王五", UnitID: f.unitA, Roles: []string{account.RoleHandler}, Active: true, Password: goodPW}
		cases := []struct {
			name string
			edit func(*account.UserInput)
			want map[string]string
		}{
			{"taken, any case", func(in *account.UserInput) { in.Username = "ZHANG" }, map[string]string{"username": "user.username_taken"}},
			{"bad username", func(in *account.UserInput) { in.Username = "-x y" }, map[string]string{"username": "user.bad_username"}},
			{"short password", func(in *account.UserInput) { in.Password = "Ab1" }, map[string]string{"password": "password.too_short"}},
			{"simple password", func(in *account.UserInput) { in.Password = "abcdefghijk" }, map[string]string{"password": "password.too_simple"}},
			{"password with username", func(in *account.UserInput) { in.Password = "Wang-2026-ok" }, map[string]string{"password": "password.contains_username"}},
			{"unit outside scope", func(in *account.UserInput) { in.UnitID = f.unitB }, map[string]string{"unit_id": "field.bad_choice"}},
		}
		for _, c := range cases {
			in := base
			c.edit(&in)
			_, err := f.svc.CreateUser(f.ctx, f.adminAP, in)
			t.Run(c.name, func(t *testing.T) { wantFields(t, err, c.want) })
		}
		if n := f.count(t, "SELECT COUNT(*) FROM users"); n != users {
			t.Fatalf("refused creates added %d users", n-users)
		}
		f.create(t, f.adminAP, base)
	})
}

func TestAdminCannotDeactivateThemselvesOrDropTheirOwnAdminRole(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		me, err := f.svc.GetUser(f.ctx, f.rootP, f.root)
		must(t, err)
		in := inputFor(me)
		in.Active = false
		wantFields(t, f.svc.UpdateUser(f.ctx, f.rootP, f.root, in), map[string]string{"active": "user.cannot_deactivate_self"})
		in = inputFor(me)
		in.Roles = []string{account.RoleLeader}
		wantFields(t, f.svc.UpdateUser(f.ctx, f.rootP, f.root, in), map[string]string{"roles": "user.cannot_drop_own_admin"})
		in = inputFor(me)
		in.DisplayName = "总管理员"
		must(t, f.svc.UpdateUser(f.ctx, f.rootP, f.root, in))
	})
}

func TestTheLastActiveAdministratorCannotBeRemovedByARoleManager(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		_, err := f.svc.CreateRole(f.ctx, f.rootP, account.RoleInput{Code: "security_officer", Name: "安全员",
			Perms: []auth.Perm{auth.PermUserView, auth.PermUserManage, auth.PermRoleManage}, ScopeKind: auth.ScopeAll})
		must(t, err)
		sec := f.principal(t, f.create(t, f.rootP, account.UserInput{Username: "sec", DisplayName: "安全员", ScopeKind: auth.ScopeAll,
			Roles: []string{"security_officer"}, Active: true, Password: goodPW}))
		root, err := f.svc.GetUser(f.ctx, sec, f.root)
		must(t, err)
		in := inputFor(root)
		in.Active = false
		wantFields(t, f.svc.UpdateUser(f.ctx, sec, f.root, in), map[string]string{"roles": "user.last_admin"})
		in = inputFor(root)
		in.Roles = []string{account.RoleLeader}
		wantFields(t, f.svc.UpdateUser(f.ctx, sec, f.root, in), map[string]string{"roles": "user.last_admin"})
	})
}

func TestUserManagerWithoutRoleManageCannotChangeAnAdministrator(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin2 := f.create(t, f.rootP, account.UserInput{Username: "admin2", DisplayName: "副管理员", UnitID: f.unitA,
			Roles: []string{account.RoleAdmin}, Active: true, Password: goodPW})
		u, err := f.svc.GetUser(f.ctx, f.adminAP, admin2)
		must(t, err)
		wantCode(t, f.svc.ResetPassword(f.ctx, f.adminAP, admin2, "Taken-Over-2026", false), errs.Forbidden, "user.cannot_edit_admin")
		in := inputFor(u)
		in.Roles = []string{account.RoleHandler}
		wantCode(t, f.svc.UpdateUser(f.ctx, f.adminAP, admin2, in), errs.Forbidden, "user.cannot_edit_admin")
		if _, err := f.login("admin2", goodPW, ip1); err != nil {
			t.Fatalf("admin2's password changed: %v", err)
		}
	})
}

func TestResetPasswordIsPolicyCheckedEndsSessionsAndTokensAndClearsTheLock(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		tok, _, err := f.svc.NewSession(f.ctx, f.userA, ip1, "")
		must(t, err)
		apiTok, _, err := f.svc.IssueLoginToken(f.ctx, f.userA)
		must(t, err)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			now := f.clk.Now().UnixMilli()
			_, err := tx.Exec(f.ctx, "INSERT INTO login_failures (key, failures, first_at, last_at, locked_until) VALUES (?, 6, ?, ?, ?)",
				"u:zhang", now, now, now+15*60*1000)
			return err
		}))
		if locked, _, _, _ := f.svc.LockStatus(f.ctx, f.adminAP, f.userA); !locked {
			t.Fatal("setup: not locked")
		}
		wantFields(t, f.svc.ResetPassword(f.ctx, f.adminAP, f.userA, "short", true), map[string]string{"password": "password.too_short"})
		if _, _, err := f.svc.SessionPrincipal(f.ctx, tok); err != nil {
			t.Fatalf("a refused reset ended the session: %v", err)
		}

		must(t, f.svc.ResetPassword(f.ctx, f.adminAP, f.userA, "Fresh-Start-88", true))
		_, _, err = f.svc.SessionPrincipal(f.ctx, tok)
		wantCode(t, err, errs.Unauthorized, "")
		_, err = f.svc.TokenPrincipal(f.ctx, apiTok)
		wantCode(t, err, errs.Unauthorized, "token.invalid")
		if locked, _, n, _ := f.svc.LockStatus(f.ctx, f.adminAP, f.userA); locked || n != 0 {
			t.Fatalf("still locked after reset (%d failures)", n)
		}
		_, err = f.login("zhang", goodPW, ip1)
		wantCode(t, err, errs.Unauthorized, "login.bad_credentials")
		res, err := f.login("zhang", "Fresh-Start-88", ip1)
		must(t, err)
		if p := f.principal(t, res.UserID); !p.MustChange {
			t.Fatal("must change password not set")
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'password' AND entity_id = ? AND actor_id = ?", itoa(f.userA), f.adminA); n != 1 {
			t.Fatalf("password audit rows %d", n)
		}
	})
}

func TestGeneratedPasswordMeetsAStrictPolicyAndIsShownOnce(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.setPolicy(t, map[string]string{"password.min_length": "20", "password.min_classes": "4"})
		pw, err := f.svc.ResetPasswordGenerated(f.ctx, f.rootP, f.userA, true)
		must(t, err)
		if len(pw) < 20 {
			t.Fatalf("generated %q", pw)
		}
		if _, err := f.login("zhang", pw, ip1); err != nil {
			t.Fatalf("generated password refused: %v", err)
		}
		var stored string
		must(t, d.Read(f.ctx, func(tx *db.Tx) error {
			return tx.Get(f.ctx, "", "SELECT before || after || summary FROM audit_log WHERE action = 'password'", nil, &stored)
		}))
		if strings.Contains(stored, pw) {
			t.Fatal("the generated password is in the audit log")
		}
	})
}

func TestGeneratePasswordNeverContainsTheUsername(t *testing.T) {
	pp := account.PasswordPolicy{MinLength: 8, MinClasses: 4}
	seen := map[string]bool{}
	for i := 0; i < 300; i++ {
		pw := account.GeneratePassword(pp, "ab")
		var f errs.Fields
		pp.Check(&f, "pw", pw, "ab")
		if err := f.Err(); err != nil {
			t.Fatalf("%q: %v", pw, err)
		}
		seen[pw] = true
	}
	if len(seen) != 300 {
		t.Fatalf("repeated passwords: %d distinct of 300", len(seen))
	}
}

func TestRevealPhoneNeedsContactViewAndWritesAViewContactAuditRow(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		phone, err := f.svc.RevealPhone(f.ctx, f.adminAP, f.userA)
		must(t, err)
		if phone != "13800001111" {
			t.Fatalf("phone %q", phone)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = ? AND entity = 'user' AND entity_id = ? AND actor_id = ?",
			"view_contact", itoa(f.userA), f.adminA); n != 1 {
			t.Fatalf("view_contact rows %d", n)
		}
		leader := f.principal(t, f.create(t, f.rootP, account.UserInput{Username: "leader1", DisplayName: "领导", ScopeKind: auth.ScopeAll,
			Roles: []string{account.RoleLeader}, Active: true, Password: goodPW}))
		_, err = f.svc.RevealPhone(f.ctx, leader, f.userA)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'view_contact'"); n != 1 {
			t.Fatalf("a refused reveal was audited (%d rows)", n)
		}
		u, err := f.svc.GetUser(f.ctx, leader, f.userA)
		must(t, err)
		if u.Phone != "138****1111" {
			t.Fatalf("GetUser shows %q", u.Phone)
		}
	})
}

// Phones are stored in pii's canonical form. A number an older version
// stored under its looser rule (a bare local number) stays as it is when
// the edit form sends its mask back, and does not block other changes;
// a new number typed in any form is stored canonical.
func TestUpdateUserKeepsAnOldStoredPhoneAndStoresNewOnesCanonical(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(f.ctx, "UPDATE users SET phone = '2123456' WHERE id = ?", f.userA)
			return err
		}))
		u, err := f.svc.GetUser(f.ctx, f.adminAP, f.userA)
		must(t, err)
		if u.Phone != "***3456" {
			t.Fatalf("old phone shown as %q", u.Phone)
		}
		in := inputFor(u)
		in.DisplayName = "张三丰"
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
		if phone, _ := f.svc.RevealPhone(f.ctx, f.rootP, f.userA); phone != "2123456" {
			t.Fatalf("phone %q after an edit that did not touch it", phone)
		}
		in.Phone = "0833-212 3456"
		must(t, f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in))
		if phone, _ := f.svc.RevealPhone(f.ctx, f.rootP, f.userA); phone != "08332123456" {
			t.Fatalf("new phone stored as %q, want the canonical form", phone)
		}
		in.Phone = "2123457" // a bare local number is no longer accepted as a new value
		err = f.svc.UpdateUser(f.ctx, f.adminAP, f.userA, in)
		if e := errs.As(err); e == nil || e.Fields["phone"].Key != "field.bad_phone" {
			t.Fatalf("bare local number: %v", err)
		}
	})
}
