package workorder_test

import (
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// TestStatsMatchAHandCountedDay runs four orders received on one day
// through two days and checks every figure against a count made by hand
// (see the comments): each order counts once, on the day it was received,
// with the unit that holds it now, by where it stands now.
func TestStatsMatchAHandCountedDay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		t0 := f.clk.Now()
		o1, o2 := f.submit(t, "RUBBISH"), f.submit(t, "RUBBISH")
		o3, o4 := f.submit(t, "FLYERS"), f.submit(t, "NOISE")
		f.act(t, f.disp, o1.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.disp, o2.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.disp, o3.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
		f.act(t, f.oper, o4.ID, wo.ActionInput{Action: wo.ActionAnswer, Note: "已解释噪音管理规定"})
		f.clk.Set(t0.Add(time.Hour))
		f.act(t, f.handA, o1.ID, wo.ActionInput{Action: wo.ActionAcknowledge}) // on time
		f.clk.Set(t0.Add(2 * time.Hour))
		f.act(t, f.handB, o3.ID, wo.ActionInput{Action: wo.ActionReturn, Note: "非本辖区"}) // B returned 1
		f.act(t, f.disp, o3.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.clk.Set(t0.Add(26 * time.Hour))                                      // Friday 13 Feb 11:00
		f.act(t, f.handA, o2.ID, wo.ActionInput{Action: wo.ActionAcknowledge}) // late (due t0+24h)
		f.act(t, f.handA, o3.ID, wo.ActionInput{Action: wo.ActionAcknowledge}) // on time (due exactly now)
		f.clk.Set(t0.Add(27 * time.Hour))
		for _, id := range []int64{o1.ID, o2.ID} { // resolved on time after 27 h each
			f.act(t, f.handA, id, wo.ActionInput{Action: wo.ActionResolve, Note: "已清运"})
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionVerify})
		}
		f.act(t, f.oper, o1.ID, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingSatisfied})
		f.act(t, f.oper, o2.ID, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingDissatisfied}) // reopened
		f.clk.Set(t0.Add(28 * time.Hour))
		f.act(t, f.handA, o2.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "再次清运"}) // 28 h after dispatch
		f.act(t, f.disp, o2.ID, wo.ActionInput{Action: wo.ActionVerify})
		f.act(t, f.oper, o2.ID, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingUnreachable}) // not reached
		f.clk.Set(t0.Add(8 * 24 * time.Hour))                                                            // o3 (due t0+2h+7d) is overdue now

		rows, err := f.svc.Stats(f.ctx, f.leader, "2026-02-12", "2026-02-13", wo.ByUnit)
		must(t, err)
		byID := map[int64]wo.StatRow{}
		for _, r := range rows {
			byID[r.ID] = r
		}
		if len(rows) != 2 { // B returned o3, which is A's now
			t.Fatalf("%d groups: %+v", len(rows), rows)
		}
		if r := byID[0]; r.Received != 1 || r.Dispatched != 0 { // o4, answered at intake
			t.Fatalf("no unit: %+v", r)
		}
		// No callback reached and nothing dispatched: the rates have no
		// value (they were 0 here while the API said null).
		if r := byID[0]; r.SatisfactionRate.Ptr() != nil || r.ResolutionRate.Ptr() != nil {
			t.Fatalf("no unit: rates without a base have a value: %+v", r)
		}
		a := byID[f.unitA]
		// o1 and o2 resolved (o2 the second time, 28 h after dispatch), o3
		// acknowledged only; o2's first reached callback was dissatisfied (its
		// latest, after the redo, did not reach the citizen).
		want := wo.StatRow{ID: f.unitA, Name: "市城市管理局", Received: 3, Dispatched: 3, AckOnTime: 2, Resolved: 2, ResolvedOnTime: 2,
			Reopened: 1, CallbacksReached: 2, Satisfied: 1, Dissatisfied: 1, ResolutionRate: figures.Of(2, 3), OnTimeRate: figures.Of(2, 2),
			AckOnTimeRate: figures.Of(2, 3), SatisfactionRate: figures.Of(1, 2), AvgHandling: (27 + 28) * time.Hour / 2, OverdueNow: 1,
			HandlingMS: ((27 + 28) * time.Hour).Milliseconds(), HandlingCount: 2}
		a.NameEN = ""
		if a != want {
			t.Fatalf("unit A:\n got %+v\nwant %+v", a, want)
		}

		// One day only: nothing was received on Friday, though it holds most
		// steps; only the live overdue count remains.
		rows, err = f.svc.Stats(f.ctx, f.leader, "2026-02-13", "2026-02-13", wo.ByUnit)
		must(t, err)
		for _, r := range rows {
			if r.Received != 0 || r.Dispatched != 0 || r.Resolved != 0 || (r.ID == f.unitA) != (r.OverdueNow == 1) {
				t.Fatalf("Friday: %+v", r)
			}
		}

		rows, err = f.svc.Stats(f.ctx, f.leader, "2026-02-01", "2026-02-28", wo.ByCategory)
		must(t, err)
		got := map[int64]wo.StatRow{}
		for _, r := range rows {
			got[r.ID] = r
		}
		if r := got[f.cats["RUBBISH"]]; r.Received != 2 || r.Dispatched != 2 || r.Resolved != 2 || r.Name != "垃圾乱堆" {
			t.Fatalf("rubbish: %+v", r)
		}
		if r := got[f.cats["FLYERS"]]; r.Received != 1 || r.Dispatched != 1 || r.Returned != 0 || r.OverdueNow != 1 {
			t.Fatalf("flyers: %+v", r)
		}
		if r := got[f.cats["NOISE"]]; r.Received != 1 || r.Dispatched != 0 {
			t.Fatalf("noise: %+v", r)
		}

		rows, err = f.svc.Stats(f.ctx, f.leader, "2026-02-01", "2026-02-28", wo.ByRegion)
		must(t, err)
		if len(rows) != 1 || rows[0].ID != f.street || rows[0].Received != 4 || rows[0].Dispatched != 3 || rows[0].Returned != 0 {
			t.Fatalf("by region: %+v", rows)
		}
		if rows[0].Parent != "A" {
			t.Errorf("the street's row names district A above it: %q", rows[0].Parent)
		}

		// A unit handler sees only its own unit's figures.
		rows, err = f.svc.Stats(f.ctx, f.handA, "2026-02-01", "2026-02-28", wo.ByUnit)
		must(t, err)
		if len(rows) != 1 || rows[0].ID != f.unitA {
			t.Fatalf("handler's stats: %+v", rows)
		}
		_, err = f.svc.Stats(f.ctx, f.leader, "2026-02-01", "2026-02-28", "district")
		wantCode(t, err, errs.Invalid)
		_, err = f.svc.Stats(f.ctx, f.leader, "Feb", "2026-02-28", wo.ByUnit)
		wantCode(t, err, errs.Invalid)
	})
}

// TestStatsSameFromEitherRollup runs orders of three categories through
// two units and two districts, some through the batcher, and proves that
// every grouping gives the same figures from workorder_stats_dim as from
// workorder_stats_daily, for callers who see everything, a unit subtree, a
// single unit, a district, and a mix of a district and a unit.
func TestStatsSameFromEitherRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		f.svc.Batch = wo.NewBatcher(f.svc, time.Millisecond, 8)
		f.svc.Batch.Start()
		defer f.svc.Batch.Stop()
		f.svc.ReportLimit = wo.ReportLimit{Reports: -1}
		t0 := f.clk.Now()
		var ids []int64
		for i, cat := range []string{"RUBBISH", "FLYERS", "NOISE", "RUBBISH", "FLYERS", "RUBBISH"} {
			region := f.street
			if i%2 == 1 {
				region = f.distB
			}
			in := f.citizenReport(i)
			in.CategoryID, in.RegionID = f.cats[cat], region
			s, err := f.svc.SubmitPublic(f.ctx, wo.PublicReport{SubmitInput: in})
			must(t, err)
			ids = append(ids, s.ID)
		}
		units := []int64{f.unitA, f.unitB, f.squadA, f.unitA, f.unitB, f.unitA}
		for i, id := range ids {
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionAccept})
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionDispatch, UnitID: units[i]})
		}
		f.clk.Set(t0.Add(30 * time.Hour))
		for i, id := range ids[:4] {
			h := f.handA
			if units[i] == f.unitB {
				h = f.handB
			}
			f.act(t, h, id, wo.ActionInput{Action: wo.ActionAcknowledge})
			f.act(t, h, id, wo.ActionInput{Action: wo.ActionResolve, Note: "已处理"})
			f.act(t, f.disp, id, wo.ActionInput{Action: wo.ActionVerify})
			rating := wo.RatingSatisfied
			if i == 1 {
				rating = wo.RatingDissatisfied
			}
			f.act(t, f.oper, id, wo.ActionInput{Action: wo.ActionCallback, Rating: rating})
		}
		f.clk.Set(t0.Add(10 * 24 * time.Hour))

		squad := f.user(t, "squad", f.squadA, auth.Scope{UnitExact: []string{f.unitPath(t, f.squadA)}}, auth.PermOrderView)
		distB := f.user(t, "chiefB", 0, auth.Scope{RegionPaths: []string{f.regionPath(t, f.distB)}}, auth.PermOrderView)
		mix := f.user(t, "mix", 0, auth.Scope{RegionPaths: []string{f.regionPath(t, f.distB)},
			UnitPaths: []string{f.unitPath(t, f.unitA)}}, auth.PermOrderView)
		for _, p := range []*auth.Principal{f.leader, f.handA, squad, distB, mix} {
			for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByRegion, wo.ByCategory} {
				f.svc.SetStatsFromDaily(false)
				got, err := f.svc.Stats(f.ctx, p, "2026-02-01", "2026-02-28", g)
				must(t, err)
				f.svc.SetStatsFromDaily(true)
				want, err := f.svc.Stats(f.ctx, p, "2026-02-01", "2026-02-28", g)
				must(t, err)
				if !slices.Equal(got, want) {
					t.Errorf("%s by %s:\n dim   %+v\n daily %+v", p.Username, g, got, want)
				}
				if p == f.leader && len(want) < 2 {
					t.Errorf("leader by %s: only %d groups: %+v", g, len(want), want)
				}
			}
		}
	})
}
