package volunteer_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// TestAPartyMemberRegistersThemselvesAndTheCommunityApproves, on both
// engines: a bad registration names the field and saves nothing; a good
// one waits; the same phone cannot wait twice; another street's organiser
// neither sees nor approves it; two approvals at once register the member
// once, with a card number; the card's PDF reads back in Chinese; a
// rejection needs a reason.
func TestAPartyMemberRegistersThemselvesAndTheCommunityApproves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		in := volunteer.PartyInput{Name: "吴党员", Phone: "139 0000 7201", UnitID: fx.unit, RegionID: fx.regions["S1C1"], Building: "2栋",
			Roles: []string{"building_leader"}, Posts: []string{"elderly"}}
		for _, c := range []struct {
			name, field, key string
			edit             func(*volunteer.PartyInput)
		}{
			{"no name", "name", "field.required", func(x *volunteer.PartyInput) { x.Name = " " }},
			{"landline", "phone", "volunteer.bad_mobile", func(x *volunteer.PartyInput) { x.Phone = "0833-2123456" }},
			{"a street", "region_id", "field.bad_choice", func(x *volunteer.PartyInput) { x.RegionID = fx.regions["S1"] }},
			{"no employer", "unit_id", "field.required", func(x *volunteer.PartyInput) { x.UnitID = 0 }},
		} {
			x := in
			c.edit(&x)
			if _, err := fx.svc.ApplyPartyMember(ctx, "10.1.1.1", x); !isKey(err, errs.Invalid, c.field, c.key) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if n := count(t, d, "SELECT COUNT(*) FROM party_applications"); n != 0 {
			t.Fatalf("%d bad registrations saved", n)
		}
		app, err := fx.svc.ApplyPartyMember(ctx, "10.1.1.1", in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.ApplyPartyMember(ctx, "10.1.1.2", in); !isKey(err, errs.Invalid, "phone", "volunteer.party.phone_waiting") {
			t.Fatalf("waiting twice: %v", err)
		}
		if xs, err := fx.svc.PartyApplications(ctx, fx.street); err != nil || len(xs) != 0 {
			t.Fatalf("another street sees %d (%v)", len(xs), err)
		}
		if _, err := fx.svc.ApprovePartyApplication(ctx, fx.street, app); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another street approves: %v", err)
		}
		xs, err := fx.svc.PartyApplications(ctx, fx.org)
		if err != nil || len(xs) != 1 || xs[0].Status != "pending" || xs[0].Phone != "13900007201" {
			t.Fatalf("the community's list: %+v %v", xs, err)
		}
		second := fx.secondOrganiser(t)
		var wg sync.WaitGroup
		ids := make([]int64, 2)
		errs2 := make([]error, 2)
		for i, org := range []*auth.Principal{fx.org, second} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], errs2[i] = fx.svc.ApprovePartyApplication(ctx, org, app)
			}()
		}
		wg.Wait()
		ok := 0
		var member int64
		for i := range 2 {
			if errs2[i] == nil {
				ok++
				member = ids[i]
			} else if !isKey(errs2[i], errs.Conflict, "", "volunteer.party.reviewed") {
				t.Fatalf("the other approval: %v", errs2[i])
			}
		}
		if ok != 1 || count(t, d, "SELECT COUNT(*) FROM party_members WHERE phone = '13900007201'") != 1 {
			t.Fatalf("%d approvals took", ok)
		}
		m, err := fx.svc.PartyMember(ctx, fx.org, member)
		if err != nil || !strings.HasPrefix(m.CardNo, "DY2026") || m.Building != "2栋" {
			t.Fatalf("member %+v %v", m, err)
		}
		if _, err := fx.svc.ApplyPartyMember(ctx, "10.1.1.3", in); !isKey(err, errs.Invalid, "phone", "volunteer.party.phone_taken") {
			t.Fatalf("registered twice: %v", err)
		}
		pdf, err := m.CardPDF()
		if err != nil {
			t.Fatal(err)
		}
		text := pdftext.Text(t, pdf)
		for _, want := range []string{"在职党员进社区服务卡", m.CardNo, "吴党员", "市文明办", "张公桥社区", "楼栋长", "关爱帮扶岗", "2栋"} {
			if !strings.Contains(text, want) {
				t.Errorf("the card's PDF does not read back %q:\n%s", want, text)
			}
		}
		other, err := fx.svc.ApplyPartyMember(ctx, "10.1.1.4", volunteer.PartyInput{Name: "郑党员", Phone: "13900007202", UnitID: fx.unit, RegionID: fx.regions["S1C1"]})
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.RejectPartyApplication(ctx, fx.org, other, ""); !isKey(err, errs.Invalid, "reason", "field.required") {
			t.Fatalf("rejected without a reason: %v", err)
		}
		if err := fx.svc.RejectPartyApplication(ctx, fx.org, other, "不在本社区居住"); err != nil {
			t.Fatal(err)
		}
		if _, err := fx.svc.ApprovePartyApplication(ctx, fx.org, other); !isKey(err, errs.Conflict, "", "volunteer.party.reviewed") {
			t.Fatalf("approved after rejection: %v", err)
		}
	})
}

// TestRegistrationsAreEditedAndMovedInScopeAndAudited, on both engines: an
// organiser moves a volunteer and a Party member to another community of
// their scope (audited as a move, before and after); a street's organiser
// cannot touch a record outside the street, nor move one of theirs out of
// it; a bad phone names the field and changes nothing.
func TestRegistrationsAreEditedAndMovedInScopeAndAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		nums := fx.approved(t, 2, 900)
		vid := count(t, d, "SELECT id FROM volunteers WHERE number = ?", nums[0])
		taken := count(t, d, "SELECT phone FROM volunteers WHERE number = ?", nums[1])
		edit := volunteer.EditInput{Phone: "139 0000 7301", RegionID: fx.regions["S2C1"], Skills: []string{"first_aid"}, Availability: []string{"weekend_morning"}, PartyMember: true}
		bad := edit
		bad.Phone = "12"
		if err := fx.svc.UpdateVolunteer(ctx, fx.org, vid, bad); !isKey(err, errs.Invalid, "phone", "volunteer.bad_mobile") {
			t.Fatalf("bad phone: %v", err)
		}
		bad.Phone = strconv.FormatInt(taken, 10)
		if err := fx.svc.UpdateVolunteer(ctx, fx.org, vid, bad); !isKey(err, errs.Invalid, "phone", "volunteer.phone_taken") {
			t.Fatalf("another's phone: %v", err)
		}
		bad = edit
		bad.Skills = []string{"magic"}
		if err := fx.svc.UpdateVolunteer(ctx, fx.org, vid, bad); !isKey(err, errs.Invalid, "skills", "field.bad_choice") {
			t.Fatalf("bad skill: %v", err)
		}
		if err := fx.svc.UpdateVolunteer(ctx, fx.street, vid, edit); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the S2 street's organiser edits an S1 volunteer: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM volunteers WHERE id = ? AND region_id = ?", vid, fx.regions["S1C1"]); n != 1 {
			t.Fatal("a refused edit changed the volunteer")
		}
		if err := fx.svc.UpdateVolunteer(ctx, fx.org, vid, edit); err != nil {
			t.Fatal(err)
		}
		v, err := fx.svc.Get(ctx, fx.street, vid) // now in S2: the street sees it
		if err != nil || v.Phone != "13900007301" || !v.PartyMember || v.Skills[0] != "first_aid" {
			t.Fatalf("after the move: %+v %v", v, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = 'move' AND entity = 'volunteer' AND entity_id = ? AND before LIKE '%139****%'", strconv.FormatInt(vid, 10)); n != 1 {
			t.Fatalf("%d move entries with masked phones", n)
		}
		back := edit
		back.RegionID = fx.regions["S1C1"]
		if err := fx.svc.UpdateVolunteer(ctx, fx.street, vid, back); !isKey(err, errs.Invalid, "region_id", "field.bad_choice") {
			t.Fatalf("the street moves its volunteer out of its scope: %v", err)
		}
		// A Party member moved to the other street's community.
		m, err := fx.svc.RegisterPartyMember(ctx, fx.org, volunteer.PartyInput{Name: "冯党员", Phone: "13900007302", UnitID: fx.unit, RegionID: fx.regions["S1C1"]})
		if err != nil {
			t.Fatal(err)
		}
		pin := volunteer.PartyInput{Name: "冯党员", Phone: "13900007302", UnitID: fx.unit, RegionID: fx.regions["S2C1"], Building: "7栋", Roles: []string{"building_leader"}}
		if err := fx.svc.UpdatePartyMember(ctx, fx.street, m.ID, pin); !errs.Is(err, errs.NotFound) {
			t.Fatalf("the S2 street edits an S1 member: %v", err)
		}
		badp := pin
		badp.Building = ""
		if err := fx.svc.UpdatePartyMember(ctx, fx.org, m.ID, badp); !isKey(err, errs.Invalid, "building", "volunteer.party.building_needed") {
			t.Fatalf("building leader without a building: %v", err)
		}
		if err := fx.svc.UpdatePartyMember(ctx, fx.org, m.ID, pin); err != nil {
			t.Fatal(err)
		}
		got, err := fx.svc.PartyMember(ctx, fx.street, m.ID)
		if err != nil || got.CardNo != m.CardNo || got.Building != "7栋" || got.RegionID != fx.regions["S2C1"] {
			t.Fatalf("after the move: %+v %v", got, err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE action = 'move_party_member' AND entity_id = ?", strconv.FormatInt(m.ID, 10)); n != 1 {
			t.Fatalf("%d move entries", n)
		}
	})
}

// TestSelfRegistrationsAreThrottledPerAddress: the 11th registration in an
// hour from one address is refused and saves nothing; another address and
// the next hour go ahead.
func TestSelfRegistrationsAreThrottledPerAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		in := func(i int) volunteer.PartyInput {
			return volunteer.PartyInput{Name: "党员" + strconv.Itoa(i), Phone: "1390000" + strconv.Itoa(7400+i), UnitID: fx.unit, RegionID: fx.regions["S1C1"]}
		}
		for i := range volunteer.PartyApplyLimit.Orders {
			if _, err := fx.svc.ApplyPartyMember(ctx, "10.9.9.9", in(i)); err != nil {
				t.Fatal(i, err)
			}
		}
		if _, err := fx.svc.ApplyPartyMember(ctx, "10.9.9.9", in(50)); !isKey(err, errs.TooMany, "", "volunteer.party.too_many") {
			t.Fatalf("the 11th: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM party_applications"); n != int64(volunteer.PartyApplyLimit.Orders) {
			t.Fatalf("%d saved", n)
		}
		if _, err := fx.svc.ApplyPartyMember(ctx, "10.9.9.8", in(51)); err != nil {
			t.Fatalf("another address: %v", err)
		}
		fx.svc.Clock.(interface{ Advance(time.Duration) }).Advance(time.Hour)
		if _, err := fx.svc.ApplyPartyMember(ctx, "10.9.9.9", in(52)); err != nil {
			t.Fatalf("the next hour: %v", err)
		}
	})
}
