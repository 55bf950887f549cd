// Package rating is the star rating (星级评定): templates per subject kind
// and job type (a scoring.Scheme and a scoring.Ladder, versioned), the
// subjects rated, quarterly rounds with a self-assessment window, scorers
// and their marks, results ranked per job type, publication (公示) with an
// appeal window, stars moved by the ladder's rules when a round closes, a
// manual star change only with a reason and a second person, and
// qualifications. The arithmetic is internal/scoring's; this package keeps
// the rows, the permissions and the data scope (the owning unit's subtree).
package rating

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/scoring"
)

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Service is the star-rating capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// FigureContext, when set, carries the services other capabilities'
	// figures compute through (app: the work orders' FiguresContext), for
	// criteria scored by a figure.
	FigureContext func(context.Context) context.Context
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

// Kind is what sort of subject is rated.
type Kind string

const (
	KindStaff         Kind = "staff"          // staff by trade and post (the mine's teams)
	KindGridWorker    Kind = "grid_worker"    // 网格员
	KindVolunteerTeam Kind = "volunteer_team" // 志愿服务队
	KindHousehold     Kind = "household"      // 星级文明户
	KindUnit          Kind = "unit"           // 单位
)

// Kinds lists the subject kinds in display order.
var Kinds = []Kind{KindStaff, KindGridWorker, KindVolunteerTeam, KindHousehold, KindUnit}

func (k Kind) Valid() bool    { return slices.Contains(Kinds, k) }
func (k Kind) Key() string    { return "rating.kind." + string(k) }
func stateKey(s State) string { return "rating.state." + string(s) }

// State is where a round stands.
type State string

const (
	StateScoring   State = "scoring"   // self-assessment and scoring
	StatePublished State = "published" // 公示, the appeal window runs
	StateClosed    State = "closed"    // final; stars have moved
)

func (s State) Key() string { return stateKey(s) }

// ScorerKinds are the kinds of scorer a template may weigh.
var ScorerKinds = []string{"leader", "peer", "office"}

// Grades are the qualifications recorded (职业技能等级).
var Grades = []string{"junior", "intermediate", "senior", "technician", "senior_technician"}

// GradeKey is a grade's message key.
func GradeKey(g string) string { return "rating.grade." + g }

// Template is an appraisal template: a version of the scheme and the ladder
// for one subject kind and job type of a unit.
type Template struct {
	ID        int64
	UnitID    int64
	UnitName  string
	UnitEN    string
	Kind      Kind
	JobType   string
	Name      string
	Version   int
	Scheme    scoring.Scheme
	Ladder    scoring.Ladder
	CreatedAt time.Time
}

// TemplateInput is a new template (or a new version of one).
type TemplateInput struct {
	UnitID  int64
	Kind    Kind
	JobType string
	Name    string
	Scheme  scoring.Scheme
	Ladder  scoring.Ladder
}

// Subject is a person, team, household or unit that is rated.
type Subject struct {
	ID        int64
	UnitID    int64
	UnitName  string
	UnitEN    string
	Kind      Kind
	Code      string
	Name      string
	JobType   string
	Post      string
	UserID    int64
	RegionID  int64
	RefUnitID int64
	Active    bool
	Stars     int // on its job type's ladder; 0 before its first closed round
	Quals     int // qualifications recorded
}

// SubjectInput is a new subject.
type SubjectInput struct {
	UnitID    int64
	Kind      Kind
	Code      string
	Name      string
	JobType   string
	Post      string
	UserID    int64
	RegionID  int64
	RefUnitID int64
}

// Round is one rating round of one template (a job type) for a period.
type Round struct {
	ID          int64
	UnitID      int64
	UnitName    string
	UnitEN      string
	TemplateID  int64
	Template    Template
	Period      string // "2026Q1"
	Name        string
	State       State
	SelfFrom    string
	SelfTo      string
	PeriodFrom  string
	PeriodTo    string
	AppealDays  int
	PublishedAt *time.Time
	AppealUntil *time.Time
	ClosedAt    *time.Time
	MissingNote string
	CreatedAt   time.Time
	Entries     int
}

// RoundInput is a new round: the template, the quarter, the
// self-assessment window, the appeal days and the scorers.
type RoundInput struct {
	TemplateID int64
	Period     string
	SelfFrom   string
	SelfTo     string
	AppealDays int
	Scorers    []Scorer
}

// Scorer is a user who scores a round, as a kind the template weighs.
type Scorer struct {
	UserID int64
	Name   string
	Kind   string
	Given  int // marks given
	Needed int // marks needed (entries × judged criteria)
}

// Done reports whether the scorer has scored everything.
func (s Scorer) Done() bool { return s.Given >= s.Needed }

// Entry is one subject's place in a round.
type Entry struct {
	ID          int64
	RoundID     int64
	SubjectID   int64
	Code        string
	Name        string
	Post        string
	SelfNote    string
	SelfAt      *time.Time
	Total       scoring.Cents
	Complete    bool
	Rank        int
	GroupSize   int
	Band        string
	StarsBefore int
	StarsAfter  int
	Delta       int
	Trace       []scoring.Part
	ByCrit      map[string]scoring.Cents // each criterion's score
	Adjusted    scoring.Cents            // approved adjustments and upheld appeals
}

// Mark is one stored mark.
type Mark struct {
	EntryID   int64
	Criterion string
	ScorerID  int64
	Kind      string
	Value     scoring.Cents
	Note      string
}

// Adjustment is a stored plus or minus on an entry.
type Adjustment struct {
	ID         int64
	EntryID    int64
	Subject    string
	Value      scoring.Cents
	Reason     string
	Evidence   string
	Source     string
	ProposedBy int64
	Proposer   string
	ApprovedBy int64
	Approver   string
	CreatedAt  time.Time
	ApprovedAt *time.Time
}

// Appeal is a rated person's appeal (申诉) against a published result.
type Appeal struct {
	ID         int64
	EntryID    int64
	Subject    string
	Reason     string
	FiledBy    int64
	FiledAt    time.Time
	State      string // pending, upheld, refused
	Answer     string
	Change     scoring.Cents
	AnsweredBy int64
	AnsweredAt *time.Time
}

// StarChange is a manual change of a subject's stars (needs a second person).
type StarChange struct {
	ID         int64
	SubjectID  int64
	Subject    string
	JobType    string
	From, To   int
	Reason     string
	State      string
	ProposedBy int64
	Proposer   string
	ApprovedBy int64
	CreatedAt  time.Time
}

// Qualification is a grade a subject gained (高级工, 技师 …).
type Qualification struct {
	ID          int64
	SubjectID   int64
	Grade       string
	GainedOn    string
	Certificate string
}

// HistoryRow is one round in a subject's history, with the trend.
type HistoryRow struct {
	Entry
	Period    string
	RoundID   int64
	RoundName string
	State     State
	JobType   string
	Change    scoring.Cents // total against the round before; 0 for the first
	HasPrev   bool
}

// ---- template codec ----

func encodeJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs; cannot fail
	}
	return string(b)
}

// problemsErr turns scoring problems into field errors.
func problemsErr(f *errs.Fields, ps []scoring.Problem) {
	for _, p := range ps {
		f.Add(p.Field, p.Key)
	}
}

// ParsePeriod reads a quarter ("2026Q1") into its first and last day.
func ParsePeriod(p string) (from, to string, ok bool) {
	var y, q int
	if n, err := fmt.Sscanf(strings.TrimSpace(p), "%4dQ%1d", &y, &q); err != nil || n != 2 || y < 2000 || y > 2100 || q < 1 || q > 4 {
		return "", "", false
	}
	if fmt.Sprintf("%04dQ%d", y, q) != strings.TrimSpace(p) {
		return "", "", false
	}
	start := time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, clock.CST)
	end := start.AddDate(0, 3, -1)
	return start.Format(time.DateOnly), end.Format(time.DateOnly), true
}

func validDate(s string) bool {
	_, err := time.ParseInLocation(time.DateOnly, s, clock.CST)
	return err == nil
}

func msPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.UnixMilli(*v)
	return &t
}

func principalID(p *auth.Principal) int64 {
	if p == nil {
		return 0
	}
	return p.UserID
}

// scope is the data-scope predicate on a row's owning unit (u.path).
func scope(p *auth.Principal) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	return p.Scope.Where("", "u.path", "")
}
