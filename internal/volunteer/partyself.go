package volunteer

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/pii"
)

// Working Party members registering themselves (在职党员到社区报到 on a
// phone): the member fills in the registration on the public page, the
// home community's organisers approve it (which registers the member with
// the card's number, as RegisterPartyMember does) or reject it with a
// reason. And the service card (一卡), printable and as a PDF.

// Community is a community a member may register with.
type Community struct {
	ID                   int64
	Name, NameEN         string
	Street, StreetEN     string
	District, DistrictEN string
}

// Communities lists the communities, by district and street.
func (s *Service) Communities(ctx context.Context) ([]Community, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]Community, error) {
		rows, err := tx.Query(ctx, `SELECT r.id, r.name, r.name_en, COALESCE(sr.name, ''), COALESCE(sr.name_en, ''), COALESCE(dr.name, ''), COALESCE(dr.name_en, '')
			FROM regions r LEFT JOIN regions sr ON sr.id = r.parent_id LEFT JOIN regions dr ON dr.id = sr.parent_id
			WHERE r.level = 'community' ORDER BY r.path`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Community
		for rows.Next() {
			var x Community
			if err := rows.Scan(&x.ID, &x.Name, &x.NameEN, &x.Street, &x.StreetEN, &x.District, &x.DistrictEN); err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, rows.Err()
	})
}

// PartyApplication is a member's own registration, waiting for the community.
type PartyApplication struct {
	ID                     int64
	Name, Phone            string
	UnitID                 int64
	UnitName, UnitNameEN   string
	RegionID               int64
	Community, CommunityEN string
	Grid, Building         string
	Roles, Posts           []string
	Status                 string // pending, approved, rejected
	Reason                 string
	MemberID               int64
	CreatedAt              time.Time
}

// PartyApplyLimit throttles self-registrations per client address (the
// public report's rate_counters, key "partyreg:ADDRESS").
var PartyApplyLimit = OrderLimit{Orders: 10, Window: time.Hour}

// ApplyPartyMember records a member's own registration from the client
// address ip; the community approves it. The same checks as the
// community's registration apply (any community: the member is not
// signed in), and a phone already registered or waiting is refused.
func (s *Service) ApplyPartyMember(ctx context.Context, ip string, in PartyInput) (int64, error) {
	var f errs.Fields
	in.Validate(&f)
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error {
		return countKey(ctx, tx, "partyreg:", ip, PartyApplyLimit, now, "volunteer.party.too_many")
	}); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := checkPartyPlace(ctx, tx, nil, in, &f); err != nil {
			return err
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM party_members WHERE phone = ?", in.Phone); err != nil {
			return err
		} else if n > 0 {
			f.Add("phone", "volunteer.party.phone_taken")
		}
		if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM party_applications WHERE phone = ? AND status = 'pending'", in.Phone); err != nil {
			return err
		} else if n > 0 {
			f.Add("phone", "volunteer.party.phone_waiting")
		}
		if err := f.Err(); err != nil {
			return err
		}
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO party_applications (name, phone, unit_id, region_id, grid, building, roles, posts, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?) RETURNING id`, in.Name, in.Phone, in.UnitID, in.RegionID, in.Grid, in.Building,
			strings.Join(in.Roles, " "), strings.Join(in.Posts, " "), now.UnixMilli())
		if errs.Is(err, errs.Conflict) { // the other of two at once
			f.Add("phone", "volunteer.party.phone_waiting")
			return f.Err()
		}
		if err != nil {
			return err
		}
		audited := in
		audited.Phone = pii.MaskPhone(in.Phone)
		return auditRecord(ctx, tx, nil, now, "apply_party_member", "party_application", id, in.Name, nil, audited)
	})
	return id, err
}

const appCols = `pa.id, pa.name, pa.phone, pa.unit_id, u.name, u.name_en, pa.region_id, r.name, r.name_en, pa.grid, pa.building, pa.roles, pa.posts,
	pa.status, pa.reason, COALESCE(pa.member_id, 0), pa.created_at`

const appFrom = ` FROM party_applications pa JOIN units u ON u.id = pa.unit_id JOIN regions r ON r.id = pa.region_id`

func queryApps(ctx context.Context, tx *db.Tx, cond string, args ...any) ([]PartyApplication, error) {
	rows, err := tx.Query(ctx, "SELECT "+appCols+appFrom+" WHERE "+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PartyApplication
	for rows.Next() {
		var x PartyApplication
		var roles, posts string
		var at int64
		if err := rows.Scan(&x.ID, &x.Name, &x.Phone, &x.UnitID, &x.UnitName, &x.UnitNameEN, &x.RegionID, &x.Community, &x.CommunityEN,
			&x.Grid, &x.Building, &roles, &posts, &x.Status, &x.Reason, &x.MemberID, &at); err != nil {
			return nil, err
		}
		x.Roles, x.Posts, x.CreatedAt = strings.Fields(roles), strings.Fields(posts), time.UnixMilli(at)
		out = append(out, x)
	}
	return out, rows.Err()
}

// PartyApplications lists the self-registrations with communities in p's
// scope, waiting ones first, newest first.
func (s *Service) PartyApplications(ctx context.Context, p *auth.Principal) ([]PartyApplication, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return nil, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]PartyApplication, error) {
		sc, err := scopeOf(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		cond, args := sc.where("r.path", "0")
		return queryApps(ctx, tx, cond+" ORDER BY CASE pa.status WHEN 'pending' THEN 0 ELSE 1 END, pa.created_at DESC, pa.id DESC LIMIT 500", args...)
	})
}

func getApp(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (PartyApplication, error) {
	return oneInScope(ctx, tx, p, "pa.id", id, "entity.party_application", queryApps)
}

// ApprovePartyApplication registers the member of a waiting application
// of a community in p's scope (with the card's number) and returns the
// member's id; the application's move from pending is a conditional
// UPDATE, so two organisers approving at once register the member once.
func (s *Service) ApprovePartyApplication(ctx context.Context, p *auth.Principal, id int64) (int64, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var member int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getApp(ctx, tx, p, id)
		if err != nil {
			return err
		}
		n, err := tx.ExecN(ctx, "UPDATE party_applications SET status = 'approved', reviewed_by = ?, reviewed_at = ? WHERE id = ? AND status = 'pending'",
			p.UserID, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "volunteer.party.reviewed")
		}
		var f errs.Fields
		in := PartyInput{Name: a.Name, Phone: a.Phone, UnitID: a.UnitID, RegionID: a.RegionID, Grid: a.Grid, Building: a.Building, Roles: a.Roles, Posts: a.Posts}
		if member, err = insertParty(ctx, tx, p, in, &f, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE party_applications SET member_id = ? WHERE id = ?", member, id); err != nil {
			return err
		}
		return auditRecord(ctx, tx, p, now, "approve_party_application", "party_application", id, a.Name, map[string]any{"status": "pending"},
			map[string]any{"status": "approved", "member_id": member})
	})
	return member, err
}

// RejectPartyApplication refuses a waiting application with a reason.
func (s *Service) RejectPartyApplication(ctx context.Context, p *auth.Principal, id int64, reason string) error {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	var f errs.Fields
	checkText(&f, "reason", reason, maxIntroLen, true)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		a, err := getApp(ctx, tx, p, id)
		if err != nil {
			return err
		}
		n, err := tx.ExecN(ctx, "UPDATE party_applications SET status = 'rejected', reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND status = 'pending'",
			reason, p.UserID, now.UnixMilli(), id)
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.E(errs.Conflict, "volunteer.party.reviewed")
		}
		return auditRecord(ctx, tx, p, now, "reject_party_application", "party_application", id, a.Name, map[string]any{"status": "pending"},
			map[string]any{"status": "rejected", "reason": reason})
	})
}

// CardPDF is the member's service card (在职党员进社区服务卡, 一卡) as a PDF in
// Chinese: the card's number, the member, employer, community, grid and
// building, roles and posts, and the date registered.
func (m PartyMember) CardPDF() ([]byte, error) {
	d := pdfdoc.New()
	d.Heading("在职党员进社区服务卡", 20)
	d.Space(2)
	d.Para("卡号："+m.CardNo, pdfdoc.ParaOpt{Size: 12, Align: pdfdoc.Right})
	d.Space(4)
	names := func(prefix string, xs []string) string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = i18n.T(i18n.ZH, prefix+x)
		}
		return strings.Join(out, "、")
	}
	d.Table([]pdfdoc.Col{{Title: "项目", Width: 1}, {Title: "内容", Width: 3}}, [][]string{
		{"姓名", m.Name}, {"工作单位", m.UnitName}, {"报到社区", m.Community}, {"网格", m.Grid}, {"楼栋", m.Building},
		{"社区职务", names("volunteer.party.role.", m.Roles)}, {"服务岗位", names("volunteer.party.post.", m.Posts)},
		{"联系电话", pii.MaskPhone(m.Phone)}, {"报到日期", pdfdoc.CNDate(m.RegisteredAt.In(clock.CST))},
	})
	d.Space(8)
	d.Para(fmt.Sprintf("持卡人为%s在职党员，已到%s报到，参加社区服务。服务情况记入社区服务记录表，每季度反馈所在单位。", m.UnitName, m.Community), pdfdoc.ParaOpt{Indent: 2})
	d.Space(8)
	d.Para(m.Community+"（盖章）", pdfdoc.ParaOpt{Align: pdfdoc.Right, Right: 2})
	return d.Bytes()
}

// countKey adds one to the address's fixed window of rate_counters (key
// prefix+ip) and refuses with the message key when it is full; the first
// count of a window clears the prefix's windows before the last.
func countKey(ctx context.Context, tx *db.Tx, prefix, ip string, lim OrderLimit, now time.Time, key string) error {
	if !lim.on() || ip == "" {
		return nil
	}
	w := lim.Window.Milliseconds()
	ws := now.UnixMilli() / w * w
	var n int64
	if err := tx.Get(ctx, "", `INSERT INTO rate_counters (key, window_start, count) VALUES (?, ?, 1)
		ON CONFLICT (key) DO UPDATE SET
		count = CASE WHEN rate_counters.window_start = excluded.window_start THEN rate_counters.count + 1 ELSE 1 END,
		window_start = excluded.window_start
		RETURNING count`, []any{prefix + ip, ws}, &n); err != nil {
		return err
	}
	if n == 1 {
		if _, err := tx.Exec(ctx, "DELETE FROM rate_counters WHERE key LIKE ? AND window_start < ?", prefix+"%", ws-w); err != nil {
			return err
		}
	}
	if n > int64(lim.Orders) {
		return errs.Wait(lim.Window, key, lim.Orders, max(int(lim.Window/time.Minute), 1))
	}
	return nil
}
