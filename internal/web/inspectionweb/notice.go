package inspectionweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inspection"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

func (s *Server) noticeRoutes() {
	s.Page("GET /inspection/notices", s.noticeList)
	s.Page("GET /inspection/notices/new", s.noticeNew)
	s.Page("POST /inspection/notices", s.noticeCreate)
	s.Page("GET /inspection/notices/{id}", s.noticeShow)
	s.Page("GET /inspection/notices/{id}/print", s.noticePrint)
	s.Page("GET /inspection/notices/{id}/pdf", s.noticePDF)
	s.Page("POST /inspection/notices/{id}/actions/{action}", s.noticeAction)
	s.Page("GET /inspection/notices/{id}/photos/{photo}", s.noticePhoto)
}

type noticeListData struct {
	Rows     []inspection.Notice
	Pager    web.Pager
	Kinds    []web.Option
	States   []web.Option
	CanIssue bool
}

func kindChoices(v *web.View) []web.Option {
	return choicesOf(v, inspection.NoticeKinds, func(k inspection.NoticeKind) string { return k.Code })
}

func (s *Server) noticeList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	lq := web.ListQueryOf(r)
	var fe errs.Fields
	f := inspection.NoticeFilter{Kind: q.Get("kind"), State: inspection.NoticeState(q.Get("state")), UnitID: web.FormInt64(&fe, q, "unit"),
		Overdue: q.Get("overdue") == "1", Page: lq.Page, Size: lq.Size}
	if _, ok := inspection.NoticeKindOf(f.Kind); f.Kind != "" && !ok {
		fe.Add("kind", "field.bad_choice")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	rows, total, err := s.insp.ListNotices(r.Context(), web.Principal(r), f)
	if err != nil {
		return err
	}
	v := s.View(w, r, "inspweb.notice.list_title")
	v.Form = q
	v.Data = &noticeListData{Rows: rows, Pager: web.NewPager(r, lq, total), Kinds: kindChoices(v),
		States:   choicesOf(v, inspection.NoticeStates, func(x inspection.NoticeState) string { return string(x) }),
		CanIssue: web.Principal(r).Can(auth.PermInspectionManage)}
	s.Render(w, r, http.StatusOK, "insp_notice_list", v)
	return nil
}

type noticeFormData struct {
	Kinds  []web.Option
	Units  []web.Choice
	Letter bool
}

func (s *Server) noticeFormView(w http.ResponseWriter, r *http.Request, kind string) (*web.View, error) {
	p := web.Principal(r)
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return nil, err
	}
	units, err := s.org.UnitOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	k, ok := inspection.NoticeKindOf(kind)
	if !ok {
		k = inspection.NoticeKinds[0]
	}
	v := s.View(w, r, "inspweb.notice.new_title")
	v.Title = v.T(k.Key())
	v.Form = url.Values{"kind": {k.Code}, "reply_by": {s.Now().In(clock.CST).AddDate(0, 0, 7).Format(time.DateOnly)},
		"unit_id": {r.URL.Query().Get("unit")}}
	v.Data = &noticeFormData{Kinds: kindChoices(v), Units: web.TreeChoices(v, units), Letter: k.Letter}
	return v, nil
}

func (s *Server) noticeNew(w http.ResponseWriter, r *http.Request) error {
	return s.Show(w, r, "insp_notice_form", func() (*web.View, error) { return s.noticeFormView(w, r, r.URL.Query().Get("kind")) })
}

func (s *Server) noticeCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	vals := r.PostForm
	var fe errs.Fields
	in := inspection.IssueInput{Kind: vals.Get("kind"), UnitID: web.FormInt64(&fe, vals, "unit_id"), ReplyBy: vals.Get("reply_by"),
		Title: vals.Get("title"), Body: vals.Get("body"), CC: vals.Get("cc")}
	err := fe.Err()
	var n inspection.Notice
	if err == nil {
		n, err = s.insp.Issue(r.Context(), web.Principal(r), in)
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/notices/"+strconv.FormatInt(n.ID, 10), "inspweb.flash.issued")
	}
	v, verr := s.noticeFormView(w, r, in.Kind)
	if verr != nil {
		return verr
	}
	return s.FormFailed(w, r, "insp_notice_form", v, err)
}

type noticeData struct {
	Assets phoneAssets
	N      inspection.Notice
	Doc    inspection.NoticeDoc
	Can    map[string]bool
}

func (s *Server) noticeOf(r *http.Request) (inspection.Notice, error) {
	id, err := web.PathID(r, "id", "inspection.entity.notice")
	if err != nil {
		return inspection.Notice{}, err
	}
	return s.insp.GetNotice(r.Context(), web.Principal(r), id)
}

func (s *Server) noticeView(w http.ResponseWriter, r *http.Request, n inspection.Notice) *web.View {
	v := s.View(w, r, "inspweb.notice.title")
	v.Title = n.Number
	can := map[string]bool{}
	for _, a := range n.Allowed {
		can[string(a)] = true
	}
	v.Data = &noticeData{Assets: phone(), N: n, Doc: inspection.DocOf(n), Can: can}
	return v
}

func (s *Server) noticeShow(w http.ResponseWriter, r *http.Request) error {
	n, err := s.noticeOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "insp_notice", s.noticeView(w, r, n))
	return nil
}

// noticePrint is the document as a page to print from the browser.
func (s *Server) noticePrint(w http.ResponseWriter, r *http.Request) error {
	n, err := s.noticeOf(r)
	if err != nil {
		return err
	}
	s.Render(w, r, http.StatusOK, "insp_notice_print", s.noticeView(w, r, n))
	return nil
}

func (s *Server) noticePDF(w http.ResponseWriter, r *http.Request) error {
	n, err := s.noticeOf(r)
	if err != nil {
		return err
	}
	b, err := s.insp.NoticePDF(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="notice-%d-%d.pdf"`, n.Year, n.ID))
	w.Write(b)
	return nil
}

// noticeAction takes a step: sign for it, reply (per finding, with photos),
// close, send back.
func (s *Server) noticeAction(w http.ResponseWriter, r *http.Request) error {
	n, err := s.noticeOf(r)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	in := inspection.NoticeStep{Action: inspection.NoticeAction(r.PathValue("action")), Note: r.PostForm.Get("note"),
		Answers: map[int64]string{}, Photos: map[int64]*photo.Prepared{}}
	var fe errs.Fields
	if in.Action == inspection.NoticeReply {
		for _, it := range n.Items {
			f := "reply_" + strconv.FormatInt(it.RectificationID, 10)
			in.Answers[it.RectificationID] = r.PostForm.Get(f)
			if r.MultipartForm == nil {
				continue
			}
			if fhs := r.MultipartForm.File[f+"_photo"]; len(fhs) > 0 && fhs[0].Size > 0 {
				c, err := web.InspectPhoto(fhs[0])
				if e := errs.As(err); e != nil && e.Code == errs.Invalid {
					fe.Add(f+"_photo", e.Key, e.Args...)
					continue
				} else if err != nil {
					return err
				}
				pp, err := c.Prepare(r.Context())
				if e := errs.As(err); e != nil && e.Code == errs.Invalid {
					fe.Add(f+"_photo", e.Key, e.Args...)
					continue
				} else if err != nil {
					return err
				}
				in.Photos[it.RectificationID] = pp
			}
		}
	}
	err = fe.Err()
	if err == nil {
		n, err = s.insp.StepNotice(r.Context(), web.Principal(r), n.ID, in)
	}
	if err == nil {
		return s.Redirect(w, r, "/inspection/notices/"+strconv.FormatInt(n.ID, 10), "inspweb.flash.notice_"+string(in.Action))
	}
	return s.FormFailed(w, r, "insp_notice", s.noticeView(w, r, n), err)
}

// noticePhoto serves a finding's photo or the unit's reply photo to those
// who see the notice.
func (s *Server) noticePhoto(w http.ResponseWriter, r *http.Request) error {
	n, err := s.noticeOf(r)
	if err != nil {
		return err
	}
	id, err := web.PathID(r, "photo", "photo.entity")
	if err != nil {
		return err
	}
	for _, it := range n.Items {
		if id != 0 && (it.PhotoID == id || it.ReplyPhotoID == id) {
			variant := photo.Public
			if r.URL.Query().Get("v") == "thumb" {
				variant = photo.Thumb
			}
			return web.ServePhoto(w, r, s.photos, id, variant, "private, max-age=3600")
		}
	}
	return errs.NotFoundf("photo.entity")
}
