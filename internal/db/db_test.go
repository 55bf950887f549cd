package db_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
)

func TestBothEnginesReachTheSameTablesAndColumns(t *testing.T) {
	pg := dbtest.PostgresURL(t)
	if pg == "" {
		t.Skip("PostgreSQL not available")
	}
	ctx := context.Background()
	a, err := dbtest.Open(t, db.SQLite).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dbtest.Open(t, db.Postgres).Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Engine-specific tables must exist where listed and nowhere else; they
	// are then left out of the comparison, and nothing else is.
	live := map[db.Engine]map[string][]string{db.SQLite: a, db.Postgres: b}
	for e, tables := range db.EngineTables {
		for _, table := range tables {
			for other, cols := range live {
				if _, ok := cols[table]; ok != (other == e) {
					t.Errorf("engine-specific table %s (listed for %s): present on %s is %v", table, e, other, ok)
				}
			}
			delete(a, table)
			delete(b, table)
		}
	}
	for table, cols := range a {
		if !slices.Equal(cols, b[table]) {
			t.Errorf("table %s: sqlite %v, postgres %v", table, cols, b[table])
		}
	}
	for table := range b {
		if _, ok := a[table]; !ok {
			t.Errorf("table %s only on postgres", table)
		}
	}
	sm, _ := db.Migrations(db.SQLite)
	pm, _ := db.Migrations(db.Postgres)
	if len(sm) != len(pm) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(sm), len(pm))
	}
	for i := range sm {
		if sm[i].Version != pm[i].Version || sm[i].Name != pm[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i, sm[i].Name, pm[i].Name)
		}
	}
}

func TestSchemaComparisonSkipsOnlyVirtualAndShadowTables(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	cols, err := d.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for table := range cols {
		if strings.HasPrefix(table, "search_fts") {
			t.Errorf("FTS5 table %s is listed; virtual and shadow tables have no PostgreSQL twin", table)
		}
	}
	if want := []string{"kind"}; !slices.Equal(cols["search_rebuild"], want) {
		t.Errorf("search_rebuild: got %v, want %v (an ordinary table is listed)", cols["search_rebuild"], want)
	}
	// The virtual table and its shadow tables do exist; Columns merely leaves them out.
	var n int64
	if err := d.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'search\_fts%' ESCAPE '\'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Errorf("expected search_fts and its shadow tables in sqlite_master, found %d", n)
	}
}

func TestMigrateTwiceAppliesNothingTheSecondTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		got, err := d.Migrate(context.Background())
		if err != nil || len(got) != 0 {
			t.Fatalf("second migrate applied %v, err %v", got, err)
		}
	})
}

func TestDriverErrorsBecomeDomainCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ins := func() error {
			return d.Write(ctx, func(tx *db.Tx) error {
				_, err := tx.InsertID(ctx, `INSERT INTO regions (level, code, name, path, created_at, updated_at)
					VALUES ('city', 'X1', '乐山市', '/', 0, 0) RETURNING id`)
				return err
			})
		}
		if err := ins(); err != nil {
			t.Fatal(err)
		}
		if err := ins(); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate code: got %v, want conflict", err)
		}
		err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO units (kind, code, name, region_id, path, created_at, updated_at)
				VALUES ('hq', 'U1', 'HQ', 999, '/', 0, 0)`)
			return err
		})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("missing foreign row: got %v, want conflict", err)
		}
		var name string
		err = d.Read(ctx, func(tx *db.Tx) error {
			return tx.Get(ctx, "region", "SELECT name FROM regions WHERE code = ?", []any{"nope"}, &name)
		})
		if !errs.Is(err, errs.NotFound) {
			t.Fatalf("missing row: got %v, want not found", err)
		}
	})
}

func TestRebindLeavesQuotedQuestionMarksAlone(t *testing.T) {
	got := db.Rebind(db.Postgres, "SELECT '?' , a FROM t WHERE b = ? AND c = ?")
	want := "SELECT '?' , a FROM t WHERE b = $1 AND c = $2"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if db.Rebind(db.SQLite, "a = ?") != "a = ?" {
		t.Fatal("sqlite must be unchanged")
	}
}

// TestStatsDimBackfillSumsTheDailyRollupPerDimension runs the backfill of
// migration 0013 (as written in its file) over daily rollup rows and
// checks the sums per unit, region and category, on both engines.
func TestStatsDimBackfillSumsTheDailyRollupPerDimension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ms, err := db.Migrations(d.Engine)
		if err != nil {
			t.Fatal(err)
		}
		var backfill string
		for _, m := range ms {
			if m.Version == 13 {
				i := strings.Index(m.SQL, "INSERT INTO workorder_stats_dim")
				j := strings.Index(m.SQL[i:], ";")
				backfill = m.SQL[i : i+j]
			}
		}
		if backfill == "" {
			t.Fatal("migration 0013 has no backfill")
		}
		var got []string
		err = d.Write(ctx, func(tx *db.Tx) error {
			for _, r := range [][]any{
				{"2026-01-01", 1, 10, 100, "snap", 1, 2, 13}, {"2026-01-01", 1, 11, 100, "web", 1, 1, 1},
				{"2026-01-01", 2, 10, 101, "snap", 5, 0, 0}, {"2026-01-02", 0, 10, 100, "snap", 2, 0, 0},
			} {
				if _, err := tx.Exec(ctx, `INSERT INTO workorder_stats_daily (day, unit_id, region_id, category_id, channel,
					received, dispatched, handling_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r...); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, backfill); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT dim, day, id, received, dispatched, handling_count FROM workorder_stats_dim ORDER BY dim, day, id`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var dim, day string
				var id, rec, dis, hc int64
				if err := rows.Scan(&dim, &day, &id, &rec, &dis, &hc); err != nil {
					return err
				}
				got = append(got, fmt.Sprintf("%s %s %d: %d %d %d", dim, day, id, rec, dis, hc))
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"category 2026-01-01 100: 2 3 14", "category 2026-01-01 101: 5 0 0", "category 2026-01-02 100: 2 0 0",
			"region 2026-01-01 10: 6 2 13", "region 2026-01-01 11: 1 1 1", "region 2026-01-02 10: 2 0 0",
			"unit 2026-01-01 1: 2 3 14", "unit 2026-01-01 2: 5 0 0", "unit 2026-01-02 0: 2 0 0",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("backfill:\n got %q\nwant %q", got, want)
		}
	})
}
