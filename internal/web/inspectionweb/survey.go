package inspectionweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/web"
)

// The questionnaire (问卷调查): the office's list and form, a survey's
// page (its rates by question and district, its public link, the
// inspectors' phone form) and the public form behind the link.

func (s *Server) surveyRoutes() {
	s.Page("GET /inspection/surveys", s.surveyList)
	s.Page("POST /inspection/surveys", s.surveyCreate)
	s.Page("GET /inspection/surveys/{id}", s.surveyShow)
	s.Page("POST /inspection/surveys/{id}/responses", s.surveyRespond)
	s.Page("POST /inspection/surveys/{id}/close", s.surveyClose)
	s.PublicPage("GET /public/surveys/{token}", s.publicSurvey)
	s.PublicPage("POST /public/surveys/{token}", s.publicSurveyRespond)
	s.PublicPage("GET /public/surveys/{token}/thanks", s.publicSurveyThanks)
}

type surveyListData struct {
	Surveys   []inspection.Survey
	CanManage bool
	Quarter   string
}

func (s *Server) surveyListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	list, err := s.insp.Surveys(r.Context(), p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.survey.title")
	v.Data = &surveyListData{Surveys: list, CanManage: p.Can(auth.PermInspectionManage), Quarter: inspection.QuarterOf(s.Now()).String()}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) surveyList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_survey_list", func() (*web.View, error) { return s.surveyListView(w, r) })
}

func (s *Server) surveyCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, err := s.insp.CreateSurvey(r.Context(), web.Principal(r), inspection.SurveyInput{Quarter: r.PostForm.Get("quarter"),
		Title: r.PostForm.Get("title"), Questions: r.PostForm.Get("questions")})
	if err == nil {
		return s.Redirect(w, r, "/inspection/surveys/"+web.I64s(id), "inspweb.flash.survey_created")
	}
	v, verr := s.surveyListView(w, r)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_survey_list", v, err)
}

type surveyData struct {
	S         inspection.Survey
	Link      string
	Public    bool
	CanManage bool
	CanFill   bool
	Answers   []web.Option
	Regions   []web.Choice
	Key       string
}

// surveyForm fills what the answer form needs.
func (s *Server) surveyForm(r *http.Request, v *web.View, d *surveyData) error {
	for _, a := range inspection.Answers {
		d.Answers = append(d.Answers, web.Option{Value: string(a), Label: v.T(a.Key())})
	}
	regions, err := s.org.RegionOptions(r.Context(), cityNames)
	if err != nil {
		return err
	}
	d.Regions = web.TreeChoices(v, regions)
	d.Key = newKey()
	return nil
}

func (s *Server) surveyView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, error) {
	p := web.Principal(r)
	x, err := s.insp.GetSurvey(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.survey.show")
	v.Title += " · " + x.Title + " · " + x.Quarter
	d := &surveyData{S: x, Link: "/public/surveys/" + x.Token, CanManage: p.Can(auth.PermInspectionManage), CanFill: p.Can(auth.PermInspect) && x.State == "open"}
	if d.CanFill {
		if err := s.surveyForm(r, v, d); err != nil {
			return nil, err
		}
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) surveyShow(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.survey")
	if err != nil {
		return err
	}
	return s.Show(w, r, "insp_survey", func() (*web.View, error) { return s.surveyView(w, r, id) })
}

// responseOf reads an answer form.
func responseOf(vals url.Values, x inspection.Survey, fe *errs.Fields) inspection.ResponseInput {
	in := inspection.ResponseInput{Key: vals.Get("key"), Answers: map[int64]inspection.Answer{}}
	if vals.Get("region_id") != "" {
		in.RegionID = web.FormInt64(fe, vals, "region_id")
	}
	for _, q := range x.Questions {
		if a := vals.Get("q_" + strconv.FormatInt(q.ID, 10)); a != "" {
			in.Answers[q.ID] = inspection.Answer(a)
		}
	}
	return in
}

func (s *Server) surveyRespond(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.survey")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	p := web.Principal(r)
	x, err := s.insp.GetSurvey(r.Context(), p, id)
	if err != nil {
		return err
	}
	var fe errs.Fields
	in := responseOf(r.PostForm, x, &fe)
	err = fe.Err()
	if err == nil {
		_, err = s.insp.Respond(r.Context(), p, "", id, in)
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/surveys/"+web.I64s(id), "inspweb.flash.survey_answered")
	}
	v, verr := s.surveyView(w, r, id)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_survey", v, err)
}

func (s *Server) surveyClose(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "inspection.entity.survey")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	err = s.insp.CloseSurvey(r.Context(), web.Principal(r), id)
	if err == nil {
		return s.Redirect(w, r, "/inspection/surveys/"+web.I64s(id), "inspweb.flash.survey_closed")
	}
	v, verr := s.surveyView(w, r, id)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_survey", v, err)
}

func (s *Server) publicSurveyView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	x, err := s.insp.PublicSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "inspweb.survey.public")
	v.Title += " · " + x.Title
	d := &surveyData{S: x, Public: true, CanFill: true, Link: "/public/surveys/" + x.Token}
	if err := s.surveyForm(r, v, d); err != nil {
		return nil, err
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	return v, nil
}

func (s *Server) publicSurvey(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_survey_public", func() (*web.View, error) { return s.publicSurveyView(w, r) })
}

func (s *Server) publicSurveyRespond(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	x, err := s.insp.PublicSurvey(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	var fe errs.Fields
	in := responseOf(r.PostForm, x, &fe)
	err = fe.Err()
	if err == nil {
		_, err = s.insp.Respond(r.Context(), nil, web.ClientIP(r), x.ID, in)
	}
	if err == nil {
		http.Redirect(w, r, "/public/surveys/"+x.Token+"/thanks", http.StatusSeeOther)
		return nil
	}
	v, verr := s.publicSurveyView(w, r)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_survey_public", v, err)
}

func (s *Server) publicSurveyThanks(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_survey_thanks", func() (*web.View, error) {
		if _, err := s.insp.PublicSurvey(r.Context(), r.PathValue("token")); err != nil {
			return nil, err
		}
		return s.View(w, r, "inspweb.survey.thanks"), nil
	})
}
