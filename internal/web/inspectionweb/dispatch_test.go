package inspectionweb_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
	"github.com/wenming-city/wenming/internal/web/inspectionweb"
)

func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, clock.CST)
	if err != nil {
		panic(err)
	}
	return t
}

func TestTheJobDraftsLastMonthsReportOnceOnTheMonthsFirstWorkingDayWhateverTheInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		// The demo drafted October's report (the test clock is 29 November).
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_dispatches WHERE month = '2026-10'"); n != 1 {
			t.Fatalf("the demo's October report: %d rows", n)
		}
		if made, err := e.App.Inspection.RunDispatch(ctx); err != nil || made {
			t.Fatalf("in November, October's report exists: made %v, %v", made, err)
		}
		// November's report: not before December's first working day
		// (Tuesday the 1st), then once, with two instances' jobs racing.
		e.Clock.Set(cst("2026-11-30 23:00"))
		if made, err := e.App.Inspection.RunDispatch(ctx); err != nil || made {
			t.Fatalf("on 30 November: made %v, %v", made, err)
		}
		e.Clock.Set(cst("2026-12-01 00:30"))
		var wg sync.WaitGroup
		made := make([]bool, 4)
		fails := make([]error, 4)
		for i := range made {
			wg.Add(1)
			go func() {
				defer wg.Done()
				made[i], fails[i] = e.App.Inspection.RunDispatch(ctx)
			}()
		}
		wg.Wait()
		n := 0
		for i := range made {
			if fails[i] != nil {
				t.Fatalf("run %d: %v", i, fails[i])
			}
			if made[i] {
				n++
			}
		}
		if n != 1 || e.Count(t, "SELECT COUNT(*) FROM inspection_dispatches WHERE month = '2026-11'") != 1 {
			t.Fatalf("%d runs drafted November", n)
		}
		office := principal(t, e, "dispatcher")
		if _, err := e.App.Inspection.DraftDispatch(ctx, office, inspection.Month{Year: 2026, Month: 12}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("a month not over: %v", err)
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "draft again", c.PostForm("/inspection/dispatch", url.Values{"month": {"2026-11"}}), http.StatusConflict, "已经生成")
		apptest.Want(t, "bad month", c.PostForm("/inspection/dispatch", url.Values{"month": {"2026-13"}}), http.StatusBadRequest, "月份", "例如 2026-10")
		en := e.Login(t, "dispatcher")
		en.Lang = "en"
		apptest.Want(t, "bad month in English", en.PostForm("/inspection/dispatch", url.Values{"month": {"x"}}), http.StatusBadRequest, "Month", "Enter a month such as 2026-10.")
		apptest.Want(t, "an inspector cannot draft", e.Login(t, "inspector").PostForm("/inspection/dispatch", url.Values{"month": {"2026-09"}}), http.StatusForbidden)
		apptest.Want(t, "list", c.Get("/inspection/dispatch"), http.StatusOK, `href="/inspection/dispatch/2026-11"`, `href="/inspection/dispatch/2026-10"`)
	})
}

func TestTheReportsFiguresAreTheMonthsRowsAndThePageThePDFAndTheWorkbookShowTheSame(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.Clock.Set(cst("2026-12-01 09:00"))
		office := principal(t, e, "dispatcher")
		if made, err := e.App.Inspection.DraftDispatch(ctx, office, inspection.Month{Year: 2026, Month: 11}); err != nil || !made {
			t.Fatalf("draft: %v %v", made, err)
		}
		d, err := e.App.Inspection.GetDispatch(ctx, office, "2026-11")
		if err != nil {
			t.Fatal(err)
		}
		from, to := ms("2026-11-01"), ms("2026-12-01")
		rep := d.Report
		held := e.Count(t, "SELECT COUNT(*) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", from, to)
		findings := e.Count(t, "SELECT COALESCE(SUM(findings), 0) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", from, to)
		earned := e.Count(t, "SELECT COALESCE(SUM(earned), 0) FROM inspections WHERE inspected_at >= ? AND inspected_at < ?", from, to)
		if rep.Totals.Inspections != held || rep.Totals.Findings != findings || rep.Totals.Score.Numerator != earned || held < 100 {
			t.Fatalf("totals %+v, rows: %d inspections, %d findings, %d earned", rep.Totals, held, findings, earned)
		}
		patrols := e.Count(t, "SELECT COUNT(*) FROM inspection_patrol_findings WHERE created_at >= ? AND created_at < ?", from, to)
		if rep.Totals.PatrolFound != patrols || patrols == 0 {
			t.Fatalf("patrol findings %d, rows %d", rep.Totals.PatrolFound, patrols)
		}
		var sum int64
		for i, u := range rep.Units {
			sum += u.Inspections
			if i > 0 && u.Rank > 0 && rep.Units[i-1].Rank > u.Rank {
				t.Fatalf("units out of rank order at %d", i)
			}
			if u.Rank > 0 && e.Count(t, "SELECT COUNT(*) FROM inspections WHERE unit_id = ? AND inspected_at >= ? AND inspected_at < ?", u.UnitID, from, to) != u.Inspections {
				t.Fatalf("%s: %d inspections", u.Name, u.Inspections)
			}
		}
		if sum != held {
			t.Fatalf("the units' inspections add up to %d of %d", sum, held)
		}
		if len(rep.Problems) != inspection.DispatchProblems {
			t.Fatalf("%d problems", len(rep.Problems))
		}
		top := e.Count(t, `SELECT COUNT(*) FROM inspection_results r JOIN inspections i ON i.id = r.inspection_id
			WHERE r.outcome = 'fail' AND r.title = ? AND i.inspected_at >= ? AND i.inspected_at < ?`, rep.Problems[0].Title, from, to)
		if top != rep.Problems[0].Failures || rep.Problems[0].Failures < rep.Problems[9].Failures {
			t.Fatalf("the worst problem %+v, rows %d", rep.Problems[0], top)
		}
		moved := false
		for _, u := range rep.Units {
			moved = moved || u.Change() != 0
		}
		if !moved {
			t.Fatal("no unit's rank changed since October")
		}
		// The same tables everywhere.
		tr := func(k string, a ...any) string { return i18n.T(i18n.ZH, k, a...) }
		tables := inspectionweb.DispatchTables(tr, d)
		c := e.Login(t, "dispatcher")
		page := c.Get("/inspection/dispatch/2026-11")
		apptest.Want(t, "page", page, http.StatusOK, `id="dispatch-units"`, `id="dispatch-problems"`, "十大突出问题", rep.Problems[0].Title)
		res := c.Get("/inspection/dispatch/2026-11?format=xlsx")
		apptest.Want(t, "workbook", res, http.StatusOK)
		wb, err := excelize.OpenReader(bytes.NewReader(res.Raw))
		if err != nil {
			t.Fatal(err)
		}
		for i, tb := range tables {
			rows, err := wb.GetRows(inspectionweb.SheetName(i, tb.Title))
			if err != nil {
				t.Fatal(err)
			}
			want := append([][]string{tb.Cols}, tb.Rows...)
			if len(rows) != len(want) {
				t.Fatalf("sheet %s: %d rows, want %d", tb.Title, len(rows), len(want))
			}
			for y := range want {
				if strings.Join(rows[y], "|") != strings.Join(want[y], "|") {
					t.Fatalf("sheet %s row %d: %q, want %q", tb.Title, y, rows[y], want[y])
				}
			}
			if tb.ID != "totals" {
				continue
			}
			for _, row := range tb.Rows {
				if !strings.Contains(page.Body, "<td>"+row[1]+"</td>") {
					t.Fatalf("the page lacks %s = %s", row[0], row[1])
				}
			}
		}
		res = c.Get("/inspection/dispatch/2026-11?format=pdf")
		apptest.Want(t, "pdf", res, http.StatusOK)
		text := strings.Join(strings.Fields(pdftext.Text(t, res.Raw)), "")
		for _, tb := range tables {
			if !strings.Contains(text, tb.Title) {
				t.Errorf("the PDF lacks the table %s", tb.Title)
			}
			if tb.ID == "problems" || tb.ID == "totals" {
				for _, row := range tb.Rows {
					for _, cell := range row {
						if !strings.Contains(text, strings.Join(strings.Fields(cell), "")) {
							t.Errorf("the PDF lacks %q of %s", cell, tb.Title)
						}
					}
				}
			}
		}
		pdftext.Keep(t, "dispatch-2026-11.pdf", res.Raw)
		apptest.Want(t, "no report", c.Get("/inspection/dispatch/2026-08"), http.StatusNotFound)
		apptest.Want(t, "api", e.API(t, "dispatcher").Get("/api/v1/inspection/dispatch/2026-11"), http.StatusOK, rep.Problems[0].Title)
	})
}

func TestMeetingDecisionsBecomeTheUnitsOrdersAndTheNextReportShowsHowTheyEnded(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		e.Clock.Set(cst("2026-12-01 09:00"))
		office := principal(t, e, "dispatcher")
		if _, err := e.App.Inspection.DraftDispatch(ctx, office, inspection.Month{Year: 2026, Month: 11}); err != nil {
			t.Fatal(err)
		}
		cg := e.ID(t, "units", "code", "DEPT-CG")
		c := e.Login(t, "dispatcher")
		orders := e.Count(t, "SELECT COUNT(*) FROM workorders")
		apptest.Want(t, "no title", c.PostForm("/inspection/dispatch/2026-11/tasks", url.Values{"unit_id": {idStr(cg)}, "due": {"2026-12-10"}}),
			http.StatusBadRequest, "议定事项", "必填。")
		apptest.Want(t, "past deadline", c.PostForm("/inspection/dispatch/2026-11/tasks", url.Values{"unit_id": {idStr(cg)}, "title": {"x"}, "due": {"2026-11-30"}}),
			http.StatusBadRequest, "完成时限不能早于今天")
		en := e.Login(t, "dispatcher")
		en.Lang = "en"
		apptest.Want(t, "bad date in English", en.PostForm("/inspection/dispatch/2026-11/tasks", url.Values{"unit_id": {idStr(cg)}, "title": {"x"}, "due": {"soon"}}),
			http.StatusBadRequest, "Deadline")
		apptest.Want(t, "unknown unit", c.PostForm("/inspection/dispatch/2026-11/tasks", url.Values{"unit_id": {"999999"}, "title": {"x"}, "due": {"2026-12-10"}}),
			http.StatusBadRequest)
		apptest.Want(t, "a report not drafted", c.PostForm("/inspection/dispatch/2026-08/tasks", url.Values{"unit_id": {idStr(cg)}, "title": {"x"}, "due": {"2026-12-10"}}),
			http.StatusNotFound)
		if n := e.Count(t, "SELECT COUNT(*) FROM workorders"); n != orders {
			t.Fatalf("refused tasks filed %d orders", n-orders)
		}
		apptest.Want(t, "add", c.PostForm("/inspection/dispatch/2026-11/tasks", url.Values{"unit_id": {idStr(cg)}, "title": {"主干道占道经营专项整治"},
			"detail": {"两周内完成"}, "due": {"2026-12-10"}}), http.StatusSeeOther)
		late, err := e.App.Inspection.AddTask(ctx, office, "2026-11", inspection.TaskInput{UnitID: cg, Title: "公厕保洁提升", Due: "2026-12-05"})
		if err != nil {
			t.Fatal(err)
		}
		d, _ := e.App.Inspection.GetDispatch(ctx, office, "2026-11")
		if len(d.Tasks) != 2 || d.Tasks[0].Outcome() != "open" {
			t.Fatalf("tasks %+v", d.Tasks)
		}
		first := d.Tasks[0]
		var kind string
		var unit, due int64
		e.App.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT kind, unit_id, resolve_due_at FROM workorders WHERE id = ?", []any{first.OrderID}, &kind, &unit, &due)
		})
		if kind != "rectification" || unit != cg || due != cst("2026-12-10 23:59").Add(59*time.Second).UnixMilli() {
			t.Fatalf("the task's order: %s to %d due %d", kind, unit, due)
		}
		// The unit handles it on its work-order screens; an inspector checks it.
		handler := e.Login(t, "handler_cg")
		for _, a := range []string{"acknowledge", "resolve"} {
			if r := handler.PostForm("/orders/"+idStr(first.OrderID)+"/actions/"+a, url.Values{"note": {"已完成整治"}}); r.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", a, r.Status, r.Body)
			}
		}
		apptest.Want(t, "the office cannot check (no inspection.run)", c.PostForm("/inspection/dispatch/tasks/"+idStr(first.ID)+"/pass", url.Values{"month": {"2026-11"}}),
			http.StatusForbidden)
		admin := e.Login(t, "admin")
		apptest.Want(t, "check", admin.PostForm("/inspection/dispatch/tasks/"+idStr(first.ID)+"/pass", url.Values{"month": {"2026-11"}}), http.StatusSeeOther)
		if st := e.OrderState(t, first.OrderID); st != "closed" {
			t.Fatalf("the checked task's order is %s", st)
		}
		// December's report, drafted on 4 January, shows how they ended.
		e.Clock.Set(cst("2027-01-04 09:00"))
		if _, err := e.App.Inspection.DraftDispatch(ctx, office, inspection.Month{Year: 2026, Month: 12}); err != nil {
			t.Fatal(err)
		}
		dec, _ := e.App.Inspection.GetDispatch(ctx, office, "2026-12")
		outcome := map[int64]string{}
		for _, x := range dec.Report.LastTasks {
			outcome[x.ID] = x.Outcome()
		}
		if len(outcome) != 2 || outcome[first.ID] != "closed_on_time" || outcome[late.ID] != "overdue" {
			t.Fatalf("December's report: %v", outcome)
		}
		apptest.Want(t, "next report", e.Login(t, "dispatcher").Get("/inspection/dispatch/2026-12"), http.StatusOK, `id="dispatch-last_tasks"`, "按时办结", "逾期未办结", "公厕保洁提升")
	})
}
