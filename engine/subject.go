package engine

import (
	"strings"
	"time"
)

// Data-subject requests (DSGVO Art. 15): which records are about the person
// who asks. A record is about the person when every field of the request
// that the record holds agrees, and at least one does. A visit holds no
// birth date, so a request with name and birth date finds the visits by
// name; a visit under the same name with another phone number than the one
// given is somebody else's and is left out. Names compare as SameVisitor
// does (case, umlaut spelling and spacing folded), e-mail addresses without
// case, phone numbers by their digits (+49 and 0049 read as 0), birth
// dates exactly. A request by name alone finds namesakes too: the
// data-protection officer checks before handing anything over.

// PersonQuery describes the person of a data-subject request; at least one
// field is set.
type PersonQuery struct {
	Name      string
	BirthDate string // YYYY-MM-DD
	Email     string
	Phone     string
}

// Person is what one record holds about its person ("" where it holds
// nothing).
type Person struct {
	Name, BirthDate, Email, Phone string
}

// Normalize trims the query and checks it, naming the first bad field;
// no field at all is CodeInvalidField on "person".
func (q PersonQuery) Normalize() (PersonQuery, error) {
	q.Name = collapseSpace(q.Name)
	q.BirthDate = strings.TrimSpace(q.BirthDate)
	q.Email = strings.TrimSpace(q.Email)
	q.Phone = strings.TrimSpace(q.Phone)
	if err := checkTexts([]textField{
		{"name", q.Name, MaxNameLen, false},
		{"birth_date", q.BirthDate, 10, false},
		{"email", q.Email, MaxEmailLen, false},
		{"phone", q.Phone, MaxPhoneLen, false},
	}); err != nil {
		return q, err
	}
	if q.Name == "" && q.BirthDate == "" && q.Email == "" && q.Phone == "" {
		return q, InvalidRule("person", RuleRequired, "name, birth_date, email or phone is required")
	}
	if q.BirthDate != "" {
		if _, err := time.ParseInLocation(time.DateOnly, q.BirthDate, Berlin); err != nil {
			return q, InvalidRule("birth_date", RuleFormat, "want YYYY-MM-DD, got %q", q.BirthDate)
		}
	}
	if q.Phone != "" && phoneDigits(q.Phone) == "" {
		return q, InvalidRule("phone", RuleFormat, "no digits in %q", q.Phone)
	}
	return q, nil
}

// Matches reports whether a record holding p is about the person asked
// for: every asked field that p holds agrees, and at least one does.
func (q PersonQuery) Matches(p Person) bool {
	agreed := 0
	check := func(asked, held string, same func(a, b string) bool) bool {
		if asked == "" || strings.TrimSpace(held) == "" {
			return true
		}
		if !same(asked, held) {
			return false
		}
		agreed++
		return true
	}
	sameName := func(a, b string) bool { return NormalizeName(a) == NormalizeName(b) }
	sameMail := func(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
	samePhone := func(a, b string) bool { return phoneDigits(a) == phoneDigits(b) }
	exact := func(a, b string) bool { return a == strings.TrimSpace(b) }
	return check(q.Name, p.Name, sameName) && check(q.BirthDate, p.BirthDate, exact) &&
		check(q.Email, p.Email, sameMail) && check(q.Phone, p.Phone, samePhone) && agreed > 0
}

// VisitPerson is what a visit holds about its visitor.
func VisitPerson(v Visit) Person { return Person{Name: v.Name, Email: v.Email, Phone: v.Phone} }

// CitizenPerson is what an appointment holds about its citizen.
func CitizenPerson(c Citizen) Person {
	return Person{Name: c.Name, BirthDate: c.BirthDate, Email: c.Email, Phone: c.Phone}
}

// phoneDigits is a phone number's digits, the German country code read as
// the trunk prefix: "+49 2921 103-0" and "02921/1030" are the same number.
func phoneDigits(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteString("00")
		}
	}
	d := b.String()
	if rest, ok := strings.CutPrefix(d, "0049"); ok {
		d = "0" + rest
	}
	return d
}
