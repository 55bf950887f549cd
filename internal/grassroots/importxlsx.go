package grassroots

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
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
	plan, bad, err := s.checkImport(ctx, p, rows, progress)
	if err != nil {
		return ImportResult{}, err
	}
	if len(bad) > 0 {
		return ImportResult{}, &ImportError{Rows: bad}
	}
	var res ImportResult
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		res, err = s.saveImport(ctx, tx, p, plan, len(rows), progress)
		return err
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importRow is one checked row of a workbook, ready to be written.
type importRow struct {
	n         int // the sheet row
	h         HouseholdInput
	path      string
	head      PersonInput
	enc, mask string
	index     any // the ID number's blind index, or nil
	tags      []TagInput
}

// checkImport checks every row of a workbook in Go and with reads only
// (each grid code looked up once, ID numbers checked against the stored
// ones 64 at a time), so the write transaction that follows only
// writes; it returns the rows to save or the problems of the file.
func (s *Service) checkImport(ctx context.Context, p *auth.Principal, rows []map[string]string, progress Progress) ([]importRow, []RowError, error) {
	type grid struct {
		id   int64
		path string
	}
	grids := map[string]grid{}
	var kinds []TagKind
	var codes []string
	seen := map[string]bool{}
	for _, row := range rows {
		if c := strings.ToLower(row["grid_code"]); row != nil && c != "" && !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if kinds, err = tagKinds(ctx, tx); err != nil {
			return err
		}
		return db.Chunks(len(codes), func(from, to int) error {
			part := codes[from:to]
			args := make([]any, len(part))
			for i, c := range part {
				args[i] = c
			}
			r, err := tx.Query(ctx, "SELECT id, LOWER(code), path FROM regions WHERE level = 'grid' AND LOWER(code) IN ("+db.Placeholders(len(part))+")", args...)
			if err != nil {
				return err
			}
			defer r.Close()
			for r.Next() {
				var g grid
				var code string
				if err := r.Scan(&g.id, &code, &g.path); err != nil {
					return err
				}
				grids[code] = g
			}
			return r.Err()
		})
	})
	if err != nil {
		return nil, nil, err
	}
	var bad []RowError
	var out []importRow
	ids := map[string]int{} // blind index → the first row holding it
	now := s.Clock.Now()
	today := s.today()
	progress(ProgressSave, 0, len(rows))
	for i, row := range rows {
		n := i + 2
		if row == nil {
			continue
		}
		get := func(f string) string { return row[f] }
		code := get("grid_code")
		if code == "" {
			bad = append(bad, RowError{Row: n, Column: "grid_code", Key: "field.required"})
			continue
		}
		g, ok := grids[strings.ToLower(code)]
		if !ok {
			bad = append(bad, RowError{Row: n, Column: "grid_code", Key: "grassroots.import.no_grid", Args: []any{code}})
			continue
		}
		x := importRow{n: n, path: g.path, h: HouseholdInput{RegionID: g.id, Address: get("address"), Building: get("building"), Door: get("door"),
			HeadName: get("head_name"), Phone: get("phone"), Note: get("note")}}
		x.h.normalise()
		var f errs.Fields
		x.h.validate(&f)
		if !inScope(p, g.path) {
			f.Add("region_id", "field.bad_choice")
		}
		if err := f.Err(); err != nil {
			collect(&bad, n, err, map[string]string{"region_id": "grid_code"})
			continue
		}
		x.head = PersonInput{Name: get("head_name"), Relation: "head", IDNumber: get("id_number")}
		f = errs.Fields{}
		x.head.validate(&f, now)
		if err := f.Err(); err != nil {
			collect(&bad, n, err, map[string]string{"name": "head_name"})
			continue
		}
		if x.head.IDNumber != "" {
			if s.PII == nil {
				bad = append(bad, RowError{Row: n, Column: "id_number", Key: "grassroots.err.no_pii_key"})
				continue
			}
			enc, idx, err := s.PII.EncryptID(x.head.IDNumber)
			if err != nil {
				return nil, nil, err
			}
			if ids[idx] != 0 {
				bad = append(bad, RowError{Row: n, Column: "id_number", Key: "grassroots.err.id_taken"})
				continue
			}
			ids[idx] = n
			x.enc, x.index, x.mask = enc, idx, pii.MaskID(x.head.IDNumber)
		}
		if tags := get("tags"); tags != "" {
			from := get("tags_from")
			if from == "" {
				from = today
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
				t := TagInput{Tag: code, StartedOn: from}
				f = errs.Fields{}
				t.validate(&f, kinds)
				if err := f.Err(); err != nil {
					collect(&bad, n, err, map[string]string{"started_on": "tags_from", "tag": "tags"})
					break
				}
				x.tags = append(x.tags, t)
			}
		}
		out = append(out, x)
	}
	taken, err := s.takenIDs(ctx, nil, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, n := range taken {
		bad = append(bad, RowError{Row: n, Column: "id_number", Key: "grassroots.err.id_taken"})
	}
	slices.SortStableFunc(bad, func(a, b RowError) int { return a.Row - b.Row })
	return out, bad, nil
}

// takenIDs returns the rows whose ID number (by blind index) is stored
// already, reading 64 at a time (in tx, or a read transaction of its
// own when tx is nil).
func (s *Service) takenIDs(ctx context.Context, tx *db.Tx, ids map[string]int) ([]int, error) {
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []int
	read := func(tx *db.Tx) error {
		return db.Chunks(len(keys), func(from, to int) error {
			part := keys[from:to]
			args := make([]any, len(part))
			for i, k := range part {
				args[i] = k
			}
			r, err := tx.Query(ctx, "SELECT id_index FROM gr_people WHERE id_index IN ("+db.Placeholders(len(part))+")", args...)
			if err != nil {
				return err
			}
			defer r.Close()
			for r.Next() {
				var k string
				if err := r.Scan(&k); err != nil {
					return err
				}
				out = append(out, ids[k])
			}
			return r.Err()
		})
	}
	var err error
	if tx != nil {
		err = read(tx)
	} else {
		err = s.DB.Read(ctx, read)
	}
	slices.Sort(out)
	return slices.Compact(out), err
}

// saveImport writes checked rows: the ID numbers checked once more
// against what was stored meanwhile, then households, heads and tags by
// many rows a statement, and one audit entry for the import with its
// counts.
func (s *Service) saveImport(ctx context.Context, tx *db.Tx, p *auth.Principal, rows []importRow, total int, progress Progress) (ImportResult, error) {
	ids := map[string]int{}
	for _, x := range rows {
		if k, ok := x.index.(string); ok {
			ids[k] = x.n
		}
	}
	taken, err := s.takenIDs(ctx, tx, ids)
	if err != nil {
		return ImportResult{}, err
	}
	if len(taken) > 0 {
		bad := make([]RowError, len(taken))
		for i, n := range taken {
			bad[i] = RowError{Row: n, Column: "id_number", Key: "grassroots.err.id_taken"}
		}
		return ImportResult{}, &ImportError{Rows: bad}
	}
	hids, err := reserveIDs(ctx, tx, "gr_households", len(rows))
	if err != nil {
		return ImportResult{}, err
	}
	ms := s.Clock.Now().UnixMilli()
	var res ImportResult
	var hs, people, tags [][]any
	for i, x := range rows {
		hs = append(hs, []any{hids[i], x.h.RegionID, x.path, x.h.Address, x.h.Building, x.h.Door, x.h.HeadName, x.h.Phone, x.h.Note, ms, ms})
		people = append(people, []any{hids[i], x.head.Name, x.head.Relation, x.head.Gender, x.enc, x.index, x.mask, x.head.Phone, ms})
		for _, t := range x.tags {
			tags = append(tags, []any{hids[i], t.Tag, t.StartedOn, ms})
		}
	}
	res.Households, res.People, res.Tags = len(hs), len(people), len(tags)
	// Progress counts the rows saved, by the thousand.
	next := progressEvery
	if err := insertRows(ctx, tx, "gr_households", []string{"id", "region_id", "region_path", "address", "building", "door", "head_name", "phone",
		"note", "created_at", "updated_at"}, hs, nil); err != nil {
		return ImportResult{}, err
	}
	if err := insertRows(ctx, tx, "gr_people", []string{"household_id", "name", "relation", "gender", "id_enc", "id_index", "id_mask", "phone", "created_at"},
		people, func(done int) {
			for done >= next && next < total {
				progress(ProgressSave, next, total)
				next += progressEvery
			}
		}); err != nil {
		return ImportResult{}, err
	}
	if err := insertRows(ctx, tx, "gr_tags", []string{"household_id", "tag", "started_on", "created_at"}, tags, nil); err != nil {
		return ImportResult{}, err
	}
	for next < total {
		progress(ProgressSave, next, total)
		next += progressEvery
	}
	progress(ProgressCommit, total, total)
	return res, record(ctx, tx, p, s.Clock.Now(), audit.ActionCreate, "household_import", 0,
		fmt.Sprintf("%d households, %d people, %d tags", res.Households, res.People, res.Tags), nil,
		map[string]any{"households": res.Households, "people": res.People, "tags": res.Tags, "first_household_id": firstID(hids)})
}

func firstID(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[0]
}

// insertRows inserts rows of cols into table, many a statement (fewer
// than 60,000 arguments each, under both engines' limits); done (may be
// nil) is told the rows written after each statement.
func insertRows(ctx context.Context, tx *db.Tx, table string, cols []string, rows [][]any, done func(int)) error {
	per := max(1, min(1000, 30000/len(cols)))
	one := "(" + db.Placeholders(len(cols)) + ")"
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	for i := 0; i < len(rows); i += per {
		part := rows[i:min(i+per, len(rows))]
		var sb strings.Builder
		sb.WriteString(head)
		args := make([]any, 0, len(part)*len(cols))
		for j, r := range part {
			if j > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(one)
			args = append(args, r...)
		}
		if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
			return err
		}
		if done != nil {
			done(i + len(part))
		}
	}
	return nil
}

// reserveIDs takes n new ids of table's identity column: on SQLite,
// whose writes are one at a time, the ids after the largest; on
// PostgreSQL, n values of the column's sequence.
func reserveIDs(ctx context.Context, tx *db.Tx, table string, n int) ([]int64, error) {
	out := make([]int64, 0, n)
	if n == 0 {
		return out, nil
	}
	if tx.Engine() == db.SQLite {
		var top int64
		if err := tx.Get(ctx, "", "SELECT COALESCE(MAX(id), 0) FROM "+table, nil, &top); err != nil {
			return nil, err
		}
		for i := range n {
			out = append(out, top+1+int64(i))
		}
		return out, nil
	}
	r, err := tx.Query(ctx, "SELECT nextval(pg_get_serial_sequence('"+table+"', 'id')) FROM generate_series(1, ?)", n)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		var id int64
		if err := r.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, r.Err()
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
