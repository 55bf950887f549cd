// Package export writes lists as real .xlsx workbooks with translated
// headers, for every list's "export to Excel" button.
package export

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/clock"
)

// MaxRows caps an export so one click cannot exhaust the server.
const MaxRows = 100000

// Column is one column of an export: its header and width in characters.
type Column struct {
	Header string
	Width  float64
}

// WriteXLSX writes a workbook with one sheet: a bold header row, frozen, with
// an auto-filter, then the rows. Values may be strings, numbers, bools or
// time.Time; a workbook holds no zone, so times are written as China
// Standard Time (clock.CST), whatever the server's zone.
func WriteXLSX(w io.Writer, sheet string, cols []Column, rows [][]any) error {
	f := excelize.NewFile()
	defer f.Close()
	if sheet == "" {
		sheet = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"#E9EEF5"}, Pattern: 1}})
	if err != nil {
		return err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd hh:mm")})
	if err != nil {
		return err
	}
	for i, c := range cols {
		wd := c.Width
		if wd == 0 {
			wd = 16
		}
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: bold, Value: c.Header}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for r, row := range rows {
		if r >= MaxRows {
			break
		}
		vals := make([]any, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case time.Time:
				if x.IsZero() {
					vals[i] = ""
				} else {
					vals[i] = excelize.Cell{StyleID: dateStyle, Value: x.In(clock.CST)}
				}
			case *time.Time:
				if x == nil {
					vals[i] = ""
				} else {
					vals[i] = excelize.Cell{StyleID: dateStyle, Value: x.In(clock.CST)}
				}
			default:
				vals[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if len(cols) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(cols), max(min(len(rows), MaxRows)+1, 1))
		if err := f.AutoFilter(sheet, "A1:"+last, nil); err != nil {
			return err
		}
	}
	return f.Write(w)
}

func ptr[T any](v T) *T { return &v }

// ServeXLSX answers an HTTP request with the workbook as a download named
// name-YYYYMMDD.xlsx (the name may be Chinese; the day is now's in China
// Standard Time).
func ServeXLSX(w http.ResponseWriter, name string, now time.Time, cols []Column, rows [][]any) error {
	file := fmt.Sprintf("%s-%s.xlsx", name, now.In(clock.CST).Format("20060102"))
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(file))
	w.Header().Set("Cache-Control", "no-store")
	return WriteXLSX(w, name, cols, rows)
}
