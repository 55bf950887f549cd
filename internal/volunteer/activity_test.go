package volunteer_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// approved registers and approves n volunteers and returns their numbers.
func (fx *fixture) approved(t *testing.T, n int, from int) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for i := range n {
		id, err := fx.svc.Register(ctx, fx.input(fmt.Sprintf("志愿者%d", from+i), fmt.Sprintf("1390001%04d", from+i), "19900504", (2*(from+i)+1)%1000, "S1C1"))
		if err != nil {
			t.Fatal(err)
		}
		v, err := fx.svc.Approve(ctx, fx.org, id)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v.Number)
	}
	return out
}

func (fx *fixture) activity(t *testing.T, capacity int, mode string, edit func(*volunteer.ActivityInput)) int64 {
	t.Helper()
	in := volunteer.ActivityInput{Title: "文明实践日", RegionID: fx.regions["S1C1"], Day: "2026-12-05", Start: "09:00", End: "11:30",
		Capacity: capacity, Mode: mode, CancelHours: 2}
	if edit != nil {
		edit(&in)
	}
	id, err := fx.svc.CreateActivity(context.Background(), fx.org, in)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestActivityValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		fx := setup(t, d)
		cases := []struct {
			name, field, key string
			edit             func(*volunteer.ActivityInput)
		}{
			{"title", "title", "field.required", func(in *volunteer.ActivityInput) { in.Title = "" }},
			{"day", "day", "field.bad_date", func(in *volunteer.ActivityInput) { in.Day = "2026-02-30" }},
			{"time", "start", "volunteer.bad_time", func(in *volunteer.ActivityInput) { in.Start = "9点" }},
			{"end before start", "end", "volunteer.end_before_start", func(in *volunteer.ActivityInput) { in.End = "08:00" }},
			{"capacity", "capacity", "field.out_of_range", func(in *volunteer.ActivityInput) { in.Capacity = 0 }},
			{"mode", "mode", "field.bad_choice", func(in *volunteer.ActivityInput) { in.Mode = "lottery" }},
			{"deadline after start", "signup_deadline", "volunteer.deadline_after_start", func(in *volunteer.ActivityInput) { in.Deadline = "2026-12-05T10:00" }},
			{"skill", "skills", "field.bad_choice", func(in *volunteer.ActivityInput) { in.Skills = []string{"magic"} }},
			{"other street", "region_id", "field.bad_choice", func(in *volunteer.ActivityInput) {}},
		}
		for _, c := range cases {
			in := volunteer.ActivityInput{Title: "x", RegionID: fx.regions["S1C1"], Day: "2026-12-05", Start: "09:00", End: "11:00", Capacity: 3, Mode: "instant"}
			c.edit(&in)
			p := fx.org
			if c.name == "other street" {
				p = fx.street
			}
			_, err := fx.svc.CreateActivity(context.Background(), p, in)
			if e := errs.As(err); e == nil || e.Fields[c.field].Key != c.key {
				t.Errorf("%s: got %v", c.name, err)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM activities"); n != 0 {
			t.Fatalf("%d activities saved", n)
		}
	})
}

// Many volunteers sign up at once for few places, through two instances:
// exactly the capacity is confirmed and the rest wait in one unbroken order.
func TestConcurrentSignupsFillExactlyTheCapacity(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn := dbtest.DSN(t, e)
			open := func() *db.DB {
				d, err := db.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { d.Close() })
				return d
			}
			d := open()
			if _, err := d.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			fx := setup(t, d)
			second := volunteer.New(open(), fx.svc.Clock, fx.svc.PII, fx.accounts)
			const people, capacity = 40, 7
			numbers := fx.approved(t, people, 0)
			aid := fx.activity(t, capacity, "instant", nil)
			var wg sync.WaitGroup
			states := make([]volunteer.SignupState, people)
			errc := make(chan error, people)
			start := make(chan struct{})
			for i, num := range numbers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					svc := fx.svc
					if i%2 == 1 {
						svc = second
					}
					st, err := svc.SignUpFor(ctx, fx.org, aid, num)
					if err != nil {
						errc <- err
						return
					}
					states[i] = st
				}()
			}
			close(start)
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			confirmed := 0
			for _, st := range states {
				if st == volunteer.SignupConfirmed {
					confirmed++
				}
			}
			a, signups, err := fx.svc.Activity(ctx, fx.org, aid)
			if err != nil {
				t.Fatal(err)
			}
			if confirmed != capacity || a.Taken != capacity || a.Waiting != people-capacity {
				t.Fatalf("confirmed %d, taken %d, waiting %d", confirmed, a.Taken, a.Waiting)
			}
			var seqs []int
			for _, sg := range signups {
				if sg.State == volunteer.SignupWaiting {
					seqs = append(seqs, sg.Seq)
				}
			}
			for i, s := range seqs {
				if s != i+1 {
					t.Fatalf("waiting list order %v", seqs)
				}
			}
		})
	}
}

func TestWaitingListMovesUpAndReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		nums := fx.approved(t, 4, 100)
		// Logins for the first and the third.
		logins := map[int]*volunteerLogin{}
		for _, i := range []int{0, 2} {
			rows, _, _ := fx.svc.List(ctx, fx.org, volunteer.Filter{Q: nums[i]})
			l, err := fx.svc.CreateLogin(ctx, fx.org, rows[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			logins[i] = fx.login(t, l)
		}
		aid := fx.activity(t, 2, "instant", func(in *volunteer.ActivityInput) { in.Skills = []string{"teaching"} })
		st, err := fx.svc.SignUp(ctx, logins[0].p, aid)
		if err != nil || st != volunteer.SignupConfirmed {
			t.Fatalf("first: %s %v", st, err)
		}
		if _, err := fx.svc.SignUp(ctx, logins[0].p, aid); !errs.Is(err, errs.Conflict) {
			t.Fatalf("twice: %v", err)
		}
		for _, i := range []int{1, 2, 3} {
			if _, err := fx.svc.SignUpFor(ctx, fx.org, aid, nums[i]); err != nil {
				t.Fatal(err)
			}
		}
		my, err := fx.svc.MyActivity(ctx, logins[2].p, aid)
		if err != nil || my.Mine != "waiting" || my.MySeq != 1 {
			t.Fatalf("third waits first in line: %+v %v", my, err)
		}
		// The first cancels: the third (first in line) gets the place and a notice.
		if err := fx.svc.Cancel(ctx, logins[0].p, aid); err != nil {
			t.Fatal(err)
		}
		my, _ = fx.svc.MyActivity(ctx, logins[2].p, aid)
		if my.Mine != "confirmed" || my.Taken != 2 || my.Waiting != 1 {
			t.Fatalf("after cancel: %+v", my)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND user_id = ?", volunteer.NoticeKind, logins[2].p.UserID); n != 1 {
			t.Fatalf("%d promotion notices", n)
		}
		// Signing up again after a cancellation joins the end of the line.
		if st, err := fx.svc.SignUp(ctx, logins[0].p, aid); err != nil || st != volunteer.SignupWaiting {
			t.Fatalf("again: %s %v", st, err)
		}
		// Reminders: once, the day before, to confirmed volunteers with accounts.
		clk := fx.svc.Clock.(interface{ Set(time.Time) })
		clk.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		for range 2 {
			if err := fx.svc.Remind(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE kind = ? AND event = 'reminder'", volunteer.NoticeKind); n != 1 {
			t.Fatalf("%d reminders", n)
		}
		// Past the cut-off (2 hours before) nobody may cancel; past the deadline nobody signs up.
		clk.Set(time.Date(2026, 12, 5, 7, 30, 0, 0, time.FixedZone("CST", 8*3600)))
		if err := fx.svc.Cancel(ctx, logins[2].p, aid); !errs.Is(err, errs.Conflict) || errs.As(err).Key != "volunteer.signup.too_late" {
			t.Fatalf("late cancel: %v", err)
		}
		clk.Set(time.Date(2026, 12, 5, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)))
		more := fx.approved(t, 1, 200)
		if _, err := fx.svc.SignUpFor(ctx, fx.org, aid, more[0]); errs.As(err) == nil || errs.As(err).Key != "volunteer.signup.closed" {
			t.Fatalf("after the deadline: %v", err)
		}
	})
}

func TestSignupRules(t *testing.T) {
	start := time.Date(2026, 12, 5, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	a := volunteer.Activity{Status: "open", Deadline: start, StartsAt: start, MinAge: 18, Skills: []string{"first_aid"}}
	adult := volunteer.Volunteer{Status: volunteer.StatusApproved, BirthDate: "1990-01-01", Skills: []string{"first_aid", "teaching"}}
	cases := []struct {
		name string
		edit func(*volunteer.Activity, *volunteer.Volunteer)
		now  time.Time
		want string
	}{
		{"fine", func(*volunteer.Activity, *volunteer.Volunteer) {}, start.Add(-time.Hour), ""},
		{"at the deadline", func(*volunteer.Activity, *volunteer.Volunteer) {}, start, "volunteer.signup.closed"},
		{"cancelled", func(a *volunteer.Activity, _ *volunteer.Volunteer) { a.Status = "cancelled" }, start.Add(-time.Hour), "volunteer.signup.cancelled"},
		{"pending volunteer", func(_ *volunteer.Activity, v *volunteer.Volunteer) { v.Status = volunteer.StatusPending }, start.Add(-time.Hour), "volunteer.not_approved"},
		{"17 on the day", func(_ *volunteer.Activity, v *volunteer.Volunteer) { v.BirthDate = "2008-12-06" }, start.Add(-time.Hour), "volunteer.signup.too_young"},
		{"18 on the day", func(_ *volunteer.Activity, v *volunteer.Volunteer) { v.BirthDate = "2008-12-05" }, start.Add(-time.Hour), ""},
		{"missing skill", func(_ *volunteer.Activity, v *volunteer.Volunteer) { v.Skills = []string{"teaching"} }, start.Add(-time.Hour), "volunteer.signup.skills"},
	}
	for _, c := range cases {
		aa, vv := a, adult
		vv.Skills = slices.Clone(adult.Skills)
		c.edit(&aa, &vv)
		if got := volunteer.CheckSignup(&aa, &vv, c.now); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
