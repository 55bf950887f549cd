package orderweb

import (
	"context"
	"github.com/wenming-city/wenming/internal/web"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/workorder"
)

// A category's extra questions: the admin's editor at
// /categories/{id}/questions, the API under
// /api/v1/workorder-categories/{id}/questions, and the question blocks the
// citizen's report form and the hotline intake form show for the chosen
// category (questions.js shows the right block; the server takes only the
// chosen category's answers and checks them).

func (s *Server) questionRoutes() {
	s.Page("GET /categories/{id}/questions", s.questionsPage)
	s.Page("POST /categories/{id}/questions", s.questionsSave)

	value := web.Obj(map[string]any{"key": web.Str(), "name": web.Str(), "name_en": web.Str()}, "key", "name")
	question := web.Obj(map[string]any{
		"id": web.Integer(), "category_id": web.Integer(),
		"code":     map[string]any{"type": "string", "pattern": "^[a-z0-9_]+$", "description": "unique in the category"},
		"variable": map[string]any{"type": "boolean", "description": "true: the citizen answers; false: informational text only"},
		"datatype": map[string]any{"type": "string", "enum": enumOf(workorder.Datatypes)},
		"required": web.Boolean(), "datatype_description": web.Str(),
		"order":          map[string]any{"type": "integer", "description": "sort order (Open311's order)"},
		"description":    map[string]any{"type": "string", "description": "the question shown (Chinese)"},
		"description_en": web.Str(),
		"values":         map[string]any{"type": "array", "items": value, "description": "the choices of a list question"},
	}, "code", "datatype", "description")
	body := web.Obj(map[string]any{"questions": web.Arr(question)}, "questions")
	idParam := []web.Param{{Name: "id", In: "path", Type: "integer", Description: "category id", Required: true}}
	s.PublicAPI("GET /api/v1/workorder-categories/{id}/questions", web.APIDoc{
		Summary: "A category's extra questions (Open311 service attributes), in their order; no login needed",
		Tag:     "workorders", Params: idParam, Response: body}, s.apiQuestions)
	s.API("PUT /api/v1/workorder-categories/{id}/questions", web.APIDoc{
		Summary: "Replace a category's extra questions (settings.manage); audited. Field messages are named questions.<i>.<field>.",
		Tag:     "workorders", Params: idParam, Body: body, Response: body}, s.apiSetQuestions)
}

type questionsBody struct {
	Questions []workorder.Question `json:"questions"`
}

func (s *Server) apiQuestions(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "workorder.entity.category")
	if err != nil {
		return err
	}
	qs, err := s.orders.Questions(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, questionsBody{Questions: qs})
	return nil
}

func (s *Server) apiSetQuestions(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "workorder.entity.category")
	if err != nil {
		return err
	}
	var b questionsBody
	if err := web.DecodeJSON(r, &b); err != nil {
		return err
	}
	qs, err := s.orders.SetQuestions(r.Context(), web.Principal(r), id, b.Questions)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, questionsBody{Questions: qs})
	return nil
}

// ---- the editor ----

// questionsData is the editor page: one row per question and blank rows
// to add more.
type questionsData struct {
	Category  workorder.Category
	Name      string
	Rows      []int
	Datatypes []web.Option
}

// blankQuestionRows is how many empty rows the editor offers for new questions.
const blankQuestionRows = 2

func (s *Server) questionsView(w http.ResponseWriter, r *http.Request) (*web.View, *questionsData, error) {
	if err := auth.Require(web.Principal(r), auth.PermSettingsManage); err != nil {
		return nil, nil, err
	}
	id, err := web.PathID(r, "id", "workorder.entity.category")
	if err != nil {
		return nil, nil, err
	}
	cat, err := s.orders.Category(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	if cat.IsGroup() {
		return nil, nil, errs.NotFoundf("workorder.entity.category")
	}
	v := s.View(w, r, "questions.title")
	d := &questionsData{Category: cat, Name: v.Name(cat.Name, cat.NameEN)}
	for _, dt := range workorder.Datatypes {
		d.Datatypes = append(d.Datatypes, web.Option{Value: string(dt), Label: v.T(dt.Key())})
	}
	v.Data = d
	return v, d, nil
}

func (s *Server) questionsPage(w http.ResponseWriter, r *http.Request) error {
	v, d, err := s.questionsView(w, r)
	if err != nil {
		return err
	}
	qs, err := s.orders.Questions(r.Context(), d.Category.ID)
	if err != nil {
		return err
	}
	v.Form = questionsForm(qs)
	d.Rows = rows(len(qs) + blankQuestionRows)
	s.Render(w, r, http.StatusOK, "wo_questions", v)
	return nil
}

func rows(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// questionsForm fills the editor's fields from stored questions.
func questionsForm(qs []workorder.Question) url.Values {
	vals := url.Values{}
	for i, q := range qs {
		f := func(n string) string { return workorder.QuestionField(i, n) }
		vals.Set(f("code"), q.Code)
		vals.Set(f("description"), q.Description)
		vals.Set(f("description_en"), q.DescriptionEN)
		vals.Set(f("datatype"), string(q.Datatype))
		vals.Set(f("datatype_description"), q.DatatypeDescription)
		vals.Set(f("order"), strconv.Itoa(q.Order))
		if q.Required {
			vals.Set(f("required"), "1")
		}
		if !q.Variable {
			vals.Set(f("info"), "1")
		}
		var lines []string
		for _, v := range q.Values {
			lines = append(lines, strings.TrimRight(v.Key+" | "+v.Name+" | "+v.NameEN, " |"))
		}
		vals.Set(f("values"), strings.Join(lines, "\n"))
	}
	return vals
}

// questionsFromForm reads the editor's rows: rows marked for removal and
// blank rows are left out. rowOf maps each question back to its row, so
// that the service's messages land on the right inputs.
func questionsFromForm(vals url.Values, fe *errs.Fields) (qs []workorder.Question, rowOf []int, count int) {
	count, _ = strconv.Atoi(vals.Get("count"))
	count = max(0, min(count, workorder.MaxQuestions+blankQuestionRows+10))
	qs = []workorder.Question{}
	for i := 0; i < count; i++ {
		f := func(n string) string { return workorder.QuestionField(i, n) }
		g := func(n string) string { return strings.TrimSpace(vals.Get(f(n))) }
		if web.FormBool(vals, f("remove")) {
			continue
		}
		if g("code") == "" && g("description") == "" && g("description_en") == "" && g("values") == "" &&
			g("datatype_description") == "" {
			continue
		}
		order := (i + 1) * 10
		if o := g("order"); o != "" {
			n, err := strconv.Atoi(o)
			if err != nil {
				fe.Add(f("order"), "field.bad_number")
			}
			order = n
		}
		q := workorder.Question{Code: g("code"), Variable: !web.FormBool(vals, f("info")), Datatype: workorder.Datatype(g("datatype")),
			Required: web.FormBool(vals, f("required")), DatatypeDescription: g("datatype_description"), Order: order,
			Description: g("description"), DescriptionEN: g("description_en"), Values: []workorder.QuestionValue{}}
		for _, line := range strings.Split(vals.Get(f("values")), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			parts := strings.SplitN(line, "|", 3)
			v := workorder.QuestionValue{Key: strings.TrimSpace(parts[0])}
			if len(parts) > 1 {
				v.Name = strings.TrimSpace(parts[1])
			}
			if len(parts) > 2 {
				v.NameEN = strings.TrimSpace(parts[2])
			}
			q.Values = append(q.Values, v)
		}
		qs = append(qs, q)
		rowOf = append(rowOf, i)
	}
	return qs, rowOf, count
}

// renameQuestionFields moves the service's messages questions.<i>.x to
// the editor's row of question i.
func renameQuestionFields(err error, rowOf []int) error {
	return mapFieldErrors(err, func(k string) string {
		if rest, ok := strings.CutPrefix(k, "questions."); ok {
			if n, field, ok := strings.Cut(rest, "."); ok {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(rowOf) {
					return workorder.QuestionField(rowOf[i], field)
				}
			}
		}
		return k
	})
}

func (s *Server) questionsSave(w http.ResponseWriter, r *http.Request) error {
	v, d, err := s.questionsView(w, r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	qs, rowOf, count := questionsFromForm(r.PostForm, &fe)
	err = fe.Err()
	if err == nil {
		_, err = s.orders.SetQuestions(r.Context(), web.Principal(r), d.Category.ID, qs)
		err = renameQuestionFields(err, rowOf)
	}
	if err != nil {
		d.Rows = rows(count)
		r.PostForm.Del("csrf")
		return s.FormFailed(w, r, "wo_questions", v, err)
	}
	return s.Redirect(w, r, "/categories/"+web.I64s(d.Category.ID)+"/questions", "questions.flash.saved")
}

// ---- the questions on the report and intake forms ----

// questionBlock is the questions of one category on a form; Key is what
// the category select sends for it (code or id).
type questionBlock struct {
	Key, Name string
	Questions []questionInput
}

// questionInput is one question as a form input: named
// answer.<key>.<code> so that each category's answers stay apart.
type questionInput struct {
	Name, Label, Hint string
	Datatype          string
	Required, Info    bool
	Choices           []web.Option
}

// answerPrefix is the start of the names of a category's answer inputs.
func answerPrefix(key string) string { return "answer." + key + "." }

// questionBlocks lists the questions of the categories on a form, keyed
// by keyOf (the select's value for the category).
func (s *Server) questionBlocks(ctx context.Context, v *web.View, cats []workorder.Category, keyOf func(workorder.Category) string) ([]questionBlock, error) {
	all, err := s.orders.AllQuestions(ctx)
	if err != nil {
		return nil, err
	}
	var out []questionBlock
	for _, c := range cats {
		qs := all[c.ID]
		if c.IsGroup() || len(qs) == 0 {
			continue
		}
		b := questionBlock{Key: keyOf(c), Name: v.Name(c.Name, c.NameEN)}
		for _, q := range qs {
			in := questionInput{Name: answerPrefix(b.Key) + q.Code, Label: q.LocalDescription(string(v.Lang)),
				Hint: q.DatatypeDescription, Datatype: string(q.Datatype), Required: q.Required, Info: !q.Variable}
			if q.Datatype == workorder.TypeDatetime && in.Hint == "" {
				in.Hint = v.T("questions.hint.datetime")
			}
			for _, val := range q.Values {
				in.Choices = append(in.Choices, web.Option{Value: val.Key, Label: val.LocalName(string(v.Lang))})
			}
			b.Questions = append(b.Questions, in)
		}
		out = append(out, b)
	}
	return out, nil
}

// answersFromForm takes the answers of the chosen category (key) only:
// answer.<key>.<code>, one value or several.
func answersFromForm(vals url.Values, key string) workorder.Answers {
	out := workorder.Answers{}
	if key == "" {
		return out
	}
	prefix := answerPrefix(key)
	for k, vs := range vals {
		if code, ok := strings.CutPrefix(k, prefix); ok {
			out[code] = vs
		}
	}
	return out
}

// answerFieldsToForm renames the service's answer messages
// (attribute[code]) to the form's inputs of the chosen category.
func answerFieldsToForm(err error, key string) error {
	return mapFieldErrors(err, func(k string) string {
		if code, ok := strings.CutPrefix(k, "attribute["); ok {
			return answerPrefix(key) + strings.TrimSuffix(code, "]")
		}
		return k
	})
}
