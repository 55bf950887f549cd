package account

import (
	"context"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Policy holds the security settings an admin can change. They live in the
// settings table (key → value) with these defaults.
type Policy struct {
	Password PasswordPolicy
	// Per account: after CaptchaAfter failures within Window the captcha is
	// required; after LockAfter the account is locked for LockFor.
	CaptchaAfter, LockAfter int
	// Per address: the same, with higher limits (an office shares one address).
	IPCaptchaAfter, IPLockAfter int
	Window, LockFor             time.Duration
	SessionIdle, SessionMax     time.Duration
	APITokenTTL                 time.Duration
}

// DefaultSecurity is the policy of a new installation.
var DefaultSecurity = Policy{
	Password:       DefaultPolicy,
	CaptchaAfter:   3,
	LockAfter:      6,
	IPCaptchaAfter: 10,
	IPLockAfter:    30,
	Window:         15 * time.Minute,
	LockFor:        15 * time.Minute,
	SessionIdle:    2 * time.Hour,
	SessionMax:     12 * time.Hour,
	APITokenTTL:    12 * time.Hour,
}

// PolicySetting describes one editable setting.
type PolicySetting struct {
	Key      string
	Min, Max int
	get      func(*Policy) int
	set      func(*Policy, int)
}

// PolicySettings lists the settings in display order; values are integers
// (counts, minutes or hours, as the key says).
var PolicySettings = []PolicySetting{
	{"password.min_length", 6, 64, func(p *Policy) int { return p.Password.MinLength }, func(p *Policy, v int) { p.Password.MinLength = v }},
	{"password.min_classes", 1, 4, func(p *Policy) int { return p.Password.MinClasses }, func(p *Policy, v int) { p.Password.MinClasses = v }},
	{"login.captcha_after", 1, 20, func(p *Policy) int { return p.CaptchaAfter }, func(p *Policy, v int) { p.CaptchaAfter = v }},
	{"login.lock_after", 2, 50, func(p *Policy) int { return p.LockAfter }, func(p *Policy, v int) { p.LockAfter = v }},
	{"login.ip_captcha_after", 1, 200, func(p *Policy) int { return p.IPCaptchaAfter }, func(p *Policy, v int) { p.IPCaptchaAfter = v }},
	{"login.ip_lock_after", 2, 1000, func(p *Policy) int { return p.IPLockAfter }, func(p *Policy, v int) { p.IPLockAfter = v }},
	{"login.window_minutes", 1, 1440, func(p *Policy) int { return int(p.Window / time.Minute) }, func(p *Policy, v int) { p.Window = time.Duration(v) * time.Minute }},
	{"login.lock_minutes", 1, 1440, func(p *Policy) int { return int(p.LockFor / time.Minute) }, func(p *Policy, v int) { p.LockFor = time.Duration(v) * time.Minute }},
	{"session.idle_minutes", 5, 1440, func(p *Policy) int { return int(p.SessionIdle / time.Minute) }, func(p *Policy, v int) { p.SessionIdle = time.Duration(v) * time.Minute }},
	{"session.max_hours", 1, 720, func(p *Policy) int { return int(p.SessionMax / time.Hour) }, func(p *Policy, v int) { p.SessionMax = time.Duration(v) * time.Hour }},
	{"api.token_hours", 1, 720, func(p *Policy) int { return int(p.APITokenTTL / time.Hour) }, func(p *Policy, v int) { p.APITokenTTL = time.Duration(v) * time.Hour }},
}

// Value returns the setting's value in p.
func (ps PolicySetting) Value(p Policy) int { return ps.get(&p) }

// Policy reads the current policy.
func (s *Service) Policy(ctx context.Context, tx *db.Tx) (Policy, error) {
	p := DefaultSecurity
	rows, err := tx.Query(ctx, "SELECT key, value FROM settings")
	if err != nil {
		return p, err
	}
	defer rows.Close()
	vals := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return p, err
		}
		vals[k] = v
	}
	for _, ps := range PolicySettings {
		if v, ok := vals[ps.Key]; ok {
			if n, err := strconv.Atoi(v); err == nil && n >= ps.Min && n <= ps.Max {
				ps.set(&p, n)
			}
		}
	}
	return p, rows.Err()
}

// sessionPolicy is Policy from the Service's in-memory copy (read with tx
// when it is missing): the session check of every signed-in request needs
// it, and the settings change rarely.
func (s *Service) sessionPolicy(ctx context.Context, tx *db.Tx) (Policy, error) {
	return s.policy.Get(func() (Policy, error) { return s.Policy(ctx, tx) })
}

// SetPolicy validates and stores new setting values (key → text as typed).
// Bad values are refused field by field and nothing is stored.
func (s *Service) SetPolicy(ctx context.Context, tx *db.Tx, in map[string]string) (before, after Policy, err error) {
	if before, err = s.Policy(ctx, tx); err != nil {
		return
	}
	after = before
	var f errs.Fields
	for _, ps := range PolicySettings {
		v, ok := in[ps.Key]
		if !ok {
			continue
		}
		n, convErr := strconv.Atoi(v)
		if convErr != nil {
			f.Add(ps.Key, "field.bad_number")
			continue
		}
		if n < ps.Min || n > ps.Max {
			f.Add(ps.Key, "field.out_of_range", ps.Min, ps.Max)
			continue
		}
		ps.set(&after, n)
	}
	f.Check(after.LockAfter > after.CaptchaAfter, "login.lock_after", "settings.lock_after_captcha")
	f.Check(after.IPLockAfter > after.IPCaptchaAfter, "login.ip_lock_after", "settings.lock_after_captcha")
	if err = f.Err(); err != nil {
		return
	}
	now := s.Clock.Now().UnixMilli()
	tx.AfterCommit(s.policy.Invalidate)
	for _, ps := range PolicySettings {
		if _, ok := in[ps.Key]; !ok {
			continue
		}
		v := strconv.Itoa(ps.get(&after))
		n, e := tx.ExecN(ctx, "UPDATE settings SET value = ?, updated_at = ? WHERE key = ?", v, now, ps.Key)
		if e != nil {
			return before, after, e
		}
		if n == 0 {
			if _, e := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", ps.Key, v, now); e != nil {
				return before, after, e
			}
		}
	}
	return
}
