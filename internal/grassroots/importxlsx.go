package grassroots

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// The household workbook: one household per row, the head of household
// registered as its first member. Export writes the same columns (ID
// numbers masked), so an exported sheet shows what an import expects.
// ImportColumns are the columns' fields in order; their headers are the
// messages grassroots.col.<field> (Chinese or English headers are read).
var ImportColumns = []string{"grid_code", "address", "building", "door", "head_name", "phone", "id_number", "tags", "tags_from", "note"}

// MaxImportRows caps one file.
const MaxImportRows = 100000

// MaxImportBytes caps an uploaded workbook.
const MaxImportBytes = 20 << 20

// RowError is one problem of an import file: the sheet row (1 is the
// header), the column's field ("" for the whole row) and a message.
type RowError struct {
	Row    int
	Column string // a field of ImportColumns
	Key    string
	Args   []any
}

// ImportError lists every problem of a refused file; nothing was saved.
type ImportError struct{ Rows []RowError }

func (e *ImportError) Error() string { return "grassroots: import refused" }

// ImportResult is what a successful import saved.
type ImportResult struct{ Households, People, Tags int }

// HeaderNames are the accepted header texts per field (both languages),
// filled by the web layer from the catalogues at start (ImportHeaders).
type HeaderNames map[string][]string

// ImportHouseholds reads a workbook and saves every row in one
// transaction; a file with any bad row is refused whole with the list of
// problems (row, column, message) and nothing is saved.
func (s *Service) ImportHouseholds(ctx context.Context, p *auth.Principal, r io.Reader, headers HeaderNames) (ImportResult, error) {
	return s.ImportHouseholdsProgress(ctx, p, r, headers, nil)
}

// Progress is told how far an import is: the phase (ProgressRead while
// the workbook is read, with the rows read so far and no total yet; ProgressSave while its rows are checked and
// saved, ProgressCommit when every row is done and the transaction
// commits) and the rows done of the rows in the file.
type Progress func(phase string, done, total int)

// The phases of an import's progress.
const (
	ProgressRead   = "read"
	ProgressSave   = "save"
	ProgressCommit = "commit"
)

// progressEvery is how many rows pass between two progress calls.
const progressEvery = 1000

// ImportHouseholdsProgress is ImportHouseholds telling progress (may be
// nil) how far it is, for the import screen's progress bar.
func (s *Service) ImportHouseholdsProgress(ctx context.Context, p *auth.Principal, r io.Reader, headers HeaderNames, progress Progress) (ImportResult, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := canRead(p); err != nil {
		return ImportResult{}, err
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return ImportResult{}, err
	}
	if len(data) > MaxImportBytes {
		return ImportResult{}, &ImportError{Rows: []RowError{{Row: 0, Key: "grassroots.import.too_large", Args: []any{MaxImportBytes >> 20}}}}
	}
	progress(ProgressRead, 0, 0)
	rows, ierr := readSheet(data, headers, progress)
	if ierr != nil {
		return ImportResult{}, ierr
	}
	var res ImportResult
	var bad []RowError
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		res, bad = ImportResult{}, nil // a retried transaction starts again
		codes := map[string]int64{}
		var kinds []TagKind
		progress(ProgressSave, 0, len(rows))
		for i, row := range rows {
			n := i + 2
			if i%progressEvery == 0 && i > 0 {
				progress(ProgressSave, i, len(rows))
			}
			if row == nil {
				continue
			}
			get := func(f string) string { return row[f] }
			code := get("grid_code")
			gid, ok := codes[code]
			if !ok && code != "" {
				var id int64
				err := tx.Get(ctx, "entity.region", "SELECT id FROM regions WHERE LOWER(code) = LOWER(?) AND level = 'grid'", []any{code}, &id)
				if err != nil && !errs.Is(err, errs.NotFound) {
					return err
				}
				codes[code], gid = id, id
			}
			if code == "" {
				bad = append(bad, RowError{Row: n, Column: "grid_code", Key: "field.required"})
				continue
			}
			if gid == 0 {
				bad = append(bad, RowError{Row: n, Column: "grid_code", Key: "grassroots.import.no_grid", Args: []any{code}})
				continue
			}
			in := HouseholdInput{RegionID: gid, Address: get("address"), Building: get("building"), Door: get("door"),
				HeadName: get("head_name"), Phone: get("phone"), Note: get("note")}
			hid, err := s.createHousehold(ctx, tx, p, in)
			if err != nil {
				if !collect(&bad, n, err, map[string]string{"region_id": "grid_code"}) {
					return err
				}
				continue
			}
			res.Households++
			if _, err := s.addPerson(ctx, tx, p, hid, PersonInput{Name: get("head_name"), Relation: "head", IDNumber: get("id_number")}); err != nil {
				if !collect(&bad, n, err, map[string]string{"name": "head_name"}) {
					return err
				}
				continue
			}
			res.People++
			if tags := get("tags"); tags != "" {
				if kinds == nil {
					var err error
					if kinds, err = tagKinds(ctx, tx); err != nil {
						return err
					}
				}
				from := get("tags_from")
				if from == "" {
					from = s.today()
				}
				for _, name := range splitTags(tags) {
					code := ""
					for _, k := range kinds {
						if strings.EqualFold(name, k.Name) || strings.EqualFold(name, k.NameEN) || strings.EqualFold(name, k.Code) {
							code = k.Code
						}
					}
					if code == "" {
						bad = append(bad, RowError{Row: n, Column: "tags", Key: "grassroots.import.no_tag", Args: []any{name}})
						continue
					}
					if _, err := s.addTag(ctx, tx, p, hid, TagInput{Tag: code, StartedOn: from}); err != nil {
						if !collect(&bad, n, err, map[string]string{"started_on": "tags_from", "tag": "tags"}) {
							return err
						}
						break
					}
					res.Tags++
				}
			}
		}
		if len(bad) > 0 {
			return &ImportError{Rows: bad}
		}
		progress(ProgressCommit, len(rows), len(rows))
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// collect turns a validation error into row errors (fields renamed to
// the sheet's columns); false for any other error.
func collect(bad *[]RowError, row int, err error, rename map[string]string) bool {
	e := errs.As(err)
	if e == nil || e.Code != errs.Invalid {
		return false
	}
	if len(e.Fields) == 0 {
		*bad = append(*bad, RowError{Row: row, Key: e.Key, Args: e.Args})
		return true
	}
	for _, col := range ImportColumns {
		for f, fe := range e.Fields {
			if to, ok := rename[f]; ok {
				f = to
			}
			if f == col {
				*bad = append(*bad, RowError{Row: row, Column: col, Key: fe.Key, Args: fe.Args})
			}
		}
	}
	return true
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// readSheet reads the first sheet: the header row must name the columns
// (in either language, in any order; unknown headers are refused).
// progress (may be nil) is told every progressEvery rows read.
func readSheet(data []byte, headers HeaderNames, progress Progress) ([]map[string]string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, &ImportError{Rows: []RowError{{Key: "grassroots.import.not_xlsx"}}}
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, &ImportError{Rows: []RowError{{Key: "grassroots.import.empty"}}}
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, &ImportError{Rows: []RowError{{Key: "grassroots.import.not_xlsx"}}}
	}
	defer it.Close()
	var cols []string
	var out []map[string]string
	var bad []RowError
	n := 0
	for it.Next() {
		n++
		if progress != nil && n%progressEvery == 0 {
			progress(ProgressRead, n, 0)
		}
		cells, err := it.Columns()
		if err != nil {
			return nil, &ImportError{Rows: []RowError{{Row: n, Key: "grassroots.import.not_xlsx"}}}
		}
		if n == 1 {
			for i, h := range cells {
				h = strings.TrimSpace(h)
				field := ""
				for _, c := range ImportColumns {
					for _, name := range headers[c] {
						if strings.EqualFold(h, name) || h == c {
							field = c
						}
					}
				}
				if field == "" && h != "" {
					cell, _ := excelize.CoordinatesToCellName(i+1, 1)
					bad = append(bad, RowError{Row: 1, Key: "grassroots.import.bad_header", Args: []any{cell, h}})
				}
				cols = append(cols, field)
			}
			for _, need := range []string{"grid_code", "address", "head_name"} {
				found := false
				for _, c := range cols {
					found = found || c == need
				}
				if !found {
					bad = append(bad, RowError{Row: 1, Column: need, Key: "grassroots.import.missing_column"})
				}
			}
			if len(bad) > 0 {
				return nil, &ImportError{Rows: bad}
			}
			continue
		}
		row := map[string]string{}
		empty := true
		for i, v := range cells {
			if i < len(cols) && cols[i] != "" {
				v = strings.TrimSpace(v)
				row[cols[i]] = v
				empty = empty && v == ""
			}
		}
		if empty {
			out = append(out, nil) // keeps the row numbers; skipped below
			continue
		}
		if len(out) >= MaxImportRows {
			return nil, &ImportError{Rows: []RowError{{Row: n, Key: "grassroots.import.too_many", Args: []any{MaxImportRows}}}}
		}
		out = append(out, row)
	}
	if n == 0 {
		return nil, &ImportError{Rows: []RowError{{Key: "grassroots.import.empty"}}}
	}
	return out, nil
}

// IsImportError returns the import's problems, if err is one.
func IsImportError(err error) (*ImportError, bool) {
	var ie *ImportError
	ok := errors.As(err, &ie)
	return ie, ok
}
