package workorder

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// Replay is what ReplayTimelines found.
type Replay struct {
	Orders     int
	Steps      map[string]int // events replayed, by action
	Mismatches []string       // the first differences found
}

func (r *Replay) differ(format string, args ...any) {
	if len(r.Mismatches) < 20 {
		r.Mismatches = append(r.Mismatches, fmt.Sprintf(format, args...))
	}
}

// ReplayTimelines replays every order's timeline in the database through
// the effects table, from the order as it came in: each action's event
// must be what the effect gives (states, data, deadline, unit), the order
// row must be where the replay ends, and the daily rollup must be what
// restat's moves give along the replay (each step takes the order's cohort
// counts out of their row and puts them where they are after it; the sum
// is each order counted once, as the replay leaves it). The overdue timer's events are replayed through
// its effects the same way.
func ReplayTimelines(ctx context.Context, d *db.DB) (Replay, error) {
	r := Replay{Steps: map[string]int{}}
	err := d.Read(ctx, func(tx *db.Tx) error {
		cal := Calendar{}
		paths := map[int64]string{}
		var ids []int64
		if err := scanAll(ctx, tx, "SELECT day, kind FROM holidays", func(s scanner) error {
			var day, kind string
			err := s.Scan(&day, &kind)
			cal[day] = DayKind(kind)
			return err
		}); err != nil {
			return err
		}
		if err := scanAll(ctx, tx, "SELECT id, path FROM units", func(s scanner) error {
			var id int64
			var p string
			err := s.Scan(&id, &p)
			paths[id] = p
			return err
		}); err != nil {
			return err
		}
		if err := scanAll(ctx, tx, "SELECT id FROM workorders ORDER BY id", func(s scanner) error {
			var id int64
			err := s.Scan(&id)
			ids = append(ids, id)
			return err
		}); err != nil {
			return err
		}
		cats := map[int64]Category{}
		sums := map[statDayKey]statDelta{}
		// move is restat in memory: the step's two rollup changes.
		add := func(c statChange) {
			x := sums[c.key]
			x.add(c.d)
			if x.zero() {
				delete(sums, c.key)
			} else {
				sums[c.key] = x
			}
		}
		move := func(was, o *Order) {
			for _, c := range restatChanges(was, o) {
				add(c)
			}
		}
		for _, id := range ids {
			row, err := loadOrder(ctx, tx, nil, id)
			if err != nil {
				return err
			}
			evs, err := loadEvents(ctx, tx, id)
			if err != nil {
				return err
			}
			r.Orders++
			o := Order{ID: row.ID, Code: row.Code, Channel: row.Channel, CategoryID: row.CategoryID, RegionID: row.RegionID,
				RegionPath: row.RegionPath, CreatedAt: row.CreatedAt}
			var pending []timerEvent // the rest of a timer step's events
			for _, e := range evs {
				r.Steps[e.Action]++
				var data map[string]any
				if e.Data != "" {
					if err := json.Unmarshal([]byte(e.Data), &data); err != nil {
						return err
					}
				}
				switch e.Action {
				case EventSubmit:
					o.State = StateSubmitted
					// Counted on the day it came in, with no unit yet.
					k, d := cohortOf(&o).counts()
					if d != (statDelta{received: 1}) || k.unitID != 0 {
						r.differ("order %d: counted %+v on %+v as it came in", id, d, k)
					}
					add(statChange{statDayKey{Day(o.CreatedAt), k}, d})
					continue
				case EventOverdue, EventAutoEscalate:
					// The timer's steps: an overdue event starts one (with its
					// level 1 escalation when it is the first), a lone
					// escalation is level 2.
					if len(pending) == 0 || e.Action == EventOverdue {
						var fx TimerEffect
						if e.Action == EventOverdue {
							kind, _ := data["kind"].(string)
							fx = overdueEffect(&o, kind, e.At)
						} else {
							fx = level2Effect(&o, e.At)
						}
						pending = fx.events
					}
					te := pending[0]
					pending = pending[1:]
					if te.action != e.Action || jsonString(te.data) != e.Data || ms(te.deadline) != ms(e.DeadlineAt) ||
						e.UnitID != o.UnitID || e.FromState != o.State || e.ToState != o.State {
						r.differ("order %d: timer event %s %s deadline %v, the effect's %s %s %v", id, e.Action, e.Data,
							e.DeadlineAt, te.action, jsonString(te.data), te.deadline)
					}
					continue
				}
				if len(pending) > 0 {
					r.differ("order %d: the timer's %s is missing before %s", id, pending[0].action, e.Action)
					pending = nil
				}
				rule, ok := RuleFor(Action(e.Action))
				if !ok {
					r.differ("order %d: event %q is no action", id, e.Action)
					continue
				}
				cat, ok := cats[o.CategoryID]
				if !ok {
					if cat, err = getCategory(ctx, tx, o.CategoryID); err != nil {
						return err
					}
					cats[o.CategoryID] = cat
				}
				st := Step{Action: rule.Action, At: e.At, Note: e.Note, Category: cat, Deadline: calendarDeadline(cal)}
				if v, ok := data["rating"].(string); ok {
					st.Rating = Rating(v)
				}
				if v, ok := data["extension_until"].(float64); ok {
					st.ExtensionUntil = time.UnixMilli(int64(v))
				}
				if rule.needs(NeedUnit) {
					st.UnitID, st.UnitPath = e.UnitID, paths[e.UnitID]
				}
				if rule.needs(NeedCategory) {
					if st.NewCategory, err = getCategory(ctx, tx, int64(data["to_category_id"].(float64))); err != nil {
						return err
					}
				}
				if rule.needs(NeedParent) {
					st.Parent = &Order{ID: int64(data["parent_id"].(float64)), Code: data["parent_code"].(string), State: StateAccepted}
				}
				was := o
				fx, err := takeStep(&o, &st)
				if err != nil {
					r.differ("order %d: %s at %s refused: %v", id, e.Action, e.At, err)
					break
				}
				got := ""
				if fx.Data != nil {
					got = jsonString(fx.Data)
				}
				switch {
				case fx.From != e.FromState || fx.To != e.ToState:
					r.differ("order %d: %s went %s → %s, the effect %s → %s", id, e.Action, e.FromState, e.ToState, fx.From, fx.To)
				case got != e.Data:
					r.differ("order %d: %s data %s, the effect's %s", id, e.Action, e.Data, got)
				case ms(e.DeadlineAt) != ms(deadlineInForce(&o)):
					r.differ("order %d: %s deadline %v, the effect's %v", id, e.Action, e.DeadlineAt, deadlineInForce(&o))
				case e.UnitID != o.UnitID || e.PublicNote != rule.PublicNote:
					r.differ("order %d: %s unit %d public %v, the effect's %d %v", id, e.Action, e.UnitID, e.PublicNote, o.UnitID, rule.PublicNote)
				}
				move(&was, &o)
			}
			type field struct {
				name      string
				row, play any
			}
			for _, f := range []field{{"state", row.State, o.State}, {"unit", row.UnitID, o.UnitID}, {"unit path", row.UnitPath, o.UnitPath},
				{"dispatched_at", ms(row.DispatchedAt), ms(o.DispatchedAt)}, {"ack_due_at", ms(row.AckDueAt), ms(o.AckDueAt)},
				{"resolve_due_at", ms(row.ResolveDueAt), ms(o.ResolveDueAt)}, {"acknowledged_at", ms(row.AcknowledgedAt), ms(o.AcknowledgedAt)},
				{"resolved_at", ms(row.ResolvedAt), ms(o.ResolvedAt)}, {"closed_at", ms(row.ClosedAt), ms(o.ClosedAt)},
				{"extension_until", ms(row.ExtensionUntil), ms(o.ExtensionUntil)}, {"ack_overdue", row.AckOverdue, o.AckOverdue},
				{"resolve_overdue", row.ResolveOverdue, o.ResolveOverdue}, {"escalation_level", row.EscalationLevel, o.EscalationLevel},
				{"escalated_at", ms(row.EscalatedAt), ms(o.EscalatedAt)}, {"satisfaction", row.Satisfaction, o.Satisfaction},
				{"first_rating", row.FirstRating, o.FirstRating},
				{"reopen_count", row.ReopenCount, o.ReopenCount}, {"resolution", row.Resolution, o.Resolution},
				{"category", row.CategoryID, o.CategoryID}, {"parent", row.ParentID, o.ParentID}} {
				if f.row != f.play {
					r.differ("order %d: %s is %v, the replay ends at %v", id, f.name, f.row, f.play)
				}
			}
		}
		stored := map[statDayKey]statDelta{}
		if err := scanAll(ctx, tx, `SELECT day, unit_id, region_id, category_id, channel, received, dispatched,
			acknowledged_on_time, resolved, resolved_on_time, returned, reopened, callbacks_reached, satisfied,
			basically_satisfied, dissatisfied, handling_ms_sum, handling_count FROM workorder_stats_daily`, func(s scanner) error {
			var k statDayKey
			var ch string
			var x statDelta
			err := s.Scan(&k.day, &k.unitID, &k.regionID, &k.categoryID, &ch, &x.received, &x.dispatched, &x.ackOnTime,
				&x.resolved, &x.resolvedOnTime, &x.returned, &x.reopened, &x.reached, &x.satisfied, &x.basic, &x.dissatisfied,
				&x.handlingMS, &x.handlingCount)
			k.channel = Channel(ch)
			if !x.zero() {
				stored[k] = x
			}
			return err
		}); err != nil {
			return err
		}
		for k, x := range sums {
			if stored[k] != x {
				r.differ("rollup %+v: stored %+v, the replay sums %+v", k, stored[k], x)
			}
		}
		for k, x := range stored {
			if _, ok := sums[k]; !ok {
				r.differ("rollup %+v: stored %+v, nothing in the replay", k, x)
			}
		}
		return nil
	})
	return r, err
}

func scanAll(ctx context.Context, tx *db.Tx, q string, f func(scanner) error) error {
	rows, err := tx.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
