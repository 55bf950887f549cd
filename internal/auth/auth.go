// Package auth defines who is acting (Principal), what they may do
// (permission codes, held by roles that are data) and which rows they may
// see (Scope). Every capability checks Require before acting and adds
// Scope.Where to its queries, so authorisation never depends on templates.
package auth

import (
	"context"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/errs"
)

// Perm is a permission code held by roles.
type Perm string

const (
	PermOrgView        Perm = "org.view"        // see regions, units, pairings
	PermOrgManage      Perm = "org.manage"      // create and change them
	PermUserView       Perm = "user.view"       // see users in scope
	PermUserManage     Perm = "user.manage"     // create users, reset passwords, set roles and scope
	PermRoleManage     Perm = "role.manage"     // define roles and their permissions
	PermTokenManage    Perm = "token.manage"    // issue and revoke machine API tokens
	PermAuditView      Perm = "audit.view"      // read the audit log
	PermContactView    Perm = "contact.view"    // reveal full phone numbers (each reveal is audited)
	PermSettingsManage Perm = "settings.manage" // password rules and other settings
	PermDashboardView  Perm = "dashboard.view"  // leaders' figures
	PermPIIReveal      Perm = "pii.reveal"      // reveal encrypted personal data such as ID numbers (each reveal is audited)

	// Work that later capabilities check; defined here so roles carry them from the start.
	PermOrderIntake   Perm = "workorder.intake"   // enter calls, answer at intake, callbacks
	PermOrderDispatch Perm = "workorder.dispatch" // accept, route, verify, escalate, merge
	PermOrderHandle   Perm = "workorder.handle"   // acknowledge, return, extend, resolve
	PermOrderView     Perm = "workorder.view"     // read orders in scope
	PermInspect       Perm = "inspection.run"     // inspections and rechecks
	PermGridVisit     Perm = "grid.visit"         // households, visits, disputes
	PermVolunteerOrg  Perm = "volunteer.organise" // activities, check-in, hours
	PermAppraise      Perm = "appraisal.score"    // score staff in a round

	// Star ratings (internal/rating): templates, subjects, rounds, publication,
	// appeals, adjustments and star changes (a second holder approves).
	PermAppraisalManage Perm = "appraisal.manage"

	// Honours (internal/honour): run nominations through review, vote, jury,
	// notice and award; answer a department's sign-off.
	PermHonourManage  Perm = "honour.manage"
	PermHonourSignoff Perm = "honour.signoff"

	// Volunteers (internal/volunteer).
	PermVolunteerSelf Perm = "volunteer.self" // a volunteer's own record, sign-ups, check-in and hours
)

// Inspection (督查测评).
const (
	PermInspectionView   Perm = "inspection.view"   // read the index, site types, sites, plans and inspections
	PermInspectionManage Perm = "inspection.manage" // change the index, site types and sites
	PermInspectionPlan   Perm = "inspection.plan"   // edit the weekly rounds of one's own supervision group (its leader)
)

// AllPerms lists every permission in display order.
var AllPerms = []Perm{
	PermOrgView, PermOrgManage, PermUserView, PermUserManage, PermRoleManage, PermTokenManage,
	PermAuditView, PermContactView, PermPIIReveal, PermSettingsManage, PermDashboardView,
	PermOrderView, PermOrderIntake, PermOrderDispatch, PermOrderHandle,
	PermInspect, PermGridVisit, PermVolunteerOrg, PermAppraise,
	PermInspectionView, PermInspectionManage, PermInspectionPlan, // inspection
	PermVolunteerSelf,                   // volunteers
	PermAppraisalManage,                 // star ratings
	PermHonourManage, PermHonourSignoff, // honours
}

// ValidPerm reports whether p is a known permission.
func ValidPerm(p Perm) bool { return slices.Contains(AllPerms, p) }

// ScopeKind names a data-scope rule, as in the admin systems Chinese users know.
type ScopeKind string

const (
	ScopeAll      ScopeKind = "all"       // 全部数据
	ScopeRegion   ScopeKind = "region"    // 本区域及以下
	ScopeUnit     ScopeKind = "unit"      // 本单位及以下
	ScopeUnitOnly ScopeKind = "unit_only" // 仅本单位
	ScopeSelf     ScopeKind = "self"      // 仅本人
	ScopeCustom   ScopeKind = "custom"    // 自定义
)

// ScopeKinds lists the scope kinds in display order.
var ScopeKinds = []ScopeKind{ScopeAll, ScopeRegion, ScopeUnit, ScopeUnitOnly, ScopeSelf, ScopeCustom}

// ValidScopeKind reports whether k is a known scope kind.
func ValidScopeKind(k ScopeKind) bool { return slices.Contains(ScopeKinds, k) }

// Scope is a resolved data scope: the subtrees a principal may see. Paths are
// materialised tree paths such as "/1/4/17/".
type Scope struct {
	All         bool
	RegionPaths []string // region subtrees
	UnitPaths   []string // unit subtrees
	UnitExact   []string // single units (by path)
	UserID      int64    // own records (0: none)
}

// Where returns a SQL predicate (with ? placeholders) that is true for rows
// inside the scope. regionPath, unitPath and owner are SQL expressions for
// the row's region path, unit path and owning user id; pass "" for one the
// row does not have.
func (s Scope) Where(regionPath, unitPath, owner string) (string, []any) {
	if s.All {
		return "1=1", nil
	}
	var parts []string
	var args []any
	if regionPath != "" {
		for _, p := range s.RegionPaths {
			parts = append(parts, regionPath+" LIKE ?")
			args = append(args, p+"%")
		}
	}
	if unitPath != "" {
		for _, p := range s.UnitPaths {
			parts = append(parts, unitPath+" LIKE ?")
			args = append(args, p+"%")
		}
		for _, p := range s.UnitExact {
			parts = append(parts, unitPath+" = ?")
			args = append(args, p)
		}
	}
	if owner != "" && s.UserID != 0 {
		parts = append(parts, owner+" = ?")
		args = append(args, s.UserID)
	}
	if len(parts) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// Contains reports whether a row with the given paths and owner is inside
// the scope; the Go twin of Where, for checks on a row already loaded.
func (s Scope) Contains(regionPath, unitPath string, owner int64) bool {
	if s.All {
		return true
	}
	for _, p := range s.RegionPaths {
		if regionPath != "" && strings.HasPrefix(regionPath, p) {
			return true
		}
	}
	for _, p := range s.UnitPaths {
		if unitPath != "" && strings.HasPrefix(unitPath, p) {
			return true
		}
	}
	for _, p := range s.UnitExact {
		if unitPath != "" && unitPath == p {
			return true
		}
	}
	return s.UserID != 0 && owner == s.UserID
}

// Principal is an authenticated staff member (or machine client) acting now.
type Principal struct {
	UserID      int64
	Username    string
	DisplayName string
	UnitID      int64
	UnitName    string
	RegionID    int64
	RegionName  string
	Roles       []string // role codes
	RoleNames   []string // role names (Chinese)
	RoleNamesEN []string // role names (English)
	Perms       map[Perm]bool
	ScopeKind   ScopeKind
	Scope       Scope
	Lang        string
	IP          string
	MustChange  bool // must change password before anything else
	SessionID   string
	TokenID     int64
}

// Can reports whether the principal holds the permission.
func (p *Principal) Can(perm Perm) bool { return p != nil && p.Perms[perm] }

// HasRole reports whether the principal has the role code.
func (p *Principal) HasRole(code string) bool { return p != nil && slices.Contains(p.Roles, code) }

// Require returns Unauthorized for no principal and Forbidden when the
// permission is missing.
func Require(p *Principal, perm Perm) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if !p.Perms[perm] {
		return errs.E(errs.Forbidden, "err.forbidden")
	}
	return nil
}

type ctxKey struct{}

// With stores the principal in the context.
func With(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// From returns the principal in the context, or nil.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
