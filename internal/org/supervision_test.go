package org_test

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
)

func TestAreaListsRefuseARegionInsideAnotherAndTooMany(t *testing.T) {
	paths := map[int64]string{1: "/1/", 2: "/1/2/", 3: "/1/3/", 4: "/1/2/4/", 12: "/1/12/"}
	many := make([]int64, org.MaxAreas+1)
	for i := range many {
		many[i] = int64(i + 100)
	}
	for _, c := range []struct {
		name string
		ids  []int64
		want string
	}{
		{"none", nil, ""},
		{"siblings", []int64{2, 3}, ""},
		{"a prefix of digits is not an ancestor", []int64{2, 12}, ""},
		{"a district and its street", []int64{2, 4}, "supervision.nested"},
		{"the street first", []int64{4, 2}, "supervision.nested"},
		{"the city and anything", []int64{3, 1}, "supervision.nested"},
		{"too many", many, "supervision.too_many"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f errs.Fields
			org.CheckAreas(&f, c.ids, paths)
			got := ""
			if e := errs.As(f.Err()); e != nil {
				got = e.Fields["region_ids"].Key
			}
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestTheNearestAssignedAncestorsGroupCoversARegion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		g1 := unit(t, w.s, w.hq.ID, w.city.ID, org.KindSupervisionGroup, "SG01")
		g2 := unit(t, w.s, w.hq.ID, w.city.ID, org.KindSupervisionGroup, "SG02")
		groupOf := func(r org.Region) string {
			t.Helper()
			cs := must(w.s.CoveringGroups(ctx, viewer(), r.ID))(t)
			var out []string
			for _, c := range cs {
				s := c.UnitCode
				if c.Inherited {
					s += "^"
				}
				out = append(out, s)
			}
			return strings.Join(out, ",")
		}
		if got := groupOf(w.ga); got != "" {
			t.Fatalf("covered before any assignment: %q", got)
		}
		must(w.s.SetGroupAreas(ctx, admin(), g1.ID, []int64{w.a.ID, w.b.ID}))(t)
		must(w.s.SetGroupAreas(ctx, admin(), g2.ID, []int64{w.sa.ID}))(t)
		for _, c := range []struct {
			r    org.Region
			want string
		}{
			{w.city, ""}, {w.a, "SG01"}, {w.b, "SG01"}, {w.sb, "SG01^"}, {w.cb, "SG01^"},
			{w.sa, "SG02"}, {w.ca, "SG02^"}, {w.ga, "SG02^"},
		} {
			if got := groupOf(c.r); got != c.want {
				t.Errorf("%s: covered by %q, want %q", c.r.Code, got, c.want)
			}
		}
		// The timer's lookup (no principal) agrees; an inactive group hands over to the next one up.
		ok(t, d.Read(ctx, func(tx *db.Tx) error {
			ids, err := org.GroupsCovering(ctx, tx, w.ga.ID)
			if err == nil && (len(ids) != 1 || ids[0] != g2.ID) {
				t.Errorf("GroupsCovering(grid) = %v, want [%d]", ids, g2.ID)
			}
			return err
		}))
		in := org.UnitInput{ParentID: w.hq.ID, RegionID: w.city.ID, Kind: org.KindSupervisionGroup, Code: "SG02", Name: "单位SG02", Active: false}
		must(w.s.UpdateUnit(ctx, admin(), g2.ID, in))(t)
		if got := groupOf(w.ga); got != "SG01^" {
			t.Fatalf("with SG02 inactive the grid is covered by %q", got)
		}
		// Two groups on the same region both cover it.
		must(w.s.SetGroupAreas(ctx, admin(), g2.ID, nil))(t)
		g3 := unit(t, w.s, w.hq.ID, w.city.ID, org.KindSupervisionGroup, "SG03")
		must(w.s.SetGroupAreas(ctx, admin(), g3.ID, []int64{w.b.ID}))(t)
		if got := groupOf(w.cb); got != "SG01^,SG03^" {
			t.Fatalf("shared district: %q", got)
		}
	})
}

func TestGroupAreasAreReplacedValidatedScopedAndAudited(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		g := unit(t, w.s, w.hq.ID, w.city.ID, org.KindSupervisionGroup, "SG01")

		// Only a supervision group has areas.
		_, err := w.s.SetGroupAreas(ctx, admin(), w.ua.ID, []int64{w.a.ID})
		wantCode(t, err, errs.Invalid, "supervision.not_group")
		// A region and its own street, or a region that does not exist: refused, nothing stored.
		_, err = w.s.SetGroupAreas(ctx, admin(), g.ID, []int64{w.a.ID, w.sa.ID})
		wantFields(t, err, map[string]string{"region_ids": "supervision.nested"})
		_, err = w.s.SetGroupAreas(ctx, admin(), g.ID, []int64{w.a.ID, 999999})
		wantFields(t, err, map[string]string{"region_ids": "field.bad_choice"})
		if n := count(t, d, "SELECT COUNT(*) FROM supervision_areas"); n != 0 {
			t.Fatalf("%d areas stored after refusals", n)
		}
		// A reader cannot change them.
		_, err = w.s.SetGroupAreas(ctx, viewer(), g.ID, []int64{w.a.ID})
		wantCode(t, err, errs.Forbidden, "")

		got := must(w.s.SetGroupAreas(ctx, admin(), g.ID, []int64{w.b.ID, w.a.ID, w.a.ID}))(t)
		if len(got) != 2 || got[0].RegionID != w.a.ID || got[1].RegionID != w.b.ID {
			t.Fatalf("areas in tree order once each: %+v", got)
		}
		// Saving the same set again changes nothing and writes no audit entry.
		must(w.s.SetGroupAreas(ctx, admin(), g.ID, []int64{w.a.ID, w.b.ID}))(t)
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE entity = 'supervision_areas' AND entity_id = ?", id(g.ID)); n != 1 {
			t.Fatalf("%d audit entries after one change and one no-op", n)
		}

		// A district admin of A sees and changes only A's part; B's area stays.
		distA := regionAdmin(w.a.Path)
		// The group sits at the city, outside A's scope: not found for A's admin.
		_, err = w.s.GroupAreas(ctx, distA, g.ID)
		wantCode(t, err, errs.NotFound, "")
		g2 := unit(t, w.s, w.ua.ID, w.a.ID, org.KindSupervisionGroup, "SG-A")
		must(w.s.SetGroupAreas(ctx, admin(), g2.ID, []int64{w.sa.ID, w.b.ID}))(t)
		mine := must(w.s.GroupAreas(ctx, distA, g2.ID))(t)
		if len(mine) != 1 || mine[0].RegionID != w.sa.ID {
			t.Fatalf("district admin sees %+v", mine)
		}
		_, err = w.s.SetGroupAreas(ctx, distA, g2.ID, []int64{w.sb.ID})
		wantFields(t, err, map[string]string{"region_ids": "field.bad_choice"})
		must(w.s.SetGroupAreas(ctx, distA, g2.ID, []int64{w.ca.ID}))(t)
		all := must(w.s.GroupAreas(ctx, admin(), g2.ID))(t)
		if len(all) != 2 || all[0].RegionID != w.ca.ID || all[1].RegionID != w.b.ID {
			t.Fatalf("after the district's change: %+v", all)
		}

		// A region in an area cannot be deleted; deleting the group takes its areas with it.
		ok(t, w.s.DeleteRegion(ctx, admin(), w.ga.ID))
		err = w.s.DeleteRegion(ctx, admin(), w.ca.ID)
		wantCode(t, err, errs.Conflict, "region.in_use")
		ok(t, w.s.DeleteUnit(ctx, admin(), g2.ID))
		if n := count(t, d, "SELECT COUNT(*) FROM supervision_areas WHERE unit_id = ?", g2.ID); n != 0 {
			t.Fatalf("%d areas left after the group was deleted", n)
		}
	})
}
