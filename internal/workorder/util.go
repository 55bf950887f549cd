package workorder

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/wenming-city/wenming/internal/db"
)

// rowScanner scans one row through Tx.Get, so a missing row is
// errs.NotFound with the message argument what.
type rowScanner struct {
	ctx  context.Context
	tx   *db.Tx
	what string
	q    string
	args []any
}

func (r rowScanner) Scan(dest ...any) error { return r.tx.Get(r.ctx, r.what, r.q, r.args, dest...) }

func txRow(ctx context.Context, tx *db.Tx, what, q string, args ...any) rowScanner {
	return rowScanner{ctx, tx, what, q, args}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func tp(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMilli(v.Int64)
	return &t
}

func msp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

func ptr(t time.Time) *time.Time { return &t }

func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// pageLimits turns a page number and size into the page's size (the
// default when none, at most MaxPageSize) and its OFFSET.
func pageLimits(page, size int) (int, int) {
	switch {
	case size <= 0:
		size = DefaultPageSize
	case size > MaxPageSize:
		size = MaxPageSize
	}
	return size, (max(page, 1) - 1) * size
}
