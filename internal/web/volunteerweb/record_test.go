package volunteerweb_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
)

// TestRecordEntries: the organiser writes a training on a volunteer's
// record (a bad one is refused field by field), and the volunteer sees
// their training, honours and evaluations on their own page.
func TestRecordEntries(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		vid := e.Count(t, "SELECT v.id FROM volunteers v JOIN users u ON u.id = v.user_id WHERE u.username = 'volunteer'")
		o := e.Login(t, "organiser")
		path := "/volunteers/" + apptest.Itoa(vid)
		apptest.Want(t, "page", o.Get(path), http.StatusOK, "培训、表彰与评价", "优秀志愿者")
		apptest.Want(t, "bad", o.PostForm(path+"/record", url.Values{"kind": {"training"}, "day": {"2026-13-01"}, "title": {""}}), http.StatusBadRequest, "必填")
		good := url.Values{"kind": {"training"}, "day": {"2026-11-20"}, "title": {"垃圾分类指导员培训"}, "issuer": {"志愿服务联合会"}}
		if res := o.PostForm(path+"/record", good); res.Status != http.StatusSeeOther {
			t.Fatalf("add: %d %s", res.Status, res.Body)
		}
		apptest.Want(t, "own page", e.Login(t, "volunteer").Get("/my/volunteer"), http.StatusOK, "垃圾分类指导员培训", "表彰奖励")
		apptest.Want(t, "a volunteer cannot write", e.Login(t, "volunteer").PostForm(path+"/record", good), http.StatusForbidden)
	})
}
