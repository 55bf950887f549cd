package workorder

import (
	"context"
	"database/sql"

	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/search"
)

// SearchKind is the kind work orders are indexed under in internal/search.
// An order's searchable text is its title, description, address and
// resolution (the unit's note on resolving, or the answer given at intake,
// or the parent's resolution a merged child closes with). It is indexed in
// the same write transaction as the change that sets it, so a search never
// disagrees with the order: on submit and whenever the resolution changes.
// State-only steps (dispatch, acknowledge, recategorise …) do not touch the
// index.
const SearchKind = "workorder"

func init() { search.RegisterKind(SearchKind, 1) }

// indexOrder (re)indexes one order's text (doc: the order's id, its
// title, description, address and resolution) in the caller's
// transaction. Inside a batch the tokens are written when the batch ends.
func indexOrder(ctx context.Context, tx *db.Tx, doc search.Doc) error {
	if b := batchWrites(ctx); b != nil {
		b.docs = append(b.docs, doc)
		return nil
	}
	return search.PutMany(ctx, tx, SearchKind, []search.Doc{doc})
}

// reindexOrder reads an order's text in the caller's transaction and
// indexes it again (for changes made by plain UPDATEs, such as merged
// children closing with their parent's resolution).
func reindexOrder(ctx context.Context, tx *db.Tx, id int64) error {
	var title, desc, addr, res string
	if err := tx.Get(ctx, "workorder.entity.order", `SELECT title, description, address, resolution FROM workorders WHERE id = ?`,
		[]any{id}, &title, &desc, &addr, &res); err != nil {
		return err
	}
	return indexOrder(ctx, tx, search.Doc{Ref: id, Texts: []string{title, desc, addr, res}})
}

// reindexBatch is how many orders RebuildSearch indexes per transaction.
const reindexBatch = 1000

// RebuildSearch indexes every order again, a thousand per write
// transaction with one search.PutMany each, when an upgrade has emptied
// the index and asked for it (search.NeedsRebuild); it runs once, at
// start-up, and returns how many orders it indexed (0 when nothing was
// asked). Normal operation never needs it: every change indexes its order.
func (s *Service) RebuildSearch(ctx context.Context) (int, error) {
	var need bool
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		need, err = search.NeedsRebuild(ctx, tx, SearchKind)
		return err
	}); err != nil || !need {
		return 0, err
	}
	n := 0
	var after int64
	for {
		var docs []search.Doc
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			docs = docs[:0]
			rows, err := tx.Query(ctx, `SELECT id, title, description, address, resolution FROM workorders
				WHERE id > ? ORDER BY id LIMIT ?`, after, reindexBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var title, desc, addr string
				var reso sql.NullString
				if err := rows.Scan(&id, &title, &desc, &addr, &reso); err != nil {
					rows.Close()
					return err
				}
				docs = append(docs, search.Doc{Ref: id, Texts: []string{title, desc, addr, reso.String}})
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if err := search.PutMany(ctx, tx, SearchKind, docs); err != nil {
				return err
			}
			if len(docs) < reindexBatch {
				return search.Rebuilt(ctx, tx, SearchKind)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(docs)
		if len(docs) < reindexBatch {
			return n, nil
		}
		after = docs[len(docs)-1].Ref
	}
}
