package workorder

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
)

// The effects are checked against expectations written out by hand, for
// every (state, action) pair the table allows (the pairs are machine_test's
// want, itself independent of Rules), without a database.

var (
	fxNow   = time.Date(2026, 3, 10, 10, 0, 0, 0, Zone) // a Tuesday
	fxCat   = Category{ID: 3, AckHours: 24, ResolveValue: 7, ResolveUnit: CalendarDays}
	fxNewC  = Category{ID: 4, Name: "噪音", NameEN: "Noise", Urgency: UrgencyGeneral}
	fxUnit  = int64(11) // the unit holding the order
	fxOther = int64(12) // the unit a dispatch sends it to
)

// orderIn is an order in state st as the table's life leaves it: with a
// unit and deadlines once it was dispatched, acknowledged on time once it
// was acknowledged, resolved (90 minutes after its dispatch) while its
// resolution stands and once resolved before it was reopened.
func orderIn(st State) Order {
	o := Order{ID: 7, Code: "ABCDEFGH", Channel: ChannelHotline, CategoryID: fxCat.ID, RegionID: 5, State: st,
		Resolution: "旧的答复"}
	switch st {
	case StateSubmitted, StateAccepted:
		return o
	}
	o.UnitID, o.UnitPath = fxUnit, "/11/"
	o.DispatchedAt = ptr(fxNow.Add(-2 * time.Hour))
	o.AckDueAt, o.ResolveDueAt = ptr(fxNow.Add(22*time.Hour)), ptr(fxNow.AddDate(0, 0, 5))
	o.EscalationLevel, o.EscalatedAt, o.ResolveOverdue = 1, ptr(fxNow.Add(-time.Hour)), true
	if st == StateExtensionRequested {
		o.ExtensionUntil = ptr(o.ResolveDueAt.AddDate(0, 0, 2))
	}
	switch st {
	case StateAcknowledged, StateExtensionRequested, StateResolved, StateVerified, StateCallbackDone, StateReopened:
		o.AcknowledgedAt = ptr(fxNow.Add(-100 * time.Minute))
	}
	switch st {
	case StateResolved, StateVerified, StateCallbackDone, StateReopened:
		o.ResolvedAt = ptr(fxNow.Add(-30 * time.Minute))
	}
	if st == StateReopened {
		o.ReopenCount = 1
	}
	return o
}

// stepFor is a valid step of action a on o.
func stepFor(o Order, a Action, rating Rating) Step {
	st := Step{Action: a, At: fxNow, Note: "理由", Rating: rating, Category: fxCat}
	switch a {
	case ActionDispatch, ActionReassign:
		st.UnitID, st.UnitPath, st.AssistUnitIDs = fxOther, "/12/", []int64{13}
	case ActionRequestExtension:
		st.ExtensionUntil = o.ResolveDueAt.AddDate(0, 0, 3)
	case ActionRecategorise:
		st.NewCategory = fxNewC
	case ActionMerge:
		st.Parent = &Order{ID: 8, Code: "PARENT01", State: StateAccepted}
	}
	return st
}

// expect is what a step must do, written by hand.
type expect struct {
	to State // "": the state machine_test's want gives
	// delta is how the order's rollup counts (cohort.counts, which restat
	// moves) change with the step, and statUnit the unit whose row holds
	// them after it.
	delta      statDelta
	statUnit   int64
	notice     string
	noticeUnit int64
	data       []string // the event data's keys
	parentData []string
	assist     bool
	check      func(t *testing.T, before, after Order)
}

func expectFor(t *testing.T, before Order, a Action, rating Rating) expect {
	after7d := fxNow.AddDate(0, 0, 7)
	reopened := func(t *testing.T, b, o Order) {
		if o.ReopenCount != b.ReopenCount+1 || !o.ResolveDueAt.Equal(after7d) || o.ResolveOverdue ||
			o.EscalationLevel != 0 || o.EscalatedAt != nil || o.ExtensionUntil != nil {
			t.Fatalf("not reopened with a fresh deadline: %+v", o)
		}
	}
	closed := func(t *testing.T, b, o Order) {
		if o.ClosedAt == nil || !o.ClosedAt.Equal(fxNow) {
			t.Fatalf("closed_at %v", o.ClosedAt)
		}
	}
	u := before.UnitID
	// What the order's counts lose when it leaves the unit's hands or its
	// resolution no longer stands (orderIn's times).
	var unacked, unresolved statDelta
	switch before.State {
	case StateAcknowledged, StateExtensionRequested, StateReopened:
		unacked = statDelta{ackOnTime: -1}
	case StateResolved, StateVerified:
		unresolved = statDelta{resolved: -1, resolvedOnTime: -1, handlingMS: -(90 * time.Minute).Milliseconds(), handlingCount: -1}
	}
	switch a {
	case ActionAccept, ActionVerify:
		return expect{statUnit: u}
	case ActionReject, ActionClose:
		return expect{statUnit: u, check: func(t *testing.T, b, o Order) {
			closed(t, b, o)
			if o.Resolution != b.Resolution {
				t.Fatalf("resolution %q", o.Resolution)
			}
		}}
	case ActionAnswer:
		return expect{statUnit: u, check: func(t *testing.T, b, o Order) {
			closed(t, b, o)
			if o.Resolution != "理由" {
				t.Fatalf("resolution %q", o.Resolution)
			}
		}}
	case ActionDispatch, ActionReassign:
		// A fresh dispatch: held again if it was not, not acknowledged yet.
		delta := unacked
		switch before.State {
		case StateSubmitted, StateAccepted:
			delta = statDelta{dispatched: 1}
		case StateReturned:
			delta = statDelta{dispatched: 1, returned: -1}
		}
		return expect{delta: delta, statUnit: fxOther, notice: "workorder.notify.dispatched",
			noticeUnit: fxOther, data: []string{"ack_due_at", "assist_unit_ids", "resolve_due_at"}, assist: true,
			check: func(t *testing.T, b, o Order) {
				if o.UnitID != fxOther || o.UnitPath != "/12/" || !o.DispatchedAt.Equal(fxNow) ||
					!o.AckDueAt.Equal(fxNow.Add(24*time.Hour)) || !o.ResolveDueAt.Equal(after7d) ||
					o.AcknowledgedAt != nil || o.ExtensionUntil != nil || o.EscalatedAt != nil || o.AckOverdue ||
					o.ResolveOverdue || o.EscalationLevel != 0 || !slices.Equal(o.AssistUnitIDs, []int64{13}) {
					t.Fatalf("not dispatched afresh: %+v", o)
				}
			}}
	case ActionAcknowledge:
		return expect{delta: statDelta{ackOnTime: 1}, statUnit: u, check: func(t *testing.T, b, o Order) {
			if !o.AcknowledgedAt.Equal(fxNow) {
				t.Fatalf("acknowledged_at %v", o.AcknowledgedAt)
			}
		}}
	case ActionReturn:
		return expect{delta: statDelta{dispatched: -1, returned: 1}, statUnit: u}
	case ActionRequestExtension:
		return expect{statUnit: u, data: []string{"extension_until"}, check: func(t *testing.T, b, o Order) {
			if !o.ExtensionUntil.Equal(b.ResolveDueAt.AddDate(0, 0, 3)) || !o.ResolveDueAt.Equal(*b.ResolveDueAt) {
				t.Fatalf("extension %v, deadline %v", o.ExtensionUntil, o.ResolveDueAt)
			}
		}}
	case ActionApproveExtension:
		return expect{statUnit: u, notice: "workorder.notify.extension_approved", noticeUnit: u,
			check: func(t *testing.T, b, o Order) {
				if !o.ResolveDueAt.Equal(*b.ExtensionUntil) || o.ExtensionUntil != nil || o.ResolveOverdue {
					t.Fatalf("extension not in force: %+v", o)
				}
			}}
	case ActionRefuseExtension:
		return expect{statUnit: u, notice: "workorder.notify.extension_refused", noticeUnit: u,
			check: func(t *testing.T, b, o Order) {
				if !o.ResolveDueAt.Equal(*b.ResolveDueAt) || o.ExtensionUntil != nil {
					t.Fatalf("deadline moved: %+v", o)
				}
			}}
	case ActionResolve:
		return expect{delta: statDelta{resolved: 1, resolvedOnTime: 1, handlingMS: (2 * time.Hour).Milliseconds(), handlingCount: 1},
			statUnit: u, check: func(t *testing.T, b, o Order) {
				if !o.ResolvedAt.Equal(fxNow) || o.Resolution != "理由" || o.ExtensionUntil != nil {
					t.Fatalf("not resolved: %+v", o)
				}
			}}
	case ActionRefuse:
		d := unresolved
		d.reopened = 1
		return expect{delta: d, statUnit: u, notice: "workorder.notify.reopened", noticeUnit: u,
			check: reopened}
	case ActionCallback:
		e := expect{statUnit: u, data: []string{"rating"}}
		switch rating {
		case RatingSatisfied:
			e.delta = statDelta{reached: 1, satisfied: 1}
		case RatingBasicallySatisfied:
			e.delta = statDelta{reached: 1, basic: 1}
		case RatingUnreachable:
		case RatingDissatisfied:
			e.to, e.delta = StateReopened, unresolved
			e.delta.reached, e.delta.dissatisfied, e.delta.reopened = 1, 1, 1
			e.notice, e.noticeUnit, e.check = "workorder.notify.reopened", u, reopened
		}
		prev := e.check
		e.check = func(t *testing.T, b, o Order) {
			if o.Satisfaction != rating {
				t.Fatalf("satisfaction %q", o.Satisfaction)
			}
			if prev != nil {
				prev(t, b, o)
			}
		}
		return e
	case ActionMerge:
		// A merged order is its parent's: no longer held, nor returned.
		var d statDelta
		switch before.State {
		case StateDispatched:
			d = statDelta{dispatched: -1}
		case StateAcknowledged, StateExtensionRequested, StateReopened:
			d = statDelta{dispatched: -1, ackOnTime: -1}
		case StateReturned:
			d = statDelta{returned: -1}
		}
		return expect{delta: d, statUnit: u, data: []string{"parent_code", "parent_id"}, parentData: []string{"child_code", "child_id"},
			check: func(t *testing.T, b, o Order) {
				if o.ParentID != 8 {
					t.Fatalf("parent %d", o.ParentID)
				}
			}}
	case ActionRecategorise:
		return expect{statUnit: u, data: []string{"from_category_id", "to_category_id"}, check: func(t *testing.T, b, o Order) {
			if o.CategoryID != fxNewC.ID || o.CategoryName != "噪音" || o.CategoryNameEN != "Noise" || o.Urgency != UrgencyGeneral {
				t.Fatalf("category %+v", o)
			}
		}}
	case ActionRecheckPass:
		return expect{statUnit: u, check: closed}
	case ActionRecheckFail:
		d := unresolved
		d.reopened = 1
		return expect{delta: d, statUnit: u, notice: "workorder.notify.reopened", noticeUnit: u, data: []string{"recheck"},
			check: reopened}
	case ActionEscalate:
		return expect{statUnit: u, notice: "workorder.notify.escalated", noticeUnit: u, data: []string{"level"},
			check: func(t *testing.T, b, o Order) {
				if o.EscalationLevel != b.EscalationLevel+1 || !o.EscalatedAt.Equal(fxNow) {
					t.Fatalf("level %d at %v", o.EscalationLevel, o.EscalatedAt)
				}
			}}
	}
	t.Fatalf("no expectation for %s", a)
	return expect{}
}

func TestEveryActionHasOneEffectBesideItsRule(t *testing.T) {
	for _, r := range Rules {
		if effects[r.Action].apply == nil {
			t.Errorf("%s has no effect", r.Action)
		}
	}
	for a := range effects {
		if _, ok := RuleFor(a); !ok {
			t.Errorf("effect of %s, which the table does not have", a)
		}
	}
}

func TestEveryAllowedStepChangesStateRollupNoticeAndDataAsWrittenOut(t *testing.T) {
	n := 0
	for _, from := range States {
		for _, a := range Actions {
			want, ok := want[from][a]
			if !ok { // a rectification's own step (its recheck)
				want, ok = wantRect[from][a]
			}
			if !ok {
				continue
			}
			if want == "=" {
				want = from
			}
			ratings := []Rating{""}
			if a == ActionCallback {
				ratings = Ratings
			}
			for _, rating := range ratings {
				n++
				t.Run(string(from)+"/"+string(a)+"/"+string(rating), func(t *testing.T) {
					o := orderIn(from)
					before := o
					st := stepFor(o, a, rating)
					exp := expectFor(t, before, a, rating)
					if exp.to == "" {
						exp.to = want
					}
					fx, err := takeStep(&o, &st)
					if err != nil {
						t.Fatal(err)
					}
					if fx.From != from || fx.To != exp.to || o.State != exp.to {
						t.Fatalf("%s → %s (order %s), want %s", fx.From, fx.To, o.State, exp.to)
					}
					_, d0 := cohortOf(&before).counts()
					k1, d1 := cohortOf(&o).counts()
					moved := d1
					moved.sub(d0)
					if moved != exp.delta {
						t.Fatalf("counts moved by %+v, want %+v", moved, exp.delta)
					}
					wantKey := statKey{unitID: exp.statUnit, regionID: 5, categoryID: o.CategoryID, channel: ChannelHotline}
					if k1 != wantKey {
						t.Fatalf("counted on %+v, want %+v", k1, wantKey)
					}
					if fx.NoticeKey != exp.notice || fx.NoticeUnit != exp.noticeUnit {
						t.Fatalf("notice %q to %d, want %q to %d", fx.NoticeKey, fx.NoticeUnit, exp.notice, exp.noticeUnit)
					}
					if got := slices.Sorted(maps.Keys(fx.Data)); !slices.Equal(got, exp.data) {
						t.Fatalf("data keys %v, want %v", got, exp.data)
					}
					if got := slices.Sorted(maps.Keys(fx.ParentData)); !slices.Equal(got, exp.parentData) {
						t.Fatalf("parent data keys %v, want %v", got, exp.parentData)
					}
					if fx.Assist != exp.assist {
						t.Fatalf("assist %v", fx.Assist)
					}
					if fx.Follow != (exp.to.Final() && exp.to != StateMerged) {
						t.Fatalf("follow %v at %s", fx.Follow, exp.to)
					}
					if !o.UpdatedAt.Equal(fxNow) {
						t.Fatalf("updated_at %v", o.UpdatedAt)
					}
					if exp.check != nil {
						exp.check(t, before, o)
					}
				})
			}
		}
	}
	pairs := len(Ratings) - 1 // callback once per rating
	for _, r := range Rules {
		pairs += len(r.From)
	}
	if n != pairs {
		t.Fatalf("%d steps checked, the table allows %d", n, pairs)
	}
}

func TestLateStepsCountNothingOnTime(t *testing.T) {
	o := orderIn(StateDispatched)
	st := stepFor(o, ActionAcknowledge, "")
	st.At = o.AckDueAt.Add(time.Minute)
	_, err := takeStep(&o, &st)
	if _, d := cohortOf(&o).counts(); err != nil || d != (statDelta{received: 1, dispatched: 1}) {
		t.Fatalf("late acknowledge: %+v %v", d, err)
	}
	st = stepFor(o, ActionResolve, "")
	st.At = o.ResolveDueAt.Add(time.Minute)
	_, err = takeStep(&o, &st)
	want := statDelta{received: 1, dispatched: 1, resolved: 1, handlingMS: st.At.Sub(*o.DispatchedAt).Milliseconds(), handlingCount: 1}
	if _, d := cohortOf(&o).counts(); err != nil || d != want {
		t.Fatalf("late resolve: %+v %v, want %+v", d, err, want)
	}
}

func TestACitizensCallbackSaysSoInItsData(t *testing.T) {
	o := orderIn(StateVerified)
	st := stepFor(o, ActionCallback, RatingSatisfied)
	st.ByCitizen, st.IP = true, "203.0.113.9"
	fx, err := takeStep(&o, &st)
	if err != nil || fx.Data["by"] != "citizen" || fx.Data["ip"] != "203.0.113.9" || fx.Data["rating"] != RatingSatisfied {
		t.Fatalf("%+v %v", fx.Data, err)
	}
}

func TestFollowingAParentClosesTheChildWithTheParentsOutcome(t *testing.T) {
	child := orderIn(StateMerged)
	child.ParentID = 8
	_, counted := cohortOf(&child).counts()
	parent := Order{ID: 8, Code: "PARENT01", State: StateClosed, Resolution: "已清理"}
	fx := followEffect(&child, &parent, fxNow)
	if _, d := cohortOf(&child).counts(); d != counted || d != (statDelta{received: 1}) {
		t.Fatalf("a merged child is counted %+v, then %+v", counted, d)
	}
	if fx.From != StateMerged || fx.To != StateClosed || child.State != StateClosed || !child.ClosedAt.Equal(fxNow) ||
		child.Resolution != "已清理" || fx.Data["parent_id"] != int64(8) || fx.Data["parent_state"] != StateClosed ||
		fx.Data["parent_code"] != "PARENT01" {
		t.Fatalf("%+v %+v", fx, child)
	}
}

func TestGuardsRefuseBadInputsOnTheirField(t *testing.T) {
	acked := orderIn(StateAcknowledged)
	due := *acked.ResolveDueAt
	cases := []struct {
		name  string
		o     Order
		edit  func(st *Step)
		field string
		key   string
	}{
		{"a reason is needed", orderIn(StateDispatched), func(st *Step) { st.Action, st.Note = ActionReturn, "" }, "note", "workorder.field.reason_required"},
		{"a note too long", orderIn(StateDispatched), func(st *Step) {
			st.Action, st.Note = ActionReturn, string(make([]rune, MaxNoteLen+1))
		}, "note", "field.too_long"},
		{"too many photos", acked, func(st *Step) { st.Action, st.PhotoIDs = ActionResolve, make([]int64, MaxPhotos+1) }, "photos", "workorder.field.too_many_photos"},
		{"a resolution without the photo its category requires", acked, func(st *Step) {
			st.Action, st.PhotoIDs = ActionResolve, nil
			st.Category.EvidenceRequired = true
		}, "photos", "workorder.field.evidence_required"},
		{"too many assisting units", orderIn(StateAccepted), func(st *Step) {
			st.Action, st.UnitID, st.AssistUnitIDs = ActionDispatch, fxOther, make([]int64, MaxAssistUnits+1)
		}, "assist_unit_ids", "workorder.field.too_many_units"},
		{"dispatch needs a unit", orderIn(StateAccepted), func(st *Step) { st.Action, st.UnitID = ActionDispatch, 0 }, "unit_id", "field.bad_choice"},
		{"extension in the past", acked, func(st *Step) {
			st.Action, st.ExtensionUntil = ActionRequestExtension, fxNow.Add(-time.Minute)
		}, "extension_until", "workorder.field.extension_in_past"},
		{"extension not later", acked, func(st *Step) {
			st.Action, st.ExtensionUntil = ActionRequestExtension, due
		}, "extension_until", "workorder.field.extension_not_later"},
		{"extension too far", acked, func(st *Step) {
			st.Action, st.ExtensionUntil = ActionRequestExtension, due.AddDate(0, 0, MaxExtensionDays).Add(time.Second)
		}, "extension_until", "workorder.field.extension_too_far"},
		{"extension to 2036", acked, func(st *Step) {
			st.Action, st.ExtensionUntil = ActionRequestExtension, time.Date(2036, 12, 31, 0, 0, 0, 0, Zone)
		}, "extension_until", "workorder.field.extension_too_far"},
		{"a bad rating", orderIn(StateVerified), func(st *Step) { st.Action, st.Rating = ActionCallback, "great" }, "rating", "field.bad_choice"},
		{"the same category", acked, func(st *Step) { st.Action, st.NewCategory = ActionRecategorise, fxCat }, "category_id", "workorder.field.same_category"},
		{"merge into itself", acked, func(st *Step) { st.Action, st.Parent = ActionMerge, &Order{ID: 7, State: StateAccepted} }, "parent_id", "field.bad_choice"},
		{"merge into nothing", acked, func(st *Step) { st.Action, st.Parent = ActionMerge, nil }, "parent_id", "field.bad_choice"},
		{"merge into a closed order", acked, func(st *Step) { st.Action, st.Parent = ActionMerge, &Order{ID: 8, State: StateClosed} }, "parent_id", "workorder.field.parent_not_open"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.o
			before := o
			st := Step{At: fxNow, Note: "理由", Category: fxCat}
			c.edit(&st)
			_, err := takeStep(&o, &st)
			if !errs.Is(err, errs.Invalid) || errs.As(err).Fields[c.field].Key != c.key {
				t.Fatalf("err %v, want %s on %s", err, c.key, c.field)
			}
			if o.State != before.State || !o.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatal("a refused step changed the order")
			}
		})
	}
}

// TestAResolutionWithAPhotoMeetsItsCategorysEvidenceRule: the same
// category's resolution with a photo, and one without in a category that
// does not require it, are taken.
func TestAResolutionWithAPhotoMeetsItsCategorysEvidenceRule(t *testing.T) {
	for _, c := range []struct {
		required bool
		photos   []int64
	}{{true, []int64{41}}, {false, nil}, {false, []int64{41}}} {
		o := orderIn(StateAcknowledged)
		cat := fxCat
		cat.EvidenceRequired = c.required
		st := Step{Action: ActionResolve, At: fxNow, Note: "已处理", Category: cat, PhotoIDs: c.photos}
		if _, err := takeStep(&o, &st); err != nil || o.State != StateResolved {
			t.Errorf("required=%v photos=%v: %v, state %s", c.required, c.photos, err, o.State)
		}
	}
}

// The latest extension is 30 days beyond the deadline in force, or one
// more resolve limit by the category's calendar when that is longer: a
// 40-working-day matter's limit is added with holidays skipped.
func TestTheLatestExtensionIsAMonthOrOneMoreResolveLimitByTheCategorysCalendar(t *testing.T) {
	o := orderIn(StateAcknowledged)
	due := *o.ResolveDueAt
	cal := Calendar{"2026-03-20": Holiday}
	for _, c := range []struct {
		limit int
		want  time.Time
	}{
		{7, due.AddDate(0, 0, 30)},
		{15, due.AddDate(0, 0, 30)},
		{40, Deadline(cal, due, 40, WorkingDays)},
	} {
		st := Step{At: fxNow, Category: Category{ResolveValue: c.limit, ResolveUnit: WorkingDays}, Deadline: calendarDeadline(cal)}
		got, err := maxExtension(&o, &st)
		if err != nil || !got.Equal(c.want) {
			t.Fatalf("limit %d working days: latest %v %v, want %v", c.limit, got, err, c.want)
		}
	}
	if Deadline(cal, due, 40, WorkingDays).Before(due.AddDate(0, 0, 50)) {
		t.Fatal("40 working days with a holiday should be more than 50 calendar days")
	}
	// An order already past its deadline counts from now.
	o.ResolveDueAt = ptr(fxNow.Add(-time.Hour))
	st := Step{At: fxNow, Category: Category{ResolveValue: 7, ResolveUnit: CalendarDays}, Deadline: calendarDeadline(cal)}
	if got, _ := maxExtension(&o, &st); !got.Equal(fxNow.AddDate(0, 0, 30)) {
		t.Fatalf("latest from now %v", got)
	}
}

func TestTheTimersStepsMarkEscalateAndTellAsWrittenOut(t *testing.T) {
	o := orderIn(StateDispatched)
	o.EscalationLevel, o.EscalatedAt, o.ResolveOverdue = 0, nil, false
	at := o.AckDueAt.Add(time.Minute)
	fx := overdueEffect(&o, "ack", at)
	if !o.AckOverdue || o.ResolveOverdue || o.EscalationLevel != 1 || !o.EscalatedAt.Equal(at) || !o.UpdatedAt.Equal(at) {
		t.Fatalf("first overdue: %+v", o)
	}
	if len(fx.events) != 2 || fx.events[0].action != EventOverdue || jsonString(fx.events[0].data) != `{"kind":"ack"}` ||
		fx.events[1].action != EventAutoEscalate || jsonString(fx.events[1].data) != `{"kind":"ack","level":1}` ||
		!fx.events[0].deadline.Equal(*o.AckDueAt) || fx.Kind != "overdue" || fx.UnitKey != "workorder.notify.overdue_ack" ||
		fx.GroupKey != "workorder.notify.group_overdue_ack" || fx.ParentUnit {
		t.Fatalf("first overdue effect %+v", fx)
	}
	// The resolve deadline missed later: marked, no new level, nobody told again.
	later := o.ResolveDueAt.Add(time.Minute)
	fx = overdueEffect(&o, "resolve", later)
	if !o.ResolveOverdue || o.EscalationLevel != 1 || !o.EscalatedAt.Equal(at) || len(fx.events) != 1 ||
		!fx.events[0].deadline.Equal(*o.ResolveDueAt) || fx.UnitKey != "" || fx.GroupKey != "" {
		t.Fatalf("second overdue: %+v %+v", o, fx)
	}
	l2 := later.Add(DefaultLevel2After)
	fx = level2Effect(&o, l2)
	if o.EscalationLevel != 2 || !o.EscalatedAt.Equal(l2) || len(fx.events) != 1 || jsonString(fx.events[0].data) != `{"level":2}` ||
		!fx.events[0].deadline.Equal(*o.AckDueAt) || fx.Kind != "escalated" || fx.UnitKey != "workorder.notify.escalated_level2" ||
		fx.GroupKey != "workorder.notify.group_escalated_level2" || !fx.ParentUnit {
		t.Fatalf("level 2: %+v %+v", o, fx)
	}
}
