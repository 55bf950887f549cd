package inspectionweb_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/inspection"
)

func TestQuestionnaireAnswersFromAUnitsAreaFeedItsEvaluationAndThePublicLinkIsThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		office := principal(t, e, "dispatcher")
		q := inspection.QuarterOf(e.Clock.Now())
		var id int64
		var token string
		e.App.DB.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "", "SELECT id, token FROM inspection_surveys WHERE quarter = ?", []any{q.String()}, &id, &token)
		})
		if id == 0 {
			t.Fatal("the demo has no survey this quarter")
		}
		// A street's questionnaire counts are the answers from its region.
		var unit int64
		street := func() inspection.EvalRow {
			ev, err := e.App.Inspection.Evaluation(ctx, office, q.String())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ev.Rows {
				if r.Type == inspection.EvalStreet && r.Rank > 0 && (unit == 0 || r.UnitID == unit) {
					unit = r.UnitID
					return r
				}
			}
			t.Fatal("no ranked street")
			return inspection.EvalRow{}
		}
		before := street()
		region := e.Count(t, "SELECT region_id FROM units WHERE id = ?", before.UnitID)
		count := func(answers string) int64 {
			return e.Count(t, `SELECT COUNT(*) FROM inspection_survey_answers a JOIN inspection_survey_responses r ON r.id = a.response_id
				JOIN inspection_surveys v ON v.id = r.survey_id JOIN regions rr ON rr.id = r.region_id
				WHERE v.quarter = ? AND a.answer IN (`+answers+`) AND rr.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'`, q.String(), region)
		}
		if in := before.Inputs; in.QuestAnswered != count("'satisfied', 'basic', 'dissatisfied'") || in.QuestPositive != count("'satisfied', 'basic'") || in.QuestAnswered == 0 {
			t.Fatalf("street %s: questionnaire %d of %d", before.UnitName, in.QuestPositive, in.QuestAnswered)
		}
		want := inspection.EvalSchemes[inspection.EvalStreet].Score(inspection.EvalSubject(inspection.EvalStreet, "x", before.Inputs, nil))
		if want.ByCrit[inspection.CritQuestionnaire] != before.Criteria[inspection.CritQuestionnaire] {
			t.Fatalf("questionnaire points %s, want %s", before.Criteria[inspection.CritQuestionnaire], want.ByCrit[inspection.CritQuestionnaire])
		}
		x, err := e.App.Inspection.GetSurvey(ctx, office, id)
		if err != nil || len(x.Questions) != 5 {
			t.Fatalf("survey %+v %v", x, err)
		}
		link := "/public/surveys/" + token
		anon := e.Anonymous(t)
		apptest.Want(t, "public form", anon.Get(link), http.StatusOK, `id="survey-form"`, x.Questions[0].Text)
		answers := func(a string) url.Values {
			v := url.Values{"region_id": {idStr(region)}}
			for _, qq := range x.Questions {
				v.Set("q_"+idStr(qq.ID), a)
			}
			return v
		}
		missing := answers("dissatisfied")
		missing.Del("q_" + idStr(x.Questions[0].ID))
		missing.Set("key", "k-survey-missing-0001")
		apptest.Want(t, "a question unanswered", anon.PostForm(link, missing), http.StatusBadRequest, "请回答第 1 题。")
		en := e.Anonymous(t)
		en.Lang = "en"
		apptest.Want(t, "in English", en.PostForm(link, missing), http.StatusBadRequest, "Answer question 1.")
		noRegion := answers("satisfied")
		noRegion.Del("region_id")
		noRegion.Set("key", "k-survey-noregion-01")
		apptest.Want(t, "no region", anon.PostForm(link, noRegion), http.StatusBadRequest, "受访者所在区域", "必填。")
		responses := e.Count(t, "SELECT COUNT(*) FROM inspection_survey_responses WHERE survey_id = ?", id)
		// Five dissatisfied residents from the street; a re-send counts once.
		for i := range inspection.SurveyLimit {
			v := answers("dissatisfied")
			v.Set("key", "k-survey-public-000"+idStr(int64(i)))
			apptest.Want(t, "answer", anon.PostForm(link, v), http.StatusSeeOther)
			if i == 0 {
				apptest.Want(t, "re-send", anon.PostForm(link, v), http.StatusSeeOther)
			}
		}
		v := answers("dissatisfied")
		v.Set("key", "k-survey-public-overlimit")
		apptest.Want(t, "throttled", anon.PostForm(link, v), http.StatusTooManyRequests, "每 60 分钟最多提交 5 份问卷")
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_survey_responses WHERE survey_id = ?", id); n != responses+int64(inspection.SurveyLimit) {
			t.Fatalf("%d responses added, want %d", n-responses, inspection.SurveyLimit)
		}
		// An inspector fills one in on the phone.
		insp := e.Login(t, "inspector")
		v = answers("satisfied")
		v.Set("key", "k-survey-inspector-01")
		apptest.Want(t, "inspector", insp.PostForm("/inspection/surveys/"+idStr(id)+"/responses", v), http.StatusSeeOther)
		if n := e.Count(t, "SELECT COUNT(*) FROM inspection_survey_responses WHERE survey_id = ? AND channel = 'inspector' AND client_key = 'k-survey-inspector-01'", id); n != 1 {
			t.Fatalf("inspector's response: %d", n)
		}
		after := street()
		nq := int64(len(x.Questions))
		if after.Inputs.QuestAnswered != before.Inputs.QuestAnswered+6*nq || after.Inputs.QuestPositive != before.Inputs.QuestPositive+nq ||
			after.Criteria[inspection.CritQuestionnaire] >= before.Criteria[inspection.CritQuestionnaire] {
			t.Fatalf("after: %d of %d (%s), before %d of %d (%s)", after.Inputs.QuestPositive, after.Inputs.QuestAnswered, after.Criteria[inspection.CritQuestionnaire],
				before.Inputs.QuestPositive, before.Inputs.QuestAnswered, before.Criteria[inspection.CritQuestionnaire])
		}
		c := e.Login(t, "dispatcher")
		apptest.Want(t, "survey page", c.Get("/inspection/surveys/"+idStr(id)), http.StatusOK, `id="survey-regions"`, `id="survey-link"`)
		apptest.Want(t, "no questions", c.PostForm("/inspection/surveys", url.Values{"title": {"x"}, "quarter": {q.String()}}), http.StatusBadRequest, "问题", "必填。")
		apptest.Want(t, "an inspector cannot create", insp.PostForm("/inspection/surveys", url.Values{"title": {"x"}, "quarter": {q.String()}, "questions": {"q"}}), http.StatusForbidden)
		apptest.Want(t, "close", c.PostForm("/inspection/surveys/"+idStr(id)+"/close", url.Values{}), http.StatusSeeOther)
		apptest.Want(t, "closed link", e.Anonymous(t).Get(link), http.StatusConflict, "该问卷已结束")
		apptest.Want(t, "bad link", e.Anonymous(t).Get("/public/surveys/nope"), http.StatusNotFound)
		if !strings.Contains(c.Get("/inspection/evaluations/"+q.String()+"/units/"+idStr(after.UnitID)).Body, "问卷满意率") {
			t.Fatal("the trace lacks the questionnaire")
		}
	})
}
