package grassroots

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/photo"
)

// Campaign is a named programme (一学三促) of a region.
type Campaign struct {
	ID           int64        `json:"id"`
	RegionID     int64        `json:"region_id"`
	RegionPath   string       `json:"region_path"`
	RegionName   string       `json:"region_name"`
	RegionNameEN string       `json:"region_name_en"`
	Name         string       `json:"name"`
	Topics       []string     `json:"topics"`
	StartsOn     string       `json:"starts_on"`
	EndsOn       string       `json:"ends_on"`
	Rule         DispatchRule `json:"rule"`
	Meetings     int          `json:"meetings"`
	Audience     int64        `json:"audience"`
	Cadres       int          `json:"cadres"`
}

// CampaignInput is a new campaign.
type CampaignInput struct {
	RegionID int64        `json:"region_id"`
	Name     string       `json:"name"`
	Topics   string       `json:"topics"` // one per line
	StartsOn string       `json:"starts_on"`
	EndsOn   string       `json:"ends_on"`
	Rule     DispatchRule `json:"rule"`
}

// Venue is where meetings are held, with its size.
type Venue struct {
	ID           int64  `json:"id"`
	RegionName   string `json:"region_name"`
	RegionNameEN string `json:"region_name_en"`
	Name         string `json:"name"`
	Capacity     int    `json:"capacity"`
}

// Meeting is an outreach meeting (宣讲).
type Meeting struct {
	ID           int64  `json:"id"`
	CampaignID   int64  `json:"campaign_id"`
	VenueID      int64  `json:"venue_id"`
	Venue        string `json:"venue"`
	RegionName   string `json:"region_name"`
	RegionNameEN string `json:"region_name_en"`
	Topic        string `json:"topic"`
	Speakers     string `json:"speakers"`
	HeldOn       string `json:"held_on"`
	Audience     int    `json:"audience"`
	PhotoID      int64  `json:"photo_id"`
}

// MeetingInput is a new meeting.
type MeetingInput struct {
	CampaignID int64   `json:"campaign_id"`
	VenueID    int64   `json:"venue_id"`
	Topic      string  `json:"topic"`
	Speakers   string  `json:"speakers"`
	HeldOn     string  `json:"held_on"`
	Audience   int     `json:"audience"`
	SpeakerIDs []int64 `json:"speaker_ids"` // the dispatched cadres among the speakers
	Photo      *photo.Prepared
}

// Cadre is an official who can be sent to villages.
type Cadre struct {
	ID           int64  `json:"id"`
	RegionName   string `json:"region_name"`
	RegionNameEN string `json:"region_name_en"`
	Name         string `json:"name"`
	Rank         string `json:"rank"`
	Unit         string `json:"unit"`
	Villages     int    `json:"villages"`
}

// Dispatch is a cadre sent to a village for a campaign period.
type Dispatch struct {
	ID        int64  `json:"id"`
	CadreID   int64  `json:"cadre_id"`
	Cadre     string `json:"cadre"`
	Rank      string `json:"rank"`
	RegionID  int64  `json:"region_id"`
	Village   string `json:"village"`
	VillageEN string `json:"village_en"`
	StartsOn  string `json:"starts_on"`
	EndsOn    string `json:"ends_on"`
}

func (in *CampaignInput) validate(f *errs.Fields) {
	in.Name, in.StartsOn, in.EndsOn = strings.TrimSpace(in.Name), strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)
	checkLen(f, "name", in.Name, 100, true)
	checkLen(f, "topics", in.Topics, 2000, false)
	f.Check(in.RegionID > 0, "region_id", "field.required")
	f.Check(validDay(in.StartsOn), "starts_on", "field.bad_date")
	if !validDay(in.EndsOn) {
		f.Add("ends_on", "field.bad_date")
	} else if in.EndsOn < in.StartsOn {
		f.Add("ends_on", "grassroots.err.end_before_start")
	}
	if !in.Rule.valid() {
		f.Add("max_section", "grassroots.err.bad_rule")
	}
}

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// CreateCampaign creates a campaign of a region in the caller's scope.
func (s *Service) CreateCampaign(ctx context.Context, p *auth.Principal, in CampaignInput) (Campaign, error) {
	if err := canRead(p); err != nil {
		return Campaign{}, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createCampaign(ctx, tx, p, in)
		return err
	})
	if err != nil {
		return Campaign{}, err
	}
	return s.GetCampaign(ctx, p, id)
}

func (s *Service) createCampaign(ctx context.Context, tx *db.Tx, p *auth.Principal, in CampaignInput) (int64, error) {
	var f errs.Fields
	in.validate(&f)
	path, err := s.checkRegion(ctx, tx, p, in.RegionID, &f, "region_id", "")
	if err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_campaigns (region_id, region_path, name, topics, starts_on, ends_on, min_county, min_section, max_section, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.RegionID, path, in.Name, strings.Join(splitLines(in.Topics), "\n"), in.StartsOn, in.EndsOn,
		in.Rule.MinCounty, in.Rule.MinSection, in.Rule.MaxSection, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "campaign", id, in.Name, nil, in)
}

// checkRegion reads a region in p's scope for a field (level "" for any).
func (s *Service) checkRegion(ctx context.Context, tx *db.Tx, p *auth.Principal, id int64, f *errs.Fields, field, level string) (string, error) {
	if id <= 0 {
		return "", nil
	}
	lv, path, _, err := regionOf(ctx, tx, p, id)
	switch {
	case errs.Is(err, errs.NotFound):
		f.Add(field, "field.bad_choice")
	case err != nil:
		return "", err
	case level != "" && lv != level:
		f.Add(field, "grassroots.err.not_village")
	}
	return path, nil
}

const campaignCols = `c.id, c.region_id, c.region_path, r.name, r.name_en, c.name, c.topics, c.starts_on, c.ends_on, c.min_county, c.min_section, c.max_section,
	(SELECT COUNT(*) FROM gr_meetings m WHERE m.campaign_id = c.id), (SELECT COALESCE(SUM(m.audience), 0) FROM gr_meetings m WHERE m.campaign_id = c.id),
	(SELECT COUNT(DISTINCT x.cadre_id) FROM gr_dispatches x WHERE x.campaign_id = c.id)`

func scanCampaign(sc interface{ Scan(...any) error }) (Campaign, error) {
	var c Campaign
	var topics string
	err := sc.Scan(&c.ID, &c.RegionID, &c.RegionPath, &c.RegionName, &c.RegionNameEN, &c.Name, &topics, &c.StartsOn, &c.EndsOn, &c.Rule.MinCounty,
		&c.Rule.MinSection, &c.Rule.MaxSection, &c.Meetings, &c.Audience, &c.Cadres)
	c.Topics = splitLines(topics)
	return c, err
}

// Campaigns lists the campaigns whose region is in the caller's scope or
// above it (a grid worker sees the county's campaign).
func (s *Service) Campaigns(ctx context.Context, p *auth.Principal) ([]Campaign, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Campaign
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+campaignCols+" FROM gr_campaigns c JOIN regions r ON r.id = c.region_id ORDER BY c.starts_on DESC, c.id DESC LIMIT 200")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCampaign(rows)
			if err != nil {
				return err
			}
			if campaignVisible(p, c.RegionPath) {
				out = append(out, c)
			}
		}
		return rows.Err()
	})
	return out, err
}

// campaignVisible: the campaign's region is in the scope, or one of the
// scope's regions lies inside the campaign's region.
func campaignVisible(p *auth.Principal, path string) bool {
	if p == nil || p.Scope.All || p.Scope.Contains(path, "", 0) {
		return true
	}
	for _, rp := range p.Scope.RegionPaths {
		if strings.HasPrefix(rp, path) {
			return true
		}
	}
	return false
}

// GetCampaign returns a campaign visible to the caller.
func (s *Service) GetCampaign(ctx context.Context, p *auth.Principal, id int64) (Campaign, error) {
	if err := canRead(p); err != nil {
		return Campaign{}, err
	}
	var c Campaign
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+campaignCols+" FROM gr_campaigns c JOIN regions r ON r.id = c.region_id WHERE c.id = ?", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return err
			}
			return errs.NotFoundf("entity.campaign")
		}
		if c, err = scanCampaign(rows); err != nil {
			return err
		}
		if !campaignVisible(p, c.RegionPath) {
			return errs.NotFoundf("entity.campaign")
		}
		return nil
	})
	return c, err
}

// CreateVenue adds a venue in a region of the caller's scope.
func (s *Service) CreateVenue(ctx context.Context, p *auth.Principal, regionID int64, name string, capacity int) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createVenue(ctx, tx, p, regionID, name, capacity)
		return err
	})
	return id, err
}

func (s *Service) createVenue(ctx context.Context, tx *db.Tx, p *auth.Principal, regionID int64, name string, capacity int) (int64, error) {
	name = strings.TrimSpace(name)
	var f errs.Fields
	checkLen(&f, "name", name, 100, true)
	f.Check(regionID > 0, "region_id", "field.required")
	if capacity <= 0 || capacity > 100000 {
		f.Add("capacity", "field.out_of_range", 1, 100000)
	}
	path, err := s.checkRegion(ctx, tx, p, regionID, &f, "region_id", "")
	if err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, "INSERT INTO gr_venues (region_id, region_path, name, capacity, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
		regionID, path, name, capacity, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "venue", id, name, nil, map[string]any{"capacity": capacity})
}

// Venues lists the venues of the caller's scope.
func (s *Service) Venues(ctx context.Context, p *auth.Principal) ([]Venue, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Venue
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "v.region_path")
		rows, err := tx.Query(ctx, "SELECT v.id, r.name, r.name_en, v.name, v.capacity FROM gr_venues v JOIN regions r ON r.id = v.region_id WHERE "+w+
			" ORDER BY v.region_path, v.name LIMIT 2000", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v Venue
			if err := rows.Scan(&v.ID, &v.RegionName, &v.RegionNameEN, &v.Name, &v.Capacity); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// LogMeeting records an outreach meeting; the audience may not exceed the
// venue's capacity.
func (s *Service) LogMeeting(ctx context.Context, p *auth.Principal, in MeetingInput) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	var staged *photo.Staged
	if in.Photo != nil && s.Photos != nil {
		var err error
		if staged, err = s.Photos.Stage(ctx, []*photo.Prepared{in.Photo}); err != nil {
			return 0, err
		}
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var photoID int64
		if staged != nil {
			ids, err := staged.Commit(ctx, tx, p.UserID)
			if err != nil {
				return err
			}
			photoID = ids[0]
		}
		var err error
		id, err = s.logMeeting(ctx, tx, p, in, photoID)
		return err
	})
	if staged != nil {
		if ferr := staged.Finish(context.WithoutCancel(ctx), err == nil); ferr != nil && err == nil {
			err = ferr
		}
	}
	return id, err
}

func (s *Service) logMeeting(ctx context.Context, tx *db.Tx, p *auth.Principal, in MeetingInput, photoID int64) (int64, error) {
	in.Topic, in.Speakers, in.HeldOn = strings.TrimSpace(in.Topic), strings.TrimSpace(in.Speakers), strings.TrimSpace(in.HeldOn)
	var f errs.Fields
	checkLen(&f, "topic", in.Topic, 200, true)
	checkLen(&f, "speakers", in.Speakers, 200, true)
	f.Check(validDay(in.HeldOn), "held_on", "field.bad_date")
	if in.Audience < 0 {
		f.Add("audience", "field.out_of_range", 0, 100000)
	}
	var path string
	if in.VenueID <= 0 {
		f.Add("venue_id", "field.required")
	} else {
		var capacity int
		w, args := scopeWhere(p, "region_path")
		err := tx.Get(ctx, "entity.venue", "SELECT region_path, capacity FROM gr_venues WHERE id = ? AND "+w, append([]any{in.VenueID}, args...), &path, &capacity)
		if errs.Is(err, errs.NotFound) {
			f.Add("venue_id", "field.bad_choice")
		} else if err != nil {
			return 0, err
		} else if in.Audience > capacity {
			f.Add("audience", "grassroots.err.over_capacity", capacity)
		}
	}
	var campaign any
	if in.CampaignID > 0 {
		var start, end, cpath string
		err := tx.Get(ctx, "entity.campaign", "SELECT starts_on, ends_on, region_path FROM gr_campaigns WHERE id = ?", []any{in.CampaignID}, &start, &end, &cpath)
		if errs.Is(err, errs.NotFound) || (err == nil && !campaignVisible(p, cpath)) {
			f.Add("campaign_id", "field.bad_choice")
		} else if err != nil {
			return 0, err
		} else if in.HeldOn != "" && (in.HeldOn < start || in.HeldOn > end) {
			f.Add("held_on", "grassroots.err.outside_campaign", start, end)
		}
		campaign = in.CampaignID
	}
	speakers, err := checkCadres(ctx, tx, p, in.SpeakerIDs, "speaker_ids", &f)
	if err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	var by any
	if p != nil {
		by = p.UserID
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_meetings (campaign_id, venue_id, region_path, topic, speakers, held_on, audience, photo_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, campaign, in.VenueID, path, in.Topic, in.Speakers, in.HeldOn, in.Audience, nullID(photoID), by, now.UnixMilli())
	if err != nil {
		return 0, err
	}
	if err := linkCadres(ctx, tx, "gr_meeting_speakers", "meeting_id", id, speakers); err != nil {
		return 0, err
	}
	if p == nil {
		return id, nil // the demo's bulk rows: no audit entry each
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "meeting", id, in.Topic, nil, map[string]any{"audience": in.Audience, "held_on": in.HeldOn})
}

// Meetings lists a campaign's meetings in the caller's scope (0: all).
func (s *Service) Meetings(ctx context.Context, p *auth.Principal, campaignID int64) ([]Meeting, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	if campaignID > 0 {
		return s.meetingsWhere(ctx, p, "m.campaign_id = ?", campaignID)
	}
	return s.meetingsWhere(ctx, p, "1=1")
}

// meetingsWhere lists the meetings in the caller's scope that cond holds for.
func (s *Service) meetingsWhere(ctx context.Context, p *auth.Principal, cond string, condArgs ...any) ([]Meeting, error) {
	var out []Meeting
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "m.region_path")
		w, args = w+" AND "+cond, append(args, condArgs...)
		rows, err := tx.Query(ctx, `SELECT m.id, COALESCE(m.campaign_id, 0), m.venue_id, v.name, r.name, r.name_en, m.topic, m.speakers, m.held_on, m.audience, COALESCE(m.photo_id, 0)
			FROM gr_meetings m JOIN gr_venues v ON v.id = m.venue_id JOIN regions r ON r.id = v.region_id WHERE `+w+` ORDER BY m.held_on DESC, m.id DESC LIMIT 500`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Meeting
			if err := rows.Scan(&m.ID, &m.CampaignID, &m.VenueID, &m.Venue, &m.RegionName, &m.RegionNameEN, &m.Topic, &m.Speakers, &m.HeldOn, &m.Audience, &m.PhotoID); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// CreateCadre adds a cadre serving a region.
func (s *Service) CreateCadre(ctx context.Context, p *auth.Principal, regionID int64, name, rank, unit string) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	var id int64
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		id, err = s.createCadre(ctx, tx, p, regionID, name, rank, unit)
		return err
	})
	return id, err
}

func (s *Service) createCadre(ctx context.Context, tx *db.Tx, p *auth.Principal, regionID int64, name, rank, unit string) (int64, error) {
	name, unit = strings.TrimSpace(name), strings.TrimSpace(unit)
	var f errs.Fields
	checkLen(&f, "name", name, MaxNameLen, true)
	checkLen(&f, "unit", unit, 100, false)
	if !slices.Contains(Ranks, rank) {
		f.Add("rank", "field.bad_choice")
	}
	f.Check(regionID > 0, "region_id", "field.required")
	path, err := s.checkRegion(ctx, tx, p, regionID, &f, "region_id", "")
	if err != nil {
		return 0, err
	}
	if err := f.Err(); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, "INSERT INTO gr_cadres (region_id, region_path, name, rank, unit_name, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		regionID, path, name, rank, unit, now.UnixMilli())
	if err != nil || p == nil {
		return id, err
	}
	return id, record(ctx, tx, p, now, audit.ActionCreate, "cadre", id, name, nil, map[string]any{"rank": rank, "unit": unit})
}

// Cadres lists the cadres of the caller's scope.
func (s *Service) Cadres(ctx context.Context, p *auth.Principal) ([]Cadre, error) {
	if err := canRead(p); err != nil {
		return nil, err
	}
	var out []Cadre
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "c.region_path")
		rows, err := tx.Query(ctx, `SELECT c.id, r.name, r.name_en, c.name, c.rank, c.unit_name, (SELECT COUNT(DISTINCT x.region_id) FROM gr_dispatches x WHERE x.cadre_id = c.id)
			FROM gr_cadres c JOIN regions r ON r.id = c.region_id WHERE `+w+` ORDER BY c.rank, c.name, c.id LIMIT 2000`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Cadre
			if err := rows.Scan(&c.ID, &c.RegionName, &c.RegionNameEN, &c.Name, &c.Rank, &c.Unit, &c.Villages); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// DispatchCadre sends a cadre to a village (community) for the campaign.
func (s *Service) DispatchCadre(ctx context.Context, p *auth.Principal, campaignID, cadreID, villageID int64, start, end string) error {
	if err := canRead(p); err != nil {
		return err
	}
	c, err := s.GetCampaign(ctx, p, campaignID)
	if err != nil {
		return err
	}
	return s.DB.Write(ctx, func(tx *db.Tx) error { return s.dispatch(ctx, tx, p, c, cadreID, villageID, start, end) })
}

func (s *Service) dispatch(ctx context.Context, tx *db.Tx, p *auth.Principal, c Campaign, cadreID, villageID int64, start, end string) error {
	var f errs.Fields
	if start == "" {
		start = c.StartsOn
	}
	if end == "" {
		end = c.EndsOn
	}
	if !validDay(start) || start < c.StartsOn || start > c.EndsOn {
		f.Add("starts_on", "grassroots.err.outside_campaign", c.StartsOn, c.EndsOn)
	}
	if !validDay(end) || end < start || end > c.EndsOn {
		f.Add("ends_on", "grassroots.err.outside_campaign", c.StartsOn, c.EndsOn)
	}
	path, err := s.checkRegion(ctx, tx, p, villageID, &f, "region_id", "community")
	if err != nil {
		return err
	}
	if path != "" && !strings.HasPrefix(path, c.RegionPath) {
		f.Add("region_id", "grassroots.err.outside_campaign_region")
	}
	var cpath string
	w, args := scopeWhere(p, "region_path")
	if err := tx.Get(ctx, "entity.cadre", "SELECT region_path FROM gr_cadres WHERE id = ? AND "+w, append([]any{cadreID}, args...), &cpath); errs.Is(err, errs.NotFound) {
		f.Add("cadre_id", "field.bad_choice")
	} else if err != nil {
		return err
	}
	if err := f.Err(); err != nil {
		return err
	}
	n, err := tx.Count(ctx, "SELECT COUNT(*) FROM gr_dispatches WHERE campaign_id = ? AND cadre_id = ? AND region_id = ?", c.ID, cadreID, villageID)
	if err != nil {
		return err
	}
	if n > 0 {
		return fieldErr("cadre_id", "grassroots.err.already_dispatched")
	}
	now := s.Clock.Now()
	id, err := tx.InsertID(ctx, `INSERT INTO gr_dispatches (campaign_id, cadre_id, region_id, region_path, starts_on, ends_on, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, c.ID, cadreID, villageID, path, start, end, now.UnixMilli())
	if err != nil || p == nil {
		return err
	}
	return record(ctx, tx, p, now, audit.ActionCreate, "dispatch", id, c.Name, nil, map[string]any{"cadre_id": cadreID, "region_id": villageID})
}

// Dispatches lists a campaign's dispatches.
func (s *Service) Dispatches(ctx context.Context, p *auth.Principal, campaignID int64) ([]Dispatch, error) {
	if _, err := s.GetCampaign(ctx, p, campaignID); err != nil {
		return nil, err
	}
	var out []Dispatch
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "x.region_path")
		rows, err := tx.Query(ctx, `SELECT x.id, x.cadre_id, c.name, c.rank, x.region_id, r.name, r.name_en, x.starts_on, x.ends_on FROM gr_dispatches x
			JOIN gr_cadres c ON c.id = x.cadre_id JOIN regions r ON r.id = x.region_id WHERE x.campaign_id = ? AND `+w+
			` ORDER BY x.region_path, c.rank, c.name LIMIT 5000`, append([]any{campaignID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d Dispatch
			if err := rows.Scan(&d.ID, &d.CadreID, &d.Cadre, &d.Rank, &d.RegionID, &d.Village, &d.VillageEN, &d.StartsOn, &d.EndsOn); err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// CoverageCheck counts each village of the campaign's region (in the
// caller's scope) by rank and lists those that break the campaign's rule.
func (s *Service) CoverageCheck(ctx context.Context, p *auth.Principal, campaignID int64) ([]VillageCount, []Breach, error) {
	c, err := s.GetCampaign(ctx, p, campaignID)
	if err != nil {
		return nil, nil, err
	}
	var vs []VillageCount
	err = s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "r.path")
		rows, err := tx.Query(ctx, `SELECT r.id, r.name, r.name_en,
			(SELECT COUNT(DISTINCT x.cadre_id) FROM gr_dispatches x JOIN gr_cadres k ON k.id = x.cadre_id WHERE x.campaign_id = ? AND x.region_id = r.id AND k.rank = 'county'),
			(SELECT COUNT(DISTINCT x.cadre_id) FROM gr_dispatches x JOIN gr_cadres k ON k.id = x.cadre_id WHERE x.campaign_id = ? AND x.region_id = r.id AND k.rank = 'section'),
			(SELECT COUNT(DISTINCT x.cadre_id) FROM gr_dispatches x JOIN gr_cadres k ON k.id = x.cadre_id WHERE x.campaign_id = ? AND x.region_id = r.id AND k.rank = 'staff')
			FROM regions r WHERE r.level = 'community' AND r.path LIKE ? AND `+w+` ORDER BY r.path`, append([]any{c.ID, c.ID, c.ID, c.RegionPath + "%"}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v VillageCount
			if err := rows.Scan(&v.RegionID, &v.Name, &v.NameEN, &v.County, &v.Section, &v.Staff); err != nil {
				return err
			}
			vs = append(vs, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	return vs, c.Rule.Check(vs), nil
}

var _ = time.DateOnly

// MeetingPhoto is the photo of a meeting in the caller's scope (0: none).
func (s *Service) MeetingPhoto(ctx context.Context, p *auth.Principal, id int64) (int64, error) {
	if err := canRead(p); err != nil {
		return 0, err
	}
	var photoID int64
	err := s.DB.Read(ctx, func(tx *db.Tx) error {
		w, args := scopeWhere(p, "region_path")
		return tx.Get(ctx, "entity.meeting", "SELECT COALESCE(photo_id, 0) FROM gr_meetings WHERE id = ? AND "+w, append([]any{id}, args...), &photoID)
	})
	return photoID, err
}
