// Package grassroots is grassroots governance (基层治理): households per
// grid with their members and tags, the ten-household and building heads
// responsible for them, their import and export by .xlsx. Every read is
// limited to the caller's data scope by the household's region path, so a
// household of another grid is simply not found (404 on every route).
package grassroots

import (
	"context"
	"embed"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/workorder"
)

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Service is the grassroots capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// PII encrypts ID numbers; nil when no keys are configured, in which
	// case an ID number cannot be stored (and is refused with a message).
	PII *pii.Keyring
	// Orders files the work orders of needs found on visits; Photos keeps
	// the visits' photos. Set by app.
	Orders *workorder.Service
	Photos *photo.Service
}

// New returns the service.
func New(d *db.DB, c clock.Clock, k *pii.Keyring) *Service { return &Service{DB: d, Clock: c, PII: k} }

// Paging of lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
	AllRows         = -1
	MaxExportRows   = 100000
)

// Limits on input.
const (
	MaxNameLen    = 50
	MaxAddressLen = 200
	MaxShortLen   = 20
	MaxNoteLen    = 500
)

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

// canRead checks grid.visit; nil p is the system.
func canRead(p *auth.Principal) error {
	if p == nil {
		return nil
	}
	return auth.Require(p, auth.PermGridVisit)
}

// scopeWhere is p's predicate on a region path column; nil p sees all.
func scopeWhere(p *auth.Principal, regionPath string) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	return p.Scope.Where(regionPath, "", "")
}

func inScope(p *auth.Principal, regionPath string) bool {
	return p == nil || p.Scope.Contains(regionPath, "", 0)
}

func checkLen(f *errs.Fields, field, s string, n int, required bool) {
	if required && s == "" {
		f.Add(field, "field.required")
	}
	if utf8.RuneCountInString(s) > n {
		f.Add(field, "field.too_long", n)
	}
}

func record(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, action, entity string, id int64, summary string, before, after any) error {
	e := audit.Entry{Action: action, Entity: entity, EntityID: audit.ID(id), Summary: summary}
	if p == nil {
		e.ActorName = "system"
	}
	return audit.Record(ctx, tx, p, now, e, before, after)
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

// regionOf reads a region's level and path, in the caller's scope.
func regionOf(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (level, path, name string, err error) {
	err = tx.Get(ctx, "entity.region", "SELECT level, path, name FROM regions WHERE id = ?", []any{id}, &level, &path, &name)
	if err != nil {
		return "", "", "", err
	}
	if !inScope(p, path) {
		return "", "", "", errs.NotFoundf("entity.region")
	}
	return level, path, name, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// today is the date in China Standard Time.
func (s *Service) today() string { return s.Clock.Now().In(clock.CST).Format(time.DateOnly) }

// fieldErr is an invalid error with one field's message.
func fieldErr(field, key string, args ...any) error {
	var f errs.Fields
	f.Add(field, key, args...)
	return f.Err()
}

// pathRange is the half-open range [lo, hi) of the region paths under
// path ("/1/23/" → "/1/23/" to "/1/230"): a path prefix as a range both
// engines answer from a plain b-tree index on the path column, where a
// LIKE 'prefix%' is not (SQLite's LIKE ignores case, PostgreSQL's needs
// the C collation or pattern operators).
func pathRange(path string) (lo, hi string) {
	return path, path[:len(path)-1] + string(rune(path[len(path)-1]+1))
}

// under is the predicate "col is path or below it" as a range on col,
// with its two arguments.
func under(col, path string) (string, []any) {
	lo, hi := pathRange(path)
	return "(" + col + " >= ? AND " + col + " < ?)", []any{lo, hi}
}
