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

// indexOrder (re)indexes one order's text in the caller's transaction.
// Inside a batch the tokens are written when the batch ends.
func indexOrder(ctx context.Context, tx *db.Tx, id int64, title, description, address, resolution string) error {
	if b := batchWrites(ctx); b != nil {
		b.docs = append(b.docs, search.Doc{Ref: id, Texts: []string{title, description, address, resolution}})
		return nil
	}
	return search.Put(ctx, tx, SearchKind, id, title, description, address, resolution)
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
	return indexOrder(ctx, tx, id, title, desc, addr, res)
}

// reindexBatch is how many orders Reindex indexes per transaction.
const reindexBatch = 1000

// Reindex rebuilds the search index of every order, a thousand orders per
// write transaction, and returns how many it indexed. Normal operation never
// needs it (every change indexes its order); it is for a database filled
// before orders were searchable or by a tool that wrote rows directly.
func (s *Service) Reindex(ctx context.Context) (int, error) {
	n := 0
	var after int64
	for {
		type doc struct {
			id                      int64
			title, desc, addr, reso string
		}
		var docs []doc
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			docs = docs[:0]
			rows, err := tx.Query(ctx, `SELECT id, title, description, address, resolution FROM workorders
				WHERE id > ? ORDER BY id LIMIT ?`, after, reindexBatch)
			if err != nil {
				return err
			}
			for rows.Next() {
				var d doc
				var reso sql.NullString
				if err := rows.Scan(&d.id, &d.title, &d.desc, &d.addr, &reso); err != nil {
					rows.Close()
					return err
				}
				d.reso = reso.String
				docs = append(docs, d)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, d := range docs {
				if err := indexOrder(ctx, tx, d.id, d.title, d.desc, d.addr, d.reso); err != nil {
					return err
				}
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
		after = docs[len(docs)-1].id
	}
}
