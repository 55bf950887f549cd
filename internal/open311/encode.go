package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wenming-city/wenming/internal/workorder"
)

// One document, two encodings. Every answer is built once as a small tree
// (Obj, List and scalars) and written as XML (the standard's required
// format, through encoding/xml) or JSON (its usual mapping: the root
// element disappears, a list becomes an array, an element an object), so
// the two formats cannot drift apart.

// Format is an answer's format, chosen by the file extension.
type Format string

// The formats GeoReport v2 names.
const (
	XML  Format = "xml"
	JSON Format = "json"
)

// ContentType is the exact content type of a format (the issue asks for
// exactly these; the XML declaration carries the UTF-8 encoding).
func (f Format) ContentType() string {
	if f == JSON {
		return "application/json"
	}
	return "text/xml"
}

// SplitFormat cuts a path's last segment "name.xml" or "name.json" into
// the name and the format; ok is false for any other extension.
func SplitFormat(file string) (name string, f Format, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		return file, XML, false
	}
	switch file[i+1:] {
	case "xml":
		return file[:i], XML, true
	case "json":
		return file[:i], JSON, true
	}
	return file[:i], XML, false
}

// Field is one named member of an Obj.
type Field struct {
	Name  string
	Value any
}

// Obj is an element with child elements in order (a JSON object).
type Obj []Field

// List is a repeated element: Item names each entry in XML; in JSON it is
// an array.
type List struct {
	Item  string
	Items []any
}

// Num is a number written as it is (no quotes in JSON).
type Num string

// Int is an integer Num.
func Int(n int64) Num { return Num(strconv.FormatInt(n, 10)) }

// Float is a float Num, or nil when v is nil.
func Float(v *float64) any {
	if v == nil {
		return nil
	}
	return Num(strconv.FormatFloat(*v, 'f', -1, 64))
}

// Time is a W3C date-time with the zone (Beijing time), or nil.
func Time(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.In(workorder.Zone).Format(time.RFC3339)
}

// Encode writes the document in the format; root names the XML root
// element (it is dropped in JSON).
func Encode(f Format, root string, v any) ([]byte, error) {
	var b bytes.Buffer
	if f == JSON {
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(jsonValue{v}); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := encodeXML(enc, root, v); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// Write sends a document with the exact content type.
func Write(w http.ResponseWriter, status int, f Format, root string, v any) error {
	b, err := Encode(f, root, v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", f.ContentType())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

func encodeXML(enc *xml.Encoder, name string, v any) error {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	switch x := v.(type) {
	case Obj:
		for _, f := range x {
			if err := encodeXML(enc, f.Name, f.Value); err != nil {
				return err
			}
		}
	case List:
		for _, it := range x.Items {
			if err := encodeXML(enc, x.Item, it); err != nil {
				return err
			}
		}
	case nil:
	default:
		if err := enc.EncodeToken(xml.CharData(scalar(x))); err != nil {
			return err
		}
	}
	return enc.EncodeToken(start.End())
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Num:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// jsonValue marshals the tree keeping the fields' order.
type jsonValue struct{ v any }

func (j jsonValue) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, j.v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case Obj:
		b.WriteByte('{')
		for i, f := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeString(b, f.Name); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := writeJSON(b, f.Value); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case List:
		b.WriteByte('[')
		for i, it := range x.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, it); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case nil:
		b.WriteString("null")
	case Num:
		b.WriteString(string(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		return writeString(b, x)
	default:
		return writeString(b, scalar(x))
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) error {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return err
	}
	b.Write(bytes.TrimRight(out.Bytes(), "\n"))
	return nil
}

// ErrorItem is one error of the standard's error list.
type ErrorItem struct {
	Code        int
	Description string
}

// Errors is the document of an error answer: an array of {code,
// description}.
func Errors(items ...ErrorItem) List {
	l := List{Item: "error"}
	for _, it := range items {
		l.Items = append(l.Items, Obj{{"code", Int(int64(it.Code))}, {"description", it.Description}})
	}
	return l
}

// WriteErrors sends an error answer.
func WriteErrors(w http.ResponseWriter, f Format, status int, items ...ErrorItem) error {
	return Write(w, status, f, "errors", Errors(items...))
}
