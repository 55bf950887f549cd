package auditweb_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/workorder"
)

// TestAuditLogNamesWorkOrderStepsInTheReadersLanguage proves a work-order
// step reads in words on the audit page and in its workbook: the action's
// name (受理, not workorder.accept) and the states it moved between (待受理 →
// 已受理, not submitted → accepted), and in English in English.
func TestAuditLogNamesWorkOrderStepsInTheReadersLanguage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		lat, lng := 29.5646, 103.7626
		sub, err := e.App.Orders.SubmitPublic(context.Background(), workorder.PublicReport{SubmitInput: workorder.SubmitInput{
			Channel: workorder.ChannelSnap, CategoryID: e.ID(t, "workorder_categories", "code", "STREET_VENDING"),
			Description: "人行道上有流动摊贩占道经营，行人只能走到机动车道上", Lat: &lat, Lng: &lng, IP: "198.51.100.20"}})
		if err != nil {
			t.Fatal(err)
		}
		disp := e.API(t, "dispatcher")
		if res := disp.JSON("POST", "/api/v1/workorders/"+strconv.FormatInt(sub.ID, 10)+"/actions/accept", map[string]any{}); res.Status != http.StatusOK {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		admin := e.Login(t, "admin")
		page := admin.Get("/audit?entity=workorder")
		apptest.Want(t, "audit list in Chinese", page, http.StatusOK, "受理", sub.Code+" 待受理 → 已受理")
		for _, code := range []string{"workorder.accept", "submitted → accepted"} {
			if page.Contains(code) {
				t.Fatalf("the Chinese audit log shows the step's code %q", code)
			}
		}
		admin.Lang = "en"
		admin.PostForm("/lang", map[string][]string{"lang": {"en"}, "next": {"/audit"}})
		page = admin.Get("/audit?entity=workorder")
		apptest.Want(t, "audit list in English", page, http.StatusOK, ">Accept<", sub.Code+" Submitted → Accepted")
	})
}
