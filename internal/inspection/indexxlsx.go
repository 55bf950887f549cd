package inspection

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
)

// The workbook of an index: one row per node in tree order under these
// Chinese headers (an exported version imports again unchanged).
var IndexHeaders = []string{"编号", "上级编号", "层级", "名称", "分值", "采集方式"}

const (
	colCode = iota
	colParent
	colLevel
	colName
	colPoints
	colMethod
)

// The words the workbook uses for levels and methods.
var (
	levelWords  = map[Level]string{LevelPart: "部分", LevelSection: "板块", LevelIndicator: "指标", LevelContent: "内容"}
	methodWords = map[Method]string{MethodField: "实地考察", MethodQuestionnaire: "问卷调查", MethodDocument: "材料审核", MethodReport: "听取汇报"}
)

// MaxImportRows bounds an imported index (the national one has a few hundred nodes).
const MaxImportRows = 3000

// MaxImportBytes bounds the uploaded workbook.
const MaxImportBytes = 4 << 20

// CellError is one problem of an imported workbook: its row (as the
// spreadsheet numbers them, the header is row 1), its column letter and
// header, and the message.
type CellError struct {
	Row    int    `json:"row"`
	Col    string `json:"col"`
	Header string `json:"header"`
	Key    string `json:"-"`
	Args   []any  `json:"-"`
}

// ImportErrors is a refused import: every problem found; nothing was saved.
type ImportErrors struct{ Cells []CellError }

func (e *ImportErrors) Error() string {
	return fmt.Sprintf("inspection: import refused, %d problems", len(e.Cells))
}

// AsImportErrors returns the problems of a refused import, or nil.
func AsImportErrors(err error) *ImportErrors {
	var ie *ImportErrors
	if errors.As(err, &ie) {
		return ie
	}
	return nil
}

func colLetter(i int) string {
	s, _ := excelize.ColumnNumberToName(i + 1)
	return s
}

// parseLevel reads a level by its workbook word or its code.
func parseLevel(s string) (Level, bool) {
	for l, w := range levelWords {
		if s == w || s == string(l) {
			return l, true
		}
	}
	return "", false
}

func parseMethod(s string) (Method, bool) {
	if s == "" {
		return "", true
	}
	for m, w := range methodWords {
		if s == w || s == string(m) || (m == MethodReport && s == "整体观察") {
			return m, true
		}
	}
	return "", false
}

// ParseIndexWorkbook reads an index workbook into nodes in tree order. A
// workbook that is not one, lacks a header, has a bad cell or breaks a
// tree rule (CheckTree) is refused with every problem by row and column.
func ParseIndexWorkbook(r io.Reader) ([]Node, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxImportBytes {
		return nil, errs.E(errs.TooLarge, "inspection.import.too_large", MaxImportBytes>>20)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, errs.E(errs.Invalid, "inspection.import.not_xlsx")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, errs.E(errs.Invalid, "inspection.import.empty")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, errs.E(errs.Invalid, "inspection.import.not_xlsx")
	}
	if len(rows) < 2 {
		return nil, errs.E(errs.Invalid, "inspection.import.empty")
	}
	if len(rows) > MaxImportRows+1 {
		return nil, errs.E(errs.Invalid, "inspection.import.too_many_rows", MaxImportRows)
	}
	var cells []CellError
	cols := make([]int, len(IndexHeaders))
	for i, h := range IndexHeaders {
		cols[i] = slices.IndexFunc(rows[0], func(c string) bool { return strings.TrimSpace(c) == h })
		if cols[i] < 0 {
			cells = append(cells, CellError{Row: 1, Header: h, Key: "inspection.import.missing_header"})
		}
	}
	if len(cells) > 0 {
		return nil, &ImportErrors{Cells: cells}
	}
	bad := func(row, col int, key string, args ...any) {
		cells = append(cells, CellError{Row: row, Col: colLetter(cols[col]), Header: IndexHeaders[col], Key: key, Args: args})
	}
	var ns []Node
	var rowOf []int
	for ri, row := range rows[1:] {
		rowNo := ri + 2
		cell := func(col int) string {
			if c := cols[col]; c < len(row) {
				return strings.TrimSpace(inputtext.StripBidi(row[c]))
			}
			return ""
		}
		if strings.Join(row, "") == "" || strings.TrimSpace(strings.Join(row, "")) == "" {
			continue
		}
		for col := range IndexHeaders {
			if !inputtext.Valid(cell(col)) {
				bad(rowNo, col, "field.bad_text")
			}
		}
		n := Node{Code: cell(colCode), ParentCode: cell(colParent), Name: cell(colName), Sort: len(ns) + 1}
		var fe errs.Fields
		checkCode(&fe, "code", n.Code)
		if e := errs.As(fe.Err()); e != nil {
			bad(rowNo, colCode, e.Fields["code"].Key, e.Fields["code"].Args...)
		}
		var ok bool
		if n.Level, ok = parseLevel(cell(colLevel)); !ok {
			bad(rowNo, colLevel, "inspection.import.bad_level")
		}
		if n.Name == "" {
			bad(rowNo, colName, "field.required")
		} else if len([]rune(n.Name)) > 200 {
			bad(rowNo, colName, "field.too_long", 200)
		}
		if n.Points, ok = ParsePoints(cell(colPoints)); !ok {
			bad(rowNo, colPoints, "inspection.import.bad_points")
			n.Points = -1 // so the tree rules do not report it twice
		}
		if n.Method, ok = parseMethod(cell(colMethod)); !ok {
			bad(rowNo, colMethod, "inspection.import.bad_method")
			n.Method = "?"
		}
		ns = append(ns, n)
		rowOf = append(rowOf, rowNo)
	}
	if len(ns) == 0 {
		return nil, errs.E(errs.Invalid, "inspection.import.empty")
	}
	colOf := map[string]int{"code": colCode, "parent": colParent, "level": colLevel, "points": colPoints, "method": colMethod}
	seen := map[[2]int]bool{}
	for _, c := range cells {
		seen[[2]int{c.Row, slices.Index(IndexHeaders, c.Header)}] = true
	}
	for _, pr := range CheckTree(treeNodes(ns)) {
		col := colOf[pr.Field]
		if seen[[2]int{rowOf[pr.Node], col}] || (pr.Field == "points" && ns[pr.Node].Points < 0) || (pr.Field == "method" && ns[pr.Node].Method == "?") {
			continue
		}
		bad(rowOf[pr.Node], col, pr.Key, pr.Args...)
	}
	if len(cells) > 0 {
		slices.SortStableFunc(cells, func(a, b CellError) int {
			if a.Row != b.Row {
				return a.Row - b.Row
			}
			return strings.Compare(a.Col, b.Col)
		})
		return nil, &ImportErrors{Cells: cells}
	}
	// Parents before children: a parent is always one level up.
	slices.SortStableFunc(ns, func(a, b Node) int { return a.Level.Depth() - b.Level.Depth() })
	return ns, nil
}

// ImportIndex reads an index workbook into a new draft version of in.Code
// (version 1 of a new code, or the next one). Any problem refuses the
// whole workbook (ImportErrors) and saves nothing.
func (s *Service) ImportIndex(ctx context.Context, p *auth.Principal, in IndexInput, r io.Reader) (Index, error) {
	if err := canManage(p); err != nil {
		return Index{}, err
	}
	if err := checkIndexInput(&in); err != nil {
		return Index{}, err
	}
	ns, err := ParseIndexWorkbook(r)
	if err != nil {
		return Index{}, err
	}
	now := s.now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Index, error) {
		id, _, err := insertIndex(ctx, tx, in, now)
		if err != nil {
			return Index{}, err
		}
		if err := insertNodes(ctx, tx, id, ns); err != nil {
			return Index{}, err
		}
		x, err := getIndex(ctx, tx, id)
		if err != nil {
			return x, err
		}
		return x, record(ctx, tx, p, now, "import", "inspection_index", id, fmt.Sprintf("%s v%d (%d)", x.Code, x.Version, len(ns)), nil, x)
	})
}

// IndexRows are a version's nodes as workbook rows under IndexHeaders.
func IndexRows(ns []Node) [][]any {
	out := make([][]any, 0, len(ns))
	for _, n := range ns {
		out = append(out, []any{n.Code, n.ParentCode, levelWords[n.Level], n.Name, n.Points.Float(), methodWords[n.Method]})
	}
	return out
}
