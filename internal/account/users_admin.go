package account

import (
	"context"
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// The admin side of accounts: list, read, change users, reset passwords,
// reveal phone numbers and show lockouts. Every read and write is limited to
// the acting admin's data scope; a user outside it is NotFound, exactly like
// a missing one.

// Page sizes of ListUsers.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
	// ExportAll as UserFilter.Size lists every match (for exports), up to MaxExportRows.
	ExportAll     = -1
	MaxExportRows = 100000
)

// UserFilter selects users for ListUsers.
type UserFilter struct {
	Q        string // part of username, display name or phone
	UnitID   int64  // users of this unit (exactly)
	RegionID int64  // users whose region (their own, else their unit's) lies in this region's subtree
	Role     string // role code
	Active   *bool
	Sort     string // "" or "newest": newest first; "username": A→Z
	Page     int    // from 1
	Size     int    // 0: DefaultPageSize; at most MaxPageSize; ExportAll: everything
}

// userFrom joins what the scope rule needs: a user's region path is their
// own region's, else their unit's region's; the unit path is their unit's.
const userFrom = ` FROM users u
	LEFT JOIN units un ON un.id = u.unit_id
	LEFT JOIN regions r ON r.id = u.region_id
	LEFT JOIN regions ur ON ur.id = un.region_id`

const userCols = `u.id, u.username, u.display_name, u.phone, u.email, u.unit_id, u.region_id, u.scope_kind, u.active,
	u.must_change_password, u.lang, u.last_login_at, u.created_at, u.updated_at, un.name, COALESCE(r.name, ur.name),
	un.name_en, COALESCE(r.name_en, ur.name_en)`

// userScope is the scope predicate over userFrom (the same as getUserInScope).
func userScope(p *auth.Principal) (string, []any) {
	return p.Scope.Where("COALESCE(r.path, ur.path)", "un.path", "u.id")
}

type scanner interface{ Scan(...any) error }

// scanUser reads userCols. The returned User carries the masked phone; the
// full number is returned separately for the callers that need it.
func scanUser(sc scanner) (User, string, error) {
	var u User
	var unitID, regionID, lastLogin *int64
	var created, updated int64
	var kind string
	var unitName, regionName, unitNameEN, regionNameEN *string
	if err := sc.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Phone, &u.Email, &unitID, &regionID, &kind, &u.Active,
		&u.MustChangePassword, &u.Lang, &lastLogin, &created, &updated, &unitName, &regionName, &unitNameEN, &regionNameEN); err != nil {
		return u, "", err
	}
	if unitID != nil {
		u.UnitID = *unitID
	}
	if regionID != nil {
		u.RegionID = *regionID
	}
	u.ScopeKind = auth.ScopeKind(kind)
	u.LastLoginAt = msPtr(lastLogin)
	u.CreatedAt, u.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	u.UnitName, u.RegionName = deref(unitName), deref(regionName)
	u.UnitNameEN, u.RegionNameEN = deref(unitNameEN), deref(regionNameEN)
	phone := u.Phone
	u.Phone = pii.MaskPhone(phone)
	return u, phone, nil
}

// ListUsers lists the users inside p's scope that match the filter, with
// the total number of matches. Phones are masked (RevealPhone shows one).
// RegionName is the user's region, or else their unit's.
func (s *Service) ListUsers(ctx context.Context, p *auth.Principal, f UserFilter) ([]User, int, error) {
	if err := auth.Require(p, auth.PermUserView); err != nil {
		return nil, 0, err
	}
	where, args := userScope(p)
	conds := []string{where}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := db.Like(strings.ToLower(q))
		conds = append(conds, `(LOWER(u.username) LIKE ? ESCAPE '\' OR LOWER(u.display_name) LIKE ? ESCAPE '\' OR u.phone LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	if f.UnitID != 0 {
		conds = append(conds, "u.unit_id = ?")
		args = append(args, f.UnitID)
	}
	if f.RegionID != 0 {
		conds = append(conds, "COALESCE(r.path, ur.path) LIKE ((SELECT x.path FROM regions x WHERE x.id = ?) || '%')")
		args = append(args, f.RegionID)
	}
	if f.Role != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM user_roles xr JOIN roles xo ON xo.id = xr.role_id WHERE xr.user_id = u.id AND xo.code = ?)")
		args = append(args, f.Role)
	}
	if f.Active != nil {
		conds = append(conds, "u.active = ?")
		args = append(args, *f.Active)
	}
	cond := strings.Join(conds, " AND ")
	order := " ORDER BY u.id DESC"
	if f.Sort == "username" {
		order = " ORDER BY LOWER(u.username), u.id"
	}
	size := f.Size
	switch {
	case size == ExportAll:
		size = MaxExportRows
	case size <= 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	page := max(f.Page, 1)
	var out []User
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+userFrom+" WHERE "+cond, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+userCols+userFrom+" WHERE "+cond+order+" LIMIT ? OFFSET ?",
			append(slices.Clone(args), size, (page-1)*size)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, _, err := scanUser(rows)
			if err != nil {
				return err
			}
			out = append(out, u)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		return fillRoles(ctx, tx, out)
	})
	return out, int(total), err
}

// fillRoles sets the role codes of the users, in chunks that both engines'
// parameter limits allow.
func fillRoles(ctx context.Context, tx *db.Tx, us []User) error {
	idx := make(map[int64]int, len(us))
	for i, u := range us {
		idx[u.ID] = i
	}
	const chunk = 500
	for start := 0; start < len(us); start += chunk {
		end := min(start+chunk, len(us))
		ids := make([]any, 0, end-start)
		for _, u := range us[start:end] {
			ids = append(ids, u.ID)
		}
		rows, err := tx.Query(ctx, `SELECT ur.user_id, r.code FROM user_roles ur JOIN roles r ON r.id = ur.role_id
			WHERE ur.user_id IN (`+db.Placeholders(len(ids))+`) ORDER BY ur.user_id, r.id`, ids...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var uid int64
			var code string
			if err := rows.Scan(&uid, &code); err != nil {
				rows.Close()
				return err
			}
			i := idx[uid]
			us[i].Roles = append(us[i].Roles, code)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// loadUser reads one user in p's scope with roles and custom scope ids, and
// the full phone number. Outside the scope is NotFound.
func (s *Service) loadUser(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (User, string, error) {
	where, args := userScope(p)
	rows, err := tx.Query(ctx, "SELECT "+userCols+userFrom+" WHERE u.id = ? AND "+where, append([]any{id}, args...)...)
	if err != nil {
		return User{}, "", err
	}
	if !rows.Next() {
		rows.Close()
		if err := rows.Err(); err != nil {
			return User{}, "", err
		}
		return User{}, "", errs.NotFoundf("entity.user")
	}
	u, phone, err := scanUser(rows)
	rows.Close()
	if err != nil {
		return User{}, "", err
	}
	us := []User{u}
	if err := fillRoles(ctx, tx, us); err != nil {
		return User{}, "", err
	}
	u = us[0]
	if u.ScopeRegionIDs, err = queryIDs(ctx, tx, "SELECT region_id FROM user_scope_regions WHERE user_id = ? ORDER BY region_id", id); err != nil {
		return User{}, "", err
	}
	if u.ScopeUnitIDs, err = queryIDs(ctx, tx, "SELECT unit_id FROM user_scope_units WHERE user_id = ? ORDER BY unit_id", id); err != nil {
		return User{}, "", err
	}
	return u, phone, nil
}

func queryIDs(ctx context.Context, tx *db.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// GetUser returns a user in p's scope with roles and custom scope ids. The
// phone is masked: an edit form shows the masked number, and UpdateUser
// keeps the stored number when the masked one comes back unchanged.
func (s *Service) GetUser(ctx context.Context, p *auth.Principal, id int64) (User, error) {
	if err := auth.Require(p, auth.PermUserView); err != nil {
		return User{}, err
	}
	var u User
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		u, _, err = s.loadUser(ctx, tx, p, id)
		return err
	})
	return u, err
}

// inputOf is the stored user as an input, for audit before-values.
func inputOf(u User, phone string) UserInput {
	return UserInput{Username: u.Username, DisplayName: u.DisplayName, Phone: phone, Email: u.Email, UnitID: u.UnitID,
		RegionID: u.RegionID, ScopeKind: u.ScopeKind, ScopeRegionIDs: u.ScopeRegionIDs, ScopeUnitIDs: u.ScopeUnitIDs,
		Roles: u.Roles, Active: u.Active, MustChange: u.MustChangePassword}
}

// guardAdminTarget refuses to let someone who may not manage roles change an
// administrator (or reset their password), which would let them take the
// administrator's powers.
func guardAdminTarget(p *auth.Principal, target User) error {
	if slices.Contains(target.Roles, RoleAdmin) && !p.Can(auth.PermRoleManage) && target.ID != p.UserID {
		return errs.E(errs.Forbidden, "user.cannot_edit_admin")
	}
	return nil
}

// UpdateUser changes a user in p's scope. The username cannot change (send
// it empty or unchanged); Password and MustChange are ignored (see
// ResetPassword). A phone equal to the masked stored number keeps the stored
// number. Admins cannot deactivate themselves or drop their own admin role,
// and the last active administrator cannot be removed.
func (s *Service) UpdateUser(ctx context.Context, p *auth.Principal, id int64, in UserInput) error {
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	in.normalise()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		cur, phone, err := s.loadUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := guardAdminTarget(p, cur); err != nil {
			return err
		}
		var f errs.Fields
		if in.Username != "" && in.Username != cur.Username {
			f.Add("username", "user.username_fixed")
		}
		in.Username = cur.Username
		// The form shows the stored number masked; sent back as it was, it
		// keeps the stored number, which is not checked again (a number
		// stored under an older, looser rule does not block other changes).
		keepPhone := phone != "" && (in.Phone == pii.MaskPhone(phone) || in.Phone == phone)
		if keepPhone {
			in.Phone = ""
		}
		in.validate(&f, false)
		if keepPhone {
			in.Phone = phone
		}
		roleIDs, err := s.checkRefs(ctx, tx, p, &in, &f)
		if err != nil {
			return err
		}
		if id == p.UserID {
			f.Check(in.Active, "active", "user.cannot_deactivate_self")
			if slices.Contains(cur.Roles, RoleAdmin) && !slices.Contains(in.Roles, RoleAdmin) {
				f.Add("roles", "user.cannot_drop_own_admin")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, `UPDATE users SET display_name = ?, phone = ?, email = ?, unit_id = ?, region_id = ?, scope_kind = ?,
			active = ?, updated_at = ? WHERE id = ?`,
			in.DisplayName, in.Phone, in.Email, nullID(in.UnitID), nullID(in.RegionID), string(in.ScopeKind), in.Active, now.UnixMilli(), id); err != nil {
			return err
		}
		if err := writeUserLinks(ctx, tx, id, roleIDs, in); err != nil {
			return err
		}
		if !in.Active {
			if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ?", id); err != nil {
				return err
			}
		}
		if err := requireAnAdmin(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: "user", EntityID: audit.ID(id), Summary: cur.Username},
			userAudit(inputOf(cur, phone)), userAudit(in))
	})
}

// requireAnAdmin refuses a change that leaves no active administrator.
func requireAnAdmin(ctx context.Context, tx *db.Tx) error {
	n, err := tx.Count(ctx, `SELECT COUNT(*) FROM users u JOIN user_roles x ON x.user_id = u.id JOIN roles r ON r.id = x.role_id
		WHERE r.code = ? AND u.active = ?`, RoleAdmin, true)
	if err != nil {
		return err
	}
	if n == 0 {
		var f errs.Fields
		f.Add("roles", "user.last_admin")
		return f.Err()
	}
	return nil
}

// checkScopeWidth refuses to give a user a data scope wider than the
// acting admin's own: "all" needs an admin who sees all; "region" needs the
// user's region inside the admin's regions; "unit" needs the unit inside the
// admin's units or regions. (unit_only and custom are bounded by checkRefs,
// which keeps every chosen unit and region inside the admin's scope.)
func checkScopeWidth(ctx context.Context, tx *db.Tx, p *auth.Principal, in *UserInput, f *errs.Fields) error {
	if p == nil || p.Scope.All || f.Has("scope_kind") || f.Has("unit_id") || f.Has("region_id") {
		return nil
	}
	under := func(paths []string, path string) bool {
		for _, q := range paths {
			if strings.HasPrefix(path, q) {
				return true
			}
		}
		return false
	}
	unitPaths := func() (unitPath, regionPath string, err error) {
		if in.UnitID == 0 {
			return "", "", nil
		}
		err = tx.Get(ctx, "entity.unit", "SELECT un.path, r.path FROM units un JOIN regions r ON r.id = un.region_id WHERE un.id = ?",
			[]any{in.UnitID}, &unitPath, &regionPath)
		if errs.Is(err, errs.NotFound) {
			return "", "", nil // checkRefs has said so
		}
		return
	}
	switch in.ScopeKind {
	case auth.ScopeAll:
		f.Add("scope_kind", "user.scope_too_wide")
	case auth.ScopeRegion:
		var path string
		if in.RegionID != 0 {
			err := tx.Get(ctx, "entity.region", "SELECT path FROM regions WHERE id = ?", []any{in.RegionID}, &path)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		} else {
			var err error
			if _, path, err = unitPaths(); err != nil {
				return err
			}
		}
		if path != "" && !under(p.Scope.RegionPaths, path) {
			f.Add("scope_kind", "user.scope_too_wide")
		}
	case auth.ScopeUnit:
		up, rp, err := unitPaths()
		if err != nil {
			return err
		}
		if up != "" && !under(p.Scope.UnitPaths, up) && !under(p.Scope.RegionPaths, rp) {
			f.Add("scope_kind", "user.scope_too_wide")
		}
	}
	return nil
}

// ResetPassword sets a new password for a user in p's scope (checked
// against the policy), ends the user's sessions and login tokens, and
// clears their lockout. mustChange makes them choose their own at next login.
func (s *Service) ResetPassword(ctx context.Context, p *auth.Principal, id int64, newPassword string, mustChange bool) error {
	_, err := s.resetPassword(ctx, p, id, newPassword, mustChange)
	return err
}

// ResetPasswordGenerated resets a user's password to a generated one that
// meets the policy and returns it, to be shown once.
func (s *Service) ResetPasswordGenerated(ctx context.Context, p *auth.Principal, id int64, mustChange bool) (string, error) {
	return s.resetPassword(ctx, p, id, "", mustChange)
}

func (s *Service) resetPassword(ctx context.Context, p *auth.Principal, id int64, pw string, mustChange bool) (string, error) {
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return "", err
	}
	generate := pw == ""
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		cur, _, err := s.loadUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if err := guardAdminTarget(p, cur); err != nil {
			return err
		}
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		if generate {
			pw = GeneratePassword(pol.Password, cur.Username)
		}
		var f errs.Fields
		pol.Password.Check(&f, "password", pw, cur.Username)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
			HashPassword(pw), mustChange, now.UnixMilli(), now.UnixMilli(), id); err != nil {
			return err
		}
		// The admin's own session survives a reset of their own password.
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", id, p.SessionID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND kind = 'login' AND revoked_at IS NULL", now.UnixMilli(), id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", "u:"+strings.ToLower(cur.Username)); err != nil {
			return err
		}
		summary := "reset"
		if generate {
			summary = "reset (generated)"
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionPassword, Entity: "user", EntityID: audit.ID(id), Summary: summary},
			nil, map[string]any{"must_change": mustChange})
	})
	if err != nil {
		return "", err
	}
	return pw, nil
}

// Characters of generated passwords, without look-alikes (0 O o 1 l I).
const (
	genLower = "abcdefghijkmnpqrstuvwxyz"
	genUpper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	genDigit = "23456789"
	genOther = "#%+-=@!?"
)

// GeneratePassword returns a random password that meets pp and does not
// contain username: at least 14 characters, with all four kinds of character.
func GeneratePassword(pp PasswordPolicy, username string) string {
	n := max(14, pp.MinLength)
	pick := func(set string) byte {
		v, _ := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		return set[v.Int64()]
	}
	for {
		b := []byte{pick(genLower), pick(genUpper), pick(genDigit), pick(genOther)}
		all := genLower + genUpper + genDigit + genOther
		for len(b) < n {
			b = append(b, pick(all))
		}
		// Shuffle so the four guaranteed kinds are not always first.
		for i := len(b) - 1; i > 0; i-- {
			j, _ := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
			b[i], b[j.Int64()] = b[j.Int64()], b[i]
		}
		pw := string(b)
		var f errs.Fields
		pp.Check(&f, "password", pw, username)
		if f.Err() == nil {
			return pw
		}
	}
}

// RevealPhone returns the full phone number of a user in p's scope. Every
// reveal is written to the audit log.
func (s *Service) RevealPhone(ctx context.Context, p *auth.Principal, id int64) (string, error) {
	if err := auth.Require(p, auth.PermContactView); err != nil {
		return "", err
	}
	var phone string
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		u, full, err := s.loadUser(ctx, tx, p, id)
		if err != nil {
			return err
		}
		phone = full
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionViewContact, Entity: "user", EntityID: audit.ID(id),
			Summary: u.Username + " phone"}, nil, nil)
	})
	if err != nil {
		return "", err
	}
	return phone, nil
}

// LockStatus tells whether a user in p's scope is locked out by failed
// logins, until when, and how many failures count in the current streak.
func (s *Service) LockStatus(ctx context.Context, p *auth.Principal, id int64) (locked bool, until time.Time, failures int, err error) {
	if err = auth.Require(p, auth.PermUserView); err != nil {
		return
	}
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		var uname string
		if err := s.getUserInScope(ctx, tx, p, id, &uname); err != nil {
			return err
		}
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		f, err := loadFailure(ctx, tx, "u:"+strings.ToLower(uname), now, pol.Window)
		if err != nil {
			return err
		}
		failures = f.failures
		if f.lockedUntil > now.UnixMilli() {
			locked, until = true, time.UnixMilli(f.lockedUntil)
		}
		return nil
	})
	return
}
