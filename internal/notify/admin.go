package notify

import (
	"context"
	"database/sql"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Limits of the admin screens.
const (
	MaxTargetLen     = 500 // a webhook URL or an e-mail address
	MaxChannels      = 20  // per unit or user
	DefaultPageSize  = 50
	MaxPageSize      = 500
	StatePending     = "pending"
	StateSent        = "sent"
	StateFailed      = "failed"
	entityChannel    = "notify_channel"
	entityOutboxItem = "notify_outbox"
)

// States lists the outbox states in display order.
var States = []string{StatePending, StateSent, StateFailed}

// Admin is what people do with delivery: a unit's channels (who manages
// the organisation, in scope), a user's own e-mail, and the outbox (who
// manages settings). Every change is audited in its transaction.
type Admin struct {
	DB    *db.DB
	Clock clock.Clock
}

// NewAdmin returns the admin service.
func NewAdmin(d *db.DB, c clock.Clock) *Admin { return &Admin{DB: d, Clock: c} }

// ChannelRow is a channel as the screens show it.
type ChannelRow struct {
	Channel
	CreatedAt time.Time `json:"created_at"`
}

// ChannelInput adds a channel: where (kind) and to what address (target).
type ChannelInput struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

// Normalise trims the input.
func (in *ChannelInput) Normalise() {
	in.Kind = strings.TrimSpace(in.Kind)
	in.Target = strings.TrimSpace(in.Target)
}

// Validate checks a channel: a webhook is an http(s) URL with a host and no
// user name or password in it; an e-mail is one plain address (no display
// name). Problems are added to f under "kind" and "target".
func (in ChannelInput) Validate(f *errs.Fields) {
	switch in.Kind {
	case "":
		f.Add("kind", "field.required")
	case KindWebhook, KindEmail:
	default:
		f.Add("kind", "field.bad_choice")
	}
	switch {
	case in.Target == "":
		f.Add("target", "field.required")
	case utf8.RuneCountInString(in.Target) > MaxTargetLen:
		f.Add("target", "field.too_long", MaxTargetLen)
	case in.Kind == KindWebhook && !validWebhook(in.Target):
		f.Add("target", "notify.bad_url")
	case in.Kind == KindEmail && !ValidEmail(in.Target):
		f.Add("target", "notify.bad_email")
	}
}

func validWebhook(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" && u.User == nil &&
		!strings.ContainsAny(s, " \t\r\n")
}

// ValidEmail reports whether s is one bare e-mail address (net/mail syntax).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// unitInScope checks the unit is visible to p (nil p: any unit) and returns
// its code and name.
func unitInScope(ctx context.Context, tx *db.Tx, p *auth.Principal, unitID int64) (code, name string, err error) {
	where, args := "1=1", []any(nil)
	if p != nil {
		where, args = p.Scope.Where("r.path", "u.path", "")
	}
	err = tx.Get(ctx, "entity.unit", "SELECT u.code, u.name FROM units u JOIN regions r ON r.id = u.region_id WHERE u.id = ? AND "+where,
		append([]any{unitID}, args...), &code, &name)
	return code, name, err
}

const channelCols = "c.id, COALESCE(c.unit_id, 0), COALESCE(c.user_id, 0), c.kind, c.target, c.active, c.created_at"

func scanChannels(rows *sql.Rows) ([]ChannelRow, error) {
	defer rows.Close()
	out := []ChannelRow{}
	for rows.Next() {
		var c ChannelRow
		var created int64
		if err := rows.Scan(&c.ID, &c.UnitID, &c.UserID, &c.Kind, &c.Target, &c.Active, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = time.UnixMilli(created)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (c ChannelRow) audited() map[string]any {
	return map[string]any{"unit_id": c.UnitID, "user_id": c.UserID, "kind": c.Kind, "target": c.Target, "active": c.Active}
}

// UnitChannels lists a unit's channels, oldest first; the unit must be in
// the caller's scope.
func (a *Admin) UnitChannels(ctx context.Context, p *auth.Principal, unitID int64) ([]ChannelRow, error) {
	if err := auth.Require(p, auth.PermOrgView); err != nil {
		return nil, err
	}
	var out []ChannelRow
	err := a.DB.Read(ctx, func(tx *db.Tx) error {
		if _, _, err := unitInScope(ctx, tx, p, unitID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+channelCols+" FROM notify_channels c WHERE c.unit_id = ? ORDER BY c.id", unitID)
		if err != nil {
			return err
		}
		out, err = scanChannels(rows)
		return err
	})
	return out, err
}

// addChannel stores a validated channel for a unit or a user, refusing a
// second channel with the same kind and target (case-insensitive) and more
// than MaxChannels.
func (a *Admin) addChannel(ctx context.Context, tx *db.Tx, p *auth.Principal, c Channel, summary string) (ChannelRow, error) {
	col, owner := "unit_id", c.UnitID
	if c.UnitID == 0 {
		col, owner = "user_id", c.UserID
	}
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM notify_channels WHERE "+col+" = ? AND kind = ? AND LOWER(target) = LOWER(?)", owner, c.Kind, c.Target)
	if err != nil {
		return ChannelRow{}, err
	}
	if n > 0 {
		return ChannelRow{}, errs.E(errs.Conflict, "notify.channel_exists")
	}
	if n, err = tx.Count(ctx, "SELECT COUNT(*) FROM notify_channels WHERE "+col+" = ?", owner); err != nil {
		return ChannelRow{}, err
	}
	if n >= MaxChannels {
		return ChannelRow{}, errs.E(errs.Conflict, "notify.too_many_channels", MaxChannels)
	}
	now := a.Clock.Now()
	id, err := AddChannel(ctx, tx, now, c)
	if err != nil {
		return ChannelRow{}, err
	}
	c.ID = id
	row := ChannelRow{Channel: c, CreatedAt: time.UnixMilli(now.UnixMilli())}
	return row, audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionCreate, Entity: entityChannel, EntityID: audit.ID(id),
		Summary: summary + " " + c.Kind + " " + c.Target}, nil, row.audited())
}

// AddUnitChannel adds an active webhook or e-mail channel to a unit in the
// writer's scope.
func (a *Admin) AddUnitChannel(ctx context.Context, p *auth.Principal, unitID int64, in ChannelInput) (ChannelRow, error) {
	if err := auth.Require(p, auth.PermOrgManage); err != nil {
		return ChannelRow{}, err
	}
	in.Normalise()
	var f errs.Fields
	in.Validate(&f)
	var out ChannelRow
	err := a.DB.Write(ctx, func(tx *db.Tx) error {
		code, _, err := unitInScope(ctx, tx, p, unitID)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		out, err = a.addChannel(ctx, tx, p, Channel{UnitID: unitID, Kind: in.Kind, Target: in.Target, Active: true}, code)
		return err
	})
	return out, err
}

// unitChannel loads a unit's channel, the unit in p's scope.
func unitChannel(ctx context.Context, tx *db.Tx, p *auth.Principal, unitID, id int64) (ChannelRow, string, error) {
	code, _, err := unitInScope(ctx, tx, p, unitID)
	if err != nil {
		return ChannelRow{}, "", err
	}
	rows, err := tx.Query(ctx, "SELECT "+channelCols+" FROM notify_channels c WHERE c.id = ? AND c.unit_id = ?", id, unitID)
	if err != nil {
		return ChannelRow{}, "", err
	}
	cs, err := scanChannels(rows)
	if err != nil {
		return ChannelRow{}, "", err
	}
	if len(cs) == 0 {
		return ChannelRow{}, "", errs.NotFoundf("entity.notify_channel")
	}
	return cs[0], code, nil
}

// SetUnitChannelActive turns a unit's channel on or off (an inactive
// channel keeps its address but gets no messages).
func (a *Admin) SetUnitChannelActive(ctx context.Context, p *auth.Principal, unitID, id int64, active bool) (ChannelRow, error) {
	if err := auth.Require(p, auth.PermOrgManage); err != nil {
		return ChannelRow{}, err
	}
	var out ChannelRow
	err := a.DB.Write(ctx, func(tx *db.Tx) error {
		old, code, err := unitChannel(ctx, tx, p, unitID, id)
		if err != nil {
			return err
		}
		out = old
		if old.Active == active {
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE notify_channels SET active = ? WHERE id = ?", active, id); err != nil {
			return err
		}
		out.Active = active
		return audit.Record(ctx, tx, p, a.Clock.Now(), audit.Entry{Action: audit.ActionUpdate, Entity: entityChannel, EntityID: audit.ID(id),
			Summary: code + " " + old.Kind + " " + old.Target}, old.audited(), out.audited())
	})
	return out, err
}

// DeleteUnitChannel removes a unit's channel. Messages already in the
// outbox are still delivered.
func (a *Admin) DeleteUnitChannel(ctx context.Context, p *auth.Principal, unitID, id int64) error {
	if err := auth.Require(p, auth.PermOrgManage); err != nil {
		return err
	}
	return a.DB.Write(ctx, func(tx *db.Tx) error {
		old, code, err := unitChannel(ctx, tx, p, unitID, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM notify_channels WHERE id = ?", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, a.Clock.Now(), audit.Entry{Action: audit.ActionDelete, Entity: entityChannel, EntityID: audit.ID(id),
			Summary: code + " " + old.Kind + " " + old.Target}, old.audited(), nil)
	})
}

// MyEmail returns the signed-in user's own e-mail channel ("" when none).
func (a *Admin) MyEmail(ctx context.Context, p *auth.Principal) (string, error) {
	if p == nil || p.UserID == 0 {
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	var out string
	err := a.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+channelCols+" FROM notify_channels c WHERE c.user_id = ? AND c.kind = ? ORDER BY c.id", p.UserID, KindEmail)
		if err != nil {
			return err
		}
		cs, err := scanChannels(rows)
		if len(cs) > 0 {
			out = cs[0].Target
		}
		return err
	})
	return out, err
}

// SetMyEmail sets the address where the signed-in user's notifications
// are also sent by e-mail; "" removes it. Any signed-in person may set
// their own; an API token without a user may not.
func (a *Admin) SetMyEmail(ctx context.Context, p *auth.Principal, email string) (string, error) {
	if p == nil || p.UserID == 0 {
		return "", errs.E(errs.Forbidden, "err.forbidden")
	}
	email = strings.TrimSpace(email)
	if email != "" {
		var f errs.Fields
		ChannelInput{Kind: KindEmail, Target: email}.Validate(&f)
		if err := f.Err(); err != nil {
			return "", err
		}
	}
	err := a.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+channelCols+" FROM notify_channels c WHERE c.user_id = ? AND c.kind = ? ORDER BY c.id", p.UserID, KindEmail)
		if err != nil {
			return err
		}
		old, err := scanChannels(rows)
		if err != nil {
			return err
		}
		if len(old) == 1 && old[0].Target == email && old[0].Active {
			return nil
		}
		now := a.Clock.Now()
		for _, c := range old {
			if _, err := tx.Exec(ctx, "DELETE FROM notify_channels WHERE id = ?", c.ID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionDelete, Entity: entityChannel, EntityID: audit.ID(c.ID),
				Summary: p.Username + " email " + c.Target}, c.audited(), nil); err != nil {
				return err
			}
		}
		if email == "" {
			return nil
		}
		_, err = a.addChannel(ctx, tx, p, Channel{UserID: p.UserID, Kind: KindEmail, Target: email, Active: true}, p.Username)
		return err
	})
	return email, err
}

// OutboxItem is one message of the outbox as the admin screen shows it.
type OutboxItem struct {
	ID        int64      `json:"id"`
	Channel   string     `json:"channel"`
	Target    string     `json:"target"`
	UnitID    int64      `json:"unit_id"`
	UnitName  string     `json:"unit_name"`
	UserID    int64      `json:"user_id"`
	UserName  string     `json:"user_name"`
	Kind      string     `json:"kind"`
	OrderCode string     `json:"order_code"`
	Subject   string     `json:"subject"`
	State     string     `json:"state"`
	Attempts  int        `json:"attempts"`
	NextAt    time.Time  `json:"next_at"`
	LastError string     `json:"last_error"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// OutboxFilter selects outbox messages.
type OutboxFilter struct {
	State string // "" for all, or one of States
	Page  int    // from 1
	Size  int    // 0: DefaultPageSize
}

// outboxScope: a message is visible when its unit is in scope or it is
// the caller's own.
func outboxScope(p *auth.Principal) (string, []any) {
	return p.Scope.Where("r.path", "u.path", "o.user_id")
}

const outboxFrom = ` FROM notify_outbox o LEFT JOIN units u ON u.id = o.unit_id LEFT JOIN regions r ON r.id = u.region_id
	LEFT JOIN users us ON us.id = o.user_id`

// ListOutbox returns a page of the outbox, newest first, and how many
// messages match in all. It needs settings.manage.
func (a *Admin) ListOutbox(ctx context.Context, p *auth.Principal, f OutboxFilter) ([]OutboxItem, int, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return nil, 0, err
	}
	if f.State != "" && !slices.Contains(States, f.State) {
		var fe errs.Fields
		fe.Add("state", "field.bad_choice")
		return nil, 0, fe.Err()
	}
	where, args := outboxScope(p)
	if f.State != "" {
		where += " AND o.state = ?"
		args = append(args, f.State)
	}
	size := f.Size
	if size <= 0 {
		size = DefaultPageSize
	}
	size = min(size, MaxPageSize)
	offset := (max(f.Page, 1) - 1) * size
	var out []OutboxItem
	var total int64
	err := a.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*)"+outboxFrom+" WHERE "+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT o.id, o.channel, o.target, COALESCE(o.unit_id, 0), COALESCE(u.name, ''), COALESCE(o.user_id, 0),
			COALESCE(us.display_name, ''), o.kind, o.order_code, o.subject, o.state, o.attempts, o.next_at, o.last_error, o.created_at, o.sent_at`+
			outboxFrom+" WHERE "+where+" ORDER BY o.id DESC LIMIT ? OFFSET ?", append(args, size, offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m OutboxItem
			var next, created int64
			var sent sql.NullInt64
			if err := rows.Scan(&m.ID, &m.Channel, &m.Target, &m.UnitID, &m.UnitName, &m.UserID, &m.UserName, &m.Kind, &m.OrderCode,
				&m.Subject, &m.State, &m.Attempts, &next, &m.LastError, &created, &sent); err != nil {
				return err
			}
			m.NextAt, m.CreatedAt = time.UnixMilli(next), time.UnixMilli(created)
			if sent.Valid {
				t := time.UnixMilli(sent.Int64)
				m.SentAt = &t
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, int(total), err
}

// RetryNow puts a failed message back in the queue, due at once, for one
// more attempt (a further failure gives it up again; its attempts and last
// error are kept). Only failed messages can be retried.
func (a *Admin) RetryNow(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return err
	}
	where, args := outboxScope(p)
	return a.DB.Write(ctx, func(tx *db.Tx) error {
		var state, target, channel string
		var attempts int
		if err := tx.Get(ctx, "entity.notify_message", "SELECT o.state, o.target, o.channel, o.attempts"+outboxFrom+" WHERE o.id = ? AND "+where,
			append([]any{id}, args...), &state, &target, &channel, &attempts); err != nil {
			return err
		}
		if state != StateFailed {
			return errs.E(errs.Conflict, "notify.not_failed")
		}
		now := a.Clock.Now()
		n, err := tx.ExecN(ctx, `UPDATE notify_outbox SET state = 'pending', next_at = ?, claimed_by = '', claimed_until = 0
			WHERE id = ? AND state = 'failed'`, now.UnixMilli(), id)
		if err != nil || n == 0 {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: audit.ActionUpdate, Entity: entityOutboxItem, EntityID: audit.ID(id),
			Summary: "retry " + channel + " " + target}, map[string]any{"state": state, "attempts": attempts},
			map[string]any{"state": StatePending, "attempts": attempts})
	})
}
