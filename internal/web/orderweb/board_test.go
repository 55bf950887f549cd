package orderweb_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/apptest"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/pii"
	"github.com/wenming-city/wenming/internal/workorder"
)

// gpsJPEG is smallJPEG with an EXIF APP1 segment that holds a GPS position
// (lat, lng), as a phone camera writes it.
func gpsJPEG(t testing.TB, lat, lng float64) []byte {
	t.Helper()
	bo := binary.BigEndian
	var b []byte
	u16 := func(v uint16) { b = bo.AppendUint16(b, v) }
	u32 := func(v uint32) { b = bo.AppendUint32(b, v) }
	b = append(b, 'M', 'M')
	u16(42)
	u32(8)
	// IFD0: one entry, the GPS IFD pointer.
	u16(1)
	u16(0x8825)
	u16(4)
	u32(1)
	gpsIFD := uint32(8 + 2 + 12 + 4)
	u32(gpsIFD)
	u32(0)
	// GPS IFD: refs and the two coordinates as degrees, minutes, seconds.
	data := gpsIFD + 2 + 4*12 + 4
	u16(4)
	ref := func(tag uint16, c byte) {
		u16(tag)
		u16(2)
		u32(2)
		b = append(b, c, 0, 0, 0)
	}
	ref(1, 'N')
	u16(2)
	u16(5)
	u32(3)
	u32(data)
	ref(3, 'E')
	u16(4)
	u16(5)
	u32(3)
	u32(data + 24)
	u32(0)
	dms := func(v float64) {
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		s := (v - d - m/60) * 3600
		u32(uint32(d))
		u32(1)
		u32(uint32(m))
		u32(1)
		u32(uint32(math.Round(s * 10000)))
		u32(10000)
	}
	dms(lat)
	dms(lng)
	payload := append([]byte("Exif\x00\x00"), b...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	jpg := apptest.SmallJPEG(t)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// boardCase is a citizen's report with a geotagged photo, resolved by the
// city-management handler with an "after" photo (not yet verified).
type boardCase struct {
	id, before, after int64
	code              string
}

func newBoardCase(t *testing.T, e *apptest.Env) boardCase {
	t.Helper()
	ctx := context.Background()
	c := e.Anonymous(t)
	lat, lng := north(30)
	vals := reportForm(lat, lng)
	vals.Set("description", "我是王女士，电话 13800138000，嘉定北路人行道上有流动摊贩占道经营")
	vals.Set("csrf", c.CSRF())
	res := e.PostMultipart(t, c, "/report", vals, apptest.Upload{Name: "before.jpg", Data: gpsJPEG(t, lat, lng)})
	m := sentRe.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("POST /report: %d %s", res.Status, res.Body)
	}
	bc := boardCase{code: m[1], id: e.ID(t, "workorders", "code", m[1])}
	bc.before = e.Count(t, "SELECT MIN(photo_id) FROM workorder_attachments WHERE order_id = ?", bc.id)
	if e.Count(t, "SELECT COUNT(*) FROM photos WHERE id = ? AND has_gps", bc.before) != 1 {
		t.Fatal("the citizen's photo was stored without its GPS position: the EXIF test would prove nothing")
	}
	// The handler's photo goes in as the resolve screen would store it.
	if err := e.App.DB.Write(ctx, func(tx *db.Tx) error {
		ph, err := e.App.Photos.Save(ctx, tx, bytes.NewReader(gpsJPEG(t, lat, lng)), e.ID(t, "users", "username", "handler_cg"))
		bc.after = ph.ID
		return err
	}); err != nil {
		t.Fatal(err)
	}
	disp, handler := principalOf(t, e, "dispatcher"), principalOf(t, e, "handler_cg")
	for _, step := range []struct {
		p  *auth.Principal
		in workorder.ActionInput
	}{
		{disp, workorder.ActionInput{Action: workorder.ActionDispatch, UnitID: e.ID(t, "units", "code", "DEPT-CG")}},
		{handler, workorder.ActionInput{Action: workorder.ActionAcknowledge}},
		{handler, workorder.ActionInput{Action: workorder.ActionResolve, Note: "已联系王女士（13800138000），摊贩已劝离，安排每日巡查",
			PhotoIDs: []int64{bc.after}}},
	} {
		if _, err := e.App.Orders.Act(ctx, step.p, bc.id, step.in); err != nil {
			t.Fatalf("%s: %v", step.in.Action, err)
		}
	}
	return bc
}

func ids(ns ...int64) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.FormatInt(n, 10)
	}
	return out
}

var postRe = regexp.MustCompile(`href="/board/(\d+)"`)

func TestBoardPublishesAResolvedOrderWithoutTheReportersNameOrPhone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		bc := newBoardCase(t, e)
		disp := e.Login(t, "dispatcher")
		path := "/orders/" + strconv.FormatInt(bc.id, 10) + "/board"

		if d := disp.Get("/orders/" + strconv.FormatInt(bc.id, 10)); !d.Contains(`href="` + path + `"`) {
			t.Fatalf("the order's page does not link to the publish form: %s", d.Body)
		}
		// The form proposes the order's text with the reporter removed,
		// the citizen's photo as "before" and the handler's as "after".
		form := disp.Get(path)
		if form.Status != http.StatusOK || !form.Contains(bc.code, `name="title"`, `name="summary"`, "摊贩已劝离",
			`name="before_photo_ids" value="`+ids(bc.before)[0]+`" checked`, `name="after_photo_ids" value="`+ids(bc.after)[0]+`" checked`) {
			t.Fatalf("publish form: %d %s", form.Status, form.Body)
		}
		for _, secret := range []string{"王女士", "13800138000"} {
			if form.Contains(secret) {
				i := strings.Index(form.Body, secret)
				t.Fatalf("the publish form proposes %q: %s", secret, form.Body[max(0, i-300):i+50])
			}
		}

		res := disp.PostForm(path, url.Values{"title": {"王女士反映嘉定北路占道经营"},
			"summary":          {"市民王女士（138 0013 8000）反映嘉定北路人行道被流动摊贩占用。"},
			"response":         {"城管局已劝离摊贩，每日巡查。联系人王女士 13800138000"},
			"before_photo_ids": ids(bc.before), "after_photo_ids": ids(bc.after)})
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != path {
			t.Fatalf("publish: %d %s", res.Status, res.Body)
		}
		if e.Count(t, `SELECT COUNT(*) FROM board_posts WHERE order_id = ? AND unpublished_at IS NULL
			AND title = '***反映嘉定北路占道经营' AND summary NOT LIKE '%138%' AND response NOT LIKE '%王女士%'`, bc.id) != 1 {
			t.Fatal("the post was not stored with the reporter's name and phone removed")
		}
		if e.Count(t, "SELECT COUNT(*) FROM audit_log WHERE action = 'board.publish' AND entity = 'board_post'") != 1 {
			t.Fatal("publishing is not in the audit log")
		}

		anon := e.Anonymous(t)
		list := anon.Get("/board")
		pm := postRe.FindStringSubmatch(list.Body)
		if list.Status != http.StatusOK || pm == nil || !list.Contains("曝光台", "***反映嘉定北路占道经营", "占道经营", "市中区",
			"城管局已劝离摊贩", "/board/photos/"+ids(bc.before)[0]+"/thumb", "/board/photos/"+ids(bc.after)[0]+"/thumb", "整改前", "整改后") {
			t.Fatalf("board list: %d %s", list.Status, list.Body)
		}
		// The workbook is the office's, not the public's.
		if list.Contains("导出 Excel", "format=xlsx") {
			t.Error("an anonymous visitor is offered the board's workbook")
		}
		if x := anon.Get("/board?format=xlsx"); x.Status == http.StatusOK {
			t.Errorf("an anonymous visitor downloads the board's workbook: %s", x.Header.Get("Content-Type"))
		}
		if staff := disp.Get("/board"); !staff.Contains("format=xlsx") {
			t.Error("staff are not offered the board's workbook")
		}
		if x := disp.Get("/board?format=xlsx"); x.Status != http.StatusOK || !strings.Contains(x.Header.Get("Content-Type"), "spreadsheet") {
			t.Errorf("staff's board workbook: %d %s", x.Status, x.Header.Get("Content-Type"))
		}
		post := anon.Get("/board/" + pm[1])
		if post.Status != http.StatusOK || !post.Contains("嘉定北路人行道被流动摊贩占用", "/board/photos/"+ids(bc.after)[0]+"/public") {
			t.Fatalf("board post: %d %s", post.Status, post.Body)
		}
		for _, page := range []*apptest.Response{list, post} {
			for _, secret := range []string{"王女士", "13800138000", "138 0013 8000", "138****8000", bc.code, `id="side"`} {
				if page.Contains(secret) {
					t.Fatalf("the public board shows %q", secret)
				}
			}
		}
		en := e.Anonymous(t)
		en.Lang = "en"
		if res := en.Get("/board"); !res.Contains("Public board", "Street vending", "Shizhong District", "Before", "After") {
			t.Fatalf("English board: %s", res.Body)
		}

		// The API shows the same case with its photos' addresses.
		api := anon.Get("/api/v1/public/board")
		var out struct {
			Items []struct {
				ID           int64  `json:"id"`
				Title        string `json:"title"`
				DistrictName string `json:"district_name"`
				AfterPhotos  []struct {
					URL string `json:"url"`
				} `json:"after_photos"`
			} `json:"items"`
			Total int `json:"total"`
		}
		api.Decode(&out)
		if api.Status != http.StatusOK || out.Total != 1 || out.Items[0].DistrictName != "市中区" || len(out.Items[0].AfterPhotos) != 1 ||
			out.Items[0].AfterPhotos[0].URL != "/board/photos/"+ids(bc.after)[0]+"/public" || api.Contains("order_id", "王女士", bc.code) {
			t.Fatalf("API list: %d %s", api.Status, api.Body)
		}
		if res := anon.Get("/api/v1/public/board/" + pm[1]); res.Status != http.StatusOK || !res.Contains(`"title":"***反映嘉定北路占道经营"`) {
			t.Fatalf("API post: %d %s", res.Status, res.Body)
		}

		// Photos: public and thumbnail JPEGs without EXIF; never the original.
		for _, v := range []string{"public", "thumb"} {
			for _, id := range []int64{bc.before, bc.after} {
				img := anon.Get("/board/photos/" + ids(id)[0] + "/" + v)
				if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" || !bytes.HasPrefix(img.Raw, []byte{0xff, 0xd8}) {
					t.Fatalf("%s of photo %d: %d %s", v, id, img.Status, img.Header.Get("Content-Type"))
				}
				if bytes.Contains(img.Raw, []byte("Exif\x00\x00")) || bytes.Contains(img.Raw, []byte{0xFF, 0xE1}) {
					t.Fatalf("%s of photo %d carries an EXIF segment", v, id)
				}
			}
		}
		if res := anon.Get("/board/photos/" + ids(bc.before)[0] + "/original"); res.Status != http.StatusNotFound || bytes.Contains(res.Raw, []byte("Exif")) {
			t.Fatalf("original: %d", res.Status)
		}
		other := newBoardCase(t, e) // resolved, with photos, but not on the board
		for _, id := range []int64{other.before, other.after, 999999} {
			if res := anon.Get("/board/photos/" + ids(id)[0] + "/thumb"); res.Status != http.StatusNotFound {
				t.Fatalf("photo %d, on no post: %d", id, res.Status)
			}
		}

		// Unpublished: the page, the API and the photos are gone.
		res = disp.PostForm("/board/"+pm[1]+"/unpublish", nil)
		if res.Status != http.StatusSeeOther || res.Header.Get("Location") != path {
			t.Fatalf("unpublish: %d %s", res.Status, res.Body)
		}
		for _, p := range []string{"/board/" + pm[1], "/api/v1/public/board/" + pm[1], "/board/photos/" + ids(bc.before)[0] + "/public"} {
			if res := anon.Get(p); res.Status != http.StatusNotFound {
				t.Fatalf("%s after unpublishing: %d", p, res.Status)
			}
		}
		if res := anon.Get("/board"); res.Contains("嘉定北路占道经营") || !res.Contains("曝光台暂无案例") {
			t.Fatalf("board after unpublishing: %s", res.Body)
		}
		if f := disp.Get(path); !f.Contains("从曝光台撤下；重新发布") {
			t.Fatalf("the form does not say the post is off the board: %s", f.Body)
		}
	})
}

func TestBoardRefusesHandlersUnresolvedOrdersAndBadInputInBothLanguages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		bc := newBoardCase(t, e)
		path := "/orders/" + strconv.FormatInt(bc.id, 10) + "/board"
		good := url.Values{"title": {"占道经营已整改"}, "summary": {"嘉定北路人行道被流动摊贩占用"}, "response": {"已劝离"},
			"before_photo_ids": ids(bc.before), "after_photo_ids": ids(bc.after)}

		h := e.Login(t, "handler_cg")
		if res := h.PostForm(path, good); res.Status != http.StatusForbidden {
			t.Fatalf("a handler publishes: %d", res.Status)
		}
		if res := h.Get(path); res.Status != http.StatusForbidden {
			t.Fatalf("a handler opens the publish form: %d", res.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM board_posts") != 0 {
			t.Fatal("a refused publish left a post")
		}

		disp := e.Login(t, "dispatcher")
		bad := url.Values{"title": {""}, "summary": {"另一位市民电话 0833-2123456 也反映过"}, "response": {"已劝离"},
			"before_photo_ids": ids(bc.before, bc.before), "after_photo_ids": ids(999999)}
		res := disp.PostForm(path, bad)
		if res.Status != http.StatusBadRequest || !res.Contains("必填", "像电话号码", "只能选择本工单上的照片", `aria-describedby="e-title"`,
			"另一位市民电话 0833-2123456") {
			t.Fatalf("bad input in Chinese: %d %s", res.Status, res.Body)
		}
		disp.Lang = "en"
		res = disp.PostForm(path, bad)
		if res.Status != http.StatusBadRequest || !res.Contains("Required", "looks like a phone", "Choose only photos on this order") {
			t.Fatalf("bad input in English: %d %s", res.Status, res.Body)
		}
		// A case without its before or after photos is not published.
		for field, want := range map[string]string{"before_photo_ids": "整改前照片", "after_photo_ids": "整改后照片"} {
			noPhoto := url.Values{}
			for k, v := range good {
				noPhoto[k] = v
			}
			noPhoto.Del(field)
			disp.Lang = "zh-CN"
			if res := disp.PostForm(path, noPhoto); res.Status != http.StatusBadRequest || !res.Contains("曝光台案例须选择至少一张"+want) {
				t.Fatalf("a case without %s: %d %s", field, res.Status, res.Body)
			}
		}
		if e.Count(t, "SELECT COUNT(*) FROM board_posts") != 0 {
			t.Fatal("refused input left a post")
		}

		// An order that is not resolved yet cannot go on the board.
		lat, lng := north(400)
		c := e.Anonymous(t)
		r := c.JSON("POST", "/api/v1/public/reports", map[string]any{"category": "STREET_VENDING", "description": "菜市场门口摊贩占道", "lat": lat, "lng": lng})
		var out struct{ ID int64 }
		r.Decode(&out)
		open := "/orders/" + strconv.FormatInt(out.ID, 10) + "/board"
		if f := disp.Get(open); f.Status != http.StatusOK || f.Contains(`id="board-form"`) {
			t.Fatalf("the form of an open order: %d %s", f.Status, f.Body)
		}
		disp.Lang = "zh-CN"
		if res := disp.PostForm(open, good); res.Status != http.StatusConflict || !res.Contains("办结后才能发布", "待受理") {
			t.Fatalf("publishing an open order: %d %s", res.Status, res.Body)
		}

		// A handler cannot take a post off the board either.
		if res := disp.PostForm(path, good); res.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d %s", res.Status, res.Body)
		}
		postID := e.ID(t, "board_posts", "order_id", bc.id)
		if res := h.PostForm("/board/"+strconv.FormatInt(postID, 10)+"/unpublish", nil); res.Status != http.StatusForbidden {
			t.Fatalf("a handler unpublishes: %d", res.Status)
		}
		if e.Count(t, "SELECT COUNT(*) FROM board_posts WHERE unpublished_at IS NULL") != 1 {
			t.Fatal("a refused unpublish took the post off")
		}
	})
}

func TestScrubReporterAndPhoneLike(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"王女士反映", "***反映"},
		{"电话 138-0013-8000", "电话 ***"},
		{"电话 +86 138 0013 8000。", "电话 ***。"},
		{"电话１３８００１３８０００", "电话***"},
		{"138****8000 来电", "*** 来电"},
		{"王姓市民", "王姓市民"},
	} {
		if got := workorder.ScrubReporter(c.in, "王女士", "13800138000"); got != c.want {
			t.Errorf("ScrubReporter(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := workorder.ScrubReporter("王某反映", "王", ""); got != "王某反映" {
		t.Errorf("a one-character name was removed: %q", got)
	}
	for s, want := range map[string]bool{"13912345678": true, "139 1234 5678": true, "0833-2123456": true, "2123456": true,
		"110105199001011234": true, "139****5678": true, "2026-11-29 处理": false, "拨打 12345 热线": false, "罚款 5000 元": false} {
		if pii.Contains(s) != want {
			t.Errorf("PhoneLike(%q) = %v", s, !want)
		}
	}
}
