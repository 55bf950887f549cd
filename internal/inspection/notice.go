package inspection

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/inbox"
	"github.com/wenming-city/wenming/internal/jobs"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/photo"
)

// Notices and letters (一书一函): a rectification notice (整改通知书) lists
// a unit's open findings with their photos and a reply deadline; a
// reminder letter (工作提示函, in the letter format) reminds a unit of
// tasks, trends or a coming evaluation. Their life is noticemachine.go.

// NoticeKind is a kind of document as data: its 机关代字 (the code in its
// number), the words of its name and whether it is laid out as a letter.
type NoticeKind struct {
	Code   string // "rectification" or "reminder"
	Prefix string // 机关代字
	Name   string // 整改通知书
	Letter bool   // 信函格式
}

const (
	KindRectNotice = "rectification"
	KindReminder   = "reminder"
)

// NoticeKinds are the two documents of 一书一函, each numbered on its own
// (乐文创整改〔2026〕12号, 乐文创函〔2026〕3号).
var NoticeKinds = []NoticeKind{
	{Code: KindRectNotice, Prefix: "乐文创整改", Name: "整改通知书"},
	{Code: KindReminder, Prefix: "乐文创函", Name: "工作提示函", Letter: true},
}

// NoticeKindOf returns a kind by code.
func NoticeKindOf(code string) (NoticeKind, bool) {
	for _, k := range NoticeKinds {
		if k.Code == code {
			return k, true
		}
	}
	return NoticeKind{}, false
}

// Key is the kind's message key.
func (k NoticeKind) Key() string { return "inspection.notice_kind." + k.Code }

// The issuing office as it signs (发文机关标志 and 署名).
const (
	NoticeIssuer = "乐山市创建全国文明城市工作指挥部办公室"
	NoticeSigner = "乐山市创建全国文明城市工作指挥部办公室"
)

// Notice kinds in the inbox: the unit's (its handlers open it) and the
// issuer's (a reply or an overdue notice).
const (
	InboxNotice       = "inspection.notice"
	InboxNoticeIssuer = "inspection.notice_issuer"
)

func init() {
	link := func(ref int64) string { return "/inspection/notices/" + strconv.FormatInt(ref, 10) }
	inbox.Register(inbox.Kind{Name: InboxNotice, Perm: auth.PermOrderHandle, OpenKey: "inspection.notice.open", Link: link})
	inbox.Register(inbox.Kind{Name: InboxNoticeIssuer, Perm: auth.PermInspectionManage, OpenKey: "inspection.notice.open", Link: link})
}

// Notice is one issued notice or letter.
type Notice struct {
	ID              int64          `json:"id"`
	Kind            string         `json:"kind"`
	Year            int            `json:"year"`
	Seq             int            `json:"seq"`
	Number          string         `json:"number"`
	UnitID          int64          `json:"unit_id"`
	UnitName        string         `json:"unit_name"`
	UnitParentID    int64          `json:"-"`
	Title           string         `json:"title"`
	Body            string         `json:"body"`
	ReplyBy         time.Time      `json:"reply_by"`
	State           NoticeState    `json:"state"`
	Overdue         bool           `json:"overdue"`
	EscalationLevel int            `json:"escalation_level"`
	IssuedBy        int64          `json:"issued_by"`
	IssuedAt        time.Time      `json:"issued_at"`
	ReceivedAt      *time.Time     `json:"received_at"`
	RepliedAt       *time.Time     `json:"replied_at"`
	ClosedAt        *time.Time     `json:"closed_at"`
	Reply           string         `json:"reply"`
	CC              string         `json:"cc"`
	Items           []NoticeItem   `json:"items,omitempty"`
	Events          []NoticeEvent  `json:"events,omitempty"`
	Allowed         []NoticeAction `json:"allowed,omitempty"`
}

// KindOf is the notice's kind.
func (n Notice) KindOf() NoticeKind { k, _ := NoticeKindOf(n.Kind); return k }

// ReplyByText is the reply deadline's day as shown.
func (n Notice) ReplyByText() string { return pdfdoc.CNDate(n.ReplyBy) }

// NoticeItem is a finding a rectification notice lists.
type NoticeItem struct {
	RectificationID int64     `json:"rectification_id"`
	Sort            int       `json:"sort"`
	SiteName        string    `json:"site_name"`
	Title           string    `json:"title"`
	Rule            string    `json:"rule"`
	DueAt           time.Time `json:"due_at"`
	PhotoID         int64     `json:"photo_id"`
	Reply           string    `json:"reply"`
	ReplyPhotoID    int64     `json:"reply_photo_id"`
}

// DueText is the finding's deadline as shown.
func (it NoticeItem) DueText() string { return it.DueAt.In(clock.CST).Format("2006-01-02 15:04") }

// NoticeEvent is a step on a notice's timeline.
type NoticeEvent struct {
	At        time.Time    `json:"at"`
	ActorName string       `json:"actor_name"`
	Action    NoticeAction `json:"action"`
	From, To  NoticeState  `json:"-"`
	Note      string       `json:"note"`
}

const noticeCols = `n.id, n.kind, n.year, n.seq, n.number, n.unit_id, u.name, COALESCE(u.parent_id, 0), n.title, n.body, n.reply_by, n.state,
	n.overdue, n.escalation_level, COALESCE(n.issued_by, 0), n.issued_at, n.received_at, n.replied_at, n.closed_at, n.reply, n.cc`

const noticeFrom = ` FROM inspection_notices n JOIN units u ON u.id = n.unit_id LEFT JOIN regions r ON r.id = u.region_id`

func scanNotice(dest func(...any) error) (Notice, error) {
	var n Notice
	var replyBy, issued int64
	var received, replied, closed *int64
	err := dest(&n.ID, &n.Kind, &n.Year, &n.Seq, &n.Number, &n.UnitID, &n.UnitName, &n.UnitParentID, &n.Title, &n.Body, &replyBy, &n.State,
		&n.Overdue, &n.EscalationLevel, &n.IssuedBy, &issued, &received, &replied, &closed, &n.Reply, &n.CC)
	n.ReplyBy, n.IssuedAt = time.UnixMilli(replyBy), time.UnixMilli(issued)
	n.ReceivedAt, n.RepliedAt, n.ClosedAt = msTime(received), msTime(replied), msTime(closed)
	return n, err
}

func msTime(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := time.UnixMilli(*v)
	return &t
}

// canReadNotices: the office (inspection view or manage) and the units'
// handlers (work-order handling: a notice is their unit's work).
func canReadNotices(p *auth.Principal) error {
	if p.Can(auth.PermInspectionView) || p.Can(auth.PermInspectionManage) || p.Can(auth.PermOrderHandle) {
		return nil
	}
	return auth.Require(p, auth.PermInspectionView)
}

// noticeVisible: the office sees the notices to units in its scope; a
// unit's staff always see those addressed to their unit (and the units
// below it in their scope).
func noticeVisible(p *auth.Principal) (string, []any) {
	if p == nil || p.Scope.All {
		return "1=1", nil
	}
	var or []string
	var args []any
	if p.Can(auth.PermInspectionView) || p.Can(auth.PermInspectionManage) {
		w, a := p.Scope.Where("r.path", "u.path", "")
		or, args = append(or, w), append(args, a...)
	}
	if p.UnitID != 0 {
		or, args = append(or, "n.unit_id = ?"), append(args, p.UnitID)
	}
	if w, a := (auth.Scope{UnitPaths: p.Scope.UnitPaths, UnitExact: p.Scope.UnitExact}).Where("", "u.path", ""); w != "1=0" {
		or, args = append(or, w), append(args, a...)
	}
	if len(or) == 0 {
		return "1=0", nil
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

// ownUnit: p is staff of the addressed unit (or of a unit above it in p's unit scope).
func (s *Service) ownUnit(ctx context.Context, tx *db.Tx, p *auth.Principal, n Notice) (bool, error) {
	if p == nil {
		return false, nil
	}
	if p.UnitID == n.UnitID {
		return true, nil
	}
	var path string
	if err := tx.Get(ctx, "entity.unit", "SELECT path FROM units WHERE id = ?", []any{n.UnitID}, &path); err != nil {
		return false, err
	}
	return auth.Scope{UnitPaths: p.Scope.UnitPaths, UnitExact: p.Scope.UnitExact}.Contains("", path, 0), nil
}

// IssueInput is what the issuing form gives.
type IssueInput struct {
	Kind    string
	UnitID  int64
	ReplyBy string // 'YYYY-MM-DD', China Standard Time: the reply is due by the end of that day
	Title   string // a letter's; a notice's is made from the unit's name when empty
	Body    string // a letter's text (paragraphs by line); a notice's opening words
	CC      string
	// RectIDs chooses findings of a notice; empty: every open finding of the unit.
	RectIDs []int64
}

// MaxNoticeBody bounds a letter's text.
const MaxNoticeBody = 5000

// Issue numbers and issues a notice or letter to a unit in one
// transaction: the kind's counter for the year is bumped there (a refused
// or failed issue rolls its number back, so numbers have no gaps), the
// notice and its findings are written, the unit is told in its inbox and
// the audit entry kept.
func (s *Service) Issue(ctx context.Context, p *auth.Principal, in IssueInput) (Notice, error) {
	if err := auth.Require(p, auth.PermInspectionManage); err != nil {
		return Notice{}, err
	}
	in.Title, in.Body, in.CC = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body), strings.TrimSpace(in.CC)
	now := s.now()
	var f errs.Fields
	kind, ok := NoticeKindOf(in.Kind)
	if !ok {
		f.Add("kind", "field.bad_choice")
	}
	f.Check(in.UnitID != 0, "unit_id", "field.required")
	replyBy := time.Time{}
	if d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(in.ReplyBy), clock.CST); err != nil {
		f.Add("reply_by", "field.bad_date")
	} else if replyBy = d.Add(24*time.Hour - time.Second); !replyBy.After(now) {
		f.Add("reply_by", "inspection.notice.reply_by_past")
	}
	if kind.Letter {
		checkLen(&f, "title", in.Title, 100, true)
		checkLen(&f, "body", in.Body, MaxNoticeBody, true)
	} else {
		checkLen(&f, "title", in.Title, 100, false)
		checkLen(&f, "body", in.Body, MaxNoticeBody, false)
	}
	checkLen(&f, "cc", in.CC, 200, false)
	if err := f.Err(); err != nil {
		return Notice{}, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.issueTx(ctx, tx, p, kind, in, replyBy, now)
		return err
	})
	if err != nil {
		return Notice{}, err
	}
	return s.GetNotice(ctx, p, id)
}

// issueTx numbers and writes a validated notice in the caller's
// transaction (Issue's, and the demo's at its own time; nil p: the system).
func (s *Service) issueTx(ctx context.Context, tx *db.Tx, p *auth.Principal, kind NoticeKind, in IssueInput, replyBy, now time.Time) (int64, error) {
	var f errs.Fields
	var issuer any
	if p != nil {
		issuer = p.UserID
	}
	var unitName string
	if err := tx.Get(ctx, "entity.unit", "SELECT name FROM units WHERE id = ? AND active = TRUE", []any{in.UnitID}, &unitName); err != nil {
		if errs.Is(err, errs.NotFound) {
			f.Add("unit_id", "field.bad_choice")
			return 0, f.Err()
		}
		return 0, err
	}
	var items []NoticeItem
	if !kind.Letter {
		var err error
		if items, err = openFindings(ctx, tx, p, in.UnitID, in.RectIDs); err != nil {
			return 0, err
		}
		if len(items) == 0 {
			f.Add("unit_id", "inspection.notice.no_findings")
			return 0, f.Err()
		}
		if in.Title == "" {
			in.Title = "关于" + unitName + "督查发现问题限期整改的通知"
		}
	}
	year := now.In(clock.CST).Year()
	if _, err := tx.Exec(ctx, "INSERT INTO inspection_notice_counters (kind, year, last) VALUES (?, ?, 0) ON CONFLICT (kind, year) DO NOTHING",
		kind.Code, year); err != nil {
		return 0, err
	}
	var seq int
	if err := tx.Get(ctx, "", "UPDATE inspection_notice_counters SET last = last + 1 WHERE kind = ? AND year = ? RETURNING last",
		[]any{kind.Code, year}, &seq); err != nil {
		return 0, err
	}
	number := pdfdoc.DocNumber(kind.Prefix, year, seq)
	id, err := tx.InsertID(ctx, `INSERT INTO inspection_notices (kind, year, seq, number, unit_id, title, body, reply_by, state, issued_by,
		issued_at, cc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		kind.Code, year, seq, number, in.UnitID, in.Title, in.Body, replyBy.UnixMilli(), string(NoticeIssued), issuer,
		now.UnixMilli(), in.CC, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	for i, it := range items {
		var ph any
		if it.PhotoID != 0 {
			ph = it.PhotoID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO inspection_notice_items (notice_id, rectification_id, sort, site_name, title, rule, due_at, photo_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, it.RectificationID, i+1, it.SiteName, it.Title, it.Rule, it.DueAt.UnixMilli(), ph); err != nil {
			return 0, err
		}
	}
	if err := noticeEvent(ctx, tx, p, id, now, "issue", "", NoticeIssued, number); err != nil {
		return 0, err
	}
	if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: InboxNotice, Ref: id, Label: number, Event: "issue", ToUnit: in.UnitID,
		Key: "inspection.notice.inbox_issued", Args: []any{number, in.Title}, At: now}); err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, "issue", "inspection_notice", id, number+" "+unitName, nil,
		map[string]any{"kind": kind.Code, "unit_id": in.UnitID, "findings": len(items), "reply_by": in.ReplyBy})
}

// openFindings are a unit's open rectifications (not closed, not ended)
// that p sees, or those of ids among them.
func openFindings(ctx context.Context, tx *db.Tx, p *auth.Principal, unitID int64, ids []int64) ([]NoticeItem, error) {
	where, args := rectVisible(p)
	open := append(orderStatesOf(RectOpen), orderStatesOf(RectToRecheck)...)
	q := "SELECT " + rectCols + rectFrom + " WHERE " + where + " AND x.unit_id = ? AND w.state IN (" + db.Placeholders(len(open)) + ")"
	args = append(append(args, unitID), open...)
	if len(ids) > 0 {
		q += " AND x.id IN (" + db.Placeholders(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := tx.Query(ctx, q+" ORDER BY COALESCE(w.resolve_due_at, x.due_at), x.id LIMIT 200", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NoticeItem
	for rows.Next() {
		x, err := scanRect(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, NoticeItem{RectificationID: x.ID, SiteName: x.SiteName, Title: x.Title, Rule: x.Rule, DueAt: x.DueAt, PhotoID: x.PhotoID})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(ids) > 0 && len(out) != len(ids) {
		var f errs.Fields
		f.Add("rect_ids", "field.bad_choice")
		return nil, f.Err()
	}
	return out, nil
}

func noticeEvent(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, at time.Time, action string, from, to NoticeState, note string) error {
	var actor any
	name := "system"
	if p != nil {
		actor, name = p.UserID, p.DisplayName
		if name == "" {
			name = p.Username
		}
	}
	_, err := tx.Exec(ctx, `INSERT INTO inspection_notice_events (notice_id, at, actor_id, actor_name, action, from_state, to_state, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, at.UnixMilli(), actor, name, action, string(from), string(to), note)
	return err
}

func getNotice(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Notice, error) {
	where, args := noticeVisible(p)
	return scanNotice(func(d ...any) error {
		return tx.Get(ctx, "inspection.entity.notice", "SELECT "+noticeCols+noticeFrom+" WHERE n.id = ? AND "+where, append([]any{id}, args...), d...)
	})
}

// GetNotice returns a notice the caller sees, with its findings, its
// timeline and the steps the caller may take.
func (s *Service) GetNotice(ctx context.Context, p *auth.Principal, id int64) (Notice, error) {
	if err := canReadNotices(p); err != nil {
		return Notice{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Notice, error) {
		n, err := getNotice(ctx, tx, p, id)
		if err != nil {
			return n, err
		}
		rows, err := tx.Query(ctx, `SELECT rectification_id, sort, site_name, title, rule, due_at, COALESCE(photo_id, 0), reply, COALESCE(reply_photo_id, 0)
			FROM inspection_notice_items WHERE notice_id = ? ORDER BY sort`, id)
		if err != nil {
			return n, err
		}
		for rows.Next() {
			var it NoticeItem
			var due int64
			if err := rows.Scan(&it.RectificationID, &it.Sort, &it.SiteName, &it.Title, &it.Rule, &due, &it.PhotoID, &it.Reply, &it.ReplyPhotoID); err != nil {
				rows.Close()
				return n, err
			}
			it.DueAt = time.UnixMilli(due)
			n.Items = append(n.Items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, err
		}
		erows, err := tx.Query(ctx, "SELECT at, actor_name, action, from_state, to_state, note FROM inspection_notice_events WHERE notice_id = ? ORDER BY id", id)
		if err != nil {
			return n, err
		}
		for erows.Next() {
			var e NoticeEvent
			var at int64
			if err := erows.Scan(&at, &e.ActorName, &e.Action, &e.From, &e.To, &e.Note); err != nil {
				erows.Close()
				return n, err
			}
			e.At = time.UnixMilli(at)
			n.Events = append(n.Events, e)
		}
		erows.Close()
		own, err := s.ownUnit(ctx, tx, p, n)
		if err != nil {
			return n, err
		}
		n.Allowed = NoticeAllowed(n.State, p, own)
		return n, erows.Err()
	})
}

// NoticeFilter selects notices.
type NoticeFilter struct {
	Kind       string
	State      NoticeState
	UnitID     int64
	Overdue    bool
	Page, Size int
}

// ListNotices returns a page of the notices the caller sees, newest first.
func (s *Service) ListNotices(ctx context.Context, p *auth.Principal, f NoticeFilter) ([]Notice, int, error) {
	if err := canReadNotices(p); err != nil {
		return nil, 0, err
	}
	where, args := noticeVisible(p)
	conds := []string{where}
	if f.Kind != "" {
		conds, args = append(conds, "n.kind = ?"), append(args, f.Kind)
	}
	if f.State != "" {
		conds, args = append(conds, "n.state = ?"), append(args, string(f.State))
	}
	if f.UnitID != 0 {
		conds, args = append(conds, "n.unit_id = ?"), append(args, f.UnitID)
	}
	if f.Overdue {
		conds = append(conds, "n.overdue = TRUE")
	}
	w := " WHERE " + strings.Join(conds, " AND ")
	size, offset := pageOf(f.Page, f.Size)
	var out []Notice
	var total int
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		n, err := tx.Count(ctx, "SELECT COUNT(*)"+noticeFrom+w, args...)
		if err != nil {
			return err
		}
		total = int(n)
		rows, err := tx.Query(ctx, "SELECT "+noticeCols+noticeFrom+w+" ORDER BY n.issued_at DESC, n.id DESC LIMIT "+strconv.Itoa(size)+" OFFSET "+strconv.Itoa(offset), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			x, err := scanNotice(rows.Scan)
			if err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	return out, total, err
}

// NoticeStep is a step on a notice from a form: the action, the note (a
// reply's report, a return's reason) and, for a notice's reply, the answer
// and photo per finding (by rectification id).
type NoticeStep struct {
	Action  NoticeAction
	Note    string
	Answers map[int64]string
	Photos  map[int64]*photo.Prepared
}

// StepNotice takes one step on a notice: the table (noticemachine.go),
// the actor, the inputs; for a rectification notice's reply every finding
// needs its answer and photo. The state, the timeline, the answers and the
// inbox notice (a reply tells the issuer; a close or return tells the
// unit) are written in one transaction.
func (s *Service) StepNotice(ctx context.Context, p *auth.Principal, id int64, in NoticeStep) (Notice, error) {
	if err := canReadNotices(p); err != nil {
		return Notice{}, err
	}
	n, err := s.GetNotice(ctx, p, id)
	if err != nil {
		return n, err
	}
	in.Note = strings.TrimSpace(in.Note)
	var rule NoticeRule
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		own, err := s.ownUnit(ctx, tx, p, n)
		if err != nil {
			return err
		}
		rule, err = noticeCheck(n.State, in.Action, p, own)
		return err
	}); err != nil {
		return n, err
	}
	var f errs.Fields
	if rule.NeedNote && in.Note == "" {
		f.Add("note", "field.required")
	}
	checkLen(&f, "note", in.Note, 2000, false)
	var toStage []*photo.Prepared
	var stageOf []int64
	if in.Action == NoticeReply {
		for _, it := range n.Items {
			field := "reply_" + strconv.FormatInt(it.RectificationID, 10)
			ans := strings.TrimSpace(in.Answers[it.RectificationID])
			if ans == "" {
				f.Add(field, "field.required")
			}
			checkLen(&f, field, ans, 500, false)
			if ph := in.Photos[it.RectificationID]; ph != nil {
				toStage, stageOf = append(toStage, ph), append(stageOf, it.RectificationID)
			} else {
				f.Add(field+"_photo", "inspection.submit.photo_required")
			}
		}
	}
	if err := f.Err(); err != nil {
		return n, err
	}
	var staged *photo.Staged
	if len(toStage) > 0 {
		if s.Photos == nil {
			return n, errs.E(errs.Internal, "err.internal")
		}
		if staged, err = s.Photos.Stage(ctx, toStage); err != nil {
			return n, err
		}
	}
	committed := false
	defer func() {
		if staged != nil {
			staged.Finish(context.WithoutCancel(ctx), committed)
		}
	}()
	now := s.now()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		to, err := NoticeNext(n.State, in.Action)
		if err != nil {
			return err
		}
		// Only from the state it was read in: a step taken meanwhile wins.
		set := "state = ?, updated_at = ?"
		args := []any{string(to), now.UnixMilli()}
		switch in.Action {
		case NoticeReceive:
			set += ", received_at = ?"
			args = append(args, now.UnixMilli())
		case NoticeReply:
			set += ", replied_at = ?, reply = ?, overdue = FALSE"
			args = append(args, now.UnixMilli(), in.Note)
		case NoticeClose:
			set += ", closed_at = ?"
			args = append(args, now.UnixMilli())
		}
		res, err := tx.Exec(ctx, "UPDATE inspection_notices SET "+set+" WHERE id = ? AND state = ?", append(args, n.ID, string(n.State))...)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k != 1 {
			return errs.E(errs.Conflict, "inspection.notice.wrong_state", string(in.Action), string(n.State))
		}
		if in.Action == NoticeReply {
			ids := map[int64]int64{}
			if staged != nil {
				got, err := staged.Commit(ctx, tx, p.UserID)
				if err != nil {
					return err
				}
				for i, r := range stageOf {
					ids[r] = got[i]
				}
			}
			for _, it := range n.Items {
				var ph any
				if v := ids[it.RectificationID]; v != 0 {
					ph = v
				}
				if _, err := tx.Exec(ctx, "UPDATE inspection_notice_items SET reply = ?, reply_photo_id = ? WHERE notice_id = ? AND rectification_id = ?",
					strings.TrimSpace(in.Answers[it.RectificationID]), ph, n.ID, it.RectificationID); err != nil {
					return err
				}
			}
		}
		if err := noticeEvent(ctx, tx, p, n.ID, now, string(in.Action), n.State, to, in.Note); err != nil {
			return err
		}
		switch in.Action {
		case NoticeReply:
			if n.IssuedBy != 0 {
				if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: InboxNoticeIssuer, Ref: n.ID, Label: n.Number, Event: "reply", ToUser: n.IssuedBy,
					Key: "inspection.notice.inbox_replied", Args: []any{n.Number, n.UnitName}, At: now}); err != nil {
					return err
				}
			}
		case NoticeClose, NoticeReturn:
			if _, err := inbox.Post(ctx, tx, inbox.Notice{Kind: InboxNotice, Ref: n.ID, Label: n.Number, Event: string(in.Action), ToUnit: n.UnitID,
				Key: "inspection.notice.inbox_" + string(in.Action), Args: []any{n.Number}, At: now}); err != nil {
				return err
			}
		}
		return record(ctx, tx, p, now, "notice."+string(in.Action), "inspection_notice", n.ID, n.Number+" "+string(n.State)+" → "+string(to),
			map[string]any{"state": n.State}, map[string]any{"state": to, "note": in.Note})
	})
	if err != nil {
		return n, err
	}
	committed = true
	return s.GetNotice(ctx, p, id)
}

// EscalateAfter is how long after the first overdue step a notice still
// unanswered is escalated again (to the unit's parent unit).
const EscalateAfter = 24 * time.Hour

// EscalateNotices is the timer: every notice issued or received whose
// reply deadline has passed is marked overdue (level 1: the unit and the
// issuer are told), and one still so a day later is escalated (level 2:
// the unit's parent unit too). Each step is a conditional UPDATE on the
// level it moves from, so it happens once whichever instance runs it.
// It returns how many steps it took.
func (s *Service) EscalateNotices(ctx context.Context) (int, error) {
	now := s.now()
	type cand struct {
		id    int64
		level int
	}
	var cands []cand
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, escalation_level FROM inspection_notices WHERE state IN (?, ?) AND reply_by < ?
			AND (escalation_level = 0 OR (escalation_level = 1 AND escalated_at < ?)) ORDER BY id LIMIT 500`,
			string(NoticeIssued), string(NoticeReceived), now.UnixMilli(), now.Add(-EscalateAfter).UnixMilli())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c cand
			if err := rows.Scan(&c.id, &c.level); err != nil {
				return err
			}
			cands = append(cands, c)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cands {
		err := s.DB.Write(ctx, func(tx *db.Tx) error {
			x, err := getNotice(ctx, tx, nil, c.id)
			if err != nil {
				return err
			}
			action := NoticeOverdue
			if c.level == 1 {
				action = NoticeEscalate
			}
			if _, err := noticeCheck(x.State, action, nil, false); err != nil {
				return errSkip
			}
			res, err := tx.Exec(ctx, `UPDATE inspection_notices SET overdue = TRUE, escalation_level = ?, escalated_at = ?, updated_at = ?
				WHERE id = ? AND escalation_level = ? AND state IN (?, ?)`, c.level+1, now.UnixMilli(), now.UnixMilli(), c.id, c.level,
				string(NoticeIssued), string(NoticeReceived))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				return errSkip // another instance took it, or the unit replied meanwhile
			}
			if err := noticeEvent(ctx, tx, nil, x.ID, now, string(action), x.State, x.State, ""); err != nil {
				return err
			}
			post := func(n inbox.Notice) error {
				n.Ref, n.Label, n.Event, n.At, n.Args = x.ID, x.Number, string(action), now, []any{x.Number, x.UnitName}
				_, err := inbox.Post(ctx, tx, n)
				return err
			}
			if err := post(inbox.Notice{Kind: InboxNotice, ToUnit: x.UnitID, Key: "inspection.notice.inbox_" + string(action)}); err != nil {
				return err
			}
			if x.IssuedBy != 0 {
				if err := post(inbox.Notice{Kind: InboxNoticeIssuer, ToUser: x.IssuedBy, Key: "inspection.notice.inbox_issuer_" + string(action)}); err != nil {
					return err
				}
			}
			if action == NoticeEscalate && x.UnitParentID != 0 {
				if err := post(inbox.Notice{Kind: InboxNotice, ToUnit: x.UnitParentID, Key: "inspection.notice.inbox_parent_escalate"}); err != nil {
					return err
				}
			}
			return record(ctx, tx, nil, now, "notice."+string(action), "inspection_notice", x.ID, x.Number, nil, map[string]any{"level": c.level + 1})
		})
		if errors.Is(err, errSkip) {
			continue
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

var errSkip = errors.New("skip")

// NoticeJob is the overdue timer of notices, every five minutes.
func (s *Service) NoticeJob() jobs.Job {
	return jobs.Job{Name: "inspection_notices_overdue", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
		_, err := s.EscalateNotices(ctx)
		return err
	}}
}
