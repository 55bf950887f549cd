package pdfdoc_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/wenming-city/wenming/internal/pdfdoc"
	"github.com/wenming-city/wenming/internal/pdfdoc/pdftext"
)

func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func photo(t *testing.T) []byte {
	t.Helper()
	im := image.NewRGBA(image.Rect(0, 0, 400, 300))
	for x := range 400 {
		for y := range 300 {
			im.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, im, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// findings is a notice's worth of long paragraphs: enough to run over two
// pages, with digits, Latin words, full-width punctuation and brackets at
// every position a line may break.
func findings() []string {
	var out []string
	for i := 1; i <= 14; i++ {
		out = append(out, fmt.Sprintf("%d. 市中区张公桥街道嘉州长卷第%d段背街小巷，主干道两侧公益广告不足，每300米少于5处（现场发现%d处），"+
			"路灯装灯率100%%、亮灯率仅为87%%，不符合“装灯率100%%、亮灯率95%%”的要求；依据测评体系第3.2.%d条，每发现一处扣2分。GPS 29.5521,103.7656。", i, i, i%5, i))
	}
	return out
}

func TestOfficialNoticeReadsBackExactlyThroughPdftotext(t *testing.T) {
	body := []pdfdoc.Block{pdfdoc.P("根据2026年第48周督查结果，你单位责任点位存在以下问题，请于收到本通知书之日起5个工作日内整改到位，并报送整改报告。")}
	for _, f := range findings() {
		body = append(body, pdfdoc.P(f))
	}
	body = append(body, pdfdoc.Img(photo(t), "图1 嘉州长卷第3段现场照片"),
		pdfdoc.T([]pdfdoc.Col{{"序号", 1}, {"点位", 3}, {"问题", 6}, {"整改期限", 2}},
			[][]string{{"1", "嘉州长卷", "公益广告不足，每300米少于5处", "2026年12月10日"}, {"2", "张公桥好吃街", "占道经营、乱堆杂物", "2026年12月8日"}}))
	o := pdfdoc.Official{
		Issuer:      "乐山市创建全国文明城市工作指挥部办公室",
		Number:      pdfdoc.DocNumber("乐文明办", 2026, 12),
		Title:       "关于市中区张公桥街道文明城市创建问题的整改通知书",
		Addressee:   "市中区张公桥街道办事处",
		Body:        body,
		Attachments: []string{"问题照片清单", "整改报告模板"},
		Signer:      "乐山市创建全国文明城市工作指挥部办公室",
		Date:        time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC),
		CC:          []string{"市中区人民政府", "市城市管理局"},
		PrintedBy:   "乐山市创建全国文明城市工作指挥部办公室",
		PrintedOn:   time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC),
	}
	doc := o.Render()
	b, err := doc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pdftext.Keep(t, "pdfdoc-notice", b)
	if doc.Page() < 2 {
		t.Fatalf("the notice should run over pages, has %d", doc.Page())
	}
	text := pdftext.Text(t, b)
	want := []string{o.Issuer, "乐文明办〔2026〕12号", o.Title, "市中区张公桥街道办事处：", "附件：1.问题照片清单", "2.整改报告模板",
		"2026年12月3日", "抄送：市中区人民政府，市城市管理局。", "2026年12月3日印发", "图1嘉州长卷第3段现场照片", "张公桥好吃街"}
	for _, f := range findings() {
		want = append(want, squash(f))
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext does not read back %q", w)
		}
	}
	raw := squash(pdftext.Raw(t, b))
	for p := 1; p <= doc.Page(); p++ {
		if !strings.Contains(raw, fmt.Sprintf("—%d—", p)) {
			t.Errorf("page %d has no number (an ordinary document numbers every page)", p)
		}
	}
	if t.Failed() {
		t.Log(pdftext.Raw(t, b))
	}
}

func TestLetterFormatHasNoNumberOnItsFirstPage(t *testing.T) {
	o := pdfdoc.Official{Issuer: "乐山市文明办", Number: pdfdoc.DocNumber("乐文明办函", 2026, 3), Title: "关于做好第四季度测评迎检工作的提示函",
		Addressee: "各区县文明办", Body: []pdfdoc.Block{pdfdoc.P("第四季度测评将于12月中旬开展。")}, Signer: "乐山市文明办",
		Date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Letter: true}
	doc := o.Render()
	b, err := doc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pdftext.Keep(t, "pdfdoc-letter", b)
	if doc.Page() != 1 {
		t.Errorf("a short letter takes one page, took %d", doc.Page())
	}
	text := pdftext.Text(t, b)
	for _, w := range []string{"乐文明办函〔2026〕3号", "各区县文明办：", "第四季度测评将于12月中旬开展。", "2026年12月1日"} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in %q", w, text)
		}
	}
	if strings.Contains(squash(pdftext.Raw(t, b)), "—1—") {
		t.Error("the letter format shows no number on its first page")
	}
}

func TestDocNumberAndDateFollowTheStandard(t *testing.T) {
	for _, c := range []struct {
		code      string
		year, seq int
		want      string
	}{
		{"乐文明办", 2026, 1, "乐文明办〔2026〕1号"},
		{"乐文明办", 2026, 12, "乐文明办〔2026〕12号"},
		{"乐创城函", 2027, 105, "乐创城函〔2027〕105号"},
	} {
		if got := pdfdoc.DocNumber(c.code, c.year, c.seq); got != c.want {
			t.Errorf("DocNumber(%q,%d,%d) = %q, want %q", c.code, c.year, c.seq, got, c.want)
		}
	}
	// 2026-12-31 17:00 UTC is already 1 January in China.
	if got := pdfdoc.CNDate(time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC)); got != "2027年1月1日" {
		t.Errorf("CNDate in CST = %q", got)
	}
	if got := pdfdoc.CNDate(time.Date(2026, 3, 5, 2, 0, 0, 0, time.UTC)); got != "2026年3月5日" {
		t.Errorf("CNDate without leading zeros = %q", got)
	}
}

func TestTableRunsOverPagesAndKeepsEveryCell(t *testing.T) {
	d := pdfdoc.New()
	d.Heading("志愿服务时长排行", pdfdoc.Size2)
	var rows [][]string
	for i := 1; i <= 80; i++ {
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("志愿者%03d号", i), fmt.Sprintf("%d.5", 200-i)})
	}
	d.Table([]pdfdoc.Col{{"名次", 1}, {"姓名", 3}, {"时长（小时）", 2}}, rows)
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if d.Page() < 2 {
		t.Fatalf("80 rows should need a second page, got %d", d.Page())
	}
	text := pdftext.Text(t, b)
	for _, r := range rows {
		if !strings.Contains(text, r[1]) {
			t.Errorf("row %s lost", r[1])
		}
	}
	if n := strings.Count(text, "时长（小时）"); n != d.Page() {
		t.Errorf("the head row should repeat on each of %d pages, found %d", d.Page(), n)
	}
}

func TestCanvasDrawsShapesAndText(t *testing.T) {
	d := pdfdoc.New()
	d.Draw(150, 60, func(c pdfdoc.Canvas) {
		blue := pdfdoc.RGB{R: 30, G: 90, B: 200}
		c.Rect(0, 0, 150, 60, nil, &pdfdoc.Grey)
		c.Line(10, 50, 140, 50, 0.3, pdfdoc.Black)
		c.Polygon([][2]float64{{10, 50}, {40, 20}, {80, 30}, {140, 10}, {140, 50}}, &blue, nil)
		c.Circle(40, 20, 2, &pdfdoc.Red, nil)
		c.Text(75, 58, "市中区受理量趋势", 9, pdfdoc.Black, pdfdoc.Middle)
		c.Text(140, 8, "99.41%", 9, pdfdoc.Red, pdfdoc.End)
	})
	d.Para("图表之后的正文。", pdfdoc.ParaOpt{})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := pdftext.Text(t, b)
	for _, w := range []string{"市中区受理量趋势", "99.41%", "图表之后的正文。"} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q", w)
		}
	}
}

func TestBadImageIsAnErrorNotAPanic(t *testing.T) {
	d := pdfdoc.New()
	d.Image([]byte("not an image"), 50, 50)
	d.Para("之后什么也不做", pdfdoc.ParaOpt{})
	if _, err := d.Bytes(); err == nil {
		t.Fatal("a bad image should make Bytes fail")
	}
}
