package dashboardweb

import (
	"net/http"
	"net/url"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/web"
	"github.com/wenming-city/wenming/internal/workorder"
)

// export answers with the cockpit as a workbook: the figures (value,
// numerator and denominator of a rate, the previous period's value, the
// definition), the regions and units ranked, the categories and the
// months, each sheet the same rows as the page and the API. Rates are
// numbers formatted as percent, an empty cell when there is no value.
func (s *Server) export(w http.ResponseWriter, r *http.Request, rep *report) error {
	l := web.Lang(r)
	t := func(k string, args ...any) string { return i18n.T(l, k, args...) }
	f := excelize.NewFile()
	defer f.Close()
	pctFmt := "0.0%"
	pct, err := f.NewStyle(&excelize.Style{CustomNumFmt: &pctFmt})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E9EEF5"}, Pattern: 1}})
	if err != nil {
		return err
	}
	write := func(sheet string, rowNo int, vals []any) error {
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
	heads := func(sheet string, keys ...string) error {
		vals := make([]any, len(keys))
		for i, k := range keys {
			vals[i] = excelize.Cell{StyleID: head, Value: t(k)}
		}
		return write(sheet, 1, vals)
	}
	rate := func(x figures.Rate) any { return excelize.Cell{StyleID: pct, Value: x.Cell()} }
	value := func(v figures.Value) any {
		if v.Rate != nil {
			return rate(*v.Rate)
		}
		return v.Count
	}

	// Figures.
	sheet := t("dash.sheet.figures")
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	if err := heads(sheet, "dash.col.figure", "dash.col.value", "dash.col.numerator", "dash.col.denominator",
		"dash.col.previous", "dash.col.definition", "dash.col.id"); err != nil {
		return err
	}
	for i, x := range rep.Tiles {
		var num, den, prev any
		if x.Value.Rate != nil {
			num, den = x.Value.Rate.Numerator, x.Value.Rate.Denominator
		}
		if x.HasPrev {
			prev = value(x.Prev)
		}
		if err := write(sheet, i+2, []any{t(x.LabelKey), value(x.Value), num, den, prev, t(x.DefKey), x.ID}); err != nil {
			return err
		}
	}
	note, _ := excelize.CoordinatesToCellName(1, len(rep.Tiles)+3)
	where := t("dash.whole_scope")
	if rep.Region.Self.ID != 0 {
		where = (&web.View{Lang: l}).Name(rep.Region.Self.Name, rep.Region.Self.NameEN)
	}
	if err := f.SetCellValue(sheet, note, t("dash.export_note", rep.Period.From, rep.Period.To, where, rep.Period.PrevFrom, rep.Period.PrevTo)); err != nil {
		return err
	}
	_ = f.SetColWidth(sheet, "A", "A", 22)
	_ = f.SetColWidth(sheet, "F", "F", 60)

	// Rankings and categories.
	v := &web.View{Lang: l}
	rankSheet := func(name string, rows []rankRow) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := heads(name, "dash.col.name", "stats.col.received", "stats.col.dispatched", "stats.col.resolved",
			"stats.col.resolution_rate", "stats.col.satisfaction_rate", "dash.col.on_time_rate", "dash.col.ack_on_time_rate",
			"stats.col.reopened", "dash.col.prev_received", "dash.col.prev_metric"); err != nil {
			return err
		}
		for i, x := range rows {
			row := x.Row
			if err := write(name, i+2, []any{v.Name(row.Name, row.NameEN), row.Received, row.Dispatched, row.Resolved,
				rate(row.ResolutionRate), rate(row.SatisfactionRate), rate(row.OnTimeRate), rate(row.AckOnTimeRate), row.Reopened,
				x.Prev.Received, rate(rankRate(rep.Metric, x.Prev))}); err != nil {
				return err
			}
		}
		_ = f.SetColWidth(name, "A", "A", 28)
		return nil
	}
	if err := rankSheet(t("dash.sheet.regions"), rep.Regions); err != nil {
		return err
	}
	if err := rankSheet(t("dash.sheet.units"), rep.Units); err != nil {
		return err
	}
	if err := rankSheet(t("dash.sheet.categories"), rep.Cats); err != nil {
		return err
	}
	months := t("dash.sheet.months")
	if _, err := f.NewSheet(months); err != nil {
		return err
	}
	if err := heads(months, "dash.col.month", "stats.col.received", "stats.col.resolved", "stats.col.satisfaction_rate",
		"dash.col.on_time_rate", "dash.col.ack_on_time_rate", "stats.col.reopened"); err != nil {
		return err
	}
	for i, m := range rep.Months {
		if err := write(months, i+2, []any{m.Month, m.Received, m.Resolved, rate(m.SatisfactionRate), rate(m.OnTimeRate),
			rate(m.AckOnTimeRate), m.Reopened}); err != nil {
			return err
		}
	}
	file := title(l, rep) + ".xlsx"
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(file))
	w.Header().Set("Cache-Control", "no-store")
	return f.Write(w)
}

var _ = workorder.Zone
