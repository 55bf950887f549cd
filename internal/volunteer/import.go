package volunteer

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
)

// MaxImportRows is the most volunteers one workbook may bring.
const MaxImportRows = 5000

// ImportColumns are the workbook's columns in order (i18n keys of their
// headers; the first row of the sheet is the header and is skipped).
var ImportColumns = []string{"name", "gender", "birth_date", "id_type", "id_number", "phone", "region_code",
	"skills", "availability", "party_member", "guardian_name", "guardian_phone", "guardian_consent"}

// RowError is one refusal of an import: the sheet's row number (1 is the
// header), the column's field name and the message.
type RowError struct {
	Row   int
	Field string
	errs.FieldError
}

// ImportResult is what an import did: how many volunteers it added, or
// why it added none.
type ImportResult struct {
	Created int
	Errors  []RowError
}

// TemplateXLSX writes the empty import workbook with its headers in l and
// one example row.
func TemplateXLSX(w io.Writer, l i18n.Lang) error {
	cols := make([]export.Column, len(ImportColumns))
	for i, c := range ImportColumns {
		cols[i] = export.Column{Header: i18n.T(l, "volunteer.field."+c), Width: 16}
	}
	ex := []any{"张三", i18n.T(l, "volunteer.gender.male"), "1990-05-04", i18n.T(l, "volunteer.id.resident"), "11010519900504001X",
		"13912345678", "511102-ZGQ-01", i18n.T(l, "volunteer.skill.first_aid") + "、" + i18n.T(l, "volunteer.skill.teaching"),
		i18n.T(l, "volunteer.slot.weekend_morning"), i18n.T(l, "volunteer.yes"), "", "", ""}
	return export.WriteXLSX(w, i18n.T(l, "volunteer.import.sheet"), cols, [][]any{ex})
}

// choice maps what a cell may say (the code, or its label in either
// language) to the code.
func choice(prefix string, codes []string) map[string]string {
	m := map[string]string{}
	for _, c := range codes {
		m[strings.ToLower(c)] = c
		for _, l := range i18n.Langs {
			m[strings.ToLower(i18n.T(l, prefix+c))] = c
		}
	}
	return m
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// yes reads a yes/no cell: 是/否, yes/no, y/n, 1/0, true/false; "" is no.
func yes(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "否", "no", "n", "0", "false", "×":
		return false, true
	case "是", "yes", "y", "1", "true", "√":
		return true, true
	}
	return false, false
}

// cellDate reads a date cell: YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD or the
// workbook's serial day number.
func cellDate(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006.01.02", "2006-1-2", "2006/1/2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 1 && f < 100000 {
		if t, err := excelize.ExcelDateToTime(f, false); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return s // Validate says it is not a date
}

// Import reads a workbook of volunteers and adds them all, approved with
// their numbers (the organiser who imports them is the one who approves),
// or none: any bad row, a phone or ID number already registered or twice
// in the file, refuses the whole file with every row's errors.
func (s *Service) Import(ctx context.Context, p *auth.Principal, file []byte) (ImportResult, error) {
	var res ImportResult
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return res, err
	}
	wb, err := excelize.OpenReader(bytes.NewReader(file))
	if err != nil {
		return res, errs.E(errs.Invalid, "volunteer.import.bad_file")
	}
	defer wb.Close()
	sheets := wb.GetSheetList()
	if len(sheets) == 0 {
		return res, errs.E(errs.Invalid, "volunteer.import.bad_file")
	}
	rows, err := wb.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return res, errs.E(errs.Invalid, "volunteer.import.bad_file")
	}
	if len(rows) <= 1 {
		return res, errs.E(errs.Invalid, "volunteer.import.empty")
	}
	if len(rows)-1 > MaxImportRows {
		return res, errs.E(errs.Invalid, "volunteer.import.too_many", MaxImportRows)
	}
	genders, idTypes := choice("volunteer.gender.", strs(Genders)), choice("volunteer.id.", strs(IDTypes))
	skills, slots := choice("volunteer.skill.", Skills), choice("volunteer.slot.", Slots)
	now := s.Clock.Now()
	type item struct {
		row int
		in  Input
	}
	var items []item
	codesOf := func(f *errs.Fields, field, cell string, m map[string]string) []string {
		var out []string
		for _, part := range codes([]string{cell}) {
			c, ok := m[strings.ToLower(part)]
			if !ok {
				f.Add(field, "field.bad_choice")
				continue
			}
			out = append(out, c)
		}
		return out
	}
	regionCodes := map[int]string{}
	for i, r := range rows[1:] {
		rowNo := i + 2
		cell := func(k int) string {
			if k < len(r) {
				return strings.TrimSpace(r[k])
			}
			return ""
		}
		blank := true
		for k := range ImportColumns {
			blank = blank && cell(k) == ""
		}
		if blank {
			continue
		}
		var f errs.Fields
		in := Input{Name: cell(0), BirthDate: cellDate(cell(2)), IDNumber: cell(4), Phone: cell(5),
			GuardianName: cell(10), GuardianPhone: cell(11)}
		if g := cell(1); g != "" {
			in.Gender = genders[strings.ToLower(g)]
			if in.Gender == "" {
				in.Gender = "?" // Validate names the field
			}
		}
		if t := cell(3); t != "" {
			in.IDType = idTypes[strings.ToLower(t)]
			if in.IDType == "" {
				in.IDType = "?"
			}
		}
		in.Skills = codesOf(&f, "skills", cell(7), skills)
		in.Availability = codesOf(&f, "availability", cell(8), slots)
		var ok bool
		if in.PartyMember, ok = yes(cell(9)); !ok {
			f.Add("party_member", "field.bad_choice")
		}
		if in.GuardianConsent, ok = yes(cell(12)); !ok {
			f.Add("guardian_consent", "field.bad_choice")
		}
		regionCodes[rowNo] = cell(6)
		if cell(6) == "" {
			f.Add("region_code", "field.required")
		}
		in.RegionID = -1 // resolved below; keeps Validate from asking for region_id
		in.Validate(&f, now)
		res.Errors = append(res.Errors, rowErrors(rowNo, &f)...)
		items = append(items, item{rowNo, in})
	}
	if len(items) == 0 {
		return res, errs.E(errs.Invalid, "volunteer.import.empty")
	}
	// Twins inside the file.
	phones, ids := map[string]int{}, map[string]int{}
	for _, it := range items {
		if first, ok := phones[it.in.Phone]; ok && it.in.Phone != "" {
			res.Errors = append(res.Errors, RowError{it.row, "phone", errs.FieldError{Key: "volunteer.import.twin", Args: []any{first}}})
		} else {
			phones[it.in.Phone] = it.row
		}
		if first, ok := ids[it.in.IDNumber]; ok && it.in.IDNumber != "" {
			res.Errors = append(res.Errors, RowError{it.row, "id_number", errs.FieldError{Key: "volunteer.import.twin", Args: []any{first}}})
		} else {
			ids[it.in.IDNumber] = it.row
		}
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return err
		}
		for i := range items {
			it := &items[i]
			code := regionCodes[it.row]
			if code == "" {
				continue
			}
			var id int64
			var path, level string
			err := tx.Get(ctx, "entity.region", "SELECT id, path, level FROM regions WHERE code = ?", []any{code}, &id, &path, &level)
			if errs.Is(err, errs.NotFound) || (err == nil && (level == "city" || !sc.hasRegion(path))) {
				res.Errors = append(res.Errors, RowError{it.row, "region_code", errs.FieldError{Key: "volunteer.import.no_region"}})
				continue
			}
			if err != nil {
				return err
			}
			it.in.RegionID = id
		}
		if len(res.Errors) > 0 {
			return errs.E(errs.Invalid, "volunteer.import.refused")
		}
		for _, it := range items {
			num, err := nextNumber(ctx, tx, now)
			if err != nil {
				return err
			}
			var f errs.Fields
			in := it.in
			id, err := s.insert(ctx, tx, &in, StatusApproved, sourceImport, num, p.UserID, now, &f)
			if err != nil {
				return err
			}
			if fe := rowErrors(it.row, &f); len(fe) > 0 {
				res.Errors = append(res.Errors, fe...)
				continue
			}
			after := in.audited()
			after["number"] = num
			if err := record(ctx, tx, p, now, "import", id, in.Name+" "+num, nil, after); err != nil {
				return err
			}
			res.Created++
		}
		if len(res.Errors) > 0 {
			return errs.E(errs.Invalid, "volunteer.import.refused")
		}
		return nil
	})
	if err != nil {
		res.Created = 0
		if len(res.Errors) > 0 {
			sortRowErrors(res.Errors)
			return res, nil
		}
		return res, err
	}
	return res, nil
}

// rowErrors lists f's messages for a row in the order of the columns.
func rowErrors(row int, f *errs.Fields) []RowError {
	e := errs.As(f.Err())
	if e == nil {
		return nil
	}
	var out []RowError
	for _, c := range append(ImportColumns, "region_id") {
		if fe, ok := e.Fields[c]; ok && c != "region_id" {
			out = append(out, RowError{row, c, fe})
		}
	}
	return out
}

func sortRowErrors(es []RowError) {
	pos := map[string]int{}
	for i, c := range ImportColumns {
		pos[c] = i
	}
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && (es[j].Row < es[j-1].Row || es[j].Row == es[j-1].Row && pos[es[j].Field] < pos[es[j-1].Field]); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
