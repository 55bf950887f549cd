package workorder

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/pii"
)

// The public board (曝光台): a dispatcher publishes a chosen order that the
// unit has resolved, with a title, a summary and the unit's response written
// for the public, and before and after photos chosen from the order's
// timeline. Anyone may read published posts; their photos are served only
// as public renditions (no EXIF, so no location). The reporter's name and
// phone are removed from the text automatically, and a number that still
// looks like a phone is refused: the text is the dispatcher's to check, the
// obvious leaks are not left to chance.

// Board limits.
const (
	MaxBoardTitleLen    = 100
	MaxBoardTextLen     = 2000
	MaxBoardPhotos      = 6 // before, and again after
	DefaultBoardPerPage = 12
)

// BoardMask replaces the reporter's name and phone in a post's text.
const BoardMask = "***"

// boardStates are the states in which an order may be published: the unit
// has reported it resolved, whatever came after.
var boardStates = []State{StateResolved, StateVerified, StateCallbackDone, StateClosed}

// CanPublish reports whether an order in the state may go on the board.
func CanPublish(st State) bool { return slices.Contains(boardStates, st) }

// BoardInput is what a dispatcher publishes.
type BoardInput struct {
	Title          string  `json:"title"`
	Summary        string  `json:"summary"`
	Response       string  `json:"response"`
	BeforePhotoIDs []int64 `json:"before_photo_ids"`
	AfterPhotoIDs  []int64 `json:"after_photo_ids"`
}

// BoardPost is one case on the public board. The fields without a JSON
// name are for staff only.
type BoardPost struct {
	ID             int64      `json:"id"`
	OrderID        int64      `json:"-"`
	Title          string     `json:"title"`
	Summary        string     `json:"summary"`
	Response       string     `json:"response"`
	CategoryName   string     `json:"category_name"`
	CategoryNameEN string     `json:"category_name_en"`
	DistrictName   string     `json:"district_name"`
	DistrictNameEN string     `json:"district_name_en"`
	UnitName       string     `json:"unit_name"`
	ReportedAt     time.Time  `json:"reported_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	PublishedAt    time.Time  `json:"published_at"`
	BeforePhotoIDs []int64    `json:"before_photo_ids"`
	AfterPhotoIDs  []int64    `json:"after_photo_ids"`
	PublishedBy    string     `json:"-"`
	UnpublishedAt  *time.Time `json:"-"`
}

// Published reports whether the post is on the board now.
func (b *BoardPost) Published() bool { return b.ID != 0 && b.UnpublishedAt == nil }

// BoardPhoto is a photo on an order's timeline that may be chosen for the
// board, with the event that brought it.
type BoardPhoto struct {
	ID     int64  `json:"id"`
	Action string `json:"action"`
	// After: it came with a resolution (the default "after" photos);
	// every other photo is a default "before" photo.
	After bool `json:"after"`
}

// BoardDraft is what the dispatcher's publish form starts from: the order,
// its post if it has one, the photos to choose from and the text proposed
// (the post's, or the order's with the reporter's name and phone removed).
type BoardDraft struct {
	Order      Order
	Post       *BoardPost
	Photos     []BoardPhoto
	Input      BoardInput
	CanPublish bool
}

// ScrubReporter removes the reporter's name (when it has at least two
// characters, so a lone surname does not eat the text) and phone, in any
// written form pii.ScrubPhone knows (spaces, dashes, +86, full-width
// digits, masked), from text.
func ScrubReporter(text, name, phone string) string {
	text = pii.ScrubPhone(text, phone, BoardMask)
	if name = strings.TrimSpace(name); utf8.RuneCountInString(name) >= 2 {
		text = strings.ReplaceAll(text, name, BoardMask)
	}
	return text
}

func (in *BoardInput) normalise(name, phone string) {
	in.Title = strings.TrimSpace(ScrubReporter(in.Title, name, phone))
	in.Summary = strings.TrimSpace(ScrubReporter(in.Summary, name, phone))
	in.Response = strings.TrimSpace(ScrubReporter(in.Response, name, phone))
}

// scrub masks every other phone and ID number in a draft taken from the
// order, so the citizen's description arrives without them; what staff
// type into the form afterwards is checked by validate instead.
func (in *BoardInput) scrub() {
	in.Title = pii.Scrub(in.Title, BoardMask)
	in.Summary = pii.Scrub(in.Summary, BoardMask)
	in.Response = pii.Scrub(in.Response, BoardMask)
}

func (in *BoardInput) validate(f *errs.Fields, photos []BoardPhoto) {
	text := func(field, v string, limit int) {
		switch {
		case v == "":
			f.Add(field, "field.required")
		case utf8.RuneCountInString(v) > limit:
			f.Add(field, "field.too_long", limit)
		case pii.Contains(v):
			f.Add(field, "board.field.phone_like")
		}
	}
	text("title", in.Title, MaxBoardTitleLen)
	text("summary", in.Summary, MaxBoardTextLen)
	text("response", in.Response, MaxBoardTextLen)
	ids := make([]int64, 0, len(photos))
	for _, ph := range photos {
		ids = append(ids, ph.ID)
	}
	choose := func(field string, chosen []int64) {
		if len(chosen) > MaxBoardPhotos {
			f.Add(field, "workorder.field.too_many_photos", MaxBoardPhotos)
			return
		}
		for i, id := range chosen {
			if !slices.Contains(ids, id) || slices.Contains(chosen[:i], id) {
				f.Add(field, "board.field.not_order_photo")
				return
			}
		}
	}
	choose("before_photo_ids", in.BeforePhotoIDs)
	choose("after_photo_ids", in.AfterPhotoIDs)
	// A case on the board shows the problem and its fix.
	if len(in.BeforePhotoIDs) == 0 && !f.Has("before_photo_ids") {
		f.Add("before_photo_ids", "board.field.before_required")
	}
	if len(in.AfterPhotoIDs) == 0 && !f.Has("after_photo_ids") {
		f.Add("after_photo_ids", "board.field.after_required")
	}
}

// orderPhotos lists the photos on the order's timeline, oldest first.
func orderPhotos(ctx context.Context, tx *db.Tx, orderID int64) ([]BoardPhoto, error) {
	rows, err := tx.Query(ctx, `SELECT a.photo_id, e.action FROM workorder_attachments a
		JOIN workorder_events e ON e.id = a.event_id WHERE a.order_id = ? ORDER BY a.event_id, a.photo_id`, orderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BoardPhoto
	for rows.Next() {
		var ph BoardPhoto
		if err := rows.Scan(&ph.ID, &ph.Action); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(x BoardPhoto) bool { return x.ID == ph.ID }) {
			continue
		}
		ph.After = ph.Action == string(ActionResolve)
		out = append(out, ph)
	}
	return out, rows.Err()
}

// BoardDraft loads the publish form of an order in p's scope; p needs the
// dispatch permission.
func (s *Service) BoardDraft(ctx context.Context, p *auth.Principal, orderID int64) (BoardDraft, error) {
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return BoardDraft{}, err
	}
	var d BoardDraft
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if d.Order, err = loadOrder(ctx, tx, p, orderID); err != nil {
			return err
		}
		if d.Photos, err = orderPhotos(ctx, tx, orderID); err != nil {
			return err
		}
		posts, err := boardPosts(ctx, tx, "b.order_id = ?", []any{orderID}, 1, 0)
		if err != nil {
			return err
		}
		if len(posts) == 1 {
			d.Post = &posts[0]
		}
		return nil
	})
	if err != nil {
		return BoardDraft{}, err
	}
	d.CanPublish = CanPublish(d.Order.State) && d.Order.Kind == KindRequest
	if d.Post != nil {
		d.Input = BoardInput{Title: d.Post.Title, Summary: d.Post.Summary, Response: d.Post.Response,
			BeforePhotoIDs: d.Post.BeforePhotoIDs, AfterPhotoIDs: d.Post.AfterPhotoIDs}
	} else {
		d.Input = BoardInput{Title: d.Order.Title, Summary: d.Order.Description, Response: d.Order.Resolution}
		d.Input.normalise(d.Order.ReporterName, d.Order.ReporterPhone)
		d.Input.scrub()
		for _, ph := range d.Photos {
			if ph.After {
				d.Input.AfterPhotoIDs = append(d.Input.AfterPhotoIDs, ph.ID)
			} else {
				d.Input.BeforePhotoIDs = append(d.Input.BeforePhotoIDs, ph.ID)
			}
		}
		d.Input.BeforePhotoIDs = d.Input.BeforePhotoIDs[:min(len(d.Input.BeforePhotoIDs), MaxBoardPhotos)]
		d.Input.AfterPhotoIDs = d.Input.AfterPhotoIDs[:min(len(d.Input.AfterPhotoIDs), MaxBoardPhotos)]
	}
	d.Order.ReporterPhone = "" // the form never needs it
	return d, nil
}

// Publish puts an order in p's scope on the public board, or replaces its
// post's text and photos and shows it again. p needs the dispatch
// permission; the order must be resolved (or verified, called back,
// closed). The reporter's name and phone are removed from the text; a
// number that still looks like a phone, an empty or too long text, or a
// photo that is not on the order's timeline is a field error.
func (s *Service) Publish(ctx context.Context, p *auth.Principal, orderID int64, in BoardInput) (BoardPost, error) {
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return BoardPost{}, err
	}
	var postID int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := lockOrder(ctx, tx, orderID); err != nil {
			return err
		}
		o, err := loadOrder(ctx, tx, p, orderID)
		if err != nil {
			return err
		}
		if !CanPublish(o.State) {
			return errs.E(errs.Conflict, "board.err.not_resolved", i18n.Key(o.State.Key()))
		}
		if o.Kind != KindRequest {
			return errs.E(errs.Conflict, "board.err.not_request")
		}
		photos, err := orderPhotos(ctx, tx, orderID)
		if err != nil {
			return err
		}
		in.normalise(o.ReporterName, o.ReporterPhone)
		var f errs.Fields
		in.validate(&f, photos)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.Clock.Now()
		var before map[string]any
		err = tx.Get(ctx, "", "SELECT id FROM board_posts WHERE order_id = ?", []any{orderID}, &postID)
		switch {
		case err == nil:
			before = map[string]any{"post": postID}
			if _, err := tx.Exec(ctx, `UPDATE board_posts SET title = ?, summary = ?, response = ?, published_by = ?,
				published_at = ?, unpublished_by = NULL, unpublished_at = NULL, updated_at = ? WHERE id = ?`,
				in.Title, in.Summary, in.Response, p.UserID, now.UnixMilli(), now.UnixMilli(), postID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM board_post_photos WHERE post_id = ?", postID); err != nil {
				return err
			}
		case errs.Is(err, errs.NotFound):
			if postID, err = tx.InsertID(ctx, `INSERT INTO board_posts (order_id, title, summary, response, published_by,
				published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				orderID, in.Title, in.Summary, in.Response, p.UserID, now.UnixMilli(), now.UnixMilli()); err != nil {
				return err
			}
		default:
			return err
		}
		for kind, ids := range map[string][]int64{"before": in.BeforePhotoIDs, "after": in.AfterPhotoIDs} {
			for i, id := range ids {
				if _, err := tx.Exec(ctx, "INSERT INTO board_post_photos (post_id, photo_id, kind, sort) VALUES (?, ?, ?, ?)",
					postID, id, kind, i); err != nil {
					return err
				}
			}
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "board.publish", Entity: "board_post",
			EntityID: audit.ID(postID), Summary: o.Code + " " + in.Title}, before, in)
	})
	if err != nil {
		return BoardPost{}, err
	}
	return s.boardPost(ctx, postID, false)
}

// Unpublish takes a post off the board and returns it; p needs the
// dispatch permission and the post's order in scope. Unpublishing a post
// that is already off the board changes nothing.
func (s *Service) Unpublish(ctx context.Context, p *auth.Principal, postID int64) (BoardPost, error) {
	if err := auth.Require(p, auth.PermOrderDispatch); err != nil {
		return BoardPost{}, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var orderID int64
		var off sql.NullInt64
		if err := tx.Get(ctx, "board.entity.post", "SELECT order_id, unpublished_at FROM board_posts WHERE id = ?",
			[]any{postID}, &orderID, &off); err != nil {
			return err
		}
		o, err := loadOrder(ctx, tx, p, orderID)
		if errs.Is(err, errs.NotFound) {
			return errs.NotFoundf("board.entity.post")
		} else if err != nil {
			return err
		}
		if off.Valid {
			return nil
		}
		now := s.Clock.Now()
		if _, err := tx.Exec(ctx, "UPDATE board_posts SET unpublished_by = ?, unpublished_at = ?, updated_at = ? WHERE id = ?",
			p.UserID, now.UnixMilli(), now.UnixMilli(), postID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "board.unpublish", Entity: "board_post",
			EntityID: audit.ID(postID), Summary: o.Code}, map[string]any{"published": true}, map[string]any{"published": false})
	})
	if err != nil {
		return BoardPost{}, err
	}
	return s.boardPost(ctx, postID, false)
}

// ListBoard returns a page (from 1) of the published posts, newest first,
// and how many there are. Anyone may read it.
func (s *Service) ListBoard(ctx context.Context, page, size int) ([]BoardPost, int, error) {
	if size <= 0 {
		size = DefaultBoardPerPage
	}
	size = min(size, MaxPageSize)
	page = max(page, 1)
	var out []BoardPost
	var total int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT COUNT(*) FROM board_posts WHERE unpublished_at IS NULL"); err != nil {
			return err
		}
		out, err = boardPosts(ctx, tx, "b.unpublished_at IS NULL", nil, size, (page-1)*size)
		return err
	})
	return out, int(total), err
}

// GetBoardPost returns a published post; an unpublished or unknown one is
// NotFound. Anyone may read it.
func (s *Service) GetBoardPost(ctx context.Context, id int64) (BoardPost, error) {
	return s.boardPost(ctx, id, true)
}

func (s *Service) boardPost(ctx context.Context, id int64, publishedOnly bool) (BoardPost, error) {
	where := "b.id = ?"
	if publishedOnly {
		where += " AND b.unpublished_at IS NULL"
	}
	var out BoardPost
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		posts, err := boardPosts(ctx, tx, where, []any{id}, 1, 0)
		if err != nil {
			return err
		}
		if len(posts) == 0 {
			return errs.NotFoundf("board.entity.post")
		}
		out = posts[0]
		return nil
	})
	return out, err
}

// BoardPhotoPublished tells whether a photo is on a published post (nil),
// or not (NotFound): the public board serves no other photo.
func (s *Service) BoardPhotoPublished(ctx context.Context, photoID int64) error {
	var n int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		n, err = tx.Count(ctx, `SELECT COUNT(*) FROM board_post_photos bp JOIN board_posts b ON b.id = bp.post_id
			WHERE bp.photo_id = ? AND b.unpublished_at IS NULL`, photoID)
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.NotFoundf("photo.entity")
	}
	return nil
}

// boardPosts reads posts with their category, district, unit and photos.
func boardPosts(ctx context.Context, tx *db.Tx, where string, args []any, limit, offset int) ([]BoardPost, error) {
	rows, err := tx.Query(ctx, `SELECT b.id, b.order_id, b.title, b.summary, b.response, b.published_at, b.unpublished_at,
		COALESCE(pu.display_name, ''), c.name, c.name_en, w.region_path, COALESCE(u.name, ''), w.created_at, w.resolved_at
		FROM board_posts b JOIN workorders w ON w.id = b.order_id
		JOIN workorder_categories c ON c.id = w.category_id
		LEFT JOIN units u ON u.id = w.unit_id
		LEFT JOIN users pu ON pu.id = b.published_by
		WHERE `+where+` ORDER BY b.published_at DESC, b.id DESC LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	var out []BoardPost
	paths := map[int64]string{}
	for rows.Next() {
		var b BoardPost
		var published, reported int64
		var off, resolved sql.NullInt64
		var path string
		if err := rows.Scan(&b.ID, &b.OrderID, &b.Title, &b.Summary, &b.Response, &published, &off, &b.PublishedBy,
			&b.CategoryName, &b.CategoryNameEN, &path, &b.UnitName, &reported, &resolved); err != nil {
			rows.Close()
			return nil, err
		}
		b.PublishedAt, b.UnpublishedAt, b.ReportedAt, b.ResolvedAt = time.UnixMilli(published), tp(off), time.UnixMilli(reported), tp(resolved)
		b.BeforePhotoIDs, b.AfterPhotoIDs = []int64{}, []int64{}
		paths[b.ID] = path
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	// Districts: a city has a handful, read them once and find each
	// order's in its region path.
	type names struct{ zh, en string }
	districts := map[string]names{}
	drows, err := tx.Query(ctx, "SELECT id, name, name_en FROM regions WHERE level = 'district'")
	if err != nil {
		return nil, err
	}
	for drows.Next() {
		var id int64
		var n names
		if err := drows.Scan(&id, &n.zh, &n.en); err != nil {
			drows.Close()
			return nil, err
		}
		districts[strconv.FormatInt(id, 10)] = n
	}
	drows.Close()
	if err := drows.Err(); err != nil {
		return nil, err
	}
	idx := map[int64]int{}
	ids := make([]any, 0, len(out))
	for i := range out {
		for seg := range strings.SplitSeq(paths[out[i].ID], "/") {
			if n, ok := districts[seg]; ok {
				out[i].DistrictName, out[i].DistrictNameEN = n.zh, n.en
			}
		}
		idx[out[i].ID] = i
		ids = append(ids, out[i].ID)
	}
	prows, err := tx.Query(ctx, `SELECT post_id, photo_id, kind FROM board_post_photos WHERE post_id IN (`+
		db.Placeholders(len(ids))+`) ORDER BY post_id, kind, sort`, ids...)
	if err != nil {
		return nil, err
	}
	defer prows.Close()
	for prows.Next() {
		var post, photo int64
		var kind string
		if err := prows.Scan(&post, &photo, &kind); err != nil {
			return nil, err
		}
		b := &out[idx[post]]
		if kind == "after" {
			b.AfterPhotoIDs = append(b.AfterPhotoIDs, photo)
		} else {
			b.BeforePhotoIDs = append(b.BeforePhotoIDs, photo)
		}
	}
	return out, prows.Err()
}
