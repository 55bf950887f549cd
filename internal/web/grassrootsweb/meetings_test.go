package grassrootsweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/grassroots"
)

func TestAMeetingsAudienceIsCheckedAgainstItsVenueAndItsPhotoKept(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		admin := e.Login(t, "admin")
		campaign := apptest.Itoa(e.Count(t, "SELECT id FROM gr_campaigns WHERE name = ?", grassroots.DemoCampaignName))
		venue := e.Count(t, "SELECT MIN(id) FROM gr_venues")
		before := e.Count(t, "SELECT COUNT(*) FROM gr_meetings")
		vals := url.Values{"csrf": {admin.CSRF()}, "venue_id": {apptest.Itoa(venue)}, "topic": {"防返贫监测政策解读"}, "speakers": {"王建华"},
			"held_on": {"2026-11-20"}, "audience": {"151"}}
		res := e.PostMultipart(t, admin, "/grassroots/campaigns/"+campaign+"/meetings", vals)
		apptest.Want(t, "over capacity", res, http.StatusBadRequest, "超过场所可容纳人数（150 人）")
		vals.Set("held_on", "2027-01-05")
		vals.Set("audience", "120")
		apptest.Want(t, "outside the campaign", e.PostMultipart(t, admin, "/grassroots/campaigns/"+campaign+"/meetings", vals), http.StatusBadRequest,
			"须在活动期间")
		if n := e.Count(t, "SELECT COUNT(*) FROM gr_meetings"); n != before {
			t.Fatal("a refused meeting was saved")
		}
		vals.Set("held_on", "2026-11-20")
		res = e.PostMultipart(t, admin, "/grassroots/campaigns/"+campaign+"/meetings", vals, apptest.Upload{Name: "m.jpg", Data: apptest.SmallJPEG(t)})
		apptest.Want(t, "meeting", res, http.StatusSeeOther)
		id := e.Count(t, "SELECT MAX(id) FROM gr_meetings")
		apptest.Want(t, "campaign page", admin.Get("/grassroots/campaigns/"+campaign), http.StatusOK, `id="c-meetings">160<`, `id="c-audience">13,538<`)
		apptest.Want(t, "photo", admin.Get("/grassroots/meetings/"+apptest.Itoa(id)+"/photo"), http.StatusOK)
		apptest.Want(t, "photo outside the scope", e.Login(t, "grid").Get("/grassroots/meetings/"+apptest.Itoa(id)+"/photo"), http.StatusNotFound)
	})
}
