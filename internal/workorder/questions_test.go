package workorder_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/dbtest"
	"github.com/wenming-city/wenming/internal/errs"
	wo "github.com/wenming-city/wenming/internal/workorder"
)

// sampleQuestions has one question of every datatype and an informational text.
func sampleQuestions() []wo.Question {
	vals := []wo.QuestionValue{{Key: "a", Name: "甲", NameEN: "A"}, {Key: "b", Name: "乙", NameEN: "B"}, {Key: "c", Name: "丙", NameEN: "C"}}
	return []wo.Question{
		{Code: "s", Variable: true, Datatype: wo.TypeString, Order: 1, Description: "编号"},
		{Code: "n", Variable: true, Datatype: wo.TypeNumber, Order: 2, Description: "数量"},
		{Code: "d", Variable: true, Datatype: wo.TypeDatetime, Order: 3, Description: "时间"},
		{Code: "t", Variable: true, Datatype: wo.TypeText, Order: 4, Description: "说明"},
		{Code: "one", Variable: true, Datatype: wo.TypeSingle, Required: true, Order: 5, Description: "状态", Values: vals},
		{Code: "many", Variable: true, Datatype: wo.TypeMulti, Order: 6, Description: "时段", Values: vals},
		{Code: "info", Variable: false, Datatype: wo.TypeText, Order: 7, Description: "注意安全"},
	}
}

func TestCheckAnswers(t *testing.T) {
	base := wo.Answers{"one": {"a"}}
	with := func(extra wo.Answers) wo.Answers {
		out := wo.Answers{"one": {"a"}}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	cases := []struct {
		name  string
		in    wo.Answers
		field string // "" = accepted
		key   string
		want  wo.Answers // normalised result when accepted (nil: do not compare)
	}{
		{"only the required answer", base, "", "", wo.Answers{"one": {"a"}}},
		{"required question unanswered", wo.Answers{}, "attribute[one]", "field.required", nil},
		{"required question answered with blanks", wo.Answers{"one": {" ", ""}}, "attribute[one]", "field.required", nil},
		{"nil answers with a required question", nil, "attribute[one]", "field.required", nil},
		{"unknown code refused", with(wo.Answers{"nope": {"x"}}), "attribute[nope]", "workorder.answer.unknown", nil},
		{"informational text cannot be answered", with(wo.Answers{"info": {"x"}}), "attribute[info]", "workorder.answer.unknown", nil},
		{"an empty unknown code is ignored", with(wo.Answers{"nope": {""}}), "", "", wo.Answers{"one": {"a"}}},
		{"values are trimmed", wo.Answers{"one": {" a "}, "s": {"  SZ-0123 "}}, "", "", wo.Answers{"one": {"a"}, "s": {"SZ-0123"}}},
		{"string too long", with(wo.Answers{"s": {strings.Repeat("字", wo.MaxAnswerStringLen+1)}}), "attribute[s]", "field.too_long", nil},
		{"string at its limit", with(wo.Answers{"s": {strings.Repeat("字", wo.MaxAnswerStringLen)}}), "", "", nil},
		{"text may be long", with(wo.Answers{"t": {strings.Repeat("字", wo.MaxAnswerTextLen)}}), "", "", nil},
		{"text too long", with(wo.Answers{"t": {strings.Repeat("字", wo.MaxAnswerTextLen+1)}}), "attribute[t]", "field.too_long", nil},
		{"two values for a string", with(wo.Answers{"s": {"x", "y"}}), "attribute[s]", "workorder.answer.one_value", nil},
		{"integer", with(wo.Answers{"n": {"3"}}), "", "", with(wo.Answers{"n": {"3"}})},
		{"negative decimal", with(wo.Answers{"n": {"-2.5"}}), "", "", nil},
		{"exponent", with(wo.Answers{"n": {"1e3"}}), "", "", nil},
		{"number with words", with(wo.Answers{"n": {"3 盏"}}), "attribute[n]", "field.bad_number", nil},
		{"number infinite", with(wo.Answers{"n": {"Inf"}}), "attribute[n]", "field.bad_number", nil},
		{"number NaN", with(wo.Answers{"n": {"NaN"}}), "attribute[n]", "field.bad_number", nil},
		{"number too large for a float", with(wo.Answers{"n": {"1e999"}}), "attribute[n]", "field.bad_number", nil},
		{"datetime W3C with Z", with(wo.Answers{"d": {"2026-11-28T14:30:00Z"}}), "", "", with(wo.Answers{"d": {"2026-11-28T22:30:00+08:00"}})},
		{"datetime W3C with offset", with(wo.Answers{"d": {"2026-11-28T22:30:00+08:00"}}), "", "", with(wo.Answers{"d": {"2026-11-28T22:30:00+08:00"}})},
		{"datetime as the form sends it", with(wo.Answers{"d": {"2026-11-28 22:30"}}), "", "", with(wo.Answers{"d": {"2026-11-28T22:30:00+08:00"}})},
		{"datetime from a datetime-local input", with(wo.Answers{"d": {"2026-11-28T22:30"}}), "", "", with(wo.Answers{"d": {"2026-11-28T22:30:00+08:00"}})},
		{"datetime without a zone and seconds", with(wo.Answers{"d": {"2026-11-28T22:30:00"}}), "attribute[d]", "workorder.answer.bad_datetime", nil},
		{"date only", with(wo.Answers{"d": {"2026-11-28"}}), "attribute[d]", "workorder.answer.bad_datetime", nil},
		{"datetime nonsense", with(wo.Answers{"d": {"昨晚"}}), "attribute[d]", "workorder.answer.bad_datetime", nil},
		{"impossible date", with(wo.Answers{"d": {"2026-02-30 10:00"}}), "attribute[d]", "workorder.answer.bad_datetime", nil},
		{"single value not a key", wo.Answers{"one": {"甲"}}, "attribute[one]", "workorder.answer.bad_choice", nil},
		{"single value given twice", wo.Answers{"one": {"a", "b"}}, "attribute[one]", "workorder.answer.one_value", nil},
		{"multi values all keys", with(wo.Answers{"many": {"c", "a"}}), "", "", with(wo.Answers{"many": {"c", "a"}})},
		{"multi value repeated once kept", with(wo.Answers{"many": {"a", "a", "b"}}), "", "", with(wo.Answers{"many": {"a", "b"}})},
		{"multi with one unknown key", with(wo.Answers{"many": {"a", "z"}}), "attribute[many]", "workorder.answer.bad_choice", nil},
		{"keys are case-sensitive", with(wo.Answers{"many": {"A"}}), "attribute[many]", "workorder.answer.bad_choice", nil},
		{"optional questions may be left out", wo.Answers{"one": {"b"}, "many": {}}, "", "", wo.Answers{"one": {"b"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f errs.Fields
			got := wo.CheckAnswers(sampleQuestions(), c.in, &f)
			e := errs.As(f.Err())
			if c.field == "" {
				if e != nil {
					t.Fatalf("refused: %+v", e.Fields)
				}
				if c.want != nil && !reflect.DeepEqual(got, c.want) {
					t.Fatalf("normalised to %v, want %v", got, c.want)
				}
				return
			}
			if e == nil || e.Fields[c.field].Key != c.key {
				t.Fatalf("fields %+v, want %s: %s", f.Err(), c.field, c.key)
			}
		})
	}
	// A category without questions takes no answers but an empty set.
	var f errs.Fields
	if got := wo.CheckAnswers(nil, wo.Answers{}, &f); len(got) != 0 || f.Err() != nil {
		t.Fatalf("no questions: %v %v", got, f.Err())
	}
	wo.CheckAnswers(nil, wo.Answers{"x": {"1"}}, &f)
	if !f.Has("attribute[x]") {
		t.Fatal("an answer to a category without questions must be refused")
	}
}

func TestCheckQuestions(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(qs []wo.Question) []wo.Question
		field string // "" = accepted
		key   string
	}{
		{"every datatype is accepted", func(qs []wo.Question) []wo.Question { return qs }, "", ""},
		{"no questions at all", func([]wo.Question) []wo.Question { return nil }, "", ""},
		{"code required", func(qs []wo.Question) []wo.Question { qs[0].Code = " "; return qs }, "questions.0.code", "field.required"},
		{"code with capitals", func(qs []wo.Question) []wo.Question { qs[1].Code = "Pole"; return qs }, "questions.1.code", "workorder.question.bad_code"},
		{"code with a dash", func(qs []wo.Question) []wo.Question { qs[1].Code = "pole-no"; return qs }, "questions.1.code", "workorder.question.bad_code"},
		{"code in Chinese", func(qs []wo.Question) []wo.Question { qs[1].Code = "编号"; return qs }, "questions.1.code", "workorder.question.bad_code"},
		{"code too long", func(qs []wo.Question) []wo.Question {
			qs[1].Code = strings.Repeat("a", wo.MaxQuestionCodeLen+1)
			return qs
		}, "questions.1.code", "field.too_long"},
		{"codes unique", func(qs []wo.Question) []wo.Question { qs[3].Code = "s"; return qs }, "questions.3.code", "workorder.question.duplicate_code"},
		{"unknown datatype", func(qs []wo.Question) []wo.Question { qs[0].Datatype = "boolean"; return qs }, "questions.0.datatype", "field.bad_choice"},
		{"question text required", func(qs []wo.Question) []wo.Question { qs[2].Description = ""; return qs }, "questions.2.description", "field.required"},
		{"question text too long", func(qs []wo.Question) []wo.Question {
			qs[2].Description = strings.Repeat("问", wo.MaxQuestionTextLen+1)
			return qs
		}, "questions.2.description", "field.too_long"},
		{"English text too long", func(qs []wo.Question) []wo.Question {
			qs[2].DescriptionEN = strings.Repeat("q", wo.MaxQuestionTextLen+1)
			return qs
		}, "questions.2.description_en", "field.too_long"},
		{"datatype description too long", func(qs []wo.Question) []wo.Question {
			qs[2].DatatypeDescription = strings.Repeat("q", wo.MaxQuestionTextLen+1)
			return qs
		}, "questions.2.datatype_description", "field.too_long"},
		{"negative order", func(qs []wo.Question) []wo.Question { qs[0].Order = -1; return qs }, "questions.0.order", "field.out_of_range"},
		{"informational text cannot be required", func(qs []wo.Question) []wo.Question { qs[6].Required = true; return qs }, "questions.6.required", "workorder.question.info_required"},
		{"single list needs a value", func(qs []wo.Question) []wo.Question { qs[4].Values = nil; return qs }, "questions.4.values", "workorder.question.values_required"},
		{"multi list needs a value", func(qs []wo.Question) []wo.Question { qs[5].Values = []wo.QuestionValue{}; return qs }, "questions.5.values", "workorder.question.values_required"},
		{"value keys unique", func(qs []wo.Question) []wo.Question { qs[4].Values[2].Key = "a"; return qs }, "questions.4.values", "workorder.question.value_duplicate_key"},
		{"value key required", func(qs []wo.Question) []wo.Question { qs[4].Values[1].Key = ""; return qs }, "questions.4.values", "workorder.question.value_key_required"},
		{"value key with a space", func(qs []wo.Question) []wo.Question { qs[4].Values[1].Key = "b c"; return qs }, "questions.4.values", "workorder.question.value_bad_key"},
		{"value key with a comma", func(qs []wo.Question) []wo.Question { qs[4].Values[1].Key = "b,c"; return qs }, "questions.4.values", "workorder.question.value_bad_key"},
		{"value name required", func(qs []wo.Question) []wo.Question { qs[5].Values[0].Name = " "; return qs }, "questions.5.values", "workorder.question.value_name_required"},
		{"value name too long", func(qs []wo.Question) []wo.Question {
			qs[5].Values[0].Name = strings.Repeat("名", wo.MaxValueNameLen+1)
			return qs
		}, "questions.5.values", "workorder.question.value_name_too_long"},
		{"values only on lists", func(qs []wo.Question) []wo.Question {
			qs[0].Values = []wo.QuestionValue{{Key: "x", Name: "x"}}
			return qs
		}, "questions.0.values", "workorder.question.values_not_list"},
		{"too many values", func(qs []wo.Question) []wo.Question {
			for i := range wo.MaxQuestionValues {
				qs[4].Values = append(qs[4].Values, wo.QuestionValue{Key: "k" + itoa(int64(i)), Name: "v"})
			}
			return qs
		}, "questions.4.values", "workorder.question.too_many_values"},
		{"too many questions", func(qs []wo.Question) []wo.Question {
			for i := range wo.MaxQuestions {
				qs = append(qs, wo.Question{Code: "x" + itoa(int64(i)), Variable: true, Datatype: wo.TypeString, Description: "x"})
			}
			return qs
		}, "questions", "workorder.question.too_many"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var f errs.Fields
			wo.CheckQuestions(c.edit(sampleQuestions()), &f)
			e := errs.As(f.Err())
			if c.field == "" {
				if e != nil {
					t.Fatalf("refused: %+v", e.Fields)
				}
				return
			}
			if e == nil || e.Fields[c.field].Key != c.key {
				t.Fatalf("fields %v, want %s: %s", f.Err(), c.field, c.key)
			}
		})
	}
}

func TestQuestionsAreReplacedByAdminsAuditedAndAnswersStoredWithTheOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		admin := f.user(t, "qadmin", 0, f.disp.Scope, auth.PermSettingsManage)
		cat := f.cats["MANHOLE"]
		qs, err := f.svc.Questions(f.ctx, cat)
		must(t, err)
		if len(qs) != 0 {
			t.Fatalf("a fresh city has questions: %+v", qs)
		}
		// Only settings.manage may change them; a refusal writes nothing.
		_, err = f.svc.SetQuestions(f.ctx, f.disp, cat, sampleQuestions())
		wantCode(t, err, errs.Forbidden)
		bad := sampleQuestions()
		bad[4].Values = nil
		_, err = f.svc.SetQuestions(f.ctx, admin, cat, bad)
		if e := errs.As(err); e == nil || e.Fields["questions.4.values"].Key == "" {
			t.Fatalf("bad list accepted: %v", err)
		}
		_, err = f.svc.SetQuestions(f.ctx, admin, f.cats["G-CITY"], sampleQuestions())
		wantCode(t, err, errs.Invalid)
		_, err = f.svc.SetQuestions(f.ctx, admin, 99999, sampleQuestions())
		wantCode(t, err, errs.NotFound)
		if f.count(t, "SELECT COUNT(*) FROM workorder_questions") != 0 {
			t.Fatal("refused questions were written")
		}

		got, err := f.svc.SetQuestions(f.ctx, admin, cat, sampleQuestions())
		must(t, err)
		if len(got) != 7 || got[4].Code != "one" || len(got[4].Values) != 3 || got[4].Values[1] != (wo.QuestionValue{Key: "b", Name: "乙", NameEN: "B"}) {
			t.Fatalf("stored questions: %+v", got)
		}
		if f.count(t, "SELECT COUNT(*) FROM audit_log WHERE entity = 'workorder_questions' AND entity_id = ?", itoa(cat)) != 1 {
			t.Fatal("no audit entry")
		}
		if _, err := f.svc.Questions(f.ctx, 99999); !errs.Is(err, errs.NotFound) {
			t.Fatalf("unknown category: %v", err)
		}

		// A citizen's answers: refused before anything is written, stored
		// with the order when right (one row per value).
		rep := f.report(29.56, 103.76, "MANHOLE", "198.51.100.1")
		_, err = f.svc.SubmitPublic(f.ctx, rep)
		if e := errs.As(err); e == nil || e.Fields["attribute[one]"].Key != "field.required" {
			t.Fatalf("missing required answer: %v", err)
		}
		if f.count(t, "SELECT COUNT(*) FROM workorders") != 0 || f.count(t, "SELECT COUNT(*) FROM rate_counters") != 0 {
			t.Fatal("a refused report left rows")
		}
		rep.Answers = wo.Answers{"one": {"b"}, "many": {"c", "a"}, "n": {"2"}, "d": {"2026-02-11 21:00"}}
		sub, err := f.svc.SubmitPublic(f.ctx, rep)
		must(t, err)
		if n := f.count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ?", sub.ID); n != 5 {
			t.Fatalf("answer rows %d, want 5", n)
		}
		o, err := f.svc.Get(f.ctx, f.disp, sub.ID)
		must(t, err)
		var one, many, dt *wo.Answer
		for i := range o.Answers {
			switch o.Answers[i].Code {
			case "one":
				one = &o.Answers[i]
			case "many":
				many = &o.Answers[i]
			case "d":
				dt = &o.Answers[i]
			}
		}
		if one == nil || one.Text("zh-CN", "、") != "乙" || many == nil || many.Text("en", ", ") != "C, A" ||
			dt == nil || dt.Values[0] != "2026-02-11T21:00:00+08:00" || one.Question("zh-CN") != "状态" {
			t.Fatalf("answers on the order: %+v", o.Answers)
		}
		// Staff intake is checked in its transaction too.
		in := wo.SubmitInput{Channel: wo.ChannelHotline, CategoryID: cat, Description: "井盖被车压碎了", Answers: wo.Answers{"one": {"x"}}}
		_, err = f.svc.Submit(f.ctx, f.oper, in)
		if e := errs.As(err); e == nil || e.Fields["attribute[one]"].Key != "workorder.answer.bad_choice" {
			t.Fatalf("hotline with a bad answer: %v", err)
		}
		in.Answers = wo.Answers{"one": {"a"}}
		s2, err := f.svc.Submit(f.ctx, f.oper, in)
		must(t, err)
		if f.count(t, "SELECT COUNT(*) FROM workorder_answers WHERE order_id = ? AND code = 'one' AND value = 'a'", s2.ID) != 1 {
			t.Fatal("hotline answer not stored")
		}

		// Replacing the questions keeps the answers already given; an
		// answer whose question is gone still shows by its code.
		_, err = f.svc.SetQuestions(f.ctx, admin, cat, sampleQuestions()[:1])
		must(t, err)
		o, err = f.svc.Get(f.ctx, f.disp, sub.ID)
		must(t, err)
		if len(o.Answers) != 4 || o.Answers[0].Code != "d" || o.Answers[0].Question("en") != "d" {
			t.Fatalf("answers after the questions changed: %+v", o.Answers)
		}
		// The cache follows the change at once: "one" is no longer asked.
		rep.Answers = wo.Answers{"one": {"a"}}
		_, err = f.svc.SubmitPublic(f.ctx, rep)
		if e := errs.As(err); e == nil || e.Fields["attribute[one]"].Key != "workorder.answer.unknown" {
			t.Fatalf("answer to a removed question: %v", err)
		}
	})
}
