package ratingweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/web"
)

type subjectListData struct {
	Subjects  []rating.Subject
	Grades    map[string]int
	GradeList []string
	JobTypes  []web.Option
	Kinds     []web.Option
	Units     []web.Option
	CanManage bool
}

func (s *Server) subjectListView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return nil, err
	}
	ctx := r.Context()
	q := r.URL.Query()
	f := rating.SubjectFilter{JobType: strings.TrimSpace(q.Get("job_type")), Q: strings.TrimSpace(q.Get("q"))}
	if n, err := strconv.Atoi(q.Get("stars")); err == nil && n >= 1 && n <= 5 {
		f.Stars = n
	}
	subs, err := s.rating.Subjects(ctx, p, f)
	if err != nil {
		return nil, err
	}
	all, err := s.rating.Subjects(ctx, p, rating.SubjectFilter{})
	if err != nil {
		return nil, err
	}
	grades, err := s.rating.GradeCounts(ctx, p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.subjects.title")
	d := &subjectListData{Subjects: subs, Grades: grades, GradeList: rating.Grades, CanManage: p.Can(auth.PermAppraisalManage)}
	seen := map[string]bool{}
	units := map[int64]bool{}
	for _, x := range all {
		if !seen[x.JobType] {
			seen[x.JobType] = true
			d.JobTypes = append(d.JobTypes, web.Option{Value: x.JobType, Label: x.JobType})
		}
		if !units[x.UnitID] {
			units[x.UnitID] = true
			d.Units = append(d.Units, web.Option{Value: web.I64s(x.UnitID), Label: v.Name(x.UnitName, x.UnitEN)})
		}
	}
	if len(d.Units) == 0 && p.UnitID != 0 {
		d.Units = append(d.Units, web.Option{Value: web.I64s(p.UnitID), Label: p.UnitName})
	}
	for _, k := range rating.Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: string(k), Label: v.T(k.Key())})
	}
	v.Form = q
	v.Data = d
	return v, nil
}

func (s *Server) subjectList(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "rating_subjects", func() (*web.View, error) { return s.subjectListView(w, r) })
}

func (s *Server) subjectCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	return s.Submit(w, r, "rating_subjects", "flash.created", func() (*web.View, error) { return s.subjectListView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := rating.SubjectInput{UnitID: web.FormInt64(fe, vals, "unit_id"), Kind: rating.Kind(vals.Get("kind")), Code: vals.Get("code"),
				Name: vals.Get("name"), JobType: vals.Get("job_type"), Post: vals.Get("post")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			id, err := s.rating.CreateSubject(r.Context(), p, in)
			return "/ratings/subjects/" + strconv.FormatInt(id, 10), err
		})
}

type subjectData struct {
	Subject   rating.Subject
	History   []rating.HistoryRow
	Quals     []rating.Qualification
	Changes   []rating.StarChange
	Grades    []web.Option
	CanManage bool
	Spark     sparkline
}

func (s *Server) subjectView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	x, err := s.rating.GetSubject(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &subjectData{Subject: x, CanManage: p.Can(auth.PermAppraisalManage)}
	if d.History, err = s.rating.History(ctx, p, id); err != nil {
		return nil, err
	}
	if d.Quals, err = s.rating.Qualifications(ctx, p, id); err != nil {
		return nil, err
	}
	if d.Changes, err = s.rating.StarChanges(ctx, p, id); err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.subject.title")
	v.Title = x.Name + " · " + x.JobType
	for _, g := range rating.Grades {
		d.Grades = append(d.Grades, web.Option{Value: g, Label: v.T(rating.GradeKey(g))})
	}
	d.Spark = newSparkline(d.History)
	v.Data = d
	return v, nil
}

func (s *Server) subjectID(r *http.Request) (int64, error) {
	if err := auth.Require(web.Principal(r), auth.PermAppraise); err != nil {
		return 0, err
	}
	id, err := web.PathID(r, "id", "entity.subject")
	if err != nil {
		return 0, err
	}
	if _, err := s.rating.GetSubject(r.Context(), web.Principal(r), id); err != nil {
		return 0, err
	}
	return id, nil
}

func (s *Server) subjectShow(w http.ResponseWriter, r *http.Request) error {
	id, err := s.subjectID(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "rating_subject", func() (*web.View, error) { return s.subjectView(w, r, id) })
}

func (s *Server) subjectStep(w http.ResponseWriter, r *http.Request, id int64, flash string, step func(url.Values, *errs.Fields) error) error {
	return s.Submit(w, r, "rating_subject", flash, func() (*web.View, error) { return s.subjectView(w, r, id) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/ratings/subjects/" + strconv.FormatInt(id, 10), step(vals, fe)
		})
}

func (s *Server) qualAdd(w http.ResponseWriter, r *http.Request) error {
	id, err := s.subjectID(r)
	if err != nil {
		return err
	}
	return s.subjectStep(w, r, id, "flash.created", func(vals url.Values, _ *errs.Fields) error {
		return s.rating.AddQualification(r.Context(), web.Principal(r), id, vals.Get("grade"), vals.Get("gained_on"), vals.Get("certificate"))
	})
}

func (s *Server) starsPropose(w http.ResponseWriter, r *http.Request) error {
	id, err := s.subjectID(r)
	if err != nil {
		return err
	}
	return s.subjectStep(w, r, id, "rating.flash.proposed", func(vals url.Values, fe *errs.Fields) error {
		n, err := strconv.Atoi(strings.TrimSpace(vals.Get("stars")))
		if err != nil {
			fe.Add("stars", "field.bad_number")
			return fe.Err()
		}
		_, err = s.rating.ProposeStars(r.Context(), web.Principal(r), id, n, vals.Get("reason"))
		return err
	})
}

func (s *Server) starsDecide(w http.ResponseWriter, r *http.Request) error {
	cid, err := web.PathID(r, "id", "entity.star_change")
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	sid := web.FormInt64(&fe, r.PostForm, "subject_id")
	if _, err := s.rating.GetSubject(r.Context(), web.Principal(r), sid); err != nil {
		return err
	}
	return s.subjectStep(w, r, sid, "rating.flash.decided", func(vals url.Values, _ *errs.Fields) error {
		return s.rating.DecideStars(r.Context(), web.Principal(r), cid, vals.Get("decision") == "approve")
	})
}
