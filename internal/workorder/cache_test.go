package workorder_test

import (
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

// The cached region centres and categories follow changes: a moved centre
// (after RegionsChanged) places the next report by the new centre, and a
// category an admin withdraws is refused at once by the handler's look-up
// and by SubmitPublic.
func TestReferenceCachesFollowChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		move := func(id int64, lat, lng float64) {
			must(t, d.Write(f.ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(f.ctx, "UPDATE regions SET lat = ?, lng = ? WHERE id = ?", lat, lng, id)
				return err
			}))
			f.svc.RegionsChanged()
		}
		move(f.distA, 29.56, 103.76)
		move(f.distB, 29.41, 103.55)
		placed := func(want int64) {
			t.Helper()
			s, err := f.svc.SubmitPublic(f.ctx, f.report(29.42, 103.56, "RUBBISH", "192.0.2.9"))
			must(t, err)
			if f.count(t, "SELECT COUNT(*) FROM workorders WHERE id = ? AND region_id = ?", s.ID, want) != 1 {
				t.Fatalf("report not placed in region %d", want)
			}
		}
		placed(f.distB)
		move(f.distA, 29.42, 103.56)
		placed(f.distA)

		c, err := f.svc.CategoryByCode(f.ctx, "RUBBISH")
		must(t, err)
		if !c.Public || c.ID != f.cats["RUBBISH"] {
			t.Fatalf("category by code: %+v", c)
		}
		admin := f.user(t, "admin", 0, auth.Scope{All: true}, auth.PermSettingsManage)
		in := c.Input()
		in.Public = false
		_, err = f.svc.UpdateCategory(f.ctx, admin, c.ID, in)
		must(t, err)
		if c, err = f.svc.CategoryByCode(f.ctx, "RUBBISH"); err != nil || c.Public {
			t.Fatalf("after the update: %+v, %v", c, err)
		}
		if _, err := f.svc.SubmitPublic(f.ctx, f.report(29.42, 103.56, "RUBBISH", "192.0.2.10")); !errs.Is(err, errs.Invalid) {
			t.Fatalf("withdrawn category accepted: %v", err)
		}
	})
}
