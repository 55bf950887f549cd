package db_test

import (
	"context"
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
