package workorder_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

func TestBootstrapSeedsCategoriesOnceWithTheUnitsThatExist(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		n := f.count(t, "SELECT COUNT(*) FROM workorder_categories")
		must(t, f.svc.Bootstrap(f.ctx))
		if m := f.count(t, "SELECT COUNT(*) FROM workorder_categories"); m != n || n < 28 {
			t.Fatalf("categories %d then %d", n, m)
		}
		if f.count(t, "SELECT COUNT(*) FROM workorder_categories WHERE parent_id IS NOT NULL") < 20 {
			t.Fatal("fewer than 20 categories")
		}
		if f.count(t, "SELECT COUNT(*) FROM workorder_urgencies") != 4 {
			t.Fatal("urgency classes")
		}
		c, err := f.svc.CategoryByCode(f.ctx, "STREET_VENDING")
		must(t, err)
		if c.UnitID != f.unitA || c.GroupName != "市容环境" || c.AckHours != 24 || c.ResolveValue != 7 || c.ResolveUnit != wo.CalendarDays {
			t.Fatalf("street vending: %+v", c)
		}
		c, err = f.svc.CategoryByCode(f.ctx, "WAGE_ARREARS")
		must(t, err)
		if c.UnitID != 0 || c.ResolveUnit != wo.WorkingDays || c.ResolveValue != 15 {
			t.Fatalf("wage arrears: %+v", c)
		}
		c, err = f.svc.CategoryByCode(f.ctx, "MANHOLE")
		must(t, err)
		if c.AckHours != 1 || c.ResolveValue != 2 || c.ResolveUnit != wo.Hours {
			t.Fatalf("manhole (urgent): %+v", c)
		}
		pub, err := f.svc.Categories(f.ctx, wo.CategoryFilter{PublicOnly: true, ActiveOnly: true})
		must(t, err)
		for i, c := range pub {
			if c.Code == "POLICY_QUERY" {
				t.Fatal("hotline-only category offered to citizens")
			}
			if !c.IsGroup() && (i == 0 || (pub[i-1].ID != c.ParentID && pub[i-1].ParentID != c.ParentID)) {
				t.Fatalf("category %s not after its group", c.Code)
			}
		}
		if f.count(t, "SELECT COUNT(*) FROM holidays WHERE kind = 'workday'") != 6 {
			t.Fatal("make-up working days of 2026")
		}
		if _, err := f.svc.CategoryByCode(f.ctx, "NOPE"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("missing category: %v", err)
		}
	})
}

func TestSubmitRefusesBadInputAndWritesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		lat, bad, nan := 29.5, 91.0, math.NaN()
		good := func() wo.SubmitInput {
			return wo.SubmitInput{Channel: wo.ChannelWeb, CategoryID: f.cats["RUBBISH"], Description: "小区门口垃圾堆了三天"}
		}
		cases := []struct {
			name  string
			edit  func(*wo.SubmitInput)
			field string
		}{
			{"citizens cannot choose a hotline-only category", func(in *wo.SubmitInput) { in.CategoryID = f.cats["POLICY_QUERY"] }, "category_id"},
			{"a group is not a category", func(in *wo.SubmitInput) { in.CategoryID = f.cats["G-CITY"] }, "category_id"},
			{"unknown category", func(in *wo.SubmitInput) { in.CategoryID = 99999 }, "category_id"},
			{"description required", func(in *wo.SubmitInput) { in.Description = "  " }, "description"},
			{"description too short", func(in *wo.SubmitInput) { in.Description = "垃圾" }, "description"},
			{"description too long", func(in *wo.SubmitInput) { in.Description = strings.Repeat("字", wo.MaxDescriptionLen+1) }, "description"},
			{"bad phone", func(in *wo.SubmitInput) { in.ReporterPhone = "12345" }, "phone"},
			{"latitude out of range", func(in *wo.SubmitInput) { in.Lat, in.Lng = &bad, &lat }, "lat"},
			{"latitude not a number", func(in *wo.SubmitInput) { in.Lat, in.Lng = &nan, &lat }, "lat"},
			{"latitude without longitude", func(in *wo.SubmitInput) { in.Lat = &lat }, "lat"},
			{"citizens do not call the hotline channel", func(in *wo.SubmitInput) { in.Channel = wo.ChannelHotline }, "channel"},
			{"unknown channel", func(in *wo.SubmitInput) { in.Channel = "fax" }, "channel"},
			{"unknown region", func(in *wo.SubmitInput) { in.RegionID = 99999 }, "region_id"},
			{"too many photos", func(in *wo.SubmitInput) { in.PhotoIDs = make([]int64, wo.MaxPhotos+1) }, "photos"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := good()
				c.edit(&in)
				_, err := f.svc.Submit(f.ctx, nil, in)
				e := errs.As(err)
				if e == nil || e.Code != errs.Invalid || e.Fields[c.field].Key == "" {
					t.Fatalf("err = %v, want invalid %s", err, c.field)
				}
			})
		}
		if n := f.count(t, "SELECT COUNT(*) FROM workorders") + f.count(t, "SELECT COUNT(*) FROM workorder_events") +
			f.count(t, "SELECT COUNT(*) FROM workorder_stats_daily"); n != 0 {
			t.Fatalf("%d rows written by refused reports", n)
		}
		// Staff may use the hotline and hotline-only categories; a leader may not enter calls.
		in := good()
		in.Channel, in.CategoryID, in.ReporterPhone = wo.ChannelHotline, f.cats["POLICY_QUERY"], "0833-2123456"
		s, err := f.svc.Submit(f.ctx, f.oper, in)
		must(t, err)
		if len(s.Code) != wo.CodeLen || strings.ContainsAny(s.Code, "01IO") {
			t.Fatalf("code %q", s.Code)
		}
		_, err = f.svc.Submit(f.ctx, f.leader, in)
		wantCode(t, err, errs.Forbidden)
	})
}

func TestAnOrderLivesFromReportToCloseWithEveryStepOnItsTimeline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "STREET_VENDING")
		o := f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionAccept})
		if o.State != wo.StateAccepted {
			t.Fatal(o.State)
		}
		f.clk.Advance(10 * time.Minute)
		o = f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA, AssistUnitIDs: []int64{f.unitB}})
		dispatched := f.clk.Now()
		if o.State != wo.StateDispatched || o.UnitID != f.unitA || !o.AckDueAt.Equal(dispatched.Add(24*time.Hour)) ||
			!o.ResolveDueAt.Equal(dispatched.AddDate(0, 0, 7)) || !slices.Equal(o.AssistUnitIDs, []int64{f.unitB}) {
			t.Fatalf("dispatched: %+v", o)
		}
		if f.count(t, "SELECT COUNT(*) FROM notifications WHERE unit_id = ? AND ref = ?", f.unitA, s.ID) != 1 {
			t.Fatal("the unit was not notified")
		}
		// The assisting unit sees the order but cannot act as the lead unit.
		if _, err := f.svc.Get(f.ctx, f.handB, s.ID); err != nil {
			t.Fatalf("assisting unit cannot see: %v", err)
		}
		_, err := f.svc.Act(f.ctx, f.handB, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		wantCode(t, err, errs.Forbidden)

		f.clk.Advance(time.Hour)
		o = f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		ext := o.ResolveDueAt.AddDate(0, 0, 3)
		o = f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionRequestExtension, Note: "需联合执法", ExtensionUntil: ext})
		if o.State != wo.StateExtensionRequested || !o.ExtensionUntil.Equal(ext) {
			t.Fatalf("extension requested: %+v", o)
		}
		o = f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionApproveExtension})
		if o.State != wo.StateAcknowledged || !o.ResolveDueAt.Equal(ext) || o.ExtensionUntil != nil {
			t.Fatalf("extension approved: %+v", o)
		}
		f.clk.Advance(24 * time.Hour)
		o = f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "已清理摊点并劝导", PhotoIDs: []int64{501, 502}})
		if o.State != wo.StateResolved || o.Resolution != "已清理摊点并劝导" {
			t.Fatalf("resolved: %+v", o)
		}
		o = f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionVerify})
		o = f.act(t, f.oper, s.ID, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingDissatisfied})
		if o.State != wo.StateReopened || o.ReopenCount != 1 || o.Satisfaction != wo.RatingDissatisfied {
			t.Fatalf("dissatisfied: %+v", o)
		}
		o = f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "已安排每日巡查"})
		o = f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionVerify})
		o = f.act(t, f.oper, s.ID, wo.ActionInput{Action: wo.ActionCallback, Rating: wo.RatingSatisfied})
		o = f.act(t, f.oper, s.ID, wo.ActionInput{Action: wo.ActionClose})
		if o.State != wo.StateClosed || o.ClosedAt == nil || o.Satisfaction != wo.RatingSatisfied {
			t.Fatalf("closed: %+v", o)
		}

		full, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		var actions []string
		for _, e := range full.Events {
			actions = append(actions, e.Action)
		}
		wantActions := []string{"submit", "accept", "dispatch", "acknowledge", "request_extension", "approve_extension",
			"resolve", "verify", "callback", "resolve", "verify", "callback", "close"}
		if !slices.Equal(actions, wantActions) {
			t.Fatalf("timeline %v", actions)
		}
		if ev := full.Events[6]; !slices.Equal(ev.PhotoIDs, []int64{501, 502}) || ev.ActorName != "handA" || ev.FromState != wo.StateAcknowledged {
			t.Fatalf("resolve event %+v", ev)
		}
		if ev := full.Events[2]; ev.DeadlineAt == nil || !ev.DeadlineAt.Equal(*full.AckDueAt) && ev.UnitID != f.unitA {
			t.Fatalf("dispatch event deadline %+v", ev)
		}
		if full.ReporterPhone != "138****8000" {
			t.Fatalf("phone not masked: %q", full.ReporterPhone)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder' AND entity_id = ?", audit(s.ID)); n != 12 {
			t.Fatalf("%d audit entries, want 12", n)
		}
		phone, err := f.svc.ReporterContact(f.ctx, f.disp, s.ID)
		if err != nil || phone != "13800138000" || f.count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'view_contact'") != 1 {
			t.Fatalf("reveal: %q %v", phone, err)
		}
		_, err = f.svc.ReporterContact(f.ctx, f.oper, s.ID)
		wantCode(t, err, errs.Forbidden)
	})
}

func audit(id int64) string { return strconv.FormatInt(id, 10) }

func TestRefusalsAreClearAndChangeNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "RUBBISH")
		other := f.submit(t, "RUBBISH")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		before, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		events := f.count(t, "SELECT COUNT(*) FROM workorder_events")
		audits := f.count(t, "SELECT COUNT(*) FROM audit_log")
		cases := []struct {
			name  string
			p     int // 0 disp, 1 oper, 2 handA, 3 handB, 4 leader
			in    wo.ActionInput
			code  errs.Code
			field string
		}{
			{"wrong state", 0, wo.ActionInput{Action: wo.ActionVerify}, errs.Conflict, ""},
			{"wrong role", 1, wo.ActionInput{Action: wo.ActionReassign, UnitID: f.unitB, Note: "x"}, errs.Forbidden, ""},
			{"leader reads only", 4, wo.ActionInput{Action: wo.ActionEscalate, Note: "x"}, errs.Forbidden, ""},
			{"out of scope is not found", 3, wo.ActionInput{Action: wo.ActionAcknowledge}, errs.NotFound, ""},
			{"return needs a reason", 2, wo.ActionInput{Action: wo.ActionReturn, Note: "  "}, errs.Invalid, "note"},
			{"reassign needs a unit", 0, wo.ActionInput{Action: wo.ActionReassign, Note: "换单位"}, errs.Invalid, "unit_id"},
			{"reassign to a missing unit", 0, wo.ActionInput{Action: wo.ActionReassign, UnitID: 99999, Note: "x"}, errs.Invalid, "unit_id"},
			{"recategorise to a group", 0, wo.ActionInput{Action: wo.ActionRecategorise, CategoryID: f.cats["G-CITY"]}, errs.Invalid, "category_id"},
			{"recategorise to the same", 0, wo.ActionInput{Action: wo.ActionRecategorise, CategoryID: f.cats["RUBBISH"]}, errs.Invalid, "category_id"},
			{"merge into itself", 0, wo.ActionInput{Action: wo.ActionMerge, ParentID: s.ID}, errs.Invalid, "parent_id"},
			{"unknown action", 0, wo.ActionInput{Action: "fly"}, errs.Invalid, ""},
		}
		ps := []*auth.Principal{f.disp, f.oper, f.handA, f.handB, f.leader}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Act(f.ctx, ps[c.p], s.ID, c.in)
				wantCode(t, err, c.code)
				if c.field != "" && errs.As(err).Fields[c.field].Key == "" {
					t.Fatalf("no message for %s: %v", c.field, err)
				}
			})
		}
		after, err := f.svc.Get(f.ctx, f.disp, s.ID)
		must(t, err)
		if after.State != before.State || !after.UpdatedAt.Equal(before.UpdatedAt) || after.UnitID != before.UnitID ||
			f.count(t, "SELECT COUNT(*) FROM workorder_events") != events || f.count(t, "SELECT COUNT(*) FROM audit_log") != audits {
			t.Fatal("a refused action changed something")
		}
		// The acknowledge deadline of a returned order no longer runs; the dispatcher reassigns.
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionReturn, Note: "不属于本单位职责"})
		o := f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
		if o.UnitID != f.unitB || o.State != wo.StateDispatched {
			t.Fatalf("redispatch: %+v", o)
		}
		if _, err := f.svc.Get(f.ctx, f.handA, other.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("undispatched order visible to a unit: %v", err)
		}
	})
}

func TestMergedOrdersFollowTheirParentToTheEnd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		parent := f.submit(t, "RUBBISH")
		a, b := f.submit(t, "RUBBISH"), f.submit(t, "RUBBISH")
		p, err := f.svc.Merge(f.ctx, f.disp, parent.ID, []int64{a.ID, b.ID}, "同一地点重复反映")
		must(t, err)
		if p.State != wo.StateSubmitted {
			t.Fatal(p.State)
		}
		// Merging into a merged order is refused and changes nothing.
		c := f.submit(t, "RUBBISH")
		_, err = f.svc.Merge(f.ctx, f.disp, a.ID, []int64{c.ID}, "")
		wantCode(t, err, errs.Invalid)
		_, err = f.svc.Merge(f.ctx, f.handA, parent.ID, []int64{c.ID}, "")
		wantCode(t, err, errs.NotFound)

		f.act(t, f.oper, parent.ID, wo.ActionInput{Action: wo.ActionAnswer, Note: "已告知清运时间"})
		for _, id := range []int64{a.ID, b.ID} {
			o, err := f.svc.Get(f.ctx, f.disp, id)
			must(t, err)
			last := o.Events[len(o.Events)-1]
			if o.State != wo.StateClosed || o.ParentID != parent.ID || last.Action != wo.EventFollowParent || last.Note != "已告知清运时间" {
				t.Fatalf("child %d: %s, %+v", id, o.State, last)
			}
		}
		if n := f.count(t, "SELECT COUNT(*) FROM workorder_events WHERE order_id = ? AND action = 'merge'", parent.ID); n != 2 {
			t.Fatalf("parent has %d merge events", n)
		}
		pv, err := f.svc.PublicView(f.ctx, strings.ToLower(a.Code))
		must(t, err)
		if pv.ParentCode != parent.Code || pv.State != wo.StateClosed {
			t.Fatalf("public view of a child: %+v", pv)
		}
	})
}

func TestPublicViewShowsNoPersonalDataAndOnlyPublicNotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "STREET_VENDING")
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionReturn, Note: "内部：应由街道办理，联系人张科长 13900001111"})
		f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionAcknowledge})
		f.act(t, f.handA, s.ID, wo.ActionInput{Action: wo.ActionResolve, Note: "摊贩已劝离", PhotoIDs: []int64{7}})
		pv, err := f.svc.PublicView(f.ctx, s.Code)
		must(t, err)
		blob := strings.Join([]string{pv.Title, pv.Description, pv.Resolution}, "|")
		for _, e := range pv.Events {
			blob += "|" + e.Note
		}
		for _, secret := range []string{"13800138000", "王女士", "嘉定北路", "张科长", "13900001111"} {
			if strings.Contains(blob, secret) {
				t.Errorf("public view shows %q", secret)
			}
		}
		if len(pv.Events) != 6 || pv.Events[5].Note != "摊贩已劝离" || !slices.Equal(pv.Events[5].PhotoIDs, []int64{7}) ||
			pv.UnitName != "市城市管理局" {
			t.Fatalf("public view %+v", pv)
		}
		for _, code := range []string{"", "ABC", "2222222222"} {
			if _, err := f.svc.PublicView(f.ctx, code); !errs.Is(err, errs.NotFound) {
				t.Fatalf("code %q: %v", code, err)
			}
		}
	})
}

func TestListFiltersPagesAndKeepsToTheScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var ids []int64
		for i, cat := range []string{"RUBBISH", "RUBBISH", "FLYERS", "NOISE", "PARKING"} {
			ids = append(ids, f.submit(t, cat).ID)
			f.clk.Advance(time.Hour)
			_ = i
		}
		hot, err := f.svc.Submit(f.ctx, f.oper, wo.SubmitInput{Channel: wo.ChannelHotline, CategoryID: f.cats["WATER"],
			Description: "整栋楼停水一天了", RegionID: f.distB})
		must(t, err)
		f.act(t, f.disp, ids[0], wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.squadA})
		f.act(t, f.disp, ids[2], wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitB})
		cityGroup := f.cats["G-CITY"]
		yes := true
		cases := []struct {
			name string
			p    *auth.Principal
			f    wo.Filter
			want []int64
		}{
			{"everything newest first", f.disp, wo.Filter{}, []int64{hot.ID, ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"by state", f.disp, wo.Filter{State: wo.StateDispatched}, []int64{ids[2], ids[0]}},
			{"by category", f.disp, wo.Filter{CategoryID: f.cats["RUBBISH"]}, []int64{ids[1], ids[0]}},
			{"by group", f.disp, wo.Filter{CategoryID: cityGroup}, []int64{ids[3], ids[2], ids[1], ids[0]}},
			{"by unit", f.disp, wo.Filter{UnitID: f.unitB}, []int64{ids[2]}},
			{"by region subtree", f.disp, wo.Filter{RegionID: f.distA}, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}},
			{"by channel", f.disp, wo.Filter{Channel: wo.ChannelHotline}, []int64{hot.ID}},
			{"overdue", f.disp, wo.Filter{Overdue: &yes}, nil},
			{"by date", f.disp, wo.Filter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}, []int64{ids[2], ids[1]}},
			{"handler of A sees its subtree", f.handA, wo.Filter{}, []int64{ids[0]}},
			{"handler of B sees its unit", f.handB, wo.Filter{}, []int64{ids[2]}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				got, more, err := f.svc.List(f.ctx, c.p, c.f)
				must(t, err)
				var gotIDs []int64
				for _, o := range got {
					gotIDs = append(gotIDs, o.ID)
					if o.ReporterPhone != "" && !strings.Contains(o.ReporterPhone, "*") {
						t.Fatalf("phone not masked in list: %q", o.ReporterPhone)
					}
				}
				if !slices.Equal(gotIDs, c.want) || more {
					t.Fatalf("got %v (more %v), want %v", gotIDs, more, c.want)
				}
			})
		}
		page2, more, err := f.svc.List(f.ctx, f.disp, wo.Filter{Size: 4, Page: 2})
		must(t, err)
		if len(page2) != 2 || more || page2[0].ID != ids[1] {
			t.Fatalf("page 2: %d rows, more %v", len(page2), more)
		}
		_, more, err = f.svc.List(f.ctx, f.disp, wo.Filter{Size: 4})
		if err != nil || !more {
			t.Fatalf("page 1 more = %v, %v", more, err)
		}
	})
}

func TestWorkingDayDeadlinesUseTheSeededHolidayCalendar(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		s := f.submit(t, "ILLEGAL_BUILDING") // complex: 15 working days
		o := f.act(t, f.disp, s.ID, wo.ActionInput{Action: wo.ActionDispatch, UnitID: f.unitA})
		// From Thu 12 Feb 09:00: 13, 14 (make-up Sat), 24–27, 28 (make-up Sat), 2–6 Mar, 9, 10, 11 Mar.
		want := time.Date(2026, 3, 11, 9, 0, 0, 0, wo.Zone)
		if !o.ResolveDueAt.Equal(want) {
			t.Fatalf("resolve due %s, want %s", o.ResolveDueAt.In(wo.Zone), want)
		}
	})
}

// TestATakenTrackingCodeIsDrawnAgain makes the code source repeat a code
// already in use: the order gets the next code drawn, and a source that
// never stops repeating is refused with a conflict after five tries and
// leaves no order behind, on both engines.
func TestATakenTrackingCodeIsDrawnAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		first := f.submit(t, "RUBBISH")
		draws := []string{first.Code, first.Code, "FRESHCODE2"}
		f.svc.SetCodeSource(func() string { c := draws[0]; draws = draws[1:]; return c })
		second := f.submit(t, "RUBBISH")
		if second.Code != "FRESHCODE2" || len(draws) != 0 {
			t.Fatalf("second order got %q; draws left %v", second.Code, draws)
		}
		f.svc.SetCodeSource(func() string { return first.Code })
		before := countOrders(t, f)
		_, err := f.svc.Submit(f.ctx, f.oper, wo.SubmitInput{Channel: wo.ChannelHotline, CategoryID: f.cats["RUBBISH"],
			Description: "垃圾堆放多日无人清运", RegionID: f.street})
		wantCode(t, err, errs.Conflict)
		if n := countOrders(t, f); n != before {
			t.Fatalf("orders %d after a refused intake, %d before", n, before)
		}
	})
}

func countOrders(t *testing.T, f *fixture) int64 {
	t.Helper()
	var n int64
	must(t, f.d.Read(f.ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(f.ctx, "SELECT COUNT(*) FROM workorders")
		return err
	}))
	return n
}
