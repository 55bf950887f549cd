// Package volunteer owns the volunteers (志愿者): self-registration on a
// phone or import from a workbook, approval by an organiser with a unique
// volunteer number, and the volunteer's own login account. ID numbers are
// encrypted at rest (internal/pii); phones are stored digits only and
// masked when shown. Every read is limited to the caller's data scope
// (scope.go).
package volunteer

import (
	"context"
	"embed"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenming-city/wenming/internal/account"
	"github.com/wenming-city/wenming/internal/audit"
	"github.com/wenming-city/wenming/internal/auth"
	"github.com/wenming-city/wenming/internal/clock"
	"github.com/wenming-city/wenming/internal/db"
	"github.com/wenming-city/wenming/internal/errs"
	"github.com/wenming-city/wenming/internal/i18n"
	"github.com/wenming-city/wenming/internal/pii"
)

//go:embed locales
var localeFS embed.FS

func init() { i18n.Register(localeFS) }

// Service is the volunteers capability.
type Service struct {
	DB       *db.DB
	Clock    clock.Clock
	PII      *pii.Keyring     // nil: no ID number can be stored (registration refuses one)
	Accounts *account.Service // creates the volunteer's login account on approval
	// Stars are the cumulative hours of 1★…5★ (nil: DefaultStars).
	Stars []int
	// OrderLimit throttles residents' service orders per address (zero
	// value: DefaultOrderLimit; Orders < 0: none).
	OrderLimit OrderLimit
	// OrderEscalation is how long an order may wait for its station before
	// the centre is told (0: DefaultOrderEscalation).
	OrderEscalation time.Duration
}

// New returns the service.
func New(d *db.DB, c clock.Clock, keys *pii.Keyring, accounts *account.Service) *Service {
	s := &Service{DB: d, Clock: c, PII: keys, Accounts: accounts}
	current.Store(s)
	return s
}

// Status is where a volunteer's registration stands.
type Status string

const (
	StatusPending  Status = "pending"  // registered, waiting for an organiser
	StatusApproved Status = "approved" // has a volunteer number
	StatusRejected Status = "rejected" // refused, with a reason
)

// Statuses in display order.
var Statuses = []Status{StatusPending, StatusApproved, StatusRejected}

// Gender as recorded (民政部令第67号 lists it among the basic information).
type Gender string

const (
	Male   Gender = "male"
	Female Gender = "female"
)

// Genders in display order.
var Genders = []Gender{Male, Female}

// IDType is the kind of identity document.
type IDType string

const (
	IDResident   IDType = "resident"    // 居民身份证 (GB 11643, checked)
	IDHKMacao    IDType = "hk_macao"    // 港澳居民来往内地通行证
	IDTaiwan     IDType = "taiwan"      // 台湾居民来往大陆通行证
	IDPassport   IDType = "passport"    // 护照
	IDPermanent  IDType = "permanent"   // 外国人永久居留身份证
	idOtherMax          = 30            // longest number of a document other than the resident ID
	AdultAge            = 18            // younger volunteers need a guardian's consent
	MinAge              = 8             // the youngest who may register (with a guardian)
	MaxNameLen          = 30            // real name
	MaxReasonLen        = 200           // a rejection's reason
	NumberPrefix        = "ZY"          // volunteer numbers: ZY + year + 6-digit sequence
	sourceSelf          = "self"        // registered on the public page
	sourceImport        = "import"      // from a workbook
	sourceStaff         = "staff"       // entered by an organiser
	maxAge              = 100           // an older birth date is a typing error
	entity              = "volunteer"   // audit entity
	maxListSize         = 500           // the largest page a list returns
	exportRows          = 100000        // AllRows cap
	defaultSize         = 50            // a list's page when Size <= 0
	AllRows             = -1            // Size for every row (exports)
	dateLayout          = time.DateOnly // dates users type and see
)

// IDTypes in display order.
var IDTypes = []IDType{IDResident, IDHKMacao, IDTaiwan, IDPassport, IDPermanent}

// Skills a volunteer may offer (data: codes with i18n keys volunteer.skill.<code>).
var Skills = []string{"medical", "first_aid", "teaching", "legal", "elderly_care", "child_care", "psychology",
	"translation", "photography", "driving", "it", "arts", "sports", "repair", "haircut", "publicity"}

// Slots a volunteer is usually available in (volunteer.slot.<code>).
var Slots = []string{"weekday_morning", "weekday_afternoon", "weekday_evening", "weekend_morning", "weekend_afternoon", "weekend_evening"}

// Volunteer is one registered person.
type Volunteer struct {
	ID              int64      `json:"id"`
	Number          string     `json:"number"` // "" until approved
	Status          Status     `json:"status"`
	Name            string     `json:"name"`
	Gender          Gender     `json:"gender"`
	BirthDate       string     `json:"birth_date"` // YYYY-MM-DD
	IDType          IDType     `json:"id_type"`
	IDMasked        string     `json:"id_number_masked"`
	Phone           string     `json:"phone"` // digits; masked by the web layer for who may not see it
	RegionNameEN    string     `json:"region_name_en"`
	RegionID        int64      `json:"region_id"`
	RegionName      string     `json:"region_name"`
	RegionPath      string     `json:"-"`
	Skills          []string   `json:"skills"`
	Availability    []string   `json:"availability"`
	PartyMember     bool       `json:"party_member"`
	GuardianName    string     `json:"guardian_name"`
	GuardianPhone   string     `json:"guardian_phone"`
	GuardianConsent bool       `json:"guardian_consent"`
	Source          string     `json:"source"`
	RejectReason    string     `json:"reject_reason"`
	UserID          int64      `json:"user_id"` // the login account, 0 for none yet
	ReviewedAt      *time.Time `json:"reviewed_at"`
	CreatedAt       time.Time  `json:"created_at"`
	idStored        string
}

// Age is the volunteer's age in whole years on day (China Standard Time).
func (v *Volunteer) Age(day time.Time) int {
	b, err := time.ParseInLocation(dateLayout, v.BirthDate, clock.CST)
	if err != nil {
		return 0
	}
	return AgeOn(b, day)
}

// AgeOn is the age in whole years of someone born on birth, on day.
func AgeOn(birth, day time.Time) int {
	d := day.In(clock.CST)
	age := d.Year() - birth.Year()
	if d.Month() < birth.Month() || (d.Month() == birth.Month() && d.Day() < birth.Day()) {
		age--
	}
	return age
}

// Input is what a registration, an import row or an organiser enters.
type Input struct {
	Name            string   `json:"name"`
	Gender          string   `json:"gender"`
	BirthDate       string   `json:"birth_date"`
	IDType          string   `json:"id_type"`
	IDNumber        string   `json:"id_number"`
	Phone           string   `json:"phone"`
	RegionID        int64    `json:"region_id"`
	Skills          []string `json:"skills"`
	Availability    []string `json:"availability"`
	PartyMember     bool     `json:"party_member"`
	GuardianName    string   `json:"guardian_name"`
	GuardianPhone   string   `json:"guardian_phone"`
	GuardianConsent bool     `json:"guardian_consent"`
}

func (in *Input) normalise() {
	in.Name = strings.TrimSpace(in.Name)
	in.Gender = strings.TrimSpace(in.Gender)
	in.BirthDate = strings.TrimSpace(in.BirthDate)
	in.IDType = strings.TrimSpace(in.IDType)
	in.IDNumber = pii.NormaliseID(in.IDNumber)
	in.Phone = strings.TrimSpace(in.Phone)
	if c, ok := pii.NormalisePhone(in.Phone); ok {
		in.Phone = c
	}
	in.GuardianName = strings.TrimSpace(in.GuardianName)
	in.GuardianPhone = strings.TrimSpace(in.GuardianPhone)
	if c, ok := pii.NormalisePhone(in.GuardianPhone); ok {
		in.GuardianPhone = c
	}
	in.Skills = codes(in.Skills)
	in.Availability = codes(in.Availability)
}

// codes trims, drops empties and duplicates, and sorts.
func codes(in []string) []string {
	var out []string
	for _, c := range in {
		for _, f := range strings.FieldsFunc(c, func(r rune) bool { return r == ' ' || r == ',' || r == '，' || r == '、' }) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Validate checks everything that needs no database, on today (the
// service's clock): the fields a registration needs, a resident ID number
// that agrees with the birth date and gender typed, a guardian's consent
// for a minor. It is the one check registrations, imports and organisers'
// entries go through.
func (in *Input) Validate(f *errs.Fields, today time.Time) {
	in.normalise()
	f.Check(in.Name != "", "name", "field.required")
	f.Check(utf8.RuneCountInString(in.Name) <= MaxNameLen, "name", "field.too_long", MaxNameLen)
	if in.Gender == "" {
		f.Add("gender", "field.required")
	} else {
		f.Check(slices.Contains(Genders, Gender(in.Gender)), "gender", "field.bad_choice")
	}
	var birth time.Time
	if in.BirthDate == "" {
		f.Add("birth_date", "field.required")
	} else if b, err := time.ParseInLocation(dateLayout, in.BirthDate, clock.CST); err != nil {
		f.Add("birth_date", "field.bad_date")
	} else if age := AgeOn(b, today); b.After(today) || age > maxAge {
		f.Add("birth_date", "volunteer.bad_birth")
	} else if age < MinAge {
		f.Add("birth_date", "volunteer.too_young", MinAge)
	} else {
		birth = b
	}
	switch {
	case in.IDType == "":
		f.Add("id_type", "field.required")
	case !slices.Contains(IDTypes, IDType(in.IDType)):
		f.Add("id_type", "field.bad_choice")
	case in.IDNumber == "":
		f.Add("id_number", "field.required")
	case IDType(in.IDType) == IDResident:
		info, ok := pii.ParseID(in.IDNumber, today)
		if !ok {
			f.Add("id_number", "volunteer.bad_id")
			break
		}
		if !birth.IsZero() && info.Birth.Format(dateLayout) != in.BirthDate {
			f.Add("birth_date", "volunteer.birth_mismatch")
		}
		if in.Gender != "" && (info.Male != (Gender(in.Gender) == Male)) {
			f.Add("gender", "volunteer.gender_mismatch")
		}
	default:
		ok := len(in.IDNumber) >= 5 && len(in.IDNumber) <= idOtherMax
		for _, r := range in.IDNumber {
			ok = ok && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
		}
		f.Check(ok, "id_number", "volunteer.bad_doc")
	}
	if in.Phone == "" {
		f.Add("phone", "field.required")
	} else if !pii.ValidPhone(in.Phone) || !pii.IsMobile(in.Phone) {
		f.Add("phone", "volunteer.bad_mobile")
	}
	f.Check(in.RegionID > 0, "region_id", "field.required")
	for _, s := range in.Skills {
		if !slices.Contains(Skills, s) {
			f.Add("skills", "field.bad_choice")
		}
	}
	for _, s := range in.Availability {
		if !slices.Contains(Slots, s) {
			f.Add("availability", "field.bad_choice")
		}
	}
	if !birth.IsZero() && AgeOn(birth, today) < AdultAge {
		f.Check(in.GuardianName != "", "guardian_name", "volunteer.guardian_required")
		f.Check(utf8.RuneCountInString(in.GuardianName) <= MaxNameLen, "guardian_name", "field.too_long", MaxNameLen)
		if in.GuardianPhone == "" {
			f.Add("guardian_phone", "volunteer.guardian_required")
		} else if !pii.ValidPhone(in.GuardianPhone) {
			f.Add("guardian_phone", "field.bad_phone")
		}
		f.Check(in.GuardianConsent, "guardian_consent", "volunteer.consent_required")
	} else {
		in.GuardianName, in.GuardianPhone, in.GuardianConsent = "", "", false
	}
}

// audited is what the audit log keeps of a volunteer: never the ID number,
// the phones masked.
func (in *Input) audited() map[string]any {
	return map[string]any{"name": in.Name, "gender": in.Gender, "birth_date": in.BirthDate, "id_type": in.IDType,
		"id_number": pii.MaskID(in.IDNumber), "phone": pii.MaskPhone(in.Phone), "region_id": in.RegionID,
		"skills": in.Skills, "availability": in.Availability, "party_member": in.PartyMember,
		"guardian_name": in.GuardianName, "guardian_phone": pii.MaskPhone(in.GuardianPhone), "guardian_consent": in.GuardianConsent}
}

func record(ctx context.Context, tx *db.Tx, p *auth.Principal, now time.Time, action string, id int64, summary string, before, after any) error {
	e := audit.Entry{Action: action, Entity: entity, EntityID: audit.ID(id), Summary: summary}
	if p == nil {
		e.ActorName = "system"
	}
	return audit.Record(ctx, tx, p, now, e, before, after)
}
