package orderweb

import (
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"net/url"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/workorder"
)

// statsExport answers with the KPI table as a workbook: the same rows and
// totals as the page, headers in the viewer's language (Chinese by
// default), counts as integers, rates as numbers with a percent format
// (an empty cell when the base is 0, see figures.Rate), the average handling time in hours, and a note
// with the period and when "overdue now" was counted.
func (s *Server) statsExport(w http.ResponseWriter, r *http.Request, rep *statsReport) error {
	l := web.Lang(r)
	t := func(k string, args ...any) string { return i18n.T(l, k, args...) }
	heads := []string{t("stats.group." + string(rep.Group)), t("stats.col.received"), t("stats.col.dispatched"),
		t("stats.col.acknowledged_on_time"), t("stats.col.resolved"), t("stats.col.resolved_on_time"),
		t("stats.col.returned"), t("stats.col.reopened"), t("stats.col.callbacks_reached"),
		t("stats.col.satisfied_or_basic"), t("stats.col.resolution_rate"), t("stats.col.satisfaction_rate"),
		t("stats.col.avg_handling_hours"), t("stats.col.overdue_now")}

	f := excelize.NewFile()
	defer f.Close()
	sheet := t("stats.sheet")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	style := func(st *excelize.Style) int {
		id, err := f.NewStyle(st)
		if err != nil {
			panic(err) // only a malformed style literal
		}
		return id
	}
	head := style(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E9EEF5"}, Pattern: 1},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"}})
	pctFmt, hoursFmt := "0.0%", "0.0"
	pctStyle := style(&excelize.Style{CustomNumFmt: &pctFmt})
	hoursStyle := style(&excelize.Style{CustomNumFmt: &hoursFmt})
	bold := style(&excelize.Style{Font: &excelize.Font{Bold: true}})
	boldPct := style(&excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &pctFmt})
	boldHours := style(&excelize.Style{Font: &excelize.Font{Bold: true}, CustomNumFmt: &hoursFmt})
	right := style(&excelize.Style{Alignment: &excelize.Alignment{Horizontal: "right"}})

	// setRow writes values (excelize.Cell for a styled one) from column A.
	setRow := func(rowNo int, vals []any) error {
		for i, x := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, rowNo)
			st := 0
			if c, ok := x.(excelize.Cell); ok {
				x, st = c.Value, c.StyleID
			}
			if err := f.SetCellValue(sheet, cell, x); err != nil {
				return err
			}
			if st != 0 {
				if err := f.SetCellStyle(sheet, cell, cell, st); err != nil {
					return err
				}
			}
		}
		return nil
	}
	cells := make([]any, len(heads))
	for i, h := range heads {
		cells[i] = excelize.Cell{StyleID: head, Value: h}
	}
	if err := setRow(1, cells); err != nil {
		return err
	}
	v := &web.View{Lang: l}
	write := func(rowNo int, r workorder.StatRow, name string, total bool) error {
		ps, hs, ns := pctStyle, hoursStyle, 0
		if total {
			ps, hs, ns = boldPct, boldHours, bold
		}
		num := func(n int64) any { return excelize.Cell{StyleID: ns, Value: n} }
		rate := func(x figures.Rate) any { // an empty cell when the rate has no value
			return excelize.Cell{StyleID: ps, Value: x.Cell()}
		}
		hours := excelize.Cell{StyleID: right, Value: "—"}
		if h := avgHoursOf(r); h != nil {
			hours = excelize.Cell{StyleID: hs, Value: *h}
		}
		row := []any{excelize.Cell{StyleID: ns, Value: name}, num(r.Received), num(r.Dispatched), num(r.AckOnTime),
			num(r.Resolved), num(r.ResolvedOnTime), num(r.Returned), num(r.Reopened), num(r.CallbacksReached),
			num(r.Satisfied + r.BasicallySatisfied), rate(r.ResolutionRate),
			rate(r.SatisfactionRate), hours, num(r.OverdueNow)}
		return setRow(rowNo, row)
	}
	for i, r := range rep.Rows {
		if err := write(i+2, r, rowName(v, rep.Group, r), false); err != nil {
			return err
		}
	}
	last := len(rep.Rows) + 2
	if err := write(last, rep.Total, t("stats.total"), true); err != nil {
		return err
	}
	note, _ := excelize.CoordinatesToCellName(1, last+2)
	if err := f.SetCellValue(sheet, note, t("stats.note", rep.From, rep.To, rep.OverdueAt.In(workorder.Zone).Format("2006-01-02 15:04"))); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "A", "A", 28); err != nil {
		return err
	}
	if err := f.SetColWidth(sheet, "B", "N", 12); err != nil {
		return err
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: 1, TopLeftCell: "B2", ActivePane: "bottomRight"}); err != nil {
		return err
	}
	file := statsTitle(l, rep) + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(file))
	w.Header().Set("Cache-Control", "no-store")
	return f.Write(w)
}
