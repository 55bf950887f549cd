package grassrootsweb

import (
	"github.com/wenming-city/wenming/internal/clock"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/grassroots"
	"github.com/wenming-city/wenming/internal/org"
	"github.com/wenming-city/wenming/internal/photo"
	"github.com/wenming-city/wenming/internal/web"
)

type campaignsData struct {
	Rows    []grassroots.Campaign
	Regions []web.Choice
}

type campaignData struct {
	C          grassroots.Campaign
	Villages   []grassroots.VillageCount
	Breaches   []grassroots.Breach
	Meetings   []grassroots.Meeting
	Dispatches []grassroots.Dispatch
	Venues     []web.Option
	Cadres     []web.Option
	VillageOpt []web.Choice
	Tasks      []grassroots.Task
	TaskMoves  map[string][]string
	TasksDone  int
}

type cadreData struct {
	P grassroots.CadrePage
}

type peopleData struct {
	Cadres  []grassroots.CadreWork
	Venues  []grassroots.Venue
	Regions []web.Choice
	Ranks   []web.Option
}

func (s *Server) campaignRoutes() {
	s.Page("GET /grassroots/campaigns", s.campaignList)
	s.Page("POST /grassroots/campaigns", s.campaignCreate)
	s.Page("GET /grassroots/campaigns/{id}", s.campaignShow)
	s.Page("POST /grassroots/campaigns/{id}/meetings", s.meetingCreate)
	s.Page("POST /grassroots/campaigns/{id}/dispatches", s.dispatchCreate)
	s.Page("GET /grassroots/meetings/{id}/photo", s.meetingPhoto)
	s.Page("POST /grassroots/campaigns/{id}/tasks", s.taskCreate)
	s.Page("POST /grassroots/campaigns/{id}/tasks/{task}/state", s.taskMove)
	s.Page("GET /grassroots/cadres/{id}", s.cadreShow)
	s.Page("GET /grassroots/cadres", s.cadreList)
	s.Page("POST /grassroots/cadres", s.cadreCreate)
	s.Page("POST /grassroots/venues", s.venueCreate)
}

func (s *Server) campaignsView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.campaigns.title")
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &campaignsData{Regions: web.TreeChoices(v, opts)}
	if d.Rows, err = s.gr.Campaigns(r.Context(), p); err != nil {
		return nil, err
	}
	v.Form = url.Values{"min_county": {"1"}, "min_section": {"2"}, "max_section": {"3"}}
	v.Data = d
	return v, nil
}

func (s *Server) campaignList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_campaigns", func() (*web.View, error) { return s.campaignsView(w, r) })
}

func (s *Server) campaignCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_campaigns", "flash.created", func() (*web.View, error) { return s.campaignsView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.CampaignInput{RegionID: web.FormInt64(fe, vals, "region_id"), Name: vals.Get("name"), Topics: vals.Get("topics"),
				StartsOn: vals.Get("starts_on"), EndsOn: vals.Get("ends_on"), Rule: grassroots.DispatchRule{
					MinCounty: int(web.FormInt64(fe, vals, "min_county")), MinSection: int(web.FormInt64(fe, vals, "min_section")),
					MaxSection: int(web.FormInt64(fe, vals, "max_section"))}}
			if err := fe.Err(); err != nil {
				return "", err
			}
			c, err := s.gr.CreateCampaign(r.Context(), web.Principal(r), in)
			return "/grassroots/campaigns/" + web.I64s(c.ID), err
		})
}

func (s *Server) campaignOf(r *http.Request) (grassroots.Campaign, error) {
	id, err := web.PathID(r, "id", "entity.campaign")
	if err != nil {
		return grassroots.Campaign{}, err
	}
	return s.gr.GetCampaign(r.Context(), web.Principal(r), id)
}

func (s *Server) campaignView(w http.ResponseWriter, r *http.Request, c grassroots.Campaign) (*web.View, error) {
	p := web.Principal(r)
	ctx := r.Context()
	v := s.View(w, r, "gr.campaigns.view")
	d := &campaignData{C: c}
	var err error
	if d.Villages, d.Breaches, err = s.gr.CoverageCheck(ctx, p, c.ID); err != nil {
		return nil, err
	}
	if d.Meetings, err = s.gr.Meetings(ctx, p, c.ID); err != nil {
		return nil, err
	}
	if d.Dispatches, err = s.gr.Dispatches(ctx, p, c.ID); err != nil {
		return nil, err
	}
	venues, err := s.gr.Venues(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, x := range venues {
		d.Venues = append(d.Venues, web.Option{Value: web.I64s(x.ID), Label: x.RegionName + " · " + x.Name + " (" + strconv.Itoa(x.Capacity) + ")"})
	}
	cadres, err := s.gr.Cadres(ctx, p)
	if err != nil {
		return nil, err
	}
	for _, x := range cadres {
		d.Cadres = append(d.Cadres, web.Option{Value: web.I64s(x.ID), Label: x.Name + " · " + v.T("gr.rank."+x.Rank) + " · " + x.Unit})
	}
	if d.Tasks, err = s.gr.Tasks(ctx, p, c.ID); err != nil {
		return nil, err
	}
	for _, t := range d.Tasks {
		if t.State == "done" {
			d.TasksDone++
		}
	}
	d.TaskMoves = grassroots.TaskMoves
	for _, x := range d.Villages {
		d.VillageOpt = append(d.VillageOpt, web.Choice{Value: web.I64s(x.RegionID), Label: x.Name})
	}
	v.Form = url.Values{"held_on": {s.Now().In(cst()).Format("2006-01-02")}}
	v.Data = d
	return v, nil
}

func (s *Server) campaignShow(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOf(r)
	if err != nil {
		return err
	}
	return s.Show(w, r, "gr_campaign", func() (*web.View, error) { return s.campaignView(w, r, c) })
}

func (s *Server) meetingCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_campaign", "flash.created", func() (*web.View, error) { return s.campaignView(w, r, c) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.MeetingInput{CampaignID: c.ID, VenueID: web.FormInt64(fe, vals, "venue_id"), Topic: vals.Get("topic"),
				Speakers: vals.Get("speakers"), HeldOn: vals.Get("held_on"), Audience: int(web.FormInt64(fe, vals, "audience")),
				SpeakerIDs: formIDs(fe, vals, "speaker_ids")}
			if files := web.PhotoFiles(r); len(files) > 0 {
				ch, err := web.InspectPhoto(files[0])
				if err == nil {
					err = photo.CheckPixelBudget([]*photo.Checked{ch})
				}
				if err == nil {
					in.Photo, err = ch.Prepare(r.Context())
				}
				if err != nil {
					fe.Add("photos", "gr.err.photo_bad")
				}
			}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.LogMeeting(r.Context(), web.Principal(r), in)
			return "/grassroots/campaigns/" + web.I64s(c.ID), err
		})
}

func (s *Server) taskCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_campaign", "flash.created", func() (*web.View, error) { return s.campaignView(w, r, c) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			in := grassroots.TaskInput{Title: vals.Get("title"), OwnerID: web.FormInt64(fe, vals, "owner_id"), DueOn: vals.Get("due_on"), Note: vals.Get("note")}
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.CreateTask(r.Context(), web.Principal(r), c.ID, in)
			return "/grassroots/campaigns/" + web.I64s(c.ID) + "#tasks", err
		})
}

func (s *Server) taskMove(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOf(r)
	if err != nil {
		return err
	}
	task, err := web.PathID(r, "task", "entity.task")
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_campaign", "flash.saved", func() (*web.View, error) { return s.campaignView(w, r, c) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			err := s.gr.MoveTask(r.Context(), web.Principal(r), c.ID, task, vals.Get("state"))
			return "/grassroots/campaigns/" + web.I64s(c.ID) + "#tasks", err
		})
}

func (s *Server) cadreShow(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	id, err := web.PathID(r, "id", "entity.cadre")
	if err != nil {
		return err
	}
	return s.Show(w, r, "gr_cadre", func() (*web.View, error) {
		pg, err := s.gr.GetCadreWork(r.Context(), web.Principal(r), id)
		if err != nil {
			return nil, err
		}
		v := s.View(w, r, "gr.cadres.view")
		v.Data = &cadreData{P: pg}
		return v, nil
	})
}

func (s *Server) dispatchCreate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.campaignOf(r)
	if err != nil {
		return err
	}
	return s.Submit(w, r, "gr_campaign", "flash.created", func() (*web.View, error) { return s.campaignView(w, r, c) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			cadre, village := web.FormInt64(fe, vals, "cadre_id"), web.FormInt64(fe, vals, "region_id")
			if err := fe.Err(); err != nil {
				return "", err
			}
			err := s.gr.DispatchCadre(r.Context(), web.Principal(r), c.ID, cadre, village, vals.Get("starts_on"), vals.Get("ends_on"))
			return "/grassroots/campaigns/" + web.I64s(c.ID), err
		})
}

func (s *Server) peopleView(w http.ResponseWriter, r *http.Request) (*web.View, error) {
	p := web.Principal(r)
	v := s.View(w, r, "gr.cadres.title")
	opts, err := s.org.RegionOptions(r.Context(), p)
	if err != nil {
		return nil, err
	}
	d := &peopleData{Regions: web.TreeChoices(v, opts)}
	for _, k := range grassroots.Ranks {
		d.Ranks = append(d.Ranks, web.Option{Value: k, Label: v.T("gr.rank." + k)})
	}
	if d.Cadres, err = s.gr.CadresWork(r.Context(), p); err != nil {
		return nil, err
	}
	if d.Venues, err = s.gr.Venues(r.Context(), p); err != nil {
		return nil, err
	}
	v.Form = url.Values{}
	v.Data = d
	return v, nil
}

func (s *Server) cadreList(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Show(w, r, "gr_cadres", func() (*web.View, error) { return s.peopleView(w, r) })
}

func (s *Server) cadreCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_cadres", "flash.created", func() (*web.View, error) { return s.peopleView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			region := web.FormInt64(fe, vals, "region_id")
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.CreateCadre(r.Context(), web.Principal(r), region, vals.Get("name"), vals.Get("rank"), vals.Get("unit"))
			return "/grassroots/cadres", err
		})
}

func (s *Server) venueCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireGrid(r); err != nil {
		return err
	}
	return s.Submit(w, r, "gr_cadres", "flash.created", func() (*web.View, error) { return s.peopleView(w, r) },
		func(vals url.Values, fe *errs.Fields) (string, error) {
			region, capacity := web.FormInt64(fe, vals, "venue_region_id"), web.FormInt64(fe, vals, "capacity")
			if err := fe.Err(); err != nil {
				return "", err
			}
			_, err := s.gr.CreateVenue(r.Context(), web.Principal(r), region, vals.Get("venue_name"), int(capacity))
			if e := errs.As(err); e != nil && e.Fields != nil {
				// The venue form's fields carry a prefix on this page.
				for _, f := range []string{"name", "region_id"} {
					if fe2, ok := e.Fields[f]; ok {
						delete(e.Fields, f)
						e.Fields["venue_"+f] = fe2
					}
				}
			}
			return "/grassroots/cadres", err
		})
}

var _ = org.LevelCommunity

func cst() *time.Location { return clock.CST }

func (s *Server) meetingPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "entity.meeting")
	if err != nil {
		return err
	}
	pid, err := s.gr.MeetingPhoto(r.Context(), web.Principal(r), id)
	if err != nil {
		return err
	}
	if pid == 0 {
		return errs.NotFoundf("photo.entity")
	}
	return web.ServePhoto(w, r, s.gr.Photos, pid, photo.Public, "private, max-age=3600")
}
