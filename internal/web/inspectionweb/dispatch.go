package inspectionweb

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/web"
)

// The monthly dispatch (一月一调度): the list of drafted reports, a
// report's page with its PDF and workbook (the same tables, built once by
// DispatchTables), the meeting's decisions entered as tasks and their check.

func (s *Server) dispatchRoutes() {
	s.Page("GET /inspection/dispatch", s.dispatchList)
	s.Page("POST /inspection/dispatch", s.dispatchDraft)
	s.Page("GET /inspection/dispatch/{month}", s.dispatchShow)
	s.Page("POST /inspection/dispatch/{month}/tasks", s.dispatchAddTask)
	s.Page("POST /inspection/dispatch/tasks/{id}/{verdict}", s.dispatchCheckTask)
	s.API("GET /api/v1/inspection/dispatch/{month}", web.APIDoc{Summary: "A month's dispatch report as drafted, with its tasks as they stand", Tag: "inspection",
		Params:   []web.Param{{Name: "month", In: "path", Type: "string", Description: "e.g. 2026-10"}},
		Response: web.Obj(map[string]any{"report": web.Obj(map[string]any{"month": web.Str()}), "tasks": map[string]any{"type": "array", "items": web.Obj(map[string]any{"id": web.Integer()})}}),
		Extra:    map[int]string{400: "not a month", 403: "the role lacks inspection.view", 404: "no report drafted for the month"}}, s.apiDispatch)
}

// DispatchTable is one table of the report as every rendering shows it.
type DispatchTable struct {
	ID    string
	Title string
	Cols  []string
	Rows  [][]string
}

func cstDay(t time.Time) string { return t.In(clock.CST).Format(time.DateOnly) }

func pct(r figures.Rate) string { return r.Percent("—") }

func rankText(n int) string {
	if n == 0 {
		return "—"
	}
	return strconv.Itoa(n)
}

// DispatchTables builds the report's tables in the reader's language; the
// page, the PDF and the workbook show exactly these.
func DispatchTables(t func(string, ...any) string, d inspection.Dispatch) []DispatchTable {
	rep := d.Report
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	tot := rep.Totals
	out := []DispatchTable{{ID: "totals", Title: t("inspweb.dispatch.t.totals"),
		Cols: []string{t("inspweb.dispatch.c.figure"), t("inspweb.dispatch.c.value")},
		Rows: [][]string{
			{t("inspweb.dispatch.c.received"), i64(tot.Received)},
			{t("inspweb.dispatch.c.on_time"), pct(tot.OnTime)},
			{t("inspweb.dispatch.c.satisfaction"), pct(tot.Satisfaction)},
			{t("inspweb.dispatch.c.overdue_now"), i64(tot.OverdueNow)},
			{t("inspweb.dispatch.c.inspections"), i64(tot.Inspections)},
			{t("inspweb.dispatch.c.findings"), i64(tot.Findings)},
			{t("inspweb.dispatch.c.score"), pct(tot.Score)},
			{t("inspweb.dispatch.c.rectifications"), i64(tot.Rectifications)},
			{t("inspweb.dispatch.c.rect_on_time"), pct(tot.RectOnTime)},
			{t("inspweb.dispatch.c.patrol_found"), i64(tot.PatrolFound)},
			{t("inspweb.dispatch.c.patrol_fixed"), pct(tot.PatrolFixed)},
		}}}
	units := DispatchTable{ID: "units", Title: t("inspweb.dispatch.t.units"),
		Cols: []string{t("inspweb.dispatch.c.rank"), t("inspweb.dispatch.c.change"), t("inspweb.dispatch.c.unit"), t("inspweb.dispatch.c.score"),
			t("inspweb.dispatch.c.inspections"), t("inspweb.dispatch.c.findings"), t("inspweb.dispatch.c.rect_on_time"),
			t("inspweb.dispatch.c.patrol_found"), t("inspweb.dispatch.c.patrol_fixed"),
			t("inspweb.dispatch.c.received"), t("inspweb.dispatch.c.on_time"), t("inspweb.dispatch.c.satisfaction"), t("inspweb.dispatch.c.overdue_now")}}
	for _, u := range rep.Units {
		change := "—"
		switch c := u.Change(); {
		case c > 0:
			change = "↑" + strconv.Itoa(c)
		case c < 0:
			change = "↓" + strconv.Itoa(-c)
		case u.Rank > 0 && u.PrevRank > 0:
			change = "0"
		}
		units.Rows = append(units.Rows, []string{rankText(u.Rank), change, u.Name, pct(u.Score), i64(u.Inspections), i64(u.Findings),
			pct(u.RectOnTime), i64(u.PatrolFound), pct(u.PatrolFixed), i64(u.Received), pct(u.OnTime), pct(u.Satisfaction), i64(u.OverdueNow)})
	}
	out = append(out, units)
	cats := DispatchTable{ID: "categories", Title: t("inspweb.dispatch.t.categories"),
		Cols: []string{t("inspweb.dispatch.c.category"), t("inspweb.dispatch.c.received"), t("inspweb.dispatch.c.on_time"), t("inspweb.dispatch.c.satisfaction")}}
	for _, c := range rep.Categories {
		cats.Rows = append(cats.Rows, []string{c.Name, i64(c.Received), pct(c.OnTime), pct(c.Satisfaction)})
	}
	out = append(out, cats)
	types := DispatchTable{ID: "site_types", Title: t("inspweb.dispatch.t.site_types"),
		Cols: []string{t("inspweb.dispatch.c.site_type"), t("inspweb.dispatch.c.inspections"), t("inspweb.dispatch.c.findings"), t("inspweb.dispatch.c.score")}}
	for _, x := range rep.SiteTypes {
		types.Rows = append(types.Rows, []string{x.Name, i64(x.Inspections), i64(x.Findings), pct(x.Score)})
	}
	out = append(out, types)
	probs := DispatchTable{ID: "problems", Title: t("inspweb.dispatch.t.problems"),
		Cols: []string{t("inspweb.dispatch.c.no"), t("inspweb.dispatch.c.problem"), t("inspweb.dispatch.c.failures"), t("inspweb.dispatch.c.places"), t("inspweb.dispatch.c.sites")}}
	for i, x := range rep.Problems {
		probs.Rows = append(probs.Rows, []string{strconv.Itoa(i + 1), x.Title, i64(x.Failures), i64(x.Count), i64(x.Sites)})
	}
	out = append(out, probs)
	over := DispatchTable{ID: "overdue", Title: t("inspweb.dispatch.t.overdue"),
		Cols: []string{t("inspweb.dispatch.c.order"), t("inspweb.dispatch.c.problem"), t("inspweb.dispatch.c.unit"), t("inspweb.dispatch.c.due"), t("inspweb.dispatch.c.days")}}
	for _, x := range rep.Overdue {
		over.Rows = append(over.Rows, []string{x.Code, x.Title, x.Unit, cstDay(x.Due), strconv.Itoa(x.Days)})
	}
	out = append(out, over)
	last := DispatchTable{ID: "last_tasks", Title: t("inspweb.dispatch.t.last_tasks"),
		Cols: []string{t("inspweb.dispatch.c.unit"), t("inspweb.dispatch.c.task"), t("inspweb.dispatch.c.due"), t("inspweb.dispatch.c.order"), t("inspweb.dispatch.c.outcome")}}
	for _, x := range rep.LastTasks {
		last.Rows = append(last.Rows, []string{x.Unit, x.Title, cstDay(x.Due), x.Code, t("inspweb.dispatch.outcome." + x.Outcome())})
	}
	out = append(out, last)
	return out
}

type dispatchData struct {
	D         inspection.Dispatch
	Tables    []DispatchTable
	CanManage bool
	CanCheck  bool
	Units     []web.Option
	Month     string
}

func (s *Server) dispatchList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_dispatch_list", func() (*web.View, error) { return s.dispatchListView(w, r) })
}

type dispatchListData struct {
	Months    []string
	CanManage bool
	Default   string
}

func (s *Server) dispatchListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	months, err := s.insp.Dispatches(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.dispatch.title")
	v.Data = &dispatchListData{Months: months, CanManage: p.Can(auth.PermInspectionManage), Default: inspection.MonthOf(s.Now()).Prev().String()}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) dispatchDraft(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	month := strings.TrimSpace(r.PostForm.Get("month"))
	m, ok := inspection.ParseMonth(month)
	var err error
	if !ok {
		var f errs.Fields
		f.Add("month", "inspection.dispatch.bad_month")
		err = f.Err()
	} else {
		var made bool
		made, err = s.insp.DraftDispatch(r.Context(), web.Principal(r), m)
		if err == nil && !made {
			err = errs.E(errs.Conflict, "inspection.dispatch.drafted")
		}
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/dispatch/"+m.String(), "inspweb.flash.dispatch_drafted")
	}
	v, verr := s.dispatchListView(w, r)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_dispatch_list", v, err)
}

func (s *Server) dispatchView(w http.ResponseWriter, r *http.Request, month string) (*web.View, error) {
	p := web.Principal(r)
	d, err := s.insp.GetDispatch(r.Context(), p, month)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.dispatch.report")
	v.Title = v.T("inspweb.dispatch.report_title", d.Report.Month)
	data := &dispatchData{D: d, Tables: DispatchTables(v.T, d), CanManage: p.Can(auth.PermInspectionManage), CanCheck: p.Can(auth.PermInspect),
		Month: d.Report.Month}
	// Decisions go to the units the report names.
	for _, u := range d.Report.Units {
		data.Units = append(data.Units, web.Option{Value: web.I64s(u.UnitID), Label: u.Name})
	}
	v.Data = data
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) dispatchShow(w http.ResponseWriter, r *http.Request) error {
	switch r.URL.Query().Get("format") {
	case "pdf":
		v, err := s.dispatchView(w, r, r.PathValue("month"))
		if err != nil {
			return err
		}
		b, err := DispatchPDF(v.T, v.Data.(*dispatchData).D)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `attachment; filename="dispatch-`+v.Data.(*dispatchData).Month+`.pdf"`)
		_, err = w.Write(b)
		return err
	case "xlsx":
		v, err := s.dispatchView(w, r, r.PathValue("month"))
		if err != nil {
			return err
		}
		b, err := DispatchWorkbook(v.T, v.Data.(*dispatchData).D)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="dispatch-`+v.Data.(*dispatchData).Month+`.xlsx"`)
		_, err = w.Write(b)
		return err
	}
	return s.Show(w, r, "insp_dispatch", func() (*web.View, error) { return s.dispatchView(w, r, r.PathValue("month")) })
}

// DispatchPDF renders the report's tables as a PDF.
func DispatchPDF(t func(string, ...any) string, d inspection.Dispatch) ([]byte, error) {
	doc := pdfdoc.New()
	doc.Heading(t("inspweb.dispatch.report_title", d.Report.Month), 16)
	doc.Para(t("inspweb.dispatch.period", d.Report.From, d.Report.To, cstDay(d.Report.DraftedAt)), pdfdoc.ParaOpt{Size: pdfdoc.Size5, Align: pdfdoc.Center})
	for _, tb := range DispatchTables(t, d) {
		doc.Space(3)
		doc.Heading(tb.Title, 12)
		if len(tb.Rows) == 0 {
			doc.Para(t("list.empty"), pdfdoc.ParaOpt{Size: pdfdoc.Size5})
			continue
		}
		cols := make([]pdfdoc.Col, len(tb.Cols))
		for i, c := range tb.Cols {
			cols[i] = pdfdoc.Col{Title: c, Width: 1}
		}
		doc.Table(cols, tb.Rows)
	}
	return doc.Bytes()
}

// DispatchWorkbook renders the report's tables as a workbook, a sheet each;
// whole numbers are numbers, the rest text as the page shows it.
func DispatchWorkbook(t func(string, ...any) string, d inspection.Dispatch) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, tb := range DispatchTables(t, d) {
		name := SheetName(i, tb.Title)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		rows := append([][]string{tb.Cols}, tb.Rows...)
		for y, row := range rows {
			for x, cell := range row {
				ref, _ := excelize.CoordinatesToCellName(x+1, y+1)
				var val any = cell
				if n, err := strconv.ParseInt(cell, 10, 64); err == nil && y > 0 {
					val = n
				}
				if err := f.SetCellValue(name, ref, val); err != nil {
					return nil, err
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// SheetName is table i's sheet: its number and title, within Excel's 31
// characters and without the characters a sheet name may not hold.
func SheetName(i int, title string) string {
	title = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return ' '
		}
		return r
	}, title)
	name := []rune(strconv.Itoa(i+1) + " " + title)
	if len(name) > 31 {
		name = name[:31]
	}
	return string(name)
}

func (s *Server) dispatchBack(w http.ResponseWriter, r *http.Request, month string, err error, flash string) error {
	if err == nil {
		return s.Redirect(w, r, "/inspection/dispatch/"+url.PathEscape(month), flash)
	}
	v, verr := s.dispatchView(w, r, month)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_dispatch", v, err)
}

func (s *Server) dispatchAddTask(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	month := r.PathValue("month")
	var fe errs.Fields
	in := inspection.TaskInput{UnitID: web.FormInt64(&fe, r.PostForm, "unit_id"), Title: r.PostForm.Get("title"),
		Detail: r.PostForm.Get("detail"), Due: r.PostForm.Get("due")}
	err := fe.Err()
	if err == nil {
		_, err = s.insp.AddTask(r.Context(), web.Principal(r), month, in)
	}
	return s.dispatchBack(w, r, month, err, "inspweb.flash.task_added")
}

func (s *Server) dispatchCheckTask(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.task")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	verdict := r.PathValue("verdict")
	if verdict != "pass" && verdict != "fail" {
		return errs.NotFoundf("inspection.entity.task")
	}
	err = s.insp.CheckTask(r.Context(), web.Principal(r), id, verdict == "pass", r.PostForm.Get("note"))
	return s.dispatchBack(w, r, r.PostForm.Get("month"), err, "inspweb.flash.task_checked")
}

func (s *Server) apiDispatch(w http.ResponseWriter, r *http.Request) error {
	d, err := s.insp.GetDispatch(r.Context(), web.Principal(r), r.PathValue("month"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, d)
	return nil
}
