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

// LoginInput is what a login form or the API sends.
type LoginInput struct {
	Username, Password       string
	CaptchaID, CaptchaAnswer string
	IP, UserAgent            string
}

// LoginResult tells the caller who logged in, or whether the next attempt
// must carry a captcha.
type LoginResult struct {
	UserID      int64
	NeedCaptcha bool
}

type failure struct {
	failures    int
	first, last int64
	lockedUntil int64
	exists      bool
}

func loadFailure(ctx context.Context, tx *db.Tx, key string, now time.Time, window time.Duration) (failure, error) {
	var f failure
	err := tx.Get(ctx, "", "SELECT failures, first_at, last_at, locked_until FROM login_failures WHERE key = ?", []any{key},
		&f.failures, &f.first, &f.last, &f.lockedUntil)
	if errs.Is(err, errs.NotFound) {
		return failure{}, nil
	}
	if err != nil {
		return f, err
	}
	f.exists = true
	// An old streak that is not locked is forgotten.
	if f.lockedUntil <= now.UnixMilli() && now.UnixMilli()-f.last > window.Milliseconds() {
		f.failures = 0
		f.first = now.UnixMilli()
	}
	return f, nil
}

func saveFailure(ctx context.Context, tx *db.Tx, key string, f failure) error {
	if f.exists {
		_, err := tx.Exec(ctx, "UPDATE login_failures SET failures = ?, first_at = ?, last_at = ?, locked_until = ? WHERE key = ?",
			f.failures, f.first, f.last, f.lockedUntil, key)
		return err
	}
	_, err := tx.Exec(ctx, "INSERT INTO login_failures (key, failures, first_at, last_at, locked_until) VALUES (?, ?, ?, ?, ?)",
		key, f.failures, f.first, f.last, f.lockedUntil)
	return err
}

func lockedError(until int64, now time.Time) error {
	mins := int((time.Duration(until-now.UnixMilli())*time.Millisecond + time.Minute - 1) / time.Minute)
	return errs.Wait(time.Duration(max(mins, 1))*time.Minute, "login.locked", max(mins, 1))
}

// Login checks credentials with throttling: per account and per address,
// repeated failures first require the captcha, then lock for a while. The
// counters and the audit entry are committed even when the login fails.
func (s *Service) Login(ctx context.Context, in LoginInput) (LoginResult, error) {
	var res LoginResult
	var outcome error
	uname := strings.TrimSpace(in.Username)
	var f errs.Fields
	f.Check(uname != "", "username", "field.required")
	f.Check(in.Password != "", "password", "field.required")
	if err := f.Err(); err != nil {
		return res, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		now := s.Clock.Now()
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		ukey, ipkey := "u:"+strings.ToLower(uname), "ip:"+in.IP
		uf, err := loadFailure(ctx, tx, ukey, now, pol.Window)
		if err != nil {
			return err
		}
		ipf, err := loadFailure(ctx, tx, ipkey, now, pol.Window)
		if err != nil {
			return err
		}
		// A locked login keeps asking for the captcha afterwards.
		res.NeedCaptcha = uf.failures >= pol.CaptchaAfter || ipf.failures >= pol.IPCaptchaAfter
		if uf.lockedUntil > now.UnixMilli() {
			outcome = lockedError(uf.lockedUntil, now)
			return nil
		}
		if ipf.lockedUntil > now.UnixMilli() {
			outcome = lockedError(ipf.lockedUntil, now)
			return nil
		}
		if res.NeedCaptcha {
			if in.CaptchaID == "" || strings.TrimSpace(in.CaptchaAnswer) == "" {
				var cf errs.Fields
				cf.Add("captcha", "login.captcha_required")
				outcome = cf.Err()
				return nil
			}
			ok, err := s.consumeCaptcha(ctx, tx, in.CaptchaID, in.CaptchaAnswer, now)
			if err != nil {
				return err
			}
			if !ok {
				var cf errs.Fields
				cf.Add("captcha", "login.captcha_wrong")
				outcome = cf.Err()
				return nil
			}
		}
		var id int64
		var hash string
		var active bool
		err = tx.Get(ctx, "entity.user", "SELECT id, password_hash, active FROM users WHERE LOWER(username) = LOWER(?)", []any{uname}, &id, &hash, &active)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
		if err != nil {
			CheckPassword(dummyHash, in.Password) // same time as a wrong password
		}
		if err == nil && active && hash != "" && CheckPassword(hash, in.Password) {
			if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", ukey); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE users SET last_login_at = ? WHERE id = ?", now.UnixMilli(), id); err != nil {
				return err
			}
			res.UserID = id
			res.NeedCaptcha = false
			return audit.Record(ctx, tx, nil, now, audit.Entry{ActorID: id, ActorName: uname, IP: in.IP,
				Action: audit.ActionLogin, Entity: "user", EntityID: audit.ID(id)}, nil, nil)
		}
		// A failure: count it against the account and the address.
		for _, x := range []*failure{&uf, &ipf} {
			if x.failures == 0 {
				x.first = now.UnixMilli()
			}
			x.failures++
			x.last = now.UnixMilli()
		}
		locked := false
		if uf.failures >= pol.LockAfter {
			uf.lockedUntil, locked = now.Add(pol.LockFor).UnixMilli(), true
		}
		if ipf.failures >= pol.IPLockAfter {
			ipf.lockedUntil, locked = now.Add(pol.LockFor).UnixMilli(), true
		}
		if err := saveFailure(ctx, tx, ukey, uf); err != nil {
			return err
		}
		if err := saveFailure(ctx, tx, ipkey, ipf); err != nil {
			return err
		}
		entry := audit.Entry{ActorName: uname, IP: in.IP, Action: audit.ActionLoginFailed, Entity: "user"}
		if id != 0 {
			entry.EntityID = audit.ID(id)
		}
		if locked {
			entry.Summary = "locked"
		}
		if err := audit.Record(ctx, tx, nil, now, entry, nil, nil); err != nil {
			return err
		}
		res.NeedCaptcha = uf.failures >= pol.CaptchaAfter || ipf.failures >= pol.IPCaptchaAfter
		if locked {
			outcome = errs.Wait(pol.LockFor, "login.locked", int(pol.LockFor/time.Minute))
		} else {
			outcome = errs.E(errs.Unauthorized, "login.bad_credentials")
		}
		return nil
	})
	if err != nil {
		return res, err
	}
	return res, outcome
}

// NeedsCaptcha tells a login page whether to show the captcha before the
// first attempt (the address or the named account already failed often).
func (s *Service) NeedsCaptcha(ctx context.Context, username, ip string) (bool, error) {
	need := false
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		now := s.Clock.Now()
		pol, err := s.Policy(ctx, tx)
		if err != nil {
			return err
		}
		ipf, err := loadFailure(ctx, tx, "ip:"+ip, now, pol.Window)
		if err != nil {
			return err
		}
		need = ipf.failures >= pol.IPCaptchaAfter
		if username != "" {
			uf, err := loadFailure(ctx, tx, "u:"+strings.ToLower(strings.TrimSpace(username)), now, pol.Window)
			if err != nil {
				return err
			}
			need = need || uf.failures >= pol.CaptchaAfter
		}
		return nil
	})
	return need, err
}

// Unlock clears an account's failure counter (admin action).
func (s *Service) Unlock(ctx context.Context, p *auth.Principal, userID int64) error {
	if err := auth.Require(p, auth.PermUserManage); err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var uname string
		if err := s.getUserInScope(ctx, tx, p, userID, &uname); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_failures WHERE key = ?", "u:"+strings.ToLower(uname)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionUnlock, Entity: "user", EntityID: audit.ID(userID), Summary: uname}, nil, nil)
	})
}

// getUserInScope loads a user's username if the user is inside p's scope;
// a user outside scope is NotFound, exactly like a missing one.
func (s *Service) getUserInScope(ctx context.Context, tx *db.Tx, p *auth.Principal, userID int64, uname *string) error {
	where, args := p.Scope.Where("COALESCE(r.path, ur.path)", "un.path", "u.id")
	return tx.Get(ctx, "entity.user", `SELECT u.username FROM users u
		LEFT JOIN units un ON un.id = u.unit_id
		LEFT JOIN regions r ON r.id = u.region_id
		LEFT JOIN regions ur ON ur.id = un.region_id
		WHERE u.id = ? AND `+where, append([]any{userID}, args...), uname)
}
