package honour

import (
	"context"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/inputtext"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/scoring"
	"github.com/wenming-city/wenming/internal/volunteer"
)

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Service is the honours capability.
type Service struct {
	DB    *db.DB
	Clock clock.Clock
	// Volunteers is where the story tours (volunteer activities) are read;
	// app sets it. Without it a nomination has no tours to show or link.
	Volunteers *volunteer.Service
}

// New returns the service.
func New(d *db.DB, c clock.Clock) *Service { return &Service{DB: d, Clock: c} }

// OfficeUnit is the code of the unit that runs honours (public nominations
// go to it); without it, the HQ.
const OfficeUnit = "DEPT-WMB"

// DeptUnits are the units whose staff answer each department's sign-off.
var DeptUnits = map[string]string{DeptPublicSecurity: "DEPT-GA", DeptDiscipline: "DEPT-JW", DeptCivilAffairs: "DEPT-MZ"}

// JuryScheme is how the jury scores a nomination (internal/scoring): three
// criteria of 100 points, every juror weighted the same.
var JuryScheme = scoring.Scheme{Code: "honour-jury", Version: 1,
	Criteria: []scoring.Criterion{
		{Code: "deeds", Name: "事迹", Points: scoring.Points(40), Method: scoring.MethodJudgement},
		{Code: "influence", Name: "社会影响", Points: scoring.Points(30), Method: scoring.MethodJudgement},
		{Code: "recognition", Name: "群众认可", Points: scoring.Points(30), Method: scoring.MethodJudgement},
	},
	Weights: []scoring.ScorerWeight{{Kind: "jury", Weight: 1}}, Missing: scoring.MissingRenormalise,
	TieBreak: scoring.TieBreak{Criteria: []string{"deeds"}, Then: scoring.TieCode},
}

// MinJurors is how many jurors must score before the notice opens.
const MinJurors = 2

// Nomination is one nomination.
type Nomination struct {
	ID             int64
	Kind           string
	Category       string
	Period         string
	UnitID         int64
	RegionID       int64
	RegionName     string
	RegionEN       string
	UnitName       string // the office that holds the nomination
	UnitEN         string
	Nominee        string
	NomineeEN      string // a unit nominee's English name (its unit's)
	Story          string
	Source         string
	Nominator      string
	NominatorPhone string
	Consent        bool
	PublishName    string // full, or surname (the wall shows the surname only)
	PublishPhotos  bool   // the wall may show the photos
	State          State
	Reason         string
	Votes          int
	JuryTotal      scoring.Cents
	NoticeFrom     *time.Time
	AwardedOn      string
	ExpiresOn      string
	CreatedAt      time.Time
	Photos         []int64 // the story's photos (the wall may show them)
	Evidence       []int64 // the evidence's scans and photos (证明材料): never public
	EvidenceNote   string  // what the evidence is, in the nominator's words: never public
	SignOffs       []SignOff
	Objections     []Objection
	Jurors         int
	TourIDs        []int64 // the volunteer activities (story tours) that tell the story
}

// PublishNames are what the wall may show of an honoree's name.
var PublishNames = []string{"full", "surname"}

// PublicName is the name the public sees: the full name, or (publish_name
// surname, for a person) the surname followed by an asterisk for each
// further character, so 王秀英 is shown as 王**.
func (n Nomination) PublicName() string {
	k, _ := KindOf(n.Kind)
	if n.PublishName != "surname" || k.Subject != "individual" {
		return n.Nominee
	}
	r := []rune(n.Nominee)
	if len(r) <= 1 {
		return n.Nominee
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// NoticeUntil is when the nomination's notice may end.
func (n Nomination) NoticeUntil() *time.Time {
	if n.NoticeFrom == nil {
		return nil
	}
	t := NoticeEnd(*n.NoticeFrom)
	return &t
}

// SignOff is a department's answer.
type SignOff struct {
	Department string
	State      string
	Note       string
	AnsweredAt *time.Time
}

// Objection is an objection received during the notice.
type Objection struct {
	ID         int64
	Text       string
	FiledAt    time.Time
	Answer     string
	Upheld     bool
	AnsweredAt *time.Time
}

// NominationInput is a new nomination.
type NominationInput struct {
	Kind      string
	Category  string
	RegionID  int64
	Nominee   string
	Story     string
	Source    string // public, unit, community
	Nominator string
	Phone     string
	Consent   bool
	// What the honoree agreed to publish, besides the story: the name in
	// full or the surname only ("" is full), and the photos.
	PublishName   string
	PublishPhotos bool
	// EvidenceNote says what the evidence is (证明材料: certificates,
	// media reports, letters); it is seen by the office and the
	// departments asked to sign off, never by the public.
	EvidenceNote string
}

// MaxEvidenceNote is how long an evidence note may be, in characters.
const MaxEvidenceNote = 500

// Attached are the ids of a nomination's committed images: the story's
// photos and the evidence (certificates, reports, letters), in order.
type Attached struct {
	Story, Evidence []int64
}

func clean(s string) string { return strings.TrimSpace(inputtext.StripBidi(s)) }

func fieldErr(field, key string, args ...any) error {
	var f errs.Fields
	f.Add(field, key, args...)
	return f.Err()
}

// periodOf is the list a nomination joins: the quarter or the year.
func periodOf(k Kind, t time.Time) string {
	t = t.In(clock.CST)
	if k.Period == "quarter" {
		return fmt.Sprintf("%04dQ%d", t.Year(), (int(t.Month())-1)/3+1)
	}
	return strconv.Itoa(t.Year())
}

// Nominate records a nomination (the public page passes a nil principal;
// a unit or community passes its staff). photos, when set, commits the
// staged photos and evidence in the transaction and returns their ids.
func (s *Service) Nominate(ctx context.Context, p *auth.Principal, in NominationInput, photos func(context.Context, *db.Tx) (Attached, error)) (int64, error) {
	in.Nominee, in.Story, in.Nominator, in.Category = clean(in.Nominee), clean(in.Story), clean(in.Nominator), clean(in.Category)
	in.EvidenceNote = clean(in.EvidenceNote)
	var f errs.Fields
	k, ok := KindOf(in.Kind)
	f.Check(ok, "kind", "field.bad_choice")
	if ok && k.Categories != nil {
		f.Check(slices.Contains(k.Categories, in.Category), "category", "field.bad_choice")
	} else {
		in.Category = ""
	}
	f.Check(in.Nominee != "", "nominee", "field.required")
	f.Check(len([]rune(in.Nominee)) <= 100, "nominee", "field.too_long", 100)
	f.Check(len([]rune(in.Story)) >= 20, "story", "honour.err.story_short", 20)
	f.Check(len([]rune(in.Story)) <= 3000, "story", "field.too_long", 3000)
	f.Check(in.Nominator != "", "nominator", "field.required")
	f.Check(len([]rune(in.Nominator)) <= 50, "nominator", "field.too_long", 50)
	f.Check(len([]rune(in.EvidenceNote)) <= MaxEvidenceNote, "evidence_note", "honour.err.evidence_note_long", MaxEvidenceNote)
	// A kind that asks for evidence: without images, the note must say what it is.
	f.Check(!ok || !k.Evidence || photos != nil || in.EvidenceNote != "", "evidence", "honour.err.evidence_required")
	if in.PublishName == "" {
		in.PublishName = "full"
	}
	f.Check(slices.Contains(PublishNames, in.PublishName), "publish_name", "field.bad_choice")
	phone, _ := pii.NormalisePhone(in.Phone)
	if p == nil {
		in.Source = "public"
		f.Check(pii.ValidPhone(phone), "phone", "field.bad_phone")
		f.Check(in.RegionID != 0, "region_id", "field.required")
	} else {
		if err := auth.Require(p, auth.PermHonourManage); err != nil {
			return 0, err
		}
		if in.Source != "unit" && in.Source != "community" {
			f.Add("source", "field.bad_choice")
		}
		if in.Phone != "" {
			f.Check(pii.ValidPhone(phone), "phone", "field.bad_phone")
		}
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	return db.WriteValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		unit, err := officeUnit(ctx, tx)
		if err != nil {
			return 0, err
		}
		var region any
		if in.RegionID != 0 {
			if n, err := tx.Count(ctx, "SELECT COUNT(*) FROM regions WHERE id = ?", in.RegionID); err != nil {
				return 0, err
			} else if n == 0 {
				return 0, fieldErr("region_id", "field.bad_choice")
			}
			region = in.RegionID
		}
		// A unit nominated by its exact name is linked to it.
		var nomineeUnit any
		if k.Subject == "unit" {
			var uid int64
			err := tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE name = ? ORDER BY id", []any{in.Nominee}, &uid)
			if err == nil {
				nomineeUnit = uid
			} else if errs.CodeOf(err) != errs.NotFound {
				return 0, err
			}
		}
		var nPhotos, nEvidence int
		id, err := tx.InsertID(ctx, `INSERT INTO honour_nominations (kind, category, period, unit_id, region_id, nominee, nominee_unit_id, story, source, nominator,
			nominator_phone, consent, publish_name, publish_photos, evidence_note, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'nominated', ?, ?) RETURNING id`,
			in.Kind, in.Category, periodOf(k, now), unit, region, in.Nominee, nomineeUnit, in.Story, in.Source, in.Nominator, phone, in.Consent,
			in.PublishName, in.PublishPhotos, in.EvidenceNote, now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return 0, err
		}
		if photos != nil {
			att, err := photos(ctx, tx)
			if err != nil {
				return 0, err
			}
			for _, g := range []struct {
				kind string
				ids  []int64
			}{{"story", att.Story}, {"evidence", att.Evidence}} {
				for i, pid := range g.ids {
					if _, err := tx.Exec(ctx, "INSERT INTO honour_photos (nomination_id, photo_id, sort, kind) VALUES (?, ?, ?, ?)", id, pid, i, g.kind); err != nil {
						return 0, err
					}
				}
			}
			nPhotos, nEvidence = len(att.Story), len(att.Evidence)
			if k.Evidence && nEvidence == 0 && in.EvidenceNote == "" {
				return 0, fieldErr("evidence", "honour.err.evidence_required")
			}
		}
		after := map[string]any{"kind": in.Kind, "category": in.Category, "nominee": in.Nominee, "source": in.Source, "phone": pii.MaskPhone(phone),
			"consent": in.Consent, "publish_name": in.PublishName, "publish_photos": in.PublishPhotos,
			"evidence_note": in.EvidenceNote, "photos": nPhotos, "evidence": nEvidence}
		e := audit.Entry{Action: "nominate", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: in.Nominee}
		if p == nil {
			e.ActorName = "public: " + in.Nominator
		}
		return id, audit.Record(ctx, tx, p, now, e, nil, after)
	})
}

func officeUnit(ctx context.Context, tx *db.Tx) (int64, error) {
	var id int64
	err := tx.Get(ctx, "entity.unit", "SELECT id FROM units WHERE code = ?", []any{OfficeUnit}, &id)
	if errs.CodeOf(err) == errs.NotFound {
		err = tx.Get(ctx, "entity.unit", "SELECT id FROM units ORDER BY CASE WHEN kind = 'hq' THEN 0 ELSE 1 END, id", nil, &id)
	}
	return id, err
}

func scope(p *auth.Principal) (string, []any) {
	if p == nil {
		return "1=1", nil
	}
	return p.Scope.Where("", "u.path", "")
}

const nomCols = `n.id, n.kind, n.category, n.period, n.unit_id, COALESCE(n.region_id, 0), COALESCE(r.name, ''), COALESCE(r.name_en, ''), u.name, u.name_en,
	n.nominee, COALESCE(nu.name_en, ''), n.story, n.source, n.nominator, n.nominator_phone, n.consent, n.publish_name, n.publish_photos,
	n.evidence_note, n.state, n.reason, n.votes, n.jury_total, n.notice_from, n.awarded_on, n.expires_on, n.created_at`

const nomFrom = ` FROM honour_nominations n JOIN units u ON u.id = n.unit_id LEFT JOIN regions r ON r.id = n.region_id LEFT JOIN units nu ON nu.id = n.nominee_unit_id`

func scanNom(sc interface{ Scan(...any) error }) (Nomination, error) {
	var n Nomination
	var state string
	var notice *int64
	var at int64
	err := sc.Scan(&n.ID, &n.Kind, &n.Category, &n.Period, &n.UnitID, &n.RegionID, &n.RegionName, &n.RegionEN, &n.UnitName, &n.UnitEN,
		&n.Nominee, &n.NomineeEN, &n.Story, &n.Source, &n.Nominator, &n.NominatorPhone, &n.Consent, &n.PublishName, &n.PublishPhotos, &n.EvidenceNote, &state, &n.Reason, &n.Votes, &n.JuryTotal, &notice, &n.AwardedOn, &n.ExpiresOn, &at)
	n.State, n.CreatedAt = State(state), time.UnixMilli(at)
	if k, _ := KindOf(n.Kind); k.Subject == "village" && n.Nominee == n.RegionName {
		n.NomineeEN = n.RegionEN // a village (town) placed in itself is named as its region
	}
	if notice != nil {
		t := time.UnixMilli(*notice)
		n.NoticeFrom = &t
	}
	return n, err
}

func canRead(p *auth.Principal) error {
	if p.Can(auth.PermHonourManage) || p.Can(auth.PermHonourSignoff) {
		return nil
	}
	return auth.Require(p, auth.PermHonourManage)
}

// Get returns a nomination with its photos, sign-offs and objections.
// Sign-off answerers see every nomination that waits for their department.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id int64) (Nomination, error) {
	if p != nil {
		if err := canRead(p); err != nil {
			return Nomination{}, err
		}
	}
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (Nomination, error) { return get(ctx, tx, p, id) })
}

func get(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64) (Nomination, error) {
	where, args := scope(p)
	if p != nil && !p.Can(auth.PermHonourManage) {
		depts, err := deptsOf(ctx, tx, p)
		if err != nil {
			return Nomination{}, err
		}
		where, args = "n.id IN (SELECT nomination_id FROM honour_signoffs WHERE department IN ("+db.Placeholders(len(depts))+"))", nil
		for _, d := range depts {
			args = append(args, d)
		}
	}
	rows, err := tx.Query(ctx, "SELECT "+nomCols+nomFrom+" WHERE n.id = ? AND "+where, append([]any{id}, args...)...)
	if err != nil {
		return Nomination{}, err
	}
	if !rows.Next() {
		rows.Close()
		return Nomination{}, errs.NotFoundf("entity.nomination")
	}
	n, err := scanNom(rows)
	rows.Close()
	if err != nil {
		return n, err
	}
	return n, details(ctx, tx, &n)
}

func details(ctx context.Context, tx *db.Tx, n *Nomination) error {
	rows, err := tx.Query(ctx, "SELECT photo_id, kind FROM honour_photos WHERE nomination_id = ? ORDER BY kind DESC, sort", n.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var kind string
		if err := rows.Scan(&id, &kind); err != nil {
			rows.Close()
			return err
		}
		if kind == "evidence" {
			n.Evidence = append(n.Evidence, id)
		} else {
			n.Photos = append(n.Photos, id)
		}
	}
	rows.Close()
	rows, err = tx.Query(ctx, "SELECT department, state, note, answered_at FROM honour_signoffs WHERE nomination_id = ? ORDER BY department", n.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var so SignOff
		var at *int64
		if err := rows.Scan(&so.Department, &so.State, &so.Note, &at); err != nil {
			rows.Close()
			return err
		}
		if at != nil {
			t := time.UnixMilli(*at)
			so.AnsweredAt = &t
		}
		n.SignOffs = append(n.SignOffs, so)
	}
	rows.Close()
	rows, err = tx.Query(ctx, "SELECT id, text, filed_at, answer, upheld, answered_at FROM honour_objections WHERE nomination_id = ? ORDER BY id", n.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var o Objection
		var at int64
		var ans *int64
		if err := rows.Scan(&o.ID, &o.Text, &at, &o.Answer, &o.Upheld, &ans); err != nil {
			rows.Close()
			return err
		}
		o.FiledAt = time.UnixMilli(at)
		if ans != nil {
			t := time.UnixMilli(*ans)
			o.AnsweredAt = &t
		}
		n.Objections = append(n.Objections, o)
	}
	rows.Close()
	rows, err = tx.Query(ctx, "SELECT activity_id FROM honour_tours WHERE nomination_id = ? ORDER BY activity_id", n.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		n.TourIDs = append(n.TourIDs, id)
	}
	rows.Close()
	c, err := tx.Count(ctx, "SELECT COUNT(DISTINCT juror_id) FROM honour_jury WHERE nomination_id = ?", n.ID)
	n.Jurors = int(c)
	return err
}

// deptsOf are the departments whose sign-offs p answers (by p's unit).
func deptsOf(ctx context.Context, tx *db.Tx, p *auth.Principal) ([]string, error) {
	out := []string{"-"}
	if p == nil || !p.Can(auth.PermHonourSignoff) || p.UnitID == 0 {
		return out, nil
	}
	var code string
	if err := tx.Get(ctx, "entity.unit", "SELECT code FROM units WHERE id = ?", []any{p.UnitID}, &code); err != nil {
		return nil, err
	}
	for d, c := range DeptUnits {
		if c == code {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// SignOffQueue lists the nominations waiting for the caller's department.
func (s *Service) SignOffQueue(ctx context.Context, p *auth.Principal) ([]Nomination, error) {
	if err := auth.Require(p, auth.PermHonourSignoff); err != nil {
		return nil, err
	}
	var depts []string
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		var err error
		depts, err = deptsOf(ctx, tx, p)
		return err
	}); err != nil {
		return nil, err
	}
	args := []any{}
	for _, d := range depts {
		args = append(args, d)
	}
	return listNoms(ctx, s.DB, "SELECT "+nomCols+nomFrom+" WHERE n.state = 'review' AND n.id IN (SELECT nomination_id FROM honour_signoffs WHERE state = 'pending' AND department IN ("+
		db.Placeholders(len(depts))+")) ORDER BY n.id", args...)
}

// Filter selects nominations.
type Filter struct {
	State    State
	Kind     string
	RegionID int64 // the region's subtree; 0 for all
}

// List lists the nominations in scope, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal, f Filter) ([]Nomination, error) {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return nil, err
	}
	where, args := scope(p)
	q := "SELECT " + nomCols + nomFrom + " WHERE " + where
	if f.State != "" {
		q += " AND n.state = ?"
		args = append(args, string(f.State))
	}
	if f.Kind != "" {
		q += " AND n.kind = ?"
		args = append(args, f.Kind)
	}
	if f.RegionID != 0 {
		q += " AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'"
		args = append(args, f.RegionID)
	}
	return listNoms(ctx, s.DB, q+" ORDER BY n.id DESC", args...)
}

func listNoms(ctx context.Context, d *db.DB, q string, args ...any) ([]Nomination, error) {
	return db.ReadValue(ctx, d, func(tx *db.Tx) ([]Nomination, error) {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		var out []Nomination
		for rows.Next() {
			n, err := scanNom(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return out, attachments(ctx, tx, out)
	})
}

// attachments loads a list's story photos and story tours, a few queries
// for the whole list (its evidence, sign-offs, objections and jurors are
// read with one nomination, by get: a list never carries the evidence).
func attachments(ctx context.Context, tx *db.Tx, list []Nomination) error {
	at := make(map[int64]int, len(list))
	for i, n := range list {
		at[n.ID] = i
	}
	for start := 0; start < len(list); start += 500 {
		chunk := list[start:min(start+500, len(list))]
		args := make([]any, len(chunk))
		for i, n := range chunk {
			args[i] = n.ID
		}
		in := db.Placeholders(len(chunk))
		for _, q := range []struct {
			sql string
			add func(n *Nomination, id int64)
		}{
			{"SELECT nomination_id, photo_id FROM honour_photos WHERE kind = 'story' AND nomination_id IN (" + in + ") ORDER BY nomination_id, sort",
				func(n *Nomination, id int64) { n.Photos = append(n.Photos, id) }},
			{"SELECT nomination_id, activity_id FROM honour_tours WHERE nomination_id IN (" + in + ") ORDER BY nomination_id, activity_id",
				func(n *Nomination, id int64) { n.TourIDs = append(n.TourIDs, id) }},
		} {
			rows, err := tx.Query(ctx, q.sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var nid, id int64
				if err := rows.Scan(&nid, &id); err != nil {
					rows.Close()
					return err
				}
				q.add(&list[at[nid]], id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
	}
	return nil
}

// PublicFilter selects what the wall shows.
type PublicFilter struct {
	State         State
	Kind          string
	RegionID      int64 // the region's subtree; 0 for all
	Limit, Offset int   // a page of the list (Limit 0: all)
}

func (f PublicFilter) where() (string, []any) {
	q := " WHERE n.consent = TRUE AND n.state = ?"
	args := []any{string(f.State)}
	if f.Kind != "" {
		q += " AND n.kind = ?"
		args = append(args, f.Kind)
	}
	if f.RegionID != 0 {
		q += " AND r.path LIKE (SELECT path FROM regions WHERE id = ?) || '%'"
		args = append(args, f.RegionID)
	}
	return q, args
}

// CountPublic counts what Public lists, without its page.
func (s *Service) CountPublic(ctx context.Context, f PublicFilter) (int, error) {
	w, args := f.where()
	n, err := db.ReadValue(ctx, s.DB, func(tx *db.Tx) (int64, error) {
		return tx.Count(ctx, "SELECT COUNT(*)"+nomFrom+w, args...)
	})
	return int(n), err
}

// Public lists what the public may see: nominations in the vote or the
// notice, and the honours wall (awarded), each only with the honoree's
// consent and only what they agreed to publish: the name as PublicName
// gives it, the photos only when they agreed to them (Photos is emptied
// otherwise), never the nominator, their phone, the office's notes or the
// evidence (its images and its note).
func (s *Service) Public(ctx context.Context, f PublicFilter) ([]Nomination, error) {
	w, args := f.where()
	q := "SELECT " + nomCols + nomFrom + w + " ORDER BY n.period DESC, n.votes DESC, n.id"
	if f.Limit > 0 {
		q += " LIMIT ? OFFSET ?"
		args = append(args, f.Limit, f.Offset)
	}
	list, err := listNoms(ctx, s.DB, q, args...)
	for i := range list {
		n := &list[i]
		if masked := n.PublicName(); masked != n.Nominee {
			n.Nominee, n.NomineeEN = masked, ""
		}
		if !n.PublishPhotos {
			n.Photos = nil
		}
		n.Nominator, n.NominatorPhone, n.Reason, n.Objections = "", "", "", nil
		n.Evidence, n.EvidenceNote = nil, ""
	}
	return list, err
}

// WallRegion is a region the wall can be filtered by.
type WallRegion struct {
	ID       int64
	Name, EN string
	Depth    int
}

// WallRegions are the regions (below the city) that hold something the
// public may see, with their ancestors, in tree order: the regions of the
// public rows first, then their ancestors by the ids in their paths.
func (s *Service) WallRegions(ctx context.Context) ([]WallRegion, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]WallRegion, error) {
		rows, err := tx.Query(ctx, `SELECT DISTINCT r.path FROM honour_nominations n JOIN regions r ON r.id = n.region_id
			WHERE n.consent = TRUE AND n.state IN ('voting','notice','awarded')`)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		var ids []any
		for rows.Next() {
			var path string
			if err := rows.Scan(&path); err != nil {
				rows.Close()
				return nil, err
			}
			for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
				if id, err := strconv.ParseInt(part, 10, 64); err == nil && !seen[part] {
					seen[part] = true
					ids = append(ids, id)
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return nil, err
		}
		rows, err = tx.Query(ctx, "SELECT id, name, name_en, path FROM regions WHERE id IN ("+db.Placeholders(len(ids))+") AND level <> 'city' ORDER BY path", ids...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []WallRegion
		for rows.Next() {
			var w WallRegion
			var path string
			if err := rows.Scan(&w.ID, &w.Name, &w.EN, &path); err != nil {
				return nil, err
			}
			w.Depth = strings.Count(path, "/") - 3
			out = append(out, w)
		}
		return out, rows.Err()
	})
}

// NominationRegions are the districts and streets a nomination may be
// placed in, in tree order (the wall is filtered by them).
func (s *Service) NominationRegions(ctx context.Context) ([]WallRegion, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) ([]WallRegion, error) {
		rows, err := tx.Query(ctx, "SELECT id, name, name_en, path FROM regions WHERE level IN ('district','street') ORDER BY path")
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []WallRegion
		for rows.Next() {
			var w WallRegion
			var path string
			if err := rows.Scan(&w.ID, &w.Name, &w.EN, &path); err != nil {
				return nil, err
			}
			w.Depth = strings.Count(path, "/") - 3
			out = append(out, w)
		}
		return out, rows.Err()
	})
}

// PublicPhoto reports whether a photo may be shown to the public: it
// belongs to a nomination with consent in the vote, the notice or awarded,
// whose honoree agreed to show the photos, as one of its story's photos:
// the evidence is never public.
func (s *Service) PublicPhoto(ctx context.Context, photoID int64) (bool, error) {
	return db.ReadValue(ctx, s.DB, func(tx *db.Tx) (bool, error) {
		n, err := tx.Count(ctx, `SELECT COUNT(*) FROM honour_photos hp JOIN honour_nominations n ON n.id = hp.nomination_id
			WHERE hp.photo_id = ? AND hp.kind = 'story' AND n.consent = TRUE AND n.publish_photos = TRUE AND n.state IN ('voting','notice','awarded')`, photoID)
		return n > 0, err
	})
}

// Publishing is what the honoree agreed to publish, as the office records it.
type Publishing struct {
	Consent bool
	Name    string // full or surname
	Photos  bool
}

// SetPublishing records what the honoree agreed to publish (the office
// asks them, whatever the nominator ticked), with the audit log.
func (s *Service) SetPublishing(ctx context.Context, p *auth.Principal, id int64, pub Publishing) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	if !slices.Contains(PublishNames, pub.Name) {
		return fieldErr("publish_name", "field.bad_choice")
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET consent = ?, publish_name = ?, publish_photos = ?, updated_at = ? WHERE id = ?",
			pub.Consent, pub.Name, pub.Photos, now.UnixMilli(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "publishing", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: n.Nominee},
			map[string]any{"consent": n.Consent, "publish_name": n.PublishName, "publish_photos": n.PublishPhotos},
			map[string]any{"consent": pub.Consent, "publish_name": pub.Name, "publish_photos": pub.Photos})
	})
}

// ---- steps ----

// Act takes a pipeline step (Machine) with its guard (Guard): review asks
// the kind's departments for their sign-off; award sets the term.
func (s *Service) Act(ctx context.Context, p *auth.Principal, id int64, a Action, reason string) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	reason = clean(reason)
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		tr, ok := Step(a, n.State)
		if !ok {
			return errs.E(errs.Conflict, "honour.err.not_now")
		}
		if tr.Reason && reason == "" {
			return fieldErr("reason", "field.required")
		}
		if len([]rune(reason)) > 500 {
			return fieldErr("reason", "field.too_long", 500)
		}
		k, _ := KindOf(n.Kind)
		f := Facts{Kind: k, JuryScored: n.Jurors >= MinJurors, Now: now}
		if n.NoticeFrom != nil {
			f.NoticeFrom = *n.NoticeFrom
		}
		for _, so := range n.SignOffs {
			switch so.State {
			case "pending":
				f.SignOffsPending++
			case "refused":
				f.SignOffsRefused++
			}
		}
		for _, o := range n.Objections {
			if o.AnsweredAt == nil {
				f.ObjectionsOpen++
			}
		}
		if key := Guard(a, f); key != "" {
			if key == "honour.err.notice_running" && n.NoticeFrom != nil {
				return errs.E(errs.Conflict, key, NoticeEnd(*n.NoticeFrom).In(clock.CST).Format("2006-01-02 15:04"))
			}
			return errs.E(errs.Conflict, key)
		}
		set, args := "state = ?, updated_at = ?", []any{string(tr.To), now.UnixMilli()}
		if tr.Reason {
			set += ", reason = ?"
			args = append(args, reason)
		}
		switch a {
		case ActReview:
			for _, d := range k.Departments {
				if _, err := tx.Exec(ctx, "INSERT INTO honour_signoffs (nomination_id, department, state) VALUES (?, ?, 'pending')", id, d); err != nil {
					return err
				}
			}
		case ActOpenNotice:
			set += ", notice_from = ?"
			args = append(args, now.UnixMilli())
		case ActAward:
			day := now.In(clock.CST)
			set += ", awarded_on = ?"
			args = append(args, day.Format(time.DateOnly))
			if k.TermYears > 0 {
				set += ", expires_on = ?"
				args = append(args, day.AddDate(k.TermYears, 0, 0).Format(time.DateOnly))
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET "+set+" WHERE id = ?", append(args, id)...); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: string(a), Entity: "honour_nomination", EntityID: audit.ID(id), Summary: n.Nominee + " " + reason},
			map[string]any{"state": n.State}, map[string]any{"state": tr.To, "reason": reason})
	})
}

// SignOff answers a department's sign-off: the answerer holds
// honour.signoff and belongs to the department's unit (DeptUnits). A
// refusal stops the nomination in review.
func (s *Service) SignOff(ctx context.Context, p *auth.Principal, id int64, dept string, approve bool, note string) error {
	if err := auth.Require(p, auth.PermHonourSignoff); err != nil {
		return err
	}
	note = clean(note)
	if !approve && note == "" {
		return fieldErr("note", "honour.err.refusal_reason")
	}
	if len([]rune(note)) > 500 {
		return fieldErr("note", "field.too_long", 500)
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		code, ok := DeptUnits[dept]
		if !ok {
			return fieldErr("department", "field.bad_choice")
		}
		var unit string
		if err := tx.Get(ctx, "entity.unit", "SELECT code FROM units WHERE id = ?", []any{p.UnitID}, &unit); err != nil || unit != code {
			return errs.E(errs.Forbidden, "honour.err.not_your_department")
		}
		var state, nstate, nominee string
		if err := tx.Get(ctx, "entity.nomination", `SELECT so.state, n.state, n.nominee FROM honour_signoffs so JOIN honour_nominations n ON n.id = so.nomination_id
			WHERE so.nomination_id = ? AND so.department = ?`, []any{id, dept}, &state, &nstate, &nominee); err != nil {
			return err
		}
		if state != "pending" || State(nstate) != StateReview {
			return errs.E(errs.Conflict, "honour.err.signed")
		}
		to := "approved"
		if !approve {
			to = "refused"
		}
		if _, err := tx.Exec(ctx, "UPDATE honour_signoffs SET state = ?, note = ?, answered_by = ?, answered_at = ? WHERE nomination_id = ? AND department = ?",
			to, note, p.UserID, now.UnixMilli(), id, dept); err != nil {
			return err
		}
		if !approve {
			if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET state = 'refused', reason = ?, updated_at = ? WHERE id = ?",
				"["+dept+"] "+note, now.UnixMilli(), id); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "sign_off", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: dept + " " + to},
			map[string]any{"department": dept, "state": "pending"}, map[string]any{"department": dept, "state": to, "note": note})
	})
}

// Vote counts a public ballot: one per phone per nomination per day (CST)
// and at most VotesPerAddressPerHour from one address, both checked in the
// transaction (the primary key refuses a twin from another instance).
func (s *Service) Vote(ctx context.Context, id int64, phone, ip string) error {
	phone, _ = pii.NormalisePhone(phone)
	now := s.Clock.Now()
	day := now.In(clock.CST).Format(time.DateOnly)
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var state string
		var consent bool
		if err := tx.Get(ctx, "entity.nomination", "SELECT state, consent FROM honour_nominations WHERE id = ?", []any{id}, &state, &consent); err != nil {
			return err
		}
		if State(state) != StateVoting || !consent {
			return errs.NotFoundf("entity.nomination")
		}
		c := VoteCheck{PhoneValid: pii.ValidPhone(phone)}
		if c.PhoneValid {
			n, err := tx.Count(ctx, "SELECT COUNT(*) FROM honour_votes WHERE nomination_id = ? AND phone = ? AND day = ?", id, phone, day)
			if err != nil {
				return err
			}
			c.PhoneVotedToday = int(n)
		}
		n, err := tx.Count(ctx, "SELECT COUNT(*) FROM honour_votes WHERE ip = ? AND at > ?", ip, now.Add(-time.Hour).UnixMilli())
		if err != nil {
			return err
		}
		c.AddressVotesInHour = int(n)
		switch key := RefuseVote(c); key {
		case "":
		case "honour.err.vote_phone":
			return fieldErr("phone", key)
		case "honour.err.vote_rate":
			return errs.Wait(time.Hour, key)
		default:
			return errs.E(errs.Conflict, key)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO honour_votes (nomination_id, phone, day, ip, at) VALUES (?, ?, ?, ?, ?)", id, phone, day, ip, now.UnixMilli()); err != nil {
			if errs.CodeOf(err) == errs.Conflict {
				return errs.E(errs.Conflict, "honour.err.vote_duplicate")
			}
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE honour_nominations SET votes = votes + 1 WHERE id = ?", id)
		return err
	})
}

// JuryMark is one juror's mark on one criterion of JuryScheme.
type JuryMark struct {
	Criterion string
	Value     scoring.Cents
}

// ScoreJury stores a juror's marks on a nomination in the jury and
// recomputes its jury total (internal/scoring over every juror's marks).
func (s *Service) ScoreJury(ctx context.Context, p *auth.Principal, id int64, marks []JuryMark) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	var f errs.Fields
	seen := map[string]bool{}
	for _, m := range marks {
		if ps := JuryScheme.CheckMark(scoring.Mark{Criterion: m.Criterion, Kind: "jury", Value: m.Value}); ps != nil {
			f.Add("j."+m.Criterion, ps[0].Key)
		}
		seen[m.Criterion] = true
	}
	for _, c := range JuryScheme.Criteria {
		f.Check(seen[c.Code], "j."+c.Code, "field.required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := get(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if n.State != StateJury {
			return errs.E(errs.Conflict, "honour.err.not_now")
		}
		for _, m := range marks {
			if _, err := tx.Exec(ctx, "DELETE FROM honour_jury WHERE nomination_id = ? AND juror_id = ? AND criterion = ?", id, p.UserID, m.Criterion); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO honour_jury (nomination_id, juror_id, criterion, value) VALUES (?, ?, ?, ?)", id, p.UserID, m.Criterion, int64(m.Value)); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "SELECT juror_id, criterion, value FROM honour_jury WHERE nomination_id = ?", id)
		if err != nil {
			return err
		}
		sub := scoring.Subject{Code: strconv.FormatInt(id, 10)}
		for rows.Next() {
			var juror int64
			var m scoring.Mark
			if err := rows.Scan(&juror, &m.Criterion, &m.Value); err != nil {
				rows.Close()
				return err
			}
			m.Kind, m.Scorer = "jury", strconv.FormatInt(juror, 10)
			sub.Marks = append(sub.Marks, m)
		}
		rows.Close()
		total := JuryScheme.Score(sub).Total
		if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET jury_total = ?, updated_at = ? WHERE id = ?", int64(total), now.UnixMilli(), id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "jury", Entity: "honour_nomination", EntityID: audit.ID(id), Summary: total.String()}, nil, marks)
	})
}

// Object files a public objection during the notice.
func (s *Service) Object(ctx context.Context, id int64, text, contact string) error {
	text, contact = clean(text), clean(contact)
	var f errs.Fields
	f.Check(len([]rune(text)) >= 5, "text", "honour.err.objection_short", 5)
	f.Check(len([]rune(text)) <= 1000, "text", "field.too_long", 1000)
	f.Check(len([]rune(contact)) <= 50, "contact", "field.too_long", 50)
	if err := f.Err(); err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var state string
		if err := tx.Get(ctx, "entity.nomination", "SELECT state FROM honour_nominations WHERE id = ? AND consent = TRUE", []any{id}, &state); err != nil {
			return err
		}
		if State(state) != StateNotice {
			return errs.E(errs.Conflict, "honour.err.not_in_notice")
		}
		_, err := tx.Exec(ctx, "INSERT INTO honour_objections (nomination_id, text, contact, filed_at) VALUES (?, ?, ?, ?)", id, text, contact, now.UnixMilli())
		return err
	})
}

// AnswerObjection answers an objection; an upheld one stops the notice
// (the nomination is refused with the answer as its reason).
func (s *Service) AnswerObjection(ctx context.Context, p *auth.Principal, objID int64, upheld bool, answer string) error {
	if err := auth.Require(p, auth.PermHonourManage); err != nil {
		return err
	}
	answer = clean(answer)
	if answer == "" {
		return fieldErr("answer", "field.required")
	}
	now := s.Clock.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		var nid int64
		var answered *int64
		if err := tx.Get(ctx, "entity.objection", "SELECT nomination_id, answered_at FROM honour_objections WHERE id = ?", []any{objID}, &nid, &answered); err != nil {
			return err
		}
		n, err := get(ctx, tx, p, nid)
		if err != nil {
			return errs.NotFoundf("entity.objection")
		}
		if answered != nil || n.State != StateNotice {
			return errs.E(errs.Conflict, "honour.err.objection_answered")
		}
		if _, err := tx.Exec(ctx, "UPDATE honour_objections SET answer = ?, upheld = ?, answered_by = ?, answered_at = ? WHERE id = ?",
			answer, upheld, p.UserID, now.UnixMilli(), objID); err != nil {
			return err
		}
		if upheld {
			if _, err := tx.Exec(ctx, "UPDATE honour_nominations SET state = 'refused', reason = ?, updated_at = ? WHERE id = ?", answer, now.UnixMilli(), nid); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, p, now, audit.Entry{Action: "answer_objection", Entity: "honour_nomination", EntityID: audit.ID(nid), Summary: answer},
			nil, map[string]any{"objection": objID, "upheld": upheld, "answer": answer})
	})
}

func cstDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, clock.CST)
	return t, err == nil
}
