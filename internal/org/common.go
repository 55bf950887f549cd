package org

import (
	"context"
	"database/sql"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// Paging of lists.
const (
	DefaultPageSize = 50     // a list's page when Size <= 0
	MaxPageSize     = 500    // the largest page a list returns
	AllRows         = -1     // Size for "every row", for exports
	MaxExportRows   = 100000 // the cap on AllRows
)

// Limits on input.
const (
	MaxCodeLen    = 40
	MaxNameLen    = 100
	MaxContactLen = 50
	MaxNoteLen    = 500
	MinSort       = -99999
	MaxSort       = 99999
)

var codeRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// limits turns a page number and size into LIMIT and OFFSET.
func limits(page, size int) (limit, offset int) {
	switch {
	case size == AllRows:
		return MaxExportRows, 0
	case size <= 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	return size, (max(page, 1) - 1) * size
}

// canWrite checks the manage permission; a nil principal is the system.
func canWrite(p *auth.Principal) error {
	if p == nil {
		return nil
	}
	return auth.Require(p, auth.PermOrgManage)
}

// scopeWhere is p's data-scope predicate; nil p (the system) sees everything.
func scopeWhere(p *auth.Principal, regionPath, unitPath string) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	return p.Scope.Where(regionPath, unitPath, "")
}

// inScope is the Go twin of scopeWhere for a row about to be written.
func inScope(p *auth.Principal, regionPath, unitPath string) bool {
	return p == nil || p.Scope.Contains(regionPath, unitPath, 0)
}

// treeOrder is a recursive CTE "tord(id, k, d)" over a table with id,
// parent_id and sort columns: k sorts rows in tree order (parents before
// children, siblings by sort then id) on both engines. Each level adds a
// fixed-width run of digits, so plain string order is tree order.
func treeOrder(table string) string {
	piece := func(a string) string {
		return "CAST(" + a + ".sort + 200000000 AS TEXT) || CAST(" + a + ".id + 1000000000000 AS TEXT)"
	}
	return `WITH RECURSIVE tord(id, k, d) AS (
	SELECT t0.id, ` + piece("t0") + `, 0 FROM ` + table + ` t0 WHERE t0.parent_id IS NULL
	UNION ALL
	SELECT c.id, p.k || ` + piece("c") + `, p.d + 1 FROM ` + table + ` c JOIN tord p ON c.parent_id = p.id WHERE p.d < 32)
`
}

// likeAny adds "one of these columns contains q" (case-insensitive).
func likeAny(conds []string, args []any, q string, cols ...string) ([]string, []any) {
	q = strings.TrimSpace(q)
	if q == "" {
		return conds, args
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = "LOWER(" + c + `) LIKE LOWER(?) ESCAPE '\'`
		args = append(args, db.Like(q))
	}
	return append(conds, "("+strings.Join(parts, " OR ")+")"), args
}

// record writes the audit entry for a change; nil p is the system.
func record(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, action, entity string, id int64, summary string, before, after any) error {
	e := audit.Entry{Action: action, Entity: entity, EntityID: audit.ID(id), Summary: summary}
	if p == nil {
		e.ActorName = "system"
	}
	return audit.Record(ctx, tx, p, now, e, before, after)
}

func checkCode(f *errs.Fields, code string) {
	if code == "" {
		f.Add("code", "field.required")
	} else if !codeRe.MatchString(code) {
		f.Add("code", "field.bad_code", MaxCodeLen)
	}
}

func checkLen(f *errs.Fields, field, s string, n int, required bool) {
	if required && s == "" {
		f.Add(field, "field.required")
	}
	if utf8.RuneCountInString(s) > n {
		f.Add(field, "field.too_long", n)
	}
}

func checkSort(f *errs.Fields, sort int) {
	if sort < MinSort || sort > MaxSort {
		f.Add("sort", "field.out_of_range", MinSort, MaxSort)
	}
}

func checkCoord(f *errs.Fields, field string, v *float64, limit int) {
	if v == nil {
		return
	}
	if math.IsNaN(*v) || math.IsInf(*v, 0) {
		f.Add(field, "field.bad_number")
	} else if *v < -float64(limit) || *v > float64(limit) {
		f.Add(field, "field.out_of_range", -limit, limit)
	}
}

// codeTaken reports whether another row of table has the code, ignoring case.
func codeTaken(ctx context.Context, tx *db.Tx, table, code string, self int64) (bool, error) {
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM "+table+" WHERE LOWER(code) = LOWER(?) AND id <> ?", code, self)
	return n > 0, err
}

// childPath is the path of row id under parentPath ("" for a root).
func childPath(parentPath string, id int64) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + strconv.FormatInt(id, 10) + "/"
}

// movePaths rewrites the path prefix of a row and its whole subtree.
// SUBSTR is 1-based on both engines; paths are ASCII.
func movePaths(ctx context.Context, tx *db.Tx, table, oldPath, newPath string) error {
	if oldPath == newPath {
		return nil
	}
	_, err := tx.Exec(ctx, "UPDATE "+table+" SET path = CAST(? AS TEXT) || SUBSTR(path, ?) WHERE path LIKE ?",
		newPath, len(oldPath)+1, oldPath+"%")
	return err
}

// pathIDs returns the ids in a materialised path, root first.
func pathIDs(path string) []int64 {
	var ids []int64
	for _, s := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// times holds columns scanned beside a row and converted after.
type times struct {
	parent           sql.NullInt64
	created, updated int64
}

func ms(v int64) time.Time { return time.UnixMilli(v) }
