package workorder

import (
	"context"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/org"
)

// escalateBatch is how many orders one query of the timer picks up.
const escalateBatch = 200

// Job is the overdue timer for the jobs runner: once a minute, claimed by
// one instance at a time.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "workorder.escalate_overdue", Every: time.Minute, Run: s.EscalateOverdue}
}

func (s *Service) level2After() time.Duration {
	if s.Level2After > 0 {
		return s.Level2After
	}
	return DefaultLevel2After
}

// overdueRule is one kind of missed deadline the timer looks for.
type overdueRule struct {
	kind   string // "ack" or "resolve"
	flag   string // the column that marks it
	due    string // the deadline column
	states []State
}

var overdueRules = []overdueRule{
	{"ack", "ack_overdue", "ack_due_at", []State{StateDispatched}},
	{"resolve", "resolve_overdue", "resolve_due_at", []State{StateDispatched, StateAcknowledged, StateExtensionRequested, StateReopened}},
}

// EscalateOverdue marks orders whose acknowledge or resolve deadline has
// passed, raises them to escalation level 1 (once), and to level 2 when
// they are still with the unit Level2After later. Each step is one
// conditional UPDATE (… WHERE escalation_level = ?), so running it twice,
// or on two instances at once, escalates each order once per level. Every
// step writes a timeline event and notifies the unit and the supervision
// groups covering the order's region (org.GroupsCovering); level 2 also the
// unit's parent unit.
func (s *Service) EscalateOverdue(ctx context.Context) error {
	now := s.Clock.Now()
	for _, r := range overdueRules {
		if err := s.markOverdue(ctx, r, now); err != nil {
			return err
		}
	}
	return s.escalateLevel2(ctx, now)
}

type candidate struct {
	id    int64
	level int
}

func (s *Service) candidates(ctx context.Context, q string, args ...any) ([]candidate, error) {
	var out []candidate
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c candidate
			if err := rows.Scan(&c.id, &c.level); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

func stateArgs(states []State) []any {
	out := make([]any, len(states))
	for i, s := range states {
		out[i] = string(s)
	}
	return out
}

func (s *Service) markOverdue(ctx context.Context, r overdueRule, now time.Time) error {
	in := "(" + db.Placeholders(len(r.states)) + ")"
	args := append(stateArgs(r.states), now.UnixMilli())
	return s.eachCandidate(ctx, `SELECT id, escalation_level FROM workorders
			WHERE state IN `+in+` AND `+r.flag+` = FALSE AND `+r.due+` < ? ORDER BY id LIMIT `+strconv.Itoa(escalateBatch), args,
		func(tx *db.Tx, o *Order) error {
			level := o.EscalationLevel
			fx := overdueEffect(o, r.kind, now)
			uargs := []any{o.EscalationLevel, msp(o.EscalatedAt), now.UnixMilli(), o.ID}
			uargs = append(uargs, stateArgs(r.states)...)
			uargs = append(uargs, now.UnixMilli(), level)
			n, err := tx.ExecN(ctx, `UPDATE workorders SET `+r.flag+` = TRUE, escalation_level = ?, escalated_at = ?,
					updated_at = ?
					WHERE id = ? AND state IN `+in+` AND `+r.flag+` = FALSE AND `+r.due+` < ? AND escalation_level = ?`, uargs...)
			if err != nil || n == 0 {
				return err
			}
			return s.timerEffect(ctx, tx, o, now, fx)
		})
}

func (s *Service) escalateLevel2(ctx context.Context, now time.Time) error {
	states := []State{StateDispatched, StateAcknowledged, StateExtensionRequested, StateReopened}
	in := "(" + db.Placeholders(len(states)) + ")"
	cutoff := now.Add(-s.level2After()).UnixMilli()
	args := append([]any{cutoff}, stateArgs(states)...)
	return s.eachCandidate(ctx, `SELECT id, escalation_level FROM workorders
			WHERE escalation_level = 1 AND escalated_at <= ? AND state IN `+in+`
			AND (ack_overdue = TRUE OR resolve_overdue = TRUE) ORDER BY id LIMIT `+strconv.Itoa(escalateBatch), args,
		func(tx *db.Tx, o *Order) error {
			fx := level2Effect(o, now)
			uargs := append([]any{o.EscalationLevel, msp(o.EscalatedAt), now.UnixMilli(), o.ID, cutoff}, stateArgs(states)...)
			n, err := tx.ExecN(ctx, `UPDATE workorders SET escalation_level = ?, escalated_at = ?, updated_at = ?
					WHERE id = ? AND escalation_level = 1 AND escalated_at <= ? AND state IN `+in, uargs...)
			if err != nil || n == 0 {
				return err
			}
			return s.timerEffect(ctx, tx, o, now, fx)
		})
}

// eachCandidate runs step, each order in its own write transaction, for
// the orders the query finds, batch after batch (at most escalateBatch a
// query), until a batch brings none not seen yet. step's conditional
// UPDATE is what makes it right with several instances: an order another
// instance took meanwhile is left as it is (n == 0).
func (s *Service) eachCandidate(ctx context.Context, q string, args []any, step func(tx *db.Tx, o *Order) error) error {
	seen := map[int64]bool{}
	for range 1000 {
		cs, err := s.candidates(ctx, q, args...)
		if err != nil {
			return err
		}
		fresh := 0
		for _, c := range cs {
			if seen[c.id] {
				continue
			}
			seen[c.id] = true
			fresh++
			if err := s.DB.Write(ctx, func(tx *db.Tx) error {
				o, err := loadOrder(ctx, tx, nil, c.id)
				if err != nil {
					return err
				}
				return step(tx, &o)
			}); err != nil {
				return err
			}
		}
		if fresh == 0 || len(cs) < escalateBatch {
			return nil
		}
	}
	return nil
}

// timerEffect writes a timer step's events and notices (effects.go), in
// the step's transaction.
func (s *Service) timerEffect(ctx context.Context, tx *db.Tx, o *Order, now time.Time, fx TimerEffect) error {
	for _, te := range fx.events {
		ev := event{order: o.ID, at: now, action: te.action, from: o.State, to: o.State, actorName: "system",
			deadline: te.deadline, unit: o.UnitID, data: jsonString(te.data)}
		if _, err := ev.insert(ctx, tx); err != nil {
			return err
		}
	}
	if fx.UnitKey == "" {
		return nil
	}
	if err := notify(ctx, tx, now, 0, o.UnitID, o.ID, fx.Kind, fx.UnitKey, o.Code); err != nil {
		return err
	}
	var parent int64
	if fx.ParentUnit {
		if err := tx.Get(ctx, "entity.unit", "SELECT COALESCE(parent_id, 0) FROM units WHERE id = ?", []any{o.UnitID}, &parent); err != nil {
			return err
		}
		if parent != 0 {
			if err := notify(ctx, tx, now, 0, parent, o.ID, fx.Kind, fx.UnitKey, o.Code); err != nil {
				return err
			}
		}
	}
	return notifyGroups(ctx, tx, now, o, fx.Kind, fx.GroupKey, parent)
}

// notifyGroups tells the supervision groups covering the order's region
// about an escalation, in the escalation's transaction and the same way
// the unit is told (an in-app notification and the groups' channels). A
// group that is the order's unit or skip (already told) is not told twice;
// a region no group covers tells nobody more.
func notifyGroups(ctx context.Context, tx *db.Tx, now time.Time, o *Order, kind, key string, skip int64) error {
	groups, err := org.GroupsCovering(ctx, tx, o.RegionID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if g == o.UnitID || g == skip {
			continue
		}
		if err := notify(ctx, tx, now, 0, g, o.ID, kind, key, o.Code, o.UnitName); err != nil {
			return err
		}
	}
	return nil
}
