package volunteer_test

import (
	"context"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/volunteer"
)

func TestQuarterDays(t *testing.T) {
	for _, c := range []struct {
		q        int
		from, to string
	}{{1, "2026-01-01", "2026-03-31"}, {2, "2026-04-01", "2026-06-30"}, {3, "2026-07-01", "2026-09-30"}, {4, "2026-10-01", "2026-12-31"}} {
		if f, to := volunteer.QuarterDays(2026, c.q); f != c.from || to != c.to {
			t.Errorf("Q%d: %s–%s", c.q, f, to)
		}
	}
}

// TestPartyMemberQuarterlyReport: a working Party member registers with
// their home community (card number, building and roles, posts), their
// service is written on the form, a volunteer's confirmed hours join it,
// and after the quarter the community reports each member to the employer
// unit, whose user signs for it once; the quarter still running cannot be
// reported, and a second run leaves the sent report alone.
func TestPartyMemberQuarterlyReport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := setup(t, d)
		in := volunteer.PartyInput{Name: "赵党员", Phone: "139 0000 7001", UnitID: fx.unit, RegionID: fx.regions["S1C1"], Building: "3栋",
			Roles: []string{"building_leader"}, Posts: []string{"policy", "elderly"}}
		cases := []struct {
			name, field, key string
			edit             func(*volunteer.PartyInput)
		}{
			{"no name", "name", "field.required", func(x *volunteer.PartyInput) { x.Name = "" }},
			{"landline", "phone", "volunteer.bad_mobile", func(x *volunteer.PartyInput) { x.Phone = "0833-2123456" }},
			{"building leader without building", "building", "volunteer.party.building_needed", func(x *volunteer.PartyInput) { x.Building = "" }},
			{"unknown post", "posts", "field.bad_choice", func(x *volunteer.PartyInput) { x.Posts = []string{"magic"} }},
			{"a street, not a community", "region_id", "field.bad_choice", func(x *volunteer.PartyInput) { x.RegionID = fx.regions["S1"] }},
			{"no such unit", "unit_id", "field.bad_choice", func(x *volunteer.PartyInput) { x.UnitID = 999999 }},
		}
		for _, c := range cases {
			x := in
			c.edit(&x)
			if _, err := fx.svc.RegisterPartyMember(ctx, fx.org, x); !isKey(err, errs.Invalid, c.field, c.key) {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if _, err := fx.svc.RegisterPartyMember(ctx, fx.street, in); !isKey(err, errs.Invalid, "region_id", "field.bad_choice") {
			t.Fatalf("another street's community: %v", err)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM party_members"); n != 0 {
			t.Fatalf("%d saved", n)
		}
		m, err := fx.svc.RegisterPartyMember(ctx, fx.org, in)
		if err != nil || m.CardNo != "DY2026000001" || m.Phone != "13900007001" || m.Building != "3栋" || len(m.Posts) != 2 || m.VolunteerID != 0 {
			t.Fatalf("registered %+v %v", m, err)
		}
		if _, err := fx.svc.RegisterPartyMember(ctx, fx.org, in); !isKey(err, errs.Invalid, "phone", "volunteer.party.phone_taken") {
			t.Fatalf("twice: %v", err)
		}
		// A member who is a volunteer: linked by the mobile, their hours count.
		nums := fx.approved(t, 1, 900)
		vphone := ""
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT phone FROM volunteers WHERE number = ?", []any{nums[0]}, &vphone)
		}); err != nil {
			t.Fatal(err)
		}
		m2, err := fx.svc.RegisterPartyMember(ctx, fx.org, volunteer.PartyInput{Name: "钱党员", Phone: vphone, UnitID: fx.unit, RegionID: fx.regions["S1C1"],
			Roles: []string{"owners_committee"}})
		if err != nil || m2.VolunteerID == 0 || m2.CardNo != "DY2026000002" {
			t.Fatalf("volunteer member %+v %v", m2, err)
		}
		aid := fx.activity(t, 10, "instant", func(a *volunteer.ActivityInput) { a.Day = "2026-09-12" })
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes,
				confirmed_at, created_at, updated_at) SELECT id, ?, day, starts_at, ends_at, 'organiser', 'confirmed', 150, ends_at, ends_at, ends_at
				FROM activities WHERE id = ?`, m2.VolunteerID, aid)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.RecordPartyService(ctx, fx.org, m.ID, "2026-12-01", "政策宣讲", 60); !isKey(err, errs.Invalid, "day", "volunteer.party.future_day") {
			t.Fatalf("a future day: %v", err)
		}
		for _, s := range []struct {
			day     string
			minutes int
		}{{"2026-07-20", 90}, {"2026-09-30", 60}, {"2026-10-08", 120}} {
			if err := fx.svc.RecordPartyService(ctx, fx.org, m.ID, s.day, "楼栋政策宣讲", s.minutes); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := fx.svc.SendPartyReports(ctx, fx.org, fx.regions["S1C1"], 2026, 4); !isKey(err, errs.Invalid, "quarter", "volunteer.party.quarter_open") {
			t.Fatalf("the open quarter: %v", err)
		}
		if _, err := fx.svc.SendPartyReports(ctx, fx.street, fx.regions["S1C1"], 2026, 3); !isKey(err, errs.Invalid, "region_id", "field.bad_choice") {
			t.Fatalf("another street's community: %v", err)
		}
		n, err := fx.svc.SendPartyReports(ctx, fx.org, fx.regions["S1C1"], 2026, 3)
		if err != nil || n != 1 {
			t.Fatalf("sent %d %v", n, err)
		}
		if n, err := fx.svc.SendPartyReports(ctx, fx.org, fx.regions["S1C1"], 2026, 3); err != nil || n != 0 {
			t.Fatalf("sent again %d %v", n, err)
		}
		if c := count(t, d, "SELECT COUNT(*) FROM notifications WHERE unit_id = ? AND kind = ?", fx.unit, volunteer.NoticePartyKind); c != 1 {
			t.Fatalf("%d notices to the unit", c)
		}
		rid := count(t, d, "SELECT id FROM party_reports")
		rep, err := fx.svc.PartyReportOf(ctx, fx.org, rid)
		if err != nil || rep.Members != 2 || rep.Services != 3 || rep.Minutes != 300 || len(rep.Lines) != 2 || rep.SignedAt != nil {
			t.Fatalf("report %+v %v", rep, err)
		}
		byCard := map[string]volunteer.PartyReportLine{}
		for _, l := range rep.Lines {
			byCard[l.CardNo] = l
		}
		if l := byCard["DY2026000001"]; l.Services != 2 || l.Minutes != 150 {
			t.Fatalf("the form's line %+v", l)
		}
		if l := byCard["DY2026000002"]; l.Services != 1 || l.Minutes != 150 {
			t.Fatalf("the volunteer's line %+v", l)
		}
		if _, err := fx.svc.PartyReportOf(ctx, fx.street, rid); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another unit reads: %v", err)
		}
		if err := fx.svc.SignPartyReport(ctx, fx.street, rid); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another unit signs: %v", err)
		}
		// fx.org is a user of the city office, the members' employer.
		if err := fx.svc.SignPartyReport(ctx, fx.org, rid); err != nil {
			t.Fatal(err)
		}
		if err := fx.svc.SignPartyReport(ctx, fx.org, rid); !isKey(err, errs.Conflict, "", "volunteer.party.signed") {
			t.Fatalf("signed twice: %v", err)
		}
		rep, _ = fx.svc.PartyReportOf(ctx, fx.org, rid)
		if rep.SignedAt == nil || rep.SignedName != "organiser" {
			t.Fatalf("signature %+v", rep)
		}
		figs, err := fx.svc.Figures(ctx, fx.org, figures.Scope{From: "2026-01-01", To: "2026-12-31"})
		if err != nil || figs[volunteer.FigPartyReg] != 2 {
			t.Fatalf("figure %v %v", figs, err)
		}
		list, total, err := fx.svc.PartyMembers(ctx, fx.org, volunteer.PartyFilter{Q: "DY2026000002"})
		if err != nil || total != 1 || list[0].Name != "钱党员" {
			t.Fatalf("search %+v %v", list, err)
		}
	})
}
