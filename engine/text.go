package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text rule: every string a person types, and every string an op
// carries from another site, is valid UTF-8, within its field's length
// and free of control characters and of the invisible Unicode format
// characters (category Cf) that make text print differently from what it
// is. No field takes a newline today; one that does would say so here.

// textField is one typed field and its bounds, for checkTexts.
type textField struct {
	field, value string
	max          int
	required     bool
}

// checkTexts checks fields in order and names the first bad one.
func checkTexts(fields []textField) error {
	for _, f := range fields {
		if err := checkText(f.field, f.value, f.max, f.required); err != nil {
			return err
		}
	}
	return nil
}

// checkText checks one field by the text rule: at most max characters,
// not empty if required; the error names field and the rule it broke.
func checkText(field, s string, max int, required bool) error {
	if !utf8.ValidString(s) {
		return InvalidRule(field, RuleFormat, "not valid UTF-8")
	}
	if required && s == "" {
		return InvalidRule(field, RuleRequired, "required")
	}
	// Bytes first: a 10 MB string is refused without counting its runes.
	if len(s) > utf8.UTFMax*max {
		e := InvalidRule(field, RuleTooLong, "too long: %d bytes, at most %d characters", len(s), max)
		e.Limit = max
		return e
	}
	if n := utf8.RuneCountInString(s); n > max {
		e := InvalidRule(field, RuleTooLong, "too long: %d characters, at most %d", n, max)
		e.Limit = max
		return e
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || invisibleFormat(r) {
			return InvalidRule(field, RuleControlChar, "contains a control character (%U)", r)
		}
	}
	return nil
}

// checkIDs checks each of a list of ids by the text rule.
func checkIDs(field string, ids []string, required bool) error {
	for _, id := range ids {
		if err := checkText(field, id, MaxIDLen, required); err != nil {
			return err
		}
	}
	return nil
}

// invisibleFormat: Unicode format characters (bidi overrides such as
// U+202E, zero-width spaces, the BOM) make a name print differently from
// what it is. The zero-width joiners that some scripts and emoji need stay.
func invisibleFormat(r rune) bool {
	return unicode.Is(unicode.Cf, r) && r != '\u200c' && r != '\u200d'
}

func collapseSpace(s string) string {
	// Only plain spaces and tabs are folded: other control characters must
	// survive to be rejected, not be silently removed.
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '\u00a0' }), " ")
}

// CheckSiteName checks a site name (a home site, a site an allotment
// names, the recipient of tokens): the text rule, at most MaxIDLen, and
// no spaces, so it is typed as the site was started (--site). Empty is
// the caller's question.
func CheckSiteName(field, s string) error {
	if err := checkText(field, s, MaxIDLen, false); err != nil {
		return err
	}
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return InvalidRule(field, RuleFormat, "site name %q has a space", s)
	}
	return nil
}

// CheckText checks one field by the text rule (checkText), for the
// packages that take text engine does not define (a revocation's reason).
func CheckText(field, s string, max int, required bool) error {
	return checkText(field, s, max, required)
}
