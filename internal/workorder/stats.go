package workorder

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

// statKey is a row of workorder_stats_daily without its day: the unit
// responsible at the time of the event (0: none yet), the order's region,
// category and channel.
type statKey struct {
	unitID, regionID, categoryID int64
	channel                      Channel
}

func keyOf(o *Order) statKey {
	return statKey{unitID: o.UnitID, regionID: o.RegionID, categoryID: o.CategoryID, channel: o.Channel}
}

// statDelta is what one change adds to the day's counters.
type statDelta struct {
	received, dispatched, ackOnTime, resolved, resolvedOnTime, returned, reopened int64
	reached, satisfied, basic, dissatisfied, handlingMS, handlingCount            int64
}

func (d statDelta) zero() bool { return d == statDelta{} }

func (d *statDelta) add(o statDelta) {
	d.received += o.received
	d.dispatched += o.dispatched
	d.ackOnTime += o.ackOnTime
	d.resolved += o.resolved
	d.resolvedOnTime += o.resolvedOnTime
	d.returned += o.returned
	d.reopened += o.reopened
	d.reached += o.reached
	d.satisfied += o.satisfied
	d.basic += o.basic
	d.dissatisfied += o.dissatisfied
	d.handlingMS += o.handlingMS
	d.handlingCount += o.handlingCount
}

// values are the counters in the order of statCols.
func (d *statDelta) values() []any {
	return []any{d.received, d.dispatched, d.ackOnTime, d.resolved, d.resolvedOnTime, d.returned, d.reopened,
		d.reached, d.satisfied, d.basic, d.dissatisfied, d.handlingMS, d.handlingCount}
}

// statCols are the counter columns of both rollup tables.
var statCols = []string{"received", "dispatched", "acknowledged_on_time", "resolved", "resolved_on_time",
	"returned", "reopened", "callbacks_reached", "satisfied", "basically_satisfied", "dissatisfied",
	"handling_ms_sum", "handling_count"}

// statDayKey is a row of workorder_stats_daily.
type statDayKey struct {
	day string
	statKey
}

// statDimKey is a row of workorder_stats_dim.
type statDimKey struct {
	dim, day string
	id       int64
}

// addStats adds d to the counters of the day of at, in the caller's
// transaction; inside a batch (see Batcher) it is added when the batch
// ends, summed with the batch's other changes.
func addStats(ctx context.Context, tx *db.Tx, at time.Time, k statKey, d statDelta) error {
	if d.zero() {
		return nil
	}
	if b := batchWrites(ctx); b != nil {
		b.stats = append(b.stats, statChange{statDayKey{Day(at), k}, d})
		return nil
	}
	return writeStats(ctx, tx, map[statDayKey]*statDelta{{Day(at), k}: &d})
}

// statChange is one addStats kept for the end of a batch.
type statChange struct {
	key statDayKey
	d   statDelta
}

// sumStats sums changes by day and key.
func sumStats(cs []statChange) map[statDayKey]*statDelta {
	m := make(map[statDayKey]*statDelta, len(cs))
	for _, c := range cs {
		if d, ok := m[c.key]; ok {
			d.add(c.d)
		} else {
			d := c.d
			m[c.key] = &d
		}
	}
	return m
}

// writeStats adds the sums to both rollups, workorder_stats_daily and
// workorder_stats_dim, in the caller's transaction. Rows are written in
// key order, so concurrent transactions on PostgreSQL take their row locks
// in the same order and cannot deadlock.
func writeStats(ctx context.Context, tx *db.Tx, sums map[statDayKey]*statDelta) error {
	keys := make([]statDayKey, 0, len(sums))
	dims := map[statDimKey]*statDelta{}
	for k, d := range sums {
		keys = append(keys, k)
		for _, dk := range []statDimKey{{"unit", k.day, k.unitID}, {"region", k.day, k.regionID}, {"category", k.day, k.categoryID}} {
			if x, ok := dims[dk]; ok {
				x.add(*d)
			} else {
				x := *d
				dims[dk] = &x
			}
		}
	}
	slices.SortFunc(keys, func(a, b statDayKey) int {
		return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.unitID, b.unitID), cmp.Compare(a.regionID, b.regionID),
			cmp.Compare(a.categoryID, b.categoryID), cmp.Compare(a.channel, b.channel))
	})
	err := db.Chunks(len(keys), func(from, to int) error {
		args := make([]any, 0, (to-from)*(5+len(statCols)))
		for _, k := range keys[from:to] {
			args = append(args, k.day, k.unitID, k.regionID, k.categoryID, string(k.channel))
			args = append(args, sums[k].values()...)
		}
		_, err := tx.Exec(ctx, statsUpsert("workorder_stats_daily", "day, unit_id, region_id, category_id, channel", 5, to-from), args...)
		return err
	})
	if err != nil {
		return err
	}
	dkeys := make([]statDimKey, 0, len(dims))
	for k := range dims {
		dkeys = append(dkeys, k)
	}
	slices.SortFunc(dkeys, func(a, b statDimKey) int {
		return cmp.Or(cmp.Compare(a.dim, b.dim), cmp.Compare(a.day, b.day), cmp.Compare(a.id, b.id))
	})
	return db.Chunks(len(dkeys), func(from, to int) error {
		args := make([]any, 0, (to-from)*(3+len(statCols)))
		for _, k := range dkeys[from:to] {
			args = append(args, k.dim, k.day, k.id)
			args = append(args, dims[k].values()...)
		}
		_, err := tx.Exec(ctx, statsUpsert("workorder_stats_dim", "dim, day, id", 3, to-from), args...)
		return err
	})
}

// statsUpsert is the INSERT … ON CONFLICT DO UPDATE of k rows into a rollup
// table whose key is the first nKey columns, adding to the counters.
func statsUpsert(table, keyCols string, nKey, k int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + keyCols + ", " + strings.Join(statCols, ", ") + ") VALUES ")
	b.WriteString(db.Rows("("+db.Placeholders(nKey+len(statCols))+")", k))
	b.WriteString(" ON CONFLICT (" + keyCols + ") DO UPDATE SET ")
	for i, c := range statCols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c + " = " + table + "." + c + " + excluded." + c)
	}
	return b.String()
}

// StatsGroup is what Stats groups by.
type StatsGroup string

const (
	ByUnit     StatsGroup = "unit"
	ByRegion   StatsGroup = "region"
	ByCategory StatsGroup = "category"
)

// StatRow is one group's figures for a period. Every event is counted on
// the day it happened (in Zone) against the unit responsible then:
// Received when the order came in (unit 0: not yet dispatched),
// Dispatched when sent to the unit, AckOnTime when acknowledged by the
// acknowledge deadline, Resolved / ResolvedOnTime when the unit reported it
// fixed (on time: by the resolve deadline in force, extensions included),
// Returned, Reopened (refused at verification or dissatisfied at callback),
// and callbacks. Handling time is from dispatch to resolution.
type StatRow struct {
	ID                 int64  `json:"id"` // unit, region or category id; 0: none
	Name               string `json:"name"`
	NameEN             string `json:"name_en"`
	Received           int64  `json:"received"`
	Dispatched         int64  `json:"dispatched"`
	AckOnTime          int64  `json:"acknowledged_on_time"`
	Resolved           int64  `json:"resolved"`
	ResolvedOnTime     int64  `json:"resolved_on_time"`
	Returned           int64  `json:"returned"`
	Reopened           int64  `json:"reopened"`
	CallbacksReached   int64  `json:"callbacks_reached"`
	Satisfied          int64  `json:"satisfied"`
	BasicallySatisfied int64  `json:"basically_satisfied"`
	Dissatisfied       int64  `json:"dissatisfied"`
	// The rates: the one definition of each, which every screen, export
	// and API renders; a rate whose base is 0 has no value.
	ResolutionRate   figures.Rate  `json:"resolution_rate"`   // Resolved / Dispatched
	OnTimeRate       figures.Rate  `json:"on_time_rate"`      // ResolvedOnTime / Resolved
	AckOnTimeRate    figures.Rate  `json:"ack_on_time_rate"`  // AckOnTime / Dispatched
	SatisfactionRate figures.Rate  `json:"satisfaction_rate"` // (Satisfied + BasicallySatisfied) / CallbacksReached
	AvgHandling      time.Duration `json:"avg_handling_ns"`
	OverdueNow       int64         `json:"overdue_now"` // orders with a unit past the deadline in force, live
	// HandlingMS and HandlingCount are the sums AvgHandling is made of
	// (resolutions of dispatched orders), so totals can be exact.
	HandlingMS    int64 `json:"-"`
	HandlingCount int64 `json:"-"`
}

// rates computes the rates and the average handling time from the counts.
func (r *StatRow) rates() {
	r.ResolutionRate = figures.Of(r.Resolved, r.Dispatched)
	r.OnTimeRate = figures.Of(r.ResolvedOnTime, r.Resolved)
	r.AckOnTimeRate = figures.Of(r.AckOnTime, r.Dispatched)
	r.SatisfactionRate = figures.Of(r.Satisfied+r.BasicallySatisfied, r.CallbacksReached)
	r.AvgHandling = 0
	if r.HandlingCount > 0 {
		r.AvgHandling = time.Duration(r.HandlingMS/r.HandlingCount) * time.Millisecond
	}
}

// statsQuery is the SELECT of Stats for one grouping, with the scope's
// arguments (after the two days). It reads workorder_stats_dim, a few
// thousand rows a quarter, when the caller's data scope can be checked on
// the grouping itself: everything, or for units a scope made of unit
// subtrees only, for regions one made of region subtrees only. Any other
// scope (a region chief's figures per unit, a custom mix) needs both the
// unit and the region of each count and reads workorder_stats_daily, whose
// rows are as many as the events but are cut down by that scope. Both give
// the same figures (TestStatsSameFromEitherRollup).
func statsQuery(sc auth.Scope, group StatsGroup, col, join string, daily bool) (string, []any) {
	sums := `COALESCE(MAX(g.name), ''), COALESCE(MAX(g.name_en), ''),
		SUM(s.received), SUM(s.dispatched), SUM(s.acknowledged_on_time), SUM(s.resolved), SUM(s.resolved_on_time),
		SUM(s.returned), SUM(s.reopened), SUM(s.callbacks_reached), SUM(s.satisfied), SUM(s.basically_satisfied),
		SUM(s.dissatisfied), SUM(s.handling_ms_sum), SUM(s.handling_count)`
	units := len(sc.UnitPaths) > 0 || len(sc.UnitExact) > 0
	regions := len(sc.RegionPaths) > 0
	dim := sc.All || (group == ByUnit && units && !regions) || (group == ByRegion && regions && !units)
	if dim && !daily {
		where, args := "1=1", []any(nil)
		switch {
		case sc.All:
		case group == ByUnit:
			where, args = sc.Where("", "g.path", "")
		default:
			where, args = sc.Where("g.path", "", "")
		}
		return `SELECT s.id, ` + sums + `
			FROM workorder_stats_dim s
			LEFT JOIN ` + join + ` g ON g.id = s.id
			WHERE s.dim = '` + string(group) + `' AND s.day >= ? AND s.day <= ? AND ` + where + `
			GROUP BY s.id ORDER BY s.id`, args
	}
	where, args := sc.Where("sr.path", "su.path", "")
	return `SELECT s.` + col + `, ` + sums + `
		FROM workorder_stats_daily s
		LEFT JOIN ` + join + ` g ON g.id = s.` + col + `
		LEFT JOIN units su ON su.id = s.unit_id
		LEFT JOIN regions sr ON sr.id = s.region_id
		WHERE s.day >= ? AND s.day <= ? AND ` + where + `
		GROUP BY s.` + col + ` ORDER BY s.` + col, args
}

// Stats returns the figures per group for the days from..to (inclusive,
// 'YYYY-MM-DD' in Zone), limited to p's scope (by the unit's and region's
// paths), ordered by id. It reads the daily rollup, so it costs the same
// at a million orders as at a thousand; OverdueNow comes from the live
// table through its overdue flags.
func (s *Service) Stats(ctx context.Context, p *auth.Principal, from, to string, group StatsGroup) ([]StatRow, error) {
	if err := auth.Require(p, auth.PermOrderView); err != nil {
		if auth.Require(p, auth.PermDashboardView) != nil {
			return nil, err
		}
	}
	var f errs.Fields
	if _, err := time.Parse(DateLayout, from); err != nil {
		f.Add("from", "field.bad_date")
	}
	if _, err := time.Parse(DateLayout, to); err != nil {
		f.Add("to", "field.bad_date")
	}
	var col, join string
	switch group {
	case ByUnit:
		col, join = "unit_id", "units"
	case ByRegion:
		col, join = "region_id", "regions"
	case ByCategory:
		col, join = "category_id", "workorder_categories"
	default:
		f.Add("group", "field.bad_choice")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []StatRow
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		q, args := statsQuery(p.Scope, group, col, join, s.statsFromDaily)
		rows, err := tx.Query(ctx, q, append([]any{from, to}, args...)...)
		if err != nil {
			return err
		}
		idx := map[int64]int{}
		for rows.Next() {
			var r StatRow
			if err := rows.Scan(&r.ID, &r.Name, &r.NameEN, &r.Received, &r.Dispatched, &r.AckOnTime, &r.Resolved,
				&r.ResolvedOnTime, &r.Returned, &r.Reopened, &r.CallbacksReached, &r.Satisfied, &r.BasicallySatisfied,
				&r.Dissatisfied, &r.HandlingMS, &r.HandlingCount); err != nil {
				rows.Close()
				return err
			}
			r.rates()
			idx[r.ID] = len(out)
			out = append(out, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// Overdue now, from the live table, in the same scope: with the
		// unit and past the deadline in force.
		w, wargs := visibleWhere(p)
		now := s.Clock.Now().UnixMilli()
		qargs := []any{string(StateDispatched), now, string(StateAcknowledged), string(StateExtensionRequested),
			string(StateReopened), now}
		orows, err := tx.Query(ctx, `SELECT COALESCE(w.`+col+`, 0), COUNT(*) FROM workorders w
			WHERE ((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?, ?) AND w.resolve_due_at < ?)) AND `+w+`
			GROUP BY COALESCE(w.`+col+`, 0)`, append(qargs, wargs...)...)
		if err != nil {
			return err
		}
		defer orows.Close()
		for orows.Next() {
			var id, n int64
			if err := orows.Scan(&id, &n); err != nil {
				return err
			}
			if i, ok := idx[id]; ok {
				out[i].OverdueNow = n
				continue
			}
			r := StatRow{ID: id, OverdueNow: n}
			if id != 0 {
				var nm, en sql.NullString
				if err := tx.Get(ctx, "entity.unit", "SELECT name, name_en FROM "+join+" WHERE id = ?", []any{id}, &nm, &en); err != nil {
					return err
				}
				r.Name, r.NameEN = nm.String, en.String
			}
			out = append(out, r)
		}
		if err := orows.Err(); err != nil {
			return err
		}
		slices.SortFunc(out, func(a, b StatRow) int { return cmp.Compare(a.ID, b.ID) })
		return nil
	})
	return out, err
}
