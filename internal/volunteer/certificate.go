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
	"github.com/wenming-city/wenming/internal/pdfdoc"
)

// CertPrefix starts every certificate number: ZYZM + year + 6 digits.
const CertPrefix = "ZYZM"

// Certificate is a service certificate with the fields 民政部令第67号 asks
// for: the volunteer (name, ID type and masked number, volunteer number),
// the service (period, hours, sessions, content), the issuer (organisation,
// person in charge, handler, contact), its number, date and remarks.
type Certificate struct {
	ID              int64  `json:"id"`
	Number          string `json:"number"`
	VolunteerID     int64  `json:"-"`
	Name            string `json:"name"`
	IDType          IDType `json:"id_type"`
	IDMasked        string `json:"id_number_masked"`
	VolunteerNumber string `json:"volunteer_number"`
	From            string `json:"period_from"`
	To              string `json:"period_to"`
	Minutes         int    `json:"minutes"`
	Sessions        int    `json:"sessions"`
	Content         string `json:"content"`
	Issuer          string `json:"issuer"`
	PersonInCharge  string `json:"person_in_charge"`
	Handler         string `json:"handler"`
	Contact         string `json:"contact"`
	Remarks         string `json:"remarks"`
	IssuedOn        string `json:"issued_on"`
}

// Hours is the certificate's hours with one decimal.
func (c Certificate) Hours() string { return fmt.Sprintf("%.1f", float64(c.Minutes)/60) }

// CertificateInput is what the organiser issuing one enters.
type CertificateInput struct {
	From, To       string
	Issuer         string
	PersonInCharge string
	Handler        string
	Contact        string
	Remarks        string
}

// IssueCertificate issues a certificate of the volunteer's confirmed
// service in the period, with the next number of the year drawn in the
// same transaction ("谁记录谁证明": from the records, never typed in).
func (s *Service) IssueCertificate(ctx context.Context, p *auth.Principal, volunteerID int64, in CertificateInput) (Certificate, error) {
	if err := auth.Require(p, auth.PermVolunteerOrg); err != nil {
		return Certificate{}, err
	}
	for _, x := range []*string{&in.From, &in.To, &in.Issuer, &in.PersonInCharge, &in.Handler, &in.Contact, &in.Remarks} {
		*x = strings.TrimSpace(*x)
	}
	var f errs.Fields
	for field, v := range map[string]string{"issuer": in.Issuer, "person_in_charge": in.PersonInCharge, "handler": in.Handler, "contact": in.Contact} {
		checkText(&f, field, v, maxTextLen, true)
	}
	checkText(&f, "remarks", in.Remarks, maxIntroLen, false)
	from, e1 := time.ParseInLocation(time.DateOnly, in.From, clock.CST)
	to, e2 := time.ParseInLocation(time.DateOnly, in.To, clock.CST)
	f.Check(e1 == nil, "from", "field.bad_date")
	f.Check(e2 == nil, "to", "field.bad_date")
	if e1 == nil && e2 == nil {
		f.Check(!to.Before(from), "to", "volunteer.end_before_start")
	}
	var c Certificate
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		v, err := get(ctx, tx, p, volunteerID)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if v.Status != StatusApproved {
			return errs.E(errs.Conflict, "volunteer.not_approved")
		}
		if err := tx.Get(ctx, "entity.volunteer", `SELECT COALESCE(SUM(credited_minutes), 0), COUNT(*) FROM attendance
			WHERE volunteer_id = ? AND state = 'confirmed' AND day >= ? AND day <= ?`, []any{v.ID, in.From, in.To}, &c.Minutes, &c.Sessions); err != nil {
			return err
		}
		if c.Minutes == 0 {
			return errs.E(errs.Conflict, "volunteer.cert.no_hours")
		}
		rows, err := tx.Query(ctx, `SELECT a.title, COUNT(*) FROM attendance at JOIN activities a ON a.id = at.activity_id
			WHERE at.volunteer_id = ? AND at.state = 'confirmed' AND at.day >= ? AND at.day <= ? GROUP BY a.title ORDER BY COUNT(*) DESC, a.title LIMIT 8`,
			v.ID, in.From, in.To)
		if err != nil {
			return err
		}
		var parts []string
		for rows.Next() {
			var title string
			var n int
			if err := rows.Scan(&title, &n); err != nil {
				rows.Close()
				return err
			}
			parts = append(parts, fmt.Sprintf("%s（%d次）", title, n))
		}
		rows.Close()
		now := s.Clock.Now()
		year := now.In(clock.CST).Year()
		if _, err := tx.Exec(ctx, "INSERT INTO certificate_counters (year, last) VALUES (?, 0) ON CONFLICT (year) DO NOTHING", year); err != nil {
			return err
		}
		var seq int64
		if err := tx.Get(ctx, "entity.certificate", "UPDATE certificate_counters SET last = last + 1 WHERE year = ? RETURNING last", []any{year}, &seq); err != nil {
			return err
		}
		c.Number = fmt.Sprintf("%s%d%06d", CertPrefix, year, seq)
		c.VolunteerID, c.Name, c.IDType, c.IDMasked, c.VolunteerNumber = v.ID, v.Name, v.IDType, v.IDMasked, v.Number
		c.From, c.To, c.Content = in.From, in.To, strings.Join(parts, "、")
		c.Issuer, c.PersonInCharge, c.Handler, c.Contact, c.Remarks = in.Issuer, in.PersonInCharge, in.Handler, in.Contact, in.Remarks
		c.IssuedOn = now.In(clock.CST).Format(time.DateOnly)
		if c.ID, err = tx.InsertID(ctx, `INSERT INTO certificates (number, volunteer_id, name, id_type, id_masked, volunteer_number, period_from, period_to,
			minutes, sessions, content, issuer, person_in_charge, handler, contact, remarks, issued_on, issued_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.Number, c.VolunteerID, c.Name, string(c.IDType), c.IDMasked, c.VolunteerNumber, c.From, c.To, c.Minutes, c.Sessions, c.Content,
			c.Issuer, c.PersonInCharge, c.Handler, c.Contact, c.Remarks, c.IssuedOn, p.UserID, now.UnixMilli()); err != nil {
			return err
		}
		return record(ctx, tx, p, now, "issue_certificate", v.ID, v.Name+" "+c.Number, nil, map[string]any{"number": c.Number, "minutes": c.Minutes})
	})
	return c, err
}

const certCols = `c.id, c.number, c.volunteer_id, c.name, c.id_type, c.id_masked, c.volunteer_number, c.period_from, c.period_to, c.minutes, c.sessions,
	c.content, c.issuer, c.person_in_charge, c.handler, c.contact, c.remarks, c.issued_on`

func (c *Certificate) dest() []any {
	return []any{&c.ID, &c.Number, &c.VolunteerID, &c.Name, &c.IDType, &c.IDMasked, &c.VolunteerNumber, &c.From, &c.To, &c.Minutes, &c.Sessions,
		&c.Content, &c.Issuer, &c.PersonInCharge, &c.Handler, &c.Contact, &c.Remarks, &c.IssuedOn}
}

// Certificate returns one certificate whose volunteer is in p's scope (the
// volunteer's own account included).
func (s *Service) Certificate(ctx context.Context, p *auth.Principal, id int64) (Certificate, error) {
	if err := canRead(p); err != nil {
		return Certificate{}, err
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Certificate, error) {
		var c Certificate
		if err := tx.Get(ctx, "entity.certificate", "SELECT "+certCols+" FROM certificates c WHERE c.id = ?", []any{id}, c.dest()...); err != nil {
			return c, err
		}
		_, err := get(ctx, tx, p, c.VolunteerID) // not in scope: not found
		return c, err
	})
}

// Certificates lists a volunteer's certificates (newest first).
func (s *Service) Certificates(ctx context.Context, p *auth.Principal, volunteerID int64) ([]Certificate, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Certificate
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		if _, err := get(ctx, tx, p, volunteerID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+certCols+" FROM certificates c WHERE c.volunteer_id = ? ORDER BY c.id DESC", volunteerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Certificate
			if err := rows.Scan(c.dest()...); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// VerifyCertificate finds a certificate by its number for the public
// verification page: what the certificate itself shows, nothing more.
func (s *Service) VerifyCertificate(ctx context.Context, number string) (Certificate, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Certificate, error) {
		var c Certificate
		err := tx.Get(ctx, "entity.certificate", "SELECT "+certCols+" FROM certificates c WHERE c.number = ?", []any{number}, c.dest()...)
		c.VolunteerID = 0
		return c, err
	})
}

// PDF is the certificate as an A4 PDF in Chinese, laid out like the
// printed page: title, the statement, the table of the record's fields, the
// issuer's block and the verification line.
func (c Certificate) PDF(idTypeLabel, verifyURL string) ([]byte, error) {
	d := pdfdoc.New()
	d.Heading("志愿服务证明", 22)
	d.Space(2)
	d.Para("证明编号："+c.Number, pdfdoc.ParaOpt{Size: 12, Align: pdfdoc.Right})
	d.Space(4)
	d.Para(fmt.Sprintf("兹证明%s（志愿者编号 %s）于 %s 至 %s 期间参加志愿服务 %d 次，经记录并确认的服务时长累计 %s 小时。",
		c.Name, c.VolunteerNumber, c.From, c.To, c.Sessions, c.Hours()), pdfdoc.ParaOpt{Indent: 2})
	d.Space(4)
	d.Table([]pdfdoc.Col{{Title: "项目", Width: 1}, {Title: "内容", Width: 3}}, [][]string{
		{"姓名", c.Name}, {"证件类型", idTypeLabel}, {"证件号码", c.IDMasked}, {"志愿者编号", c.VolunteerNumber},
		{"服务期间", c.From + " 至 " + c.To}, {"服务时长", c.Hours() + " 小时"}, {"服务次数", fmt.Sprint(c.Sessions)},
		{"服务内容", c.Content}, {"出具组织", c.Issuer}, {"负责人", c.PersonInCharge}, {"经办人", c.Handler},
		{"联系方式", c.Contact}, {"备注", c.Remarks},
	})
	d.Space(10)
	d.Para(c.Issuer+"（盖章）", pdfdoc.ParaOpt{Align: pdfdoc.Right, Right: 2})
	d.Para(pdfdoc.CNDate(mustDay(c.IssuedOn)), pdfdoc.ParaOpt{Align: pdfdoc.Right, Right: 2})
	d.Space(8)
	d.Para("本证明依据《志愿服务条例》和《志愿服务记录与证明出具办法》出具，可凭证明编号在 "+verifyURL+" 查验。", pdfdoc.ParaOpt{Size: 10})
	return d.Bytes()
}

func mustDay(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, clock.CST)
	return t
}
