package account

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// User is a staff account.
type User struct {
	ID                 int64
	Username           string
	DisplayName        string
	Phone              string
	Email              string
	UnitID             int64
	UnitName           string
	UnitNameEN         string
	RegionID           int64
	RegionName         string
	RegionNameEN       string
	ScopeKind          auth.ScopeKind
	ScopeRegionIDs     []int64
	ScopeUnitIDs       []int64
	Roles              []string // role codes
	Active             bool
	MustChangePassword bool
	Lang               string
	LastLoginAt        *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// UserInput is what an admin (or the command line) enters for a user.
type UserInput struct {
	Username       string
	DisplayName    string
	Phone          string
	Email          string
	UnitID         int64
	RegionID       int64
	ScopeKind      auth.ScopeKind
	ScopeRegionIDs []int64
	ScopeUnitIDs   []int64
	Roles          []string
	Active         bool
	Password       string // only on create or reset
	MustChange     bool
}

var (
	usernameRe = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{1,39}$`)
	emailRe    = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func (in *UserInput) normalise() {
	in.Username = strings.TrimSpace(in.Username)
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Phone = strings.TrimSpace(in.Phone)
	if c, ok := pii.NormalisePhone(in.Phone); ok {
		in.Phone = c // stored in the one canonical form
	}
	in.Email = strings.TrimSpace(in.Email)
}

// validate checks the fields that need no database.
func (in *UserInput) validate(f *errs.Fields, creating bool) {
	if creating {
		f.Check(in.Username != "", "username", "field.required")
		if in.Username != "" && !usernameRe.MatchString(in.Username) {
			f.Add("username", "user.bad_username")
		}
	}
	f.Check(in.DisplayName != "", "display_name", "field.required")
	f.Check(len([]rune(in.DisplayName)) <= 50, "display_name", "field.too_long", 50)
	if in.Phone != "" && !pii.ValidPhone(in.Phone) {
		f.Add("phone", "field.bad_phone")
	}
	if in.Email != "" && (!emailRe.MatchString(in.Email) || len(in.Email) > 100) {
		f.Add("email", "field.bad_email")
	}
	if in.ScopeKind == "" {
		in.ScopeKind = auth.ScopeUnit
	}
	f.Check(auth.ValidScopeKind(in.ScopeKind), "scope_kind", "field.bad_choice")
	if in.ScopeKind == auth.ScopeCustom {
		f.Check(len(in.ScopeRegionIDs)+len(in.ScopeUnitIDs) > 0, "scope_regions", "user.custom_scope_empty")
	}
	f.Check(len(in.Roles) > 0, "roles", "user.roles_required")
}

// checkRefs verifies that referenced rows exist and lie inside the actor's
// scope (an admin may not place a user outside what the admin can see).
func (s *Service) checkRefs(ctx context.Context, tx *db.Tx, p *auth.Principal, in *UserInput, f *errs.Fields) (roleIDs []int64, err error) {
	if in.UnitID != 0 {
		n, err := countInScope(ctx, tx, p, "units un JOIN regions r ON r.id = un.region_id", "r.path", "un.path", "un.id = ?", in.UnitID)
		if err != nil {
			return nil, err
		}
		f.Check(n == 1, "unit_id", "field.bad_choice")
	} else if in.ScopeKind != auth.ScopeAll {
		f.Add("unit_id", "user.unit_required")
	}
	if in.RegionID != 0 {
		n, err := countInScope(ctx, tx, p, "regions r", "r.path", "", "r.id = ?", in.RegionID)
		if err != nil {
			return nil, err
		}
		f.Check(n == 1, "region_id", "field.bad_choice")
	}
	for _, id := range in.ScopeRegionIDs {
		n, err := countInScope(ctx, tx, p, "regions r", "r.path", "", "r.id = ?", id)
		if err != nil {
			return nil, err
		}
		f.Check(n == 1, "scope_regions", "field.bad_choice")
	}
	for _, id := range in.ScopeUnitIDs {
		n, err := countInScope(ctx, tx, p, "units un JOIN regions r ON r.id = un.region_id", "r.path", "un.path", "un.id = ?", id)
		if err != nil {
			return nil, err
		}
		f.Check(n == 1, "scope_units", "field.bad_choice")
	}
	for _, code := range in.Roles {
		var id int64
		err := tx.Get(ctx, "entity.role", "SELECT id FROM roles WHERE code = ?", []any{code}, &id)
		if errs.Is(err, errs.NotFound) {
			f.Add("roles", "field.bad_choice")
			continue
		}
		if err != nil {
			return nil, err
		}
		roleIDs = append(roleIDs, id)
	}
	// Only someone who may manage roles may hand out the admin role.
	if p != nil && !p.Can(auth.PermRoleManage) {
		for _, code := range in.Roles {
			if code == RoleAdmin {
				f.Add("roles", "user.cannot_grant_admin")
			}
		}
	}
	if err := checkScopeWidth(ctx, tx, p, in, f); err != nil {
		return nil, err
	}
	return roleIDs, nil
}

// countInScope counts rows of from matching cond that lie in p's scope
// (p nil: the system, which sees everything).
func countInScope(ctx context.Context, tx *db.Tx, p *auth.Principal, from, regionPath, unitPath, cond string, args ...any) (int64, error) {
	where, wargs := "1=1", []any(nil)
	if p != nil {
		where, wargs = p.Scope.Where(regionPath, unitPath, "")
	}
	return tx.Count(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+cond+" AND "+where, append(args, wargs...)...)
}

// CreateUser creates a staff account. p is the acting admin, or nil for the
// system (first start, demo, command line).
func (s *Service) CreateUser(ctx context.Context, p *auth.Principal, in UserInput) (int64, error) {
	if p != nil {
		if err := auth.Require(p, auth.PermUserManage); err != nil {
			return 0, err
		}
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f, true)
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		pol.Password.Check(&f, "password", in.Password, in.Username)
		roleIDs, err := s.checkRefs(ctx, tx, p, &in, &f)
		if err != nil {
			return err
		}
		if in.Username != "" && !f.Has("username") {
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM users WHERE LOWER(username) = LOWER(?)", in.Username)
			if err != nil {
				return err
			}
			f.Check(n == 0, "username", "user.username_taken")
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now().UnixMilli()
		id, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, phone, email, unit_id, region_id, scope_kind,
			password_hash, must_change_password, active, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Username, in.DisplayName, in.Phone, in.Email, nullID(in.UnitID), nullID(in.RegionID), string(in.ScopeKind),
			HashPassword(in.Password), in.MustChange, in.Active, now, now, now)
		if err != nil {
			return err
		}
		if err := writeUserLinks(ctx, tx, id, roleIDs, in); err != nil {
			return err
		}
		after := userAudit(in)
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionCreate, Entity: "user", EntityID: audit.ID(id), Summary: in.Username}, nil, after)
	})
	return id, err
}

func writeUserLinks(ctx context.Context, tx *db.Tx, id int64, roleIDs []int64, in UserInput) error {
	for _, q := range []string{"DELETE FROM user_roles WHERE user_id = ?", "DELETE FROM user_scope_regions WHERE user_id = ?", "DELETE FROM user_scope_units WHERE user_id = ?"} {
		if _, err := tx.Exec(ctx, q, id); err != nil {
			return err
		}
	}
	for _, r := range roleIDs {
		if _, err := tx.Exec(ctx, "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)", id, r); err != nil {
			return err
		}
	}
	if in.ScopeKind == auth.ScopeCustom {
		for _, r := range in.ScopeRegionIDs {
			if _, err := tx.Exec(ctx, "INSERT INTO user_scope_regions (user_id, region_id) VALUES (?, ?)", id, r); err != nil {
				return err
			}
		}
		for _, u := range in.ScopeUnitIDs {
			if _, err := tx.Exec(ctx, "INSERT INTO user_scope_units (user_id, unit_id) VALUES (?, ?)", id, u); err != nil {
				return err
			}
		}
	}
	return nil
}

// userAudit is the audited view of a user: the phone is masked, the
// password never appears.
func userAudit(in UserInput) map[string]any {
	return map[string]any{
		"username": in.Username, "display_name": in.DisplayName, "phone": pii.MaskPhone(in.Phone), "email": in.Email,
		"unit_id": in.UnitID, "region_id": in.RegionID, "scope_kind": in.ScopeKind, "scope_regions": in.ScopeRegionIDs,
		"scope_units": in.ScopeUnitIDs, "roles": in.Roles, "active": in.Active,
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SetPasswordBySystem sets a user's password from the command line
// (`wenming user passwd`), checked against the policy.
func (s *Service) SetPasswordBySystem(ctx context.Context, username, pw string, mustChange bool) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.Get(ctx, "entity.user", "SELECT id FROM users WHERE LOWER(username) = LOWER(?)", []any{username}, &id); err != nil {
			return err
		}
		var f errs.Fields
		pol.Password.Check(&f, "password", pw, username)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
			HashPassword(pw), mustChange, now.UnixMilli(), now.UnixMilli(), id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", "u:"+strings.ToLower(username)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, nil, now, audit.Entry{ActorName: "system", Action: audit.ActionPassword, Entity: "user", EntityID: audit.ID(id), Summary: "command line"}, nil, nil)
	})
}

// CountUsers returns how many accounts exist (0 on a new database).
func (s *Service) CountUsers(ctx context.Context) (int64, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (int64, error) { return tx.Count(ctx, "SELECT COUNT(*) FROM users") })
}
