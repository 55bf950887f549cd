package account

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
)

// Role is a set of permissions that users hold. Roles are data: admins
// define them; the built-in ones can be changed but not deleted or renamed.
type Role struct {
	ID          int64
	Code        string
	Name        string
	NameEN      string
	Description string
	Perms       []auth.Perm // in auth.AllPerms order
	ScopeKind   auth.ScopeKind
	Builtin     bool
	UserCount   int // users holding the role inside the reader's scope
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RoleInput is what an admin enters for a role.
type RoleInput struct {
	Code        string
	Name        string
	NameEN      string
	Description string
	Perms       []auth.Perm
	ScopeKind   auth.ScopeKind // the data scope suggested for new users with this role
}

var roleCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// adminKeeps are the permissions the admin role can never lose, so that
// someone can always manage users and roles.
var adminKeeps = []auth.Perm{auth.PermRoleManage, auth.PermUserManage}

// roleCols lists the columns scanRole reads, over the roles table alias a.
func roleCols(a string) string {
	return strings.NewReplacer("@", a).Replace("@.id, @.code, @.name, @.name_en, @.description, @.permissions, @.scope_kind, @.builtin, @.created_at, @.updated_at")
}

func scanRole(sc scanner, extra ...any) (Role, error) {
	var r Role
	var perms, kind string
	var created, updated int64
	dest := append([]any{&r.ID, &r.Code, &r.Name, &r.NameEN, &r.Description, &perms, &kind, &r.Builtin, &created, &updated}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return r, err
	}
	r.Perms = normPerms(SplitPerms(perms))
	r.ScopeKind = auth.ScopeKind(kind)
	r.CreatedAt, r.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return r, nil
}

// normPerms puts known permissions in display order without duplicates.
func normPerms(ps []auth.Perm) []auth.Perm {
	out := []auth.Perm{}
	for _, p := range auth.AllPerms {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}

func requireRoleRead(p *auth.Principal) error {
	if p.Can(auth.PermRoleManage) {
		return nil
	}
	return auth.Require(p, auth.PermUserView)
}

// ListRoles lists all roles (built-in first, then by code) with how many
// users inside p's scope hold each.
func (s *Service) ListRoles(ctx context.Context, p *auth.Principal) ([]Role, error) {
	if err := requireRoleRead(p); err != nil {
		return nil, err
	}
	var out []Role
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		where, args := userScope(p)
		// The roles table is "ro" here, because "r" is a region in the scope joins.
		rows, err := tx.Query(ctx, `SELECT `+roleCols("ro")+`, (SELECT COUNT(*) FROM user_roles x JOIN users u ON u.id = x.user_id
			LEFT JOIN units un ON un.id = u.unit_id LEFT JOIN regions r ON r.id = u.region_id LEFT JOIN regions ur ON ur.id = un.region_id
			WHERE x.role_id = ro.id AND `+where+`)
			FROM roles ro ORDER BY ro.builtin DESC, ro.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int64
			r, err := scanRole(rows, &n)
			if err != nil {
				return err
			}
			r.UserCount = int(n)
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

func (s *Service) loadRole(ctx context.Context, tx *db.Tx, id int64) (Role, error) {
	rows, err := tx.Query(ctx, "SELECT "+roleCols("r")+" FROM roles r WHERE r.id = ?", id)
	if err != nil {
		return Role{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Role{}, err
		}
		return Role{}, errs.NotFoundf("entity.role")
	}
	r, err := scanRole(rows)
	if err != nil {
		return Role{}, err
	}
	rows.Close()
	return r, rows.Err()
}

// GetRole returns one role with its user count inside p's scope.
func (s *Service) GetRole(ctx context.Context, p *auth.Principal, id int64) (Role, error) {
	if err := requireRoleRead(p); err != nil {
		return Role{}, err
	}
	var r Role
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if r, err = s.loadRole(ctx, tx, id); err != nil {
			return err
		}
		where, args := userScope(p)
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM user_roles x JOIN users u ON u.id = x.user_id"+strings.TrimPrefix(userFrom, " FROM users u")+
			" WHERE x.role_id = ? AND "+where, append([]any{id}, args...)...)
		r.UserCount = int(n)
		return err
	})
	return r, err
}

func (in *RoleInput) normalise() {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	in.Description = strings.TrimSpace(in.Description)
	if in.ScopeKind == "" {
		in.ScopeKind = auth.ScopeUnit
	}
}

// validate checks what needs no database; perms are normalised in place.
func (in *RoleInput) validate(f *errs.Fields) {
	if in.Code == "" {
		f.Add("code", "field.required")
	} else if !roleCodeRe.MatchString(in.Code) {
		f.Add("code", "role.bad_code")
	}
	f.Check(in.Name != "", "name", "field.required")
	f.Check(len([]rune(in.Name)) <= 50, "name", "field.too_long", 50)
	f.Check(len([]rune(in.NameEN)) <= 80, "name_en", "field.too_long", 80)
	f.Check(len([]rune(in.Description)) <= 500, "description", "field.too_long", 500)
	for _, pm := range in.Perms {
		f.Check(auth.ValidPerm(pm), "perms", "field.bad_choice")
	}
	in.Perms = normPerms(in.Perms)
	f.Check(auth.ValidScopeKind(in.ScopeKind), "scope_kind", "field.bad_choice")
}

func roleAudit(in RoleInput) map[string]any {
	return map[string]any{"code": in.Code, "name": in.Name, "name_en": in.NameEN, "description": in.Description,
		"perms": JoinPerms(in.Perms), "scope_kind": in.ScopeKind}
}

func inputOfRole(r Role) RoleInput {
	return RoleInput{Code: r.Code, Name: r.Name, NameEN: r.NameEN, Description: r.Description, Perms: r.Perms, ScopeKind: r.ScopeKind}
}

func codeTaken(ctx context.Context, tx *db.Tx, code string, except int64) (bool, error) {
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM roles WHERE LOWER(code) = LOWER(?) AND id <> ?", code, except)
	return n > 0, err
}

// CreateRole defines a new role.
func (s *Service) CreateRole(ctx context.Context, p *auth.Principal, in RoleInput) (int64, error) {
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return 0, err
	}
	in.normalise()
	var f errs.Fields
	in.validate(&f)
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if !f.Has("code") {
			taken, err := codeTaken(ctx, tx, in.Code, 0)
			if err != nil {
				return err
			}
			f.Check(!taken, "code", "role.code_taken")
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO roles (code, name, name_en, description, permissions, scope_kind, builtin, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, FALSE, ?, ?) RETURNING id`,
			in.Code, in.Name, in.NameEN, in.Description, JoinPerms(in.Perms), string(in.ScopeKind), now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionCreate, Entity: "role", EntityID: audit.ID(id), Summary: in.Code},
			nil, roleAudit(in))
	})
	return id, err
}

// UpdateRole changes a role. A built-in role keeps its code (send it empty
// or unchanged); the admin role always keeps role.manage and user.manage.
func (s *Service) UpdateRole(ctx context.Context, p *auth.Principal, id int64, in RoleInput) error {
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	in.normalise()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		cur, err := s.loadRole(ctx, tx, id)
		if err != nil {
			return err
		}
		var f errs.Fields
		if cur.Builtin {
			if in.Code != "" && in.Code != cur.Code {
				f.Add("code", "role.code_fixed")
			}
			in.Code = cur.Code
		}
		in.validate(&f)
		if cur.Code == RoleAdmin {
			for _, k := range adminKeeps {
				if !slices.Contains(in.Perms, k) {
					f.Add("perms", "role.admin_keeps", i18n.Key("perm."+string(k)))
				}
			}
		}
		if !f.Has("code") && in.Code != cur.Code {
			taken, err := codeTaken(ctx, tx, in.Code, id)
			if err != nil {
				return err
			}
			f.Check(!taken, "code", "role.code_taken")
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE roles SET code = ?, name = ?, name_en = ?, description = ?, permissions = ?, scope_kind = ?, updated_at = ?
			WHERE id = ?`, in.Code, in.Name, in.NameEN, in.Description, JoinPerms(in.Perms), string(in.ScopeKind), now.UnixMilli(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: "role", EntityID: audit.ID(id), Summary: in.Code},
			roleAudit(inputOfRole(cur)), roleAudit(in))
	})
}

// DeleteRole deletes a role that is not built in and that no user holds.
func (s *Service) DeleteRole(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermRoleManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		cur, err := s.loadRole(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Builtin {
			return errs.E(errs.Conflict, "role.builtin")
		}
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM user_roles WHERE role_id = ?", id)
		if err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, "role.in_use", int(n))
		}
		if _, err := tx.Exec(ctx, "DELETE FROM roles WHERE id = ?", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionDelete, Entity: "role", EntityID: audit.ID(id), Summary: cur.Code},
			roleAudit(inputOfRole(cur)), nil)
	})
}
