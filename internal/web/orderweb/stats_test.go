package orderweb_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/web/orderweb"
	"github.com/wenming-city/wenming/internal/workorder"
)

// statsFixture is a hand-counted week in the demo city (the clock starts on
// Sunday 29 Nov 2026, 09:00, in the fourth quarter):
//
//	A1, A2  rubbish in 张公桥街道, dispatched to ST-ZGQ at t.
//	        A1 acknowledged at t+1h (on time), resolved at t+3h (on time,
//	        3 h), verified, callback unreachable. A2 acknowledged at t+25h
//	        (late), never resolved: overdue now (due t+7d).
//	B1, B2  rubbish in 沙湾镇, dispatched to ST-SWZ at t. B1 acknowledged at
//	        t+1h, resolved at t+2h (2 h), verified, callback dissatisfied:
//	        reopened, due t+2h+7d, overdue now. B2 returned at t+1h.
//	B3      rubbish in 沙湾镇, never dispatched.
//
// The clock ends at t+8d+3h (Monday 7 Dec).
type statsFixture struct {
	codes                  map[string]string // A1 … → tracking code
	zgq, swz               int64             // units
	zgqName, swzName       string
	dispatcher, operator   *auth.Principal
	handlerZGQ, handlerSWQ *auth.Principal
}

func stPrincipal(t *testing.T, e *apptest.Env, username string) *auth.Principal {
	t.Helper()
	p, err := e.App.Accounts.Principal(context.Background(), e.ID(t, "users", "username", username))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newStatsFixture(t *testing.T, e *apptest.Env) *statsFixture {
	t.Helper()
	ctx := context.Background()
	f := &statsFixture{codes: map[string]string{}, zgq: e.ID(t, "units", "code", "ST-ZGQ"), swz: e.ID(t, "units", "code", "ST-SWZ"),
		dispatcher: stPrincipal(t, e, "dispatcher"), operator: stPrincipal(t, e, "operator"),
		handlerZGQ: stPrincipal(t, e, "handler_zgq"), handlerSWQ: stPrincipal(t, e, "handler_swq")}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cat := e.ID(t, "workorder_categories", "code", "RUBBISH")
	regions := map[string]int64{"A": e.ID(t, "regions", "code", "511102-ZGQ"), "B": e.ID(t, "regions", "code", "511111-SWZ")}
	ids := map[string]int64{}
	for _, name := range []string{"A1", "A2", "B1", "B2", "B3"} {
		sub, err := e.App.Orders.Submit(ctx, f.operator, workorder.SubmitInput{Channel: workorder.ChannelHotline, CategoryID: cat,
			Description: name + " 小区门口垃圾堆放多日无人清运", RegionID: regions[name[:1]]})
		must(err)
		ids[name], f.codes[name] = sub.ID, sub.Code
	}
	act := func(p *auth.Principal, name string, in workorder.ActionInput) {
		t.Helper()
		if _, err := e.App.Orders.Act(ctx, p, ids[name], in); err != nil {
			t.Fatalf("%s %s: %v", name, in.Action, err)
		}
	}
	t0 := e.Clock.Now()
	at := func(d time.Duration) { e.Clock.Set(t0.Add(d)) }
	act(f.dispatcher, "A1", workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: f.zgq})
	act(f.dispatcher, "A2", workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: f.zgq})
	act(f.dispatcher, "B1", workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: f.swz})
	act(f.dispatcher, "B2", workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: f.swz})
	at(time.Hour)
	act(f.handlerZGQ, "A1", workorder.ActionInput{Action: workorder.ActionAcknowledge})
	act(f.handlerSWQ, "B1", workorder.ActionInput{Action: workorder.ActionAcknowledge})
	act(f.handlerSWQ, "B2", workorder.ActionInput{Action: workorder.ActionReturn, Note: "不属于本镇管辖"})
	at(2 * time.Hour)
	act(f.handlerSWQ, "B1", workorder.ActionInput{Action: workorder.ActionResolve, Note: "已清运"})
	act(f.dispatcher, "B1", workorder.ActionInput{Action: workorder.ActionVerify})
	act(f.operator, "B1", workorder.ActionInput{Action: workorder.ActionCallback, Rating: workorder.RatingDissatisfied})
	at(3 * time.Hour)
	act(f.handlerZGQ, "A1", workorder.ActionInput{Action: workorder.ActionResolve, Note: "已清运"})
	act(f.dispatcher, "A1", workorder.ActionInput{Action: workorder.ActionVerify})
	act(f.operator, "A1", workorder.ActionInput{Action: workorder.ActionCallback, Rating: workorder.RatingUnreachable})
	at(25 * time.Hour)
	act(f.handlerZGQ, "A2", workorder.ActionInput{Action: workorder.ActionAcknowledge})
	at(8*24*time.Hour + 3*time.Hour)
	for _, u := range []struct {
		id   int64
		name *string
	}{{f.zgq, &f.zgqName}, {f.swz, &f.swzName}} {
		unit, err := e.App.Org.GetUnit(ctx, f.dispatcher, u.id)
		must(err)
		*u.name = unit.Name
	}
	return f
}

// statsPageTable reads the KPI table of the page: row name → cell texts
// (tags dropped, a rate's line break as a space).
func statsPageTable(t *testing.T, body string) map[string][]string {
	t.Helper()
	rowRe := regexp.MustCompile(`(?s)<tr>\s*<th scope="row">(.*?)</th>(.*?)</tr>`)
	cellRe := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRe := regexp.MustCompile(`<[^>]+>`)
	out := map[string][]string{}
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		var cells []string
		for _, c := range cellRe.FindAllStringSubmatch(m[2], -1) {
			txt := tagRe.ReplaceAllString(strings.ReplaceAll(c[1], "<br>", " "), "")
			cells = append(cells, html.UnescapeString(strings.Join(strings.Fields(txt), " ")))
		}
		out[html.UnescapeString(m[1])] = cells
	}
	return out
}

type statsAPI struct {
	From, To, Group string
	Rows            []map[string]any
	Total           map[string]any
}

// figures renders an API row in the page's wording, to compare the two.
func statsFigures(r map[string]any) []string {
	n := func(k string) string { return fmt.Sprint(int64(r[k].(float64))) }
	// A rate is {numerator, denominator, value}; value is null at 0.
	value := func(k string) (float64, bool) {
		v, ok := r[k].(map[string]any)["value"].(float64)
		return v, ok
	}
	rate := func(k, num, den string) string {
		v, ok := value(k)
		txt := "—"
		if ok {
			txt = fmt.Sprintf("%.1f%%", v*100)
		}
		return txt + " " + n(num) + " / " + n(den)
	}
	sat := "—"
	if v, ok := value("satisfaction_rate"); ok {
		sat = fmt.Sprintf("%.1f%%", v*100)
	}
	avg := "—"
	if v, ok := r["avg_handling_hours"].(float64); ok {
		avg = fmt.Sprintf("%.1f 小时", v)
	}
	satNum := fmt.Sprint(int64(r["satisfied"].(float64) + r["basically_satisfied"].(float64)))
	return []string{n("received"), n("dispatched"), n("acknowledged_on_time"), n("resolved_on_time"), n("returned"),
		n("reopened"), rate("resolution_rate", "resolved", "dispatched"),
		sat + " " + satNum + " / " + n("callbacks_reached"), avg, n("overdue_now")}
}

// TestStatsPageAPIAndWorkbookShowTheSameHandCountedFigures builds a
// hand-counted week and checks the page, the API and the .xlsx against
// the count and each other: a unit with no callback reached shows "—",
// never 0 %; one whose only callback was dissatisfied shows 0.0 %.
func TestStatsPageAPIAndWorkbookShowTheSameHandCountedFigures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newStatsFixture(t, e)
		// Page wording, hand-counted by the whole-order rule: each order is
		// counted once, on the day it was received, with the unit that holds
		// it now and where it stands now. B2 (returned) counts with 沙湾镇 as
		// received and returned but not dispatched; B1's resolution was
		// undone by the dissatisfied callback, so it is reopened, not resolved.
		want := map[string][]string{
			"未派单":     {"1", "0", "0", "0", "0", "0", "— 0 / 0", "— 0 / 0", "—", "0"},
			f.zgqName: {"2", "2", "1", "1", "0", "0", "50.0% 1 / 2", "— 0 / 0", "3.0 小时", "1"},
			f.swzName: {"2", "1", "1", "0", "1", "1", "0.0% 0 / 1", "0.0% 0 / 1", "—", "1"},
			"合计":      {"5", "3", "2", "1", "1", "1", "33.3% 1 / 3", "0.0% 0 / 1", "3.0 小时", "2"},
		}
		res := e.Login(t, "leader").Get("/stats/workorders")
		if res.Status != http.StatusOK {
			t.Fatalf("page: %d %s", res.Status, res.Body)
		}
		if !res.Contains(`value="2026-10-01"`, `value="2026-12-31"`, "工单考核指标", "满意率", "当前超期") {
			t.Fatalf("page lacks the default quarter or headers: %s", res.Body)
		}
		page := statsPageTable(t, res.Body)
		if len(page) != len(want) {
			t.Fatalf("page rows %v", page)
		}
		for name, w := range want {
			if !slices.Equal(page[name], w) {
				t.Errorf("page row %s:\n got %q\nwant %q", name, page[name], w)
			}
		}

		var api statsAPI
		ares := e.API(t, "leader").JSON("GET", "/api/v1/stats/workorders", nil)
		if ares.Status != http.StatusOK {
			t.Fatalf("API: %d %s", ares.Status, ares.Body)
		}
		ares.Decode(&api)
		if api.From != "2026-10-01" || api.To != "2026-12-31" || api.Group != "unit" || len(api.Rows) != 3 {
			t.Fatalf("API: %s", ares.Body)
		}
		names := map[int64]string{0: "未派单", f.zgq: f.zgqName, f.swz: f.swzName}
		for _, r := range api.Rows {
			name := names[int64(r["id"].(float64))]
			if got := statsFigures(r); !slices.Equal(got, want[name]) {
				t.Errorf("API row %s:\n got %q\nwant %q", name, got, want[name])
			}
		}
		if got := statsFigures(api.Total); !slices.Equal(got, want["合计"]) {
			t.Errorf("API total:\n got %q\nwant %q", got, want["合计"])
		}
		if ares.Contains(`"satisfaction_rate":0,`) && !strings.Contains(ares.Body, `"satisfaction_rate":null`) {
			t.Error("a rate without callbacks must be null")
		}

		// The workbook: same rows, numbers as numbers, rates with a percent format.
		xres := e.Login(t, "leader").Get("/stats/workorders?format=xlsx")
		if xres.Status != http.StatusOK || !strings.Contains(xres.Header.Get("Content-Disposition"), "20261001-20261231.xlsx") {
			t.Fatalf("xlsx: %d %v", xres.Status, xres.Header)
		}
		wb, err := excelize.OpenReader(bytes.NewReader(xres.Raw))
		if err != nil {
			t.Fatal(err)
		}
		sheet := wb.GetSheetName(0)
		shown, _ := wb.GetRows(sheet)
		raw, _ := wb.GetRows(sheet, excelize.Options{RawCellValue: true})
		wantHead := []string{"责任单位", "受理量", "派单量", "按时签收", "办结量", "按时办结", "退回", "重办", "回访接通", "满意及基本满意",
			"办结率", "满意率", "平均办理时长（小时）", "当前超期"}
		if !slices.Equal(shown[0], wantHead) {
			t.Fatalf("headers %q", shown[0])
		}
		xl := map[string][]string{}
		xlRaw := map[string][]string{}
		for i, row := range shown[1:] {
			if len(row) == len(wantHead) {
				xl[row[0]], xlRaw[row[0]] = row[1:], raw[i+1][1:]
			}
		}
		wantXL := map[string][]string{ // as Excel shows them
			"未派单":     {"1", "0", "0", "0", "0", "0", "0", "0", "0", "", "", "—", "0"},
			f.zgqName: {"2", "2", "1", "1", "1", "0", "0", "0", "0", "50.0%", "", "3.0", "1"},
			f.swzName: {"2", "1", "1", "0", "0", "1", "1", "1", "0", "0.0%", "0.0%", "—", "1"},
			"合计":      {"5", "3", "2", "1", "1", "1", "1", "1", "0", "33.3%", "0.0%", "3.0", "2"},
		}
		if len(xl) != len(wantXL) {
			t.Fatalf("workbook rows %v", xl)
		}
		for name, w := range wantXL {
			if !slices.Equal(xl[name], w) {
				t.Errorf("workbook row %s:\n got %q\nwant %q", name, xl[name], w)
			}
		}
		if r := xlRaw[f.zgqName]; r[9] != "0.5" || r[11] != "3" {
			t.Errorf("rates and hours must be numbers: %q", r)
		}
	})
}

// TestStatsFigureLinksListExactlyTheOrdersTheyCount follows the links of the
// page (the same as the API's) with the /orders list's KPI parameters and
// checks the orders against the hand count; every link lists at least one
// and at most as many orders as the figure counts.
func TestStatsFigureLinksListExactlyTheOrdersTheyCount(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newStatsFixture(t, e)
		var api statsAPI
		e.API(t, "dispatcher").JSON("GET", "/api/v1/stats/workorders", nil).Decode(&api)
		browser := e.Login(t, "dispatcher")
		body := browser.Get("/stats/workorders").Body
		codesOf := func(link string) []string {
			t.Helper()
			u, err := url.Parse(link)
			if err != nil || u.Path != "/orders" {
				t.Fatalf("link %q", link)
			}
			k, err := orderweb.KPITraceOf(u.Query())
			if err != nil || k == nil {
				t.Fatalf("link %q: %v", link, err)
			}
			rows, _, err := e.App.Orders.List(context.Background(), f.dispatcher, workorder.Filter{KPI: k, Size: 500})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range rows {
				for name, c := range f.codes {
					if c == o.Code {
						out = append(out, name)
					}
				}
			}
			slices.Sort(out)
			return out
		}
		byID := map[int64]map[string]any{}
		for _, r := range api.Rows {
			byID[int64(r["id"].(float64))] = r
		}
		link := func(r map[string]any, fig workorder.Figure) string {
			l, _ := r["links"].(map[string]any)[string(fig)].(string)
			return l
		}
		for _, c := range []struct {
			row  map[string]any
			fig  workorder.Figure
			want []string
		}{
			{byID[0], workorder.FigReceived, []string{"B3"}},
			{byID[f.zgq], workorder.FigReceived, []string{"A1", "A2"}},
			{byID[f.swz], workorder.FigReceived, []string{"B1", "B2"}},
			{byID[f.zgq], workorder.FigDispatched, []string{"A1", "A2"}},
			{byID[f.zgq], workorder.FigAckOnTime, []string{"A1"}},
			{byID[f.zgq], workorder.FigResolvedOnTime, []string{"A1"}},
			{byID[f.zgq], workorder.FigOverdueNow, []string{"A2"}},
			{byID[f.swz], workorder.FigReturned, []string{"B2"}},
			{byID[f.swz], workorder.FigReopened, []string{"B1"}},
			{byID[f.swz], workorder.FigCallbacksReached, []string{"B1"}},
			{byID[f.swz], workorder.FigOverdueNow, []string{"B1"}},
			{api.Total, workorder.FigReceived, []string{"A1", "A2", "B1", "B2", "B3"}},
			{api.Total, workorder.FigDispatched, []string{"A1", "A2", "B1"}},
			{api.Total, workorder.FigResolved, []string{"A1"}},
			{api.Total, workorder.FigOverdueNow, []string{"A2", "B1"}},
		} {
			l := link(c.row, c.fig)
			if got := codesOf(l); !slices.Equal(got, c.want) {
				t.Errorf("%s of %v: %v, want %v", c.fig, c.row["name"], got, c.want)
			}
			if !strings.Contains(body, `href="`+html.EscapeString(l)+`"`) {
				t.Errorf("the page lacks the API's link %s", l)
			}
			// Followed in the browser, the /orders list shows exactly those orders.
			list := browser.Get(l)
			for name, code := range f.codes {
				if list.Status != http.StatusOK || list.Contains(code) != slices.Contains(c.want, name) {
					t.Errorf("%s: /orders (%d) shows %s: %v, want %v", l, list.Status, name, list.Contains(code), slices.Contains(c.want, name))
				}
			}
		}
		if link(byID[f.zgq], workorder.FigCallbacksReached) != "" || link(byID[f.zgq], workorder.FigReturned) != "" {
			t.Error("a figure of 0 has no list to link to")
		}
		for _, r := range append(api.Rows, api.Total) {
			for fig, l := range r["links"].(map[string]any) {
				n := int64(r[fig].(float64))
				if fig == string(workorder.FigSatisfiedOrBasic) {
					n = int64(r["satisfied"].(float64) + r["basically_satisfied"].(float64))
				}
				if got := codesOf(l.(string)); len(got) == 0 || int64(len(got)) > n {
					t.Errorf("%v %s = %d lists %v", r["name"], fig, n, got)
				}
			}
		}
	})
}

// TestStatsScreenShowsAUnitHandlerOnlyItsScope: handler_swq (沙湾镇) sees
// the not-yet-dispatched orders of 沙湾镇 and its own unit, not 张公桥街道, on
// the page, in the API and in the workbook; it may open the screen though
// the menu offers it only to dashboard viewers.
func TestStatsScreenShowsAUnitHandlerOnlyItsScope(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		f := newStatsFixture(t, e)
		c := e.Login(t, "handler_swq")
		res := c.Get("/stats/workorders")
		page := statsPageTable(t, res.Body)
		want := map[string][]string{
			"未派单":     {"1", "0", "0", "0", "0", "0", "— 0 / 0", "— 0 / 0", "—", "0"},
			f.swzName: {"2", "1", "1", "0", "1", "1", "0.0% 0 / 1", "0.0% 0 / 1", "—", "1"},
			"合计":      {"3", "1", "1", "0", "1", "1", "0.0% 0 / 1", "0.0% 0 / 1", "—", "1"},
		}
		if res.Status != http.StatusOK || len(page) != len(want) || strings.Contains(res.Body, f.zgqName) {
			t.Fatalf("handler's page: %d %v", res.Status, page)
		}
		for name, w := range want {
			if !slices.Equal(page[name], w) {
				t.Errorf("row %s: %q, want %q", name, page[name], w)
			}
		}
		if strings.Contains(res.Body, `href="/stats/workorders">`+"工单考核指标") {
			t.Error("the menu entry is for dashboard viewers")
		}
		var api statsAPI
		e.API(t, "handler_swq").JSON("GET", "/api/v1/stats/workorders?group=region", nil).Decode(&api)
		if len(api.Rows) != 1 || int64(api.Rows[0]["id"].(float64)) != e.ID(t, "regions", "code", "511111-SWZ") ||
			int64(api.Total["received"].(float64)) != 3 {
			t.Fatalf("handler's API by region: %+v", api)
		}
		xres := c.Get("/stats/workorders?format=xlsx")
		wb, err := excelize.OpenReader(bytes.NewReader(xres.Raw))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := wb.GetRows(wb.GetSheetName(0))
		for _, r := range rows {
			if len(r) > 0 && r[0] == f.zgqName {
				t.Fatal("the workbook shows another district's unit")
			}
		}
		if e.Login(t, "leader").Get("/").Contains(`href="/stats/workorders"`) == false {
			t.Error("the leader's menu lacks the KPI screen")
		}
		if g := e.Login(t, "grid").Get("/stats/workorders"); g.Status != http.StatusForbidden {
			t.Errorf("a grid worker (no dashboard, no orders): %d", g.Status)
		}
	})
}

// TestStatsScreenRefusesBadPeriodsWithFieldMessages, in both languages and on
// the API, and renders in English without raw keys.
func TestStatsScreenRefusesBadPeriodsWithFieldMessages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		c := e.Login(t, "leader")
		res := c.Get("/stats/workorders?from=2026-12-31&to=2026-10-01&group=district")
		if res.Status != http.StatusBadRequest || !res.Contains("结束日期不能早于开始日期", "请选择一个有效的选项", `aria-describedby="e-to"`) {
			t.Fatalf("bad period: %d %s", res.Status, res.Body)
		}
		ares := e.API(t, "leader").JSON("GET", "/api/v1/stats/workorders?from=Oct", nil)
		if ares.Status != http.StatusBadRequest || !ares.Contains(`"from"`) {
			t.Fatalf("API bad date: %d %s", ares.Status, ares.Body)
		}
		c.Lang = "en"
		res = c.Get("/stats/workorders?group=category&from=2026-01-01&to=2026-03-31")
		if res.Status != http.StatusOK || !res.Contains("Work-order KPIs", "Satisfaction rate", "Category", "No work-order activity") ||
			res.Contains("stats.") {
			t.Fatalf("English page: %d %s", res.Status, res.Body)
		}
	})
}
