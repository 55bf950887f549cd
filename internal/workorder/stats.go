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
// that holds the order (0: none yet), the order's region, category and
// channel. The day is the day the order was received (see cohort).
type statKey struct {
	unitID, regionID, categoryID int64
	channel                      Channel
}

// cohort is an order as the rollups count it. Every counter of an order
// sits in ONE rollup row: the day it was received (in Zone), the unit that
// holds it now, its region, category and channel now. Each counter is 0 or
// 1 and says where the order stands now (cohort.counts), so a step does not
// add an event: it takes the order's counts out of its row as they were and
// puts them back as they are now (restat), into another row when the unit
// or the category changed (reassign, return and dispatch, recategorise).
//
// Why no rate can exceed 100 %: for one order each rate's numerator is 1
// only when its denominator is 1 (counts makes every numerator a
// conjunction with its denominator), and both sit in the same row. Every
// filter (period, unit, region, category, channel, a data scope) selects
// whole rows, so it selects an order's numerator and denominator together,
// and a sum of parts that are each at most their base is at most the sum
// of the bases. workorder_stats_dim is the same rows summed per dimension.
//
// All times are compared in milliseconds, as stored, so counts of an order
// read back from the database equal those computed before it was saved.
type cohort struct {
	created                              int64 // ms
	unitID, regionID, categoryID, parent int64
	channel                              Channel
	state                                State
	// ms, 0: none
	dispatched, ackDue, acked, resolveDue, resolved int64
	reopens                                         int
	rating                                          Rating // the first reached callback's (Order.FirstRating)
}

func ms(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.UnixMilli()
}

func cohortOf(o *Order) cohort {
	return cohort{created: o.CreatedAt.UnixMilli(), unitID: o.UnitID, regionID: o.RegionID, categoryID: o.CategoryID,
		parent: o.ParentID, channel: o.Channel, state: o.State, dispatched: ms(o.DispatchedAt), ackDue: ms(o.AckDueAt),
		acked: ms(o.AcknowledgedAt), resolveDue: ms(o.ResolveDueAt), resolved: ms(o.ResolvedAt), reopens: o.ReopenCount,
		rating: o.FirstRating}
}

// resolvedStates are the states in which the unit's resolution stands
// (a refusal or a dissatisfied callback takes the order back to reopened).
var resolvedStates = []State{StateResolved, StateVerified, StateCallbackDone, StateClosed}

// counts is the order's row and its counters there. The definitions (the
// same in kpitrace.go's SQL and in the figures' definition texts):
//
//	received        every order (of its day, with the unit that holds it)
//	dispatched      held by a unit: dispatched, not returned, not merged
//	ack_on_time     dispatched, and acknowledged by the acknowledge deadline
//	                of its current dispatch
//	resolved        dispatched, and the unit's resolution stands
//	resolved_on_time resolved, by the resolve deadline in force then
//	returned        returned by the unit and waiting to be dispatched again
//	reopened        reopened at least once (refused or dissatisfied)
//	callbacks_reached / satisfied / basic / dissatisfied: the order has
//	                had a callback that reached the citizen / the rating of
//	                the first such callback (a civilisation office judges
//	                the handling by the citizen's first verdict: satisfied
//	                after a redo still counts as dissatisfied)
//	handling        dispatch to resolution of the resolved orders
func (c cohort) counts() (statKey, statDelta) {
	k := statKey{unitID: c.unitID, regionID: c.regionID, categoryID: c.categoryID, channel: c.channel}
	d := statDelta{received: 1}
	if c.unitID != 0 && c.dispatched != 0 && c.parent == 0 && c.state != StateReturned {
		d.dispatched = 1
		if c.acked != 0 && (c.ackDue == 0 || c.acked <= c.ackDue) {
			d.ackOnTime = 1
		}
		if c.resolved != 0 && slices.Contains(resolvedStates, c.state) {
			d.resolved = 1
			if c.resolveDue == 0 || c.resolved <= c.resolveDue {
				d.resolvedOnTime = 1
			}
			d.handlingMS, d.handlingCount = c.resolved-c.dispatched, 1
		}
	}
	if c.state == StateReturned {
		d.returned = 1
	}
	if c.reopens > 0 {
		d.reopened = 1
	}
	switch c.rating {
	case RatingSatisfied:
		d.reached, d.satisfied = 1, 1
	case RatingBasicallySatisfied:
		d.reached, d.basic = 1, 1
	case RatingDissatisfied:
		d.reached, d.dissatisfied = 1, 1
	}
	return k, d
}

// restat moves an order's counts from where they were (was: the order as
// loaded before the step) to where they are now (o: as saved), in the
// step's transaction. Both rows are written in one writeStats, in key
// order, so two steps moving orders between the same two units in opposite
// directions take their row locks in the same order.
func restat(ctx context.Context, tx *db.Tx, was, o *Order) error {
	if o.Kind == KindRectification { // not a citizen's request: not in the rollups (kind.go)
		return nil
	}
	changes := restatChanges(was, o)
	if b := batchWrites(ctx); b != nil {
		b.stats = append(b.stats, changes...)
		return nil
	}
	sums := sumStats(changes)
	for k, d := range sums {
		if d.zero() {
			delete(sums, k)
		}
	}
	return writeStats(ctx, tx, sums)
}

// restatChanges are the two rollup changes of a step from was to o: the
// order's counts as they were taken out of their row, and as they are now
// put into theirs (the same row when neither the unit nor the category
// moved: then only the counters that changed do not cancel out).
func restatChanges(was, o *Order) []statChange {
	c0, c1 := cohortOf(was), cohortOf(o)
	k0, d0 := c0.counts()
	k1, d1 := c1.counts()
	from := statDayKey{Day(time.UnixMilli(c0.created)), k0}
	to := statDayKey{Day(time.UnixMilli(c1.created)), k1}
	var neg statDelta
	neg.sub(d0)
	return []statChange{{from, neg}, {to, d1}}
}

// statDelta is what one change adds to a row's counters (negative when an
// order's counts leave the row).
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

// sub takes o's counters from d.
func (d *statDelta) sub(o statDelta) {
	v, w := d.fields(), o.fields()
	for i := range v {
		*v[i] -= *w[i]
	}
}

// fields are pointers to the counters in the order of statCols.
func (d *statDelta) fields() []*int64 {
	return []*int64{&d.received, &d.dispatched, &d.ackOnTime, &d.resolved, &d.resolvedOnTime, &d.returned, &d.reopened,
		&d.reached, &d.satisfied, &d.basic, &d.dissatisfied, &d.handlingMS, &d.handlingCount}
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

// statMonthKey is a row of workorder_stats_month.
type statMonthKey struct {
	pair     string
	regionID int64
	month    string
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

// RebuildStats recomputes both rollups from the orders (cohort.counts of
// each) when an upgrade has emptied them and asked for it (a row in
// stats_rebuild, migrations 0019 and 0021), in one write transaction at start-up,
// and returns how many orders it counted (0 when nothing was asked).
// Normal operation never needs it: every step moves its order's counts.
func (s *Service) RebuildStats(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		need, err := tx.Count(ctx, "SELECT COUNT(*) FROM stats_rebuild WHERE name = 'workorder'")
		if err != nil || need == 0 {
			return err
		}
		for _, t := range []string{"workorder_stats_daily", "workorder_stats_dim", "workorder_stats_month"} {
			if _, err := tx.Exec(ctx, "DELETE FROM "+t); err != nil {
				return err
			}
		}
		sums, err := recount(ctx, tx)
		if err != nil {
			return err
		}
		for _, d := range sums {
			n += int(d.received)
		}
		if err := writeStats(ctx, tx, sums); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DELETE FROM stats_rebuild WHERE name = 'workorder'")
		return err
	})
	return n, err
}

// recount sums every order's rollup counts from the orders table.
func recount(ctx context.Context, tx *db.Tx) (map[statDayKey]*statDelta, error) {
	rows, err := tx.Query(ctx, `SELECT created_at, COALESCE(unit_id, 0), COALESCE(region_id, 0), category_id,
		COALESCE(parent_id, 0), channel, state, COALESCE(dispatched_at, 0), COALESCE(ack_due_at, 0),
		COALESCE(acknowledged_at, 0), COALESCE(resolve_due_at, 0), COALESCE(resolved_at, 0), reopen_count, first_rating
		FROM workorders WHERE kind = 'request'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[statDayKey]*statDelta{}
	for rows.Next() {
		var c cohort
		if err := rows.Scan(&c.created, &c.unitID, &c.regionID, &c.categoryID, &c.parent, &c.channel, &c.state,
			&c.dispatched, &c.ackDue, &c.acked, &c.resolveDue, &c.resolved, &c.reopens, &c.rating); err != nil {
			return nil, err
		}
		k, d := c.counts()
		key := statDayKey{Day(time.UnixMilli(c.created)), k}
		if p := sums[key]; p != nil {
			p.add(d)
		} else {
			sums[key] = &d
		}
	}
	return sums, rows.Err()
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

// writeStats adds the sums to the rollups, workorder_stats_daily,
// workorder_stats_dim and workorder_stats_month, in the caller's
// transaction. Rows are written in key order, so concurrent transactions on
// PostgreSQL take their row locks in the same order and cannot deadlock.
func writeStats(ctx context.Context, tx *db.Tx, sums map[statDayKey]*statDelta) error {
	keys := make([]statDayKey, 0, len(sums))
	dims := map[statDimKey]*statDelta{}
	months := map[statMonthKey]*statDelta{}
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
		month := k.day[:7]
		for _, mk := range []statMonthKey{{"region", k.regionID, month, 0}, {"unit", k.regionID, month, k.unitID}, {"category", k.regionID, month, k.categoryID}} {
			if x, ok := months[mk]; ok {
				x.add(*d)
			} else {
				x := *d
				months[mk] = &x
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
	err = db.Chunks(len(dkeys), func(from, to int) error {
		args := make([]any, 0, (to-from)*(3+len(statCols)))
		for _, k := range dkeys[from:to] {
			args = append(args, k.dim, k.day, k.id)
			args = append(args, dims[k].values()...)
		}
		_, err := tx.Exec(ctx, statsUpsert("workorder_stats_dim", "dim, day, id", 3, to-from), args...)
		return err
	})
	if err != nil {
		return err
	}
	mkeys := make([]statMonthKey, 0, len(months))
	for k, d := range months {
		if !d.zero() { // a move within the month's row of the same unit or category
			mkeys = append(mkeys, k)
		}
	}
	slices.SortFunc(mkeys, func(a, b statMonthKey) int {
		return cmp.Or(cmp.Compare(a.pair, b.pair), cmp.Compare(a.regionID, b.regionID), cmp.Compare(a.month, b.month), cmp.Compare(a.id, b.id))
	})
	return db.Chunks(len(mkeys), func(from, to int) error {
		args := make([]any, 0, (to-from)*(4+len(statCols)))
		for _, k := range mkeys[from:to] {
			args = append(args, k.pair, k.regionID, k.month, k.id)
			args = append(args, months[k].values()...)
		}
		_, err := tx.Exec(ctx, statsUpsert("workorder_stats_month", "pair, region_id, month, id", 4, to-from), args...)
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

// StatRow is one group's figures for a period: the orders received in the
// period (days in Zone) that the group holds now, each counted at most once
// per figure by where it stands now (cohort.counts has the definitions;
// their texts are the messages workorder.figure.<name>.def): Received,
// Dispatched (held by a unit), AckOnTime, Resolved (the resolution stands)
// and ResolvedOnTime, Returned (waiting for a new dispatch), Reopened (at
// least once), and the first reached callback's result. Every rate's numerator is
// part of its denominator, so none exceeds 100 %. Handling time is from the
// latest dispatch to the resolution. OverdueNow is live.
type StatRow struct {
	ID     int64  `json:"id"` // unit, region or category id; 0: none
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
	// Parent is a region row's parent region ("" for other groups).
	Parent             string `json:"parent,omitempty"`
	ParentEN           string `json:"parent_en,omitempty"`
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

// statsQuery is the SELECT of Stats for one grouping (a group whose
// orders have all moved to other rows sums to 0 and is left out), with the scope's
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
			GROUP BY s.id HAVING SUM(s.received) <> 0 ORDER BY s.id`, args
	}
	where, args := sc.Where("sr.path", "su.path", "")
	return `SELECT s.` + col + `, ` + sums + `
		FROM workorder_stats_daily s
		LEFT JOIN ` + join + ` g ON g.id = s.` + col + `
		LEFT JOIN units su ON su.id = s.unit_id
		LEFT JOIN regions sr ON sr.id = s.region_id
		WHERE s.day >= ? AND s.day <= ? AND ` + where + `
		GROUP BY s.` + col + ` HAVING SUM(s.received) <> 0 ORDER BY s.` + col, args
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
			WHERE ((w.state = ? AND w.ack_due_at < ?) OR (w.state IN (?, ?, ?) AND w.resolve_due_at < ?)) AND w.kind = 'request' AND `+w+`
			GROUP BY COALESCE(w.`+col+`, 0)`, append(qargs, wargs...)...)
		if err != nil {
			return err
		}
		var extra []StatRow // overdue groups without a rollup row in the period
		for orows.Next() {
			var id, n int64
			if err := orows.Scan(&id, &n); err != nil {
				orows.Close()
				return err
			}
			if i, ok := idx[id]; ok {
				out[i].OverdueNow = n
				continue
			}
			extra = append(extra, StatRow{ID: id, OverdueNow: n})
		}
		orows.Close()
		if err := orows.Err(); err != nil {
			return err
		}
		// Their names, once the rows are closed (one connection per
		// transaction on PostgreSQL).
		for _, r := range extra {
			if r.ID != 0 {
				var nm, en sql.NullString
				if err := tx.Get(ctx, "entity.unit", "SELECT name, name_en FROM "+join+" WHERE id = ?", []any{r.ID}, &nm, &en); err != nil {
					return err
				}
				r.Name, r.NameEN = nm.String, en.String
			}
			out = append(out, r)
		}
		slices.SortFunc(out, func(a, b StatRow) int { return cmp.Compare(a.ID, b.ID) })
		if group == ByRegion {
			return regionParents(ctx, tx, out)
		}
		return nil
	})
	return out, err
}

// regionParents names each region row's parent (a street above its grid:
// the many 第一网格 of a city are told apart by it).
func regionParents(ctx context.Context, tx *db.Tx, rows []StatRow) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]any, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	type parent struct{ name, en string }
	byID := map[int64]parent{}
	err := db.Chunks(len(ids), func(from, to int) error {
		q, err := tx.Query(ctx, "SELECT r.id, COALESCE(p.name, ''), COALESCE(p.name_en, '') FROM regions r JOIN regions p ON p.id = r.parent_id WHERE r.id IN ("+
			db.Placeholders(to-from)+")", ids[from:to]...)
		if err != nil {
			return err
		}
		defer q.Close()
		for q.Next() {
			var id int64
			var x parent
			if err := q.Scan(&id, &x.name, &x.en); err != nil {
				return err
			}
			byID[id] = x
		}
		return q.Err()
	})
	for i := range rows {
		if x, ok := byID[rows[i].ID]; ok {
			rows[i].Parent, rows[i].ParentEN = x.name, x.en
		}
	}
	return err
}
