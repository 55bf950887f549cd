// Package inspection is the inspection and evaluation capability (督查测评,
// the seed's 三个一 and 一书一函): the evaluation index as versioned data,
// site types with their checklists, the sites that are inspected, and the
// scoring of an inspection. Every read of sites is limited to the caller's
// data scope (plus, for a supervision group's staff, the regions the group
// covers).
package inspection

import (
	"context"
	"embed"
	"regexp"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Service is the inspection capability.
type Service struct {
	DB     *db.DB
	Clock  clock.Clock
	Photos *photo.Service // the evidence photos of findings
	// Orders files and steps the rectifications (rectify.go); inspection
	// never writes the work-order tables itself.
	Orders *workorder.Service
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

func (s *Service) now() time.Time { return s.Clock.Now() }

// canView checks the read permission (managers may read too).
func canView(p *auth.Principal) error {
	if p.Can(auth.PermInspectionManage) {
		return nil
	}
	return auth.Require(p, auth.PermInspectionView)
}

// canManage checks the manage permission; a nil principal is the system.
func canManage(p *auth.Principal) error {
	if p == nil {
		return nil
	}
	return auth.Require(p, auth.PermInspectionManage)
}

// MaxCodeLen is the longest code of an index, node, site type or site.
const MaxCodeLen = 40

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)

func checkCode(f *errs.Fields, field, code string) {
	if code == "" {
		f.Add(field, "field.required")
	} else if !codeRe.MatchString(code) {
		f.Add(field, "field.bad_code", MaxCodeLen)
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

// record writes the audit entry of a change; nil p is the system.
func record(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, action, entity string, id int64, summary string, before, after any) error {
	e := audit.Entry{Action: action, Entity: entity, EntityID: audit.ID(id), Summary: summary}
	if p == nil {
		e.ActorName = "system"
	}
	return audit.Record(ctx, tx, p, now, e, before, after)
}

func itoa(n int) string { return strconv.Itoa(n) }
