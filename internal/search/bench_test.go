package search

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// BenchmarkMatchTwoCharacterWord searches 100,000 indexed work-order texts
// on SQLite for 路灯, which about one in twenty contains: all matching refs,
// and the 50 newest matching rows of a record table as a list page asks.
func BenchmarkMatchTwoCharacterWord(b *testing.B) {
	ctx := context.Background()
	d := benchDB(b, 100_000)
	var matches int
	b.Run("all_refs", func(b *testing.B) {
		for b.Loop() {
			err := d.Read(ctx, func(tx *db.Tx) error {
				refs, err := Refs(ctx, tx, "bench", "路灯")
				matches = len(refs)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(matches), "matches")
	})
	b.Run("newest_50", func(b *testing.B) {
		pred, args, _ := Match(d.Engine, "bench", "路灯", "d.id")
		q := `SELECT d.id, d.text FROM bench_docs d WHERE ` + pred + ` ORDER BY d.id DESC LIMIT 50`
		for b.Loop() {
			rows := 0
			err := d.Read(ctx, func(tx *db.Tx) error {
				rs, err := tx.Query(ctx, q, args...)
				if err != nil {
					return err
				}
				defer rs.Close()
				for rs.Next() {
					var id int64
					var text string
					if err := rs.Scan(&id, &text); err != nil {
						return err
					}
					if !strings.Contains(text, "路灯") {
						return fmt.Errorf("row %d does not contain 路灯: %s", id, text)
					}
					rows++
				}
				return rs.Err()
			})
			if err != nil || rows != 50 {
				b.Fatalf("rows %d, err %v", rows, err)
			}
		}
	})
}

// benchDB returns a SQLite database with n indexed work-order texts (kind
// "bench"), also stored in a record table bench_docs (id, text).
func benchDB(b *testing.B, n int) *db.DB {
	b.Helper()
	ctx := context.Background()
	d := dbtest.Open(b, db.SQLite)
	places := []string{"柏杨路", "嘉州大道", "人民南路", "滨江路", "新村路", "白塔街", "县街", "春华路", "Jiazhou Road", "海棠广场"}
	problems := []string{"路灯不亮", "井盖缺失", "垃圾堆放", "占道经营", "施工噪音扰民", "油烟直排", "共享单车乱停放",
		"绿化带被毁", "小广告乱贴", "停水没有通知", "Street light broken", "garbage piled up", "路面塌陷积水",
		"违章搭建", "遛狗不牵绳", "公共厕所脏乱", "拖欠工资", "电梯故障困人", "噪音 noise at night", "暖气不热"}
	details := []string{"请尽快处理", "已经持续一周", "晚上很黑，老人出行不便", "影响居民休息", "存在安全隐患",
		"多次反映无人处理", "please fix it", "希望相关部门尽快查处", "小孩上学经过这里", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	err := d.Write(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE bench_docs (id INTEGER PRIMARY KEY, text TEXT NOT NULL)`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for start := 1; start <= n; start += 5000 {
		err := d.Write(ctx, func(tx *db.Tx) error {
			for id := start; id < start+5000 && id <= n; id++ {
				text := fmt.Sprintf("%s%d号附近%s，%s", places[rng.IntN(len(places))], rng.IntN(300)+1,
					problems[rng.IntN(len(problems))], details[rng.IntN(len(details))])
				if _, err := tx.Exec(ctx, `INSERT INTO bench_docs (id, text) VALUES (?, ?)`, id, text); err != nil {
					return err
				}
				if err := Put(ctx, tx, "bench", int64(id), text); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return d
}
