package orderweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/clock"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/export"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// The public board (曝光台): /board and /board/{id} for anyone, photos of
// published posts only as their public renditions, the dispatcher's
// publish form on /orders/{id}/board, and the public API.
func (s *Server) boardRoutes() {
	s.PublicPage("GET /board", s.boardList)
	s.PublicPage("GET /board/{id}", s.boardPostPage)
	s.PublicPage("GET /board/photos/{id}/{variant}", s.boardPhoto)
	s.Page("GET /orders/{id}/board", s.boardPublishPage)
	s.Page("POST /orders/{id}/board", s.boardPublish)
	s.Page("POST /board/{id}/unpublish", s.boardUnpublish)

	photoRef := web.Obj(map[string]any{"id": web.Integer(), "url": web.Str(), "thumb_url": web.Str()})
	post := web.Obj(map[string]any{"id": web.Integer(), "title": web.Str(), "summary": web.Str(), "response": web.Str(),
		"category_name": web.Str(), "category_name_en": web.Str(), "district_name": web.Str(), "district_name_en": web.Str(),
		"unit_name": web.Str(), "reported_at": web.DateTime(), "resolved_at": web.DateTime(), "published_at": web.DateTime(),
		"before_photo_ids": web.Arr(web.Integer()), "after_photo_ids": web.Arr(web.Integer()),
		"before_photos": web.Arr(photoRef), "after_photos": web.Arr(photoRef), "url": web.Str()})
	s.PublicAPI("GET /api/v1/public/board", web.APIDoc{
		Summary: "Cases on the public board (曝光台), newest first: the text written for the public, the unit's response, " +
			"and before and after photos (served without EXIF at /board/photos/{id}/public and /board/photos/{id}/thumb)",
		Tag: "public", Params: web.PagingParams[:2], Response: web.ListOf(post)}, s.apiBoardList)
	s.PublicAPI("GET /api/v1/public/board/{id}", web.APIDoc{Summary: "One case on the public board; a case taken off the board is 404",
		Tag: "public", Response: post}, s.apiBoardGet)
}

const boardEntity = "board.entity.post"

func boardPath(id int64) string { return "/board/" + strconv.FormatInt(id, 10) }

func boardPhotoURL(id int64, v photo.Variant) string {
	return "/board/photos/" + strconv.FormatInt(id, 10) + "/" + string(v)
}

// boardPhotoRef is a photo of a post as the pages and the API show it.
type boardPhotoRef struct {
	ID       int64  `json:"id"`
	URL      string `json:"url"`
	ThumbURL string `json:"thumb_url"`
}

func boardPhotoRefs(ids []int64) []boardPhotoRef {
	out := make([]boardPhotoRef, 0, len(ids))
	for _, id := range ids {
		out = append(out, boardPhotoRef{ID: id, URL: boardPhotoURL(id, photo.Public), ThumbURL: boardPhotoURL(id, photo.Thumb)})
	}
	return out
}

// boardItem is a post with its photos' addresses.
type boardItem struct {
	workorder.BoardPost
	BeforePhotos []boardPhotoRef `json:"before_photos"`
	AfterPhotos  []boardPhotoRef `json:"after_photos"`
	URL          string          `json:"url"`
}

func boardItemOf(b workorder.BoardPost) boardItem {
	return boardItem{BoardPost: b, BeforePhotos: boardPhotoRefs(b.BeforePhotoIDs), AfterPhotos: boardPhotoRefs(b.AfterPhotoIDs),
		URL: boardPath(b.ID)}
}

// boardQuery is the page of the board asked for; the board shows fewer
// cases a page than staff lists.
func boardQuery(r *http.Request) web.ListQuery {
	lq := web.ListQueryOf(r)
	if r.URL.Query().Get("size") == "" {
		lq.Size = workorder.DefaultBoardPerPage
	}
	return lq
}

type boardListData struct {
	Items []boardItem
	Pager web.Pager
	Staff bool // signed in: the list's workbook is offered
}

func (s *Server) boardList(w http.ResponseWriter, r *http.Request) error {
	lq := boardQuery(r)
	staff := web.Principal(r) != nil
	if web.WantsXLSX(r) {
		// The workbook is the office's: citizens read the board itself.
		if !staff {
			return errs.E(errs.Unauthorized, "err.unauthorized")
		}
		return s.boardExport(w, r)
	}
	posts, total, err := s.orders.ListBoard(r.Context(), lq.Page, lq.Size)
	if err != nil {
		return err
	}
	v := s.View(w, r, "board.title")
	d := &boardListData{Pager: web.NewPager(r, lq, total), Staff: staff}
	for _, b := range posts {
		d.Items = append(d.Items, boardItemOf(b))
	}
	v.Data = d
	s.Render(w, r, http.StatusOK, "board_list", v)
	return nil
}

// boardExport is the board as a workbook, in the request's language.
func (s *Server) boardExport(w http.ResponseWriter, r *http.Request) error {
	l := web.Lang(r)
	var rows [][]any
	for page := 1; len(rows) < export.MaxRows; page++ {
		posts, total, err := s.orders.ListBoard(r.Context(), page, web.MaxPageSize)
		if err != nil {
			return err
		}
		for _, b := range posts {
			cat, district := b.CategoryName, b.DistrictName
			if l == i18n.EN {
				cat, district = boardOr(b.CategoryNameEN, cat), boardOr(b.DistrictNameEN, district)
			}
			resolved := ""
			if b.ResolvedAt != nil {
				resolved = b.ResolvedAt.In(clock.CST).Format("2006-01-02 15:04")
			}
			rows = append(rows, []any{b.PublishedAt.In(clock.CST).Format("2006-01-02 15:04"), b.Title, cat, district, b.UnitName,
				b.ReportedAt.In(clock.CST).Format("2006-01-02 15:04"), resolved, b.Summary, b.Response})
		}
		if page*web.MaxPageSize >= total || len(posts) == 0 {
			break
		}
	}
	t := func(k string) string { return i18n.T(l, k) }
	cols := []export.Column{{Header: t("board.published"), Width: 18}, {Header: t("board.col.title"), Width: 30},
		{Header: t("board.category"), Width: 16}, {Header: t("board.district"), Width: 12}, {Header: t("board.unit"), Width: 20},
		{Header: t("board.reported"), Width: 18}, {Header: t("board.resolved"), Width: 18},
		{Header: t("board.col.summary"), Width: 50}, {Header: t("board.response"), Width: 50}}
	return export.ServeXLSX(w, t("board.title"), s.Clock.Now(), cols, rows)
}

func boardOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) boardPostPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", boardEntity)
	if err != nil {
		return err
	}
	b, err := s.orders.GetBoardPost(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.View(w, r, "board.title")
	v.Title = b.Title
	it := boardItemOf(b)
	v.Data = &it
	s.Render(w, r, http.StatusOK, "board_post", v)
	return nil
}

// boardPhoto serves the public rendition or the thumbnail of a photo on a
// published post; the original, and any photo not on the board, do not
// exist here.
func (s *Server) boardPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "photo.entity")
	if err != nil {
		return err
	}
	variant := photo.Variant(r.PathValue("variant"))
	if variant != photo.Public && variant != photo.Thumb {
		return errs.NotFoundf("photo.entity")
	}
	if err := s.orders.BoardPhotoPublished(r.Context(), id); err != nil {
		return err
	}
	if s.photos == nil {
		return errs.NotFoundf("photo.entity")
	}
	// Short and revalidated: a post taken off the board stops showing soon.
	return web.ServePhoto(w, r, s.photos, id, variant, "public, max-age=300")
}

// boardPublishData is the dispatcher's publish form.
type boardPublishData struct {
	Draft     workorder.BoardDraft
	State     string // the order's state, translated
	MaxPhotos int
	PostURL   string
	Photos    []boardFormPhoto
}

type boardFormPhoto struct {
	ID    int64
	N     int
	Label string
}

func (s *Server) boardPublishView(w http.ResponseWriter, r *http.Request, id int64) (*web.View, *boardPublishData, error) {
	draft, err := s.orders.BoardDraft(r.Context(), web.Principal(r), id)
	if err != nil {
		return nil, nil, err
	}
	v := s.View(w, r, "board.publish.title")
	d := &boardPublishData{Draft: draft, State: v.T(draft.Order.State.Key()), MaxPhotos: workorder.MaxBoardPhotos}
	if draft.Post != nil && draft.Post.Published() {
		d.PostURL = boardPath(draft.Post.ID)
	}
	for i, ph := range draft.Photos {
		d.Photos = append(d.Photos, boardFormPhoto{ID: ph.ID, N: i + 1,
			Label: v.T("board.field.photo_from", i+1, i18n.Key(workorder.Action(ph.Action).Key()))})
	}
	v.Data = d
	return v, d, nil
}

// boardForm fills the form's values from an input.
func boardForm(in workorder.BoardInput) url.Values {
	f := url.Values{"title": {in.Title}, "summary": {in.Summary}, "response": {in.Response}}
	for _, id := range in.BeforePhotoIDs {
		f.Add("before_photo_ids", strconv.FormatInt(id, 10))
	}
	for _, id := range in.AfterPhotoIDs {
		f.Add("after_photo_ids", strconv.FormatInt(id, 10))
	}
	return f
}

func (s *Server) boardPublishPage(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	v, d, err := s.boardPublishView(w, r, id)
	if err != nil {
		return err
	}
	v.Form = boardForm(d.Draft.Input)
	s.Render(w, r, http.StatusOK, "board_publish", v)
	return nil
}

func (s *Server) boardPublish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	if err := web.ParseForm(r); err != nil {
		return err
	}
	var fe errs.Fields
	in := workorder.BoardInput{Title: r.PostForm.Get("title"), Summary: r.PostForm.Get("summary"),
		Response: r.PostForm.Get("response"), BeforePhotoIDs: web.FormInt64s(&fe, r.PostForm, "before_photo_ids"),
		AfterPhotoIDs: web.FormInt64s(&fe, r.PostForm, "after_photo_ids")}
	err = fe.Err()
	if err == nil {
		_, err = s.orders.Publish(r.Context(), web.Principal(r), id, in)
	}
	if err != nil {
		code := errs.CodeOf(err)
		if code != errs.Invalid && code != errs.Conflict {
			return err
		}
		v, _, verr := s.boardPublishView(w, r, id)
		if verr != nil {
			return verr
		}
		r.PostForm.Del("csrf")
		return s.FormFailed(w, r, "board_publish", v, err)
	}
	return s.Redirect(w, r, "/orders/"+strconv.FormatInt(id, 10)+"/board", "board.flash.published")
}

func (s *Server) boardUnpublish(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", boardEntity)
	if err != nil {
		return err
	}
	b, err := s.orders.Unpublish(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	return s.Redirect(w, r, "/orders/"+strconv.FormatInt(b.OrderID, 10)+"/board", "board.flash.unpublished")
}

func (s *Server) apiBoardList(w http.ResponseWriter, r *http.Request) error {
	lq := boardQuery(r)
	posts, total, err := s.orders.ListBoard(r.Context(), lq.Page, lq.Size)
	if err != nil {
		return err
	}
	items := make([]boardItem, 0, len(posts))
	for _, b := range posts {
		items = append(items, boardItemOf(b))
	}
	web.WriteJSON(w, http.StatusOK, web.NewAPIList(items, total, lq))
	return nil
}

func (s *Server) apiBoardGet(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", boardEntity)
	if err != nil {
		return err
	}
	b, err := s.orders.GetBoardPost(r.Context(), id)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, boardItemOf(b))
	return nil
}
