// Package search is wenming's full-text search in Chinese and English, with
// the same results on SQLite and PostgreSQL.
//
// Text is analysed here, in Go (see Analyze), never by a database: Chinese
// runs become single characters and overlapping pairs, other letters and
// digits lower-cased words. Only the tokens reach the database, written in
// the caller's transaction, so the index never disagrees with the record:
//
//   - SQLite: the contentless FTS5 table search_fts holds the tokens joined
//     by spaces, under the rowid kind id << 40 | ref (dialect_sqlite.go).
//     Its "ascii" tokenizer splits at those spaces and nowhere else, since
//     every non-ASCII character is a token character and the tokens are
//     already lower case; unicode61 would re-fold some with its own Unicode
//     tables (ſ → s) and part from PostgreSQL.
//   - PostgreSQL: search_index (kind, ref, tsv) with tsv =
//     array_to_tsvector(tokens) and a GIN index; queries cast a tsquery
//     literal, so the text search parser, configurations and the server
//     locale never see the text.
//
// A query is analysed the same way and every term must match. Each term is
// quoted for its engine, so what a user types is never query syntax.
//
// A capability registers its kind once, with a number that never changes
// (it is part of the SQLite index's rowids), and indexes its records under
// it in the transaction that changes them:
//
//	func init() { search.RegisterKind("workorder", 1) }
//	err := search.Put(ctx, tx, "workorder", id, o.Title, o.Text, o.Address)
//
// It filters with the predicate Match returns:
//
//	pred, args, ok := search.Match(tx.Engine(), "workorder", q, "o.id")
//	if ok { where = append(where, pred); params = append(params, args...) }
//
// or, for the newest matches a page at a time, joins as Newest says.
package search

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/wenming-city/wenming/internal/db"
)

// maxDocBytes caps the tokens stored for one record (about 40,000 Chinese
// tokens), well inside PostgreSQL's 1 MB tsvector. Tokens past the cap are
// not indexed, on either engine.
const maxDocBytes = 256 << 10

var (
	kindsMu sync.RWMutex
	kinds   = map[string]int64{}
)

// maxKindID bounds kind numbers so rowids stay positive int64s.
const maxKindID = 1<<(63-refBits) - 1

// RegisterKind gives kind its number, 1 to 8,388,607, once per process
// (usually from an init function). The number is stored in the SQLite
// index, so it must never change or be reused for another kind. It panics
// on a number or kind given twice: that is a programming error.
func RegisterKind(kind string, id int64) {
	kindsMu.Lock()
	defer kindsMu.Unlock()
	if kind == "" || id <= 0 || id > maxKindID {
		panic(fmt.Sprintf("search: kind %q with number %d", kind, id))
	}
	for k, n := range kinds {
		if k == kind || n == id {
			panic(fmt.Sprintf("search: kind %q number %d clashes with kind %q number %d", kind, id, k, n))
		}
	}
	kinds[kind] = id
}

func kindID(kind string) (int64, error) {
	kindsMu.RLock()
	id, ok := kinds[kind]
	kindsMu.RUnlock()
	if !ok {
		return 0, fmt.Errorf("search: kind %q is not registered", kind)
	}
	return id, nil
}

func checkRef(ref int64) error {
	if ref < 0 || ref > maxRef {
		return fmt.Errorf("search: ref %d out of range", ref)
	}
	return nil
}

// Put indexes the record (kind, ref) with the tokens of texts, replacing what
// was indexed for it before, in the caller's transaction. Each text is
// analysed on its own, so no pair is formed across two fields. A record
// whose texts have no token is removed from the index.
func Put(ctx context.Context, tx *db.Tx, kind string, ref int64, texts ...string) error {
	return PutMany(ctx, tx, kind, []Doc{{Ref: ref, Texts: texts}})
}

// Tokens returns what Put indexes for a record with these texts (each
// analysed on its own, within the size cap), for Doc.Tokens.
func Tokens(texts ...string) []string { return docTokens(texts) }

// docTokens analyses a record's texts, each on its own, and keeps the
// tokens within maxDocBytes.
func docTokens(texts []string) []string {
	var a analyzer
	for _, t := range texts {
		a.text(t)
	}
	toks := a.out
	if a.size > maxDocBytes {
		size := 0
		for i, t := range toks {
			if size += len(t) + 1; size > maxDocBytes {
				toks = toks[:i]
				break
			}
		}
	}
	return toks
}

// Doc is one record for PutMany: its ref and its texts, as given to Put.
// New says the record has never been indexed (it was created in the
// caller's transaction), so there are no old tokens to remove. Tokens, when
// not nil, are the texts' tokens as Tokens gave them, analysed ahead (for
// example outside a busy writer's transaction); Texts are then not read.
type Doc struct {
	Ref    int64
	Texts  []string
	New    bool
	Tokens []string
}

// PutMany is Put for many records of one kind at once, in the caller's
// transaction, with the same outcome as a Put per record in order (a ref
// given twice keeps its last texts). It writes with a few multi-row
// statements instead of two per record: on SQLite, FTS5 keeps the tokens
// of one statement in memory and writes them as one segment at the next
// statement savepoint, so records indexed one statement at a time between
// other writes each become a segment of their own that must later be
// merged; PutMany writes a whole batch as one.
func PutMany(ctx context.Context, tx *db.Tx, kind string, docs []Doc) error {
	base, err := kindBase(kind)
	if err != nil {
		return err
	}
	if len(docs) == 0 {
		return nil
	}
	// The last texts of each ref win, as with Put in order.
	last := make(map[int64]int, len(docs))
	for i, d := range docs {
		if err := checkRef(d.Ref); err != nil {
			return err
		}
		last[d.Ref] = i
	}
	keep := make([]Doc, 0, len(last))
	toks := make([][]string, 0, len(last))
	for i, d := range docs {
		if last[d.Ref] != i {
			continue
		}
		t := d.Tokens
		if t == nil {
			t = docTokens(d.Texts)
		}
		if len(t) == 0 {
			if !d.New {
				if err := Delete(ctx, tx, kind, d.Ref); err != nil {
					return err
				}
			}
			continue
		}
		keep = append(keep, d)
		toks = append(toks, t)
	}
	if tx.Engine() == db.Postgres {
		err = putManyPostgres(ctx, tx, kind, keep, toks)
	} else {
		err = putManySQLite(ctx, tx, base, keep, toks)
	}
	if err != nil {
		return fmt.Errorf("search: index %d records of %s: %w", len(keep), kind, err)
	}
	return nil
}

// Delete removes the record (kind, ref) from the index; a record that is not
// indexed is no error.
func Delete(ctx context.Context, tx *db.Tx, kind string, ref int64) error {
	base, err := kindBase(kind)
	if err != nil {
		return err
	}
	if err := checkRef(ref); err != nil {
		return err
	}
	if tx.Engine() == db.Postgres {
		err = deletePostgres(ctx, tx, kind, ref)
	} else {
		err = deleteSQLite(ctx, tx, base, ref)
	}
	if err != nil {
		return fmt.Errorf("search: remove %s %d: %w", kind, ref, err)
	}
	return nil
}

// Match returns an SQL predicate, with its arguments in order, that is true
// when refColumn (an expression such as "o.id") names a record of kind whose
// indexed text matches query: every term of the query is present. ok is false
// when the query has no term at all (empty, or only punctuation); the caller
// then decides whether that means "no filter" or "no rows". A kind that is
// not registered is a programming error and panics.
//
// The predicate has ? placeholders, like all of wenming's SQL, and reads
// "<refColumn> IN (SELECT … )" on both engines. Put refColumn's table's own
// conditions beside it; the subquery is evaluated once per statement, so it
// reads every match: for the newest few of many matches use Newest.
func Match(engine db.Engine, kind, query, refColumn string) (pred string, args []any, ok bool) {
	sel, args, ok := selectRefs(engine, kind, query)
	if !ok {
		return "", nil, false
	}
	return refColumn + " IN (" + sel + ")", args, true
}

// Plan is how to read a kind's matches newest (largest ref) first, a page
// at a time, in one statement over the record's table t:
//
//	SELECT … FROM <From> t … WHERE <Where> AND … ORDER BY <Order> LIMIT ?
//
// On SQLite, From puts the FTS5 index before the record's table as the
// outer loop and Order is the index's own rowid order, so the statement
// reads matches newest first and stops at the LIMIT, however many there
// are; the records' other conditions are checked on the way. On
// PostgreSQL, From is empty, Where is Match's predicate and Order the ref
// column, and the planner chooses. The two give the same rows in the same
// order.
type Plan struct {
	From  string
	Where string
	Args  []any
	Order string
}

// Newest returns the Plan for kind's matches of query, with refColumn the
// record table's ref (such as "w.id"); ok is false for a query without
// terms, as with Match.
func Newest(engine db.Engine, kind, query, refColumn string) (Plan, bool) {
	ts := parseQuery(query)
	if len(ts) == 0 {
		return Plan{}, false
	}
	if engine == db.Postgres {
		mustBase(kind)
		sel, args := selectPostgres(kind, ts)
		return Plan{Where: refColumn + " IN (" + sel + ")", Args: args, Order: refColumn + " DESC"}, true
	}
	base := mustBase(kind)
	return Plan{
		From:  "search_fts CROSS JOIN ",
		Where: "search_fts MATCH ? AND search_fts.rowid BETWEEN ? AND ? AND " + refColumn + " = search_fts.rowid - ?",
		Args:  []any{ftsQuery(ts), base, base + maxRef, base},
		Order: "search_fts.rowid DESC",
	}, true
}

func mustBase(kind string) int64 {
	base, err := kindBase(kind)
	if err != nil {
		panic(err)
	}
	return base
}

// selectRefs returns a SELECT of the single column ref for Match and Refs.
func selectRefs(engine db.Engine, kind, query string) (string, []any, bool) {
	ts := parseQuery(query)
	if len(ts) == 0 {
		return "", nil, false
	}
	if engine == db.Postgres {
		mustBase(kind)
		sel, args := selectPostgres(kind, ts)
		return sel, args, true
	}
	sel, args := selectSQLite(mustBase(kind), ts)
	return sel, args, true
}

// Refs returns the refs of kind that match query, in ascending order; none
// for a query without terms.
func Refs(ctx context.Context, tx *db.Tx, kind, query string) ([]int64, error) {
	if _, err := kindID(kind); err != nil {
		return nil, err
	}
	sel, args, ok := selectRefs(tx.Engine(), kind, query)
	if !ok {
		return nil, nil
	}
	rows, err := tx.Query(ctx, sel+` ORDER BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var refs []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		refs = append(refs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return slices.Clip(refs), nil
}

// NeedsRebuild reports whether kind's records must be indexed again (after
// an upgrade that changed how the index is stored, which lists the kind in
// search_rebuild); the capability then indexes every record with PutMany
// and calls Rebuilt in the same transaction as the last of them.
func NeedsRebuild(ctx context.Context, tx *db.Tx, kind string) (bool, error) {
	n, err := tx.Count(ctx, `SELECT COUNT(*) FROM search_rebuild WHERE kind = ?`, kind)
	return n > 0, err
}

// Rebuilt records that kind's records are all indexed again.
func Rebuilt(ctx context.Context, tx *db.Tx, kind string) error {
	_, err := tx.Exec(ctx, `DELETE FROM search_rebuild WHERE kind = ?`, kind)
	return err
}

// quote wraps s in q, doubling q (and, for PostgreSQL, backslash) inside.
func quote(s string, q byte, alsoDouble string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == q || strings.IndexByte(alsoDouble, c) >= 0 {
			b.WriteByte(c)
		}
		b.WriteByte(c)
	}
	b.WriteByte(q)
	return b.String()
}
