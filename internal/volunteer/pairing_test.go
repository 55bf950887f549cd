package volunteer_test

import (
	"context"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
)

func TestQuarter(t *testing.T) {
	for day, q := range map[string]int{"2026-01-01": 1, "2026-03-31": 1, "2026-04-01": 2, "2026-06-30": 2, "2026-07-01": 3, "2026-09-30": 3, "2026-10-01": 4, "2026-12-31": 4, "": 0} {
		if got := volunteer.Quarter(day); got != q {
			t.Errorf("%q: quarter %d, want %d", day, got, q)
		}
	}
}

// TestPairingWorkByQuarter: a paired unit's activities in its community,
// the people and hours confirmed on them, the problems the organiser
// counted and the residents' orders its team served add up by quarter; an
// activity elsewhere or not yet held is not the pairing's work, and the
// pairing is seen only by organisers whose scope holds its community.
func TestPairingWorkByQuarter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		of := setupOrders(t, d)
		fx := of.fixture
		pr, err := org.New(d, fx.svc.Clock).CreatePairing(ctx, nil, org.PairingInput{UnitID: fx.unit, RegionID: fx.regions["S1C1"]})
		if err != nil {
			t.Fatal(err)
		}
		mk := func(day, region string, pairing int64) (int64, error) {
			return fx.svc.CreateActivity(ctx, fx.org, volunteer.ActivityInput{Title: "结对共建·楼道清理", RegionID: fx.regions[region], Day: day,
				Start: "09:00", End: "11:00", Capacity: 10, Mode: "instant", PairingID: pairing})
		}
		if _, err := mk("2026-11-05", "S2C1", pr.ID); !isKey(err, errs.Invalid, "pairing_id", "volunteer.pairing_elsewhere") {
			t.Fatalf("another community: %v", err)
		}
		if _, err := fx.svc.CreateActivity(ctx, fx.street, volunteer.ActivityInput{Title: "x", RegionID: fx.regions["S2C1"], Day: "2026-11-05",
			Start: "09:00", End: "11:00", Capacity: 10, Mode: "instant", PairingID: pr.ID}); !isKey(err, errs.Invalid, "pairing_id", "field.bad_choice") {
			t.Fatalf("a pairing outside the scope: %v", err)
		}
		q3, err := mk("2026-08-15", "S1C1", pr.ID)
		if err != nil {
			t.Fatal(err)
		}
		q4, _ := mk("2026-11-05", "S1C1", pr.ID)
		future, _ := mk("2026-12-05", "S1C1", pr.ID)
		plain, _ := mk("2026-11-06", "S1C1", 0)
		nums := fx.approved(t, 3, 800)
		vid := func(n string) int64 { return count(t, d, "SELECT id FROM volunteers WHERE number = ?", n) }
		credit := func(activity int64, v string, minutes int) {
			t.Helper()
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes,
					confirmed_at, created_at, updated_at) SELECT id, ?, day, starts_at, ends_at, 'organiser', 'confirmed', ?, ends_at, ends_at, ends_at
					FROM activities WHERE id = ?`, vid(v), minutes, activity)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		credit(q3, nums[0], 120)
		credit(q4, nums[0], 110)
		credit(q4, nums[1], 100)
		credit(plain, nums[2], 120) // not the pairing's
		if err := fx.svc.SetProblems(ctx, fx.org, future, 1); !isKey(err, errs.Invalid, "problems", "volunteer.problems_before_start") {
			t.Fatalf("problems before the start: %v", err)
		}
		if err := fx.svc.SetProblems(ctx, fx.org, plain, 1); !isKey(err, errs.Invalid, "problems", "volunteer.pairing_none") {
			t.Fatalf("problems without a pairing: %v", err)
		}
		if err := fx.svc.SetProblems(ctx, fx.org, q4, volunteer.MaxProblems+1); !isKey(err, errs.Invalid, "problems", "field.out_of_range") {
			t.Fatalf("too many problems: %v", err)
		}
		if err := fx.svc.SetProblems(ctx, fx.org, q4, 2); err != nil {
			t.Fatal(err)
		}
		// The unit's staff team serves a resident's order in Q4.
		team, err := fx.svc.CreateTeam(ctx, fx.org, volunteer.TeamInput{Name: "市文明办干部志愿服务队", RegionID: fx.regions["S1C1"], PairingID: pr.ID})
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.AddMember(ctx, fx.org, team, nums[2], true); err != nil {
			t.Fatal(err)
		}
		leader := count(t, d, "SELECT COALESCE(user_id, 0) FROM volunteers WHERE number = ?", nums[2])
		if leader == 0 {
			if _, err := fx.svc.CreateLogin(ctx, fx.org, vid(nums[2])); err != nil {
				t.Fatal(err)
			}
			leader = count(t, d, "SELECT user_id FROM volunteers WHERE number = ?", nums[2])
		}
		lp, err := fx.accounts.Principal(ctx, leader)
		if err != nil {
			t.Fatal(err)
		}
		_, oid := of.place(t, "10.0.0.1")
		if err := fx.svc.Assign(ctx, fx.org, oid, team); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.TeamAct(ctx, lp, oid, volunteer.ActAccept, "", volunteer.DoneInput{}); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.TeamAct(ctx, lp, oid, volunteer.ActDone, "", volunteer.DoneInput{Note: "修好楼道灯", Volunteers: 1, Minutes: 30}); err != nil {
			t.Fatal(err)
		}
		rep, err := fx.svc.PairingYear(ctx, fx.org, pr.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := [4]volunteer.PairingWork{{}, {}, {Activities: 1, People: 1, Minutes: 120}, {Activities: 1, People: 2, Minutes: 210, Problems: 3}}
		if rep.Quarters != want {
			t.Fatalf("quarters %+v, want %+v", rep.Quarters, want)
		}
		if y := rep.Year0; y != (volunteer.PairingWork{Activities: 2, People: 2, Minutes: 330, Problems: 3}) {
			t.Fatalf("year %+v", y)
		}
		if len(rep.Activities) != 3 || rep.UnitName != "市文明办" || rep.Community != "张公桥社区" {
			t.Fatalf("report %+v", rep)
		}
		if _, err := fx.svc.PairingYear(ctx, fx.street, pr.ID, 2026); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the other street reads: %v", err)
		}
		rows, err := fx.svc.PairingsWork(ctx, fx.org, 2026)
		if err != nil || len(rows) != 1 || rows[0].Minutes != 330 {
			t.Fatalf("list %+v %v", rows, err)
		}
		// Next year the pairing starts again from nothing.
		fx.svc.Clock.(*clock.Fake).Set(time.Date(2027, 2, 1, 9, 0, 0, 0, clock.CST))
		rep, err = fx.svc.PairingYear(ctx, fx.org, pr.ID, 2027)
		if err != nil || rep.Year0 != (volunteer.PairingWork{}) {
			t.Fatalf("2027 %+v %v", rep.Year0, err)
		}
	})
}
