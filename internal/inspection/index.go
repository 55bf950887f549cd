package inspection

import (
	"context"
	"database/sql"
	"github.com/wenming-city/wenming/internal/i18n"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
)

// IndexState is where a version of an index stands.
type IndexState string

const (
	StateDraft   IndexState = "draft"   // being written; editable
	StateActive  IndexState = "active"  // in force; at most one version per code
	StateRetired IndexState = "retired" // superseded; kept for history
)

// Key is the state's message key.
func (s IndexState) Key() string { return "inspection.state." + string(s) }

// Index is one version of an evaluation index (测评体系).
type Index struct {
	ID        int64      `json:"id"`
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	NameEN    string     `json:"name_en"` // empty: the page shows Name
	Version   int        `json:"version"`
	State     IndexState `json:"state"`
	Note      string     `json:"note"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Nodes     int        `json:"nodes"`
	Total     Points     `json:"total_centi"` // the parts' points summed
}

// Node is one node of an index's tree.
type Node struct {
	ID         int64  `json:"id"`
	IndexID    int64  `json:"index_id"`
	ParentID   int64  `json:"parent_id"`
	ParentCode string `json:"parent_code"`
	Level      Level  `json:"level"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	NameEN     string `json:"name_en"` // empty: the page shows Name
	Points     Points `json:"points_centi"`
	Method     Method `json:"method"`
	Sort       int    `json:"sort"`
	Depth      int    `json:"depth"`
	Children   int    `json:"children"`
}

// IndexInput is what a form or an import gives for an index version.
type IndexInput struct {
	Code, Name, Note string
	NameEN           string // kept when a version is copied
}

// NodeInput is what the node form gives.
type NodeInput struct {
	ParentID int64
	Level    Level
	Code     string
	Name     string
	NameEN   string // empty: English pages show Name
	Points   Points
	Method   Method
	Sort     int
}

const indexCols = `i.id, i.code, i.name, i.version, i.state, i.note, i.created_at, i.updated_at,
	(SELECT COUNT(*) FROM inspection_nodes n WHERE n.index_id = i.id),
	COALESCE((SELECT SUM(n.points) FROM inspection_nodes n WHERE n.index_id = i.id AND n.level = 'part'), 0), i.name_en`

func scanIndex(sc *sql.Rows) (Index, error) {
	var x Index
	var c, u int64
	err := sc.Scan(&x.ID, &x.Code, &x.Name, &x.Version, &x.State, &x.Note, &c, &u, &x.Nodes, &x.Total, &x.NameEN)
	x.CreatedAt, x.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
	return x, err
}

// ListIndexes returns every version of every index, newest version first
// within a code.
func (s *Service) ListIndexes(ctx context.Context, p *auth.Principal) ([]Index, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	var out []Index
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+indexCols+" FROM inspection_indexes i ORDER BY i.code, i.version DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanIndex(rows)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, err
}

func getIndex(ctx context.Context, tx *db.Tx, id int64) (Index, error) {
	var x Index
	var c, u int64
	err := tx.Get(ctx, "inspection.entity.index", "SELECT "+indexCols+" FROM inspection_indexes i WHERE i.id = ?", []any{id},
		&x.ID, &x.Code, &x.Name, &x.Version, &x.State, &x.Note, &c, &u, &x.Nodes, &x.Total, &x.NameEN)
	x.CreatedAt, x.UpdatedAt = time.UnixMilli(c), time.UnixMilli(u)
	return x, err
}

// GetIndex returns one version.
func (s *Service) GetIndex(ctx context.Context, p *auth.Principal, id int64) (Index, error) {
	if err := canView(p); err != nil {
		return Index{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Index, error) { return getIndex(ctx, tx, id) })
}

// Nodes returns a version's tree in tree order (parents before children,
// siblings by sort then id), with depths and child counts.
func (s *Service) Nodes(ctx context.Context, p *auth.Principal, indexID int64) ([]Node, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Node, error) {
		if _, err := getIndex(ctx, tx, indexID); err != nil {
			return nil, err
		}
		return nodes(ctx, tx, indexID)
	})
}

func nodes(ctx context.Context, tx *db.Tx, indexID int64) ([]Node, error) {
	rows, err := tx.Query(ctx, `SELECT id, index_id, COALESCE(parent_id, 0), level, code, name, points, method, sort, name_en
		FROM inspection_nodes WHERE index_id = ? ORDER BY sort, id`, indexID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var all []Node
	for rows.Next() {
		var n Node
		if err := rows.Scan(&n.ID, &n.IndexID, &n.ParentID, &n.Level, &n.Code, &n.Name, &n.Points, &n.Method, &n.Sort, &n.NameEN); err != nil {
			return nil, err
		}
		all = append(all, n)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return treeOrder(all), nil
}

// treeOrder puts nodes (already by sort, id) in depth-first order.
func treeOrder(all []Node) []Node {
	kids := map[int64][]int{}
	code := map[int64]string{}
	for i, n := range all {
		kids[n.ParentID] = append(kids[n.ParentID], i)
		code[n.ID] = n.Code
	}
	out := make([]Node, 0, len(all))
	var walk func(parent int64, depth int)
	walk = func(parent int64, depth int) {
		for _, i := range kids[parent] {
			n := all[i]
			n.Depth, n.Children, n.ParentCode = depth, len(kids[n.ID]), code[n.ParentID]
			out = append(out, n)
			walk(n.ID, depth+1)
		}
	}
	walk(0, 0)
	return out
}

func checkIndexInput(in *IndexInput) error {
	in.Code, in.Name, in.Note = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Note)
	var f errs.Fields
	checkCode(&f, "code", in.Code)
	checkLen(&f, "name", in.Name, 100, true)
	in.NameEN = strings.TrimSpace(in.NameEN)
	checkLen(&f, "name_en", in.NameEN, 200, false)
	checkLen(&f, "note", in.Note, 1000, false)
	return f.Err()
}

// nextVersion is the version number a new version of code gets.
func nextVersion(ctx context.Context, tx *db.Tx, code string) (int, error) {
	var v int
	err := tx.Get(ctx, "inspection.entity.index", "SELECT COALESCE(MAX(version), 0) + 1 FROM inspection_indexes WHERE code = ?", []any{code}, &v)
	return v, err
}

func insertIndex(ctx context.Context, tx *db.Tx, in IndexInput, now time.Time) (int64, int, error) {
	v, err := nextVersion(ctx, tx, in.Code)
	if err != nil {
		return 0, 0, err
	}
	id, err := tx.InsertID(ctx, `INSERT INTO inspection_indexes (code, name, version, state, note, created_at, updated_at, name_en)
		VALUES (?, ?, ?, 'draft', ?, ?, ?, ?) RETURNING id`, in.Code, in.Name, v, in.Note, now.UnixMilli(), now.UnixMilli(), in.NameEN)
	return id, v, err
}

// CreateIndex starts a draft: version 1 of a new code, or the next version
// of an existing one (empty; NewVersion copies a version instead).
func (s *Service) CreateIndex(ctx context.Context, p *auth.Principal, in IndexInput) (Index, error) {
	if err := canManage(p); err != nil {
		return Index{}, err
	}
	if err := checkIndexInput(&in); err != nil {
		return Index{}, err
	}
	now := s.now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Index, error) {
		id, _, err := insertIndex(ctx, tx, in, now)
		if err != nil {
			return Index{}, err
		}
		x, err := getIndex(ctx, tx, id)
		if err != nil {
			return x, err
		}
		return x, record(ctx, tx, p, now, "create", "inspection_index", id, x.Code+" v"+itoa(x.Version), nil, x)
	})
}

// UpdateIndex changes a draft's name and note (the code is fixed).
func (s *Service) UpdateIndex(ctx context.Context, p *auth.Principal, id int64, in IndexInput) (Index, error) {
	if err := canManage(p); err != nil {
		return Index{}, err
	}
	now := s.now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Index, error) {
		before, err := getIndex(ctx, tx, id)
		if err != nil {
			return before, err
		}
		in.Code = before.Code
		if err := checkIndexInput(&in); err != nil {
			return before, err
		}
		if before.State != StateDraft {
			return before, errs.E(errs.Conflict, "inspection.index.not_draft")
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_indexes SET name = ?, note = ?, updated_at = ?, name_en = ? WHERE id = ?", in.Name, in.Note, now.UnixMilli(), in.NameEN, id); err != nil {
			return before, err
		}
		after, err := getIndex(ctx, tx, id)
		if err != nil {
			return after, err
		}
		return after, record(ctx, tx, p, now, "update", "inspection_index", id, after.Code+" v"+itoa(after.Version), before, after)
	})
}

// NewVersion copies a version's tree into a new draft of the same code.
func (s *Service) NewVersion(ctx context.Context, p *auth.Principal, fromID int64) (Index, error) {
	if err := canManage(p); err != nil {
		return Index{}, err
	}
	now := s.now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Index, error) {
		from, err := getIndex(ctx, tx, fromID)
		if err != nil {
			return from, err
		}
		ns, err := nodes(ctx, tx, fromID)
		if err != nil {
			return from, err
		}
		id, _, err := insertIndex(ctx, tx, IndexInput{Code: from.Code, Name: from.Name, NameEN: from.NameEN, Note: from.Note}, now)
		if err != nil {
			return from, err
		}
		if err := insertNodes(ctx, tx, id, ns); err != nil {
			return from, err
		}
		x, err := getIndex(ctx, tx, id)
		if err != nil {
			return x, err
		}
		return x, record(ctx, tx, p, now, "create", "inspection_index", id, x.Code+" v"+itoa(x.Version)+" ← v"+itoa(from.Version), nil, x)
	})
}

// insertNodes writes nodes in tree order (parents first), resolving each
// parent by its code.
func insertNodes(ctx context.Context, tx *db.Tx, indexID int64, ns []Node) error {
	ids := map[string]int64{}
	for _, n := range ns {
		var parent any
		if n.ParentCode != "" {
			parent = ids[n.ParentCode]
		}
		id, err := tx.InsertID(ctx, `INSERT INTO inspection_nodes (index_id, parent_id, level, code, name, points, method, sort, name_en)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, indexID, parent, string(n.Level), n.Code, n.Name, int64(n.Points), string(n.Method), n.Sort, n.NameEN)
		if err != nil {
			return err
		}
		ids[n.Code] = id
	}
	return nil
}

// Problems lists what a version's tree breaks (CheckTree), for the page
// and for Activate.
func (s *Service) Problems(ctx context.Context, p *auth.Principal, id int64) ([]TreeProblem, []Node, error) {
	ns, err := s.Nodes(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	return CheckTree(treeNodes(ns)), ns, nil
}

func treeNodes(ns []Node) []TreeNode {
	out := make([]TreeNode, len(ns))
	for i, n := range ns {
		out[i] = TreeNode{Code: n.Code, Parent: n.ParentCode, Level: n.Level, Points: n.Points, Method: n.Method}
	}
	return out
}

// Activate puts a draft in force: the tree must keep every rule
// (CheckTree) and have at least one part; the version in force until now
// is retired in the same transaction.
func (s *Service) Activate(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := getIndex(ctx, tx, id)
		if err != nil {
			return err
		}
		if x.State != StateDraft {
			return errs.E(errs.Conflict, "inspection.index.not_draft")
		}
		ns, err := nodes(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(ns) == 0 {
			return errs.E(errs.Invalid, "inspection.index.empty")
		}
		if probs := CheckTree(treeNodes(ns)); len(probs) > 0 {
			return errs.E(errs.Invalid, "inspection.index.has_problems", len(probs))
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_indexes SET state = 'retired', updated_at = ? WHERE code = ? AND state = 'active'", now.UnixMilli(), x.Code); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_indexes SET state = 'active', updated_at = ? WHERE id = ?", now.UnixMilli(), id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "activate", "inspection_index", id, x.Code+" v"+itoa(x.Version), nil, nil)
	})
}

// DeleteIndex removes a draft with its tree.
func (s *Service) DeleteIndex(ctx context.Context, p *auth.Principal, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := getIndex(ctx, tx, id)
		if err != nil {
			return err
		}
		if x.State != StateDraft {
			return errs.E(errs.Conflict, "inspection.index.not_draft")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_nodes WHERE index_id = ?", id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM inspection_indexes WHERE id = ?", id); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "delete", "inspection_index", id, x.Code+" v"+itoa(x.Version), x, nil)
	})
}

func getNode(ctx context.Context, tx *db.Tx, indexID, id int64) (Node, error) {
	var n Node
	err := tx.Get(ctx, "inspection.entity.node", `SELECT id, index_id, COALESCE(parent_id, 0), level, code, name, points, method, sort, name_en
		FROM inspection_nodes WHERE id = ? AND index_id = ?`, []any{id, indexID},
		&n.ID, &n.IndexID, &n.ParentID, &n.Level, &n.Code, &n.Name, &n.Points, &n.Method, &n.Sort, &n.NameEN)
	return n, err
}

// GetNode returns one node of a version.
func (s *Service) GetNode(ctx context.Context, p *auth.Principal, indexID, id int64) (Node, error) {
	if err := canView(p); err != nil {
		return Node{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Node, error) { return getNode(ctx, tx, indexID, id) })
}

// SaveNode creates (id 0) or changes a node of a draft. The node's own
// fields are checked here; whether the points add up is the tree's rule
// (CheckTree), shown on the page and enforced by Activate.
func (s *Service) SaveNode(ctx context.Context, p *auth.Principal, indexID, id int64, in NodeInput) (Node, error) {
	if err := canManage(p); err != nil {
		return Node{}, err
	}
	in.Code, in.Name, in.NameEN = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN)
	now := s.now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (Node, error) {
		x, err := getIndex(ctx, tx, indexID)
		if err != nil {
			return Node{}, err
		}
		var before Node
		if id != 0 {
			if before, err = getNode(ctx, tx, indexID, id); err != nil {
				return before, err
			}
		}
		var f errs.Fields
		checkCode(&f, "code", in.Code)
		checkLen(&f, "name", in.Name, 200, true)
		checkLen(&f, "name_en", in.NameEN, 300, false)
		if !in.Level.Valid() {
			f.Add("level", "field.bad_choice")
		}
		if in.Points <= 0 {
			f.Add("points", "inspection.tree.points_positive")
		}
		leafish := in.Level == LevelIndicator || in.Level == LevelContent
		if leafish && !in.Method.Valid() {
			f.Add("method", "inspection.tree.method_required")
		}
		if !leafish {
			in.Method = ""
		}
		if in.Sort < 0 || in.Sort > 100000 {
			f.Add("sort", "field.out_of_range", 0, 100000)
		}
		if in.Level.Valid() {
			if in.Level == LevelPart {
				if in.ParentID != 0 {
					f.Add("parent_id", "inspection.tree.part_has_parent")
				}
			} else if in.ParentID == 0 {
				f.Add("parent_id", "inspection.tree.parent_required")
			} else if parent, err := getNode(ctx, tx, indexID, in.ParentID); err != nil {
				f.Add("parent_id", "field.bad_choice")
			} else if parent.Level.Depth() != in.Level.Depth()-1 {
				f.Add("level", "inspection.tree.level_below", i18n.Key(parent.Level.Key()))
			}
		}
		if id != 0 && in.Level != before.Level {
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_nodes WHERE parent_id = ?", id); err != nil {
				return before, err
			} else if n > 0 {
				f.Add("level", "inspection.node.level_has_children")
			}
		}
		if in.Code != "" {
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM inspection_nodes WHERE index_id = ? AND code = ? AND id <> ?", indexID, in.Code, id); err != nil {
				return before, err
			} else if n > 0 {
				f.Add("code", "inspection.code_taken")
			}
		}
		if err := f.Err(); err != nil {
			return before, err
		}
		if x.State != StateDraft {
			return before, errs.E(errs.Conflict, "inspection.index.not_draft")
		}
		var parent any
		if in.ParentID != 0 {
			parent = in.ParentID
		}
		if id == 0 {
			id, err = tx.InsertID(ctx, `INSERT INTO inspection_nodes (index_id, parent_id, level, code, name, points, method, sort, name_en)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, indexID, parent, string(in.Level), in.Code, in.Name, int64(in.Points), string(in.Method), in.Sort, in.NameEN)
		} else {
			_, err = tx.Exec(ctx, `UPDATE inspection_nodes SET parent_id = ?, level = ?, code = ?, name = ?, points = ?, method = ?, sort = ?, name_en = ?
				WHERE id = ?`, parent, string(in.Level), in.Code, in.Name, int64(in.Points), string(in.Method), in.Sort, in.NameEN, id)
		}
		if err != nil {
			return before, err
		}
		if _, err := tx.Exec(ctx, "UPDATE inspection_indexes SET updated_at = ? WHERE id = ?", now.UnixMilli(), indexID); err != nil {
			return before, err
		}
		after, err := getNode(ctx, tx, indexID, id)
		if err != nil {
			return after, err
		}
		action := "update"
		var b any = before
		if before.ID == 0 {
			action, b = "create", nil
		}
		return after, record(ctx, tx, p, now, action, "inspection_node", id, x.Code+" v"+itoa(x.Version)+" "+after.Code, b, after)
	})
}

// DeleteNode removes a node of a draft with everything below it.
func (s *Service) DeleteNode(ctx context.Context, p *auth.Principal, indexID, id int64) error {
	if err := canManage(p); err != nil {
		return err
	}
	now := s.now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		x, err := getIndex(ctx, tx, indexID)
		if err != nil {
			return err
		}
		n, err := getNode(ctx, tx, indexID, id)
		if err != nil {
			return err
		}
		if x.State != StateDraft {
			return errs.E(errs.Conflict, "inspection.index.not_draft")
		}
		all, err := nodes(ctx, tx, indexID)
		if err != nil {
			return err
		}
		gone := map[int64]bool{id: true}
		var del []int64
		for _, m := range all { // tree order: a parent before its children
			if m.ID == id || gone[m.ParentID] {
				gone[m.ID] = true
				del = append(del, m.ID)
			}
		}
		slices.Reverse(del)
		for _, d := range del {
			if _, err := tx.Exec(ctx, "DELETE FROM inspection_nodes WHERE id = ?", d); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, now, "delete", "inspection_node", id, x.Code+" v"+itoa(x.Version)+" "+n.Code, n, nil)
	})
}

// ActiveIndicators are the indicator and content codes of every version
// in force, with their names: what a check item may be tied to.
func (s *Service) ActiveIndicators(ctx context.Context, p *auth.Principal) ([]Node, error) {
	if err := canView(p); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, activeIndicators)
}

func activeIndicators(tx *db.Tx) ([]Node, error) {
	ctx := context.Background()
	var out []Node
	rows, err := tx.Query(ctx, "SELECT id FROM inspection_indexes WHERE state = 'active' ORDER BY code")
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		ns, err := nodes(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			if n.Level == LevelIndicator || n.Level == LevelContent {
				out = append(out, n)
			}
		}
	}
	return out, nil
}
