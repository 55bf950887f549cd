package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

func TestPutReplacesAndDeleteRemoves(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		put(t, d, "wo", doc{1, "路灯不亮"}, doc{2, "井盖缺失"})
		if got := refs(t, d, "wo", "路灯"); !slices.Equal(got, []int64{1}) {
			t.Fatalf("路灯: %v", got)
		}
		put(t, d, "wo", doc{1, "垃圾堆放"}) // edit: the old text no longer matches
		if got := refs(t, d, "wo", "路灯"); len(got) != 0 {
			t.Fatalf("old text still matches: %v", got)
		}
		if got := refs(t, d, "wo", "垃圾"); !slices.Equal(got, []int64{1}) {
			t.Fatalf("new text: %v", got)
		}
		put(t, d, "wo", doc{1, "垃圾堆放"}) // unchanged text: still indexed once
		if got := refs(t, d, "wo", "堆放"); !slices.Equal(got, []int64{1}) {
			t.Fatalf("after identical put: %v", got)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if err := Delete(ctx, tx, "wo", 2); err != nil {
				return err
			}
			return Delete(ctx, tx, "wo", 99) // not indexed: no error
		}); err != nil {
			t.Fatal(err)
		}
		if got := refs(t, d, "wo", "井盖"); len(got) != 0 {
			t.Fatalf("deleted record matches: %v", got)
		}
		put(t, d, "wo", doc{1, "！！！"}) // no tokens left: removed
		if got := refs(t, d, "wo", "垃圾"); len(got) != 0 {
			t.Fatalf("record without tokens still matches: %v", got)
		}
		tables := []string{"search_index"}
		if d.Engine == db.SQLite {
			tables = []string{"search_fts"}
		}
		for _, table := range tables {
			var n int64
			if err := d.Read(ctx, func(tx *db.Tx) error {
				var err error
				n, err = tx.Count(ctx, "SELECT COUNT(*) FROM "+table)
				return err
			}); err != nil || n != 0 {
				t.Fatalf("%s rows left: %d, %v", table, n, err)
			}
		}
	})
}

func TestKindsAreSeparate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		put(t, d, "workorder", doc{7, "路灯不亮"})
		put(t, d, "inspection", doc{7, "井盖缺失"}, doc{8, "路灯杆倾斜"})
		if got := refs(t, d, "workorder", "路灯"); !slices.Equal(got, []int64{7}) {
			t.Fatalf("workorder 路灯: %v", got)
		}
		if got := refs(t, d, "workorder", "井盖"); len(got) != 0 {
			t.Fatalf("workorder 井盖: %v", got)
		}
		if got := refs(t, d, "inspection", "路灯"); !slices.Equal(got, []int64{8}) {
			t.Fatalf("inspection 路灯: %v", got)
		}
	})
}

func TestEachTextIsAnalysedOnItsOwn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return Put(ctx, tx, "wo", 1, "修理道路", "灯杆") // title, address
		}); err != nil {
			t.Fatal(err)
		}
		if got := refs(t, d, "wo", "路灯"); len(got) != 0 {
			t.Fatalf("a pair was formed across two fields: %v", got)
		}
		if got := refs(t, d, "wo", "道路 灯杆"); !slices.Equal(got, []int64{1}) {
			t.Fatalf("words of both fields: %v", got)
		}
	})
}

func TestIndexIsPartOfTheCallersTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := d.Write(ctx, func(tx *db.Tx) error {
			if err := Put(ctx, tx, "wo", 1, "路灯不亮"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got := refs(t, d, "wo", "路灯"); len(got) != 0 {
			t.Fatalf("rolled back record is searchable: %v", got)
		}
	})
}

// Match is a predicate the caller puts among its own conditions; its
// arguments go where its placeholders are.
func TestMatchComposesWithTheCallersSQL(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		docs := []doc{{1, "路灯不亮"}, {2, "路灯杆倾斜"}, {3, "井盖缺失"}, {4, "路灯不亮"}}
		err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE t_orders (id BIGINT PRIMARY KEY, status TEXT NOT NULL, text TEXT NOT NULL)`); err != nil {
				return err
			}
			for _, x := range docs {
				status := map[bool]string{true: "closed", false: "open"}[x.ID == 4]
				if _, err := tx.Exec(ctx, `INSERT INTO t_orders (id, status, text) VALUES (?, ?, ?)`, x.ID, status, x.Text); err != nil {
					return err
				}
				if err := Put(ctx, tx, "wo", x.ID, x.Text); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		pred, args, ok := Match(d.Engine, "wo", "路灯", "o.id")
		if !ok {
			t.Fatal("no terms")
		}
		var got []int64
		err = d.Read(ctx, func(tx *db.Tx) error {
			q := `SELECT o.id FROM t_orders o WHERE o.status = ? AND ` + pred + ` AND o.id > ? ORDER BY o.id`
			rows, err := tx.Query(ctx, q, append(append([]any{"open"}, args...), 1)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var r int64
				if err := rows.Scan(&r); err != nil {
					return err
				}
				got = append(got, r)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []int64{2}) {
			t.Fatalf("got %v, want [2]", got)
		}
		if _, _, ok := Match(d.Engine, "wo", " ，。* ", "x.ref"); ok {
			t.Fatal("a query without terms gave a predicate")
		}
	})
}

// The engines must see exactly the tokens Analyze made. FTS5's unicode61
// tokenizer would fold ſ to s (and apply its own Unicode 6.1 tables), so
// SQLite would find "s" where PostgreSQL does not; the ascii tokenizer keeps
// every non-ASCII token as it is.
func TestTokensReachBothEnginesUnchanged(t *testing.T) {
	texts := []string{"ſ", "ǆ", "ꟁ", "𰀀𰀁", "x\u0301y", "ß", "①", "café", "ラーメン", "Ⅻ", "ﬁ"}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for i, text := range texts {
			put(t, d, "odd", doc{int64(i + 1), text})
		}
		for i, text := range texts {
			if got := refs(t, d, "odd", text); !slices.Contains(got, int64(i+1)) {
				t.Errorf("%q does not find itself: %v", text, got)
			}
		}
		if got := refs(t, d, "odd", "caf* ラー"); len(got) != 0 {
			t.Errorf("caf* ラー matched %v", got)
		}
		if got := refs(t, d, "odd", "CAF*"); !slices.Equal(got, []int64{8}) {
			t.Errorf("CAF* (a prefix of café) matched %v", got)
		}
		for _, q := range []string{"s", "ss", "e", "cafe", "fi", "1", "xy", "dz"} {
			if got := refs(t, d, "odd", q); len(got) != 0 {
				t.Errorf("%q matched %v: an engine folded a token", q, got)
			}
		}
	})
}

// Whatever the lexeme, the quoted query text parses on each engine.
func TestQuotedQueryTextParses(t *testing.T) {
	weird := []string{`a"b`, `it's`, `back\slash`, `\`, `'`, `"`, `''`, `:*`, `&|!()`, "路灯", "NEAR", "OR"}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, w := range weird {
			ts := []term{{tok: w}, {tok: w, prefix: true}}
			err := d.Read(ctx, func(tx *db.Tx) error {
				if d.Engine == db.Postgres {
					// The lexeme itself, stored as it is, is found by the quoted query.
					var ok bool
					err := tx.Get(ctx, "match", `SELECT array_to_tsvector(?::text[]) @@ ?::tsquery`,
						[]any{[]string{w}, tsQuery(ts)}, &ok)
					if err == nil && !ok {
						t.Errorf("lexeme %q not found by %s", w, tsQuery(ts))
					}
					return err
				}
				_, err := tx.Count(ctx, `SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH ?`, ftsQuery(ts))
				if err != nil && !validToken(w) {
					// Never produced by Analyze: ASCII punctuation would split
					// it into several FTS5 tokens, a phrase, which detail=none
					// refuses loudly instead of matching differently from
					// PostgreSQL.
					return nil
				}
				return err
			})
			if err != nil {
				t.Errorf("token %q: %v", w, err)
			}
		}
	})
}

// TestPutManyAnswersLikePutOnEveryRecord indexes the golden corpus with
// PutMany — after a Put of other texts for some of its refs, with a ref
// given twice and a record without tokens — and proves every golden query
// answers as with a Put per record, and that nothing stale is left.
func TestPutManyAnswersLikePutOnEveryRecord(t *testing.T) {
	docs := loadCorpus(t)
	want := readGolden(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Some refs are already indexed with other text, which PutMany replaces.
		put(t, d, "golden", doc{docs[0].ID, "地铁 xyz"}, doc{docs[1].ID, "地铁"}, doc{4242, "地铁 待删"})
		many := []Doc{{Ref: docs[2].ID, Texts: []string{"地铁 先写后改"}}} // given twice: the last texts win
		for _, x := range docs {
			many = append(many, Doc{Ref: x.ID, Texts: []string{x.Text}})
		}
		many = append(many, Doc{Ref: 4242, Texts: []string{"！！！"}}) // no tokens: removed
		if err := d.Write(ctx, func(tx *db.Tx) error { return PutMany(ctx, tx, "golden", many) }); err != nil {
			t.Fatal(err)
		}
		for _, q := range goldenQueries {
			if got := answer(t, d, q); got != want[q] {
				t.Errorf("query %q: got %s, want %s", q, got, want[q])
			}
		}
		if got := refs(t, d, "golden", "地铁"); len(got) != 0 {
			t.Errorf("replaced or removed texts still match: %v", got)
		}
		q, args := "SELECT COUNT(*) FROM search_index WHERE kind = ?", []any{"golden"}
		if d.Engine == db.SQLite {
			base := mustBase("golden")
			q, args = "SELECT COUNT(*) FROM search_fts WHERE rowid BETWEEN ? AND ?", []any{base, base + maxRef}
		}
		var n int64
		if err := d.Read(ctx, func(tx *db.Tx) error {
			var err error
			n, err = tx.Count(ctx, q, args...)
			return err
		}); err != nil || n != int64(len(docs)) {
			t.Errorf("records indexed: %d, want %d (%v)", n, len(docs), err)
		}
	})
}

// TestNewestGivesMatchesNewestFirstLikeMatch proves the Plan of Newest
// returns, page by page, exactly the rows a Match predicate with ORDER BY
// ref DESC returns, with the record table's own conditions applied, on both
// engines; and that another kind's records never appear.
func TestNewestGivesMatchesNewestFirstLikeMatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		texts := []string{"路灯不亮", "路灯杆倾斜", "井盖缺失", "夜里路灯闪烁", "垃圾 路灯"}
		err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE t_new (id BIGINT PRIMARY KEY, status TEXT NOT NULL)`); err != nil {
				return err
			}
			var docs []Doc
			for id := int64(1); id <= 300; id++ {
				status := map[bool]string{true: "closed", false: "open"}[id%3 == 0]
				if _, err := tx.Exec(ctx, `INSERT INTO t_new (id, status) VALUES (?, ?)`, id, status); err != nil {
					return err
				}
				docs = append(docs, Doc{Ref: id, New: true, Texts: []string{texts[id%int64(len(texts))]}})
			}
			if err := PutMany(ctx, tx, "wo", docs); err != nil {
				return err
			}
			// The same refs under another kind must not leak in.
			return PutMany(ctx, tx, "other", []Doc{{Ref: 7, Texts: []string{"井盖缺失"}}, {Ref: 400, Texts: []string{"路灯"}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		ids := func(q string, args ...any) []int64 {
			var got []int64
			if err := d.Read(ctx, func(tx *db.Tx) error {
				rows, err := tx.Query(ctx, q, args...)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var r int64
					if err := rows.Scan(&r); err != nil {
						return err
					}
					got = append(got, r)
				}
				return rows.Err()
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, query := range []string{"路灯", "井盖", "路灯 杆", "地铁"} {
			plan, ok := Newest(d.Engine, "wo", query, "o.id")
			if !ok {
				t.Fatalf("%s: no terms", query)
			}
			pred, margs, _ := Match(d.Engine, "wo", query, "o.id")
			for _, page := range []struct{ limit, offset int }{{10, 0}, {10, 10}, {50, 20}, {1000, 0}} {
				got := ids(`SELECT o.id FROM `+plan.From+`t_new o WHERE o.status = ? AND `+plan.Where+
					` ORDER BY `+plan.Order+` LIMIT ? OFFSET ?`, append(append([]any{"open"}, plan.Args...), page.limit, page.offset)...)
				want := ids(`SELECT o.id FROM t_new o WHERE o.status = ? AND `+pred+` ORDER BY o.id DESC LIMIT ? OFFSET ?`,
					append(append([]any{"open"}, margs...), page.limit, page.offset)...)
				if !slices.Equal(got, want) {
					t.Errorf("%s, page %+v: Newest %v, Match %v", query, page, got, want)
				}
				if query == "路灯" && page.offset == 0 && len(got) == 0 {
					t.Errorf("%s: nothing found", query)
				}
			}
		}
		if _, ok := Newest(d.Engine, "wo", "！！", "o.id"); ok {
			t.Error("a query without terms gave a plan")
		}
	})
}

func TestKindsMustBeRegisteredOnceWithTheirOwnNumber(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("number taken", func() { RegisterKind("another", 1) })
	mustPanic("kind taken", func() { RegisterKind("wo", 99) })
	mustPanic("number out of range", func() { RegisterKind("big", maxKindID+1) })
	mustPanic("unregistered kind in a query", func() { Match(db.SQLite, "unknown", "路灯", "x.id") })
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		err := d.Write(context.Background(), func(tx *db.Tx) error { return Put(context.Background(), tx, "unknown", 1, "路灯") })
		if err == nil || !strings.Contains(err.Error(), "not registered") {
			t.Fatalf("Put of an unregistered kind: %v", err)
		}
	})
}
