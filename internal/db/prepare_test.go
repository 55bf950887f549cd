package db

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/wenming-city/wenming/internal/errs"
)

// TestPreparedReadsAnswerLikeUnpreparedOnesAndSurviveSchemaChanges proves
// a statement kept prepared on the readers gives the rows the plain one
// gives, through Get and Query, sees rows committed after it was prepared,
// and still works after the table it reads changes shape.
func TestPreparedReadsAnswerLikeUnpreparedOnesAndSurviveSchemaChanges(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "prep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	write := func(q string, args ...any) {
		t.Helper()
		if err := d.Write(ctx, func(tx *Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
	}
	write("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
	write("INSERT INTO t (id, name) VALUES (1, '文明'), (2, '城市')")
	const one = "SELECT name FROM t WHERE id = ?"
	const all = "SELECT id, name FROM t WHERE id >= ? ORDER BY id"
	if err := d.PrepareReads(ctx, one, all); err != nil {
		t.Fatal(err)
	}
	if len(d.hot) != 2 {
		t.Fatalf("%d statements kept, want 2", len(d.hot))
	}
	read := func() (string, []string) {
		t.Helper()
		var name string
		var names []string
		if err := d.Read(ctx, func(tx *Tx) error {
			if tx.hot[one] == nil {
				t.Fatal("the read transaction does not see the prepared statements")
			}
			if err := tx.Get(ctx, "", one, []any{2}, &name); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, all, 1)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int
				var n string
				if err := rows.Scan(&id, &n); err != nil {
					return err
				}
				names = append(names, n)
			}
			return rows.Err()
		}); err != nil {
			t.Fatal(err)
		}
		return name, names
	}
	if name, names := read(); name != "城市" || len(names) != 2 {
		t.Fatalf("got %q and %v", name, names)
	}
	write("INSERT INTO t (id, name) VALUES (3, '创建')")
	write("ALTER TABLE t ADD COLUMN note TEXT NOT NULL DEFAULT ''")
	if name, names := read(); name != "城市" || len(names) != 3 || names[2] != "创建" {
		t.Fatalf("after a new row and a new column: got %q and %v", name, names)
	}
	var missing string
	err = d.Read(ctx, func(tx *Tx) error { return tx.Get(ctx, "entity.x", one, []any{9}, &missing) })
	if !errs.Is(err, errs.NotFound) {
		t.Fatalf("a missing row through a prepared statement: %v, want not found", err)
	}
}
