package workorder_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// cohortOrders are the orders of cohortScenario.
type cohortOrders struct{ o1, o2, o3, o4, o5, o6, o7 int64 }

// cohortScenario drives seven orders of two channels, two regions and
// three categories over six days (Thursday 12 to Tuesday 17 Feb) through
// dispatch, reassign, return and dispatch again, recategorise, resolve,
// refuse, callbacks (dissatisfied, satisfied, unreachable, basically
// satisfied), a merge and an answer at intake. Under the old counting (each
// step on its day, against the unit then) unit B resolved o2 twice and a
// day's resolutions had no dispatch of that day behind them, and every
// unit received nothing.
func cohortScenario(t *testing.T, f *fixture) cohortOrders {
	t.Helper()
	t0 := f.clk.Now()
	day := func(n int, h time.Duration) { f.clk.Set(t0.Add(time.Duration(n)*24*time.Hour + h)) }
	submit := func(cat string, region int64, ch wo.Channel) int64 {
		t.Helper()
		lat, lng := 29.56, 103.76
		s, err := f.svc.Submit(f.ctx, nil, wo.SubmitInput{Channel: ch, CategoryID: f.cats[cat],
			Description: "人行道上有流动摊贩占道经营，行人无法通过", Address: "嘉定北路 12 号", Lat: &lat, Lng: &lng,
			RegionID: region, ReporterName: "王女士", ReporterPhone: "13800138000"})
		must(t, err)
		return s.ID
	}
	act := func(p *auth.Principal, id int64, a wo.Action, more ...func(*wo.ActionInput)) {
		t.Helper()
		in := wo.ActionInput{Action: a, Note: "说明"}
		for _, m := range more {
			m(&in)
		}
		f.act(t, p, id, in)
	}
	unit := func(u int64) func(*wo.ActionInput) { return func(in *wo.ActionInput) { in.UnitID = u } }
	rating := func(r wo.Rating) func(*wo.ActionInput) { return func(in *wo.ActionInput) { in.Rating = r } }
	var o cohortOrders

	// Day 0.
	o.o1 = submit("RUBBISH", f.street, wo.ChannelSnap)
	o.o2 = submit("FLYERS", f.distB, wo.ChannelWeb)
	o.o3 = submit("RUBBISH", f.street, wo.ChannelWeb)
	act(f.disp, o.o1, wo.ActionDispatch, unit(f.unitA))
	act(f.disp, o.o2, wo.ActionDispatch, unit(f.unitA))
	act(f.disp, o.o3, wo.ActionDispatch, unit(f.unitB))
	day(0, time.Hour)
	act(f.handA, o.o1, wo.ActionAcknowledge)
	act(f.disp, o.o2, wo.ActionReassign, unit(f.unitB))
	act(f.handB, o.o3, wo.ActionReturn)

	// Day 1.
	day(1, 2*time.Hour)
	act(f.handA, o.o1, wo.ActionResolve)
	act(f.disp, o.o1, wo.ActionVerify)
	act(f.oper, o.o1, wo.ActionCallback, rating(wo.RatingDissatisfied)) // reopened
	act(f.handB, o.o2, wo.ActionAcknowledge)
	act(f.handB, o.o2, wo.ActionResolve)
	act(f.disp, o.o2, wo.ActionRefuse) // reopened
	act(f.disp, o.o3, wo.ActionDispatch, unit(f.unitA))
	act(f.disp, o.o3, wo.ActionRecategorise, func(in *wo.ActionInput) { in.CategoryID = f.cats["FLYERS"] })
	o.o4 = submit("NOISE", f.distB, wo.ChannelSnap)
	act(f.disp, o.o4, wo.ActionDispatch, unit(f.squadA))

	// Day 2.
	day(2, 3*time.Hour)
	act(f.handA, o.o1, wo.ActionResolve)
	act(f.disp, o.o1, wo.ActionVerify)
	act(f.oper, o.o1, wo.ActionCallback, rating(wo.RatingSatisfied))
	act(f.oper, o.o1, wo.ActionClose)
	act(f.handB, o.o2, wo.ActionResolve)
	act(f.disp, o.o2, wo.ActionVerify)
	act(f.oper, o.o2, wo.ActionCallback, rating(wo.RatingUnreachable))
	act(f.handA, o.o3, wo.ActionAcknowledge) // late: 25 h after dispatch
	act(f.handA, o.o3, wo.ActionResolve)
	act(f.disp, o.o3, wo.ActionVerify)
	act(f.oper, o.o3, wo.ActionCallback, rating(wo.RatingBasicallySatisfied))
	act(f.disp, o.o4, wo.ActionReassign, unit(f.unitA))
	act(f.handA, o.o4, wo.ActionAcknowledge)
	act(f.handA, o.o4, wo.ActionResolve)
	act(f.disp, o.o4, wo.ActionRefuse)
	act(f.disp, o.o4, wo.ActionReassign, unit(f.unitB)) // from reopened

	// Day 3.
	day(3, 4*time.Hour)
	act(f.handB, o.o4, wo.ActionAcknowledge)
	act(f.handB, o.o4, wo.ActionResolve)
	act(f.disp, o.o4, wo.ActionVerify)
	o.o5 = submit("NOISE", f.street, wo.ChannelWeb)
	act(f.oper, o.o5, wo.ActionAnswer)
	o.o6 = submit("FLYERS", f.distB, wo.ChannelSnap)
	act(f.disp, o.o6, wo.ActionDispatch, unit(f.unitA))
	act(f.disp, o.o6, wo.ActionMerge, func(in *wo.ActionInput) { in.ParentID = o.o4 })

	// Day 5: one still with its unit.
	day(5, 5*time.Hour)
	o.o7 = submit("RUBBISH", f.street, wo.ChannelSnap)
	act(f.disp, o.o7, wo.ActionDispatch, unit(f.unitA))
	act(f.handA, o.o7, wo.ActionAcknowledge)
	day(5, 6*time.Hour)
	return o
}

// cohortPeriods are every single day of the scenario, a few spans and the
// whole month.
var cohortPeriods = [][2]string{
	{"2026-02-12", "2026-02-12"}, {"2026-02-13", "2026-02-13"}, {"2026-02-14", "2026-02-14"},
	{"2026-02-15", "2026-02-15"}, {"2026-02-16", "2026-02-16"}, {"2026-02-17", "2026-02-17"},
	{"2026-02-12", "2026-02-13"}, {"2026-02-13", "2026-02-15"}, {"2026-02-14", "2026-02-17"},
	{"2026-02-01", "2026-02-28"},
}

// rateProblems lists the rates of r whose numerator exceeds their
// denominator, and counts out of order (resolved above dispatched above
// received, callbacks above received, anything negative).
func rateProblems(r wo.StatRow) []string {
	var out []string
	for name, x := range map[string]figures.Rate{"resolution": r.ResolutionRate, "on time": r.OnTimeRate,
		"acknowledged on time": r.AckOnTimeRate, "satisfaction": r.SatisfactionRate} {
		if x.Numerator > x.Denominator || x.Numerator < 0 {
			out = append(out, fmt.Sprintf("%s %s", name, x.Fraction()))
		}
		if v, ok := x.Value(); ok && v > 1 {
			out = append(out, fmt.Sprintf("%s %s", name, x.Percent("")))
		}
	}
	if r.Dispatched > r.Received || r.CallbacksReached > r.Received || r.Reopened > r.Received || r.Returned > r.Received ||
		r.HandlingCount != r.Resolved || r.Received < 0 {
		out = append(out, fmt.Sprintf("counts %+v", r))
	}
	return out
}

// TestNoRateExceeds100PercentForAnyFilterAndUnitsReceiveOrders runs the
// scenario and checks, for every period, every grouping (unit, region,
// category), their totals, from either rollup and for a unit's own scope,
// that no rate's numerator exceeds its denominator; that every single row
// of both rollup tables obeys the same (so any other filter, such as
// channel, which only selects rows, does too); that received per unit
// counts the orders each unit holds; and a few hand-counted figures.
func TestNoRateExceeds100PercentForAnyFilterAndUnitsReceiveOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := cohortScenario(t, f)
		for _, daily := range []bool{false, true} {
			f.svc.SetStatsFromDaily(daily)
			for _, p := range []*auth.Principal{f.leader, f.handA, f.handB} {
				for _, per := range cohortPeriods {
					for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByRegion, wo.ByCategory} {
						rows, err := f.svc.Stats(f.ctx, p, per[0], per[1], g)
						must(t, err)
						for _, r := range append(rows, wo.Total(rows)) {
							if bad := rateProblems(r); len(bad) > 0 {
								t.Errorf("%s %v by %s, row %d (daily %v): %v", p.Username, per, g, r.ID, daily, bad)
							}
						}
					}
				}
			}
		}
		f.svc.SetStatsFromDaily(false)

		// Every row of both tables, and the channel sums per day.
		for _, q := range []string{
			`SELECT COUNT(*) FROM workorder_stats_daily WHERE resolved > dispatched OR resolved_on_time > resolved
				OR acknowledged_on_time > dispatched OR satisfied + basically_satisfied > callbacks_reached
				OR dispatched > received OR received < 0 OR resolved_on_time < 0 OR acknowledged_on_time < 0
				OR satisfied < 0 OR basically_satisfied < 0 OR dissatisfied < 0 OR returned < 0 OR reopened < 0`,
			`SELECT COUNT(*) FROM workorder_stats_dim WHERE resolved > dispatched OR resolved_on_time > resolved
				OR acknowledged_on_time > dispatched OR satisfied + basically_satisfied > callbacks_reached
				OR dispatched > received OR received < 0 OR resolved_on_time < 0 OR acknowledged_on_time < 0
				OR satisfied < 0 OR basically_satisfied < 0 OR dissatisfied < 0 OR returned < 0 OR reopened < 0`,
			`SELECT COUNT(*) FROM workorder_stats_month WHERE resolved > dispatched OR resolved_on_time > resolved
				OR acknowledged_on_time > dispatched OR satisfied + basically_satisfied > callbacks_reached
				OR dispatched > received OR received < 0 OR resolved_on_time < 0 OR acknowledged_on_time < 0
				OR satisfied < 0 OR basically_satisfied < 0 OR dissatisfied < 0 OR returned < 0 OR reopened < 0`,
			`SELECT COUNT(*) FROM (SELECT day, channel, SUM(resolved) AS r, SUM(dispatched) AS d
				FROM workorder_stats_daily GROUP BY day, channel) x WHERE r > d`,
		} {
			if n := f.count(t, q); n != 0 {
				t.Errorf("%d rows break a rate: %s", n, q)
			}
		}

		// Received per unit: the orders received in the period that the
		// unit holds now; nothing is lost or counted twice.
		rows, err := f.svc.Stats(f.ctx, f.leader, "2026-02-01", "2026-02-28", wo.ByUnit)
		must(t, err)
		by := map[int64]wo.StatRow{}
		for _, r := range rows {
			by[r.ID] = r
		}
		if tot := wo.Total(rows); tot.Received != 7 {
			t.Errorf("received in total %d, want 7", tot.Received)
		}
		// A holds o1, o3, o7 and the merged o6; B holds o2 and o4; o5 was
		// answered at intake. o1's first reached callback was dissatisfied:
		// satisfied after the redo, it still counts as dissatisfied.
		a, b, none := by[f.unitA], by[f.unitB], by[0]
		if a.Received != 4 || a.Dispatched != 3 || a.Resolved != 2 || a.ResolutionRate != figures.Of(2, 3) ||
			a.Reopened != 1 || a.CallbacksReached != 2 || a.Dissatisfied != 1 || a.SatisfactionRate != figures.Of(1, 2) {
			t.Errorf("unit A: %+v", a)
		}
		if b.Received != 2 || b.Dispatched != 2 || b.Resolved != 2 || b.Reopened != 2 || b.CallbacksReached != 0 ||
			b.SatisfactionRate.Ptr() != nil {
			t.Errorf("unit B: %+v", b)
		}
		if none.Received != 1 || none.Dispatched != 0 {
			t.Errorf("no unit: %+v", none)
		}
		if _, ok := by[f.squadA]; ok {
			t.Errorf("the squad still counts o4 after it was reassigned: %+v", by[f.squadA])
		}
		// A unit's handler sees its unit's received orders.
		rows, err = f.svc.Stats(f.ctx, f.handB, "2026-02-01", "2026-02-28", wo.ByUnit)
		must(t, err)
		if tot := wo.Total(rows); tot.Received != 2 || tot.Resolved != 2 {
			t.Errorf("unit B's own figures: %+v", tot)
		}
		// The period is the day received: Friday holds o4 only.
		rows, err = f.svc.Stats(f.ctx, f.leader, "2026-02-13", "2026-02-13", wo.ByUnit)
		must(t, err)
		if tot := wo.Total(rows); tot.Received != 1 || tot.Dispatched != 1 || tot.Resolved != 1 {
			t.Errorf("Friday: %+v", tot)
		}
		_ = o
	})
}

// TestRollupEqualsARecountOfTheOrders proves that the rollups written step
// by step hold exactly what RebuildStats recounts from the orders: every
// step moved its order's counts from where they were to where they are.
func TestRollupEqualsARecountOfTheOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cohortScenario(t, f)
		snap := func() []string {
			var out []string
			must(t, d.Read(f.ctx, func(tx *db.Tx) error {
				for _, q := range []string{
					`SELECT day || ' ' || unit_id || ' ' || region_id || ' ' || category_id || ' ' || channel || ': ' ||
						received || ' ' || dispatched || ' ' || acknowledged_on_time || ' ' || resolved || ' ' ||
						resolved_on_time || ' ' || returned || ' ' || reopened || ' ' || callbacks_reached || ' ' ||
						satisfied || ' ' || basically_satisfied || ' ' || dissatisfied || ' ' || handling_ms_sum || ' ' ||
						handling_count FROM workorder_stats_daily WHERE received <> 0`,
					`SELECT dim || ' ' || day || ' ' || id || ': ' || received || ' ' || dispatched || ' ' ||
						acknowledged_on_time || ' ' || resolved || ' ' || resolved_on_time || ' ' || returned || ' ' ||
						reopened || ' ' || callbacks_reached || ' ' || satisfied || ' ' || basically_satisfied || ' ' ||
						dissatisfied || ' ' || handling_ms_sum || ' ' || handling_count FROM workorder_stats_dim WHERE received <> 0`,
					`SELECT pair || ' ' || region_id || ' ' || month || ' ' || id || ': ' || received || ' ' || dispatched || ' ' ||
						acknowledged_on_time || ' ' || resolved || ' ' || resolved_on_time || ' ' || returned || ' ' ||
						reopened || ' ' || callbacks_reached || ' ' || satisfied || ' ' || basically_satisfied || ' ' ||
						dissatisfied || ' ' || handling_ms_sum || ' ' || handling_count FROM workorder_stats_month WHERE received <> 0`,
				} {
					rows, err := tx.Query(f.ctx, q)
					if err != nil {
						return err
					}
					for rows.Next() {
						var s string
						if err := rows.Scan(&s); err != nil {
							rows.Close()
							return err
						}
						out = append(out, s)
					}
					rows.Close()
					if err := rows.Err(); err != nil {
						return err
					}
				}
				return nil
			}))
			slices.Sort(out)
			return out
		}
		// Rows an order has left hold zeros only.
		if n := f.count(t, `SELECT COUNT(*) FROM workorder_stats_daily WHERE received = 0 AND (dispatched <> 0 OR resolved <> 0
			OR callbacks_reached <> 0 OR reopened <> 0 OR returned <> 0 OR handling_ms_sum <> 0)`); n != 0 {
			t.Errorf("%d empty rows with counts", n)
		}
		before := snap()
		if len(before) < 5 {
			t.Fatalf("rollup rows: %v", before)
		}
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(f.ctx, "INSERT INTO stats_rebuild (name) VALUES ('workorder')")
			return err
		}))
		n, err := f.svc.RebuildStats(f.ctx)
		must(t, err)
		if n != 7 {
			t.Errorf("RebuildStats counted %d orders, want 7", n)
		}
		if after := snap(); !slices.Equal(before, after) {
			t.Errorf("rollup step by step:\n%v\nrecounted:\n%v", before, after)
		}
		if n, err := f.svc.RebuildStats(f.ctx); err != nil || n != 0 {
			t.Errorf("second RebuildStats: %d, %v (want nothing asked)", n, err)
		}
	})
}

// TestTraceListsExactlyTheCountedOrders runs the scenario and, for every
// period, grouping, row (and the totals), figure and viewer, checks that the
// traced list holds exactly as many orders as the figure counts (each order
// is counted at most once per figure), and a few lists by hand.
func TestTraceListsExactlyTheCountedOrders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o := cohortScenario(t, f)
		trace := func(p *auth.Principal, k wo.KPITrace) []int64 {
			t.Helper()
			var out []int64
			for page := 1; ; page++ {
				rows, more, err := f.svc.List(f.ctx, p, wo.Filter{KPI: &k, Page: page, Size: 50})
				must(t, err)
				for _, o := range rows {
					out = append(out, o.ID)
				}
				if !more {
					break
				}
			}
			slices.Sort(out)
			return out
		}
		for _, p := range []*auth.Principal{f.leader, f.handA} {
			for _, per := range cohortPeriods {
				for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByRegion, wo.ByCategory} {
					rows, err := f.svc.Stats(f.ctx, p, per[0], per[1], g)
					must(t, err)
					check := func(gg wo.StatsGroup, r wo.StatRow) {
						for _, fig := range wo.Figures {
							got := trace(p, wo.KPITrace{Figure: fig, From: per[0], To: per[1], Group: gg, ID: r.ID})
							if int64(len(got)) != fig.Of(r) {
								t.Errorf("%s %v %s row %d %s = %d, traced %v", p.Username, per, gg, r.ID, fig, fig.Of(r), got)
							}
						}
					}
					for _, r := range rows {
						check(g, r)
					}
					if g == wo.ByUnit {
						check("", wo.Total(rows))
					}
				}
			}
		}
		ids := func(xs ...int64) []int64 { slices.Sort(xs); return xs }
		const from, to = "2026-02-01", "2026-02-28"
		for _, c := range []struct {
			g    wo.StatsGroup
			id   int64
			fig  wo.Figure
			want []int64
		}{
			{wo.ByUnit, f.unitA, wo.FigReceived, ids(o.o1, o.o3, o.o6, o.o7)},
			{wo.ByUnit, f.unitA, wo.FigDispatched, ids(o.o1, o.o3, o.o7)},
			{wo.ByUnit, f.unitA, wo.FigResolved, ids(o.o1, o.o3)},
			{wo.ByUnit, f.unitA, wo.FigAckOnTime, ids(o.o1, o.o7)},
			{wo.ByUnit, f.unitB, wo.FigResolved, ids(o.o2, o.o4)},
			{wo.ByUnit, f.unitB, wo.FigReopened, ids(o.o2, o.o4)},
			{wo.ByUnit, 0, wo.FigReceived, ids(o.o5)},
			{wo.ByCategory, f.cats["FLYERS"], wo.FigReceived, ids(o.o2, o.o3, o.o6)},
			{wo.ByRegion, f.distB, wo.FigDispatched, ids(o.o2, o.o4)},
			{"", 0, wo.FigCallbacksReached, ids(o.o1, o.o3)},
			{"", 0, wo.FigSatisfiedOrBasic, ids(o.o3)},
			{"", 0, wo.FigDissatisfied, ids(o.o1)}, // dissatisfied, then satisfied after the redo
		} {
			if got := trace(f.leader, wo.KPITrace{Figure: c.fig, From: from, To: to, Group: c.g, ID: c.id}); !slices.Equal(got, c.want) {
				t.Errorf("%s %d %s: %v, want %v", c.g, c.id, c.fig, got, c.want)
			}
		}
	})
}

// TestWorkOrderFiguresAreRegisteredWithDefinitions checks that every count
// of Stats and every rate is in the figures registry with a name and a
// definition in both languages, and that computing one through the registry
// gives the figure of Stats for the same period, unit subtree and region.
func TestWorkOrderFiguresAreRegisteredWithDefinitions(t *testing.T) {
	names := []string{}
	for _, f := range wo.Figures {
		names = append(names, string(f))
	}
	names = append(names, wo.RateFigures...)
	for _, n := range names {
		fig, ok := figures.Get(wo.FigureID(n))
		if !ok {
			t.Errorf("%s not registered", n)
			continue
		}
		for _, k := range []string{fig.LabelKey, fig.DefKey} {
			for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
				if !slices.Contains(i18n.Keys(l), k) {
					t.Errorf("%s: no %s text for %s", n, l, k)
				}
			}
		}
	}
	for _, k := range []string{wo.Figure(wo.FigAvgHandling).LabelKey(), wo.Figure(wo.FigAvgHandling).DefKey()} {
		if !i18n.Has(k) {
			t.Errorf("no text for %s", k)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		cohortScenario(t, f)
		ctx := f.svc.FiguresContext(f.ctx)
		get := func(id string, sc figures.Scope) figures.Value {
			t.Helper()
			fig, _ := figures.Get(wo.FigureID(id))
			v, err := fig.Compute(ctx, f.leader, sc)
			must(t, err)
			return v
		}
		month := figures.Scope{From: "2026-02-01", To: "2026-02-28"}
		unitA := month
		unitA.UnitID = f.unitA // with its squad
		distB := month
		distB.RegionID = f.distB
		if v := get(wo.FigResolutionRate, unitA); v.Rate == nil || *v.Rate != figures.Of(2, 3) {
			t.Errorf("unit A's resolution rate: %+v", v)
		}
		if v := get(string(wo.FigReceived), month); v.Count != 7 || v.Rate != nil {
			t.Errorf("received: %+v", v)
		}
		if v := get(string(wo.FigDispatched), distB); v.Count != 2 { // o2 and o4
			t.Errorf("district B dispatched: %+v", v)
		}
		if v := get(string(wo.FigOverdueNow), unitA); v.Count != 0 {
			t.Errorf("unit A overdue now: %+v", v)
		}
		// Every figure equals the totals of Stats for the whole month.
		rows, err := f.svc.Stats(f.ctx, f.leader, month.From, month.To, wo.ByUnit)
		must(t, err)
		tot := wo.Total(rows)
		for _, fg := range wo.Figures {
			if v := get(string(fg), month); v.Count != fg.Of(tot) {
				t.Errorf("%s: registry %d, Stats %d", fg, v.Count, fg.Of(tot))
			}
		}
		if v := get(wo.FigSatisfactionRate, month); *v.Rate != tot.SatisfactionRate {
			t.Errorf("satisfaction: registry %+v, Stats %+v", v.Rate, tot.SatisfactionRate)
		}
		fig, _ := figures.Get(wo.FigureID(wo.FigResolutionRate))
		if _, err := fig.Compute(f.ctx, f.leader, month); err == nil {
			t.Error("computed without a service")
		}
	})
}
