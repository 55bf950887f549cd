package grassrootsweb_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/i18n"
)

// sheet reads the first sheet of an exported workbook.
func sheet(t *testing.T, res *apptest.Response) [][]string {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("export: %d", res.Status)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.Raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// thousands writes n as the pages do (13,418).
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The seed's Jiuzhi figures come out of the demo county's rows, through
// the registered figures, and the same numbers show on the campaign page.
func TestTheDemoCountyProducesTheSeedsJiuzhiFigures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		county := e.ID(t, "regions", "code", grassroots.DemoCountyCode)
		ctx := e.App.Grass.FiguresContext(context.Background())
		sc := figures.Scope{From: grassroots.DemoCampaignFrom, To: grassroots.DemoCampaignTo, RegionID: county}
		want := map[string]int64{
			grassroots.FigCadresDispatched: 129, grassroots.FigVillagesCovered: 43, grassroots.FigMeetings: 159, grassroots.FigAudience: 13418,
			grassroots.FigHouseholdsVisited: 4017, grassroots.FigPeopleVisited: 17889, grassroots.FigDisputesSettled: 11,
			grassroots.FigSettledInVillage: 8, grassroots.FigSettledInTownship: 3, grassroots.FigDisputesRegistered: 14, grassroots.FigAgreementsFulfilled: 5,
		}
		for name, n := range want {
			f, ok := figures.Get("grassroots." + name)
			if !ok {
				t.Fatalf("figure %s not registered", name)
			}
			v, err := f.Compute(ctx, nil, sc)
			if err != nil {
				t.Fatal(err)
			}
			if v.Count != n {
				t.Errorf("%s = %d, want %d", name, v.Count, n)
			}
		}
		// The API answers the same numbers.
		var api struct {
			Figures map[string]int64 `json:"figures"`
		}
		res := e.API(t, "admin").Get("/api/v1/grassroots/figures?from=" + grassroots.DemoCampaignFrom + "&to=" + grassroots.DemoCampaignTo +
			"&region=" + apptest.Itoa(county))
		res.Decode(&api)
		for name, n := range want {
			if api.Figures[name] != n {
				t.Errorf("API %s = %d, want %d", name, api.Figures[name], n)
			}
		}
		// The figures page and its export show the same numbers.
		admin := e.Login(t, "admin")
		q := "?from=" + grassroots.DemoCampaignFrom + "&to=" + grassroots.DemoCampaignTo + "&region=" + apptest.Itoa(county)
		page := admin.Get("/grassroots/figures" + q)
		for name, n := range want {
			apptest.Want(t, "figures page "+name, page, http.StatusOK, fmt.Sprintf(`id="fig-%s">%s<`, name, thousands(n)))
		}
		byLabel := map[string]string{}
		for _, r := range sheet(t, admin.Get("/grassroots/figures"+q+"&format=xlsx")) {
			if len(r) > 1 {
				byLabel[r[0]] = r[1]
			}
		}
		for name, n := range want {
			label := i18n.T(i18n.ZH, "grassroots.figure."+name)
			if byLabel[label] != strconv.FormatInt(n, 10) {
				t.Errorf("figures export %s (%s) = %q, want %d", name, label, byLabel[label], n)
			}
		}
		// The coverage export's total row is the page's.
		cov := sheet(t, admin.Get("/grassroots/coverage?format=xlsx&region="+apptest.Itoa(county)+"&from=2026-09-01&to=2026-11-30"))
		total := cov[len(cov)-1]
		if len(total) < 7 || total[0] != "沐川县" || total[5] != "4017" || total[6] != "17889" || total[4] != "4017" {
			t.Errorf("coverage export total %v", total)
		}
		// The rows behind them, counted by hand.
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_cadres c WHERE EXISTS (SELECT 1 FROM gr_dispatches x WHERE x.cadre_id = c.id)"); n != 129 {
			t.Errorf("cadre rows dispatched: %d", n)
		}
		countyPath := "%/" + apptest.Itoa(county) + "/%"
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_people p JOIN gr_visits v ON v.household_id = p.household_id WHERE v.region_path LIKE ?", countyPath); n != 17889 {
			t.Errorf("members of visited households: %d", n)
		}
		// The campaign page shows the same numbers, and every village keeps the rule.
		id := e.Count(t, "SELECT id FROM gr_campaigns WHERE name = ?", grassroots.DemoCampaignName)
		apptest.Want(t, "campaign page", admin.Get("/grassroots/campaigns/"+apptest.Itoa(id)), http.StatusOK,
			`id="c-meetings">159<`, `id="c-audience">13,418<`, `id="c-cadres">129<`, `id="no-breaches"`)
		apptest.Want(t, "county coverage", admin.Get("/grassroots/coverage?region="+apptest.Itoa(county)+"&from=2026-09-01&to=2026-11-30"),
			http.StatusOK, `id="cov-visited">4,017<`, `id="cov-people">17,889<`, `id="cov-reached">4,017<`)
		// The rule check lists exactly the villages that break it: one loses
		// its county-level cadre, another gets a fourth section-level one.
		v1 := e.Count(t, "SELECT MIN(region_id) FROM gr_dispatches")
		v2 := e.Count(t, "SELECT MAX(region_id) FROM gr_dispatches")
		e.Exec(t, "DELETE FROM gr_dispatches WHERE region_id = ? AND cadre_id IN (SELECT id FROM gr_cadres WHERE rank = 'county')", v1)
		extra := e.Count(t, "SELECT MIN(x.cadre_id) FROM gr_dispatches x JOIN gr_cadres c ON c.id = x.cadre_id WHERE c.rank = 'section' AND x.region_id <> ?", v2)
		apptest.Want(t, "dispatch", admin.PostForm("/grassroots/campaigns/"+apptest.Itoa(id)+"/dispatches", map[string][]string{
			"cadre_id": {apptest.Itoa(extra)}, "region_id": {apptest.Itoa(v2)}}), http.StatusSeeOther)
		extra2 := e.Count(t, "SELECT MAX(x.cadre_id) FROM gr_dispatches x JOIN gr_cadres c ON c.id = x.cadre_id WHERE c.rank = 'section' AND x.region_id <> ?", v2)
		apptest.Want(t, "dispatch again", admin.PostForm("/grassroots/campaigns/"+apptest.Itoa(id)+"/dispatches", map[string][]string{
			"cadre_id": {apptest.Itoa(extra2)}, "region_id": {apptest.Itoa(v2)}}), http.StatusSeeOther)
		vs, breaches, err := e.App.Grass.CoverageCheck(context.Background(), nil, id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[int64]string{}
		for _, b := range breaches {
			got[b.RegionID] = b.Reasons[0]
		}
		if len(vs) != 43 || len(got) != 2 || got[v1] != "too_few_county" || got[v2] != "too_many_section" {
			t.Fatalf("breaches %v of %d villages; want %d too_few_county and %d too_many_section", got, len(vs), v1, v2)
		}
		apptest.Want(t, "breaches shown", admin.Get("/grassroots/campaigns/"+apptest.Itoa(id)), http.StatusOK, "2 个村（共 43 个）不符合规则", "县级干部不足", "科级干部超出")
	})
}
