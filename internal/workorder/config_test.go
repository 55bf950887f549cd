package workorder_test

import (
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// wantField checks that err is invalid with the message key on the field.
func wantConfigField(t *testing.T, err error, field, key string) {
	t.Helper()
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid || e.Fields[field].Key != key {
		t.Fatalf("want %s on %s, got %v", key, field, err)
	}
}

func TestParseHolidayListRules(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       int               // rows when valid
		bad        map[string]string // line field → message key
	}{
		{"holidays, make-up days, Chinese kinds, comments and blank lines",
			"# 国庆\n2026-10-01 holiday 国庆节\n\n2026-10-02 休\n2026-10-10 班 国庆节调休\r\n2026-09-20 workday", 4, nil},
		{"full-width spaces", "2026-10-01\u3000holiday\u3000国庆节", 1, nil},
		{"nothing", "\n# only a comment\n", 0, map[string]string{"lines": "woconfig.import.empty"}},
		{"bad date", "2026-02-30 holiday 春节", 0, map[string]string{"line.1": "woconfig.import.line_date"}},
		{"short date", "2026-2-3 holiday 春节", 0, map[string]string{"line.1": "woconfig.import.line_date"}},
		{"another year", "2026-01-01 holiday 元旦\n2027-01-01 holiday 元旦", 0, map[string]string{"line.2": "woconfig.import.line_year"}},
		{"bad kind", "2026-01-01 rest 元旦", 0, map[string]string{"line.1": "woconfig.import.line_kind"}},
		{"no kind", "2026-01-01", 0, map[string]string{"line.1": "woconfig.import.line_short"}},
		{"make-up day on a weekday", "2026-01-05 workday 调休", 0, map[string]string{"line.1": "woconfig.import.line_workday"}},
		{"repeated date", "2026-01-01 holiday 元旦\n2026-01-01 holiday 元旦", 0, map[string]string{"line.2": "woconfig.import.line_repeat"}},
		{"long name", "2026-01-01 holiday " + strings.Repeat("节", 51), 0, map[string]string{"line.1": "woconfig.import.line_name"}},
		{"every bad line is named", "2026-13-01 holiday\nok\n2026-01-01 holiday 元旦\n2026-01-06 workday", 0,
			map[string]string{"line.1": "woconfig.import.line_date", "line.2": "woconfig.import.line_short", "line.4": "woconfig.import.line_workday"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days, err := wo.ParseHolidayList(2026, tc.text)
			if tc.bad == nil {
				if err != nil || len(days) != tc.want {
					t.Fatalf("%d days, %v", len(days), err)
				}
				return
			}
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || len(e.Fields) != len(tc.bad) {
				t.Fatalf("got %v", err)
			}
			for f, key := range tc.bad {
				if e.Fields[f].Key != key {
					t.Errorf("%s: %q, want %q", f, e.Fields[f].Key, key)
				}
			}
		})
	}
}

func TestCategoryRulesOnEveryEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		in := wo.CategoryInput{ParentID: f.cats["G-CITY"], Code: "DOGS", Name: "遛狗不牵绳", Urgency: wo.UrgencyComplex, Active: true, Public: true}

		// Only settings.manage may change categories.
		if _, err := f.svc.CreateCategory(f.ctx, f.disp, in); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("dispatcher: %v", err)
		}
		c, err := f.svc.CreateCategory(f.ctx, admin, in)
		must(t, err)
		if c.AckHours != 24 || c.ResolveValue != 15 || c.ResolveUnit != wo.WorkingDays || c.GroupName != "市容环境" {
			t.Fatalf("defaults not taken: %+v", c)
		}
		// Codes are unique whatever their case.
		dup := in
		dup.Code = "dogs"
		_, err = f.svc.CreateCategory(f.ctx, admin, dup)
		wantConfigField(t, err, "code", "woconfig.err.code_taken")

		// A deactivated unit cannot be chosen anew, but one kept may stay.
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(f.ctx, "UPDATE units SET active = FALSE WHERE id = ?", f.unitB)
			return err
		}))
		edit := c.Input()
		edit.UnitID = f.unitB
		_, err = f.svc.UpdateCategory(f.ctx, admin, c.ID, edit)
		wantConfigField(t, err, "unit_id", "woconfig.err.unit_inactive")
		street, err := f.svc.CategoryByCode(f.ctx, "STREET_VENDING")
		must(t, err)
		must(t, d.Write(f.ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(f.ctx, "UPDATE units SET active = FALSE WHERE id = ?", street.UnitID)
			return err
		}))
		if _, err := f.svc.SetCategoryActive(f.ctx, admin, street.ID, false); err != nil {
			t.Fatalf("deactivate a category whose unit was deactivated since: %v", err)
		}

		// A group keeps being a group; it takes no parent and no unit.
		g := c.Input()
		g.Group = true
		_, err = f.svc.UpdateCategory(f.ctx, admin, c.ID, g)
		wantConfigField(t, err, "group", "woconfig.err.kind_fixed")
		_, err = f.svc.CreateCategory(f.ctx, admin, wo.CategoryInput{Group: true, ParentID: f.cats["G-CITY"], UnitID: f.unitA,
			Code: "G-X", Name: "分组", Urgency: wo.UrgencyGeneral})
		wantConfigField(t, err, "parent_id", "woconfig.err.group_parent")

		// Deactivating a group deactivates its categories and takes them from the cache at once.
		traffic := f.cats["G-TRAFFIC"]
		if _, err := f.svc.SetCategoryActive(f.ctx, admin, traffic, false); err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.CategoryByCode(f.ctx, "PARKING"); err != nil || p.Active {
			t.Fatalf("PARKING after its group was deactivated: %+v %v", p, err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_category' AND action = 'update'"); n != 1+1+3 {
			t.Fatalf("%d update audits", n)
		}
		if _, err := f.svc.SetCategoryActive(f.ctx, admin, f.cats["PARKING"], true); !errs.Is(err, errs.Conflict) {
			t.Fatalf("reactivate under an inactive group: %v", err)
		}
		if _, err := f.svc.SubmitPublic(f.ctx, f.report(29.42, 103.56, "PARKING", "192.0.2.30")); !errs.Is(err, errs.Invalid) {
			t.Fatalf("report in a deactivated category: %v", err)
		}

		// A used category cannot be deleted; an unused one can.
		f.submit(t, "RUBBISH")
		err = f.svc.DeleteCategory(f.ctx, admin, f.cats["RUBBISH"])
		if e := errs.As(err); e == nil || e.Code != errs.Conflict || e.Key != "woconfig.err.category_in_use" {
			t.Fatalf("delete a used category: %v", err)
		}
		must(t, f.svc.DeleteCategory(f.ctx, admin, c.ID))
		if _, err := f.svc.CategoryByCode(f.ctx, "DOGS"); !errs.Is(err, errs.NotFound) {
			t.Fatalf("deleted category still found: %v", err)
		}
	})
}

func TestUrgencyDefaultsAndHolidayImportOnEveryEngine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		_, err := f.svc.UpdateUrgency(f.ctx, admin, wo.UrgencyGeneral, wo.UrgencyLimits{AckHours: -1, ResolveValue: 3, ResolveUnit: wo.WorkingDays})
		wantConfigField(t, err, "ack_hours", "field.out_of_range")
		if _, err := f.svc.UpdateUrgency(f.ctx, admin, "nosuch", wo.UrgencyLimits{AckHours: 1, ResolveValue: 1, ResolveUnit: wo.Hours}); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown class: %v", err)
		}
		u, err := f.svc.UpdateUrgency(f.ctx, admin, wo.UrgencyGeneral, wo.UrgencyLimits{AckHours: 8, ResolveValue: 3, ResolveUnit: wo.WorkingDays})
		must(t, err)
		if u.AckHours != 8 || u.ResolveUnit != wo.WorkingDays {
			t.Fatalf("urgency: %+v", u)
		}
		if c, _ := f.svc.CategoryByCode(f.ctx, "RUBBISH"); c.AckHours != 24 || c.ResolveUnit != wo.CalendarDays {
			t.Fatalf("an existing category followed its class: %+v", c)
		}

		// Import replaces the year in one go; a refused list changes nothing.
		before := f.count(t, "SELECT COUNT(*) FROM holidays")
		if _, err := f.svc.ImportHolidays(f.ctx, admin, 2026, "2026-10-01 holiday\n2026-10-02 nap"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad list: %v", err)
		}
		if f.count(t, "SELECT COUNT(*) FROM holidays") != before {
			t.Fatal("a refused list changed the calendar")
		}
		res, err := f.svc.ImportHolidays(f.ctx, admin, 2026, "2026-10-01 holiday 国庆节\n2026-10-08 holiday 国庆节")
		must(t, err)
		if res.Added != 1 || res.Changed != 0 || int64(res.Removed) != before-1 {
			t.Fatalf("import: %+v (had %d)", res, before)
		}
		days, err := f.svc.Holidays(f.ctx, 2026)
		must(t, err)
		if len(days) != 2 || days[1].Day != "2026-10-08" {
			t.Fatalf("2026 after the import: %+v", days)
		}
		if _, err := f.svc.ImportHolidays(f.ctx, f.disp, 2026, "2026-10-01 holiday"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("dispatcher import: %v", err)
		}
	})
}
