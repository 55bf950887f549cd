package workorder

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// Points for valid snap reports (积分, docs/GLOSSARY.md: citizens
// earn points for valid snap reports). A report is valid when a dispatcher accepts it: it
// came by the snap channel with the reporter's phone and is not a
// duplicate. Accepting it credits the phone with the rule's points (up to a
// daily cap per phone) in the transaction of the accept; merging it later
// as a duplicate reverses the credit in the transaction of the merge. An
// admin redeems points (never below zero); every change is a ledger row
// with the balance after it, and redemptions are audited with the phone
// masked. Citizens see their balance by phone and one of their codes.
//
// The balance row of a phone (points_balances) is the lock every change
// takes first, so two changes to one phone run one after the other on
// PostgreSQL too.

// Settings keys of the points rule and their defaults.
const (
	SettingPointsPerReport = "points.per_report"
	SettingPointsDailyCap  = "points.daily_cap"
	DefaultPointsPerReport = 10
	DefaultPointsDailyCap  = 50
	MaxPointsPerReport     = 1000
	MaxPointsDailyCap      = 100000
	MaxRedeem              = 1000000
	MaxPointsNoteLen       = 200
	maxPointsHistory       = 200
)

// Ledger reasons.
const (
	PointsReport   = "report"   // a valid snap report
	PointsReversal = "reversal" // the report was merged as a duplicate
	PointsRedeem   = "redeem"   // an admin exchanged points
)

// pointsGuard bounds wrong phone-and-code lookups per address: a phone
// number must not be confirmed by trying codes, nor the other way round.
var pointsGuard = ReportLimit{Reports: 10, Window: time.Hour}

func pointsKey(ip string) string { return "points:" + ip }

// PointsRule is how many points a valid report earns and the most a phone
// can earn in one day (Beijing time); 0 points per report turns points off.
type PointsRule struct {
	PerReport int `json:"per_report"`
	DailyCap  int `json:"daily_cap"`
}

// PointsEntry is one ledger row. Phone is masked except in the citizen's
// own view.
type PointsEntry struct {
	ID           int64     `json:"id"`
	Phone        string    `json:"phone"`
	OrderCode    string    `json:"order_code"`
	Delta        int64     `json:"delta"`
	Reason       string    `json:"reason"`
	BalanceAfter int64     `json:"balance_after"`
	Note         string    `json:"note"`
	ActorName    string    `json:"actor_name,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
}

// ReasonKey is the i18n key of the entry's reason.
func (e PointsEntry) ReasonKey() string { return "points.reason." + e.Reason }

// PointsAccount is a phone's balance and its newest ledger rows.
type PointsAccount struct {
	Phone   string        `json:"phone"` // masked
	Balance int64         `json:"balance"`
	Entries []PointsEntry `json:"entries"`
}

// pointsOnAct is act's hook: accepting a snap report credits its reporter;
// merging a report as a duplicate reverses the credit.
func (s *Service) pointsOnAct(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Order, a Action, now time.Time) error {
	switch a {
	case ActionAccept:
		return awardPoints(ctx, tx, p, o, now)
	case ActionMerge:
		return reversePoints(ctx, tx, p, o, now)
	}
	return nil
}

func readPointsRule(ctx context.Context, tx *db.Tx) (PointsRule, error) {
	r := PointsRule{PerReport: DefaultPointsPerReport, DailyCap: DefaultPointsDailyCap}
	rows, err := tx.Query(ctx, "SELECT key, value FROM settings WHERE key IN (?, ?)", SettingPointsPerReport, SettingPointsDailyCap)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return r, err
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			continue
		}
		switch k {
		case SettingPointsPerReport:
			r.PerReport = min(n, MaxPointsPerReport)
		case SettingPointsDailyCap:
			r.DailyCap = min(n, MaxPointsDailyCap)
		}
	}
	return r, rows.Err()
}

// PointsRule returns the rule in force.
func (s *Service) PointsRule(ctx context.Context) (PointsRule, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (PointsRule, error) { return readPointsRule(ctx, tx) })
}

// SetPointsRule changes the rule (settings.manage); audited.
func (s *Service) SetPointsRule(ctx context.Context, p *auth.Principal, in PointsRule) (PointsRule, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return PointsRule{}, err
	}
	var f errs.Fields
	f.Check(in.PerReport >= 0 && in.PerReport <= MaxPointsPerReport, "per_report", "field.out_of_range", 0, MaxPointsPerReport)
	f.Check(in.DailyCap >= 0 && in.DailyCap <= MaxPointsDailyCap, "daily_cap", "field.out_of_range", 0, MaxPointsDailyCap)
	if err := f.Err(); err != nil {
		return PointsRule{}, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		before, err := readPointsRule(ctx, tx)
		if err != nil {
			return err
		}
		now := s.Clock.Now()
		for k, v := range map[string]int{SettingPointsPerReport: in.PerReport, SettingPointsDailyCap: in.DailyCap} {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
				k, strconv.Itoa(v), now.UnixMilli()); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: "points_rule",
			Summary: "points rule"}, before, in)
	})
	return in, err
}

// lockBalance takes the phone's balance row (creating it at 0) and returns
// the balance.
func lockBalance(ctx context.Context, tx *db.Tx, phone string, now time.Time) (int64, error) {
	var bal int64
	err := tx.Get(ctx, "", `INSERT INTO points_balances (phone, balance, updated_at) VALUES (?, 0, ?)
		ON CONFLICT (phone) DO UPDATE SET updated_at = excluded.updated_at RETURNING balance`,
		[]any{phone, now.UnixMilli()}, &bal)
	return bal, err
}

// addPoints changes the locked balance by delta and writes the ledger row.
func addPoints(ctx context.Context, tx *db.Tx, p *auth.Principal, phone string, orderID int64, delta int64, reason, note string, now time.Time) (PointsEntry, error) {
	var bal int64
	if err := tx.Get(ctx, "", "UPDATE points_balances SET balance = balance + ?, updated_at = ? WHERE phone = ? RETURNING balance",
		[]any{delta, now.UnixMilli(), phone}, &bal); err != nil {
		return PointsEntry{}, err
	}
	var actorID int64
	actorName := "system"
	if p != nil {
		actorID, actorName = p.UserID, p.Username
	}
	id, err := tx.InsertID(ctx, `INSERT INTO points_ledger (phone, order_id, delta, reason, balance_after, day, note,
		actor_id, actor_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		phone, nullID(orderID), delta, reason, bal, now.In(Zone).Format("2006-01-02"), note, nullID(actorID), actorName, now.UnixMilli())
	if err != nil {
		return PointsEntry{}, err
	}
	return PointsEntry{ID: id, Phone: phone, Delta: delta, Reason: reason, BalanceAfter: bal, Note: note,
		ActorName: actorName, CreatedAt: now}, nil
}

func awardPoints(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Order, now time.Time) error {
	phone := canonicalPhone(o.ReporterPhone)
	if o.Channel != ChannelSnap || o.ParentID != 0 || !pii.ValidPhone(phone) {
		return nil
	}
	rule, err := readPointsRule(ctx, tx)
	if err != nil || rule.PerReport <= 0 {
		return err
	}
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM points_ledger WHERE order_id = ? AND reason = ?", o.ID, PointsReport)
	if err != nil || n > 0 {
		return err // an order earns once, even if accepted again after a return
	}
	if _, err := lockBalance(ctx, tx, phone, now); err != nil {
		return err
	}
	earned, err := tx.Count(ctx, "SELECT COALESCE(SUM(delta), 0) FROM points_ledger WHERE phone = ? AND day = ? AND reason = ?",
		phone, now.In(Zone).Format("2006-01-02"), PointsReport)
	if err != nil {
		return err
	}
	award := min(int64(rule.PerReport), int64(rule.DailyCap)-earned)
	if award <= 0 {
		return nil
	}
	_, err = addPoints(ctx, tx, p, phone, o.ID, award, PointsReport, "", now)
	return err
}

func reversePoints(ctx context.Context, tx *db.Tx, p *auth.Principal, o *Order, now time.Time) error {
	var phone string
	var award int64
	err := tx.Get(ctx, "", "SELECT phone, delta FROM points_ledger WHERE order_id = ? AND reason = ?",
		[]any{o.ID, PointsReport}, &phone, &award)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM points_ledger WHERE order_id = ? AND reason = ?", o.ID, PointsReversal)
	if err != nil || n > 0 {
		return err
	}
	bal, err := lockBalance(ctx, tx, phone, now)
	if err != nil {
		return err
	}
	// Points already redeemed cannot be taken back: the balance stays >= 0.
	_, err = addPoints(ctx, tx, p, phone, o.ID, -min(award, bal), PointsReversal, "", now)
	return err
}

// canonicalPhone is a typed phone in the form balances are keyed by
// (pii.NormalisePhone), or the trimmed text when it is no phone number.
func canonicalPhone(s string) string {
	s = strings.TrimSpace(s)
	if c, ok := pii.NormalisePhone(s); ok {
		return c
	}
	return s
}

// PointsByCode is the citizen's view: the balance and history of the phone
// given with one of their reports, by that report's tracking code. A wrong
// phone and a wrong code get the same not-found answer; ten of them an
// hour from one address close the lookup for that address.
func (s *Service) PointsByCode(ctx context.Context, phone, code, ip string) (PointsAccount, error) {
	phone, code = canonicalPhone(phone), NormaliseCode(code)
	var f errs.Fields
	f.Check(phone != "", "phone", "field.required")
	f.Check(code != "", "code", "field.required")
	if err := f.Err(); err != nil {
		return PointsAccount{}, err
	}
	notFound := errs.E(errs.NotFound, "points.err.not_found")
	var out PointsAccount
	miss := false
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		tries, err := windowCount(ctx, tx, pointsKey(ip), pointsGuard, s.Clock.Now())
		if err != nil {
			return err
		}
		if tries >= int64(pointsGuard.Reports) {
			return errs.Wait(pointsGuard.Window, "points.err.too_many_tries")
		}
		var reporter string
		err = tx.Get(ctx, "", "SELECT reporter_phone FROM workorders WHERE code = ?", []any{code}, &reporter)
		if errs.Is(err, errs.NotFound) || err == nil && (reporter == "" || reporter != phone) {
			miss = true
			return notFound
		}
		if err != nil {
			return err
		}
		out, err = pointsAccount(ctx, tx, phone, false)
		return err
	})
	if miss {
		if berr := s.DB.Write(ctx, func(tx *db.Tx) error {
			_, err := bump(ctx, tx, pointsKey(ip), pointsGuard, s.Clock.Now())
			return err
		}); berr != nil {
			return PointsAccount{}, berr
		}
	}
	return out, err
}

func pointsAccount(ctx context.Context, tx *db.Tx, phone string, mask bool) (PointsAccount, error) {
	out := PointsAccount{Phone: pii.MaskPhone(phone), Entries: []PointsEntry{}}
	err := tx.Get(ctx, "", "SELECT balance FROM points_balances WHERE phone = ?", []any{phone}, &out.Balance)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return out, err
	}
	out.Entries, _, err = ledger(ctx, tx, "l.phone = ?", []any{phone}, maxPointsHistory, 0, mask)
	return out, err
}

func ledger(ctx context.Context, tx *db.Tx, where string, args []any, limit, offset int, mask bool) ([]PointsEntry, bool, error) {
	rows, err := tx.Query(ctx, `SELECT l.id, l.phone, COALESCE(w.code, ''), l.delta, l.reason, l.balance_after, l.note,
		l.actor_name, l.created_at FROM points_ledger l LEFT JOIN workorders w ON w.id = l.order_id
		WHERE `+where+` ORDER BY l.id DESC LIMIT ? OFFSET ?`, append(args, limit+1, offset)...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	out := []PointsEntry{}
	for rows.Next() {
		var e PointsEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.Phone, &e.OrderCode, &e.Delta, &e.Reason, &e.BalanceAfter, &e.Note, &e.ActorName, &at); err != nil {
			return nil, false, err
		}
		e.CreatedAt = time.UnixMilli(at)
		if mask {
			e.Phone = pii.MaskPhone(e.Phone)
		} else {
			e.ActorName = "" // the citizen does not see staff names
		}
		out = append(out, e)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, rows.Err()
}

// PointsFilter selects ledger rows for the admin list.
type PointsFilter struct {
	Phone      string // exact phone number; "" for all
	Page, Size int
}

// PointsLedger lists ledger rows newest first with phones masked, the
// total, and the balance of f.Phone when one is given (settings.manage).
func (s *Service) PointsLedger(ctx context.Context, p *auth.Principal, f PointsFilter) ([]PointsEntry, int, int64, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return nil, 0, 0, err
	}
	size := f.Size
	if size <= 0 || size > MaxPageSize {
		size = DefaultPageSize
	}
	where, args := "1=1", []any{}
	if ph := canonicalPhone(f.Phone); ph != "" {
		where, args = "l.phone = ?", []any{ph}
	}
	var out []PointsEntry
	var total int64
	var bal sql.NullInt64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM points_ledger l WHERE "+where, args...); err != nil {
			return err
		}
		if len(args) > 0 {
			err := tx.Get(ctx, "", "SELECT balance FROM points_balances WHERE phone = ?", args, &bal)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return err
			}
		}
		out, _, err = ledger(ctx, tx, where, args, size, (max(f.Page, 1)-1)*size, true)
		return err
	})
	return out, int(total), bal.Int64, err
}

// RedeemInput is an admin's exchange of a citizen's points.
type RedeemInput struct {
	Phone  string `json:"phone"`
	Amount int64  `json:"amount"`
	Note   string `json:"note"`
}

// CheckRedeem adds the field messages of a redemption to f without
// touching the database (a form adds its own first: the first message of a
// field wins).
func CheckRedeem(in RedeemInput, f *errs.Fields) {
	phone := strings.TrimSpace(in.Phone)
	if phone == "" {
		f.Add("phone", "field.required")
	} else if !pii.ValidPhone(phone) {
		f.Add("phone", "field.bad_phone")
	}
	f.Check(in.Amount > 0 && in.Amount <= MaxRedeem, "amount", "field.out_of_range", 1, MaxRedeem)
	f.Check(utf8.RuneCountInString(strings.TrimSpace(in.Note)) <= MaxPointsNoteLen, "note", "field.too_long", MaxPointsNoteLen)
}

// RedeemPoints takes amount points from the phone's balance
// (settings.manage). More than the balance is refused with the balance in
// the message and nothing changes. The audit entry shows the phone masked.
func (s *Service) RedeemPoints(ctx context.Context, p *auth.Principal, in RedeemInput) (PointsEntry, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return PointsEntry{}, err
	}
	in.Phone, in.Note = canonicalPhone(in.Phone), strings.TrimSpace(in.Note)
	var f errs.Fields
	CheckRedeem(in, &f)
	if err := f.Err(); err != nil {
		return PointsEntry{}, err
	}
	var out PointsEntry
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		now := s.Clock.Now()
		bal, err := lockBalance(ctx, tx, in.Phone, now)
		if err != nil {
			return err
		}
		if in.Amount > bal {
			f.Add("amount", "points.err.insufficient", bal)
			return f.Err()
		}
		if out, err = addPoints(ctx, tx, p, in.Phone, 0, -in.Amount, PointsRedeem, in.Note, now); err != nil {
			return err
		}
		masked := pii.MaskPhone(in.Phone)
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "points.redeem", Entity: "points", EntityID: masked,
			Summary: masked + " -" + strconv.FormatInt(in.Amount, 10)},
			map[string]any{"phone": masked, "balance": bal},
			map[string]any{"phone": masked, "amount": in.Amount, "balance": out.BalanceAfter, "note": in.Note})
	})
	out.Phone = pii.MaskPhone(out.Phone)
	return out, err
}
