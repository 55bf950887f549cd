package dashboardweb_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/workorder"
)

type figJSON struct {
	ID    string `json:"id"`
	Value struct {
		Count int64 `json:"count"`
		Rate  *struct {
			Numerator   int64    `json:"numerator"`
			Denominator int64    `json:"denominator"`
			Value       *float64 `json:"value"`
		} `json:"rate"`
	} `json:"value"`
	Previous *struct {
		Count int64 `json:"count"`
	} `json:"previous"`
	Link string `json:"link"`
}

type dashJSON struct {
	Period struct{ From, To string } `json:"period"`
	Region struct {
		Self     struct{ ID int64 } `json:"self"`
		Children []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"children"`
	} `json:"region"`
	Figures  []figJSON `json:"figures"`
	HotSpots []struct {
		Name     string `json:"name"`
		Parent   string `json:"parent"`
		Received int64  `json:"received"`
	} `json:"hot_spots"`
	Months []struct {
		Month    string `json:"month"`
		Received int64  `json:"received"`
	} `json:"months"`
	Regions []struct {
		Row struct {
			ID       int64 `json:"id"`
			Received int64 `json:"received"`
		} `json:"row"`
	} `json:"regions"`
	Units []struct {
		Row struct {
			Received int64 `json:"received"`
		} `json:"row"`
	} `json:"units"`
}

var tileRe = regexp.MustCompile(`data-figure="([^"]+)" data-value="([^"]*)"`)

// number is a figure as one text: a count, or a rate's fraction.
func number(f figJSON) string {
	if f.Value.Rate != nil {
		if f.Value.Rate.Value == nil {
			return ""
		}
		return strconv.FormatFloat(*f.Value.Rate.Value, 'f', -1, 64)
	}
	return strconv.FormatInt(f.Value.Count, 10)
}

// TestEveryCockpitFigureEqualsTheAPIAndTheWorkbook: for a quarter and a
// district, and for the whole city, each tile of /dashboard shows the
// value the API gives for the same period and region, and the workbook's
// figures sheet has it too (a rate with its numerator and denominator);
// the districts sum to the city, the months of the quarter to the
// quarter, and a tile's link lists as many orders as it counts.
func TestEveryCockpitFigureEqualsTheAPIAndTheWorkbook(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		if _, err := e.App.Orders.GenerateHistory(context.Background(), workorder.HistoryConfig{Orders: 400, Days: 200, Seed: 11}); err != nil {
			t.Fatal(err)
		}
		leader := e.Login(t, "leader")
		api := e.API(t, "leader")
		var city dashJSON
		res := api.Get("/api/v1/dashboard?period=quarter&at=2026-Q4")
		if res.Status != 200 {
			t.Fatalf("API: %d %s", res.Status, res.Body)
		}
		res.Decode(&city)
		if len(city.Region.Children) < 5 {
			t.Fatalf("the city's districts: %+v", city.Region.Children)
		}
		district := city.Region.Children[0].ID
		for _, region := range []int64{0, district} {
			q := "period=quarter&at=2026-Q4"
			if region != 0 {
				q += "&region=" + strconv.FormatInt(region, 10)
			}
			var d dashJSON
			res := api.Get("/api/v1/dashboard?" + q)
			if res.Status != 200 {
				t.Fatalf("API: %d %s", res.Status, res.Body)
			}
			res.Decode(&d)
			if d.Period.From != "2026-10-01" || d.Period.To != "2026-12-31" {
				t.Errorf("period %+v", d.Period)
			}
			byID := map[string]figJSON{}
			for _, f := range d.Figures {
				byID[f.ID] = f
			}
			recv := byID[workorder.FigureID(string(workorder.FigReceived))]
			if recv.Value.Count == 0 {
				t.Fatalf("region %d: no orders received in the quarter", region)
			}
			// The page.
			page := leader.Get("/dashboard?" + q)
			if page.Status != 200 {
				t.Fatalf("page: %d", page.Status)
			}
			seen := map[string]bool{}
			for _, m := range tileRe.FindAllStringSubmatch(page.Body, -1) {
				f, ok := byID[m[1]]
				if !ok {
					t.Errorf("tile %s not in the API", m[1])
					continue
				}
				seen[m[1]] = true
				if m[2] != number(f) {
					t.Errorf("region %d %s: page %q, API %q", region, m[1], m[2], number(f))
				}
			}
			if len(seen) != len(d.Figures) {
				t.Errorf("region %d: %d tiles for %d figures", region, len(seen), len(d.Figures))
			}
			// The workbook.
			x := leader.Get("/dashboard?" + q + "&format=xlsx")
			if x.Status != 200 || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheet") {
				t.Fatalf("xlsx: %d %s", x.Status, x.Header.Get("Content-Type"))
			}
			wb, err := excelize.OpenReader(bytes.NewReader(x.Raw))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := wb.GetRows("核心指标", excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			inBook := 0
			for _, r := range rows[1:] {
				if len(r) < 7 {
					continue
				}
				f, ok := byID[r[6]]
				if !ok {
					continue
				}
				inBook++
				if f.Value.Rate != nil {
					if f.Value.Rate.Value == nil {
						if r[1] != "" {
							t.Errorf("%s: workbook %q for a rate without value", r[6], r[1])
						}
					} else if v, err := strconv.ParseFloat(r[1], 64); err != nil || fmt.Sprintf("%.9f", v) != fmt.Sprintf("%.9f", *f.Value.Rate.Value) {
						t.Errorf("region %d %s: workbook %q, API %v", region, r[6], r[1], *f.Value.Rate.Value)
					}
					if r[2] != strconv.FormatInt(f.Value.Rate.Numerator, 10) || r[3] != strconv.FormatInt(f.Value.Rate.Denominator, 10) {
						t.Errorf("%s: workbook %s ÷ %s, API %+v", r[6], r[2], r[3], *f.Value.Rate)
					}
				} else if r[1] != strconv.FormatInt(f.Value.Count, 10) {
					t.Errorf("region %d %s: workbook %q, API %d", region, r[6], r[1], f.Value.Count)
				}
			}
			if inBook != len(d.Figures) {
				t.Errorf("region %d: %d figures in the workbook, %d in the API", region, inBook, len(d.Figures))
			}
			// The quarter's months sum to it (the trend is the twelve
			// months up to December).
			var months int64
			for _, m := range d.Months {
				if m.Month >= "2026-10" {
					months += m.Received
				}
			}
			if len(d.Months) != 12 || months != recv.Value.Count {
				t.Errorf("region %d: %d months, Q4 months %d, received %d", region, len(d.Months), months, recv.Value.Count)
			}
			// The tile's link lists as many orders as it counts.
			u, _ := url.Parse(recv.Link)
			var listed int64
			for page := 1; ; page++ {
				var list struct {
					Items []struct{ ID int64 }
					More  bool
				}
				lr := api.Get("/api/v1/workorders?" + u.RawQuery + "&size=100&page=" + strconv.Itoa(page))
				if lr.Status != 200 {
					t.Fatalf("list %s: %d %s", u.RawQuery, lr.Status, lr.Body)
				}
				lr.Decode(&list)
				listed += int64(len(list.Items))
				if !list.More || page > 50 {
					break
				}
			}
			if listed != recv.Value.Count {
				t.Errorf("region %d: received %d, its list %d (%s)", region, recv.Value.Count, listed, recv.Link)
			}
			// The map: at the city, each district a shaded drill-down link;
			// the hot spots are the API's, most first, within the received.
			areaLinks := regexp.MustCompile(`<a href="/dashboard\?[^"]*region=(\d+)[^"]*"><title>`).FindAllStringSubmatch(page.Body, -1)
			if region == 0 && len(areaLinks) != len(d.Region.Children) {
				t.Errorf("the city map links %d districts of %d", len(areaLinks), len(d.Region.Children))
			}
			if len(d.HotSpots) == 0 || len(d.HotSpots) > 10 {
				t.Errorf("region %d: %d hot spots", region, len(d.HotSpots))
			}
			var spots int64
			for i, h := range d.HotSpots {
				spots += h.Received
				if i > 0 && h.Received > d.HotSpots[i-1].Received {
					t.Errorf("hot spots out of order: %+v", d.HotSpots)
				}
			}
			if spots > recv.Value.Count {
				t.Errorf("region %d: hot spots hold %d of %d received", region, spots, recv.Value.Count)
			}
			if len(d.HotSpots) > 0 && !page.Contains("<g><title>热点 "+d.HotSpots[0].Parent+" › "+d.HotSpots[0].Name+"：") {
				t.Errorf("region %d: the first hot spot %q is not on the map", region, d.HotSpots[0].Name)
			}
			if region == 0 {
				var sum int64
				for _, r := range d.Regions {
					sum += r.Row.Received
				}
				if sum > recv.Value.Count || sum < recv.Value.Count*9/10 {
					t.Errorf("districts sum to %d of %d received", sum, recv.Value.Count)
				}
			}
		}
		// The one-page PDF: pdftotext reads the headline figures back.
		pdf := leader.Get("/dashboard/print?period=quarter&at=2026-Q4&format=pdf")
		if pdf.Status != 200 || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		pdftext.Keep(t, "cockpit-summary-"+string(e.Engine), pdf.Raw)
		text := pdftext.Text(t, pdf.Raw)
		if n := strings.Count(pdftext.Raw(t, pdf.Raw), "\f"); n > 1 {
			t.Errorf("the summary runs over %d pages", n)
		}
		for _, id := range []string{"received", "resolved", "satisfaction_rate", "ack_on_time_rate", "on_time_rate", "reopened"} {
			var f figJSON
			for _, x := range city.Figures {
				if x.ID == workorder.FigureID(id) {
					f = x
				}
			}
			want := strconv.FormatInt(f.Value.Count, 10)
			if f.Value.Rate != nil {
				want = "—"
				if f.Value.Rate.Value != nil {
					want = strconv.FormatFloat(*f.Value.Rate.Value*100, 'f', 1, 64) + "%"
				}
			}
			label := map[string]string{"received": "受理量", "resolved": "办结量", "satisfaction_rate": "满意率",
				"ack_on_time_rate": "按时签收率", "on_time_rate": "按时办结率", "reopened": "重办"}[id]
			if !strings.Contains(text, want) || !strings.Contains(text, label) {
				t.Errorf("pdftotext does not read back %s %q (%s)", label, want, id)
			}
		}
		if len(city.HotSpots) > 0 && !strings.Contains(text, "热点"+city.HotSpots[0].Parent+"›"+city.HotSpots[0].Name) {
			t.Errorf("the PDF lacks the first hot spot %q", city.HotSpots[0].Name)
		}
		if t.Failed() {
			t.Log(text)
		}
		// English, and bad input named on its field on both page and API.
		leader.Lang = "en"
		if p := leader.Get("/dashboard?period=month&at=2026-11"); p.Status != 200 || !p.Contains("Leaders&#39; cockpit", "November 2026") {
			t.Errorf("English page: %d", p.Status)
		}
		leader.Lang = "zh-CN"
		if p := leader.Get("/dashboard?period=quarter&at=2026-Q9"); p.Status != 400 || !p.Contains("月份/季度/年份") {
			t.Errorf("bad quarter: %d", p.Status)
		}
		if r := api.Get("/api/v1/dashboard?period=custom&from=2026-10-10&to=2026-10-01"); r.Status != 400 || !r.Contains(`"to"`) {
			t.Errorf("API bad period: %d %s", r.Status, r.Body)
		}
		// Who may see it.
		if r := e.Login(t, "handler_zgq").Get("/dashboard"); r.Status != 403 {
			t.Errorf("a handler opens the cockpit: %d", r.Status)
		}
		if r := e.Anonymous(t).Get("/dashboard"); r.Status != 303 && r.Status != 302 {
			t.Errorf("anonymous: %d", r.Status)
		}
	})
}

// TestCockpitTilesLinkToTheirRowsForThoseWhoMayReadThem: a volunteer figure's
// tile links to the list of its rows (same region and period) for a viewer
// who holds that list's permission, and that list answers; a viewer without
// it gets the figure without a link.
func TestCockpitTilesLinkToTheirRowsForThoseWhoMayReadThem(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		hrefOf := func(body, id string) (string, bool) {
			m := regexp.MustCompile(`<a class="dtile[^"]*"(?: href="([^"]*)")? data-figure="` + regexp.QuoteMeta(id) + `"`).FindStringSubmatch(body)
			if m == nil {
				return "", false
			}
			return html.UnescapeString(m[1]), true
		}
		q := "/dashboard?period=quarter&at=2026-Q4"
		admin := e.Login(t, "admin")
		page := admin.Get(q)
		apptest.Want(t, "the cockpit", page, 200)
		for id, want := range map[string]string{
			volunteer.FigureID(volunteer.FigVolunteers):     "/volunteers?",
			volunteer.FigureID(volunteer.FigHours):          "/volunteers/rankings?from=2026-10-01&to=2026-12-31",
			volunteer.FigureID(volunteer.FigPartyReg):       "/party-members?",
			"grassroots." + grassroots.FigHouseholdsVisited: "/grassroots/coverage?from=2026-10-01&to=2026-12-31",
		} {
			href, ok := hrefOf(page.Body, id)
			if !ok || !strings.HasPrefix(href, want) {
				t.Errorf("%s: tile found %v, link %q, want %s…", id, ok, href, want)
				continue
			}
			apptest.Want(t, "the list behind "+id, admin.Get(href), 200)
		}
		leader := e.Login(t, "leader").Get(q)
		if href, ok := hrefOf(leader.Body, volunteer.FigureID(volunteer.FigVolunteers)); !ok || href != "" {
			t.Errorf("the leader (no volunteer.organise) sees the volunteers' tile %v with link %q", ok, href)
		}
	})
}
