package volunteer_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// TestOrderStateMachine checks every (state, action, role) triple against
// the moves the process allows, so a move added or lost in OrderSteps
// fails here: 群众点单 → 中心派单 → 志愿者接单 → 群众评单, with the station's
// refusal and the team's giving back.
func TestOrderStateMachine(t *testing.T) {
	type key struct {
		from volunteer.OrderState
		a    volunteer.OrderAction
		by   volunteer.OrderRole
	}
	want := map[key]volunteer.OrderState{
		{volunteer.OrderOrdered, volunteer.ActAssign, volunteer.RoleStation}:    volunteer.OrderAssigned,
		{volunteer.OrderOrdered, volunteer.ActRefuse, volunteer.RoleStation}:    volunteer.OrderRefused,
		{volunteer.OrderAssigned, volunteer.ActAssign, volunteer.RoleStation}:   volunteer.OrderAssigned,
		{volunteer.OrderAssigned, volunteer.ActAccept, volunteer.RoleTeam}:      volunteer.OrderAccepted,
		{volunteer.OrderAssigned, volunteer.ActGiveBck, volunteer.RoleTeam}:     volunteer.OrderOrdered,
		{volunteer.OrderAccepted, volunteer.ActDone, volunteer.RoleTeam}:        volunteer.OrderServed,
		{volunteer.OrderServed, volunteer.ActRate, volunteer.RoleResident}:      volunteer.OrderRated,
		{volunteer.OrderOrdered, volunteer.ActWithdraw, volunteer.RoleResident}: volunteer.OrderWithdrawn,
	}
	n := 0
	for _, from := range volunteer.OrderStates {
		for _, a := range volunteer.OrderActions {
			for _, by := range volunteer.OrderRoles {
				n++
				got, ok := volunteer.NextOrderState(from, a, by)
				exp, allowed := want[key{from, a, by}]
				if ok != allowed || got != exp {
					t.Errorf("%s --%s by %s--> %q (allowed %v), want %q (allowed %v)", from, a, by, got, ok, exp, allowed)
				}
			}
		}
	}
	if n != len(volunteer.OrderStates)*len(volunteer.OrderActions)*len(volunteer.OrderRoles) || len(volunteer.OrderSteps) != len(want) {
		t.Fatalf("%d triples, %d steps, %d expected", n, len(volunteer.OrderSteps), len(want))
	}
	// The ends are ends: nobody moves a rated, refused or withdrawn order.
	for _, end := range []volunteer.OrderState{volunteer.OrderRated, volunteer.OrderRefused, volunteer.OrderWithdrawn} {
		for _, s := range volunteer.OrderSteps {
			if s.From == end {
				t.Errorf("a move out of %s: %+v", end, s)
			}
		}
	}
}

func TestOrderValidation(t *testing.T) {
	cases := []struct {
		name, field, key string
		edit             func(*volunteer.OrderInput)
	}{
		{"station", "station_id", "field.required", func(in *volunteer.OrderInput) { in.StationID = 0 }},
		{"kind", "kind", "field.bad_choice", func(in *volunteer.OrderInput) { in.Kind = "magic" }},
		{"detail", "detail", "field.required", func(in *volunteer.OrderInput) { in.Detail = "  " }},
		{"phone", "phone", "field.bad_phone", func(in *volunteer.OrderInput) { in.Phone = "12345" }},
		{"no phone", "phone", "field.required", func(in *volunteer.OrderInput) { in.Phone = "" }},
		{"bad day", "wanted_day", "field.bad_date", func(in *volunteer.OrderInput) { in.WantedDay = "2026-02-30" }},
		{"past day", "wanted_day", "volunteer.order.past_day", func(in *volunteer.OrderInput) { in.WantedDay = "2026-11-01" }},
	}
	for _, c := range cases {
		in := volunteer.OrderInput{StationID: 1, Kind: "haircut", Detail: "老人行动不便，请上门理发", Phone: "139 0000 0001"}
		c.edit(&in)
		var f errs.Fields
		in.Validate(&f, "2026-11-29")
		if e := errs.As(f.Err()); e == nil || e.Fields[c.field].Key != c.key {
			t.Errorf("%s: got %v", c.name, f.Err())
		}
	}
	in := volunteer.OrderInput{StationID: 1, Kind: "repair", Detail: "电视没有信号", Phone: "139-0000-0001", WantedDay: "2026-11-29"}
	var f errs.Fields
	if in.Validate(&f, "2026-11-29"); f.Err() != nil || in.Phone != "13900000001" {
		t.Fatalf("good order: %v %q", f.Err(), in.Phone)
	}
}

// orderFixture: the S1 tree (centre, institute, station) with a team at
// the institute led by a volunteer with a login, and a team in S2.
type orderFixture struct {
	*fixture
	station, team, otherTeam int64
	leader, member           *auth.Principal
}

func setupOrders(t *testing.T, d *db.DB) *orderFixture {
	t.Helper()
	ctx := context.Background()
	fx := setup(t, d)
	of := &orderFixture{fixture: fx}
	mk := func(region, name string) int64 {
		id, err := fx.svc.CreateStation(ctx, fx.org, volunteer.StationInput{RegionID: fx.regions[region], Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	mk("D", "市中区新时代文明实践中心")
	inst := mk("S1", "张公桥实践所")
	of.station = mk("S1C1", "张公桥社区实践站")
	mk("S2", "泊水实践所")
	var err error
	if of.team, err = fx.svc.CreateTeam(ctx, fx.org, volunteer.TeamInput{Name: "张公桥巾帼志愿服务队", RegionID: fx.regions["S1"], StationID: inst}); err != nil {
		t.Fatal(err)
	}
	if of.otherTeam, err = fx.svc.CreateTeam(ctx, fx.org, volunteer.TeamInput{Name: "泊水青年志愿服务队", RegionID: fx.regions["S2"]}); err != nil {
		t.Fatal(err)
	}
	nums := fx.approved(t, 2, 700)
	if err := fx.svc.AddMember(ctx, fx.org, of.team, nums[0], true); err != nil {
		t.Fatal(err)
	}
	if err := fx.svc.AddMember(ctx, fx.org, of.team, nums[1], false); err != nil {
		t.Fatal(err)
	}
	principal := func(number string) *auth.Principal {
		vid := count(t, d, "SELECT id FROM volunteers WHERE number = ?", number)
		if _, err := fx.svc.CreateLogin(ctx, fx.org, vid); err != nil {
			t.Fatal(err)
		}
		uid := count(t, d, "SELECT user_id FROM volunteers WHERE id = ?", vid)
		p, err := fx.accounts.Principal(ctx, uid)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	of.leader, of.member = principal(nums[0]), principal(nums[1])
	return of
}

func (of *orderFixture) place(t *testing.T, ip string) (string, int64) {
	t.Helper()
	code, err := of.svc.PlaceOrder(context.Background(), ip, volunteer.OrderInput{StationID: of.station, Kind: "haircut",
		Detail: "独居老人行动不便，请上门理发", Name: "王大爷", Phone: "13900009999", Address: "张公桥路3号"})
	if err != nil {
		t.Fatal(err)
	}
	return code, count(t, of.d, "SELECT id FROM service_orders WHERE code = ?", code)
}

func isKey(err error, code errs.Code, field, key string) bool {
	e := errs.As(err)
	if e == nil || e.Code != code {
		return false
	}
	if field == "" {
		return e.Key == key
	}
	return e.Fields[field].Key == key
}

// TestServiceOrderFromOrderToRating runs an order through the whole
// process on both engines: the station assigns within its own reach, the
// team gives it back and takes it again, serves and reports, the resident
// sees it (without anyone's phone) and rates it once; moves out of turn
// and from outside the scope are refused and leave the order as it was.
func TestServiceOrderFromOrderToRating(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		of := setupOrders(t, d)
		if _, err := of.svc.PlaceOrder(ctx, "10.0.0.1", volunteer.OrderInput{StationID: of.team, Kind: "haircut", Detail: "x", Phone: "13900009999"}); !isKey(err, errs.Invalid, "station_id", "field.bad_choice") {
			t.Fatalf("not a station: %v", err)
		}
		code, id := of.place(t, "10.0.0.1")
		if len(code) != 10 {
			t.Fatalf("code %q", code)
		}
		if err := of.svc.Rate(ctx, code, 5, ""); !isKey(err, errs.Conflict, "", "volunteer.order.bad_move") {
			t.Fatalf("rated before service: %v", err)
		}
		// The S2 street's organiser does not see S1's orders.
		if _, err := of.svc.Order(ctx, of.street, id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other street: %v", err)
		}
		teams, err := of.svc.AssignableTeams(ctx, of.org, id)
		if err != nil || len(teams) != 1 || teams[0].ID != of.team {
			t.Fatalf("assignable %+v %v", teams, err)
		}
		if err := of.svc.Assign(ctx, of.org, id, of.otherTeam); !isKey(err, errs.Invalid, "team_id", "field.bad_choice") {
			t.Fatalf("a team of another street: %v", err)
		}
		if err := of.svc.TeamAct(ctx, of.leader, id, volunteer.ActAccept, "", volunteer.DoneInput{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("accepted before assignment: %v", err)
		}
		if err := of.svc.Assign(ctx, of.org, id, of.team); err != nil {
			t.Fatal(err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = ?", of.leader.UserID, volunteer.NoticeOrderKind); n != 1 {
			t.Fatalf("%d notices to the leader", n)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM notifications WHERE user_id = ?", of.member.UserID); n != 0 {
			t.Fatalf("a member who does not lead was told")
		}
		// A member who does not lead the team cannot act on its orders.
		if err := of.svc.TeamAct(ctx, of.member, id, volunteer.ActAccept, "", volunteer.DoneInput{}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("a member accepted: %v", err)
		}
		if err := of.svc.TeamAct(ctx, of.leader, id, volunteer.ActGiveBck, "", volunteer.DoneInput{}); !isKey(err, errs.Invalid, "reason", "field.required") {
			t.Fatalf("given back without a reason: %v", err)
		}
		if err := of.svc.TeamAct(ctx, of.leader, id, volunteer.ActGiveBck, "本周队员都在外地", volunteer.DoneInput{}); err != nil {
			t.Fatal(err)
		}
		o, err := of.svc.Order(ctx, of.org, id)
		if err != nil || o.State != volunteer.OrderOrdered || o.TeamID != 0 || o.Reason != "本周队员都在外地" {
			t.Fatalf("given back: %+v %v", o, err)
		}
		if err := of.svc.Assign(ctx, of.org, id, of.team); err != nil {
			t.Fatal(err)
		}
		// Two taps on "accept" at once: one wins, the other is refused.
		var wg sync.WaitGroup
		errsOut := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errsOut[i] = of.svc.TeamAct(ctx, of.leader, id, volunteer.ActAccept, "", volunteer.DoneInput{})
			}()
		}
		wg.Wait()
		if (errsOut[0] == nil) == (errsOut[1] == nil) {
			t.Fatalf("two accepts: %v, %v", errsOut[0], errsOut[1])
		}
		if err := of.svc.Assign(ctx, of.org, id, of.team); !isKey(err, errs.Conflict, "", "volunteer.order.bad_move") {
			t.Fatalf("re-assigned after acceptance: %v", err)
		}
		if err := of.svc.TeamAct(ctx, of.leader, id, volunteer.ActDone, "", volunteer.DoneInput{Note: "已理发", Volunteers: 2, Minutes: 0}); !isKey(err, errs.Invalid, "minutes", "field.out_of_range") {
			t.Fatalf("done without minutes: %v", err)
		}
		of.svc.Clock.(*clock.Fake).Advance(2 * time.Hour)
		if err := of.svc.TeamAct(ctx, of.leader, id, volunteer.ActDone, "", volunteer.DoneInput{Note: "上门理发一次", Volunteers: 2, Minutes: 90}); err != nil {
			t.Fatal(err)
		}
		pub, err := of.svc.OrderByCode(ctx, " "+code[:5]+" "+code[5:]+" ")
		if err != nil || pub.State != volunteer.OrderServed || pub.TeamName != "张公桥巾帼志愿服务队" || pub.ServedAt == nil {
			t.Fatalf("public view %+v %v", pub, err)
		}
		if err := of.svc.Rate(ctx, code, 6, ""); !isKey(err, errs.Invalid, "rating", "field.out_of_range") {
			t.Fatalf("six stars: %v", err)
		}
		if err := of.svc.Rate(ctx, code, 5, "师傅手艺好，很耐心"); err != nil {
			t.Fatal(err)
		}
		if err := of.svc.Rate(ctx, code, 1, "改评"); !isKey(err, errs.Conflict, "", "volunteer.order.bad_move") {
			t.Fatalf("rated twice: %v", err)
		}
		o, err = of.svc.Order(ctx, of.org, id)
		if err != nil || o.State != volunteer.OrderRated || o.Rating != 5 || o.Minutes != 90 || o.Volunteers != 2 || o.RatedAt == nil {
			t.Fatalf("rated: %+v %v", o, err)
		}
		if _, err := of.svc.OrderByCode(ctx, "AAAAAAAAAA"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown code: %v", err)
		}
		// A refused order says why and moves no further.
		_, id2 := of.place(t, "10.0.0.2")
		if err := of.svc.Refuse(ctx, of.org, id2, ""); !isKey(err, errs.Invalid, "reason", "field.required") {
			t.Fatalf("refused without reason: %v", err)
		}
		if err := of.svc.Refuse(ctx, of.org, id2, "不在本站服务范围"); err != nil {
			t.Fatal(err)
		}
		if err := of.svc.Assign(ctx, of.org, id2, of.team); !isKey(err, errs.Conflict, "", "volunteer.order.bad_move") {
			t.Fatalf("assigned after refusal: %v", err)
		}
		list, total, err := of.svc.Orders(ctx, of.org, volunteer.OrderFilter{})
		if err != nil || total != 2 || len(list) != 2 {
			t.Fatalf("list %d %v", total, err)
		}
		mine, err := of.svc.TeamOrders(ctx, of.leader)
		if err != nil || len(mine) != 1 || mine[0].ID != id {
			t.Fatalf("team's orders %+v %v", mine, err)
		}
		figs, err := of.svc.Figures(ctx, of.org, figures.Scope{From: "2026-11-01", To: "2026-11-30"})
		if err != nil || figs[volunteer.FigServed] != 1 {
			t.Fatalf("orders served %v %v", figs, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE entity = 'service_order'"); n < 8 {
			t.Fatalf("%d audit rows", n)
		}
	})
}

// TestServiceOrderThrottle: one address places at most the limit's orders
// in a window; another address is not affected; the next window is open.
func TestServiceOrderThrottle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		of := setupOrders(t, d)
		of.svc.OrderLimit = volunteer.OrderLimit{Orders: 2, Window: time.Hour}
		of.place(t, "10.0.0.9")
		of.place(t, "10.0.0.9")
		_, err := of.svc.PlaceOrder(ctx, "10.0.0.9", volunteer.OrderInput{StationID: of.station, Kind: "repair", Detail: "冰箱不制冷", Phone: "13900009998"})
		if !errs.Is(err, errs.TooMany) {
			t.Fatalf("third order: %v", err)
		}
		of.place(t, "10.0.0.10")
		of.svc.Clock.(*clock.Fake).Advance(time.Hour)
		of.place(t, "10.0.0.9")
		if n := count(t, d, "SELECT COUNT(*) FROM service_orders"); n != 4 {
			t.Fatalf("%d orders", n)
		}
	})
}
