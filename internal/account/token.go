package account

import (
	"context"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// API tokens: "login" tokens come from POST /api/v1/auth/login and expire;
// "machine" tokens are issued by an admin to a client and last until revoked
// (or their optional expiry).

// IssueLoginToken creates a token for a user who has just logged in.
func (s *Service) IssueLoginToken(ctx context.Context, userID int64) (string, time.Time, error) {
	token, hash := newToken()
	now := s.Clock.Now()
	var exp time.Time
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		exp = now.Add(pol.APITokenTTL)
		_, err = tx.Exec(ctx, `INSERT INTO api_tokens (user_id, name, kind, token_hash, created_at, expires_at)
			VALUES (?, 'login', 'login', ?, ?, ?)`, userID, hash, now.UnixMilli(), exp.UnixMilli())
		return err
	})
	return "wm_" + token, exp, err
}

// Token is an API token as listed to admins (never the secret).
type Token struct {
	ID         int64
	UserID     int64
	Username   string
	Name       string
	Kind       string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// IssueMachineToken issues a token for a user (often a dedicated service
// account) to a named client. The secret is returned once.
func (s *Service) IssueMachineToken(ctx context.Context, p *auth.Principal, userID int64, name string, expires *time.Time) (int64, string, error) {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return 0, "", err
	}
	name = strings.TrimSpace(name)
	var f errs.Fields
	f.Check(name != "", "name", "field.required")
	f.Check(len([]rune(name)) <= 100, "name", "field.too_long", 100)
	now := s.Clock.Now()
	if expires != nil && !expires.After(now) {
		f.Add("expires", "token.expiry_past")
	}
	if err := f.Err(); err != nil {
		return 0, "", err
	}
	token, hash := newToken()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var uname string
		if err := s.getUserInScope(ctx, tx, p, userID, &uname); err != nil {
			return err
		}
		var exp any
		if expires != nil {
			exp = expires.UnixMilli()
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO api_tokens (user_id, name, kind, token_hash, created_by, created_at, expires_at)
			VALUES (?, ?, 'machine', ?, ?, ?, ?) RETURNING id`, userID, name, hash, p.UserID, now.UnixMilli(), exp)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionIssueToken, Entity: "token", EntityID: audit.ID(id),
			Summary: name + " → " + uname}, nil, map[string]any{"user_id": userID, "name": name, "expires_at": exp})
	})
	if err != nil {
		return 0, "", err
	}
	return id, "wm_" + token, nil
}

// RevokeToken revokes a machine or login token.
func (s *Service) RevokeToken(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var userID int64
		var name string
		var revoked *int64
		if err := tx.Get(ctx, "entity.token", "SELECT user_id, name, revoked_at FROM api_tokens WHERE id = ?", []any{id}, &userID, &name, &revoked); err != nil {
			return err
		}
		var uname string
		if err := s.getUserInScope(ctx, tx, p, userID, &uname); err != nil {
			return errs.NotFoundf("entity.token")
		}
		if revoked != nil {
			return errs.E(errs.Conflict, "token.already_revoked")
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ?", now.UnixMilli(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionRevokeToken, Entity: "token", EntityID: audit.ID(id), Summary: name + " → " + uname}, nil, nil)
	})
}

// ListTokens lists machine tokens of users in p's scope, newest first.
func (s *Service) ListTokens(ctx context.Context, p *auth.Principal) ([]Token, error) {
	if err := auth.Require(p, auth.PermTokenManage); err != nil {
		return nil, err
	}
	var out []Token
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		where, args := p.Scope.Where("COALESCE(r.path, ur.path)", "un.path", "u.id")
		rows, err := tx.Query(ctx, `SELECT t.id, t.user_id, u.username, t.name, t.kind, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
			FROM api_tokens t JOIN users u ON u.id = t.user_id
			LEFT JOIN units un ON un.id = u.unit_id
			LEFT JOIN regions r ON r.id = u.region_id
			LEFT JOIN regions ur ON ur.id = un.region_id
			WHERE t.kind = 'machine' AND `+where+` ORDER BY t.id DESC`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Token
			var created int64
			var exp, used, rev *int64
			if err := rows.Scan(&t.ID, &t.UserID, &t.Username, &t.Name, &t.Kind, &created, &exp, &used, &rev); err != nil {
				return err
			}
			t.CreatedAt = time.UnixMilli(created)
			t.ExpiresAt, t.LastUsedAt, t.RevokedAt = msPtr(exp), msPtr(used), msPtr(rev)
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

func msPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.UnixMilli(*v)
	return &t
}

// TokenPrincipal resolves a bearer token. Unknown, revoked and expired
// tokens are Unauthorized.
func (s *Service) TokenPrincipal(ctx context.Context, bearer string) (*auth.Principal, error) {
	token, ok := strings.CutPrefix(bearer, "wm_")
	if !ok || token == "" {
		return nil, errs.E(errs.Unauthorized, "token.invalid")
	}
	hash := hashToken(token)
	now := s.Clock.Now()
	var p *auth.Principal
	var id, userID int64
	var exp, rev, used *int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		err := tx.Get(ctx, "entity.token", "SELECT id, user_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?", []any{hash},
			&id, &userID, &exp, &rev, &used)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Unauthorized, "token.invalid")
		}
		if err != nil {
			return err
		}
		if rev != nil || (exp != nil && *exp < now.UnixMilli()) {
			return errs.E(errs.Unauthorized, "token.invalid")
		}
		p, err = s.LoadPrincipal(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if used == nil || now.UnixMilli()-*used > time.Minute.Milliseconds() {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now.UnixMilli(), id)
			return err
		}); err != nil {
			return nil, err
		}
	}
	p.TokenID = id
	return p, nil
}

// RevokeOwnToken revokes the token the principal authenticated with (API logout).
func (s *Service) RevokeOwnToken(ctx context.Context, p *auth.Principal) error {
	if p == nil || p.TokenID == 0 {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
			s.Clock.Now().UnixMilli(), p.TokenID, p.UserID)
		return err
	})
}
