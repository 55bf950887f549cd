package workorder

import (
	"context"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/pii"
)

// StepMaxPhotos is how many evidence photos staff may attach to one step
// (a resolution's before/after pictures), the same as a citizen's report.
const StepMaxPhotos = PublicMaxPhotos

// StepPhotos stores a step's photos inside the step's write transaction
// and returns their ids (see photo.Service.Commit: the photos are checked
// and their blobs uploaded before the transaction, only the rows are
// written here).
type StepPhotos func(ctx context.Context, tx *db.Tx) ([]int64, error)

// ActWithPhotos is Act with evidence photos: photos runs in the same write
// transaction as the step and its ids join in.PhotoIDs on the step's
// timeline event. Any refusal of the step (or more than StepMaxPhotos
// photos) rolls the photo rows back with everything else. A nil photos is
// Act.
func (s *Service) ActWithPhotos(ctx context.Context, p *auth.Principal, id int64, in ActionInput, photos StepPhotos) (Order, error) {
	if photos == nil {
		return s.Act(ctx, p, id, in)
	}
	if p == nil {
		return Order{}, errs.E(errs.Unauthorized, "err.unauthorized")
	}
	var out Order
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		ids, err := photos(ctx, tx)
		if err != nil {
			return err
		}
		step := in
		step.PhotoIDs = append(append([]int64(nil), in.PhotoIDs...), ids...)
		if len(step.PhotoIDs) > StepMaxPhotos {
			// The order's scope and state come first: outside them the
			// photos' count does not matter.
			if err := canRead(p); err != nil {
				return err
			}
			if _, err := loadOrder(ctx, tx, p, id); err != nil {
				return err
			}
			var f errs.Fields
			f.Add("photos", "workorder.field.too_many_photos", StepMaxPhotos)
			return f.Err()
		}
		o, err := s.act(ctx, tx, p, id, step, s.Clock.Now())
		out = o
		return err
	})
	out.ReporterPhone = pii.MaskPhone(out.ReporterPhone)
	return out, err
}
