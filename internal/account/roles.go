package account

import (
	"context"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// BuiltinRole is a role every city starts with (the demo accounts in README.md
// show one of each).
type BuiltinRole struct {
	Code, Name, NameEN string
	Scope              auth.ScopeKind
	Perms              []auth.Perm
}

// Role codes of the built-in roles.
const (
	RoleAdmin      = "admin"
	RoleDispatcher = "dispatcher"
	RoleOperator   = "operator"
	RoleHandler    = "unit_handler"
	RoleInspector  = "inspector"
	RoleGrid       = "grid_worker"
	RoleOrganiser  = "volunteer_organiser"
	RoleAppraiser  = "appraiser"
	RoleLeader     = "leader"
	RoleVolunteer  = "volunteer" // a volunteer's own account, created when an organiser approves them
)

// BuiltinRoles are seeded at first start; admins may change their
// permissions but not delete them.
var BuiltinRoles = []BuiltinRole{
	{RoleAdmin, "系统管理员", "Administrator", auth.ScopeAll, adminPerms()},
	{RoleDispatcher, "指挥部调度员", "Dispatcher (HQ)", auth.ScopeAll, []auth.Perm{
		auth.PermOrgView, auth.PermUserView, auth.PermDashboardView, auth.PermContactView,
		auth.PermOrderView, auth.PermOrderIntake, auth.PermOrderDispatch,
		auth.PermInspectionView, auth.PermInspectionManage, auth.PermInspectionPlan}}, // inspection
	{RoleOperator, "热线话务员", "Hotline operator", auth.ScopeAll, []auth.Perm{
		auth.PermOrgView, auth.PermContactView, auth.PermOrderView, auth.PermOrderIntake}},
	{RoleHandler, "责任单位办理人", "Unit handler", auth.ScopeUnit, []auth.Perm{
		auth.PermOrgView, auth.PermUserView, auth.PermOrderView, auth.PermOrderHandle}},
	{RoleInspector, "督导员", "Inspector", auth.ScopeUnit, []auth.Perm{
		auth.PermOrgView, auth.PermOrderView, auth.PermInspect,
		auth.PermInspectionView}}, // inspection
	{RoleGrid, "网格员", "Grid worker", auth.ScopeRegion, []auth.Perm{
		auth.PermOrgView, auth.PermGridVisit, auth.PermContactView}},
	{RoleOrganiser, "志愿服务组织者", "Volunteer organiser", auth.ScopeUnit, []auth.Perm{
		auth.PermOrgView, auth.PermVolunteerOrg, auth.PermContactView}},
	{RoleAppraiser, "考评员", "Appraiser", auth.ScopeUnit, []auth.Perm{
		auth.PermOrgView, auth.PermAppraise, auth.PermAppraisalManage, auth.PermHonourManage}},
	{RoleLeader, "领导（只读）", "Leader (read-only)", auth.ScopeAll, []auth.Perm{
		auth.PermOrgView, auth.PermUserView, auth.PermDashboardView, auth.PermOrderView,
		auth.PermInspectionView}}, // inspection
	{RoleVolunteer, "志愿者", "Volunteer", auth.ScopeSelf, []auth.Perm{auth.PermVolunteerSelf}},
}

// adminPerms is every permission but a volunteer's own (volunteer.self:
// the pages of one's own volunteer record, which an administrator's
// account does not have).
func adminPerms() []auth.Perm {
	out := make([]auth.Perm, 0, len(auth.AllPerms))
	for _, p := range auth.AllPerms {
		if p != auth.PermVolunteerSelf {
			out = append(out, p)
		}
	}
	return out
}

// JoinPerms encodes permissions for the roles.permissions column.
func JoinPerms(ps []auth.Perm) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

// SplitPerms decodes the roles.permissions column.
func SplitPerms(s string) []auth.Perm {
	var out []auth.Perm
	for _, f := range strings.Fields(s) {
		out = append(out, auth.Perm(f))
	}
	return out
}

// seedRoles inserts the built-in roles that are missing.
func (s *Service) seedRoles(ctx context.Context, tx *db.Tx) error {
	now := s.Clock.Now().UnixMilli()
	for _, r := range BuiltinRoles {
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM roles WHERE code = ?", r.Code)
		if err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO roles (code, name, name_en, permissions, scope_kind, builtin, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, TRUE, ?, ?)`, r.Code, r.Name, r.NameEN, JoinPerms(r.Perms), string(r.Scope), now, now); err != nil {
			return err
		}
	}
	return nil
}
