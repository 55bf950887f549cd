package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/jobs"
)

// Outbox defaults.
const (
	DefaultMaxAttempts = 8
	DefaultBackoff     = time.Minute // first retry; doubles each time
	MaxBackoff         = 6 * time.Hour
	DefaultBatch       = 50
	DefaultLease       = 2 * time.Minute // a claim outlives a dead instance by this much
)

// Outbox delivers the rows of notify_outbox.
type Outbox struct {
	DB      *db.DB
	Clock   clock.Clock
	Log     *slog.Logger
	Senders map[string]Sender // by channel kind
	// MaxAttempts: after this many failed attempts a message is given up
	// (state failed). Backoff: the wait after the first failure, doubled
	// after each further one up to MaxBackoff.
	MaxAttempts int
	Backoff     time.Duration
	Batch       int           // rows claimed at once
	Lease       time.Duration // how long a claim lasts
	owner       string
}

// New returns an outbox delivering with the senders.
func New(d *db.DB, c clock.Clock, log *slog.Logger, senders map[string]Sender) *Outbox {
	if log == nil {
		log = slog.Default()
	}
	b := make([]byte, 8)
	rand.Read(b)
	return &Outbox{DB: d, Clock: c, Log: log, Senders: senders, owner: hex.EncodeToString(b)}
}

// Job runs Deliver every 20 seconds (as often as the runner ticks).
func (o *Outbox) Job() jobs.Job {
	return jobs.Job{Name: "notify.deliver", Every: 20 * time.Second, Run: func(ctx context.Context) error {
		_, err := o.Deliver(ctx)
		return err
	}}
}

// Enqueue writes a message to the outbox in the caller's transaction; it
// is delivered once the transaction has committed and the job runs.
func Enqueue(ctx context.Context, tx *db.Tx, at time.Time, channel string, m Message) (int64, error) {
	if channel != KindWebhook && channel != KindEmail {
		return 0, fmt.Errorf("notify: unknown channel %q", channel)
	}
	return tx.InsertID(ctx, `INSERT INTO notify_outbox (channel, target, unit_id, user_id, kind, order_code, subject, body,
		state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) RETURNING id`,
		channel, m.To, nullID(m.UnitID), nullID(m.UserID), m.Kind, m.OrderCode, m.Subject, m.Body, at.UnixMilli(), at.UnixMilli())
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func (o *Outbox) maxAttempts() int {
	if o.MaxAttempts > 0 {
		return o.MaxAttempts
	}
	return DefaultMaxAttempts
}

// backoff is the wait after the n-th failed attempt (n from 1).
func (o *Outbox) backoff(n int) time.Duration {
	d := o.Backoff
	if d <= 0 {
		d = DefaultBackoff
	}
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// Result counts what one Deliver did.
type Result struct{ Sent, Retried, Failed int }

type claimed struct {
	channel string
	msg     Message
	tries   int
	token   string
}

// Deliver claims due messages, sends them and records the outcome, batch
// after batch until none is due. The claim is one conditional UPDATE
// (… WHERE claimed_until < now), so several instances can deliver at once
// and each message is sent by one of them; a claim whose instance died
// expires after Lease.
func (o *Outbox) Deliver(ctx context.Context) (Result, error) {
	var res Result
	for range 1000 {
		batch, err := o.claim(ctx)
		if err != nil || len(batch) == 0 {
			return res, err
		}
		for _, c := range batch {
			if err := o.deliverOne(ctx, c, &res); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

func (o *Outbox) claim(ctx context.Context) ([]claimed, error) {
	now := o.Clock.Now()
	lease, size := o.Lease, o.Batch
	if lease <= 0 {
		lease = DefaultLease
	}
	if size <= 0 {
		size = DefaultBatch
	}
	b := make([]byte, 6)
	rand.Read(b)
	token := o.owner + "." + hex.EncodeToString(b)
	var out []claimed
	err := o.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := tx.ExecN(ctx, `UPDATE notify_outbox SET claimed_by = ?, claimed_until = ?
			WHERE id IN (SELECT id FROM notify_outbox WHERE state = 'pending' AND next_at <= ? AND claimed_until < ?
				ORDER BY id LIMIT `+strconv.Itoa(size)+`)
			AND state = 'pending' AND claimed_until < ?`,
			token, now.Add(lease).UnixMilli(), now.UnixMilli(), now.UnixMilli(), now.UnixMilli())
		if err != nil || n == 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, channel, target, COALESCE(unit_id, 0), COALESCE(user_id, 0), kind, order_code,
			subject, body, attempts FROM notify_outbox WHERE claimed_by = ? ORDER BY id`, token)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			m := &c.msg
			if err := rows.Scan(&m.ID, &c.channel, &m.To, &m.UnitID, &m.UserID, &m.Kind, &m.OrderCode, &m.Subject, &m.Body, &c.tries); err != nil {
				return err
			}
			c.token = token
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

func (o *Outbox) deliverOne(ctx context.Context, c claimed, res *Result) error {
	var sendErr error
	if s := o.Senders[c.channel]; s == nil {
		sendErr = ErrNotConfigured
	} else {
		sendErr = s.Send(ctx, c.msg)
	}
	if sendErr != nil && ctx.Err() != nil {
		return ctx.Err() // stopping: the claim expires and the message is tried again
	}
	now := o.Clock.Now()
	tries := c.tries + 1
	return o.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		switch {
		case sendErr == nil:
			res.Sent++
			_, err = tx.Exec(ctx, `UPDATE notify_outbox SET state = 'sent', attempts = ?, sent_at = ?, claimed_by = '',
				claimed_until = 0, last_error = '' WHERE id = ? AND claimed_by = ?`, tries, now.UnixMilli(), c.msg.ID, c.token)
		case tries >= o.maxAttempts():
			res.Failed++
			o.Log.Warn("notification given up", "id", c.msg.ID, "channel", c.channel, "attempts", tries, "err", sendErr)
			_, err = tx.Exec(ctx, `UPDATE notify_outbox SET state = 'failed', attempts = ?, claimed_by = '', claimed_until = 0,
				last_error = ? WHERE id = ? AND claimed_by = ?`, tries, clip(sendErr.Error(), 500), c.msg.ID, c.token)
		default:
			res.Retried++
			_, err = tx.Exec(ctx, `UPDATE notify_outbox SET attempts = ?, next_at = ?, claimed_by = '', claimed_until = 0,
				last_error = ? WHERE id = ? AND claimed_by = ?`, tries, now.Add(o.backoff(tries)).UnixMilli(), clip(sendErr.Error(), 500), c.msg.ID, c.token)
		}
		return err
	})
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
