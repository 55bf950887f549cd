package search

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

var update = flag.Bool("update", false, "rewrite testdata/queries.golden from SQLite")

// The kinds the tests index under; "workorder" has the number the work-order
// capability registers, the others are the tests' own.
func init() {
	for i, k := range []string{"workorder", "golden", "other", "wo", "inspection", "odd", "bench", "fuzz"} {
		RegisterKind(k, int64(i+1))
	}
}

type doc struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

func loadCorpus(t testing.TB) []doc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []doc
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	return docs
}

func put(t testing.TB, d *db.DB, kind string, docs ...doc) {
	t.Helper()
	err := d.Write(context.Background(), func(tx *db.Tx) error {
		for _, x := range docs {
			if err := Put(context.Background(), tx, kind, x.ID, x.Text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func refs(t testing.TB, d *db.DB, kind, q string) []int64 {
	t.Helper()
	var got []int64
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		var err error
		got, err = Refs(context.Background(), tx, kind, q)
		return err
	})
	if err != nil {
		t.Fatalf("query %q: %v", q, err)
	}
	return got
}

// goldenQueries are asked of the corpus on every engine; the answers are in
// testdata/queries.golden. Each is here for a reason.
var goldenQueries = []string{
	// two-character words, which SQLite's trigram tokenizer cannot find
	"路灯", "井盖", "垃圾", "油烟", "噪音",
	// single characters
	"路", "灯", "井", "噪",
	// longer Chinese words: all their pairs must be present
	"路灯不亮", "占道经营", "柏杨路", "井盖缺失",
	// order matters inside a word, not between words
	"灯路", "不亮 路灯",
	// English words, any case, whole words only
	"street", "Street Light", "LIGHT", "lights", "manhole cover", "noise",
	// prefixes
	"stre*", "light*", "ｌｉｇｈ＊", "123*", "man* cov*",
	// numbers and mixed text
	"12", "No.12", "柏杨路 12", "路灯 light", "LED 路灯", "abc12", "ＡＢＣ１２", "12345", "wi fi", "wifi",
	// FTS5 and tsquery syntax typed into the box is plain text
	"路灯 OR *", `"路灯"`, `"路灯" OR "井盖"`, "(井盖)", "NEAR(路灯 井盖)", "NEAR", "路灯 NOT 不亮", "^路灯",
	`tokens:路灯`, `'路灯':*`, `路灯" OR "1`, `quotes parentheses`, "a & b | !c", `\路灯\`,
	// nothing matches
	"地铁", "xyz", "路灯 xyz",
	// no terms at all
	"", "*", "！！！", "😀",
}

const noTerms = "(no terms)"

// TestGoldenCorpusSameOnBothEngines proves both engines return the same ids,
// and the ids in testdata/queries.golden, for every golden query.
func TestGoldenCorpusSameOnBothEngines(t *testing.T) {
	docs := loadCorpus(t)
	want := readGolden(t)
	results := map[db.Engine]map[string]string{}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		put(t, d, "golden", docs...)
		put(t, d, "other", doc{ID: 1000, Text: "路灯 井盖 垃圾 street"}) // another kind never leaks in
		got := map[string]string{}
		for _, q := range goldenQueries {
			got[q] = answer(t, d, q)
			checkOracle(t, docs, q, got[q])
		}
		results[d.Engine] = got
		if *update {
			if d.Engine == db.SQLite {
				writeGolden(t, got)
			}
			return // the other engines are compared with SQLite below
		}
		for _, q := range goldenQueries {
			w, ok := want[q]
			if !ok {
				t.Errorf("query %q is missing from queries.golden (run go test -update)", q)
			} else if got[q] != w {
				t.Errorf("query %q: got %s, want %s", q, got[q], w)
			}
		}
		if len(want) != len(goldenQueries) {
			t.Errorf("queries.golden has %d queries, the test asks %d (run go test -update)", len(want), len(goldenQueries))
		}
	})
	if a, b := results[db.SQLite], results[db.Postgres]; a != nil && b != nil {
		for _, q := range goldenQueries {
			if a[q] != b[q] {
				t.Errorf("query %q: sqlite %s, postgres %s", q, a[q], b[q])
			}
		}
	}
}

func answer(t *testing.T, d *db.DB, q string) string {
	if _, _, ok := Match(d.Engine, "golden", q, "ref"); !ok {
		return noTerms
	}
	ids := refs(t, d, "golden", q)
	if !slices.IsSorted(ids) {
		t.Fatalf("query %q: ids not sorted: %v", q, ids)
	}
	return formatIDs(ids)
}

func formatIDs(ids []int64) string {
	if len(ids) == 0 {
		return "(none)"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, " ")
}

// checkOracle recomputes a query's answer in plain Go: every term must be a
// token of the document (or, for a prefix, start one). For a Chinese query of
// one or two characters it is also exactly "the text contains it".
func checkOracle(t *testing.T, docs []doc, q, got string) {
	t.Helper()
	ts := parseQuery(q)
	if len(ts) == 0 {
		if got != noTerms {
			t.Errorf("query %q has no terms but answered %s", q, got)
		}
		return
	}
	var ids []int64
	for _, d := range docs {
		toks := Analyze(d.Text)
		all := true
		for _, tm := range ts {
			if !slices.ContainsFunc(toks, func(tok string) bool {
				return tok == tm.tok || tm.prefix && strings.HasPrefix(tok, tm.tok)
			}) {
				all = false
				break
			}
		}
		if all {
			ids = append(ids, d.ID)
		}
	}
	if want := formatIDs(ids); got != want {
		t.Errorf("query %q: database %s, Go oracle %s", q, got, want)
	}
	if n := utf8.RuneCountInString(q); (n == 1 || n == 2) && len(ts) == 1 && len([]rune(ts[0].tok)) == n && isCJK([]rune(q)[0]) {
		ids = ids[:0]
		for _, d := range docs {
			if strings.Contains(d.Text, q) {
				ids = append(ids, d.ID)
			}
		}
		if want := formatIDs(ids); got != want {
			t.Errorf("query %q: database %s, substring search %s", q, got, want)
		}
	}
}

// queries.golden: one line per query, the query Go-quoted, then " → " and
// the matching ids in ascending order, "(none)", or "(no terms)".
func readGolden(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "queries.golden"))
	if os.IsNotExist(err) && *update {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		quoted, err := strconv.QuotedPrefix(line)
		if err != nil {
			t.Fatalf("queries.golden: %q: %v", line, err)
		}
		q, _ := strconv.Unquote(quoted)
		ids, ok := strings.CutPrefix(line[len(quoted):], " → ")
		if !ok {
			t.Fatalf("queries.golden: %q: want \"query\" → ids", line)
		}
		out[q] = ids
	}
	return out
}

func writeGolden(t *testing.T, got map[string]string) {
	var b strings.Builder
	b.WriteString("# query → ids of testdata/corpus.json that match, on SQLite and PostgreSQL alike.\n")
	b.WriteString("# Regenerate from SQLite with: go test ./internal/search -run Golden -update\n")
	for _, q := range goldenQueries {
		fmt.Fprintf(&b, "%s → %s\n", strconv.Quote(q), got[q])
	}
	if err := os.WriteFile(filepath.Join("testdata", "queries.golden"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
