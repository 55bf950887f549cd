package ratingweb

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/figures"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/web"
)

// criterionRows is how many criterion lines the template form offers.
const criterionRows = 8

type templateListData struct {
	Templates []rating.Template
	CanManage bool
}

func (s *Server) templateList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return err
	}
	return s.Show(w, r, "rating_templates", func() (*web.View, error) {
		ts, err := s.rating.Templates(r.Context(), p)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "rating.templates.title")
		v.Data = &templateListData{Templates: ts, CanManage: p.Can(auth.PermAppraisalManage)}
		return v, nil
	})
}

type templateFormData struct {
	Rows    []int
	Kinds   []web.Option
	Methods []web.Option
	Figures []web.Option
	Missing []web.Option
	Ties    []web.Option
	Units   []web.Option
}

func (s *Server) templateFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.templates.new")
	d := &templateFormData{}
	for i := range criterionRows {
		d.Rows = append(d.Rows, i)
	}
	for _, k := range rating.Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: string(k), Label: v.T(k.Key())})
	}
	for _, m := range scoring.Methods {
		d.Methods = append(d.Methods, web.Option{Value: string(m), Label: v.T("rating.method." + string(m))})
	}
	for _, f := range figures.All() {
		d.Figures = append(d.Figures, web.Option{Value: f.ID, Label: v.T(f.LabelKey)})
	}
	for _, m := range scoring.MissingRules {
		d.Missing = append(d.Missing, web.Option{Value: string(m), Label: v.T("rating.missing." + string(m))})
	}
	for _, t := range []scoring.Tie{scoring.TieShared, scoring.TieCode} {
		d.Ties = append(d.Ties, web.Option{Value: string(t), Label: v.T("rating.tie." + string(t))})
	}
	if p.UnitID != 0 {
		d.Units = append(d.Units, web.Option{Value: web.I64s(p.UnitID), Label: p.UnitName})
	}
	if r.Method == http.MethodGet {
		v.Form = url.Values{"w.leader": {"50"}, "w.peer": {"30"}, "w.office": {"20"}, "missing": {"renormalise"}, "tie_then": {"code"},
			"min": {"1"}, "max": {"5"}, "top_percent": {"10"}, "top_stars": {"4"}, "middle_min": {"150"}, "middle_stars": {"3"}, "bottom_stars": {"2"},
			"up_rounds": {"2"}, "down_rounds": {"1"}, "unit_id": {web.I64s(p.UnitID)}}
	}
	v.Data = d
	return v, nil
}

func (s *Server) templateNew(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "rating_template_form", func() (*web.View, error) { return s.templateFormView(w, r) })
}

// templateEdit is the form filled from a template: saving it makes the
// template's next version (rounds keep the version they were made with).
func (s *Server) templateEdit(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", "entity.template")
	if err != nil {
		return err
	}
	t, err := s.rating.GetTemplate(r.Context(), p, id)
	if err != nil {
		return err
	}
	return s.Show(w, r, "rating_template_form", func() (*web.View, error) {
		v, err := s.templateFormView(w, r)
		if err != nil {
			return nil, err
		}
		v.Title = v.T("rating.templates.edit") + " · " + t.Name + " · v" + strconv.Itoa(t.Version)
		v.Form = templateValues(t)
		if t.UnitID != 0 && !slices.ContainsFunc(v.Data.(*templateFormData).Units, func(o web.Option) bool { return o.Value == web.I64s(t.UnitID) }) {
			d := v.Data.(*templateFormData)
			d.Units = append(d.Units, web.Option{Value: web.I64s(t.UnitID), Label: v.Name(t.UnitName, t.UnitEN)})
		}
		return v, nil
	})
}

// templateValues is a template as the form's values (the form's shape: a
// top band by rank, a middle band by score, a bottom band, one move up
// from the top and one down from the bottom).
func templateValues(t rating.Template) url.Values {
	v := url.Values{"unit_id": {web.I64s(t.UnitID)}, "kind": {string(t.Kind)}, "job_type": {t.JobType}, "name": {t.Name},
		"missing": {string(t.Scheme.Missing)}, "tie_criteria": {strings.Join(t.Scheme.TieBreak.Criteria, ", ")}, "tie_then": {string(t.Scheme.TieBreak.Then)},
		"min": {strconv.Itoa(t.Ladder.Min)}, "max": {strconv.Itoa(t.Ladder.Max)}}
	for i, c := range t.Scheme.Criteria {
		if i >= criterionRows {
			break
		}
		pre := fmt.Sprintf("c.%d.", i)
		v.Set(pre+"code", c.Code)
		v.Set(pre+"name", c.Name)
		v.Set(pre+"name_en", c.NameEN)
		v.Set(pre+"points", c.Points.String())
		v.Set(pre+"method", string(c.Method))
		v.Set(pre+"figure", c.Figure)
		if c.PerCount != 0 {
			v.Set(pre+"per_count", c.PerCount.String())
		}
		if c.Evidence {
			v.Set(pre+"evidence", "1")
		}
	}
	for _, w := range t.Scheme.Weights {
		v.Set("w."+w.Kind, strconv.FormatInt(w.Weight, 10))
	}
	for _, b := range t.Ladder.Bands {
		switch b.Code {
		case "top":
			v.Set("top_percent", strconv.FormatInt(b.TopPercent, 10))
			v.Set("top_stars", strconv.Itoa(b.Stars))
		case "middle":
			v.Set("middle_min", b.MinScore.String())
			v.Set("middle_stars", strconv.Itoa(b.Stars))
		case "bottom":
			v.Set("bottom_stars", strconv.Itoa(b.Stars))
		}
	}
	for _, m := range t.Ladder.Moves {
		switch {
		case m.Band == "top" && m.Delta > 0:
			v.Set("up_rounds", strconv.Itoa(m.Rounds))
		case m.Band == "bottom" && m.Delta < 0:
			v.Set("down_rounds", strconv.Itoa(m.Rounds))
		}
	}
	return v
}

func atoi(fe *errs.Fields, vals url.Values, field string) int {
	raw := strings.TrimSpace(vals.Get(field))
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		fe.Add(field, "field.bad_number")
	}
	return n
}

// templateInput reads the template form.
func templateInput(fe *errs.Fields, vals url.Values) rating.TemplateInput {
	in := rating.TemplateInput{UnitID: web.FormInt64(fe, vals, "unit_id"), Kind: rating.Kind(vals.Get("kind")), JobType: vals.Get("job_type"), Name: vals.Get("name")}
	sc := &in.Scheme
	for i := range criterionRows {
		pre := fmt.Sprintf("c.%d.", i)
		code := strings.TrimSpace(vals.Get(pre + "code"))
		if code == "" && strings.TrimSpace(vals.Get(pre+"name")) == "" && strings.TrimSpace(vals.Get(pre+"points")) == "" {
			continue
		}
		pts, _ := points(fe, vals, pre+"points", true)
		per, _ := points(fe, vals, pre+"per_count", false)
		sc.Criteria = append(sc.Criteria, scoring.Criterion{Code: code, Name: strings.TrimSpace(vals.Get(pre + "name")), NameEN: strings.TrimSpace(vals.Get(pre + "name_en")), Points: pts,
			Method: scoring.Method(vals.Get(pre + "method")), Figure: vals.Get(pre + "figure"), PerCount: per, Evidence: vals.Get(pre+"evidence") == "1"})
	}
	for _, k := range rating.ScorerKinds {
		if n := atoi(fe, vals, "w."+k); n != 0 {
			sc.Weights = append(sc.Weights, scoring.ScorerWeight{Kind: k, Weight: int64(n)})
		}
	}
	sc.Missing = scoring.Missing(vals.Get("missing"))
	for _, c := range strings.FieldsFunc(vals.Get("tie_criteria"), func(r rune) bool { return r == ',' || r == '，' || r == ' ' }) {
		sc.TieBreak.Criteria = append(sc.TieBreak.Criteria, c)
	}
	sc.TieBreak.Then = scoring.Tie(vals.Get("tie_then"))
	mid, _ := points(fe, vals, "middle_min", true)
	in.Ladder = scoring.Ladder{Min: atoi(fe, vals, "min"), Max: atoi(fe, vals, "max"),
		Bands: []scoring.Band{
			{Code: "top", TopPercent: int64(atoi(fe, vals, "top_percent")), Stars: atoi(fe, vals, "top_stars")},
			{Code: "middle", MinScore: mid, Stars: atoi(fe, vals, "middle_stars")},
			{Code: "bottom", Stars: atoi(fe, vals, "bottom_stars")},
		},
		Moves: []scoring.Move{{Band: "top", Rounds: atoi(fe, vals, "up_rounds"), Delta: 1}, {Band: "bottom", Rounds: atoi(fe, vals, "down_rounds"), Delta: -1}},
	}
	return in
}

func (s *Server) templateCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	return s.Submit(w, r, "rating_template_form", "flash.created", func() (*web.View, error) { return s.templateFormView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := templateInput(fe, vals)
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.rating.SaveTemplate(r.Context(), p, in)
			return "/ratings/templates", err
		})
}
