// Package honourweb is the honours' web package: the public pages (a
// phone-first nomination form with story, photos and evidence (证明材料,
// never public), the vote, objections during the notice, the honours wall)
// and the office's pipeline screens.
package honourweb

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/honour"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/volunteer"
	"github.com/wenming-city/wenming/internal/web"
)

//go:embed all:templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// MaxPhotos is how many photos a nomination's story may carry.
const MaxPhotos = 3

// MaxEvidence is how many evidence images (证明材料: scans or photos of
// certificates, media reports, letters) a nomination may carry.
const MaxEvidence = 3

// Server is the honours' web package.
type Server struct {
	*web.Server
	honours *honour.Service
	photos  *photo.Service
}

// New returns the module.
func New(h *honour.Service, photos *photo.Service) web.Module {
	s := &Server{honours: h, photos: photos}
	return web.Module{
		Templates: templateFS,
		Register: func(core *web.Server) {
			s.Server = core
			s.routes()
		},
		Menu: []web.MenuEntry{
			{Key: "nav.honours", Href: "/honours", Perm: auth.PermHonourManage, Group: "nav.ratings_group", Order: 310},
			{Key: "nav.honour_signoffs", Href: "/honours/signoffs", Perm: auth.PermHonourSignoff, Group: "nav.ratings_group", Order: 311},
		},
		Tiles: s.homeTiles,
	}
}

func (s *Server) routes() {
	s.PublicPage("GET /public/honours", s.wall)
	s.PublicPage("GET /public/honours/nominate", s.nominatePage)
	s.PublicPage("POST /public/honours/nominate", s.nominateSubmit)
	s.PublicPage("GET /public/honours/sent", s.nominateSent)
	s.PublicPage("POST /public/honours/{id}/vote", s.vote)
	s.PublicPage("POST /public/honours/{id}/objection", s.object)
	s.PublicPage("GET /public/honours/photos/{id}", s.publicPhoto)

	s.Page("GET /honours", s.list)
	s.Page("GET /honours/signoffs", s.signoffList)
	s.Page("GET /honours/new", s.staffNominatePage)
	s.Page("POST /honours/new", s.staffNominate)
	s.Page("GET /honours/{id}", s.show)
	s.Page("POST /honours/{id}/act", s.act)
	s.Page("POST /honours/{id}/signoff", s.signoff)
	s.Page("POST /honours/{id}/jury", s.jury)
	s.Page("POST /honours/{id}/objections/{oid}", s.answerObjection)
	s.Page("GET /honours/{id}/photos/{pid}", s.staffPhoto)
	s.Page("POST /honours/{id}/publishing", s.publishing)
	s.Page("POST /honours/{id}/review", s.reviewDone)
	s.Page("POST /honours/{id}/tours", s.tourLink)
	s.Page("POST /honours/{id}/tours/{aid}/unlink", s.tourUnlink)
}

func (s *Server) homeTiles(r *http.Request, v *web.View) ([]web.Tile, error) {
	p := web.Principal(r)
	if !p.Can(auth.PermHonourManage) {
		return nil, nil
	}
	var tiles []web.Tile
	for _, st := range []honour.State{honour.StateNominated, honour.StateReview, honour.StateNotice} {
		ns, err := s.honours.List(r.Context(), p, honour.Filter{State: st})
		if err != nil {
			return nil, err
		}
		tiles = append(tiles, web.Tile{Label: v.T("honour.tile." + string(st)), N: len(ns), Href: "/honours?state=" + string(st)})
	}
	return tiles, nil
}

// ---- public ----

// WallPageSize is how many stories of the honours wall a page shows (a
// quarter's good-people list is about 30).
const WallPageSize = 30

type wallData struct {
	Awarded []honour.Nomination
	Pager   web.Pager
	Voting  []honour.Nomination
	Notice  []honour.Nomination
	Kinds   []web.Option
	Regions []web.Option
	Kind    string
	Tours   map[int64][]volunteer.Activity // per nomination: its story tours
}

func (s *Server) wallView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	ctx := r.Context()
	q := r.URL.Query()
	kind := q.Get("kind")
	if _, ok := honour.KindOf(kind); !ok {
		kind = ""
	}
	regions, err := s.honours.WallRegions(ctx)
	if err != nil {
		return nil, err
	}
	v := s.View(w, r, "honour.wall.title")
	region, _ := strconv.ParseInt(q.Get("region_id"), 10, 64)
	known := false
	d := &wallData{Kind: kind, Tours: map[int64][]volunteer.Activity{}}
	for _, g := range regions {
		known = known || g.ID == region
		d.Regions = append(d.Regions, web.Option{Value: web.I64s(g.ID), Label: web.Indent(g.Depth) + v.Name(g.Name, g.EN)})
	}
	if !known {
		region = 0
	}
	f := honour.PublicFilter{Kind: kind, RegionID: region}
	for _, x := range []struct {
		st  honour.State
		out *[]honour.Nomination
	}{{honour.StateVoting, &d.Voting}, {honour.StateNotice, &d.Notice}} {
		f.State = x.st
		if *x.out, err = s.honours.Public(ctx, f); err != nil {
			return nil, err
		}
	}
	// The wall itself, a page at a time, newest list first.
	lq := web.ListQueryOf(r)
	lq.Size = WallPageSize
	f.State = honour.StateAwarded
	total, err := s.honours.CountPublic(ctx, f)
	if err != nil {
		return nil, err
	}
	d.Pager = web.NewPager(r, lq, total)
	f.Limit, f.Offset = lq.Size, (lq.Page-1)*lq.Size
	if d.Awarded, err = s.honours.Public(ctx, f); err != nil {
		return nil, err
	}
	// Every story tour of the wall in one read, then each under its story.
	var ids []int64
	for _, n := range d.Awarded {
		ids = append(ids, n.TourIDs...)
	}
	tours, err := s.honours.Tours(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := map[int64]volunteer.Activity{}
	for _, a := range tours {
		byID[a.ID] = a
	}
	for _, n := range d.Awarded {
		for _, id := range n.TourIDs {
			if a, ok := byID[id]; ok {
				d.Tours[n.ID] = append(d.Tours[n.ID], a)
			}
		}
	}
	for _, k := range honour.Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: k.Code, Label: v.T(k.Key())})
	}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	v.Form.Set("kind", kind)
	if region != 0 {
		v.Form.Set("region_id", web.I64s(region))
	}
	v.Data = d
	return v, nil
}

func (s *Server) wall(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "honour_wall", func() (*web.View, error) { return s.wallView(w, r) })
}

type nominateData struct {
	Regions     []web.Option
	KindList    []honour.Kind
	Kinds       []web.Option
	Categories  []web.Option
	Names       []web.Option
	MaxPhotos   int
	MaxEvidence int
}

func (s *Server) regionOptions(ctx context.Context, v *web.View) ([]web.Option, error) {
	regions, err := s.honours.NominationRegions(ctx)
	var out []web.Option
	for _, g := range regions {
		out = append(out, web.Option{Value: web.I64s(g.ID), Label: web.Indent(g.Depth) + v.Name(g.Name, g.EN)})
	}
	return out, err
}

func nameOptions(v *web.View) []web.Option {
	var out []web.Option
	for _, n := range honour.PublishNames {
		out = append(out, web.Option{Value: n, Label: v.T("honour.publish_name." + n)})
	}
	return out
}

func (s *Server) nominateView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	v := s.View(w, r, "honour.nominate.title")
	d := &nominateData{MaxPhotos: MaxPhotos, MaxEvidence: MaxEvidence, Names: nameOptions(v)}
	var err error
	if d.Regions, err = s.regionOptions(r.Context(), v); err != nil {
		return nil, err
	}
	for _, k := range honour.Kinds {
		if k.Subject == "individual" || k.Subject == "family" {
			d.KindList = append(d.KindList, k)
			d.Kinds = append(d.Kinds, web.Option{Value: k.Code, Label: v.T(k.Key())})
		}
	}
	for _, c := range honour.GoodPeopleCategories {
		d.Categories = append(d.Categories, web.Option{Value: c, Label: v.T("honour.category." + c)})
	}
	if v.Form == nil || len(v.Form) == 0 {
		v.Form = url.Values{"kind": {"good_people"}, "publish_name": {"full"}, "publish_photos": {"1"}}
	}
	v.Data = d
	return v, nil
}

func (s *Server) nominatePage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.nominateView(w, r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "honour_nominate", v)
	return nil
}

const maxNominationBody = (MaxPhotos+MaxEvidence)*photo.MaxBytes + 1<<20

func (s *Server) nominateSubmit(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxNominationBody)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	in := honour.NominationInput{Kind: vals.Get("kind"), Category: vals.Get("category"), Nominee: vals.Get("nominee"), Story: vals.Get("story"),
		Nominator: vals.Get("nominator"), Phone: vals.Get("phone"), Consent: vals.Get("consent") == "1",
		PublishName: vals.Get("publish_name"), PublishPhotos: vals.Get("publish_photos") == "1", RegionID: web.FormInt64(&fe, vals, "region_id"),
		EvidenceNote: vals.Get("evidence_note")}
	prepared, err := s.preparePhotos(r, &fe)
	if err == nil {
		err = fe.Err()
	}
	if err == nil {
		err = s.nominateWith(r.Context(), nil, in, prepared)
	}
	if err != nil {
		vals.Del("csrf")
		v, verr := s.nominateView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "honour_nominate", v, err)
	}
	http.Redirect(w, r, "/public/honours/sent", http.StatusSeeOther)
	return nil
}

// uploads are a nomination's prepared images: the story's photos and the
// evidence, kept apart.
type uploads struct {
	story, evidence []*photo.Prepared
}

// files are the non-empty files posted under a form field.
func files(r *http.Request, field string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size > 0 || fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
}

// preparePhotos checks and re-encodes the uploaded story photos (field
// photos) and evidence (field evidence): headers, the pixel budget of the
// whole request, then decoding, as the citizens' report does.
func (s *Server) preparePhotos(r *http.Request, fe *errs.Fields) (uploads, error) {
	groups := []struct {
		field, tooMany string
		max            int
		files          []*multipart.FileHeader
		checked        []*photo.Checked
	}{
		{field: "photos", tooMany: "honour.err.too_many_photos", max: MaxPhotos, files: files(r, "photos")},
		{field: "evidence", tooMany: "honour.err.too_many_evidence", max: MaxEvidence, files: files(r, "evidence")},
	}
	var all []*photo.Checked
	bad := false
	for gi := range groups {
		g := &groups[gi]
		if len(g.files) > g.max {
			fe.Add(g.field, g.tooMany, g.max)
			bad = true
			continue
		}
		for i, fh := range g.files {
			c, err := web.InspectPhoto(fh)
			if e := errs.As(err); e != nil && e.Code == errs.Invalid {
				fe.Add(g.field, "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
				bad = true
				break
			} else if err != nil {
				return uploads{}, err
			}
			g.checked = append(g.checked, c)
		}
		all = append(all, g.checked...)
	}
	if bad || len(all) == 0 {
		return uploads{}, nil
	}
	if e := errs.As(photo.CheckPixelBudget(all)); e != nil {
		fe.Add("photos", e.Key, e.Args...)
		return uploads{}, nil
	}
	var out [2][]*photo.Prepared
	for gi, g := range groups {
		for i, c := range g.checked {
			pp, err := c.Prepare(r.Context())
			if e := errs.As(err); e != nil && e.Code == errs.Invalid {
				fe.Add(g.field, "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
				return uploads{}, nil
			} else if err != nil {
				return uploads{}, err
			}
			out[gi] = append(out[gi], pp)
		}
	}
	return uploads{story: out[0], evidence: out[1]}, nil
}

// nominateWith stores the nomination with its photos and evidence: blobs
// first, rows in the nomination's transaction, blobs removed again when it
// is refused.
func (s *Server) nominateWith(ctx context.Context, p *auth.Principal, in honour.NominationInput, up uploads) (err error) {
	prepared := append(slices.Clip(up.story), up.evidence...)
	if len(prepared) == 0 {
		_, err = s.honours.Nominate(ctx, p, in, nil)
		return err
	}
	if s.photos == nil {
		return errors.New("no photo store configured")
	}
	staged, err := s.photos.Stage(ctx, prepared)
	if err != nil {
		return err
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		if ferr := staged.Finish(bg, err == nil); ferr != nil {
			slog.WarnContext(bg, "photos of a refused nomination are left for the sweeper", "err", ferr)
		}
	}()
	_, err = s.honours.Nominate(ctx, p, in, func(ctx context.Context, tx *db.Tx) (honour.Attached, error) {
		ids, err := staged.Commit(ctx, tx, 0)
		if err != nil {
			return honour.Attached{}, err
		}
		return honour.Attached{Story: ids[:len(up.story)], Evidence: ids[len(up.story):]}, nil
	})
	return err
}

func (s *Server) nominateSent(w http.ResponseWriter, r *http.Request) error {
	s.Render(w, r, http.StatusOK, "honour_sent", s.View(w, r, "honour.sent.title"))
	return nil
}

// publicStep runs a public action posted from the wall and shows the wall
// again with the outcome.
func (s *Server) publicStep(w http.ResponseWriter, r *http.Request, flash string, step func(id int64, vals url.Values) error) error {
	id, err := web.PathID(r, "id", "entity.nomination")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "honour_wall", flash, func() (*web.View, error) { return s.wallView(w, r) },
		func(vals url.Values, _ *errs.Fields) (string, error) { return "/public/honours", step(id, vals) })
}

func (s *Server) vote(w http.ResponseWriter, r *http.Request) error {
	return s.publicStep(w, r, "honour.flash.voted", func(id int64, vals url.Values) error {
		return s.honours.Vote(r.Context(), id, vals.Get("phone"), web.ClientIP(r))
	})
}

func (s *Server) object(w http.ResponseWriter, r *http.Request) error {
	return s.publicStep(w, r, "honour.flash.objected", func(id int64, vals url.Values) error {
		return s.honours.Object(r.Context(), id, vals.Get("text"), vals.Get("contact"))
	})
}

func (s *Server) publicPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "photo.entity")
	if err != nil {
		return err
	}
	ok, err := s.honours.PublicPhoto(r.Context(), id)
	if err != nil {
		return err
	}
	if !ok {
		return errs.NotFoundf("photo.entity")
	}
	return web.ServePhoto(w, r, s.photos, id, photo.Public, "public, max-age=3600")
}

// ---- staff ----

type listData struct {
	Rows    []honour.Nomination
	Due     []honour.Nomination
	States  []web.Option
	Kinds   []web.Option
	Regions []web.Option
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	return s.Show(w, r, "honour_list", func() (*web.View, error) {
		q := r.URL.Query()
		region, _ := strconv.ParseInt(q.Get("region_id"), 10, 64)
		f := honour.Filter{State: honour.State(q.Get("state")), Kind: q.Get("kind"), RegionID: region}
		rows, err := s.honours.List(r.Context(), p, f)
		if err != nil {
			return nil, err
		}
		due, err := s.honours.DueForReview(r.Context(), p)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "honour.list.title")
		d := &listData{Rows: rows, Due: due}
		if d.Regions, err = s.regionOptions(r.Context(), v); err != nil {
			return nil, err
		}
		for _, st := range honour.States {
			d.States = append(d.States, web.Option{Value: string(st), Label: v.T("honour.state." + string(st))})
		}
		for _, k := range honour.Kinds {
			d.Kinds = append(d.Kinds, web.Option{Value: k.Code, Label: v.T(k.Key())})
		}
		v.Form = q
		v.Data = d
		return v, nil
	})
}

func (s *Server) signoffList(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	return s.Show(w, r, "honour_signoffs", func() (*web.View, error) {
		rows, err := s.honours.SignOffQueue(r.Context(), p)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "honour.signoffs.title")
		v.Data = &listData{Rows: rows}
		return v, nil
	})
}

type showData struct {
	N           honour.Nomination
	Kind        honour.Kind
	Actions     []honour.Action
	CanManage   bool
	Criteria    []scoring.Criterion
	Review      *honour.Review
	Tours       []volunteer.Activity
	TourChoices []web.Option
	Names       []web.Option
}

func (s *Server) showView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, error) {
	p := web.Principal(r)
	n, err := s.honours.Get(r.Context(), p, id)
	if err != nil {
		return nil, err
	}
	k, _ := honour.KindOf(n.Kind)
	d := &showData{N: n, Kind: k, CanManage: p.Can(auth.PermHonourManage), Criteria: honour.JuryScheme.Criteria}
	for _, a := range honour.Actions {
		if _, ok := honour.Step(a, n.State); ok {
			d.Actions = append(d.Actions, a)
		}
	}
	v := s.View(w, r, "honour.show.title")
	d.Names = nameOptions(v)
	if d.CanManage {
		ctx := r.Context()
		if d.Review, err = s.honours.ReviewOf(ctx, p, id); err != nil {
			return nil, err
		}
		if d.Tours, err = s.honours.Tours(ctx, n.TourIDs); err != nil {
			return nil, err
		}
		if n.State == honour.StateAwarded {
			choices, err := s.honours.TourChoices(ctx, p)
			if err != nil {
				return nil, err
			}
			for _, a := range choices {
				if !slices.Contains(n.TourIDs, a.ID) {
					d.TourChoices = append(d.TourChoices, web.Option{Value: web.I64s(a.ID), Label: a.Day + " " + a.StartsAt.In(clock.CST).Format("15:04") + " " + a.Title})
				}
			}
		}
		if r.Method == http.MethodGet {
			v.Form = url.Values{"publish_name": {n.PublishName}}
			if n.Consent {
				v.Form.Set("consent", "1")
			}
			if n.PublishPhotos {
				v.Form.Set("publish_photos", "1")
			}
		}
	}
	v.Title = v.Name(n.Nominee, n.NomineeEN)
	v.Data = d
	return v, nil
}

func (s *Server) nomID(r *http.Request) (int64, error) {
	id, err := web.PathID(r, "id", "entity.nomination")
	if err != nil {
		return 0, err
	}
	if _, err := s.honours.Get(r.Context(), web.Principal(r), id); err != nil {
		return 0, err
	}
	return id, nil
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) error {
	id, err := s.nomID(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "honour_show", func() (*web.View, error) { return s.showView(w, r, id) })
}

func (s *Server) step(w http.ResponseWriter, r *http.Request, flash string, fn func(id int64, vals url.Values, fe *errs.Fields) error) error {
	id, err := s.nomID(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "honour_show", flash, func() (*web.View, error) { return s.showView(w, r, id) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			return "/honours/" + strconv.FormatInt(id, 10), fn(id, vals, fe)
		})
}

func (s *Server) act(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, _ *errs.Fields) error {
		return s.honours.Act(r.Context(), web.Principal(r), id, honour.Action(vals.Get("action")), vals.Get("reason"))
	})
}

func (s *Server) signoff(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, _ *errs.Fields) error {
		return s.honours.SignOff(r.Context(), web.Principal(r), id, vals.Get("department"), vals.Get("decision") == "approve", vals.Get("note"))
	})
}

func (s *Server) jury(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, fe *errs.Fields) error {
		var marks []honour.JuryMark
		for _, c := range honour.JuryScheme.Criteria {
			raw := strings.TrimSpace(vals.Get("j." + c.Code))
			if raw == "" {
				continue
			}
			n, err := strconv.ParseFloat(raw, 64)
			if err != nil || n != float64(int64(n*100))/100 {
				fe.Add("j."+c.Code, "field.bad_number")
				continue
			}
			marks = append(marks, honour.JuryMark{Criterion: c.Code, Value: scoring.Cents(n * 100)})
		}
		if err := fe.Err(); err != nil {
			return err
		}
		return s.honours.ScoreJury(r.Context(), web.Principal(r), id, marks)
	})
}

func (s *Server) publishing(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, _ *errs.Fields) error {
		return s.honours.SetPublishing(r.Context(), web.Principal(r), id, honour.Publishing{Consent: vals.Get("consent") == "1",
			Name: vals.Get("publish_name"), Photos: vals.Get("publish_photos") == "1"})
	})
}

func (s *Server) reviewDone(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "honour.flash.reviewed", func(id int64, vals url.Values, _ *errs.Fields) error {
		return s.honours.RecordReview(r.Context(), web.Principal(r), id, vals.Get("review_note"))
	})
}

func (s *Server) tourLink(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, fe *errs.Fields) error {
		aid := web.FormInt64(fe, vals, "activity_id")
		if err := fe.Err(); err != nil {
			return err
		}
		return s.honours.LinkTour(r.Context(), web.Principal(r), id, aid)
	})
}

func (s *Server) tourUnlink(w http.ResponseWriter, r *http.Request) error {
	aid, err := web.PathID(r, "aid", "entity.activity")
	if err != nil {
		return err
	}
	return s.step(w, r, "flash.saved", func(id int64, _ url.Values, _ *errs.Fields) error {
		return s.honours.UnlinkTour(r.Context(), web.Principal(r), id, aid)
	})
}

func (s *Server) answerObjection(w http.ResponseWriter, r *http.Request) error {
	oid, err := web.PathID(r, "oid", "entity.objection")
	if err != nil {
		return err
	}
	return s.step(w, r, "flash.saved", func(id int64, vals url.Values, _ *errs.Fields) error {
		return s.honours.AnswerObjection(r.Context(), web.Principal(r), oid, vals.Get("upheld") == "1", vals.Get("answer"))
	})
}

func (s *Server) staffPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := s.nomID(r)
	if err != nil {
		return err
	}
	pid, err := web.PathID(r, "pid", "photo.entity")
	if err != nil {
		return err
	}
	n, err := s.honours.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	// The story's photos and the evidence, to the office and the
	// departments asked to sign off (Get reads only for them).
	if slices.Contains(n.Photos, pid) || slices.Contains(n.Evidence, pid) {
		return web.ServePhoto(w, r, s.photos, pid, photo.Public, "private, max-age=600")
	}
	return errs.NotFoundf("photo.entity")
}

// ---- a unit's or community's nomination, entered by the office ----

type staffNominateData struct {
	Regions     []web.Option
	Kinds       []web.Option
	Categories  []web.Option
	Sources     []web.Option
	Names       []web.Option
	MaxPhotos   int
	MaxEvidence int
}

func (s *Server) staffNominateView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	if err := auth.Require(web.Principal(r), auth.PermHonourManage); err != nil {
		return nil, err
	}
	v := s.View(w, r, "honour.new.title")
	d := &staffNominateData{MaxPhotos: MaxPhotos, MaxEvidence: MaxEvidence, Names: nameOptions(v)}
	var err error
	if d.Regions, err = s.regionOptions(r.Context(), v); err != nil {
		return nil, err
	}
	for _, k := range honour.Kinds {
		d.Kinds = append(d.Kinds, web.Option{Value: k.Code, Label: v.T(k.Key())})
	}
	for _, c := range honour.GoodPeopleCategories {
		d.Categories = append(d.Categories, web.Option{Value: c, Label: v.T("honour.category." + c)})
	}
	for _, src := range []string{"unit", "community"} {
		d.Sources = append(d.Sources, web.Option{Value: src, Label: v.T("honour.source." + src)})
	}
	if r.Method == http.MethodGet {
		v.Form = url.Values{"source": {"unit"}, "consent": {"1"}, "publish_name": {"full"}, "publish_photos": {"1"}}
	}
	v.Data = d
	return v, nil
}

func (s *Server) staffNominatePage(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "honour_new", func() (*web.View, error) { return s.staffNominateView(w, r) })
}

func (s *Server) staffNominate(w http.ResponseWriter, r *http.Request) error {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxNominationBody)
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	in := honour.NominationInput{Kind: vals.Get("kind"), Category: vals.Get("category"), Nominee: vals.Get("nominee"), Story: vals.Get("story"),
		Source: vals.Get("source"), Nominator: vals.Get("nominator"), Phone: vals.Get("phone"), Consent: vals.Get("consent") == "1",
		PublishName: vals.Get("publish_name"), PublishPhotos: vals.Get("publish_photos") == "1", RegionID: web.FormInt64(&fe, vals, "region_id"),
		EvidenceNote: vals.Get("evidence_note")}
	prepared, err := s.preparePhotos(r, &fe)
	if err == nil {
		err = fe.Err()
	}
	if err == nil {
		err = s.nominateWith(r.Context(), p, in, prepared)
	}
	if err != nil {
		v, verr := s.staffNominateView(w, r)
		if verr != nil {
			return verr
		}
		return s.FormFailed(w, r, "honour_new", v, err)
	}
	return s.Redirect(w, r, "/honours?state=nominated", "flash.created")
}
