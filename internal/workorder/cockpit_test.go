package workorder_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// TestCockpitSameFromEitherRollup: the cockpit's totals, months and region
// ranking read from the narrow rollup equal those from the wide one, for
// every kind of scope and region filter; the ranking's regions sum to the
// totals, and the months to the period.
func TestCockpitSameFromEitherRollup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		t0 := f.clk.Now()
		var ids []int64
		for i := range 6 {
			region := f.street
			if i%2 == 1 {
				region = f.distB
			}
			in := f.citizenReport(i)
			in.CategoryID, in.RegionID = f.cats[[]string{"RUBBISH", "FLYERS", "NOISE"}[i%3]], region
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
		distB := f.user(t, "chiefB", 0, auth.Scope{RegionPaths: []string{f.regionPath(t, f.distB)}}, auth.PermDashboardView)
		from, to := "2026-01-01", "2026-03-31"
		for _, p := range []*auth.Principal{f.leader, f.handA, distB} {
			for _, region := range []int64{0, f.city, f.distA, f.distB, f.street} {
				sc := figures.Scope{From: from, To: to, RegionID: region}
				var in [2][]wo.StatRow // StatsIn's rows from the monthly rollup, from the daily one
				read := func(daily bool) (wo.StatRow, []wo.MonthRow, []wo.StatRow, error) {
					f.svc.SetStatsFromDaily(daily)
					tot, err := f.svc.FigureTotals(f.ctx, p, sc)
					if err != nil {
						return tot, nil, nil, err
					}
					months, err := f.svc.Monthly(f.ctx, p, sc)
					must(t, err)
					rv, err := f.svc.CockpitRegion(f.ctx, p, region)
					must(t, err)
					rank, err := f.svc.RegionRanking(f.ctx, p, sc, rv.Children)
					must(t, err)
					// Per unit and category, over whole months (the
					// monthly rollup), part months (its edge days from the
					// daily one) and days within one month.
					for _, per := range [][2]string{{from, to}, {"2026-02-01", "2026-02-28"}, {"2026-01-20", "2026-03-05"},
						{"2026-02-12", "2026-02-12"}, {"2026-02-01", "2026-02-13"}, {"2026-01-31", "2026-02-28"}} {
						for _, g := range []wo.StatsGroup{wo.ByUnit, wo.ByCategory} {
							rows, err := f.svc.StatsIn(f.ctx, p, figures.Scope{From: per[0], To: per[1], RegionID: region}, g)
							must(t, err)
							i := 0
							if daily {
								i = 1
							}
							in[i] = append(append(in[i], wo.StatRow{Name: fmt.Sprint(per, g)}), rows...)
						}
						ms, err := f.svc.Monthly(f.ctx, p, figures.Scope{From: per[0], To: per[1], RegionID: region})
						must(t, err)
						for _, m := range ms {
							i := 0
							if daily {
								i = 1
							}
							in[i] = append(in[i], wo.StatRow{Name: fmt.Sprint(per, m.Month)}, m.StatRow)
						}
					}
					return tot, months, rank, nil
				}
				if p == distB && region != 0 && region != f.distB {
					// Outside the chief's region: nothing of A is counted.
					tot, err := f.svc.FigureTotals(f.ctx, p, sc)
					must(t, err)
					if region != f.city && tot.Received != 0 {
						t.Errorf("chief B sees region %d: %+v", region, tot)
					}
					continue
				}
				tot, months, rank, err := read(false)
				must(t, err)
				tot2, months2, rank2, err := read(true)
				must(t, err)
				if !reflect.DeepEqual(tot, tot2) || !reflect.DeepEqual(months, months2) || !reflect.DeepEqual(rank, rank2) {
					t.Errorf("%s region %d: dim and daily differ:\n %+v\n %+v\n %+v\n %+v", p.Username, region, tot, tot2, rank, rank2)
				}
				if !reflect.DeepEqual(in[0], in[1]) {
					t.Errorf("%s region %d: per unit and category, monthly and daily rollups differ:\n %+v\n %+v", p.Username, region, in[0], in[1])
				}
				if n := len(in[0]); region != 0 && n <= 12 && (p == f.leader || region == f.distB) {
					t.Errorf("%s region %d: StatsIn found no rows in any period: %+v", p.Username, region, in[0])
				}
				if len(months) != 3 {
					t.Fatalf("%d months, want 3", len(months))
				}
				var m []wo.StatRow
				for _, x := range months {
					m = append(m, x.StatRow)
				}
				sum := wo.Total(m)
				sum.OverdueNow = tot.OverdueNow
				if !reflect.DeepEqual(sum, tot) {
					t.Errorf("%s region %d: months sum %+v, totals %+v", p.Username, region, sum, tot)
				}
				if region == f.city || (region == 0 && p == f.leader) {
					rs := wo.Total(rank)
					rs.OverdueNow = tot.OverdueNow
					if !reflect.DeepEqual(rs, tot) {
						t.Errorf("%s region %d: districts sum %+v, totals %+v", p.Username, region, rs, tot)
					}
				}
				if p == f.leader && region == 0 && tot.Received != 6 {
					t.Errorf("leader: received %d, want 6", tot.Received)
				}
				if p == f.leader && region == f.distB && tot.Received != 3 {
					t.Errorf("leader in B: received %d, want 3", tot.Received)
				}
			}
		}
		// The leader's drill-down: the whole scope is the city, so its
		// districts are compared; a district's streets below it.
		rv, err := f.svc.CockpitRegion(f.ctx, f.leader, 0)
		must(t, err)
		if rv.Self.ID != f.city || len(rv.Children) != 2 {
			t.Errorf("top = %+v", rv)
		}
		rv, err = f.svc.CockpitRegion(f.ctx, f.leader, f.distA)
		must(t, err)
		if len(rv.Trail) != 1 || rv.Trail[0].ID != f.city || len(rv.Children) != 1 || rv.Children[0].ID != f.street {
			t.Errorf("district A = %+v", rv)
		}
		if _, err := f.svc.CockpitRegion(f.ctx, distB, f.distA); !errs.Is(err, errs.NotFound) {
			t.Errorf("chief B drills into A: %v", err)
		}
		// Units in district B only, and categories there.
		rows, err := f.svc.StatsIn(f.ctx, f.leader, figures.Scope{From: from, To: to, RegionID: f.distB}, wo.ByUnit)
		must(t, err)
		// Orders 1, 3 and 5 lie in B: dispatched to B's bureau, the city's, the city's.
		if len(rows) != 2 || rows[0].ID != f.unitA || rows[0].Received != 2 || rows[1].ID != f.unitB || rows[1].Received != 1 {
			t.Errorf("units in B = %+v", rows)
		}
		if _, err := f.svc.Monthly(f.ctx, f.leader, figures.Scope{From: "2026-03-01", To: "2026-01-01"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("to before from: %v", err)
		}
	})
}

// TestHotSpotsAreTheRegionsWithMostOrdersAtTheirCentresInScope: hot spots
// count the period's orders per region filed in, most first, leave out a
// region without a centre and anything outside the caller's scope or the
// region asked for, and read the same from either rollup.
func TestHotSpotsAreTheRegionsWithMostOrdersAtTheirCentresInScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(f.ctx, "UPDATE regions SET lat = 29.55, lng = 103.76 WHERE id = ?", f.street); err != nil {
				return err
			}
			_, err := tx.Exec(f.ctx, "UPDATE regions SET lat = 29.60, lng = 103.50 WHERE id = ?", f.distB)
			return err
		}))
		// Street A1: 3 orders; district B: 2; district A itself (no centre): 1.
		for i, region := range []int64{f.street, f.distB, f.street, f.distA, f.distB, f.street} {
			in := f.citizenReport(i)
			in.RegionID = region
			_, err := f.svc.SubmitPublic(f.ctx, wo.PublicReport{SubmitInput: in})
			must(t, err)
		}
		sc := figures.Scope{From: "2026-01-01", To: "2026-03-31"}
		distB := f.user(t, "chiefB", 0, auth.Scope{RegionPaths: []string{f.regionPath(t, f.distB)}}, auth.PermDashboardView)
		for _, daily := range []bool{false, true} {
			f.svc.SetStatsFromDaily(daily)
			got, err := f.svc.HotSpots(f.ctx, f.leader, sc, 10)
			must(t, err)
			if len(got) != 2 || got[0].RegionID != f.street || got[0].Received != 3 || got[0].Lat != 29.55 ||
				got[1].RegionID != f.distB || got[1].Received != 2 {
				t.Errorf("daily=%v: leader's hot spots %+v", daily, got)
			}
			if one, _ := f.svc.HotSpots(f.ctx, f.leader, sc, 1); len(one) != 1 || one[0].RegionID != f.street {
				t.Errorf("daily=%v: the first hot spot %+v", daily, one)
			}
			inA, _ := f.svc.HotSpots(f.ctx, f.leader, figures.Scope{From: sc.From, To: sc.To, RegionID: f.distA}, 10)
			if len(inA) != 1 || inA[0].RegionID != f.street {
				t.Errorf("daily=%v: district A's hot spots %+v", daily, inA)
			}
			mine, _ := f.svc.HotSpots(f.ctx, distB, sc, 10)
			if len(mine) != 1 || mine[0].RegionID != f.distB || mine[0].Received != 2 {
				t.Errorf("daily=%v: chief B's hot spots %+v", daily, mine)
			}
			later, _ := f.svc.HotSpots(f.ctx, f.leader, figures.Scope{From: "2026-04-01", To: "2026-06-30"}, 10)
			if len(later) != 0 {
				t.Errorf("daily=%v: another quarter's hot spots %+v", daily, later)
			}
		}
		if _, err := f.svc.HotSpots(f.ctx, f.handA, figures.Scope{From: "x", To: sc.To}, 10); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("a bad date: %v", err)
		}
	})
}

// TestMonthSpanSplitsAPeriodIntoWholeMonthsAndEdgeDays: the monthly rollup
// serves the whole months, the daily one the days at either end.
func TestMonthSpanSplitsAPeriodIntoWholeMonthsAndEdgeDays(t *testing.T) {
	for _, c := range []struct {
		from, to, m0, m1 string
		edges            [][2]string
	}{
		{"2026-01-01", "2026-03-31", "2026-01", "2026-03", nil},
		{"2026-02-01", "2026-02-28", "2026-02", "2026-02", nil},
		{"2024-02-01", "2024-02-29", "2024-02", "2024-02", nil},
		{"2024-02-01", "2024-02-28", "", "", [][2]string{{"2024-02-01", "2024-02-28"}}},
		{"2026-01-20", "2026-03-05", "2026-02", "2026-02", [][2]string{{"2026-01-20", "2026-01-31"}, {"2026-03-01", "2026-03-05"}}},
		{"2026-01-31", "2026-02-28", "2026-02", "2026-02", [][2]string{{"2026-01-31", "2026-01-31"}}},
		{"2026-02-01", "2026-02-13", "", "", [][2]string{{"2026-02-01", "2026-02-13"}}},
		{"2026-02-12", "2026-02-12", "", "", [][2]string{{"2026-02-12", "2026-02-12"}}},
		{"2025-12-15", "2026-01-14", "", "", [][2]string{{"2025-12-15", "2026-01-14"}}},
		{"2025-12-01", "2026-12-31", "2025-12", "2026-12", nil},
		{"2025-11-30", "2026-01-01", "2025-12", "2025-12", [][2]string{{"2025-11-30", "2025-11-30"}, {"2026-01-01", "2026-01-01"}}},
		{"2026-03-01", "2026-02-01", "", "", [][2]string{{"2026-03-01", "2026-02-01"}}},
	} {
		m0, m1, edges := wo.MonthSpan(c.from, c.to)
		if m0 != c.m0 || m1 != c.m1 || !reflect.DeepEqual(edges, c.edges) {
			t.Errorf("%s..%s: %q..%q %v, want %q..%q %v", c.from, c.to, m0, m1, edges, c.m0, c.m1, c.edges)
		}
	}
}
