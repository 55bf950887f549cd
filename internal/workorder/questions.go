package workorder

import (
	"context"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
)

// Extra questions per category: what a citizen answers besides the
// description when reporting, defined by admins. They are shaped exactly
// like Open311 GeoReport v2 service attributes (internal/open311 serves
// them as a service definition): code, variable, datatype, required,
// datatype_description, order, description and, for the list types,
// values (key + name). Answers are stored with the order in the same
// transaction, one row per value.

// Datatype is the kind of answer a question takes (Open311's datatypes).
type Datatype string

// The Open311 datatypes.
const (
	TypeString   Datatype = "string"          // one line of text
	TypeNumber   Datatype = "number"          // a decimal number
	TypeDatetime Datatype = "datetime"        // a W3C date and time (or YYYY-MM-DD HH:MM)
	TypeText     Datatype = "text"            // several lines of text
	TypeSingle   Datatype = "singlevaluelist" // one key from the values
	TypeMulti    Datatype = "multivaluelist"  // any number of keys from the values
)

// Datatypes lists the datatypes in the order the editor offers them.
var Datatypes = []Datatype{TypeString, TypeNumber, TypeDatetime, TypeText, TypeSingle, TypeMulti}

// Valid reports whether d is a known datatype.
func (d Datatype) Valid() bool { return slices.Contains(Datatypes, d) }

// List reports whether answers are keys from the question's values.
func (d Datatype) List() bool { return d == TypeSingle || d == TypeMulti }

// Key is the i18n key of the datatype's name.
func (d Datatype) Key() string { return "workorder.datatype." + string(d) }

// Limits on questions and answers.
const (
	MaxQuestions        = 20
	MaxQuestionValues   = 50
	MaxQuestionCodeLen  = 40
	MaxQuestionTextLen  = 200
	MaxValueNameLen     = 50
	MaxAnswerStringLen  = 200
	MaxAnswerTextLen    = 2000
	MaxQuestionOrder    = 9999
	AnswerDatetimeLocal = "2006-01-02 15:04" // the form's date-and-time layout, Beijing time
)

var (
	questionCodeRe = regexp.MustCompile(`^[a-z0-9_]+$`)
	valueKeyRe     = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// QuestionValue is one choice of a list question.
type QuestionValue struct {
	Key    string `json:"key"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// LocalName is the choice's name in the language ("en" or Chinese).
func (v QuestionValue) LocalName(lang string) string {
	if strings.HasPrefix(lang, "en") && v.NameEN != "" {
		return v.NameEN
	}
	return v.Name
}

// Question is one extra question of a category. Variable false makes it
// informational text that is shown but not answered.
type Question struct {
	ID                  int64           `json:"id"`
	CategoryID          int64           `json:"category_id"`
	Code                string          `json:"code"`
	Variable            bool            `json:"variable"`
	Datatype            Datatype        `json:"datatype"`
	Required            bool            `json:"required"`
	DatatypeDescription string          `json:"datatype_description"`
	Order               int             `json:"order"`
	Description         string          `json:"description"`
	DescriptionEN       string          `json:"description_en"`
	Values              []QuestionValue `json:"values"`
}

// LocalDescription is the question in the language ("en" or Chinese).
func (q *Question) LocalDescription(lang string) string {
	if strings.HasPrefix(lang, "en") && q.DescriptionEN != "" {
		return q.DescriptionEN
	}
	return q.Description
}

// Value returns the choice with the key.
func (q *Question) Value(key string) (QuestionValue, bool) {
	for _, v := range q.Values {
		if v.Key == key {
			return v, true
		}
	}
	return QuestionValue{}, false
}

func (q *Question) normalise() {
	q.Code = strings.TrimSpace(q.Code)
	q.Description = strings.TrimSpace(q.Description)
	q.DescriptionEN = strings.TrimSpace(q.DescriptionEN)
	q.DatatypeDescription = strings.TrimSpace(q.DatatypeDescription)
	q.Datatype = Datatype(strings.TrimSpace(string(q.Datatype)))
	for i := range q.Values {
		v := &q.Values[i]
		v.Key, v.Name, v.NameEN = strings.TrimSpace(v.Key), strings.TrimSpace(v.Name), strings.TrimSpace(v.NameEN)
	}
	if q.Values == nil {
		q.Values = []QuestionValue{}
	}
}

// QuestionField is the field name of a question's input in messages:
// questions.<i>.<name>.
func QuestionField(i int, name string) string {
	return "questions." + strconv.Itoa(i) + "." + name
}

// CheckQuestions normalises a category's questions in place and adds a
// message per bad field to f: codes [a-z0-9_] and unique, a known
// datatype, a question text, list questions with at least one value and
// unique keys, other questions with none, informational text never
// required, lengths and counts bounded.
func CheckQuestions(qs []Question, f *errs.Fields) {
	f.Check(len(qs) <= MaxQuestions, "questions", "workorder.question.too_many", MaxQuestions)
	codes := map[string]bool{}
	for i := range qs {
		q := &qs[i]
		q.normalise()
		field := func(n string) string { return QuestionField(i, n) }
		switch {
		case q.Code == "":
			f.Add(field("code"), "field.required")
		case utf8.RuneCountInString(q.Code) > MaxQuestionCodeLen:
			f.Add(field("code"), "field.too_long", MaxQuestionCodeLen)
		case !questionCodeRe.MatchString(q.Code):
			f.Add(field("code"), "workorder.question.bad_code")
		case codes[q.Code]:
			f.Add(field("code"), "workorder.question.duplicate_code", q.Code)
		}
		codes[q.Code] = true
		f.Check(q.Datatype.Valid(), field("datatype"), "field.bad_choice")
		switch n := utf8.RuneCountInString(q.Description); {
		case n == 0:
			f.Add(field("description"), "field.required")
		case n > MaxQuestionTextLen:
			f.Add(field("description"), "field.too_long", MaxQuestionTextLen)
		}
		f.Check(utf8.RuneCountInString(q.DescriptionEN) <= MaxQuestionTextLen, field("description_en"), "field.too_long", MaxQuestionTextLen)
		f.Check(utf8.RuneCountInString(q.DatatypeDescription) <= MaxQuestionTextLen, field("datatype_description"), "field.too_long", MaxQuestionTextLen)
		f.Check(q.Order >= 0 && q.Order <= MaxQuestionOrder, field("order"), "field.out_of_range", 0, MaxQuestionOrder)
		f.Check(q.Variable || !q.Required, field("required"), "workorder.question.info_required")
		if !q.Datatype.List() {
			f.Check(len(q.Values) == 0, field("values"), "workorder.question.values_not_list")
			continue
		}
		if len(q.Values) == 0 {
			f.Add(field("values"), "workorder.question.values_required")
			continue
		}
		f.Check(len(q.Values) <= MaxQuestionValues, field("values"), "workorder.question.too_many_values", MaxQuestionValues)
		keys := map[string]bool{}
		for j, v := range q.Values {
			n := j + 1
			switch {
			case v.Key == "":
				f.Add(field("values"), "workorder.question.value_key_required", n)
			case utf8.RuneCountInString(v.Key) > MaxQuestionCodeLen || !valueKeyRe.MatchString(v.Key):
				f.Add(field("values"), "workorder.question.value_bad_key", n, MaxQuestionCodeLen)
			case keys[v.Key]:
				f.Add(field("values"), "workorder.question.value_duplicate_key", v.Key)
			case v.Name == "":
				f.Add(field("values"), "workorder.question.value_name_required", n)
			case utf8.RuneCountInString(v.Name) > MaxValueNameLen || utf8.RuneCountInString(v.NameEN) > MaxValueNameLen:
				f.Add(field("values"), "workorder.question.value_name_too_long", n, MaxValueNameLen)
			}
			keys[v.Key] = true
		}
	}
}

// Answers are a citizen's answers by question code; every value is a
// string (a multi-value list has several).
type Answers map[string][]string

// UnmarshalJSON reads answers as an object whose values are a string
// or an array of strings (a multi-value list); anything else is a type
// error on the answers.
func (a *Answers) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return &json.UnmarshalTypeError{Value: "answers", Type: reflect.TypeFor[Answers]()}
	}
	out := make(Answers, len(raw))
	for code, v := range raw {
		var one string
		if err := json.Unmarshal(v, &one); err == nil {
			out[code] = []string{one}
			continue
		}
		var many []string
		if err := json.Unmarshal(v, &many); err != nil || string(v) == "null" {
			return &json.UnmarshalTypeError{Value: "answer " + code, Type: reflect.TypeFor[Answers]()}
		}
		out[code] = many
	}
	*a = out
	return nil
}

// AnswerField is the field name of a question's answer in messages, the
// Open311 parameter name: attribute[<code>].
func AnswerField(code string) string { return "attribute[" + code + "]" }

// CheckAnswers validates answers against a category's questions and
// returns them normalised (trimmed, empty values dropped, numbers as
// typed, date-times as RFC 3339 in Beijing time, list keys without
// repeats), adding a message per bad answer to f: a required question
// unanswered, a code that is no question (or only informational text), more
// than one value for anything but a multi-value list, a number that does
// not parse, a date-time in neither W3C/RFC 3339 nor YYYY-MM-DD HH:MM, a
// list value that is not one of the keys, text too long. It is a pure
// function, so SubmitPublic runs it before the batch and submitTx again.
func CheckAnswers(qs []Question, in Answers, f *errs.Fields) Answers {
	out := Answers{}
	byCode := map[string]*Question{}
	for i := range qs {
		if qs[i].Variable {
			byCode[qs[i].Code] = &qs[i]
		}
	}
	codes := make([]string, 0, len(in))
	for c := range in {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, raw := range codes {
		code := strings.TrimSpace(raw)
		var vals []string
		for _, v := range in[raw] {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		q, ok := byCode[code]
		if !ok {
			if len(vals) > 0 {
				f.Add(AnswerField(code), "workorder.answer.unknown", code)
			}
			continue
		}
		if len(vals) == 0 {
			continue
		}
		field := AnswerField(code)
		if q.Datatype != TypeMulti && len(vals) > 1 {
			f.Add(field, "workorder.answer.one_value")
			continue
		}
		switch q.Datatype {
		case TypeString:
			f.Check(utf8.RuneCountInString(vals[0]) <= MaxAnswerStringLen, field, "field.too_long", MaxAnswerStringLen)
		case TypeText:
			f.Check(utf8.RuneCountInString(vals[0]) <= MaxAnswerTextLen, field, "field.too_long", MaxAnswerTextLen)
		case TypeNumber:
			if _, err := inputtext.Decimal(vals[0]); err != nil {
				f.Add(field, "field.bad_number")
			}
		case TypeDatetime:
			t, ok := ParseAnswerTime(vals[0])
			if !ok {
				f.Add(field, "workorder.answer.bad_datetime")
			} else {
				vals[0] = t.In(Zone).Format(time.RFC3339)
			}
		case TypeSingle:
			if _, ok := q.Value(vals[0]); !ok {
				f.Add(field, "workorder.answer.bad_choice", vals[0])
			}
		case TypeMulti:
			var keys []string
			for _, v := range vals {
				if _, ok := q.Value(v); !ok {
					f.Add(field, "workorder.answer.bad_choice", v)
					break
				}
				if !slices.Contains(keys, v) {
					keys = append(keys, v)
				}
			}
			vals = keys
		}
		out[code] = vals
	}
	for i := range qs {
		q := &qs[i]
		if q.Variable && q.Required && len(out[q.Code]) == 0 && !f.Has(AnswerField(q.Code)) {
			f.Add(AnswerField(q.Code), "field.required")
		}
	}
	return out
}

// ParseAnswerTime reads a date-time answer: W3C/RFC 3339 with a zone, or
// the form's YYYY-MM-DD HH:MM (also with a T) in Beijing time.
func ParseAnswerTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range []string{AnswerDatetimeLocal, "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, Zone); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Answer is one stored answer with its question, for the staff page and
// the order's JSON. A question changed or removed since keeps its code and
// raw values.
type Answer struct {
	Code          string          `json:"code"`
	Description   string          `json:"description"`
	DescriptionEN string          `json:"description_en"`
	Datatype      Datatype        `json:"datatype"`
	Values        []string        `json:"values"`
	Choices       []QuestionValue `json:"choices"` // the list values answered, with their names
}

// Question returns the question in the language, or its code.
func (a *Answer) Question(lang string) string {
	q := Question{Description: a.Description, DescriptionEN: a.DescriptionEN}
	if d := q.LocalDescription(lang); d != "" {
		return d
	}
	return a.Code
}

// Text returns the answer in the language: list values by name.
func (a *Answer) Text(lang, sep string) string {
	if len(a.Choices) == 0 {
		return strings.Join(a.Values, sep)
	}
	names := make([]string, len(a.Choices))
	for i, c := range a.Choices {
		names[i] = c.LocalName(lang)
	}
	return strings.Join(names, sep)
}

// ---- storage ----

// questionSet is every category's questions by category id.
type questionSet map[int64][]Question

func loadQuestions(ctx context.Context, tx *db.Tx, categoryID int64) (questionSet, error) {
	q := `SELECT id, category_id, code, variable, datatype, required, datatype_description, sort, description, description_en
		FROM workorder_questions`
	vq := `SELECT v.question_id, v.key, v.name, v.name_en FROM workorder_question_values v`
	var args []any
	if categoryID != 0 {
		q += " WHERE category_id = ?"
		vq += " JOIN workorder_questions q ON q.id = v.question_id WHERE q.category_id = ?"
		args = []any{categoryID}
	}
	rows, err := tx.Query(ctx, q+" ORDER BY category_id, sort, id", args...)
	if err != nil {
		return nil, err
	}
	set := questionSet{}
	type at struct {
		cat int64
		i   int
	}
	where := map[int64]at{}
	for rows.Next() {
		var x Question
		var dt string
		if err := rows.Scan(&x.ID, &x.CategoryID, &x.Code, &x.Variable, &dt, &x.Required, &x.DatatypeDescription, &x.Order,
			&x.Description, &x.DescriptionEN); err != nil {
			rows.Close()
			return nil, err
		}
		x.Datatype, x.Values = Datatype(dt), []QuestionValue{}
		where[x.ID] = at{x.CategoryID, len(set[x.CategoryID])}
		set[x.CategoryID] = append(set[x.CategoryID], x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	vrows, err := tx.Query(ctx, vq+" ORDER BY v.question_id, v.sort, v.key", args...)
	if err != nil {
		return nil, err
	}
	defer vrows.Close()
	for vrows.Next() {
		var qid int64
		var v QuestionValue
		if err := vrows.Scan(&qid, &v.Key, &v.Name, &v.NameEN); err != nil {
			return nil, err
		}
		if w, ok := where[qid]; ok {
			x := &set[w.cat][w.i]
			x.Values = append(x.Values, v)
		}
	}
	return set, vrows.Err()
}

// cachedQuestions returns a category's questions from the Service's cache
// (cache.go), reading every category's with tx (or, when tx is nil, in a
// read transaction of its own) when it is empty. The
// slice is a copy the caller may change.
func (s *Service) cachedQuestions(ctx context.Context, tx *db.Tx, categoryID int64) ([]Question, error) {
	set, err := s.questions.Get(func() (set questionSet, err error) {
		if tx != nil {
			return loadQuestions(ctx, tx, 0)
		}
		// No transaction: a miss reads in one of its own.
		err = s.DB.Read(ctx, func(tx *db.Tx) error {
			set, err = loadQuestions(ctx, tx, 0)
			return err
		})
		return set, err
	})
	if err != nil {
		return nil, err
	}
	out := slices.Clone(set[categoryID])
	for i := range out {
		out[i].Values = slices.Clone(out[i].Values)
	}
	return out, nil
}

// QuestionsChanged drops the cached questions; SetQuestions calls it after
// its commit.
func (s *Service) QuestionsChanged() { s.questions.Invalidate() }

// Questions lists a category's questions by their order. It needs no
// principal: citizens see them when reporting. An unknown category is
// NotFound.
func (s *Service) Questions(ctx context.Context, categoryID int64) ([]Question, error) {
	out := []Question{}
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorder_categories WHERE id = ?", categoryID); err != nil {
			return err
		} else if n == 0 {
			return errs.NotFoundf("workorder.entity.category")
		}
		qs, err := s.cachedQuestions(ctx, tx, categoryID)
		if qs != nil {
			out = qs
		}
		return err
	})
	return out, err
}

// AllQuestions returns the questions of every category, by category id
// (the report page shows those of the chosen category).
func (s *Service) AllQuestions(ctx context.Context) (map[int64][]Question, error) {
	var out map[int64][]Question
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		set, err := s.questions.Get(func() (questionSet, error) { return loadQuestions(ctx, tx, 0) })
		out = map[int64][]Question{}
		for k, v := range set {
			out[k] = slices.Clone(v)
		}
		return err
	})
	return out, err
}

// SetQuestions replaces a category's questions with qs, in their order
// (admins: settings.manage), with an audit entry holding the old and new
// lists. Answers already given keep their codes and values.
func (s *Service) SetQuestions(ctx context.Context, p *auth.Principal, categoryID int64, qs []Question) ([]Question, error) {
	if err := auth.Require(p, auth.PermSettingsManage); err != nil {
		return nil, err
	}
	if qs == nil {
		qs = []Question{}
	}
	var f errs.Fields
	CheckQuestions(qs, &f)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out []Question
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		cat, err := getCategory(ctx, tx, categoryID)
		if err != nil {
			return err
		}
		if cat.IsGroup() {
			return errs.E(errs.Invalid, "workorder.question.group")
		}
		set, err := loadQuestions(ctx, tx, categoryID)
		if err != nil {
			return err
		}
		before := set[categoryID]
		if _, err := tx.Exec(ctx, `DELETE FROM workorder_question_values WHERE question_id IN
			(SELECT id FROM workorder_questions WHERE category_id = ?)`, categoryID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM workorder_questions WHERE category_id = ?", categoryID); err != nil {
			return err
		}
		if err := insertQuestions(ctx, tx, categoryID, qs); err != nil {
			return err
		}
		if set, err = loadQuestions(ctx, tx, categoryID); err != nil {
			return err
		}
		out = set[categoryID]
		if out == nil {
			out = []Question{}
		}
		tx.AfterCommit(s.QuestionsChanged)
		return audit.Record(ctx, tx, p, s.Clock.Now(), audit.Entry{Action: audit.ActionUpdate, Entity: "workorder_questions",
			EntityID: audit.ID(categoryID), Summary: cat.Code}, auditQuestions(before), auditQuestions(out))
	})
	return out, err
}

// auditQuestions is the list as the audit log keeps it (without ids).
func auditQuestions(qs []Question) []map[string]any {
	out := []map[string]any{}
	for _, q := range qs {
		m := map[string]any{"code": q.Code, "variable": q.Variable, "datatype": q.Datatype, "required": q.Required,
			"order": q.Order, "description": q.Description, "description_en": q.DescriptionEN}
		if q.DatatypeDescription != "" {
			m["datatype_description"] = q.DatatypeDescription
		}
		if len(q.Values) > 0 {
			m["values"] = q.Values
		}
		out = append(out, m)
	}
	return out
}

func insertQuestions(ctx context.Context, tx *db.Tx, categoryID int64, qs []Question) error {
	for _, q := range qs {
		id, err := tx.InsertID(ctx, `INSERT INTO workorder_questions (category_id, code, variable, datatype, required,
			datatype_description, sort, description, description_en) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			categoryID, q.Code, q.Variable, string(q.Datatype), q.Required, q.DatatypeDescription, q.Order,
			q.Description, q.DescriptionEN)
		if err != nil {
			return err
		}
		for i, v := range q.Values {
			if _, err := tx.Exec(ctx, `INSERT INTO workorder_question_values (question_id, key, name, name_en, sort)
				VALUES (?, ?, ?, ?, ?)`, id, v.Key, v.Name, v.NameEN, i); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckAnswersFor validates answers against the category's current
// questions (from the cache) and returns them normalised, adding messages
// to f; callers use it to report answer messages together with the
// others before anything is written.
func (s *Service) CheckAnswersFor(ctx context.Context, categoryID int64, in Answers, f *errs.Fields) (Answers, error) {
	qs, err := s.cachedQuestions(ctx, nil, categoryID) // the cache answers without a transaction
	if err != nil {
		return nil, err
	}
	return CheckAnswers(qs, in, f), nil
}

// saveAnswers checks the answers against the category's questions in tx
// (the last word: a question may have changed since the caller checked)
// and writes one row per value.
func (s *Service) saveAnswers(ctx context.Context, tx *db.Tx, orderID, categoryID int64, in Answers) error {
	qs, err := s.cachedQuestions(ctx, tx, categoryID)
	if err != nil {
		return err
	}
	if len(qs) == 0 && len(in) == 0 {
		return nil
	}
	var f errs.Fields
	a := CheckAnswers(qs, in, &f)
	if err := f.Err(); err != nil {
		return err
	}
	codes := make([]string, 0, len(a))
	for c := range a {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for _, c := range codes {
		for i, v := range a[c] {
			if _, err := tx.Exec(ctx, "INSERT INTO workorder_answers (order_id, code, seq, value) VALUES (?, ?, ?, ?)",
				orderID, c, i, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadAnswers reads an order's answers with their questions (by the
// order's current category), in the questions' order, then any whose
// question is gone, by code.
func loadAnswers(ctx context.Context, tx *db.Tx, orderID, categoryID int64) ([]Answer, error) {
	rows, err := tx.Query(ctx, "SELECT code, value FROM workorder_answers WHERE order_id = ? ORDER BY code, seq", orderID)
	if err != nil {
		return nil, err
	}
	vals := map[string][]string{}
	var codes []string
	for rows.Next() {
		var c, v string
		if err := rows.Scan(&c, &v); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := vals[c]; !ok {
			codes = append(codes, c)
		}
		vals[c] = append(vals[c], v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := []Answer{}
	if len(codes) == 0 {
		return out, nil
	}
	set, err := loadQuestions(ctx, tx, categoryID)
	if err != nil {
		return nil, err
	}
	for _, q := range set[categoryID] {
		v, ok := vals[q.Code]
		if !ok {
			continue
		}
		a := Answer{Code: q.Code, Description: q.Description, DescriptionEN: q.DescriptionEN, Datatype: q.Datatype,
			Values: v, Choices: []QuestionValue{}}
		if q.Datatype.List() {
			for _, k := range v {
				c, ok := q.Value(k)
				if !ok {
					c = QuestionValue{Key: k, Name: k, NameEN: k}
				}
				a.Choices = append(a.Choices, c)
			}
		}
		out = append(out, a)
		delete(vals, q.Code)
	}
	for _, c := range codes {
		if v, ok := vals[c]; ok {
			out = append(out, Answer{Code: c, Values: v, Choices: []QuestionValue{}})
		}
	}
	return out, nil
}

// ---- demo ----

// demoQuestions are the questions the demo city starts with, by category
// code. None is required: the intake benchmark (internal/perf), older
// clients and the scenario tests file reports of every category without
// answers, and those stay valid; an admin makes a question required.
var demoQuestions = map[string][]Question{
	"MANHOLE": {
		{Code: "cover_state", Variable: true, Datatype: TypeSingle, Order: 1,
			Description: "井盖状态", DescriptionEN: "State of the cover",
			Values: []QuestionValue{{"missing", "缺失", "Missing"}, {"broken", "破损", "Broken"}, {"displaced", "移位", "Displaced"}}},
		{Code: "safety_note", Variable: false, Datatype: TypeText, Order: 2,
			Description:   "如井口无人看守，请在安全距离外提醒行人绕行，切勿靠近。",
			DescriptionEN: "If the opening is unguarded, warn passers-by from a safe distance; do not go near it."},
	},
	"STREET_LIGHT": {
		{Code: "pole_number", Variable: true, Datatype: TypeString, Order: 1,
			Description: "灯杆编号", DescriptionEN: "Pole number",
			DatatypeDescription: "灯杆上喷涂的编号，如 SZ-0123"},
		{Code: "lights_out", Variable: true, Datatype: TypeNumber, Order: 2,
			Description: "不亮的路灯数量", DescriptionEN: "How many lights are out"},
	},
	"PETS": {
		{Code: "animal", Variable: true, Datatype: TypeSingle, Order: 1,
			Description: "动物种类", DescriptionEN: "Animal",
			Values: []QuestionValue{{"dog", "狗", "Dog"}, {"cat", "猫", "Cat"}, {"other", "其他", "Other"}}},
		{Code: "leashed", Variable: true, Datatype: TypeSingle, Order: 2,
			Description: "是否拴绳", DescriptionEN: "On a leash?",
			Values: []QuestionValue{{"yes", "是", "Yes"}, {"no", "否", "No"}, {"unknown", "不清楚", "Not sure"}}},
	},
	"NOISE": {
		{Code: "time_of_day", Variable: true, Datatype: TypeMulti, Order: 1,
			Description: "发生时段", DescriptionEN: "When it happens",
			Values: []QuestionValue{{"morning", "早晨 (6–8 时)", "Early morning (6–8)"}, {"day", "白天", "Daytime"},
				{"evening", "傍晚", "Evening"}, {"night", "夜间 (22 时后)", "Night (after 22:00)"}}},
		{Code: "last_heard", Variable: true, Datatype: TypeDatetime, Order: 2,
			Description: "最近一次发生时间", DescriptionEN: "Last heard at",
			DatatypeDescription: "YYYY-MM-DD HH:MM"},
	},
}

// SeedDemoQuestions gives the demo city's categories their extra questions
// (those that have none yet); the app calls it once after loading the
// demo city.
func (s *Service) SeedDemoQuestions(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		codes := make([]string, 0, len(demoQuestions))
		for c := range demoQuestions {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		for _, code := range codes {
			var id int64
			err := tx.Get(ctx, "workorder.entity.category", "SELECT id FROM workorder_categories WHERE code = ?", []any{code}, &id)
			if errs.Is(err, errs.NotFound) {
				continue
			} else if err != nil {
				return err
			}
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM workorder_questions WHERE category_id = ?", id); err != nil {
				return err
			} else if n > 0 {
				continue
			}
			if err := insertQuestions(ctx, tx, id, demoQuestions[code]); err != nil {
				return err
			}
		}
		tx.AfterCommit(s.QuestionsChanged)
		return nil
	})
}

// DemoEvidence are the demo city's categories whose resolution must carry
// a photo of the result: work whose outcome only a picture shows.
var DemoEvidence = []string{"ILLEGAL_BUILDING", "PUBLIC_TOILET", "WATERLOGGING"}

// SeedDemoEvidence turns the evidence rule on for DemoEvidence; the app
// calls it once after loading the demo city.
func (s *Service) SeedDemoEvidence(ctx context.Context) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		for _, code := range DemoEvidence {
			if _, err := tx.Exec(ctx, "UPDATE workorder_categories SET evidence_required = TRUE WHERE code = ? AND parent_id IS NOT NULL", code); err != nil {
				return err
			}
		}
		tx.AfterCommit(s.CategoriesChanged)
		return nil
	})
}
