package ratingweb_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/rating"
)

// The office edits a template: the form comes filled from the template
// (criteria with points, scoring source and evidence, weights, the ladder's
// bands and moves), a bad edit is refused naming its field and stores
// nothing, and a good one becomes the next version while the demo's rounds
// keep the version they were scored with.
func TestATemplateIsEditedIntoItsNextVersionWithValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		ts, err := e.App.Rating.Templates(ctx, nil)
		if err != nil || len(ts) == 0 {
			t.Fatalf("templates %d %v", len(ts), err)
		}
		v1 := ts[0]
		office := e.Login(t, "appraiser")
		list := office.Get("/ratings/templates")
		if !list.Contains(fmt.Sprintf("/ratings/templates/%d/edit", v1.ID), "连续 2 轮升一星", "连续 1 轮降一星") {
			t.Fatalf("the template list lacks the edit link or the moves: %s", list.Body)
		}
		page := office.Get(fmt.Sprintf("/ratings/templates/%d/edit", v1.ID))
		if page.Status != http.StatusOK || !page.Contains(`value="安全生产"`, `value="Work safety"`, `value="60"`) {
			t.Fatalf("the edit form: %d %s", page.Status, page.Body)
		}
		form := url.Values{}
		for k, vs := range templateForm(v1) {
			form[k] = vs
		}
		form.Set("c.0.points", "六十")
		form.Set("c.1.code", "safety") // twice
		before := e.Count(t, "SELECT COUNT(*) FROM rating_templates")
		res := office.PostForm("/ratings/templates", form)
		if res.Status != http.StatusBadRequest || !res.Contains(`id="e-c.0.points"`, "请输入有效的数字。", `value="六十"`) {
			t.Fatalf("a bad edit: %d %s", res.Status, res.Body)
		}
		form.Set("c.0.points", "70")
		if res := office.PostForm("/ratings/templates", form); res.Status != http.StatusBadRequest {
			t.Fatalf("a criterion twice: %d", res.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM rating_templates") != before {
			t.Fatal("a refused edit was stored")
		}
		form.Set("c.1.code", v1.Scheme.Criteria[1].Code)
		form.Set("up_rounds", "3")
		if res := office.PostForm("/ratings/templates", form); res.Status != http.StatusSeeOther {
			t.Fatalf("edit: %d %s", res.Status, res.Body)
		}
		ts, _ = e.App.Rating.Templates(ctx, nil)
		var v2 *rating.Template
		for i := range ts {
			if ts[i].JobType == v1.JobType && ts[i].Version == v1.Version+1 {
				v2 = &ts[i]
			}
		}
		if v2 == nil || v2.Scheme.Criteria[0].Points.String() != "70" || v2.Ladder.Moves[0].Rounds != 3 || v2.Scheme.Criteria[0].NameEN != "Work safety" {
			t.Fatalf("the next version: %+v", v2)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM rating_rounds WHERE template_id = ?", v2.ID); n != 0 {
			t.Fatalf("%d rounds moved to the new version", n)
		}
		if n := e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'rating_template' AND entity_id = ?", fmt.Sprint(v2.ID)); n != 1 {
			t.Fatal("the new version is not audited")
		}
	})
}

// templateForm is the form the edit page fills, as the browser posts it.
func templateForm(t rating.Template) url.Values {
	v := url.Values{"unit_id": {fmt.Sprint(t.UnitID)}, "kind": {string(t.Kind)}, "job_type": {t.JobType}, "name": {t.Name},
		"missing": {string(t.Scheme.Missing)}, "tie_then": {string(t.Scheme.TieBreak.Then)},
		"min": {fmt.Sprint(t.Ladder.Min)}, "max": {fmt.Sprint(t.Ladder.Max)}}
	for i, c := range t.Scheme.Criteria {
		pre := fmt.Sprintf("c.%d.", i)
		v.Set(pre+"code", c.Code)
		v.Set(pre+"name", c.Name)
		v.Set(pre+"name_en", c.NameEN)
		v.Set(pre+"points", c.Points.String())
		v.Set(pre+"method", string(c.Method))
		v.Set(pre+"figure", c.Figure)
	}
	for _, w := range t.Scheme.Weights {
		v.Set("w."+w.Kind, fmt.Sprint(w.Weight))
	}
	for _, b := range t.Ladder.Bands {
		switch b.Code {
		case "top":
			v.Set("top_percent", fmt.Sprint(b.TopPercent))
			v.Set("top_stars", fmt.Sprint(b.Stars))
		case "middle":
			v.Set("middle_min", b.MinScore.String())
			v.Set("middle_stars", fmt.Sprint(b.Stars))
		case "bottom":
			v.Set("bottom_stars", fmt.Sprint(b.Stars))
		}
	}
	for _, m := range t.Ladder.Moves {
		if m.Delta > 0 {
			v.Set("up_rounds", fmt.Sprint(m.Rounds))
		} else {
			v.Set("down_rounds", fmt.Sprint(m.Rounds))
		}
	}
	v.Set("tie_criteria", "")
	for i, c := range t.Scheme.TieBreak.Criteria {
		if i > 0 {
			v.Set("tie_criteria", v.Get("tie_criteria")+",")
		}
		v.Set("tie_criteria", v.Get("tie_criteria")+c)
	}
	return v
}
