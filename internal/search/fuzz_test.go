package search

import (
	"context"
	"slices"
	"testing"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
)

// FuzzAnalyzeAndMatch feeds arbitrary text to Analyze, indexes it and then
// searches for it with the same text on every engine: no input may produce a
// bad token or a query error, and a record is always found by its own text.
func FuzzAnalyzeAndMatch(f *testing.F) {
	for _, s := range []string{
		"路灯不亮", "Street light broken on 柏杨路 No.12", "ＡＢＣ１２", "", "*", `"`, `""`, "'", `\`,
		"路灯 OR *", `"路灯" AND NOT (井盖)`, "NEAR(a b, 3)", "a*b*", "tokens:路灯", "^路灯", "-路灯", "+x",
		"路灯😡不亮", "x\u0301y", "\x00\xff\xfe", "ſ", "a\u200bb", "ｓｔｒｅ＊", "'路灯':* & !x | (y)",
	} {
		f.Add(s)
	}
	engines := dbtest.Engines(f)
	dbs := make([]*db.DB, len(engines))
	for i, e := range engines {
		dbs[i] = dbtest.Open(f, e)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		checkTokens(t, s, Analyze(s))
		for _, d := range dbs {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				return Put(ctx, tx, "fuzz", 1, s)
			}); err != nil {
				t.Fatalf("%s: put %q: %v", d.Engine, s, err)
			}
			var got []int64
			if err := d.Read(ctx, func(tx *db.Tx) error {
				var err error
				got, err = Refs(ctx, tx, "fuzz", s)
				return err
			}); err != nil {
				t.Fatalf("%s: search %q: %v", d.Engine, s, err)
			}
			if len(parseQuery(s)) > 0 && !slices.Equal(got, []int64{1}) {
				t.Fatalf("%s: %q does not find itself: %v", d.Engine, s, got)
			}
		}
	})
}
