// Package account owns staff accounts: users, roles, passwords, sessions,
// API tokens, login throttling and the binary's own captcha. It resolves a
// user into an auth.Principal with permissions and data scope.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/refcache"
)

// Service is the account capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// policy is the security policy every signed-in request checks its
	// session against (sessionPolicy); SetPolicy drops it after commit.
	policy refcache.Value[Policy]
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

// Bootstrap seeds the built-in roles. It is safe to call at every start.
func (s *Service) Bootstrap(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error { return s.seedRoles(ctx, tx) })
}

// newToken returns a random URL-safe token and its storage hash.
func newToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// The statements of the session check, which every signed-in request
// runs; HotReads lists them for db.PrepareReads.
const (
	sessionQuery   = "SELECT user_id, csrf, created_at, last_seen_at FROM sessions WHERE id = ?"
	principalQuery = `SELECT u.username, u.display_name, u.unit_id, u.region_id, u.scope_kind, u.active, u.lang, u.must_change_password,
		       un.path, un.name, r.path, r.name, ur.path, ur.name
		FROM users u
		LEFT JOIN units un ON un.id = u.unit_id
		LEFT JOIN regions r ON r.id = u.region_id
		LEFT JOIN regions ur ON ur.id = un.region_id
		WHERE u.id = ?`
	principalRolesQuery = `SELECT r.code, r.name, r.name_en, r.permissions FROM user_roles ur JOIN roles r ON r.id = ur.role_id WHERE ur.user_id = ? ORDER BY r.id`
)

// HotReads are the read statements every signed-in request runs.
var HotReads = []string{sessionQuery, principalQuery, principalRolesQuery}

// LoadPrincipal resolves a user into a principal with roles, permissions
// and scope. An inactive or missing user is Unauthorized.
func (s *Service) LoadPrincipal(ctx context.Context, tx *db.Tx, userID int64) (*auth.Principal, error) {
	p := &auth.Principal{UserID: userID, Perms: map[auth.Perm]bool{}}
	var unitID, regionID *int64
	var unitPath, unitName, regionPath, regionName, uRegionPath, uRegionName *string
	var active bool
	var kind string
	err := tx.Get(ctx, "entity.user", principalQuery, []any{userID},
		&p.Username, &p.DisplayName, &unitID, &regionID, &kind, &active, &p.Lang, &p.MustChange,
		&unitPath, &unitName, &regionPath, &regionName, &uRegionPath, &uRegionName)
	if errs.Is(err, errs.NotFound) || (err == nil && !active) {
		return nil, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	if err != nil {
		return nil, err
	}
	p.ScopeKind = auth.ScopeKind(kind)
	if unitID != nil {
		p.UnitID, p.UnitName = *unitID, deref(unitName)
	}
	// A user's region is their own, or else their unit's.
	rPath := deref(regionPath)
	if regionID != nil {
		p.RegionID, p.RegionName = *regionID, deref(regionName)
	} else if unitID != nil {
		rPath = deref(uRegionPath)
		p.RegionName = deref(uRegionName)
	}
	rows, err := tx.Query(ctx, principalRolesQuery, userID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var code, name, nameEN, perms string
		if err := rows.Scan(&code, &name, &nameEN, &perms); err != nil {
			rows.Close()
			return nil, err
		}
		p.Roles = append(p.Roles, code)
		p.RoleNames = append(p.RoleNames, name)
		p.RoleNamesEN = append(p.RoleNamesEN, nameEN)
		for _, pm := range SplitPerms(perms) {
			p.Perms[pm] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch p.ScopeKind {
	case auth.ScopeAll:
		p.Scope.All = true
	case auth.ScopeRegion:
		if rPath != "" {
			p.Scope.RegionPaths = []string{rPath}
		}
	case auth.ScopeUnit:
		if unitPath != nil {
			p.Scope.UnitPaths = []string{*unitPath}
		}
	case auth.ScopeUnitOnly:
		if unitPath != nil {
			p.Scope.UnitExact = []string{*unitPath}
		}
	case auth.ScopeSelf:
		// only own rows, below
	case auth.ScopeCustom:
		if p.Scope.RegionPaths, err = queryStrings(ctx, tx, `SELECT r.path FROM user_scope_regions s JOIN regions r ON r.id = s.region_id WHERE s.user_id = ? ORDER BY r.path`, userID); err != nil {
			return nil, err
		}
		if p.Scope.UnitPaths, err = queryStrings(ctx, tx, `SELECT u.path FROM user_scope_units s JOIN units u ON u.id = s.unit_id WHERE s.user_id = ? ORDER BY u.path`, userID); err != nil {
			return nil, err
		}
	}
	p.Scope.UserID = userID // everyone sees their own records
	return p, nil
}

func queryStrings(ctx context.Context, tx *db.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
