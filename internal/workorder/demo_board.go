package workorder

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/rand/v2"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
)

// SeedDemoBoard gives the demo city's public board life: up to n of the
// generated orders that were closed with a satisfied callback get a
// citizen's photo on their report and the unit's photo on their resolution
// (drawn here: a street with litter and a stall, then the same street
// clean), and are published by p (a dispatcher) through Publish, with the
// same checks as a dispatcher's. It does nothing when the board has posts.
func (s *Service) SeedDemoBoard(ctx context.Context, p *auth.Principal, n int) (int, error) {
	if s.Photos == nil {
		return 0, nil
	}
	type pick struct{ id, submitEv, resolveEv int64 }
	var picks []pick
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		posts, err := tx.Count(ctx, "SELECT COUNT(*) FROM board_posts")
		if err != nil || posts > 0 {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT w.id,
			(SELECT MIN(e.id) FROM workorder_events e WHERE e.order_id = w.id AND e.action = 'submit'),
			(SELECT MAX(e.id) FROM workorder_events e WHERE e.order_id = w.id AND e.action = 'resolve')
			FROM workorders w WHERE w.state = 'closed' AND w.satisfaction = 'satisfied'
			ORDER BY w.closed_at DESC LIMIT ?`, n*3)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var pk pick
			var sub, res *int64
			if err := rows.Scan(&pk.id, &sub, &res); err != nil {
				return err
			}
			if sub != nil && res != nil && len(picks) < n {
				pk.submitEv, pk.resolveEv = *sub, *res
				picks = append(picks, pk)
			}
		}
		return rows.Err()
	})
	if err != nil || len(picks) == 0 {
		return 0, err
	}
	r := rand.New(rand.NewPCG(20261203, 1))
	done := 0
	for i, pk := range picks {
		var before, after int64
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			for _, ph := range []struct {
				ev    int64
				dirty bool
				id    *int64
			}{{pk.submitEv, true, &before}, {pk.resolveEv, false, &after}} {
				saved, err := s.Photos.Save(ctx, tx, bytes.NewReader(demoStreet(r, i, ph.dirty)), p.UserID)
				if err != nil {
					return err
				}
				*ph.id = saved.ID
				if _, err := tx.Exec(ctx, "INSERT INTO workorder_attachments (event_id, order_id, photo_id, created_at) VALUES (?, ?, ?, ?)",
					ph.ev, pk.id, saved.ID, s.Clock.Now().UnixMilli()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return done, fmt.Errorf("demo board photos of order %d: %w", pk.id, err)
		}
		d, err := s.BoardDraft(ctx, p, pk.id)
		if err != nil {
			return done, err
		}
		in := d.Input
		in.BeforePhotoIDs, in.AfterPhotoIDs = []int64{before}, []int64{after}
		if in.Response == "" {
			in.Response = "已按要求整改完毕，群众回访满意。"
		}
		if _, err := s.Publish(ctx, p, pk.id, in); err != nil {
			return done, fmt.Errorf("publish demo order %d: %w", pk.id, err)
		}
		done++
	}
	return done, nil
}

// demoStreet draws a 640×480 photo of a street: sky, buildings, pavement and
// road; dirty adds rubbish and a stall on the pavement.
func demoStreet(r *rand.Rand, seed int, dirty bool) []byte {
	const w, h = 640, 480
	im := image.NewRGBA(image.Rect(0, 0, w, h))
	fill := func(x0, y0, x1, y1 int, c color.RGBA) {
		for y := max(0, y0); y < min(h, y1); y++ {
			for x := max(0, x0); x < min(w, x1); x++ {
				im.SetRGBA(x, y, c)
			}
		}
	}
	for y := 0; y < 200; y++ { // sky, lighter towards the horizon
		fill(0, y, w, y+1, color.RGBA{uint8(120 + y/3), uint8(170 + y/5), 235, 255})
	}
	br := rand.New(rand.NewPCG(uint64(seed), 7)) // the same buildings before and after
	for x := 0; x < w; {
		bw := 60 + br.IntN(90)
		top := 40 + br.IntN(120)
		shade := uint8(150 + br.IntN(80))
		fill(x, top, x+bw-4, 300, color.RGBA{shade, shade - 20, shade - 40, 255})
		for wy := top + 15; wy < 285; wy += 28 { // windows
			for wx := x + 10; wx < x+bw-20; wx += 22 {
				fill(wx, wy, wx+12, wy+16, color.RGBA{200, 220, 240, 255})
			}
		}
		x += bw
	}
	fill(0, 300, w, 360, color.RGBA{190, 186, 178, 255}) // pavement
	fill(0, 360, w, h, color.RGBA{80, 82, 86, 255})      // road
	for x := 20; x < w; x += 80 {                        // lane marks
		fill(x, 415, x+40, 421, color.RGBA{240, 240, 240, 255})
	}
	if dirty {
		fill(380, 250, 520, 330, color.RGBA{30, 110, 200, 255}) // a stall's awning and table
		fill(390, 300, 510, 340, color.RGBA{150, 100, 60, 255})
		for range 40 {
			x, y := r.IntN(w), 305+r.IntN(50)
			c := []color.RGBA{{230, 60, 50, 255}, {250, 250, 250, 255}, {40, 160, 70, 255}, {240, 200, 40, 255}}[r.IntN(4)]
			sz := 4 + r.IntN(10)
			fill(x, y, x+sz, y+sz/2+2, c)
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, im, &jpeg.Options{Quality: 80})
	return b.Bytes()
}
