package orderweb

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/wenming-city/wenming/internal/web"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/workorder"
)

// Evidence photos on staff steps (a resolution's pictures): the files sent
// as "photos" with a step's form or multipart API body are checked and
// re-encoded before any transaction (a bad one refuses the whole step on
// the "photos" field and nothing is written), their blobs uploaded, and
// their rows committed in the step's own transaction, as the citizen's
// report does (public_routes.go). Staff see them on the timeline through
// /orders/{id}/photos/{photoID}/{variant}, which answers only for an order
// in the viewer's scope and a photo on its timeline.

// stepPhotoForm reports whether an action's form takes evidence photos.
func stepPhotoForm(a workorder.Action) bool { return a == workorder.ActionResolve }

// isMultipart reports whether the request's body is a multipart form.
func isMultipart(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/")
}

// stepPhotos checks the photos sent with a step on order id: none is
// nothing to do; otherwise the order must be in p's scope (404 before any
// decoding), there may be at most workorder.StepMaxPhotos, and each must be
// a real image. Field messages go to fe under "photos".
func (s *Server) stepPhotos(r *http.Request, p *auth.Principal, id int64, fe *errs.Fields) ([]*photo.Prepared, error) {
	files := web.PhotoFiles(r)
	if len(files) == 0 {
		return nil, nil
	}
	if _, err := s.orders.Get(r.Context(), p, id); err != nil {
		return nil, err
	}
	if len(files) > workorder.StepMaxPhotos {
		fe.Add("photos", "workorder.field.too_many_photos", workorder.StepMaxPhotos)
		return nil, nil
	}
	if s.photos == nil {
		return nil, errors.New("no photo store configured")
	}
	// Every photo's header first, then the request's pixel budget, and only
	// then the decoding (bounded by photo's decode slots), as on /report.
	checked := make([]*photo.Checked, 0, len(files))
	for i, fh := range files {
		c, err := web.InspectPhoto(fh)
		if e := errs.As(err); e != nil && e.Code == errs.Invalid {
			fe.Add("photos", "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
			continue
		} else if err != nil {
			return nil, err
		}
		checked = append(checked, c)
	}
	if len(checked) < len(files) {
		return nil, nil
	}
	if e := errs.As(photo.CheckPixelBudget(checked)); e != nil {
		fe.Add("photos", e.Key, e.Args...)
		return nil, nil
	}
	var out []*photo.Prepared
	for i, c := range checked {
		pp, err := c.Prepare(r.Context())
		if e := errs.As(err); e != nil && e.Code == errs.Invalid {
			fe.Add("photos", "pub.field.photo_n", i+1, i18n.T(web.Lang(r), e.Key, e.Args...))
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, pp)
	}
	return out, nil
}

// actWithPhotos takes the step with its prepared photos: the blobs are
// written first (outside the transaction, so slow storage does not hold
// the writer), the photo rows join the step's transaction, and a refused
// step removes the blobs it wrote (photo.Staged), as a refused report does.
func (s *Server) actWithPhotos(ctx context.Context, p *auth.Principal, id int64, in workorder.ActionInput, prepared []*photo.Prepared) (o workorder.Order, err error) {
	if len(prepared) == 0 {
		return s.orders.Act(ctx, p, id, in)
	}
	staged, err := s.photos.Stage(ctx, prepared)
	if err != nil {
		return workorder.Order{}, err
	}
	defer func() {
		bg := context.WithoutCancel(ctx)
		if ferr := staged.Finish(bg, err == nil); ferr != nil {
			// The sweeper removes what is left (photo.Service.Sweep).
			slog.WarnContext(bg, "photos of a refused step are left for the sweeper", "err", ferr)
		}
	}()
	return s.orders.ActWithPhotos(ctx, p, id, in, func(ctx context.Context, tx *db.Tx) ([]int64, error) {
		return staged.Commit(ctx, tx, p.UserID)
	})
}

// orderPhoto serves a photo of an order's timeline to staff: the original
// (staff only), the public copy or the thumbnail. Outside the viewer's
// scope, or for a photo not on this order, it does not exist.
func (s *Server) orderPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", orderEntity)
	if err != nil {
		return err
	}
	pid, err := web.PathID(r, "photoID", "photo.entity")
	if err != nil {
		return err
	}
	variant, err := photo.ParseVariant(r.PathValue("variant"))
	if err != nil {
		return errs.NotFoundf("photo.entity")
	}
	o, err := s.orders.Get(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	found := false
	for _, e := range o.Events {
		found = found || slices.Contains(e.PhotoIDs, pid)
	}
	if !found || s.photos == nil {
		return errs.NotFoundf("photo.entity")
	}
	return web.ServePhoto(w, r, s.photos, pid, variant, "private, max-age=3600")
}

// staffPhoto is a photo on the staff timeline.
type staffPhoto struct {
	N                       int
	Thumb, Public, Original string
}

// eventPhotos links an event's photos through the staff route.
func eventPhotos(orderID int64, ids []int64) []staffPhoto {
	out := make([]staffPhoto, 0, len(ids))
	base := orderPath(orderID) + "/photos/"
	for i, id := range ids {
		u := base + web.I64s(id) + "/"
		out = append(out, staffPhoto{N: i + 1, Thumb: u + string(photo.Thumb), Public: u + string(photo.Public),
			Original: u + string(photo.Original)})
	}
	return out
}
