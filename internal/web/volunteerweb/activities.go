package volunteerweb

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) activityRoutes() {
	s.Page("GET /projects", s.projectsPage)
	s.Page("POST /projects", s.projectCreate)
	s.Page("GET /projects/{id}", s.projectPage)
	s.Page("POST /projects/{id}/generate", s.projectGenerate)
	s.Page("GET /activities", s.activitiesPage)
	s.Page("GET /activities/new", s.activityNew)
	s.Page("POST /activities", s.activityCreate)
	s.Page("GET /activities/{id}", s.activityPage)
	s.Page("POST /activities/{id}/signups", s.signUpFor)
	s.Page("POST /activities/{id}/signups/{sid}/confirm", s.decide(true))
	s.Page("POST /activities/{id}/signups/{sid}/decline", s.decide(false))

	s.Page("GET /my/activities", s.myActivities)
	s.Page("GET /my/activities/{id}", s.myActivity)
	s.Page("POST /my/activities/{id}/signup", s.mySignUp)
	s.Page("POST /my/activities/{id}/cancel", s.myCancel)
}

type projectsData struct {
	Rows    []volunteer.Project
	Regions []web.Option
	Teams   []web.Option
}

func (s *Server) teamChoices(r *http.Request, v *web.View) ([]web.Option, error) {
	teams, err := s.vol.Teams(r.Context(), web.Principal(r), "")
	if err != nil {
		return nil, err
	}
	out := make([]web.Option, len(teams))
	for i, t := range teams {
		out[i] = web.Option{Value: strconv.FormatInt(t.ID, 10), Label: v.Name(t.Name, t.NameEN)}
	}
	return out, nil
}

func (s *Server) projectsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	rows, err := s.vol.Projects(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.projects.title")
	d := &projectsData{Rows: rows}
	if d.Regions, err = s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity); err != nil {
		return nil, err
	}
	if d.Teams, err = s.teamChoices(r, v); err != nil {
		return nil, err
	}
	v.Data = d
	return v, nil
}

func (s *Server) projectsPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_projects", func() (*web.View, error) { return s.projectsView(w, r) })
}

func optID(fe *errs.Fields, vals url.Values, field string) int64 {
	if vals.Get(field) == "" {
		return 0
	}
	return web.FormInt64(fe, vals, field)
}

func (s *Server) projectCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_projects", "flash.created", func() (*web.View, error) { return s.projectsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.ProjectInput{Name: vals.Get("name"), Intro: vals.Get("intro"), RegionID: optID(fe, vals, "region_id"), TeamID: optID(fe, vals, "team_id")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.vol.CreateProject(r.Context(), web.Principal(r), in)
			return "/projects", err
		})
}

type activitiesData struct {
	Rows  []volunteer.Activity
	Pager web.Pager
}

func (s *Server) activitiesPage(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	v := s.View(w, r, "vol.activities.title")
	v.Form = r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := volunteer.ActivityFilter{Q: lq.Q, Page: lq.Page, Size: lq.Size}
	if t := web.ParseDay(&fe, "from", v.Form.Get("from")); t != nil {
		f.From = v.Form.Get("from")
	}
	if t := web.ParseDay(&fe, "to", v.Form.Get("to")); t != nil {
		f.To = v.Form.Get("to")
	}
	d := &activitiesData{}
	v.Data = d
	if err := fe.Err(); err != nil {
		d.Pager = web.NewPager(r, lq, 0)
		return s.FormFailed(w, r, "vol_activities", v, err)
	}
	rows, total, err := s.vol.Activities(r.Context(), p, f)
	if err != nil {
		return err
	}
	d.Rows, d.Pager = rows, web.NewPager(r, lq, total)
	s.Render(w, r, http.StatusOK, "vol_activities", v)
	return nil
}

type activityFormData struct {
	Projects, Teams, Regions, Places, Skills, Modes, Pairings []web.Option
}

func (s *Server) activityFormView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "vol.activities.new")
	d := &activityFormData{Skills: options(v.Lang, "volunteer.skill.", volunteer.Skills), Modes: options(v.Lang, "volunteer.mode.", strs(volunteer.Modes))}
	projects, err := s.vol.Projects(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, pj := range projects {
		d.Projects = append(d.Projects, web.Option{Value: strconv.FormatInt(pj.ID, 10), Label: v.Name(pj.Name, pj.NameEN)})
	}
	if d.Teams, err = s.teamChoices(r, v); err != nil {
		return nil, err
	}
	if d.Regions, err = s.regionChoices(r, v, org.LevelDistrict, org.LevelStreet, org.LevelCommunity); err != nil {
		return nil, err
	}
	if d.Pairings, err = s.pairingChoices(r, v); err != nil {
		return nil, err
	}
	stations, err := s.vol.Stations(r.Context(), p)
	if err != nil {
		return nil, err
	}
	for _, st := range stations {
		x, err := s.vol.Station(r.Context(), p, st.ID)
		if err != nil {
			return nil, err
		}
		for _, pl := range x.Places {
			d.Places = append(d.Places, web.Option{Value: strconv.FormatInt(pl.ID, 10), Label: v.Name(st.Name, st.NameEN) + " · " + pl.Name})
		}
	}
	v.Data = d
	if v.Form == nil {
		v.Form = url.Values{}
	}
	for k, def := range map[string]string{"mode": "instant", "capacity": "20", "cancel_hours": "2", "start": "09:00", "end": "11:00"} {
		if v.Form.Get(k) == "" {
			v.Form.Set(k, def)
		}
	}
	return v, nil
}

func (s *Server) activityNew(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Show(w, r, "vol_activity_form", func() (*web.View, error) { return s.activityFormView(w, r) })
}

func formInt(fe *errs.Fields, vals url.Values, field string) int {
	if vals.Get(field) == "" {
		return 0
	}
	n, err := strconv.Atoi(vals.Get(field))
	if err != nil {
		fe.Add(field, "field.bad_number")
	}
	return n
}

func (s *Server) activityCreate(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermVolunteerOrg); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_activity_form", "flash.created", func() (*web.View, error) { return s.activityFormView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := volunteer.ActivityInput{ProjectID: optID(fe, vals, "project_id"), TeamID: optID(fe, vals, "team_id"),
				RegionID: optID(fe, vals, "region_id"), PlaceID: optID(fe, vals, "place_id"), Title: vals.Get("title"),
				Content: vals.Get("content"), Address: vals.Get("address"), Day: vals.Get("day"), Start: vals.Get("start"), End: vals.Get("end"),
				Capacity: formInt(fe, vals, "capacity"), Skills: vals["skills"], MinAge: formInt(fe, vals, "min_age"), Mode: vals.Get("mode"),
				Deadline: vals.Get("signup_deadline"), CancelHours: formInt(fe, vals, "cancel_hours"), PairingID: optID(fe, vals, "pairing_id")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			id, err := s.vol.CreateActivity(r.Context(), web.Principal(r), in)
			return "/activities/" + strconv.FormatInt(id, 10), err
		})
}

type activityData struct {
	A       volunteer.Activity
	Signups []volunteer.Signup
}

func (s *Server) activityView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.activity")
	if err != nil {
		return nil, err
	}
	a, sg, err := s.vol.Activity(r.Context(), web.Principal(r), id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.activity.title")
	v.Data = &activityData{A: a, Signups: sg}
	return v, nil
}

func (s *Server) activityPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_activity", func() (*web.View, error) { return s.activityView(w, r) })
}

func (s *Server) signUpFor(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.activityView(w, r); err != nil {
		return err
	}
	return s.Submit(w, r, "vol_activity", "vol.flash.signed_up", func() (*web.View, error) { return s.activityView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			id, _ := web.PathID(r, "id", "entity.activity")
			_, err := s.vol.SignUpFor(r.Context(), web.Principal(r), id, vals.Get("number"))
			return "/activities/" + strconv.FormatInt(id, 10), err
		})
}

func (s *Server) decide(confirm bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := s.activityView(w, r); err != nil {
			return err
		}
		id, _ := web.PathID(r, "id", "entity.activity")
		sid, err := web.PathID(r, "sid", "entity.signup")
		if err != nil {
			return err
		}
		if err := web.ParseForm(r); err != nil {
			return err
		}
		if err := s.vol.Decide(r.Context(), web.Principal(r), id, sid, confirm); err != nil {
			return s.Refused(w, r, "vol_activity", func() (*web.View, error) { return s.activityView(w, r) }, err)
		}
		return s.Redirect(w, r, "/activities/"+strconv.FormatInt(id, 10), "flash.saved")
	}
}

// ---- the volunteer's phone ----

func (s *Server) myActivities(w http.ResponseWriter, r *http.Request) error {
	rows, err := s.vol.Upcoming(r.Context(), web.Principal(r))
	if err != nil {
		return err
	}
	v := s.View(w, r, "vol.my_activities.title")
	v.Data = rows
	s.Render(w, r, http.StatusOK, "vol_my_activities", v)
	return nil
}

func (s *Server) myActivityView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	id, err := web.PathID(r, "id", "entity.activity")
	if err != nil {
		return nil, err
	}
	a, err := s.vol.MyActivity(r.Context(), web.Principal(r), id)
	if err != nil {
		return nil, err
	}
	att, err := s.vol.MyAttendance(r.Context(), web.Principal(r), id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.activity.title")
	v.Data = &myActivityData{A: a, Att: att, Code: r.URL.Query().Get("code")}
	return v, nil
}

type myActivityData struct {
	A    volunteer.Activity
	Att  *volunteer.Attendance
	Code string // from a scanned QR code
}

func (s *Server) myActivity(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_my_activity", func() (*web.View, error) { return s.myActivityView(w, r) })
}

func (s *Server) myStep(w http.ResponseWriter, r *http.Request, step func(id int64) error, flash string) error {
	if _, err := s.myActivityView(w, r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, _ := web.PathID(r, "id", "entity.activity")
	if err := step(id); err != nil {
		return s.Refused(w, r, "vol_my_activity", func() (*web.View, error) { return s.myActivityView(w, r) }, err)
	}
	return s.Redirect(w, r, "/my/activities/"+strconv.FormatInt(id, 10), flash)
}

func (s *Server) mySignUp(w http.ResponseWriter, r *http.Request) error {
	return s.myStep(w, r, func(id int64) error {
		_, err := s.vol.SignUp(r.Context(), web.Principal(r), id)
		return err
	}, "vol.flash.signed_up")
}

func (s *Server) myCancel(w http.ResponseWriter, r *http.Request) error {
	return s.myStep(w, r, func(id int64) error { return s.vol.Cancel(r.Context(), web.Principal(r), id) }, "vol.flash.cancelled")
}

type projectData struct {
	P                      volunteer.Project
	Kinds, Weekdays, Modes []web.Option
	Places                 []web.Option
	Result                 *volunteer.Generated
}

func (s *Server) projectView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	pid, err := web.PathID(r, "id", "entity.project")
	if err != nil {
		return nil, err
	}
	projects, err := s.vol.Projects(r.Context(), web.Principal(r))
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(projects, func(x volunteer.Project) bool { return x.ID == pid })
	if i < 0 {
		return nil, errs.NotFoundf("entity.project")
	}
	fv, err := s.activityFormView(w, r)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "vol.project.title")
	v.Form = fv.Form
	fd := fv.Data.(*activityFormData)
	d := &projectData{P: projects[i], Kinds: options(v.Lang, "volunteer.rule.", strs(volunteer.RuleKinds)), Modes: fd.Modes, Places: fd.Places}
	for wd := range 7 {
		d.Weekdays = append(d.Weekdays, web.Option{Value: strconv.Itoa(wd), Label: v.T("vol.weekday." + strconv.Itoa(wd))})
	}
	if v.Form.Get("kind") == "" {
		v.Form.Set("kind", string(volunteer.RuleMonthDays))
		v.Form.Set("month_days", "5,15,25")
		v.Form.Set("title", projects[i].Name)
	}
	v.Data = d
	return v, nil
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "vol_project", func() (*web.View, error) { return s.projectView(w, r) })
}

func (s *Server) projectGenerate(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.projectView(w, r); err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	rule := volunteer.ParseRule(&fe, vals.Get("kind"), vals.Get("month_days"), vals["weekdays"], vals.Get("except"), web.FormBool(vals, "skip_holidays"))
	tmpl := volunteer.ActivityInput{Title: vals.Get("title"), PlaceID: optID(&fe, vals, "place_id"), Start: vals.Get("start"), End: vals.Get("end"),
		Capacity: formInt(&fe, vals, "capacity"), Mode: vals.Get("mode"), CancelHours: formInt(&fe, vals, "cancel_hours"), Content: vals.Get("content")}
	if tmpl.PlaceID == 0 {
		fe.Add("place_id", "field.required")
	}
	pid, _ := web.PathID(r, "id", "entity.project")
	var g volunteer.Generated
	err := fe.Err()
	if err == nil {
		g, err = s.vol.Generate(r.Context(), web.Principal(r), pid, rule, vals.Get("from"), vals.Get("to"), tmpl)
	}
	v, verr := s.projectView(w, r)
	if verr != nil {
		return verr
	}
	v.Form = vals
	if err != nil {
		return s.FormFailed(w, r, "vol_project", v, web.WithFields(fe, err))
	}
	v.Data.(*projectData).Result = &g
	v.Flash = v.T("vol.flash.generated", g.Created, len(g.Skipped))
	s.Render(w, r, http.StatusOK, "vol_project", v)
	return nil
}
