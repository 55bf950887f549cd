-- Citizens' reports whose search tokens are not written yet (issue 13).
-- With workorder.Service.SearchBehind set, a batch of reports commits one
-- row here per order instead of its FTS5 tokens, and the search indexer
-- (workorder.Service.IndexPending) writes the tokens and deletes the rows
-- in one transaction, so an order is either pending or indexed, never
-- lost; rows left by a crash are indexed at the next start.
CREATE TABLE workorder_search_pending (
    order_id INTEGER PRIMARY KEY REFERENCES workorders(id)
);
