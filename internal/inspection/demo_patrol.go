package inspection

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"
	"time"

	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/workorder"
)

// demoPatrolFindings are what the demo's patrols find, by kind.
var demoPatrolFindings = map[PatrolKind][]string{
	PatrolBackStreet: {"巷道内堆放建筑垃圾", "巷口污水外溢"},
	PatrolSchool:     {"校门口流动摊贩占道", "上学时段机动车乱停放"},
	PatrolStalls:     {"水果店出店经营占用人行道", "夜市摊点超时超范围经营"},
	PatrolClutter:    {"楼道口乱堆杂物", "绿化带内堆放废旧家具"},
	PatrolDogs:       {"遛狗未牵绳", "犬只粪便未清理"},
	PatrolPosters:    {"电杆上张贴“牛皮癣”小广告", "墙面喷涂办证电话"},
}

// SeedDemoPatrols writes a fortnight of patrols by the supervision groups'
// inspectors in their streets: most findings fixed on the spot (before and
// after photos), the rest, when the demo has work orders, filed as
// rectification orders; without orders every demo finding is fixed.
func (s *Service) SeedDemoPatrols(ctx context.Context, withOrders bool) error {
	if s.Photos == nil {
		return nil
	}
	now := s.now()
	rng := rand.New(rand.NewPCG(11, 37))
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_patrols"); err != nil || n > 0 {
			return err
		}
		type walker struct{ user, team int64 }
		var walkers []walker
		rows, err := tx.Query(ctx, `SELECT MIN(u.id), u.unit_id FROM users u JOIN units g ON g.id = u.unit_id
			WHERE g.kind = 'supervision_group' GROUP BY u.unit_id ORDER BY u.unit_id`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var w walker
			if err := rows.Scan(&w.user, &w.team); err != nil {
				rows.Close()
				return err
			}
			walkers = append(walkers, w)
		}
		rows.Close()
		type street struct {
			region, unit int64
			name         string
			lat, lng     float64
		}
		var streets []street
		rows, err = tx.Query(ctx, `SELECT r.id, u.id, r.name, COALESCE(r.lat, 29.55), COALESCE(r.lng, 103.76) FROM regions r
			JOIN units u ON u.region_id = r.id AND u.kind = 'street_office' WHERE r.level = 'street' ORDER BY r.path`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var x street
			if err := rows.Scan(&x.region, &x.unit, &x.name, &x.lat, &x.lng); err != nil {
				rows.Close()
				return err
			}
			streets = append(streets, x)
		}
		rows.Close()
		if len(walkers) == 0 || len(streets) == 0 {
			return nil
		}
		for i := range 8 {
			w, st := walkers[i%len(walkers)], streets[(i*3)%len(streets)]
			d := now.In(clock.CST).AddDate(0, 0, -15+i*2)
			start := time.Date(d.Year(), d.Month(), d.Day(), 9+rng.IntN(6), 0, 0, 0, clock.CST)
			route := st.name + "主街—" + st.name + "老街—学校周边"
			id, err := tx.InsertID(ctx, `INSERT INTO inspection_patrols (team_id, patroller_id, region_id, route, note, started_at, ended_at)
				VALUES (?, ?, ?, ?, '', ?, ?) RETURNING id`, w.team, w.user, st.region, route, start.UnixMilli(), start.Add(2*time.Hour).UnixMilli())
			if err != nil {
				return err
			}
			for k := range 3 + rng.IntN(3) {
				kind := PatrolKinds[rng.IntN(len(PatrolKinds)-1)]
				notes := demoPatrolFindings[kind]
				desc := notes[rng.IntN(len(notes))]
				at := start.Add(time.Duration(15+k*20) * time.Minute)
				lat, lng := offset(st.lat, st.lng, rng.IntN(8), float64(50+rng.IntN(600)))
				before, err := s.Photos.Save(ctx, tx, bytes.NewReader(demoPatrolPhoto(rng, true)), w.user)
				if err != nil {
					return err
				}
				fixed := !withOrders || rng.IntN(100) < 70
				var after, order any
				if fixed {
					ph, err := s.Photos.Save(ctx, tx, bytes.NewReader(demoPatrolPhoto(rng, false)), w.user)
					if err != nil {
						return err
					}
					after = ph.ID
				} else {
					la, ln := round6(lat), round6(lng)
					sub, err := s.Orders.SubmitInternalTx(ctx, tx, nil, workorder.InternalOrder{Kind: workorder.KindRectification,
						Title: truncate("巡查发现："+desc, workorder.MaxTitleLen), Description: "巡查（" + route + "）发现问题：" + desc + "。",
						Lat: &la, Lng: &ln, RegionID: st.region, UnitID: st.unit, ResolveDue: RectifyDue(SeverityNormal, at),
						PhotoIDs: []int64{before.ID}, Source: "patrol demo", At: at})
					if err != nil {
						return err
					}
					order = sub.ID
				}
				if _, err := tx.Exec(ctx, `INSERT INTO inspection_patrol_findings (patrol_id, kind, description, unit_id, lat, lng, fixed, before_photo_id,
					after_photo_id, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					id, string(kind), desc, st.unit, round6(lat), round6(lng), fixed, before.ID, after, order, at.UnixMilli()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// demoPatrolPhoto draws a small street scene, with litter when dirty.
func demoPatrolPhoto(r *rand.Rand, dirty bool) []byte {
	const w, h = 160, 120
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{190, 186, 178, 255}
			if y < 50 {
				c = color.RGBA{uint8(130 + y), 180, 235, 255}
			} else if y > 90 {
				c = color.RGBA{80, 82, 86, 255}
			}
			im.SetRGBA(x, y, c)
		}
	}
	if dirty {
		for range 25 {
			x, y := r.IntN(w-6), 55+r.IntN(30)
			for dy := range 4 {
				for dx := range 6 {
					im.SetRGBA(x+dx, y+dy, color.RGBA{230, 60, 50, 255})
				}
			}
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, im, &jpeg.Options{Quality: 80})
	return b.Bytes()
}
