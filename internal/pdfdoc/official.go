package pdfdoc

import (
	"fmt"
	"strings"
	"time"
)

// Block is a piece of an official document's body: a paragraph, a table or
// an image.
type Block interface{ place(d *Doc) }

type para struct{ text string }
type table struct {
	cols []Col
	rows [][]string
}
type img struct {
	data    []byte
	caption string
}

// P is a body paragraph: 三号, two characters indented (GB/T 9704 7.3.3).
func P(text string) Block { return para{text} }

// T is a table in the body.
func T(cols []Col, rows [][]string) Block { return table{cols, rows} }

// Img is a photo in the body, at most 120 × 80 mm, with an optional caption
// below it.
func Img(data []byte, caption string) Block { return img{data, caption} }

func (p para) place(d *Doc) { d.Para(p.text, ParaOpt{Indent: 2}) }
func (t table) place(d *Doc) {
	d.Space(1.5)
	d.Table(t.cols, t.rows)
	d.Space(1.5)
}
func (i img) place(d *Doc) {
	d.Space(1.5)
	d.Image(i.data, 120, 80)
	if i.caption != "" {
		d.Para(i.caption, ParaOpt{Size: Size5, Align: Center, Color: &Grey})
	}
	d.Space(1.5)
}

// Official is a Chinese official document (公文) laid out after GB/T
// 9704-2012: the issuing mark in red, the document number, the red rule,
// the title, the addressee, the body, the attachments, the signature and
// date with room for the seal, and the imprint (抄送 and 印发) at the foot of
// the last page. Letter selects the letter format (信函格式, 10.1): the mark
// 30 mm from the top edge between red double rules, the number at the
// right, no number on the first page.
type Official struct {
	Issuer      string // 发文机关标志, e.g. "乐山市创建全国文明城市工作指挥部办公室"
	Number      string // 发文字号, e.g. "乐文明办〔2026〕12号" (see DocNumber)
	Title       string
	Addressee   string // 主送机关; the full-width colon is added
	Body        []Block
	Attachments []string // 附件说明, in order
	Signer      string   // 发文机关署名
	Date        time.Time
	CC          []string // 抄送机关
	PrintedBy   string   // 印发机关
	PrintedOn   time.Time
	Letter      bool
}

// DocNumber formats a document number the way GB/T 9704 7.2.2 wants it:
// the issuer's code, the full year in 〔〕, the sequence without leading
// zeros or 第, and 号: DocNumber("乐文明办", 2026, 12) is "乐文明办〔2026〕12号".
func DocNumber(code string, year, seq int) string {
	return fmt.Sprintf("%s〔%d〕%d号", code, year, seq)
}

var cst = time.FixedZone("CST", 8*3600)

// CNDate writes a date the way official documents do (成文日期, 7.3.5.1): the
// full year, month and day in Arabic numerals without leading zeros, in
// China Standard Time: "2026年12月3日".
func CNDate(t time.Time) string {
	t = t.In(cst)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
}

// PDF lays the document out.
func (o Official) PDF() ([]byte, error) {
	return o.Render().Bytes()
}

// Render lays the document out and returns it, for callers that add to it.
func (o Official) Render() *Doc {
	d := NewWith(Options{FirstPageNumberless: o.Letter})
	if d.err != nil {
		return d
	}
	em3 := Size3 * ptToMM
	if o.Letter {
		o.letterHead(d)
	} else {
		o.head(d)
	}
	// 标题: 二号, two lines below the red rule, centred.
	if o.Title != "" {
		d.Space(2 * em3)
		d.Heading(o.Title, Size2)
	}
	// 主送机关: one line below the title, flush left, ending with a colon.
	if o.Addressee != "" {
		d.Space(em3)
		d.Para(strings.TrimRight(o.Addressee, "：:")+"：", ParaOpt{})
	}
	for _, b := range o.Body {
		b.place(d)
	}
	// 附件说明: one line below the body, two characters in; several are
	// numbered "附件：1.…" with the later ones aligned under the first.
	if len(o.Attachments) > 0 {
		d.Space(em3 * 1.6)
		if len(o.Attachments) == 1 {
			d.Para("附件："+o.Attachments[0], ParaOpt{Indent: 2})
		} else {
			for i, a := range o.Attachments {
				prefix := "附件："
				hang := 2.0
				if i > 0 {
					prefix, hang = "", 5
				}
				d.Para(fmt.Sprintf("%s%d.%s", prefix, i+1, a), ParaOpt{Hang: hang})
			}
		}
	}
	o.signature(d)
	o.imprint(d)
	return d
}

// head is the masthead of an ordinary document (7.2).
func (o Official) head(d *Doc) {
	em3 := Size3 * ptToMM
	// The mark: red, centred, its top 35 mm below the top of the text area,
	// as large as fits one line (at most 一号 × 1.6).
	d.y = AreaTop + 35
	size := fitSize(d, o.Issuer, AreaW, Size1*1.6)
	d.Para(o.Issuer, ParaOpt{Size: size, Align: Center, Color: &Red, Leader: 1.2})
	// The number two lines below the mark, centred; the red rule 4 mm below.
	d.Space(2 * em3)
	if o.Number != "" {
		d.Para(o.Number, ParaOpt{Align: Center, Leader: 1.2})
	}
	d.Space(4)
	d.Rule(Red, 0.5)
}

// letterHead is the masthead of the letter format (10.1).
func (o Official) letterHead(d *Doc) {
	em3 := Size3 * ptToMM
	d.y = 30 - (Size1*1.4*ptToMM*1.2-Size1*1.4*ptToMM)/2
	size := fitSize(d, o.Issuer, 170, Size1*1.4)
	d.Para(o.Issuer, ParaOpt{Size: size, Align: Center, Color: &Red, Leader: 1.2})
	d.Space(4)
	// Red double rules 170 mm long: thick above thin under the mark, thin
	// above thick 20 mm above the bottom edge.
	x1, x2 := (PageW-170)/2, (PageW+170)/2
	d.RuleSpan(x1, x2, Red, 0.8)
	d.Space(0.6)
	d.RuleSpan(x1, x2, Red, 0.3)
	d.pdf.SetStrokeColor(Red.R, Red.G, Red.B)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(x1, PageH-20-1.4, x2, PageH-20-1.4)
	d.pdf.SetLineWidth(0.8)
	d.pdf.Line(x1, PageH-20-0.4, x2, PageH-20-0.4)
	// The number one line below the rules, flush with the right edge.
	if o.Number != "" {
		d.Space(em3)
		d.Para(o.Number, ParaOpt{Align: Right, Leader: 1.2})
	}
}

// signature sets the signer and the date (7.3.5.1): the date four
// characters from the right, the signer centred over it, with the room a
// seal needs (42 mm across) pressing on both.
func (o Official) signature(d *Doc) {
	if o.Signer == "" && o.Date.IsZero() {
		return
	}
	em3 := Size3 * ptToMM
	date := ""
	if !o.Date.IsZero() {
		date = CNDate(o.Date)
	}
	d.Room(em3*1.6*4 + 20)
	d.Space(em3 * 1.6 * 2) // the seal's upper half sits in these lines
	d.setFont(Size3, Black)
	dw := d.width(date)
	right := AreaRight - 4*em3
	mid := right - dw/2
	if o.Signer != "" {
		sw := d.width(o.Signer)
		x := mid - sw/2
		if x+sw > AreaRight {
			x = AreaRight - sw
		}
		d.textAt(x, d.y+em3*1.1, o.Signer)
		d.y += em3 * 1.6
	}
	if date != "" {
		d.setFont(Size3, Black)
		d.textAt(right-dw, d.y+em3*1.1, date)
		d.y += em3 * 1.6
	}
}

// imprint sets 抄送 and 印发 at the foot of the last page (7.4): between a
// thick first rule and a thick last rule that lies on the bottom edge of
// the text area, thin rules between the items.
func (o Official) imprint(d *Doc) {
	if len(o.CC) == 0 && o.PrintedBy == "" {
		return
	}
	em4 := Size4 * ptToMM
	lh := em4 * 1.9
	var lines []string
	if len(o.CC) > 0 {
		lines = append(lines, "抄送："+strings.Join(o.CC, "，")+"。")
	}
	printed := o.PrintedBy != "" || !o.PrintedOn.IsZero()
	d.setFont(Size4, Black)
	var ccLines []string
	for _, l := range lines {
		ccLines = append(ccLines, wrap(l, AreaW-2*em4, 0, d.width)...)
	}
	h := float64(len(ccLines))*lh + 0.7
	if printed {
		h += lh + 0.25
	}
	if d.y+h+em4 > AreaBot {
		d.newPage()
	}
	d.y = AreaBot - h
	d.Rule(Black, 0.35)
	for _, l := range ccLines {
		d.setFont(Size4, Black)
		d.textAt(AreaLeft+em4, d.y+(lh-em4)/2+em4*0.85, l)
		d.y += lh
	}
	if printed {
		if len(ccLines) > 0 {
			d.Rule(Black, 0.25)
		}
		d.setFont(Size4, Black)
		base := d.y + (lh-em4)/2 + em4*0.85
		d.textAt(AreaLeft+em4, base, o.PrintedBy)
		if !o.PrintedOn.IsZero() {
			s := CNDate(o.PrintedOn) + "印发"
			d.textAt(AreaRight-em4-d.width(s), base, s)
		}
		d.y += lh
	}
	d.Rule(Black, 0.35)
}

// fitSize is the largest size up to max at which s fits width on one line.
func fitSize(d *Doc, s string, width, max float64) float64 {
	size := max
	for size > Size3 {
		d.setFont(size, Black)
		if d.width(s) <= width {
			break
		}
		size -= 1
	}
	return size
}
