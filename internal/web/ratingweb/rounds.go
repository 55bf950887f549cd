package ratingweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/rating"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/web"
)

// ---- round list and creation ----

type roundListData struct {
	Rounds    []rating.Round
	CanManage bool
}

func (s *Server) roundList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return err
	}
	state := rating.State(r.URL.Query().Get("state"))
	if state != "" && state != rating.StateScoring && state != rating.StatePublished && state != rating.StateClosed {
		state = ""
	}
	return s.Show(w, r, "rating_rounds", func() (*web.View, error) {
		rounds, err := s.rating.Rounds(r.Context(), p, state)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "rating.rounds.title")
		v.Form = r.URL.Query()
		v.Data = &roundListData{Rounds: rounds, CanManage: p.Can(auth.PermAppraisalManage)}
		return v, nil
	})
}

type roundNewData struct {
	Templates  []web.Option
	Candidates []rating.Candidate
	Kinds      []web.Option
}

func (s *Server) roundNewView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return nil, err
	}
	ctx := r.Context()
	ts, err := s.rating.Templates(ctx, p)
	if err != nil {
		return nil, err
	}
	cs, err := s.rating.ScorerCandidates(ctx, p)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.rounds.new")
	d := &roundNewData{Candidates: cs}
	for _, t := range ts {
		d.Templates = append(d.Templates, web.Option{Value: web.I64s(t.ID), Label: t.Name + " · " + t.JobType + " · v" + strconv.Itoa(t.Version)})
	}
	for _, k := range rating.ScorerKinds {
		d.Kinds = append(d.Kinds, web.Option{Value: k, Label: v.T("rating.scorer." + k)})
	}
	now := s.Now().In(clock.CST)
	q := (int(now.Month())-1)/3 + 1
	v.Form = url.Values{"period": {strconv.Itoa(now.Year()) + "Q" + strconv.Itoa(q)}, "self_from": {now.Format("2006-01-02")},
		"self_to": {now.AddDate(0, 0, 10).Format("2006-01-02")}, "appeal_days": {"5"}}
	v.Data = d
	return v, nil
}

func (s *Server) roundNew(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "rating_round_new", func() (*web.View, error) { return s.roundNewView(w, r) })
}

func (s *Server) roundCreate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraisalManage); err != nil {
		return err
	}
	var id int64
	return s.Submit(w, r, "rating_round_new", "flash.created", func() (*web.View, error) { return s.roundNewView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := rating.RoundInput{TemplateID: web.FormInt64(fe, vals, "template_id"), Period: strings.TrimSpace(vals.Get("period")),
				SelfFrom: strings.TrimSpace(vals.Get("self_from")), SelfTo: strings.TrimSpace(vals.Get("self_to"))}
			days, err := strconv.Atoi(strings.TrimSpace(vals.Get("appeal_days")))
			if err != nil {
				fe.Add("appeal_days", "field.bad_number")
			}
			in.AppealDays = days
			for k, vs := range vals {
				if !strings.HasPrefix(k, "scorer.") || len(vs) == 0 || vs[0] == "" {
					continue
				}
				uid, err := strconv.ParseInt(strings.TrimPrefix(k, "scorer."), 10, 64)
				if err != nil {
					fe.Add("scorers", "field.bad_choice")
					continue
				}
				in.Scorers = append(in.Scorers, rating.Scorer{UserID: uid, Kind: vs[0]})
			}
			if in.TemplateID == 0 {
				fe.Add("template_id", "field.required")
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			id, err = s.rating.CreateRound(r.Context(), p, in)
			return "/ratings/rounds/" + strconv.FormatInt(id, 10), err
		})
}

// ---- the round page ----

type roundData struct {
	Round       rating.Round
	Entries     []rating.Entry
	Scorers     []rating.Scorer
	Behind      int
	Adjustments []rating.Adjustment
	Appeals     []rating.Appeal
	Criteria    []scoring.Criterion
	Weights     []scoring.ScorerWeight
	CanManage   bool
	IsScorer    bool
	HasTests    bool
	HasFigures  bool
	MayClose    bool
	Entry       map[int64]rating.Entry
	EntryOpts   []web.Option
}

func (s *Server) roundView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	rd, err := s.rating.GetRound(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &roundData{Round: rd, Criteria: rd.Template.Scheme.Criteria, Weights: rd.Template.Scheme.Weights,
		CanManage: p.Can(auth.PermAppraisalManage), Entry: map[int64]rating.Entry{}}
	if d.Entries, err = s.rating.Entries(ctx, p, id); err != nil {
		return nil, err
	}
	if d.Scorers, err = s.rating.Scorers(ctx, p, id); err != nil {
		return nil, err
	}
	if d.Adjustments, err = s.rating.Adjustments(ctx, p, id); err != nil {
		return nil, err
	}
	if d.Appeals, err = s.rating.Appeals(ctx, p, id); err != nil {
		return nil, err
	}
	for _, sc := range d.Scorers {
		if !sc.Done() {
			d.Behind++
		}
		d.IsScorer = d.IsScorer || sc.UserID == p.UserID
	}
	for _, c := range d.Criteria {
		d.HasTests = d.HasTests || c.Method == scoring.MethodTest
		d.HasFigures = d.HasFigures || c.Method == scoring.MethodFigure
	}
	for _, e := range d.Entries {
		d.Entry[e.ID] = e
		d.EntryOpts = append(d.EntryOpts, web.Option{Value: web.I64s(e.ID), Label: e.Code + " " + e.Name})
	}
	d.MayClose = rd.State == rating.StatePublished && rd.AppealUntil != nil && !s.Now().Before(*rd.AppealUntil)
	v := s.View(w, r, "rating.round.title")
	v.Title = v.T("rating.round.heading") + " · " + rd.Name
	v.Data = d
	return v, nil
}

func (s *Server) roundShow(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermAppraise); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.round")
	if err != nil {
		return err
	}
	return s.Show(w, r, "rating_round", func() (*web.View, error) { return s.roundView(w, r, id) })
}

// roundStep runs a step posted from the round page: success goes back to
// the page with the flash, a refusal shows the page with the reason and
// the field messages.
func (s *Server) roundStep(w http.ResponseWriter, r *http.Request, roundID int64, flash string, step func(vals url.Values, fe *errs.Fields) error) error {
	to := "/ratings/rounds/" + strconv.FormatInt(roundID, 10)
	return s.Submit(w, r, "rating_round", flash, func() (*web.View, error) { return s.roundView(w, r, roundID) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			if err := fe.Err(); err != nil {
				return "", err
			}
			return to, step(vals, fe)
		})
}

func (s *Server) roundID(r *http.Request) (int64, error) {
	id, err := web.PathID(r, "id", "entity.round")
	if err != nil {
		return 0, err
	}
	// Load it first: another scope's round is 404 before anything else.
	if _, err := s.rating.GetRound(r.Context(), web.Principal(r), id); err != nil {
		return 0, err
	}
	return id, nil
}

func (s *Server) roundPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.roundStep(w, r, id, "rating.flash.published", func(vals url.Values, _ *errs.Fields) error {
		return s.rating.Publish(r.Context(), web.Principal(r), id, vals.Get("missing_note"))
	})
}

func (s *Server) roundClose(w http.ResponseWriter, r *http.Request) error {
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.roundStep(w, r, id, "rating.flash.closed", func(url.Values, *errs.Fields) error {
		return s.rating.Close(r.Context(), web.Principal(r), id)
	})
}

func (s *Server) roundFigures(w http.ResponseWriter, r *http.Request) error {
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.roundStep(w, r, id, "flash.saved", func(url.Values, *errs.Fields) error {
		_, err := s.rating.PullFigures(r.Context(), web.Principal(r), id)
		return err
	})
}

// points reads a number of points with up to two decimals into Cents.
func points(fe *errs.Fields, vals url.Values, field string, required bool) (scoring.Cents, bool) {
	raw := strings.TrimSpace(vals.Get(field))
	if raw == "" {
		if required {
			fe.Add(field, "field.required")
		}
		return 0, false
	}
	c, ok := parseCents(raw)
	if !ok {
		fe.Add(field, "field.bad_number")
		return 0, false
	}
	return c, true
}

// parseCents reads "12", "12.5", "-3.25" (at most two decimals).
func parseCents(raw string) (scoring.Cents, bool) {
	if _, err := inputtext.Decimal(raw); err != nil {
		return 0, false
	}
	d := raw
	neg := strings.HasPrefix(d, "-")
	d = strings.TrimLeft(d, "+-")
	whole, frac, _ := strings.Cut(d, ".")
	if len(frac) > 2 || whole == "" && frac == "" {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	if whole == "" {
		whole = "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n > 1_000_000_00 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return scoring.Cents(n), true
}

func (s *Server) adjustPropose(w http.ResponseWriter, r *http.Request) error {
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.roundStep(w, r, id, "rating.flash.proposed", func(vals url.Values, fe *errs.Fields) error {
		entry := web.FormInt64(fe, vals, "entry_id")
		v, _ := points(fe, vals, "value", true)
		if entry == 0 {
			fe.Add("entry_id", "field.required")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if rid, err := s.rating.RoundOfEntry(r.Context(), web.Principal(r), entry); err != nil || rid != id {
			return fieldErr("entry_id", "field.bad_choice")
		}
		_, err := s.rating.ProposeAdjustment(r.Context(), web.Principal(r), entry, v, vals.Get("reason"), vals.Get("evidence"))
		return err
	})
}

func fieldErr(field, key string) error {
	var f errs.Fields
	f.Add(field, key)
	return f.Err()
}

func (s *Server) adjustApprove(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", "entity.adjustment")
	if err != nil {
		return err
	}
	roundID := web.FormInt64(&errs.Fields{}, r.URL.Query(), "round")
	if _, err := s.rating.GetRound(r.Context(), p, roundID); err != nil {
		return err
	}
	return s.roundStep(w, r, roundID, "rating.flash.approved", func(url.Values, *errs.Fields) error {
		return s.rating.ApproveAdjustment(r.Context(), p, id)
	})
}

func (s *Server) appealAnswer(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	id, err := web.PathID(r, "id", "entity.appeal")
	if err != nil {
		return err
	}
	roundID := web.FormInt64(&errs.Fields{}, r.URL.Query(), "round")
	if _, err := s.rating.GetRound(r.Context(), p, roundID); err != nil {
		return err
	}
	return s.roundStep(w, r, roundID, "rating.flash.answered", func(vals url.Values, fe *errs.Fields) error {
		upheld := vals.Get("decision") == "upheld"
		if d := vals.Get("decision"); d != "upheld" && d != "refused" {
			fe.Add("decision", "field.bad_choice")
		}
		var change scoring.Cents
		if upheld {
			change, _ = points(fe, vals, "change", true)
		}
		if err := fe.Err(); err != nil {
			return err
		}
		return s.rating.AnswerAppeal(r.Context(), p, id, upheld, change, vals.Get("answer"))
	})
}

// ---- scoring a round (desktop grid) ----

type scoreData struct {
	Round    rating.Round
	Entries  []rating.Entry
	Criteria []scoring.Criterion
	Tests    bool
	Kind     string
}

func (s *Server) scoreView(w http.ResponseWriter, r *http.Request, id int64, tests bool) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	rd, err := s.rating.GetRound(ctx, p, id)
	if err != nil {
		return nil, err
	}
	d := &scoreData{Round: rd, Tests: tests}
	if !tests {
		scs, err := s.rating.Scorers(ctx, p, id)
		if err != nil {
			return nil, err
		}
		for _, sc := range scs {
			if sc.UserID == p.UserID {
				d.Kind = sc.Kind
			}
		}
		if d.Kind == "" {
			return nil, errs.E(errs.Forbidden, "rating.err.not_a_scorer")
		}
	}
	for _, c := range rd.Template.Scheme.Criteria {
		if (c.Method == scoring.MethodJudgement) != tests && c.Method != scoring.MethodFigure {
			d.Criteria = append(d.Criteria, c)
		}
	}
	if d.Entries, err = s.rating.Entries(ctx, p, id); err != nil {
		return nil, err
	}
	marks, err := s.rating.Marks(ctx, p, id)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "rating.score.title")
	v.Title = v.T("rating.score.title") + " · " + rd.Name
	v.Form = url.Values{}
	want := p.UserID
	if tests {
		want = 0
	}
	for _, m := range marks {
		if m.ScorerID == want {
			k := "m." + strconv.FormatInt(m.EntryID, 10) + "." + m.Criterion
			v.Form.Set(k, m.Value.String())
			if m.Note != "" {
				v.Form.Set(k+".note", m.Note)
			}
		}
	}
	v.Data = d
	return v, nil
}

func (s *Server) scoreForm(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermAppraise); err != nil {
		return err
	}
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "rating_score", func() (*web.View, error) { return s.scoreView(w, r, id, false) })
}

func (s *Server) testsForm(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermAppraisalManage); err != nil {
		return err
	}
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "rating_score", func() (*web.View, error) { return s.scoreView(w, r, id, true) })
}

func (s *Server) scoreSave(w http.ResponseWriter, r *http.Request) error {
	return s.marksSave(w, r, false)
}

func (s *Server) testsSave(w http.ResponseWriter, r *http.Request) error {
	if err := auth.Require(web.Principal(r), auth.PermAppraisalManage); err != nil {
		return err
	}
	return s.marksSave(w, r, true)
}

// marksSave reads the grid: m.<entry>.<criterion> (blank cells are left
// out) and m.<entry>.<criterion>.note.
func (s *Server) marksSave(w http.ResponseWriter, r *http.Request, tests bool) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil && !tests {
		return err
	}
	id, err := s.roundID(r)
	if err != nil {
		return err
	}
	page := "/ratings/rounds/" + strconv.FormatInt(id, 10)
	return s.Submit(w, r, "rating_score", "rating.flash.marks_saved", func() (*web.View, error) { return s.scoreView(w, r, id, tests) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			var in []rating.MarkInput
			for k := range vals {
				if !strings.HasPrefix(k, "m.") || strings.HasSuffix(k, ".note") {
					continue
				}
				parts := strings.SplitN(strings.TrimPrefix(k, "m."), ".", 2)
				if len(parts) != 2 {
					continue
				}
				eid, err := strconv.ParseInt(parts[0], 10, 64)
				if err != nil {
					fe.Add(k, "field.bad_choice")
					continue
				}
				v, ok := points(fe, vals, k, false)
				if !ok {
					continue
				}
				in = append(in, rating.MarkInput{EntryID: eid, Criterion: parts[1], Value: v, Note: vals.Get(k + ".note")})
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			if tests {
				return page, s.rating.SaveTests(r.Context(), p, id, in)
			}
			return page, s.rating.SaveMarks(r.Context(), p, id, in)
		})
}

// apiResults answers a round's results as JSON.
func (s *Server) apiResults(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermAppraise); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.round")
	if err != nil {
		return err
	}
	es, err := s.rating.Entries(r.Context(), p, id)
	if err != nil {
		return err
	}
	type row struct {
		ID          int64          `json:"id"`
		Code        string         `json:"code"`
		Name        string         `json:"name"`
		Total       int64          `json:"total"`
		Complete    bool           `json:"complete"`
		Rank        int            `json:"rank"`
		GroupSize   int            `json:"group_size"`
		Band        string         `json:"band"`
		StarsBefore int            `json:"stars_before"`
		StarsAfter  int            `json:"stars_after"`
		Delta       int            `json:"star_delta"`
		Trace       []scoring.Part `json:"trace"`
	}
	out := make([]row, 0, len(es))
	for _, e := range es {
		out = append(out, row{e.ID, e.Code, e.Name, int64(e.Total), e.Complete, e.Rank, e.GroupSize, e.Band, e.StarsBefore, e.StarsAfter, e.Delta, e.Trace})
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(out, len(out), web.ListQuery{Page: 1, Size: max(len(out), 1)}))
	return nil
}
