package workorder

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// BenchmarkListWithSearch lists the 50 newest orders matching a
// two-character word (路灯, in about one order in twenty), alone and with a
// state filter, next to the same list without a search, on each engine.
// WENMING_BENCH_ORDERS sets how many orders are loaded (default 20,000).
// It reports times only; docs/PERFORMANCE.md records figures at 1M orders.
func BenchmarkListWithSearch(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("WENMING_BENCH_ORDERS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range dbtest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			svc := benchOrders(b, engine, n)
			p := &auth.Principal{UserID: 1, Scope: auth.Scope{All: true}, Perms: map[auth.Perm]bool{auth.PermOrderView: true}}
			for _, c := range []struct {
				name string
				f    Filter
			}{
				{"no_search", Filter{}},
				{"q_路灯", Filter{Q: "路灯"}},
				{"q_路灯_submitted", Filter{Q: "路灯", States: []State{StateSubmitted}}},
				{"q_路灯_page_5", Filter{Q: "路灯", Page: 5}},
				{"q_no_match", Filter{Q: "井盖丢失"}},
			} {
				b.Run(c.name, func(b *testing.B) {
					rows := 0
					for b.Loop() {
						out, _, err := svc.List(ctx, p, c.f)
						if err != nil {
							b.Fatal(err)
						}
						rows = len(out)
					}
					b.ReportMetric(float64(rows), "rows")
				})
			}
		})
	}
}

// benchOrders loads n citizens' reports in one region, a thousand per
// transaction, through submitTx (so each is indexed as in production).
func benchOrders(b *testing.B, engine db.Engine, n int) *Service {
	b.Helper()
	ctx := context.Background()
	d := dbtest.Open(b, engine)
	svc := New(d, clock.NewFake(time.Date(2026, 3, 2, 9, 0, 0, 0, Zone)))
	var region int64
	err := d.Write(ctx, func(tx *db.Tx) error {
		var err error
		region, err = tx.InsertID(ctx, `INSERT INTO regions (level, code, name, path, created_at, updated_at)
			VALUES ('city', 'B', '乐山市', '/1/', 0, 0) RETURNING id`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Bootstrap(ctx); err != nil {
		b.Fatal(err)
	}
	var cat int64
	if err := d.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT id FROM workorder_categories WHERE code = 'RUBBISH'", nil, &cat)
	}); err != nil {
		b.Fatal(err)
	}
	places := []string{"嘉定北路", "柏杨中路", "海棠小区", "滨河路", "白塔街", "县街", "茶坊路", "肖坝路"}
	things := []string{"垃圾堆放多日无人清运", "人行道被占用", "井口盖子松动", "树枝折断挡路", "噪音扰民到深夜",
		"有流动摊贩占道经营", "路边灯光昏暗", "下水道堵塞有异味", "小广告贴满墙面", "共享单车乱停放"}
	rng := rand.New(rand.NewPCG(1, 2))
	for start := 0; start < n; start += 1000 {
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i := start; i < min(start+1000, n); i++ {
				place := places[rng.IntN(len(places))]
				text := place + things[rng.IntN(len(things))]
				if rng.IntN(20) == 0 {
					text = place + "的路灯晚上不亮"
				}
				in := SubmitInput{Channel: ChannelSnap, CategoryID: cat, Description: text, Address: place, RegionID: region}
				in.normalise()
				if _, err := svc.submitTx(ctx, tx, nil, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return svc
}
