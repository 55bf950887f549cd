package volunteer_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
)

func TestLastEndedQuarterIsTheOneBeforeTodayInChina(t *testing.T) {
	for _, c := range []struct {
		at      time.Time
		y, q    int
		comment string
	}{
		{time.Date(2026, 1, 1, 0, 30, 0, 0, clock.CST), 2025, 4, "new year's night"},
		{time.Date(2026, 3, 31, 23, 59, 0, 0, clock.CST), 2025, 4, "last minute of Q1"},
		{time.Date(2026, 3, 31, 16, 30, 0, 0, time.UTC), 2026, 1, "already 1 April in China"},
		{time.Date(2026, 7, 15, 12, 0, 0, 0, clock.CST), 2026, 2, "mid Q3"},
		{time.Date(2026, 11, 29, 9, 0, 0, 0, clock.CST), 2026, 3, "Q4"},
	} {
		if y, q := volunteer.LastEndedQuarter(c.at); y != c.y || q != c.q {
			t.Errorf("%s: %dQ%d, want %dQ%d", c.comment, y, q, c.y, c.q)
		}
	}
}

// TestQuarterlyReportsAreSentByTheJobOncePerUnitWithTwoInstances: two app
// instances (two pools, two job runners, one clock) run the reports' job;
// each employer unit of a community gets one report for the quarter that
// ended (and one inbox notice), however often and however concurrently the
// job runs; a member registered later with a new employer brings that
// unit's report on the next run, and no one else's again.
func TestQuarterlyReportsAreSentByTheJobOncePerUnitWithTwoInstances(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			d, open := twoPools(t, e)
			fx := setup(t, d)
			c := fx.svc.Clock.(*clock.Fake)
			orgs := org.New(d, c)
			unit := func(code, name string) int64 {
				u, err := orgs.CreateUnit(ctx, nil, org.UnitInput{Kind: org.UnitKinds[0], Code: code, Name: name, RegionID: fx.regions["C"], Active: true})
				if err != nil {
					t.Fatal(err)
				}
				return u.ID
			}
			tax, school := unit("TAX", "市税务局"), unit("SCH", "市实验中学")
			reg := func(name, phone string, u int64) {
				if _, err := fx.svc.RegisterPartyMember(ctx, fx.org, volunteer.PartyInput{Name: name, Phone: phone, UnitID: u, RegionID: fx.regions["S1C1"]}); err != nil {
					t.Fatal(err)
				}
			}
			reg("钱党员", "13900007101", tax)
			reg("孙党员", "13900007102", tax)
			reg("李党员", "13900007103", fx.unit)
			second := volunteer.New(open(), c, fx.svc.PII, fx.accounts)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			ra, rb := jobs.New(d, c, log), jobs.New(second.DB, c, log)
			if err := ra.Add(ctx, fx.svc.PartyReportJob()); err != nil {
				t.Fatal(err)
			}
			if err := rb.Add(ctx, second.PartyReportJob()); err != nil {
				t.Fatal(err)
			}
			reports := func() int64 {
				return count(t, d, "SELECT COUNT(*) FROM party_reports WHERE year = 2026 AND quarter = 3")
			}
			notices := func(u int64) int64 {
				return count(t, d, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND unit_id = ?", volunteer.NoticePartyKind, u)
			}
			for range 3 {
				ra.RunDue(ctx)
				rb.RunDue(ctx)
				c.Advance(6*time.Hour + time.Minute)
			}
			if n := reports(); n != 2 {
				t.Fatalf("%d reports for 2026Q3, want one per unit (2)", n)
			}
			if notices(tax) != 1 || notices(fx.unit) != 1 || notices(school) != 0 {
				t.Fatalf("notices: tax %d, office %d, school %d", notices(tax), notices(fx.unit), notices(school))
			}
			if n := count(t, d, "SELECT members FROM party_reports WHERE unit_id = ?", tax); n != 2 {
				t.Fatalf("the tax office's report lists %d members", n)
			}
			// A member of a new employer: both instances at once, past the lease.
			reg("周党员", "13900007104", school)
			var wg sync.WaitGroup
			made := make([]int, 2)
			for i, s := range []*volunteer.Service{fx.svc, second} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := s.SendDueReports(ctx)
					if err != nil {
						t.Error(err)
					}
					made[i] = n
				}()
			}
			wg.Wait()
			if made[0]+made[1] != 1 || reports() != 3 || notices(school) != 1 || notices(tax) != 1 {
				t.Fatalf("made %v, %d reports, school %d, tax %d notices", made, reports(), notices(school), notices(tax))
			}
		})
	}
}
