package grassroots

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/jobs"
)

// LegalMonths is the mediation limit (人民调解法: one month, extendable).
const LegalMonths = 1

// Dispute is a dispute with its parties and agreement.
type Dispute struct {
	ID           int64      `json:"id"`
	RegionID     int64      `json:"region_id"`
	RegionPath   string     `json:"region_path"`
	RegionName   string     `json:"region_name"`
	RegionNameEN string     `json:"region_name_en"`
	Title        string     `json:"title"`
	Kind         string     `json:"kind"`
	Source       string     `json:"source"`
	Description  string     `json:"description"`
	State        DState     `json:"state"`
	Level        string     `json:"level"`
	Mediator     string     `json:"mediator"`
	RegisteredOn string     `json:"registered_on"`
	Deadline     time.Time  `json:"deadline"`
	Extended     bool       `json:"extended"`
	SettledOn    string     `json:"settled_on"`
	SettledLevel string     `json:"settled_level"`
	Parties      []Party    `json:"parties"`
	Agreement    *Agreement `json:"agreement"`
	Events       []DEvent   `json:"events"`
}

// Party is one side of a dispute.
type Party struct {
	Name    string `json:"name"`
	Side    string `json:"side"` // applicant, respondent
	Address string `json:"address"`
}

// Agreement is the mediation agreement (人民调解协议书).
type Agreement struct {
	Facts    string `json:"facts"`  // the facts and the matter in dispute
	Duties   string `json:"duties"` // each party's duties, one line each
	How      string `json:"how"`    // how they are carried out
	DueOn    string `json:"due_on"` // by when
	SignedOn string `json:"signed_on"`
}

// DEvent is one step on a dispute's timeline.
type DEvent struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	From   DState    `json:"from"`
	To     DState    `json:"to"`
	Level  string    `json:"level"`
	Actor  string    `json:"actor"`
	Note   string    `json:"note"`
}

// DisputeInput registers a dispute.
type DisputeInput struct {
	RegionID    int64   `json:"region_id"`
	Title       string  `json:"title"`
	Kind        string  `json:"kind"`
	Source      string  `json:"source"`
	Description string  `json:"description"`
	Parties     []Party `json:"parties"`
}

// StepInput is a step taken on a dispute.
type StepInput struct {
	Action    DAction    `json:"action"`
	Mediator  string     `json:"mediator"`  // assign
	Note      string     `json:"note"`      // session notes, extension reason, check result, follow-up
	Agreement *Agreement `json:"agreement"` // agree
}

func (in *DisputeInput) validate(f *errs.Fields) {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	checkLen(f, "title", in.Title, 100, true)
	checkLen(f, "description", in.Description, 2000, true)
	f.Check(in.RegionID > 0, "region_id", "field.required")
	if !slices.Contains(DKinds, in.Kind) {
		f.Add("kind", "field.bad_choice")
	}
	if !slices.Contains(DSources, in.Source) {
		f.Add("source", "field.bad_choice")
	}
	var ps []Party
	sides := map[string]bool{}
	for _, p := range in.Parties {
		p.Name, p.Address = strings.TrimSpace(p.Name), strings.TrimSpace(p.Address)
		if p.Name == "" {
			continue
		}
		if utf8Len(p.Name) > MaxNameLen || utf8Len(p.Address) > MaxAddressLen {
			f.Add("parties", "field.too_long", MaxNameLen)
		}
		if p.Side != "applicant" && p.Side != "respondent" {
			f.Add("parties", "field.bad_choice")
		}
		sides[p.Side] = true
		ps = append(ps, p)
	}
	in.Parties = ps
	if !sides["applicant"] || !sides["respondent"] {
		f.Add("parties", "grassroots.err.two_sides")
	}
}

func utf8Len(s string) int { return len([]rune(s)) }

// deadline is the limit counted from t.
func deadline(t time.Time) time.Time { return t.In(clock.CST).AddDate(0, LegalMonths, 0) }

// RegisterDispute registers a dispute in a village (community) or grid.
func (s *Service) RegisterDispute(ctx context.Context, p *auth.Principal, in DisputeInput) (Dispute, error) {
	if err := canRead(p); err != nil {
		return Dispute{}, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.registerDispute(ctx, tx, p, in, s.Clock.Now())
		return err
	})
	if err != nil {
		return Dispute{}, err
	}
	return s.GetDispute(ctx, p, id)
}

func (s *Service) registerDispute(ctx context.Context, tx *db.Tx, p *auth.Principal, in DisputeInput, now time.Time) (int64, error) {
	var f errs.Fields
	in.validate(&f)
	var path string
	if in.RegionID > 0 {
		_, rp, _, err := regionOf(ctx, tx, p, in.RegionID)
		if errs.Is(err, errs.NotFound) {
			f.Add("region_id", "field.bad_choice")
		} else if err != nil {
			return 0, err
		}
		path = rp
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var by any
	actor := "system"
	if p != nil {
		by, actor = p.UserID, p.DisplayName
	}
	id, err := tx.InsertID(ctx, `INSERT INTO gr_disputes (region_id, region_path, title, kind, source, description, state, level, registered_on,
		deadline_at, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'village', ?, ?, ?, ?, ?) RETURNING id`,
		in.RegionID, path, in.Title, in.Kind, in.Source, in.Description, string(DRegistered), now.In(clock.CST).Format(time.DateOnly),
		deadline(now).UnixMilli(), by, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		return 0, err
	}
	for _, pt := range in.Parties {
		if _, err := tx.Exec(ctx, "INSERT INTO gr_dispute_parties (dispute_id, name, side, address) VALUES (?, ?, ?, ?)",
			id, pt.Name, pt.Side, pt.Address); err != nil {
			return 0, err
		}
	}
	if err := addEvent(ctx, tx, id, now, "register", "", DRegistered, "village", actor, ""); err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "dispute", id, in.Title, nil, in)
}

func addEvent(ctx context.Context, tx *db.Tx, id int64, at time.Time, action string, from, to DState, level, actor, note string) error {
	_, err := tx.Exec(ctx, `INSERT INTO gr_dispute_events (dispute_id, at, action, from_state, to_state, level, actor_name, note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, at.UnixMilli(), action, string(from), string(to), level, actor, note)
	return err
}

// Step takes a step on a dispute, checked against Machine.
func (s *Service) Step(ctx context.Context, p *auth.Principal, id int64, in StepInput) (Dispute, error) {
	if err := canRead(p); err != nil {
		return Dispute{}, err
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		d, err := loadDispute(ctx, tx, p, id)
		if err != nil {
			return err
		}
		return s.step(ctx, tx, p, d, in, s.Clock.Now())
	})
	if err != nil {
		return Dispute{}, err
	}
	return s.GetDispute(ctx, p, id)
}

func (s *Service) step(ctx context.Context, tx *db.Tx, p *auth.Principal, d Dispute, in StepInput, now time.Time) error {
	to, ok := Next(d.State, in.Action)
	if !ok {
		return errs.E(errs.Conflict, "grassroots.err.step_not_allowed")
	}
	in.Note, in.Mediator = strings.TrimSpace(in.Note), strings.TrimSpace(in.Mediator)
	var f errs.Fields
	checkLen(&f, "note", in.Note, 2000, in.Action == DSession || in.Action == DExtend || in.Action == DCheck || in.Action == DFollowUp || in.Action == DFail)
	sets := []string{"state = ?", "updated_at = ?"}
	args := []any{string(to), now.UnixMilli()}
	level := d.Level
	switch in.Action {
	case DAssign:
		checkLen(&f, "mediator", in.Mediator, 100, true)
		sets, args = append(sets, "mediator = ?"), append(args, in.Mediator)
	case DExtend:
		if d.Extended {
			return errs.E(errs.Conflict, "grassroots.err.extended_once")
		}
		sets, args = append(sets, "extended = TRUE", "deadline_at = ?"), append(args, deadline(d.Deadline).UnixMilli())
	case DEscalate:
		up := UpLevel(d.Level)
		if up == "" {
			return errs.E(errs.Conflict, "grassroots.err.top_level")
		}
		level = up
		sets, args = append(sets, "level = ?", "deadline_at = ?", "extended = FALSE", "mediator = ''"), append(args, up, deadline(now).UnixMilli())
	case DAgree:
		a := in.Agreement
		if a == nil {
			a = &Agreement{}
		}
		a.Facts, a.Duties, a.How, a.DueOn = strings.TrimSpace(a.Facts), strings.TrimSpace(a.Duties), strings.TrimSpace(a.How), strings.TrimSpace(a.DueOn)
		checkLen(&f, "facts", a.Facts, 2000, true)
		checkLen(&f, "duties", a.Duties, 2000, true)
		checkLen(&f, "how", a.How, 1000, true)
		if !validDay(a.DueOn) {
			f.Add("due_on", "field.bad_date")
		}
		if err := f.Err(); err != nil {
			return err
		}
		day := now.In(clock.CST).Format(time.DateOnly)
		if _, err := tx.Exec(ctx, "INSERT INTO gr_agreements (dispute_id, facts, duties, how, due_on, signed_on, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
			d.ID, a.Facts, a.Duties, a.How, a.DueOn, day, now.UnixMilli()); err != nil {
			return err
		}
		sets, args = append(sets, "settled_on = ?", "settled_level = ?"), append(args, day, d.Level)
	}
	if err := f.Err(); err != nil {
		return err
	}
	args = append(args, d.ID, string(d.State))
	n, err := tx.ExecN(ctx, "UPDATE gr_disputes SET "+strings.Join(sets, ", ")+" WHERE id = ? AND state = ?", args...)
	if err != nil {
		return err
	}
	if n == 0 {
		return errs.E(errs.Conflict, "grassroots.err.step_not_allowed")
	}
	actor := "system"
	if p != nil {
		actor = p.DisplayName
	}
	note := in.Note
	if in.Action == DAssign {
		note = strings.TrimSpace(in.Mediator + " " + in.Note)
	}
	if err := addEvent(ctx, tx, d.ID, now, string(in.Action), d.State, to, level, actor, note); err != nil {
		return err
	}
	return record(ctx, tx, p, now, audit.ActionUpdate, "dispute", d.ID, d.Title+" "+string(in.Action), map[string]any{"state": d.State},
		map[string]any{"state": to, "level": level})
}

const disputeCols = `d.id, d.region_id, d.region_path, r.name, r.name_en, d.title, d.kind, d.source, d.description, d.state, d.level, d.mediator,
	d.registered_on, d.deadline_at, d.extended, COALESCE(d.settled_on, ''), COALESCE(d.settled_level, '')`

func scanDispute(sc interface{ Scan(...any) error }) (Dispute, error) {
	var d Dispute
	var dl int64
	err := sc.Scan(&d.ID, &d.RegionID, &d.RegionPath, &d.RegionName, &d.RegionNameEN, &d.Title, &d.Kind, &d.Source, &d.Description, &d.State, &d.Level,
		&d.Mediator, &d.RegisteredOn, &dl, &d.Extended, &d.SettledOn, &d.SettledLevel)
	d.Deadline = time.UnixMilli(dl)
	return d, err
}

func loadDispute(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Dispute, error) {
	w, args := scopeWhere(p, "d.region_path")
	rows, err := tx.Query(ctx, "SELECT "+disputeCols+" FROM gr_disputes d JOIN regions r ON r.id = d.region_id WHERE d.id = ? AND "+w,
		append([]any{id}, args...)...)
	if err != nil {
		return Dispute{}, err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Dispute{}, err
		}
		return Dispute{}, errs.NotFoundf("entity.dispute")
	}
	return scanDispute(rows)
}

// GetDispute returns a dispute with its parties, agreement and timeline.
func (s *Service) GetDispute(ctx context.Context, p *auth.Principal, id int64) (Dispute, error) {
	if err := canRead(p); err != nil {
		return Dispute{}, err
	}
	var d Dispute
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		if d, err = loadDispute(ctx, tx, p, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT name, side, address FROM gr_dispute_parties WHERE dispute_id = ? ORDER BY side, id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var pt Party
			if err := rows.Scan(&pt.Name, &pt.Side, &pt.Address); err != nil {
				rows.Close()
				return err
			}
			d.Parties = append(d.Parties, pt)
		}
		rows.Close()
		var a Agreement
		err = tx.Get(ctx, "", "SELECT facts, duties, how, due_on, signed_on FROM gr_agreements WHERE dispute_id = ?", []any{id},
			&a.Facts, &a.Duties, &a.How, &a.DueOn, &a.SignedOn)
		if err == nil {
			d.Agreement = &a
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		rows, err = tx.Query(ctx, "SELECT at, action, from_state, to_state, level, actor_name, note FROM gr_dispute_events WHERE dispute_id = ? ORDER BY id", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e DEvent
			var at int64
			if err := rows.Scan(&at, &e.Action, &e.From, &e.To, &e.Level, &e.Actor, &e.Note); err != nil {
				return err
			}
			e.At = time.UnixMilli(at)
			d.Events = append(d.Events, e)
		}
		return rows.Err()
	})
	return d, err
}

// Disputes lists the disputes in the caller's scope, newest first.
func (s *Service) Disputes(ctx context.Context, p *auth.Principal, state string) ([]Dispute, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Dispute
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "d.region_path")
		if state != "" {
			w, args = w+" AND d.state = ?", append(args, state)
		}
		rows, err := tx.Query(ctx, "SELECT "+disputeCols+" FROM gr_disputes d JOIN regions r ON r.id = d.region_id WHERE "+w+
			" ORDER BY d.id DESC LIMIT 500", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDispute(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// EscalateOverdue moves every open dispute past its limit one level up
// (village → street → county) with a new limit from now. Each row's
// UPDATE is conditional on the state, level and deadline it was read
// with, so two instances running it at once escalate a dispute once.
func (s *Service) EscalateOverdue(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	n := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, state, level, deadline_at FROM gr_disputes WHERE state IN ('registered', 'assigned', 'mediating')
			AND deadline_at <= ? AND level <> 'county' ORDER BY id LIMIT 1000`, now.UnixMilli())
		if err != nil {
			return err
		}
		type due struct {
			id           int64
			state, level string
			dl           int64
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.state, &d.level, &d.dl); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		for _, d := range ds {
			up := UpLevel(d.level)
			k, err := tx.ExecN(ctx, `UPDATE gr_disputes SET state = 'registered', level = ?, deadline_at = ?, extended = FALSE, mediator = '', updated_at = ?
				WHERE id = ? AND state = ? AND level = ? AND deadline_at = ?`, up, deadline(now).UnixMilli(), now.UnixMilli(), d.id, d.state, d.level, d.dl)
			if err != nil {
				return err
			}
			if k == 0 {
				continue
			}
			if err := addEvent(ctx, tx, d.id, now, string(DEscalate), DState(d.state), DRegistered, up, "system", "overdue"); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// EscalationJob runs EscalateOverdue every quarter hour (internal/jobs).
func (s *Service) EscalationJob() jobs.Job {
	return jobs.Job{Name: "grassroots_dispute_escalation", Every: 15 * time.Minute, Run: func(ctx context.Context) error {
		_, err := s.EscalateOverdue(ctx)
		return err
	}}
}
