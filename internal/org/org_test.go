package org_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
)

var ctx = context.Background()

func principal(name string, scope auth.Scope, perms ...auth.Perm) *auth.Principal {
	p := &auth.Principal{UserID: 7, Username: name, Perms: map[auth.Perm]bool{}, Scope: scope}
	for _, pm := range perms {
		p.Perms[pm] = true
	}
	return p
}

func admin() *auth.Principal {
	return principal("admin", auth.Scope{All: true}, auth.PermOrgView, auth.PermOrgManage)
}

func viewer() *auth.Principal { return principal("viewer", auth.Scope{All: true}, auth.PermOrgView) }

func regionAdmin(path string) *auth.Principal {
	return principal("district", auth.Scope{RegionPaths: []string{path}}, auth.PermOrgView, auth.PermOrgManage)
}

// must and must2 take a call's results and then the test: must(f())(t).
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantCode(t *testing.T, err error, code errs.Code, key string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != code || (key != "" && e.Key != key) {
		t.Fatalf("want %s %s, got %v", code, key, err)
	}
}

// wantFields checks err is Invalid with exactly these field keys.
func wantFields(t *testing.T, err error, want map[string]string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid {
		t.Fatalf("want invalid %v, got %v", want, err)
	}
	got := map[string]string{}
	for f, fe := range e.Fields {
		got[f] = fe.Key
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("fields: got %v want %v", got, want)
	}
}

func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int64
	ok(t, d.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, q, args...)
		return err
	}))
	return int(n)
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ok(t, d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }))
}

// world is a small city: two districts, each with a street, a community and
// (in A) a grid; an HQ with a government unit in each district.
type world struct {
	s                  *org.Service
	d                  *db.DB
	city, a, b         org.Region
	sa, sb, ca, cb, ga org.Region
	hq, ua, ub, ua2    org.Unit
}

func region(t *testing.T, s *org.Service, parent int64, level org.Level, code string) org.Region {
	t.Helper()
	return must(s.CreateRegion(ctx, nil, org.RegionInput{ParentID: parent, Level: level, Code: code, Name: "区域" + code}))(t)
}

func unit(t *testing.T, s *org.Service, parent, regionID int64, kind org.UnitKind, code string) org.Unit {
	t.Helper()
	return must(s.CreateUnit(ctx, nil, org.UnitInput{ParentID: parent, RegionID: regionID, Kind: kind, Code: code, Name: "单位" + code, Active: true}))(t)
}

func newWorld(t *testing.T, d *db.DB) *world {
	w := &world{d: d, s: org.New(d, clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)))}
	w.city = region(t, w.s, 0, org.LevelCity, "LS")
	w.a = region(t, w.s, w.city.ID, org.LevelDistrict, "LS-A")
	w.b = region(t, w.s, w.city.ID, org.LevelDistrict, "LS-B")
	w.sa = region(t, w.s, w.a.ID, org.LevelStreet, "LS-A-1")
	w.sb = region(t, w.s, w.b.ID, org.LevelStreet, "LS-B-1")
	w.ca = region(t, w.s, w.sa.ID, org.LevelCommunity, "LS-A-1-1")
	w.cb = region(t, w.s, w.sb.ID, org.LevelCommunity, "LS-B-1-1")
	w.ga = region(t, w.s, w.ca.ID, org.LevelGrid, "LS-A-1-1-1")
	w.hq = unit(t, w.s, 0, w.city.ID, org.KindHQ, "HQ")
	w.ua = unit(t, w.s, w.hq.ID, w.a.ID, org.KindDistrictGov, "GOV-A")
	w.ub = unit(t, w.s, w.hq.ID, w.b.ID, org.KindDistrictGov, "GOV-B")
	w.ua2 = unit(t, w.s, w.ua.ID, w.sa.ID, org.KindStreetOffice, "ST-A-1")
	return w
}

func (w *world) reload(t *testing.T, r org.Region) org.Region {
	t.Helper()
	return must(w.s.GetRegion(ctx, admin(), r.ID))(t)
}

func id(n int64) string { return fmt.Sprint(n) }

func TestRegionTreeRunsFromCityToGridWithMaterialisedPaths(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		want := "/" + id(w.city.ID) + "/" + id(w.a.ID) + "/" + id(w.sa.ID) + "/" + id(w.ca.ID) + "/" + id(w.ga.ID) + "/"
		if w.ga.Path != want || w.ga.Level != org.LevelGrid || w.ga.ParentName != w.ca.Name {
			t.Fatalf("grid: %+v, want path %s", w.ga, want)
		}
		if w.city.Path != "/"+id(w.city.ID)+"/" || w.city.ParentID != 0 {
			t.Fatalf("city: %+v", w.city)
		}
		if got := w.reload(t, w.city).ChildCount; got != 2 {
			t.Fatalf("city child count %d", got)
		}
		if w.ua2.Path != w.hq.Path+id(w.ua.ID)+"/"+id(w.ua2.ID)+"/" || w.ua2.RegionName != w.sa.Name || w.ua2.ParentName != w.ua.Name {
			t.Fatalf("unit: %+v", w.ua2)
		}
		byCode := must(w.s.RegionByCode(ctx, "ls-a-1"))(t)
		if byCode.ID != w.sa.ID {
			t.Fatalf("RegionByCode: %+v", byCode)
		}
		if u := must(w.s.UnitByCode(ctx, "HQ"))(t); u.ID != w.hq.ID {
			t.Fatalf("UnitByCode: %+v", u)
		}
		_, err := w.s.UnitByCode(ctx, "nope")
		wantCode(t, err, errs.NotFound, "err.not_found")
	})
}

func TestRegionLevelMustBeExactlyOneBelowItsParent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		cases := []struct {
			name   string
			in     org.RegionInput
			fields map[string]string
		}{
			{"district without parent", org.RegionInput{Level: org.LevelDistrict, Code: "X1", Name: "x"}, map[string]string{"parent_id": "region.parent_required"}},
			{"city under a city", org.RegionInput{ParentID: w.city.ID, Level: org.LevelCity, Code: "X2", Name: "x"}, map[string]string{"parent_id": "region.city_no_parent"}},
			{"street under a city", org.RegionInput{ParentID: w.city.ID, Level: org.LevelStreet, Code: "X3", Name: "x"}, map[string]string{"parent_id": "region.bad_parent_level"}},
			{"grid under a street", org.RegionInput{ParentID: w.sa.ID, Level: org.LevelGrid, Code: "X4", Name: "x"}, map[string]string{"parent_id": "region.bad_parent_level"}},
			{"anything under a grid", org.RegionInput{ParentID: w.ga.ID, Level: org.LevelGrid, Code: "X5", Name: "x"}, map[string]string{"parent_id": "region.bad_parent_level"}},
			{"unknown level", org.RegionInput{ParentID: w.city.ID, Level: "town", Code: "X6", Name: "x"}, map[string]string{"level": "field.bad_choice"}},
			{"missing parent", org.RegionInput{ParentID: 99999, Level: org.LevelDistrict, Code: "X7", Name: "x"}, map[string]string{"parent_id": "field.bad_choice"}},
			{"sibling with the same name", org.RegionInput{ParentID: w.city.ID, Level: org.LevelDistrict, Code: "X8", Name: w.a.Name}, map[string]string{"name": "region.name_taken"}},
		}
		before := count(t, d, "SELECT COUNT(*) FROM regions")
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := w.s.CreateRegion(ctx, admin(), c.in)
				wantFields(t, err, c.fields)
			})
		}
		if after := count(t, d, "SELECT COUNT(*) FROM regions"); after != before {
			t.Fatalf("regions changed: %d → %d", before, after)
		}
		// A second city is a second root.
		c2 := must(w.s.CreateRegion(ctx, admin(), org.RegionInput{Level: org.LevelCity, Code: "CITY2", Name: "另一市"}))(t)
		if c2.Path != "/"+id(c2.ID)+"/" {
			t.Fatalf("second city path %q", c2.Path)
		}
	})
}

func TestMovingARegionRewritesThePathsOfItsWholeSubtree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in := org.RegionInput{ParentID: w.b.ID, Level: org.LevelStreet, Code: w.sa.Code, Name: w.sa.Name}
		moved := must(w.s.UpdateRegion(ctx, admin(), w.sa.ID, in))(t)
		if want := w.b.Path + id(w.sa.ID) + "/"; moved.Path != want || moved.ParentID != w.b.ID {
			t.Fatalf("street path %q want %q", moved.Path, want)
		}
		if got, want := w.reload(t, w.ca).Path, moved.Path+id(w.ca.ID)+"/"; got != want {
			t.Fatalf("community path %q want %q", got, want)
		}
		if got, want := w.reload(t, w.ga).Path, moved.Path+id(w.ca.ID)+"/"+id(w.ga.ID)+"/"; got != want {
			t.Fatalf("grid path %q want %q", got, want)
		}
		if got := w.reload(t, w.sb).Path; got != w.sb.Path {
			t.Fatalf("untouched street moved: %q", got)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM regions WHERE path LIKE ?", w.a.Path+"%"); n != 1 {
			t.Fatalf("district A still has %d rows under its path", n)
		}

		in.ParentID = w.ca.ID
		_, err := w.s.UpdateRegion(ctx, admin(), w.sa.ID, in)
		wantFields(t, err, map[string]string{"parent_id": "region.parent_cycle"})
		in.ParentID = w.city.ID
		_, err = w.s.UpdateRegion(ctx, admin(), w.sa.ID, in)
		wantFields(t, err, map[string]string{"parent_id": "region.bad_parent_level"})
		in.ParentID, in.Level = w.city.ID, org.LevelDistrict
		_, err = w.s.UpdateRegion(ctx, admin(), w.sa.ID, in)
		wantFields(t, err, map[string]string{"level": "region.level_has_children"})
		// A leaf may change level together with its parent.
		g := must(w.s.UpdateRegion(ctx, admin(), w.ga.ID, org.RegionInput{ParentID: w.sb.ID, Level: org.LevelCommunity, Code: w.ga.Code, Name: w.ga.Name}))(t)
		if g.Level != org.LevelCommunity || g.Path != w.sb.Path+id(g.ID)+"/" {
			t.Fatalf("leaf move: %+v", g)
		}
	})
}

func TestDeletingARegionIsRefusedWhileItHasChildrenOrIsReferenced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		wantCode(t, w.s.DeleteRegion(ctx, admin(), w.a.ID), errs.Conflict, "region.has_children")
		// The street is the region of a unit.
		g := region(t, w.s, w.cb.ID, org.LevelGrid, "G2")
		u := unit(t, w.s, 0, g.ID, org.KindOther, "U-G2")
		wantCode(t, w.s.DeleteRegion(ctx, admin(), g.ID), errs.Conflict, "region.in_use")
		ok(t, w.s.DeleteUnit(ctx, admin(), u.ID))
		exec(t, d, "INSERT INTO users (username, display_name, region_id, created_at, updated_at) VALUES ('g2', 'g2', ?, 0, 0)", g.ID)
		wantCode(t, w.s.DeleteRegion(ctx, admin(), g.ID), errs.Conflict, "region.in_use")
		exec(t, d, "DELETE FROM users WHERE username = 'g2'")
		ok(t, w.s.DeleteRegion(ctx, admin(), g.ID))
		_, err := w.s.GetRegion(ctx, admin(), g.ID)
		wantCode(t, err, errs.NotFound, "err.not_found")
		// A paired community is in use.
		must(w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.hq.ID, RegionID: w.cb.ID}))(t)
		wantCode(t, w.s.DeleteRegion(ctx, admin(), w.cb.ID), errs.Conflict, "region.in_use")
	})
}

func TestUnitMoveRewritesSubtreePathsAndRefusesCycles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		in := org.UnitInput{ParentID: w.ub.ID, RegionID: w.ua.RegionID, Kind: w.ua.Kind, Code: w.ua.Code, Name: w.ua.Name, Active: true}
		moved := must(w.s.UpdateUnit(ctx, admin(), w.ua.ID, in))(t)
		if want := w.ub.Path + id(w.ua.ID) + "/"; moved.Path != want {
			t.Fatalf("unit path %q want %q", moved.Path, want)
		}
		child := must(w.s.GetUnit(ctx, admin(), w.ua2.ID))(t)
		if want := moved.Path + id(w.ua2.ID) + "/"; child.Path != want {
			t.Fatalf("child path %q want %q", child.Path, want)
		}
		in.ParentID = w.ua2.ID
		_, err := w.s.UpdateUnit(ctx, admin(), w.ua.ID, in)
		wantFields(t, err, map[string]string{"parent_id": "unit.parent_cycle"})
		in.ParentID = w.ua.ID
		_, err = w.s.UpdateUnit(ctx, admin(), w.ua.ID, in)
		wantFields(t, err, map[string]string{"parent_id": "unit.parent_cycle"})
		// To the top level.
		in.ParentID = 0
		top := must(w.s.UpdateUnit(ctx, admin(), w.ua.ID, in))(t)
		if top.Path != "/"+id(w.ua.ID)+"/" || top.ParentID != 0 {
			t.Fatalf("top-level unit %+v", top)
		}
	})
}

func TestDeletingAUnitIsRefusedWhileItHasChildrenOrIsReferenced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		wantCode(t, w.s.DeleteUnit(ctx, admin(), w.ua.ID), errs.Conflict, "unit.has_children")
		exec(t, d, "INSERT INTO users (username, display_name, unit_id, created_at, updated_at) VALUES ('h', 'h', ?, 0, 0)", w.ua2.ID)
		wantCode(t, w.s.DeleteUnit(ctx, admin(), w.ua2.ID), errs.Conflict, "unit.in_use")
		exec(t, d, "DELETE FROM users")
		pr := must(w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.ua2.ID, RegionID: w.ca.ID}))(t)
		wantCode(t, w.s.DeleteUnit(ctx, admin(), w.ua2.ID), errs.Conflict, "unit.in_use")
		ok(t, w.s.DeletePairing(ctx, admin(), pr.ID))
		ok(t, w.s.DeleteUnit(ctx, admin(), w.ua2.ID))
		ok(t, w.s.DeleteUnit(ctx, admin(), w.ua.ID))
	})
}

func TestDistrictScopedPrincipalSeesAndChangesOnlyItsDistrict(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := regionAdmin(w.a.Path)
		regions, total := must2(w.s.ListRegions(ctx, p, org.RegionFilter{}))(t)
		if total != 4 || codes(regions) != "LS-A LS-A-1 LS-A-1-1 LS-A-1-1-1" {
			t.Fatalf("regions in scope: %d %s", total, codes(regions))
		}
		units, total := must2(w.s.ListUnits(ctx, p, org.UnitFilter{}))(t)
		if total != 2 || unitCodes(units) != "GOV-A ST-A-1" {
			t.Fatalf("units in scope: %d %s", total, unitCodes(units))
		}

		// Outside the scope is exactly like missing.
		_, err := w.s.GetRegion(ctx, p, w.sb.ID)
		wantCode(t, err, errs.NotFound, "err.not_found")
		_, err = w.s.UpdateRegion(ctx, p, w.sb.ID, org.RegionInput{ParentID: w.b.ID, Level: org.LevelStreet, Code: "SB", Name: "x"})
		wantCode(t, err, errs.NotFound, "err.not_found")
		wantCode(t, w.s.DeleteRegion(ctx, p, w.cb.ID), errs.NotFound, "err.not_found")
		_, err = w.s.GetUnit(ctx, p, w.ub.ID)
		wantCode(t, err, errs.NotFound, "err.not_found")
		_, err = w.s.UpdateUnit(ctx, p, w.ub.ID, org.UnitInput{RegionID: w.b.ID, Kind: org.KindOther, Code: "UB", Name: "x"})
		wantCode(t, err, errs.NotFound, "err.not_found")
		wantCode(t, w.s.DeleteUnit(ctx, p, w.ub.ID), errs.NotFound, "err.not_found")

		// New things only inside the scope.
		_, err = w.s.CreateRegion(ctx, p, org.RegionInput{ParentID: w.b.ID, Level: org.LevelStreet, Code: "N1", Name: "x"})
		wantFields(t, err, map[string]string{"parent_id": "field.bad_choice"})
		_, err = w.s.CreateRegion(ctx, p, org.RegionInput{Level: org.LevelCity, Code: "N2", Name: "x"})
		wantFields(t, err, map[string]string{"parent_id": "region.parent_required"})
		_, err = w.s.UpdateRegion(ctx, p, w.sa.ID, org.RegionInput{ParentID: w.b.ID, Level: org.LevelStreet, Code: w.sa.Code, Name: w.sa.Name})
		wantFields(t, err, map[string]string{"parent_id": "field.bad_choice"})
		_, err = w.s.CreateUnit(ctx, p, org.UnitInput{RegionID: w.b.ID, Kind: org.KindOther, Code: "N3", Name: "x"})
		wantFields(t, err, map[string]string{"region_id": "field.bad_choice"})
		_, err = w.s.CreateUnit(ctx, p, org.UnitInput{ParentID: w.ub.ID, RegionID: w.a.ID, Kind: org.KindOther, Code: "N4", Name: "x"})
		wantFields(t, err, map[string]string{"parent_id": "field.bad_choice"})
		must(w.s.CreateRegion(ctx, p, org.RegionInput{ParentID: w.ca.ID, Level: org.LevelGrid, Code: "N5", Name: "x"}))(t)
		// Its own unit keeps its parent (the city HQ, outside the scope) on edit.
		ua := must(w.s.UpdateUnit(ctx, p, w.ua.ID, org.UnitInput{ParentID: w.hq.ID, RegionID: w.a.ID, Kind: org.KindDistrictGov, Code: "GOV-A", Name: "甲区政府", Active: true}))(t)
		if ua.Name != "甲区政府" || ua.ParentID != w.hq.ID {
			t.Fatalf("edit own unit: %+v", ua)
		}

		// Pairings: visible through the community or the unit.
		mine := must(w.s.CreatePairing(ctx, nil, org.PairingInput{UnitID: w.hq.ID, RegionID: w.ca.ID}))(t)
		theirs := must(w.s.CreatePairing(ctx, nil, org.PairingInput{UnitID: w.ub.ID, RegionID: w.cb.ID}))(t)
		viaUnit := must(w.s.CreatePairing(ctx, nil, org.PairingInput{UnitID: w.ua2.ID, RegionID: w.cb.ID}))(t)
		prs, total := must2(w.s.ListPairings(ctx, p, org.PairingFilter{}))(t)
		if total != 2 || len(prs) != 2 {
			t.Fatalf("pairings in scope: %d %+v", total, prs)
		}
		for _, x := range prs {
			if x.ID == theirs.ID {
				t.Fatalf("other district's pairing listed")
			}
		}
		must(w.s.GetPairing(ctx, p, mine.ID))(t)
		must(w.s.GetPairing(ctx, p, viaUnit.ID))(t)
		_, err = w.s.GetPairing(ctx, p, theirs.ID)
		wantCode(t, err, errs.NotFound, "err.not_found")
		_, err = w.s.UpdatePairing(ctx, p, theirs.ID, org.PairingUpdate{Note: "x"})
		wantCode(t, err, errs.NotFound, "err.not_found")
		wantCode(t, w.s.DeletePairing(ctx, p, theirs.ID), errs.NotFound, "err.not_found")
		_, err = w.s.CreatePairing(ctx, p, org.PairingInput{UnitID: w.ub.ID, RegionID: w.ca.ID})
		wantFields(t, err, map[string]string{"unit_id": "field.bad_choice"})

		r, u, n, err := w.s.Counts(ctx, p)
		ok(t, err)
		if r != 5 || u != 2 || n != 2 {
			t.Fatalf("counts %d %d %d", r, u, n)
		}
		r, u, n, err = w.s.Counts(ctx, viewer())
		ok(t, err)
		if r != 9 || u != 4 || n != 3 {
			t.Fatalf("all counts %d %d %d", r, u, n)
		}
	})
}

func TestInvalidInputNamesEveryBadFieldAndChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		state := func() string {
			return fmt.Sprint(count(t, d, "SELECT COUNT(*) FROM regions"), count(t, d, "SELECT COUNT(*) FROM units"),
				count(t, d, "SELECT COUNT(*) FROM pairings"), count(t, d, "SELECT COUNT(*) FROM audit_log"),
				count(t, d, "SELECT COUNT(*) FROM regions WHERE name = ?", w.sa.Name))
		}
		before := state()
		lat, nan := 91.0, math.NaN()
		_, err := w.s.CreateRegion(ctx, admin(), org.RegionInput{ParentID: w.city.ID, Code: "bad code!", Name: " ", Sort: 100000, Lat: &lat, Lng: &nan})
		wantFields(t, err, map[string]string{"code": "field.bad_code", "name": "field.required", "level": "field.required",
			"sort": "field.out_of_range", "lat": "field.out_of_range", "lng": "field.bad_number"})
		_, err = w.s.CreateRegion(ctx, admin(), org.RegionInput{ParentID: w.city.ID, Level: org.LevelDistrict, Code: "ls-a", Name: strings.Repeat("名", 101)})
		wantFields(t, err, map[string]string{"code": "org.code_taken", "name": "field.too_long"})
		_, err = w.s.UpdateRegion(ctx, admin(), w.sa.ID, org.RegionInput{ParentID: w.a.ID, Level: org.LevelStreet, Code: "LS-B-1", Name: "新名"})
		wantFields(t, err, map[string]string{"code": "org.code_taken"})
		_, err = w.s.CreateUnit(ctx, admin(), org.UnitInput{Kind: "army", Code: "", Name: "x", ContactPhone: "12345", ContactName: strings.Repeat("a", 51)})
		wantFields(t, err, map[string]string{"kind": "field.bad_choice", "code": "field.required", "region_id": "field.required",
			"contact_phone": "field.bad_phone", "contact_name": "field.too_long"})
		_, err = w.s.UpdateUnit(ctx, admin(), w.ua.ID, org.UnitInput{RegionID: 99999, ParentID: 99999, Kind: org.KindOther, Code: "HQ", Name: "x"})
		wantFields(t, err, map[string]string{"region_id": "field.bad_choice", "parent_id": "field.bad_choice", "code": "org.code_taken"})
		_, err = w.s.CreatePairing(ctx, admin(), org.PairingInput{StartedOn: "2026-02-30", Note: strings.Repeat("x", 501)})
		wantFields(t, err, map[string]string{"unit_id": "field.required", "region_id": "field.required", "started_on": "field.bad_date", "note": "field.too_long"})
		if after := state(); after != before {
			t.Fatalf("state changed: %s → %s", before, after)
		}
		// Good phone numbers pass.
		for _, ph := range []string{"13800138000", "010-12345678", "08332123456"} {
			must(w.s.CreateUnit(ctx, admin(), org.UnitInput{RegionID: w.a.ID, Kind: org.KindCompany, Code: "P" + ph, Name: "x", ContactPhone: ph}))(t)
		}
	})
}

func TestPairingsTargetCommunitiesOnceEach(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for _, r := range []org.Region{w.city, w.sa, w.ga} {
			_, err := w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.hq.ID, RegionID: r.ID})
			wantFields(t, err, map[string]string{"region_id": "pairing.not_community"})
		}
		pr := must(w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.hq.ID, RegionID: w.ca.ID, StartedOn: "2026-01-05", Note: " 共建 "}))(t)
		if pr.UnitName != w.hq.Name || pr.RegionName != w.ca.Name || pr.RegionPath != w.ca.Path || pr.Note != "共建" || pr.StartedOn != "2026-01-05" {
			t.Fatalf("pairing %+v", pr)
		}
		_, err := w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.hq.ID, RegionID: w.ca.ID})
		wantCode(t, err, errs.Conflict, "pairing.exists")
		up := must(w.s.UpdatePairing(ctx, admin(), pr.ID, org.PairingUpdate{StartedOn: "2026-02-01", Note: "改"}))(t)
		if got := must(w.s.GetPairing(ctx, viewer(), pr.ID))(t); got.StartedOn != "2026-02-01" || got.Note != "改" || up.Note != "改" {
			t.Fatalf("updated pairing %+v", got)
		}
		_, err = w.s.UpdatePairing(ctx, admin(), pr.ID, org.PairingUpdate{StartedOn: "1/2/2026"})
		wantFields(t, err, map[string]string{"started_on": "field.bad_date"})
		must(w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: w.ub.ID, RegionID: w.cb.ID}))(t)
		list, total := must2(w.s.ListPairings(ctx, viewer(), org.PairingFilter{RegionID: w.a.ID}))(t)
		if total != 1 || list[0].ID != pr.ID {
			t.Fatalf("pairings under district A: %d %+v", total, list)
		}
		list, total = must2(w.s.ListPairings(ctx, viewer(), org.PairingFilter{Q: "gov-b"}))(t)
		if total != 1 || list[0].UnitID != w.ub.ID {
			t.Fatalf("pairings matching gov-b: %d %+v", total, list)
		}
	})
}

func TestEveryChangeWritesAnAuditEntry(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		audits := func(entity string) int {
			return count(t, d, "SELECT COUNT(*) FROM audit_log WHERE entity = ?", entity)
		}
		if audits("region") != 8 || audits("unit") != 4 {
			t.Fatalf("creates audited: %d regions, %d units", audits("region"), audits("unit"))
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE actor_name = 'system' AND actor_id IS NULL"); n != 12 {
			t.Fatalf("system entries %d", n)
		}
		g := must(w.s.CreateRegion(ctx, admin(), org.RegionInput{ParentID: w.ca.ID, Level: org.LevelGrid, Code: "G9", Name: "九"}))(t)
		must(w.s.UpdateRegion(ctx, admin(), g.ID, org.RegionInput{ParentID: w.ca.ID, Level: org.LevelGrid, Code: "G9", Name: "九号"}))(t)
		ok(t, w.s.DeleteRegion(ctx, admin(), g.ID))
		u := must(w.s.UpdateUnit(ctx, admin(), w.ua2.ID, org.UnitInput{ParentID: w.ua.ID, RegionID: w.sa.ID, Kind: org.KindStreetOffice, Code: "ST-A-1", Name: "x", ContactPhone: "13800138000"}))(t)
		pr := must(w.s.CreatePairing(ctx, admin(), org.PairingInput{UnitID: u.ID, RegionID: w.ca.ID}))(t)
		must(w.s.UpdatePairing(ctx, admin(), pr.ID, org.PairingUpdate{Note: "n"}))(t)
		ok(t, w.s.DeletePairing(ctx, admin(), pr.ID))
		if audits("region") != 11 || audits("unit") != 5 || audits("pairing") != 3 {
			t.Fatalf("audited: %d regions, %d units, %d pairings", audits("region"), audits("unit"), audits("pairing"))
		}
		var before, after, actor string
		ok(t, d.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT before, after, actor_name FROM audit_log WHERE entity = 'region' AND action = 'update' AND entity_id = ?",
				[]any{id(g.ID)}, &before, &after, &actor)
		}))
		if !strings.Contains(before, `"name":"九"`) || !strings.Contains(after, `"name":"九号"`) || actor != "admin" {
			t.Fatalf("region update entry: %s → %s by %s", before, after, actor)
		}
		if n := count(t, d, "SELECT COUNT(*) FROM audit_log WHERE after LIKE ?", "%13800138000%"); n != 0 {
			t.Fatalf("a contact phone reached the audit log unmasked")
		}
	})
}

func TestReadersCannotWriteAndStrangersCannotRead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		_, err := w.s.CreateRegion(ctx, viewer(), org.RegionInput{ParentID: w.ca.ID, Level: org.LevelGrid, Code: "G", Name: "g"})
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		wantCode(t, w.s.DeleteUnit(ctx, viewer(), w.ua2.ID), errs.Forbidden, "err.forbidden")
		_, _, err = w.s.ListRegions(ctx, nil, org.RegionFilter{})
		wantCode(t, err, errs.Unauthorized, "err.unauthorized")
		_, err = w.s.GetUnit(ctx, principal("nobody", auth.Scope{All: true}), w.hq.ID)
		wantCode(t, err, errs.Forbidden, "err.forbidden")
		_, err = w.s.RegionOptions(ctx, nil)
		wantCode(t, err, errs.Unauthorized, "err.unauthorized")
	})
}

func TestListsFollowTreeOrderWithSiblingsBySortAndPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		// A later district sorted first comes before A and B, with its subtree.
		z := must(w.s.CreateRegion(ctx, nil, org.RegionInput{ParentID: w.city.ID, Level: org.LevelDistrict, Code: "Z", Name: "Z区", Sort: -1}))(t)
		region(t, w.s, z.ID, org.LevelStreet, "Z-1")
		all, total := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{Size: org.AllRows}))(t)
		want := "LS Z Z-1 LS-A LS-A-1 LS-A-1-1 LS-A-1-1-1 LS-B LS-B-1 LS-B-1-1"
		if total != 10 || codes(all) != want {
			t.Fatalf("tree order:\n got %s\nwant %s", codes(all), want)
		}
		page, total := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{Page: 2, Size: 3}))(t)
		if total != 10 || codes(page) != "LS-A LS-A-1 LS-A-1-1" {
			t.Fatalf("page 2: %d %s", total, codes(page))
		}
		zero := int64(0)
		roots, _ := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{ParentID: &zero}))(t)
		kids, _ := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{ParentID: &w.city.ID}))(t)
		comms, _ := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{Level: org.LevelCommunity}))(t)
		found, _ := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{Q: "z-"}))(t)
		pct, _ := must2(w.s.ListRegions(ctx, viewer(), org.RegionFilter{Q: "%"}))(t)
		if codes(roots) != "LS" || codes(kids) != "Z LS-A LS-B" || codes(comms) != "LS-A-1-1 LS-B-1-1" || codes(found) != "Z-1" || len(pct) != 0 {
			t.Fatalf("filters: %s | %s | %s | %s | %d", codes(roots), codes(kids), codes(comms), codes(found), len(pct))
		}

		inactive := must(w.s.CreateUnit(ctx, nil, org.UnitInput{RegionID: w.ga.ID, Kind: org.KindCompany, Code: "CO", Name: "公司", Active: false}))(t)
		no := false
		off, _ := must2(w.s.ListUnits(ctx, viewer(), org.UnitFilter{Active: &no}))(t)
		inA, _ := must2(w.s.ListUnits(ctx, viewer(), org.UnitFilter{RegionID: w.a.ID}))(t)
		gov, _ := must2(w.s.ListUnits(ctx, viewer(), org.UnitFilter{Kind: org.KindDistrictGov}))(t)
		under, _ := must2(w.s.ListUnits(ctx, viewer(), org.UnitFilter{ParentID: &w.hq.ID}))(t)
		if unitCodes(off) != "CO" || unitCodes(inA) != "GOV-A ST-A-1 CO" || unitCodes(gov) != "GOV-A GOV-B" || unitCodes(under) != "GOV-A GOV-B" {
			t.Fatalf("unit filters: %s | %s | %s | %s", unitCodes(off), unitCodes(inA), unitCodes(gov), unitCodes(under))
		}
		if off[0].ID != inactive.ID || off[0].Active {
			t.Fatalf("inactive unit %+v", off[0])
		}
	})
}

func TestOptionsIndentByVisibleAncestors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		opts := must(w.s.RegionOptions(ctx, regionAdmin(w.a.Path)))(t)
		var got []string
		for _, o := range opts {
			got = append(got, fmt.Sprintf("%s:%d", o.Code, o.Depth))
		}
		if s := strings.Join(got, " "); s != "LS-A:0 LS-A-1:1 LS-A-1-1:2 LS-A-1-1-1:3" {
			t.Fatalf("region options %s", s)
		}
		uopts := must(w.s.UnitOptions(ctx, admin()))(t)
		got = got[:0]
		for _, o := range uopts {
			got = append(got, fmt.Sprintf("%s:%d:%s", o.Code, o.Depth, o.Kind))
		}
		if s := strings.Join(got, " "); s != "HQ:0:hq GOV-A:1:district_gov ST-A-1:2:street_office GOV-B:1:district_gov" {
			t.Fatalf("unit options %s", s)
		}
	})
}

func must2[T any](v []T, n int, err error) func(*testing.T) ([]T, int) {
	return func(t *testing.T) ([]T, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v, n
	}
}

func codes(rs []org.Region) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Code)
	}
	return strings.Join(s, " ")
}

func unitCodes(us []org.Unit) string {
	var s []string
	for _, u := range us {
		s = append(s, u.Code)
	}
	return strings.Join(s, " ")
}

// TestOptionsShowChangesAtOnce proves the cached select-box lists never
// hide a change made through the service: a new, renamed or deleted unit
// shows in the next list.
func TestOptionsShowChangesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		list := func() string {
			var got []string
			for _, o := range must(w.s.UnitOptions(ctx, admin()))(t) {
				got = append(got, o.Code+":"+o.Name)
			}
			return strings.Join(got, " ")
		}
		before := list()
		u := must(w.s.CreateUnit(ctx, admin(), org.UnitInput{RegionID: w.a.ID, Kind: org.KindCompany, Code: "NEW", Name: "新单位", Active: true}))(t)
		if got := list(); !strings.Contains(got, "NEW:新单位") {
			t.Fatalf("new unit missing: %s", got)
		}
		in := org.UnitInput{RegionID: w.a.ID, Kind: org.KindCompany, Code: "NEW", Name: "改名单位", Active: true}
		must(w.s.UpdateUnit(ctx, admin(), u.ID, in))(t)
		if got := list(); !strings.Contains(got, "NEW:改名单位") {
			t.Fatalf("renamed unit not shown: %s", got)
		}
		if err := w.s.DeleteUnit(ctx, admin(), u.ID); err != nil {
			t.Fatal(err)
		}
		if got := list(); got != before {
			t.Fatalf("after delete: %s, want %s", got, before)
		}
	})
}
