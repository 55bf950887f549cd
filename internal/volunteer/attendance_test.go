package volunteer_test

import (
	"context"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
)

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, clock.CST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRotatingCode(t *testing.T) {
	now := at("2026-12-05 09:10:30")
	code, until := volunteer.CurrentCode("s3cret", 7, now)
	if !until.Equal(at("2026-12-05 09:11:00")) || len(code) != 8 {
		t.Fatalf("%s until %s", code, until)
	}
	cases := []struct {
		name string
		id   int64
		when time.Time
		code string
		ok   bool
	}{
		{"this minute", 7, now, code, true},
		{"the next minute (scanned at the turn)", 7, at("2026-12-05 09:11:59"), code, true},
		{"two minutes on: stale", 7, at("2026-12-05 09:12:00"), code, false},
		{"another activity's", 8, now, code, false},
		{"before its minute", 7, at("2026-12-05 09:09:59"), code, false},
		{"garbage", 7, now, "12345", false},
	}
	for _, c := range cases {
		if got := volunteer.CodeValid("s3cret", c.id, c.code, c.when); got != c.ok {
			t.Errorf("%s: %v", c.name, got)
		}
	}
	if volunteer.CodeValid("other", 7, code, now) {
		t.Error("another secret accepted")
	}
}

func TestServiceMinutesAndStars(t *testing.T) {
	s, e := at("2026-12-05 09:00:00"), at("2026-12-05 11:30:00")
	for _, c := range []struct {
		in, out string
		want    int
	}{
		{"2026-12-05 08:40:00", "2026-12-05 11:45:00", 150}, // early arrival and lingering do not count
		{"2026-12-05 09:20:00", "2026-12-05 10:00:30", 40},
		{"2026-12-05 12:00:00", "2026-12-05 12:30:00", 0},
		{"2026-12-05 10:00:00", "2026-12-05 09:30:00", 0},
	} {
		if got := volunteer.ServiceMinutes(s, e, at(c.in), at(c.out)); got != c.want {
			t.Errorf("%s–%s: %d, want %d", c.in, c.out, got, c.want)
		}
	}
	for _, c := range []struct{ hours, want int }{{0, 0}, {99, 0}, {100, 1}, {299, 1}, {300, 2}, {600, 3}, {999, 3}, {1000, 4}, {1500, 5}, {9000, 5}} {
		if got := volunteer.Star(c.hours*60, volunteer.DefaultStars); got != c.want {
			t.Errorf("%d h: %d★, want %d★", c.hours, got, c.want)
		}
	}
	if volunteer.Star(100*60-1, volunteer.DefaultStars) != 0 || volunteer.Star(50*60, []int{50, 80}) != 1 {
		t.Error("thresholds")
	}
}

func TestCheckInOutAndHours(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		clk := fx.svc.Clock.(interface{ Set(time.Time) })
		nums := fx.approved(t, 1, 300)
		rows, _, _ := fx.svc.List(ctx, fx.org, volunteer.Filter{Q: nums[0]})
		l, _ := fx.svc.CreateLogin(ctx, fx.org, rows[0].ID)
		vp := fx.login(t, l).p
		lat, lng := 29.58, 103.74
		place := func(day string) int64 {
			return fx.activity(t, 5, "instant", func(in *volunteer.ActivityInput) { in.Day = day })
		}
		aid := place("2026-12-05")
		other := place("2026-12-06")
		if _, err := fx.svc.SignUp(ctx, vp, aid); err != nil {
			t.Fatal(err)
		}
		clk.Set(at("2026-12-05 08:00:00"))
		codes, err := fx.svc.CheckinCodes(ctx, fx.org, aid)
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Code: codes.Code}); errs.As(err) == nil || errs.As(err).Key != "volunteer.checkin.too_early" {
			t.Fatalf("too early: %v", err)
		}
		clk.Set(at("2026-12-05 08:50:00"))
		codes, _ = fx.svc.CheckinCodes(ctx, fx.org, aid)
		foreign, _ := fx.svc.CheckinCodes(ctx, fx.org, other)
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Code: foreign.Code}); errs.As(err) == nil || errs.As(err).Fields["code"].Key != "volunteer.checkin.bad_code" {
			t.Fatalf("foreign code: %v", err)
		}
		clk.Set(at("2026-12-05 08:53:00"))
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Code: codes.Code}); errs.As(err) == nil || errs.As(err).Fields["code"].Key != "volunteer.checkin.bad_code" {
			t.Fatalf("stale code: %v", err)
		}
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Venue: codes.Venue, Lat: &lat, Lng: &lng}); errs.As(err) == nil || errs.As(err).Fields["venue"].Key != "volunteer.checkin.no_place" {
			t.Fatalf("venue without a place's point: %v", err)
		}
		codes, _ = fx.svc.CheckinCodes(ctx, fx.org, aid)
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Code: codes.Code}); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.CheckIn(ctx, vp, aid, volunteer.Proof{Code: codes.Code}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("twice: %v", err)
		}
		clk.Set(at("2026-12-05 11:40:00"))
		codes, _ = fx.svc.CheckinCodes(ctx, fx.org, aid)
		if err := fx.svc.CheckOut(ctx, vp, aid, volunteer.Proof{Code: codes.Code}); err != nil {
			t.Fatal(err)
		}
		// Not credited before the organiser confirms.
		if r, _ := fx.svc.Hours(ctx, rows[0].ID); r.Minutes != 0 {
			t.Fatalf("credited before confirmation: %+v", r)
		}
		if n, err := fx.svc.Confirm(ctx, fx.org, aid, 0); err != nil || n != 1 {
			t.Fatalf("confirm: %d %v", n, err)
		}
		if r, _ := fx.svc.Hours(ctx, rows[0].ID); r.Minutes != 150 || r.Sessions != 1 || r.Star != 0 || r.Next != 100 {
			t.Fatalf("hours: %+v", r)
		}
		yearTotalsAgree(t, d)
		// A correction of confirmed hours replaces them in the year's totals.
		if err := fx.svc.ProposeChange(ctx, fx.org, aid, rows[0].Number, "09:00", "10:00", "签退时间登记有误"); err != nil {
			t.Fatal(err)
		}
		ch, _ := fx.svc.Changes(ctx, fx.org, aid)
		if err := fx.svc.DecideChange(ctx, fx.secondOrganiser(t), aid, ch[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if r, _ := fx.svc.Hours(ctx, rows[0].ID); r.Minutes != 60 || r.Sessions != 1 {
			t.Fatalf("corrected: %+v", r)
		}
		yearTotalsAgree(t, d)
		if n := count(t, d, "SELECT minutes FROM volunteer_year_hours WHERE volunteer_id = ? AND year = 2026", rows[0].ID); n != 60 {
			t.Fatalf("year total %d", n)
		}
	})
}

// yearTotalsAgree: the kept yearly totals are what the attendance adds up to.
func yearTotalsAgree(t *testing.T, d *db.DB) {
	t.Helper()
	sums := "(SELECT volunteer_id, CAST(SUBSTR(day, 1, 4) AS INTEGER) AS y, SUM(credited_minutes) AS m, COUNT(*) AS n FROM attendance WHERE state = 'confirmed' GROUP BY volunteer_id, SUBSTR(day, 1, 4))"
	for _, q := range []string{
		"SELECT COUNT(*) FROM " + sums + " a LEFT JOIN volunteer_year_hours h ON h.volunteer_id = a.volunteer_id AND h.year = a.y WHERE h.minutes IS NULL OR a.m <> h.minutes OR a.n <> h.sessions",
		"SELECT COUNT(*) FROM volunteer_year_hours h LEFT JOIN " + sums + " a ON h.volunteer_id = a.volunteer_id AND h.year = a.y WHERE h.sessions <> 0 AND a.m IS NULL",
	} {
		if n := count(t, d, q); n != 0 {
			t.Fatalf("%d yearly totals disagree with the attendance", n)
		}
	}
}

func TestFlaggedDailyLimitAndSecondPerson(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		clk := fx.svc.Clock.(interface{ Set(time.Time) })
		nums := fx.approved(t, 2, 400)
		var ids []int64
		for i := range 4 {
			ids = append(ids, fx.activity(t, 5, "instant", func(in *volunteer.ActivityInput) {
				in.Start, in.End = []string{"08:00", "10:00", "13:00", "15:00"}[i], []string{"09:00", "11:00", "14:00", "16:00"}[i]
			}))
			if _, err := fx.svc.SignUpFor(ctx, fx.org, ids[i], nums[0]); err != nil {
				t.Fatal(err)
			}
		}
		for i, hm := range []string{"08:10", "10:10", "13:10", "15:10"} {
			clk.Set(at("2026-12-05 " + hm + ":00"))
			err := fx.svc.Mark(ctx, fx.org, ids[i], nums[0], false)
			if i < 3 && err != nil {
				t.Fatal(err)
			}
			if i == 3 && (errs.As(err) == nil || errs.As(err).Key != "volunteer.checkin.daily_limit") {
				t.Fatalf("fourth check-in: %v", err)
			}
		}
		// Never checked out: flagged and not credited.
		clk.Set(at("2026-12-05 18:00:00"))
		list, _ := fx.svc.Attendances(ctx, fx.org, ids[0])
		if len(list) != 1 || !list[0].Flagged {
			t.Fatalf("not flagged: %+v", list)
		}
		if n, _ := fx.svc.Confirm(ctx, fx.org, ids[0], 0); n != 0 {
			t.Fatalf("confirmed a flagged attendance")
		}
		if err := fx.svc.Mark(ctx, fx.org, ids[0], nums[0], true); errs.As(err) == nil || errs.As(err).Key != "volunteer.checkout.too_late" {
			t.Fatalf("late check-out: %v", err)
		}
		// The correction goes through a second person and is audited.
		if err := fx.svc.ProposeChange(ctx, fx.org, ids[0], nums[0], "08:10", "09:00", ""); errs.As(err) == nil || errs.As(err).Fields["reason"].Key != "field.required" {
			t.Fatalf("no reason: %v", err)
		}
		if err := fx.svc.ProposeChange(ctx, fx.org, ids[0], nums[0], "08:10", "09:00", "忘记签退，现场照片为证"); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.ProposeChange(ctx, fx.org, ids[1], nums[1], "10:00", "11:00", "无手机，现场登记"); err != nil {
			t.Fatal(err)
		}
		ch, _ := fx.svc.Changes(ctx, fx.org, ids[0])
		if len(ch) != 1 || ch[0].Kind != "correction" || ch[0].Minutes != 50 {
			t.Fatalf("changes %+v", ch)
		}
		if err := fx.svc.DecideChange(ctx, fx.org, ids[0], ch[0].ID, true); errs.As(err) == nil || errs.As(err).Key != "volunteer.change.second_person" {
			t.Fatalf("own approval: %v", err)
		}
		// The street organiser cannot see this S1 activity; a second city organiser approves.
		second := fx.secondOrganiser(t)
		if err := fx.svc.DecideChange(ctx, second, ids[0], ch[0].ID, true); err != nil {
			t.Fatal(err)
		}
		late, _ := fx.svc.Changes(ctx, fx.org, ids[1])
		if late[0].Kind != "late_entry" {
			t.Fatalf("late %+v", late)
		}
		if err := fx.svc.DecideChange(ctx, second, ids[1], late[0].ID, true); err != nil {
			t.Fatal(err)
		}
		rows, _, _ := fx.svc.List(ctx, fx.org, volunteer.Filter{Q: nums[0]})
		if r, _ := fx.svc.Hours(ctx, rows[0].ID); r.Minutes != 50 {
			t.Fatalf("corrected hours %+v", r)
		}
		rows, _, _ = fx.svc.List(ctx, fx.org, volunteer.Filter{Q: nums[1]})
		if r, _ := fx.svc.Hours(ctx, rows[0].ID); r.Minutes != 60 {
			t.Fatalf("late entry hours %+v", r)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE action IN ('decide_correction', 'decide_late_entry', 'propose_correction', 'propose_late_entry')"); n != 4 {
			t.Fatalf("%d audit entries", n)
		}
		yearTotalsAgree(t, d)
	})
}
