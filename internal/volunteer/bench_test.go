package volunteer_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/volunteer"
)

// The volunteers' benchmarks at a city's scale (docs/PERFORMANCE.md,
// "Volunteers"). One database is loaded once for all of them:
// WENMING_BENCH_VOLUNTEERS approved volunteers (default 200,000) in the
// fixture's two communities, WENMING_BENCH_ATTENDANCE confirmed attendance
// records this year (default 1,000,000) over 5,000 activities. Each
// benchmark reports its ceiling measured on the same database in the same
// run.
//
//	go test ./internal/volunteer/ -run '^$' -bench Volunteers -benchtime 200x
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

type benchCity struct {
	fx         *fixture
	volunteers []int64
	numbers    []string
}

// load fills the database with plain multi-row INSERTs in large
// transactions (the load is not what is measured).
func loadCity(b *testing.B, d *db.DB, nv, na int) *benchCity {
	ctx := context.Background()
	fx := setup(b, d)
	city := &benchCity{fx: fx}
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)).UnixMilli()
	const chunk = 500
	insert := func(n int, head string, row func(i int) (string, []any)) {
		for start := 0; start < n; start += 20000 {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				for i := start; i < min(start+20000, n); i += chunk {
					var sb strings.Builder
					var args []any
					sb.WriteString(head)
					for k := i; k < min(i+chunk, n); k++ {
						if k > i {
							sb.WriteString(", ")
						}
						r, a := row(k)
						sb.WriteString(r)
						args = append(args, a...)
					}
					if _, err := tx.Exec(ctx, sb.String(), args...); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	regions := []int64{fx.regions["S1C1"], fx.regions["S2C1"]}
	insert(nv, `INSERT INTO volunteers (number, status, name, gender, birth_date, id_type, id_number_mask, phone, region_id, source, reviewed_at, created_at, updated_at) VALUES `,
		func(i int) (string, []any) {
			return "(?, 'approved', ?, 'male', '1990-05-04', 'resident', '5111**********0011', ?, ?, 'self', ?, ?, ?)",
				[]any{fmt.Sprintf("ZY2026%07d", i+1), fmt.Sprintf("志愿者%d", i), fmt.Sprintf("13%09d", i), regions[i%2], now, now, now}
		})
	const acts = 5000
	insert(acts, `INSERT INTO activities (region_id, title, day, starts_at, ends_at, capacity, taken, mode, signup_deadline, cancel_cutoff, status, created_at, updated_at) VALUES `,
		func(i int) (string, []any) {
			day := time.Date(2026, 1, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)).AddDate(0, 0, i%330)
			return "(?, '文明实践日', ?, ?, ?, 1000, 0, 'instant', ?, ?, 'open', ?, ?)",
				[]any{regions[i%2], day.Format(time.DateOnly), day.UnixMilli(), day.Add(3 * time.Hour).UnixMilli(), day.UnixMilli(), day.UnixMilli(), now, now}
		})
	var firstAct int64
	if err := d.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT MIN(id) FROM activities", nil, &firstAct)
	}); err != nil {
		b.Fatal(err)
	}
	var firstVol int64
	if err := d.Read(ctx, func(tx *db.Tx) error {
		return tx.Get(ctx, "", "SELECT MIN(id) FROM volunteers", nil, &firstVol)
	}); err != nil {
		b.Fatal(err)
	}
	// Attendance: activity a gets the volunteers a*k … so that (activity,
	// volunteer) pairs are distinct; a volunteer has na/nv records on average.
	per := na / acts
	insert(na, `INSERT INTO attendance (activity_id, volunteer_id, day, checkin_at, checkout_at, method, state, credited_minutes, confirmed_at, created_at, updated_at) VALUES `,
		func(i int) (string, []any) {
			a, k := i/per, i%per
			v := (a*per + k*7919) % nv
			day := time.Date(2026, 1, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)).AddDate(0, 0, a%330)
			return "(?, ?, ?, ?, ?, 'code', 'confirmed', ?, ?, ?, ?)",
				[]any{firstAct + int64(a), firstVol + int64(v), day.Format(time.DateOnly), day.UnixMilli(), day.Add(3 * time.Hour).UnixMilli(), 120 + (i%7)*10, now, now, now}
		})
	for i := range nv {
		city.volunteers = append(city.volunteers, firstVol+int64(i))
		city.numbers = append(city.numbers, fmt.Sprintf("ZY2026%07d", i+1))
	}
	if err := fx.svc.RebuildYearHours(ctx); err != nil {
		b.Fatal(err)
	}
	// Fresh statistics for the planner (PostgreSQL's autovacuum would
	// take its time after a bulk load).
	if err := d.Write(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, "ANALYZE"); return err }); err != nil {
		b.Fatal(err)
	}
	return city
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func BenchmarkVolunteers(b *testing.B) {
	nv, na := envInt("WENMING_BENCH_VOLUNTEERS", 200000), envInt("WENMING_BENCH_ATTENDANCE", 1000000)
	for _, engine := range dbtest.Engines(b) {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine)
			t0 := time.Now()
			city := loadCity(b, d, nv, na)
			b.Logf("%s: %d volunteers, %d attendance records loaded in %s", engine, nv, na, time.Since(t0).Round(time.Second))
			benchRush(b, city)
			benchHours(b, city)
			benchRanking(b, city)
		})
	}
}

// benchRush: 1,000 volunteers sign up for 50 places, 50 at a time (a
// closed loop: far harsher than 1,000 within a minute); each op is one
// whole rush, checked: exactly 50 confirmed and 950 waiting in strictly
// increasing order. The ceiling is the same number of one-row write
// transactions (a counter UPDATE) from the same 50 goroutines.
func benchRush(b *testing.B, city *benchCity) {
	const people = 1000
	for _, mode := range []struct {
		name    string
		pace    time.Duration
		paceOff int
	}{{"rush_signup_50_at_once", 0, 0}, {"rush_signup_200_per_s", 5 * time.Millisecond, people / 2}} {
		rush(b, city, mode.name, mode.pace, mode.paceOff)
	}
	rushCeiling(b, city)
}

func rush(b *testing.B, city *benchCity, name string, pace time.Duration, paceOff int) {
	ctx := context.Background()
	fx := city.fx
	const people, places, workers = 1000, 50, 50
	var lat []time.Duration
	b.Run(name, func(b *testing.B) {
		for n := range b.N {
			aid, err := fx.svc.CreateActivity(ctx, fx.org, volunteer.ActivityInput{Title: "抢报名", RegionID: fx.regions["S1C1"], Day: "2026-12-20",
				Start: "09:00", End: "11:00", Capacity: places, Mode: "instant"})
			if err != nil {
				b.Fatal(err)
			}
			off := (n*people + paceOff) % (len(city.numbers) - people)
			var mu sync.Mutex
			var wg sync.WaitGroup
			one := func(num string) {
				t := time.Now()
				_, err := fx.svc.SignUpFor(ctx, fx.org, aid, num)
				d := time.Since(t)
				if err != nil {
					b.Error(err)
				}
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}
			if pace > 0 {
				// Open loop: one sign-up every pace, each in its own goroutine.
				tick := time.NewTicker(pace)
				for _, num := range city.numbers[off : off+people] {
					<-tick.C
					wg.Add(1)
					go func() { defer wg.Done(); one(num) }()
				}
				tick.Stop()
			} else {
				jobs := make(chan string, people)
				for _, num := range city.numbers[off : off+people] {
					jobs <- num
				}
				close(jobs)
				for range workers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for num := range jobs {
							one(num)
						}
					}()
				}
			}
			wg.Wait()
			var confirmed, waiting int64
			var seqs []int64
			if err := fx.d.Read(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, "SELECT state, seq FROM signups WHERE activity_id = ? ORDER BY id", aid)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var st string
					var seq int64
					if err := rows.Scan(&st, &seq); err != nil {
						return err
					}
					if st == "confirmed" {
						confirmed++
					} else if st == "waiting" {
						waiting++
						seqs = append(seqs, seq)
					}
				}
				return rows.Err()
			}); err != nil {
				b.Fatal(err)
			}
			slices.Sort(seqs)
			if confirmed != places || waiting != people-places || len(slices.Compact(seqs)) != people-places {
				b.Fatalf("rush: %d confirmed, %d waiting, %d distinct places in line", confirmed, waiting, len(slices.Compact(seqs)))
			}
		}
		b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
	})
}

func rushCeiling(b *testing.B, city *benchCity) {
	ctx := context.Background()
	fx := city.fx
	const people, workers = 1000, 50
	var ceil []time.Duration
	b.Run("rush_ceiling_one_row_tx", func(b *testing.B) {
		if err := fx.d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO volunteer_counters (year, last) VALUES (1999, 0) ON CONFLICT (year) DO NOTHING")
			return err
		}); err != nil {
			b.Fatal(err)
		}
		for range b.N {
			jobs := make(chan int, people)
			for i := range people {
				jobs <- i
			}
			close(jobs)
			var mu sync.Mutex
			var wg sync.WaitGroup
			for range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range jobs {
						t := time.Now()
						err := fx.d.Write(ctx, func(tx *db.Tx) error {
							_, err := tx.Exec(ctx, "UPDATE volunteer_counters SET last = last + 1 WHERE year = 1999")
							return err
						})
						d := time.Since(t)
						if err != nil {
							b.Error(err)
						}
						mu.Lock()
						ceil = append(ceil, d)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
		}
		b.ReportMetric(float64(percentile(ceil, 0.5).Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(percentile(ceil, 0.99).Microseconds())/1000, "p99_ms")
	})
}

// benchHours: a random volunteer's total hours and star; the ceiling is a
// primary-key read of the same volunteer's row.
func benchHours(b *testing.B, city *benchCity) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	b.Run("hours_and_star", func(b *testing.B) {
		var ds []time.Duration
		for range b.N {
			t0 := time.Now()
			if _, err := city.fx.svc.Hours(ctx, city.volunteers[r.IntN(len(city.volunteers))]); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		reportLatency(b, ds)
	})
	b.Run("hours_ceiling_pk_read", func(b *testing.B) {
		var ds []time.Duration
		for range b.N {
			t0 := time.Now()
			var name string
			if err := city.fx.d.Read(ctx, func(tx *db.Tx) error {
				return tx.Get(ctx, "", "SELECT name FROM volunteers WHERE id = ?", []any{city.volunteers[r.IntN(len(city.volunteers))]}, &name)
			}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		reportLatency(b, ds)
	})
}

// benchRanking: the year's top 50 volunteers and teams by hours for the
// city organiser; the ceiling counts the year's confirmed records (the
// same rows, without grouping or joining).
func benchRanking(b *testing.B, city *benchCity) {
	ctx := context.Background()
	b.Run("yearly_ranking", func(b *testing.B) {
		var ds []time.Duration
		for range b.N {
			t0 := time.Now()
			vols, _, err := city.fx.svc.Rankings(ctx, city.fx.org, "2026-01-01", "2026-12-31", 50)
			if err != nil || len(vols) != 50 {
				b.Fatalf("%d %v", len(vols), err)
			}
			ds = append(ds, time.Since(t0))
		}
		reportLatency(b, ds)
	})
	b.Run("ranking_ceiling_count", func(b *testing.B) {
		var ds []time.Duration
		for range b.N {
			t0 := time.Now()
			var n int64
			if err := city.fx.d.Read(ctx, func(tx *db.Tx) error {
				return tx.Get(ctx, "", "SELECT COUNT(*) FROM attendance WHERE state = 'confirmed' AND day >= ? AND day <= ?", []any{"2026-01-01", "2026-12-31"}, &n)
			}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		reportLatency(b, ds)
	})
}

// reportLatency adds the median and p99 of the ops to the benchmark's line.
func reportLatency(b *testing.B, ds []time.Duration) {
	b.ReportMetric(float64(percentile(ds, 0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(ds, 0.99).Microseconds())/1000, "p99_ms")
}
