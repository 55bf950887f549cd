package inspection

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
)

// The questionnaire (问卷调查): a survey of residents for a quarter, each
// question tied to an indicator and answered 满意 / 基本满意 / 不满意 /
// 不了解, by inspectors on the phone or by citizens through the survey's
// public link (throttled per address like the public report form). The
// rate of satisfied or basically satisfied answers among those answered
// (不了解 left out), from respondents in a unit's region, is the unit's
// questionnaire criterion (evalrules.go).

// indicatorCodeRe is an indicator's code at a question's start ("B050101").
var indicatorCodeRe = regexp.MustCompile(`^[A-Z][0-9]{2,10}$`)

// Answer is one answer to a question.
type Answer string

const (
	AnswerSatisfied    Answer = "satisfied"
	AnswerBasic        Answer = "basic"
	AnswerDissatisfied Answer = "dissatisfied"
	AnswerUnknown      Answer = "unknown" // 不了解: not counted
)

// Answers lists them in display order.
var Answers = []Answer{AnswerSatisfied, AnswerBasic, AnswerDissatisfied, AnswerUnknown}

// Key is the answer's message key.
func (a Answer) Key() string { return "inspection.answer." + string(a) }

func (a Answer) valid() bool {
	for _, x := range Answers {
		if x == a {
			return true
		}
	}
	return false
}

// Survey is a questionnaire.
type Survey struct {
	ID        int64          `json:"id"`
	Quarter   string         `json:"quarter"`
	Title     string         `json:"title"`
	Token     string         `json:"-"`     // the public link's
	State     string         `json:"state"` // open, closed
	Questions []Question     `json:"questions,omitempty"`
	Responses int64          `json:"responses"`
	Rate      figures.Rate   `json:"rate"` // positive / answered, every question
	ByRegion  []SurveyRegion `json:"by_region,omitempty"`
}

// Question is one question of a survey.
type Question struct {
	ID            int64        `json:"id"`
	Text          string       `json:"text"`
	IndicatorCode string       `json:"indicator_code"`
	Rate          figures.Rate `json:"rate"`
}

// SurveyRegion is a district's rate in a survey.
type SurveyRegion struct {
	RegionID  int64        `json:"region_id"`
	Name      string       `json:"name"`
	NameEN    string       `json:"name_en"`
	Responses int64        `json:"responses"`
	Rate      figures.Rate `json:"rate"`
}

// SurveyInput creates a survey; Questions are one a line, an optional
// indicator code first ("B050101 路面是否干净整洁？").
type SurveyInput struct {
	Quarter, Title, Questions string
}

// MaxQuestions bounds a survey's questions.
const MaxQuestions = 30

// CreateSurvey creates an open survey with its public link.
func (s *Service) CreateSurvey(ctx context.Context, p *auth.Principal, in SurveyInput) (int64, error) {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return 0, err
	}
	in.Title = strings.TrimSpace(in.Title)
	var f errs.Fields
	q, ok := ParseQuarter(in.Quarter)
	if !ok {
		f.Add("quarter", "inspection.eval.bad_quarter")
	}
	f.Check(in.Title != "", "title", "field.required")
	f.Check(utf8.RuneCountInString(in.Title) <= 100, "title", "field.too_long", 100)
	type qline struct{ code, text string }
	var qs []qline
	for _, line := range strings.Split(in.Questions, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		code, text := "", line
		if first, rest, ok := strings.Cut(line, " "); ok && indicatorCodeRe.MatchString(first) {
			code, text = first, strings.TrimSpace(rest)
		}
		if utf8.RuneCountInString(text) > 200 {
			f.Add("questions", "inspection.survey.question_too_long", len(qs)+1, 200)
		}
		qs = append(qs, qline{code, text})
	}
	f.Check(len(qs) > 0, "questions", "field.required")
	f.Check(len(qs) <= MaxQuestions, "questions", "inspection.survey.too_many", MaxQuestions)
	if err := f.Err(); err != nil {
		return 0, err
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return 0, err
	}
	now := s.now()
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO inspection_surveys (quarter, title, token, state, created_by, created_at) VALUES (?, ?, ?, 'open', ?, ?) RETURNING id`,
			q.String(), in.Title, hex.EncodeToString(b), p.UserID, now.UnixMilli())
		if err != nil {
			return err
		}
		for i, x := range qs {
			if _, err := tx.Exec(ctx, "INSERT INTO inspection_survey_questions (survey_id, sort, text, indicator_code) VALUES (?, ?, ?, ?)", id, i+1, x.text, x.code); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, now, "create", "inspection_survey", id, in.Title, nil, map[string]any{"quarter": q.String(), "questions": len(qs)})
	})
	return id, err
}

// Surveys lists the surveys, latest first, with their counts.
func (s *Service) Surveys(ctx context.Context, p *auth.Principal) ([]Survey, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Survey, error) {
		rows, err := tx.Query(ctx, `SELECT v.id, v.quarter, v.title, v.state, (SELECT COUNT(*) FROM inspection_survey_responses r WHERE r.survey_id = v.id)
			FROM inspection_surveys v ORDER BY v.quarter DESC, v.id DESC`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Survey
		for rows.Next() {
			var x Survey
			if err := rows.Scan(&x.ID, &x.Quarter, &x.Title, &x.State, &x.Responses); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, rows.Err()
	})
}

const rateCols = `COALESCE(SUM(CASE WHEN a.answer IN ('satisfied', 'basic') THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN a.answer IN ('satisfied', 'basic', 'dissatisfied') THEN 1 ELSE 0 END), 0)`

func loadSurvey(ctx context.Context, tx *db.Tx, where string, arg any, rates bool) (Survey, error) {
	var x Survey
	if err := tx.Get(ctx, "inspection.entity.survey", "SELECT id, quarter, title, token, state FROM inspection_surveys WHERE "+where, []any{arg},
		&x.ID, &x.Quarter, &x.Title, &x.Token, &x.State); err != nil {
		return x, err
	}
	rows, err := tx.Query(ctx, "SELECT id, text, indicator_code FROM inspection_survey_questions WHERE survey_id = ? ORDER BY sort", x.ID)
	if err != nil {
		return x, err
	}
	for rows.Next() {
		var q Question
		if err := rows.Scan(&q.ID, &q.Text, &q.IndicatorCode); err != nil {
			rows.Close()
			return x, err
		}
		x.Questions = append(x.Questions, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil || !rates {
		return x, err
	}
	if err := tx.Get(ctx, "", "SELECT COUNT(*) FROM inspection_survey_responses WHERE survey_id = ?", []any{x.ID}, &x.Responses); err != nil {
		return x, err
	}
	for i := range x.Questions {
		var n, d int64
		if err := tx.Get(ctx, "", "SELECT "+rateCols+" FROM inspection_survey_answers a WHERE a.question_id = ?", []any{x.Questions[i].ID}, &n, &d); err != nil {
			return x, err
		}
		x.Questions[i].Rate = figures.Of(n, d)
		x.Rate = x.Rate.Add(x.Questions[i].Rate)
	}
	rows, err = tx.Query(ctx, `SELECT d.id, d.name, d.name_en, COUNT(DISTINCT r.id), `+rateCols+`
		FROM inspection_survey_responses r JOIN regions rr ON rr.id = r.region_id
		JOIN regions d ON d.level = 'district' AND rr.path LIKE d.path || '%'
		LEFT JOIN inspection_survey_answers a ON a.response_id = r.id
		WHERE r.survey_id = ? GROUP BY d.id, d.name, d.name_en, d.path ORDER BY d.path`, x.ID)
	if err != nil {
		return x, err
	}
	defer rows.Close()
	for rows.Next() {
		var g SurveyRegion
		var n, d int64
		if err := rows.Scan(&g.RegionID, &g.Name, &g.NameEN, &g.Responses, &n, &d); err != nil {
			return x, err
		}
		g.Rate = figures.Of(n, d)
		x.ByRegion = append(x.ByRegion, g)
	}
	return x, rows.Err()
}

// GetSurvey returns a survey with its rates.
func (s *Service) GetSurvey(ctx context.Context, p *auth.Principal, id int64) (Survey, error) {
	if err := canView(p); err != nil {
		return Survey{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Survey, error) { return loadSurvey(ctx, tx, "id = ?", id, true) })
}

// PublicSurvey returns an open survey by its link (its questions only).
func (s *Service) PublicSurvey(ctx context.Context, token string) (Survey, error) {
	x, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Survey, error) { return loadSurvey(ctx, tx, "token = ?", token, false) })
	if err == nil && x.State != "open" {
		return x, errs.E(errs.Conflict, "inspection.survey.closed")
	}
	return x, err
}

// CloseSurvey stops a survey taking answers.
func (s *Service) CloseSurvey(ctx context.Context, p *auth.Principal, id int64) error {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE inspection_surveys SET state = 'closed' WHERE id = ? AND state = 'open'", id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "inspection.survey.closed")
		}
		return record(ctx, tx, p, now, "close", "inspection_survey", id, "", nil, nil)
	})
}

// ResponseInput is one respondent's answers: to every question (field
// q_<id>), from a region, with the form's key (a re-send with the same key
// counts once).
type ResponseInput struct {
	RegionID int64
	Key      string
	Answers  map[int64]Answer
}

// SurveyLimit is how many responses one address may send in SurveyWindow.
const (
	SurveyLimit  = 5
	SurveyWindow = time.Hour
)

// Respond records a response: p an inspector (inspection.run), or nil and
// ip a citizen through the public link, throttled per address. It returns
// false when the key was already used (nothing written).
func (s *Service) Respond(ctx context.Context, p *auth.Principal, ip string, surveyID int64, in ResponseInput) (bool, error) {
	channel := "public"
	var by any
	if p != nil {
		if err := auth.Require(p, auth.PermInspect); err != nil {
			return false, err
		}
		channel, by = "inspector", p.UserID
	}
	in.Key = strings.TrimSpace(in.Key)
	if !keyRe.MatchString(in.Key) {
		return false, errs.E(errs.Invalid, "inspection.submit.bad_key")
	}
	now := s.now()
	made := false
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := loadSurvey(ctx, tx, "id = ?", surveyID, false)
		if err != nil {
			return err
		}
		if x.State != "open" {
			return errs.E(errs.Conflict, "inspection.survey.closed")
		}
		var f errs.Fields
		if in.RegionID == 0 {
			f.Add("region_id", "field.required")
		} else if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM regions WHERE id = ?", in.RegionID); err != nil {
			return err
		} else if n == 0 {
			f.Add("region_id", "field.bad_choice")
		}
		for i, q := range x.Questions {
			a, ok := in.Answers[q.ID]
			switch {
			case !ok || a == "":
				f.Add("q_"+strconv.FormatInt(q.ID, 10), "inspection.survey.answer_required", i+1)
			case !a.valid():
				f.Add("q_"+strconv.FormatInt(q.ID, 10), "field.bad_choice")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_survey_responses WHERE survey_id = ? AND client_key = ?", x.ID, in.Key); err != nil {
			return err
		} else if n > 0 {
			return nil // a re-send
		}
		if p == nil {
			ws := now.Truncate(SurveyWindow).UnixMilli()
			var n int64
			if err := tx.Get(ctx, "", `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1)
				ON CONFLICT (key) DO UPDATE SET
				count = CASE WHEN rate_counters.window_start = excluded.window_start THEN rate_counters.count + 1 ELSE 1 END,
				window_start = excluded.window_start
				RETURNING count`, []any{"survey:" + ip, ws}, &n); err != nil {
				return err
			}
			if n > SurveyLimit {
				return errs.E(errs.TooMany, "inspection.survey.limit", SurveyLimit, int(SurveyWindow.Minutes()))
			}
		}
		id, err := tx.InsertID(ctx, `INSERT INTO inspection_survey_responses (survey_id, region_id, channel, respondent_id, client_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, x.ID, in.RegionID, channel, by, in.Key, now.UnixMilli())
		if err != nil {
			return err
		}
		for _, q := range x.Questions {
			if _, err := tx.Exec(ctx, "INSERT INTO inspection_survey_answers (response_id, question_id, answer) VALUES (?, ?, ?)", id, q.ID, string(in.Answers[q.ID])); err != nil {
				return err
			}
		}
		made = true
		return nil
	})
	return made, err
}

// questionnaireRates are the quarter's positive and answered counts by
// region path prefix, for the evaluation: every answer of the quarter's
// surveys with its respondent's region path.
func questionnaireRates(ctx context.Context, tx *db.Tx, q Quarter) ([]regionAnswers, error) {
	rows, err := tx.Query(ctx, `SELECT rr.path, `+rateCols+` FROM inspection_survey_responses r JOIN inspection_surveys v ON v.id = r.survey_id
		JOIN regions rr ON rr.id = r.region_id JOIN inspection_survey_answers a ON a.response_id = r.id
		WHERE v.quarter = ? GROUP BY rr.path`, q.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []regionAnswers
	for rows.Next() {
		var x regionAnswers
		if err := rows.Scan(&x.path, &x.pos, &x.ans); err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

type regionAnswers struct {
	path     string
	pos, ans int64
}
