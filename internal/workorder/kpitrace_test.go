package workorder_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// traceFixture runs five orders through a fortnight (see the comments) and
// returns their ids.
func traceFixture(t *testing.T, f *fixture) (o1, o2, o3, o4, o5 int64) {
	t.Helper()
	t0 := f.clk.Now()
	o1, o2, o3 = f.submit(t, "RUBBISH").ID, f.submit(t, "RUBBISH").ID, f.submit(t, "FLYERS").ID
	o4, o5 = f.submit(t, "NOISE").ID, f.submit(t, "RUBBISH").ID
	for _, id := range []int64{o1, o2, o5} {
		f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
	}
	f.act(t, f.disp, o3, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
	f.act(t, f.oper, o4, wo.ActionInput{Action: wo.ActionAnswer, Note: "已解释噪音管理规定"})
	f.clk.Set(t0.Add(time.Hour))
	f.act(t, f.handA, o1, wo.ActionInput{Action: wo.ActionAcknowledge}) // on time
	f.act(t, f.handA, o5, wo.ActionInput{Action: wo.ActionAcknowledge}) // on time
	f.clk.Set(t0.Add(2 * time.Hour))
	f.act(t, f.handB, o3, wo.ActionInput{Action: wo.ActionReturn, Note: "非本辖区"}) // B returned, as flyers
	f.act(t, f.disp, o3, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
	f.clk.Set(t0.Add(3 * time.Hour))
	f.act(t, f.disp, o3, wo.ActionInput{Action: wo.ActionRecategorise, CategoryID: f.cats["RUBBISH"]}) // from now on rubbish
	f.clk.Set(t0.Add(26 * time.Hour))
	f.act(t, f.handA, o2, wo.ActionInput{Action: wo.ActionAcknowledge}) // late (due t0+24h)
	f.act(t, f.handA, o3, wo.ActionInput{Action: wo.ActionAcknowledge}) // on time (due exactly now), as rubbish
	f.clk.Set(t0.Add(27 * time.Hour))
	for _, id := range []int64{o1, o2} { // on time
		f.act(t, f.handA, id, wo.ActionInput{Action: wo.ActionResolve, Note: "已清运"})
		f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionVerify})
	}
	f.act(t, f.oper, o1, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingSatisfied})
	f.act(t, f.oper, o2, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingDissatisfied}) // reopened
	f.clk.Set(t0.Add(28 * time.Hour))
	f.act(t, f.handA, o2, wo.ActionInput{Action: wo.ActionResolve, Note: "再次清运"}) // on time (new deadline)
	f.act(t, f.disp, o2, wo.ActionInput{Action: wo.ActionVerify})
	f.act(t, f.oper, o2, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingUnreachable})
	f.clk.Set(t0.Add(8 * 24 * time.Hour))                                        // Friday 20 Feb
	f.act(t, f.handA, o5, wo.ActionInput{Action: wo.ActionResolve, Note: "已清运"}) // late (due t0+7d)
	f.act(t, f.disp, o5, wo.ActionInput{Action: wo.ActionVerify})
	f.act(t, f.oper, o5, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingBasicallySatisfied})
	f.clk.Set(t0.Add(8*24*time.Hour + time.Hour)) // o3 (due t0+2h+7d, acknowledged) is overdue now
	return
}

// TestEveryFigureTracesToTheOrdersItCounts checks, for a hand-counted
// fortnight, that the orders behind each figure of Stats are exactly those
// counted by hand, by unit (the unit that holds the order now), category
// (the order's now: o3 was recategorised from flyers to rubbish) and
// region, and that for every row and figure the traced list is exactly as
// long as the figure.
func TestEveryFigureTracesToTheOrdersItCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o1, o2, o3, o4, o5 := traceFixture(t, f)
		const from, to = "2026-02-01", "2026-02-28"
		trace := func(p *auth.Principal, fig wo.Figure, g wo.StatsGroup, id int64) []int64 {
			t.Helper()
			var out []int64
			for page := 1; ; page++ {
				rows, more, err := f.svc.List(f.ctx, p, wo.Filter{KPI: &wo.KPITrace{Figure: fig, From: from, To: to, Group: g, ID: id},
					Page: page, Size: 2})
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
		ids := func(xs ...int64) []int64 { slices.Sort(xs); return xs }
		type tc struct {
			g    wo.StatsGroup
			id   int64
			fig  wo.Figure
			want []int64
		}
		rubbish, flyers, noise := f.cats["RUBBISH"], f.cats["FLYERS"], f.cats["NOISE"]
		cases := []tc{
			{wo.ByUnit, 0, wo.FigReceived, ids(o4)},
			{wo.ByUnit, f.unitA, wo.FigReceived, ids(o1, o2, o3, o5)},
			{wo.ByUnit, f.unitA, wo.FigDispatched, ids(o1, o2, o3, o5)},
			{wo.ByUnit, f.unitA, wo.FigAckOnTime, ids(o1, o3, o5)},
			{wo.ByUnit, f.unitA, wo.FigResolved, ids(o1, o2, o5)},
			{wo.ByUnit, f.unitA, wo.FigResolvedOnTime, ids(o1, o2)},
			{wo.ByUnit, f.unitA, wo.FigReopened, ids(o2)},
			{wo.ByUnit, f.unitA, wo.FigCallbacksReached, ids(o1, o2, o5)}, // o2's first callback reached, its latest did not
			{wo.ByUnit, f.unitA, wo.FigSatisfiedOrBasic, ids(o1, o5)},
			{wo.ByUnit, f.unitA, wo.FigDissatisfied, ids(o2)}, // its first reached callback
			{wo.ByUnit, f.unitA, wo.FigReturned, nil},
			{wo.ByUnit, f.unitA, wo.FigOverdueNow, ids(o3)},
			{wo.ByUnit, f.unitB, wo.FigDispatched, nil}, // B returned o3, dispatched again to A
			{wo.ByUnit, f.unitB, wo.FigReturned, nil},
			{wo.ByUnit, f.unitB, wo.FigOverdueNow, nil},
			{wo.ByCategory, flyers, wo.FigReceived, nil},
			{wo.ByCategory, flyers, wo.FigDispatched, nil},
			{wo.ByCategory, rubbish, wo.FigReceived, ids(o1, o2, o3, o5)},
			{wo.ByCategory, rubbish, wo.FigDispatched, ids(o1, o2, o3, o5)},
			{wo.ByCategory, rubbish, wo.FigAckOnTime, ids(o1, o3, o5)},
			{wo.ByCategory, rubbish, wo.FigOverdueNow, ids(o3)},
			{wo.ByCategory, noise, wo.FigReceived, ids(o4)},
			{wo.ByRegion, f.street, wo.FigReceived, ids(o1, o2, o3, o4, o5)},
			{wo.ByRegion, f.street, wo.FigResolvedOnTime, ids(o1, o2)},
			{wo.ByRegion, f.distA, wo.FigReceived, nil}, // exactly the region, like Stats
			{"", 0, wo.FigDispatched, ids(o1, o2, o3, o5)},
			{"", 0, wo.FigReopened, ids(o2)},
		}
		for _, c := range cases {
			if got := trace(f.leader, c.fig, c.g, c.id); !slices.Equal(got, c.want) {
				t.Errorf("%s %d %s: got %v, want %v", c.g, c.id, c.fig, got, c.want)
			}
		}

		// The same period on one day only: Friday 13 Feb holds many steps
		// but received no order, so it counts nothing.
		one := func(fig wo.Figure) []int64 {
			rows, _, err := f.svc.List(f.ctx, f.leader, wo.Filter{KPI: &wo.KPITrace{Figure: fig, From: "2026-02-13", To: "2026-02-13"}})
			must(t, err)
			var out []int64
			for _, o := range rows {
				out = append(out, o.ID)
			}
			return out
		}
		for _, fig := range []wo.Figure{wo.FigReceived, wo.FigDispatched, wo.FigAckOnTime, wo.FigResolved} {
			if got := one(fig); len(got) != 0 {
				t.Errorf("Friday %s: %v", fig, got)
			}
		}

		// Every figure of every row, every grouping: exactly as many orders
		// as the figure counts.
		for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByRegion, wo.ByCategory} {
			rows, err := f.svc.Stats(f.ctx, f.leader, from, to, g)
			must(t, err)
			check := func(gg wo.StatsGroup, r wo.StatRow) {
				for _, fig := range wo.Figures {
					n := fig.Of(r)
					got := trace(f.leader, fig, gg, r.ID)
					if int64(len(got)) != n {
						t.Errorf("%s row %d (%s) %s = %d, traced %v", gg, r.ID, r.Name, fig, n, got)
					}
				}
			}
			for _, r := range rows {
				check(g, r)
			}
			check("", wo.Total(rows))
		}
	})
}

// TestTraceKeepsTheViewersScope: a unit's handler traces only its own
// unit's figures, and a bad trace is refused with field messages.
func TestTraceKeepsTheViewersScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		o1, o2, o3, _, o5 := traceFixture(t, f)
		list := func(p *auth.Principal, k wo.KPITrace) []int64 {
			t.Helper()
			rows, _, err := f.svc.List(f.ctx, p, wo.Filter{KPI: &k})
			must(t, err)
			var out []int64
			for _, o := range rows {
				out = append(out, o.ID)
			}
			slices.Sort(out)
			return out
		}
		all := wo.KPITrace{Figure: wo.FigDispatched, From: "2026-02-01", To: "2026-02-28"}
		want := []int64{o1, o2, o3, o5}
		slices.Sort(want)
		if got := list(f.handA, all); !slices.Equal(got, want) {
			t.Fatalf("unit A's dispatched: %v", got)
		}
		// Received counts the orders the unit holds, in its scope.
		if got := list(f.handA, wo.KPITrace{Figure: wo.FigReceived, From: "2026-02-01", To: "2026-02-28"}); !slices.Equal(got, want) {
			t.Fatalf("unit A's received: %v", got)
		}
		rows, err := f.svc.Stats(f.ctx, f.handA, "2026-02-01", "2026-02-28", wo.ByUnit)
		must(t, err)
		if tot := wo.Total(rows); tot.Received != 4 || tot.Dispatched != 4 {
			t.Fatalf("unit A's totals: %+v", tot)
		}
		// Unit B returned o3, which now lies with unit A: neither B's
		// figures nor its lists hold it.
		if got := list(f.handB, wo.KPITrace{Figure: wo.FigReceived, From: "2026-02-01", To: "2026-02-28"}); len(got) != 0 {
			t.Fatalf("unit B sees an order it no longer holds: %v", got)
		}

		for _, c := range []struct {
			k     wo.KPITrace
			field string
		}{
			{wo.KPITrace{Figure: "speed", From: "2026-02-01", To: "2026-02-28"}, "kpi"},
			{wo.KPITrace{Figure: wo.FigResolved, From: "Feb", To: "2026-02-28"}, "kpi_from"},
			{wo.KPITrace{Figure: wo.FigResolved, From: "2026-02-28", To: "2026-02-01"}, "kpi_to"},
			{wo.KPITrace{Figure: wo.FigResolved, From: "2026-02-01", To: "2026-02-28", Group: "district"}, "kpi_group"},
		} {
			_, _, err := f.svc.List(f.ctx, f.leader, wo.Filter{KPI: &c.k})
			wantCode(t, err, errs.Invalid)
			if e := errs.As(err); e == nil || e.Fields[c.field].Key == "" {
				t.Errorf("%+v: %v, want a message for %s", c.k, err, c.field)
			}
		}
	})
}
