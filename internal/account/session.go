package account

import (
	"context"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Sessions live in the database so several instances can share them. The
// cookie holds a random token; the table holds its SHA-256, so a copy of the
// database cannot be replayed as cookies.

// NewSession starts a session for a user who has just logged in and returns
// the cookie token and the session's CSRF token.
func (s *Service) NewSession(ctx context.Context, userID int64, ip, userAgent string) (token, csrf string, err error) {
	token, id := newToken()
	csrf, _ = newToken()
	now := s.Clock.Now().UnixMilli()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id, user_id, csrf, created_at, last_seen_at, ip, user_agent)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, userID, csrf, now, now, ip, userAgent)
		return err
	})
	return token, csrf, err
}

// SessionPrincipal resolves a session cookie token into the principal and the
// session's CSRF token. An unknown, idle or too old session is Unauthorized
// (and deleted).
func (s *Service) SessionPrincipal(ctx context.Context, token string) (*auth.Principal, string, error) {
	if token == "" {
		return nil, "", errs.E(errs.Unauthorized, "err.unauthorized")
	}
	id := hashToken(token)
	now := s.Clock.Now()
	var p *auth.Principal
	var csrf string
	var userID, created, seen int64
	var pol Policy
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if pol, err = s.sessionPolicy(ctx, tx); err != nil {
			return err
		}
		err = tx.Get(ctx, "entity.session", sessionQuery, []any{id},
			&userID, &csrf, &created, &seen)
		if errs.Is(err, errs.NotFound) {
			return errs.E(errs.Unauthorized, "err.unauthorized")
		}
		if err != nil {
			return err
		}
		if now.UnixMilli()-seen > pol.SessionIdle.Milliseconds() || now.UnixMilli()-created > pol.SessionMax.Milliseconds() {
			return errs.E(errs.Unauthorized, "login.session_expired")
		}
		p, err = s.LoadPrincipal(ctx, tx, userID)
		return err
	})
	if errs.Is(err, errs.Unauthorized) && userID != 0 {
		s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "DELETE FROM sessions WHERE id = ?", id)
			return err
		})
	}
	if err != nil {
		return nil, "", err
	}
	// Touch at most once a minute, to keep writes rare.
	if now.UnixMilli()-seen > time.Minute.Milliseconds() {
		if err := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen_at = ? WHERE id = ?", now.UnixMilli(), id)
			return err
		}); err != nil {
			return nil, "", err
		}
	}
	p.SessionID = id
	return p, csrf, nil
}

// Logout ends the session.
func (s *Service) Logout(ctx context.Context, p *auth.Principal) error {
	if p == nil || p.SessionID == "" {
		return nil
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE id = ?", p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionLogout, Entity: "user", EntityID: audit.ID(p.UserID)}, nil, nil)
	})
}

// PurgeExpired deletes sessions, tokens and captchas that can no longer be
// used. A scheduled job calls it.
func (s *Service) PurgeExpired(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Clock.Now().UnixMilli()
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?",
			now-pol.SessionIdle.Milliseconds(), now-pol.SessionMax.Milliseconds()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM captchas WHERE expires_at < ?", now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM api_tokens WHERE kind = 'login' AND expires_at < ?", now)
		return err
	})
}

// SetLang remembers the user's language choice.
func (s *Service) SetLang(ctx context.Context, userID int64, lang string) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE users SET lang = ?, updated_at = ? WHERE id = ?", lang, s.Clock.Now().UnixMilli(), userID)
		return err
	})
}

// ChangePassword lets a user change their own password.
func (s *Service) ChangePassword(ctx context.Context, p *auth.Principal, current, next, confirm string) error {
	if p == nil {
		return errs.E(errs.Unauthorized, "err.unauthorized")
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		var hash string
		if err := tx.Get(ctx, "entity.user", "SELECT password_hash FROM users WHERE id = ?", []any{p.UserID}, &hash); err != nil {
			return err
		}
		var f errs.Fields
		f.Check(current != "", "current", "field.required")
		if current != "" && !CheckPassword(hash, current) {
			f.Add("current", "password.current_wrong")
		}
		pol.Password.Check(&f, "new", next, p.Username)
		if next != "" && next == current {
			f.Add("new", "password.same_as_old")
		}
		f.Check(next == confirm, "confirm", "password.mismatch")
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE users SET password_hash = ?, must_change_password = FALSE, password_changed_at = ?, updated_at = ? WHERE id = ?",
			HashPassword(next), now.UnixMilli(), now.UnixMilli(), p.UserID); err != nil {
			return err
		}
		// Other sessions of this user end; this one stays.
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE user_id = ? AND id <> ?", p.UserID, p.SessionID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionPassword, Entity: "user", EntityID: audit.ID(p.UserID), Summary: "self"}, nil, nil)
	})
}

// Principal loads a user's principal outside any request (after an API login).
func (s *Service) Principal(ctx context.Context, userID int64) (*auth.Principal, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (*auth.Principal, error) { return s.LoadPrincipal(ctx, tx, userID) })
}
