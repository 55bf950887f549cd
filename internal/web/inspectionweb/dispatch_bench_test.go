package inspectionweb_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/web/inspectionweb"
)

// benchDispatch is a large city's month: 184 units, 30 request
// categories, 20 kinds of site, the ten problems, 50 overdue findings and
// 20 of last month's decisions.
func benchDispatch() inspection.Dispatch {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, clock.CST)
	rep := inspection.DispatchReport{Month: "2026-11", From: "2026-11-01", To: "2026-11-30", DraftedAt: at}
	for i := range 184 {
		rep.Units = append(rep.Units, inspection.DispatchUnit{UnitID: int64(i + 1), Name: fmt.Sprintf("乐山市第%d责任单位", i+1), Received: int64(100 + i),
			OnTime: figures.Of(int64(80+i%20), 100), Satisfaction: figures.Of(int64(90+i%10), 100), Inspections: int64(90 + i%9), Findings: int64(i % 30),
			Score: figures.Of(int64(9000+i), 10000), Rectifications: int64(i % 30), RectOnTime: figures.Of(int64(i%25), int64(i%30+1)), Rank: i + 1, PrevRank: 184 - i})
	}
	for i := range 30 {
		rep.Categories = append(rep.Categories, inspection.DispatchCategory{Name: fmt.Sprintf("市容环境类第%d项", i+1), Received: int64(500 - i), OnTime: figures.Of(90, 100), Satisfaction: figures.Of(95, 100)})
	}
	for i := range 20 {
		rep.SiteTypes = append(rep.SiteTypes, inspection.DispatchSiteType{Name: fmt.Sprintf("点位类型%d", i+1), Inspections: 800, Findings: int64(100 + i), Score: figures.Of(93, 100)})
	}
	for i := range 10 {
		rep.Problems = append(rep.Problems, inspection.DispatchProblem{Title: fmt.Sprintf("路面、人行道有暴露垃圾第%d类", i+1), Failures: int64(300 - i), Count: int64(500 - i), Sites: int64(200 - i)})
	}
	for i := range 50 {
		rep.Overdue = append(rep.Overdue, inspection.DispatchOverdue{Code: fmt.Sprintf("WO2026110%04d", i), Title: "嘉州大道：占道经营", Unit: "市城市管理局", Due: at.AddDate(0, 0, -i-1), Days: i + 1})
	}
	for i := range 20 {
		rep.LastTasks = append(rep.LastTasks, inspection.DispatchTask{ID: int64(i + 1), Unit: "市中区人民政府", Title: "背街小巷乱堆杂物集中整治", Due: at, Code: fmt.Sprintf("WO20261000%02d", i), State: "closed", OnTime: i%3 != 0})
	}
	return inspection.Dispatch{Report: rep}
}

// BenchmarkMonthlyReportPDF lays out that month's report (tables over
// several pages); the same-run ceiling is a document of one heading and
// one paragraph (the font and the page: the layout's fixed cost).
func BenchmarkMonthlyReportPDF(b *testing.B) {
	t := func(k string, a ...any) string { return i18n.T(i18n.ZH, k, a...) }
	d := benchDispatch()
	b.Run("report_184_units", func(b *testing.B) {
		for b.Loop() {
			if _, err := inspectionweb.DispatchPDF(t, d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ceiling_one_paragraph", func(b *testing.B) {
		for b.Loop() {
			doc := pdfdoc.New()
			doc.Heading(t("inspweb.dispatch.report_title", "2026-11"), 16)
			doc.Para("统计期间 2026-11-01 至 2026-11-30。", pdfdoc.ParaOpt{Size: pdfdoc.Size5})
			if _, err := doc.Bytes(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
