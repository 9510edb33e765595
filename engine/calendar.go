package engine

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/de"
)

// Opening is one open interval of a day, as instants (UTC-comparable).
type Opening struct{ Start, End time.Time }

// DayPlan is one local day of a building: when it is open, or why not.
type DayPlan struct {
	Day      string    // YYYY-MM-DD (Europe/Berlin)
	Openings []Opening // sorted, non-overlapping; empty when closed
	// Reason says why the day is closed: the exception's reason or the
	// public holiday's German name. Empty on an open day and on an
	// ordinary closed day (a weekend).
	Reason string
	// Holiday: closed because the day is a public holiday of the
	// building's HolidayRegion. An exception on that day wins and leaves
	// it false.
	Holiday bool
}

// Open reports whether the day has any opening.
func (p DayPlan) Open() bool { return len(p.Openings) > 0 }

// span is a local wall-clock interval in minutes after midnight.
type span struct{ open, close int }

// Plan returns the day of building b that contains t (taken in
// Europe/Berlin). In order: an exception covering the day wins (the first
// one listed, if several do); then a public holiday of b.HolidayRegion
// closes the day; otherwise the day has the weekly hours of its weekday
// plus the monthly days that match it, merged.
//
// Plan trusts a configuration that passed Validate: an interval it cannot
// read is left out rather than reported.
func (b Building) Plan(t time.Time) DayPlan {
	local := t.In(Berlin)
	y, mo, d := local.Date()
	plan := DayPlan{Day: local.Format(time.DateOnly)}

	// Slot searches call Plan for every day of months ahead, so the day's
	// intervals are collected on the stack and only the result allocates.
	var buf [16]span
	spans := buf[:0]

	if e, ok := exceptionOn(b.Exceptions, plan.Day); ok {
		if e.Closed {
			plan.Reason = e.Reason
			return plan
		}
		spans = appendRanges(spans, e.Hours)
		if len(spans) == 0 {
			plan.Reason = e.Reason // Validate forbids this; closed is the safe reading
			return plan
		}
		plan.Openings = openings(y, mo, d, merge(spans))
		return plan
	}

	if name, ok := publicHoliday(b.HolidayRegion, y, mo, d); ok {
		plan.Reason = name
		plan.Holiday = true
		return plan
	}

	wd := isoWeekday(local.Weekday())
	for _, iv := range b.Hours {
		if iv.Weekday != wd {
			continue
		}
		spans = appendRange(spans, iv.Open, iv.Close)
	}
	for _, md := range b.MonthlyDays {
		if md.Weekday == wd && nthMatches(md.Nth, y, mo, d) {
			spans = appendRanges(spans, md.Hours)
		}
	}
	if len(spans) > 0 {
		plan.Openings = openings(y, mo, d, merge(spans))
	}
	return plan
}

// exceptionOn returns the first exception covering day. Days as
// YYYY-MM-DD compare correctly as strings.
func exceptionOn(es []Exception, day string) (Exception, bool) {
	for _, e := range es {
		to := e.To
		if to == "" {
			to = e.From
		}
		if e.From <= day && day <= to {
			return e, true
		}
	}
	return Exception{}, false
}

// holidays returns the public holidays of a state. Only the states Pforte
// is built for are known; Validate rejects the others.
func holidays(region string) []*cal.Holiday {
	switch region {
	case "NW":
		return de.HolidaysNW
	}
	return nil
}

// publicHoliday returns the German name of the public holiday of region
// on the day y-m-d, if there is one.
func publicHoliday(region string, y int, m time.Month, d int) (string, bool) {
	for _, h := range holidays(region) {
		// Only days off count: an observance that is a workday does not
		// close a town hall.
		if h.Type != cal.ObservancePublic {
			continue
		}
		actual, _ := h.Calc(y)
		if actual.IsZero() {
			continue // not observed that year
		}
		if hy, hm, hd := actual.Date(); hy == y && hm == m && hd == d {
			return holidayName(h), true
		}
	}
	return "", false
}

// holidayName is the name clerks know the holiday by; rickar/cal uses the
// legal long forms for a few of them.
func holidayName(h *cal.Holiday) string {
	switch h {
	case de.Neujahr:
		return "Neujahr"
	case de.Weihnachtstag:
		return "1. Weihnachtstag"
	case de.ZweiterWeihnachtsfeiertag:
		return "2. Weihnachtstag"
	}
	return h.Name
}

func isoWeekday(wd time.Weekday) int {
	if wd == time.Sunday {
		return 7
	}
	return int(wd)
}

// nthMatches reports whether day d of month m is the nth of its weekday in
// that month (the caller has checked the weekday); -1 is the last.
func nthMatches(nth, y int, m time.Month, d int) bool {
	if nth == -1 {
		return d+7 > daysIn(y, m)
	}
	return (d-1)/7+1 == nth
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func appendRanges(spans []span, rs []TimeRange) []span {
	for _, r := range rs {
		spans = appendRange(spans, r.Open, r.Close)
	}
	return spans
}

func appendRange(spans []span, open, close string) []span {
	o, ok1 := parseClock(open)
	c, ok2 := parseClock(close)
	if !ok1 || !ok2 || c <= o {
		return spans
	}
	return append(spans, span{o, c})
}

// merge sorts spans by start and joins those that overlap or touch, so an
// appointment may run across 12:00 when one interval ends and the next
// begins there.
func merge(spans []span) []span {
	// Insertion sort: a day has a handful of intervals, and it neither
	// allocates nor calls through a comparison function.
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].open < spans[j-1].open; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.open <= last.close {
			last.close = max(last.close, s.close)
			continue
		}
		out = append(out, s)
	}
	return out
}

// openings turns local minutes of the day y-m-d into instants. Building
// each instant from the wall clock (not midnight plus a duration) keeps
// 08:30 at 08:30 on the days summer time begins and ends.
func openings(y int, m time.Month, d int, spans []span) []Opening {
	out := make([]Opening, 0, len(spans))
	for _, s := range spans {
		o := Opening{Start: wallClock(y, m, d, s.open), End: wallClock(y, m, d, s.close)}
		// An interval inside the skipped hour of the spring change
		// (02:00–03:00) does not exist.
		if o.End.After(o.Start) {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func wallClock(y int, m time.Month, d, minute int) time.Time {
	return time.Date(y, m, d, minute/60, minute%60, 0, 0, Berlin)
}

// At returns the instant of local wall-clock minute m (minutes after
// midnight; 24*60 is the next midnight) on day (YYYY-MM-DD) in
// Europe/Berlin. A day that is not YYYY-MM-DD gives the zero time.
func At(day string, m int) time.Time {
	y, mo, d, ok := parseDate(day)
	if !ok {
		return time.Time{}
	}
	return wallClock(y, mo, d, m)
}

// parseDate reads YYYY-MM-DD without the allocations of time.Parse.
func parseDate(s string) (y int, m time.Month, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(s[0:4])
	mm, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || mm < 1 || mm > 12 || d < 1 || d > daysIn(y, time.Month(mm)) {
		return 0, 0, 0, false
	}
	return y, time.Month(mm), d, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseClock parses a local wall-clock time "HH:MM" (00:00–24:00) into
// minutes after midnight; the error names field.
func ParseClock(field, s string) (int, error) {
	m, ok := parseClock(s)
	if !ok {
		return 0, InvalidRule(field, RuleFormat, "want a time as HH:MM from 00:00 to 24:00, got %q", s)
	}
	return m, nil
}

func parseClock(s string) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, ok1 := digits(s[0:2])
	m, ok2 := digits(s[3:5])
	if !ok1 || !ok2 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// isChannel reports whether ch is a way an appointment is booked; all
// channels book from one pool of slots.
func isChannel(ch string) bool {
	switch ch {
	case "desk", "phone", "online", "branch":
		return true
	}
	return false
}

// Validate checks a building's calendar and booking configuration and
// returns an *Error naming the first bad field ("hours[2].close").
func (b Building) Validate() error {
	if err := checkTexts([]textField{
		{"id", b.ID, MaxIDLen, false},
		{"name", b.Name, MaxNameLen, false},
		{"address", b.Address, MaxAddressLen, false},
		{"entrance", b.Entrance, MaxAddressLen, false},
	}); err != nil {
		return err
	}
	if err := validateWeekly(b.Hours); err != nil {
		return err
	}
	for i, md := range b.MonthlyDays {
		f := fmt.Sprintf("monthly_days[%d]", i)
		if md.Nth != -1 && (md.Nth < 1 || md.Nth > 5) {
			return InvalidRule(f+".nth", RuleRange, "want 1 to 5, or -1 for the last, got %d", md.Nth)
		}
		if md.Weekday < 1 || md.Weekday > 7 {
			return InvalidRule(f+".weekday", RuleRange, "want 1 (Monday) to 7 (Sunday), got %d", md.Weekday)
		}
		if len(md.Hours) == 0 {
			return InvalidRule(f+".hours", RuleRequired, "a monthly day needs hours")
		}
		if err := validateRanges(f+".hours", md.Hours); err != nil {
			return err
		}
	}
	for i, e := range b.Exceptions {
		f := fmt.Sprintf("exceptions[%d]", i)
		if _, err := ParseDay(f+".from", e.From); err != nil {
			return err
		}
		if e.To != "" {
			if _, err := ParseDay(f+".to", e.To); err != nil {
				return err
			}
			if e.To < e.From {
				return InvalidRule(f+".to", RuleOrder, "%s is before from %s", e.To, e.From)
			}
		}
		if err := checkText(f+".reason", e.Reason, MaxReasonLen, false); err != nil {
			return err
		}
		if !e.Closed && len(e.Hours) == 0 {
			return InvalidRule(f+".hours", RuleRequired, "an exception is closed or has hours")
		}
		if err := validateRanges(f+".hours", e.Hours); err != nil {
			return err
		}
	}
	if b.HolidayRegion != "" && holidays(b.HolidayRegion) == nil {
		return InvalidRule("holiday_region", RuleUnknown, "want \"NW\" or none, got %q", b.HolidayRegion)
	}
	if s := b.SlotMinutes; s < 1 || s > 60 || 60%s != 0 {
		return InvalidRule("slot_minutes", RuleRange, "want a divisor of 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60), got %d", s)
	}
	for i, r := range b.VisitReasons {
		if err := checkText(fmt.Sprintf("visit_reasons[%d]", i), r, MaxReasonLen, true); err != nil {
			return err
		}
	}
	if m := b.IdleLockMinutes; m < 0 || m > MaxIdleLockMinutes {
		return InvalidRule("idle_lock_minutes", RuleRange, "want 0 (the default, %d) to %d minutes, got %d", DefaultIdleLockMinutes, MaxIdleLockMinutes, m)
	}
	if m := b.TracingMarginMinutes; m < 0 || m > MaxTracingMarginMinutes {
		return InvalidRule("tracing_margin_minutes", RuleRange, "want 0 (the default) to %d minutes, got %d", MaxTracingMarginMinutes, m)
	}
	if err := checkParagraphs("privacy_notice", b.PrivacyNotice, MaxPrivacyNoticeLen); err != nil {
		return err
	}
	if m := b.Booking.ConfirmMinutes; m < 0 || m > MaxConfirmMinutes {
		return InvalidRule("booking.confirm_minutes", RuleRange, "want 0 (the default, %d) to %d minutes, got %d", DefaultConfirmMinutes, MaxConfirmMinutes, m)
	}
	if n := b.Booking.MaxActivePerEmail; n < 0 || n > MaxActivePerEmailLimit {
		return InvalidRule("booking.max_active_per_email", RuleRange, "want 0 (the default, %d) to %d, got %d", DefaultMaxActivePerEmail, MaxActivePerEmailLimit, n)
	}
	if b.Retention != nil {
		if err := b.Retention.Validate(); err != nil {
			return err
		}
	}
	if err := validateTicketPrefix(b.TicketPrefix); err != nil {
		return err
	}
	if err := CheckAllotments(b); err != nil {
		return err
	}
	return b.Booking.validate()
}

func validateWeekly(hours []Interval) error {
	for i, iv := range hours {
		f := fmt.Sprintf("hours[%d]", i)
		if iv.Weekday < 1 || iv.Weekday > 7 {
			return InvalidRule(f+".weekday", RuleRange, "want 1 (Monday) to 7 (Sunday), got %d", iv.Weekday)
		}
		s, err := validateRange(f, iv.Open, iv.Close)
		if err != nil {
			return err
		}
		for j, other := range hours[:i] {
			if other.Weekday != iv.Weekday {
				continue
			}
			o, ok1 := parseClock(other.Open)
			c, ok2 := parseClock(other.Close)
			if ok1 && ok2 && s.open < c && o < s.close {
				return InvalidRule(f+".open", RuleOverlap, "%s–%s overlaps hours[%d] %s–%s", iv.Open, iv.Close, j, other.Open, other.Close)
			}
		}
	}
	return nil
}

// validateRanges checks the hours of one day (a monthly day, an exception).
func validateRanges(field string, rs []TimeRange) error {
	for i, r := range rs {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, err := validateRange(f, r.Open, r.Close)
		if err != nil {
			return err
		}
		for j, other := range rs[:i] {
			o, _ := parseClock(other.Open)
			c, _ := parseClock(other.Close)
			if s.open < c && o < s.close {
				return InvalidRule(f+".open", RuleOverlap, "%s–%s overlaps %s[%d] %s–%s", r.Open, r.Close, field, j, other.Open, other.Close)
			}
		}
	}
	return nil
}

func validateRange(field, open, close string) (span, error) {
	o, err := ParseClock(field+".open", open)
	if err != nil {
		return span{}, err
	}
	c, err := ParseClock(field+".close", close)
	if err != nil {
		return span{}, err
	}
	if c <= o {
		return span{}, InvalidRule(field+".close", RuleOrder, "close %s is not after open %s", close, open)
	}
	return span{o, c}, nil
}

func validateTicketPrefix(p string) error {
	if p == "" {
		return InvalidRule("ticket_prefix", RuleRequired, "want 1 or 2 letters A–Z")
	}
	if len(p) > 2 {
		return InvalidRule("ticket_prefix", RuleFormat, "want 1 or 2 letters A–Z, got %q", p)
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 'A' || p[i] > 'Z' {
			return InvalidRule("ticket_prefix", RuleFormat, "want 1 or 2 letters A–Z, got %q", p)
		}
	}
	return nil
}

func (r BookingRules) validate() error {
	// Maps in sorted key order, so the first bad field is the same on
	// every call and every site.
	for _, ch := range slices.Sorted(maps.Keys(r.HorizonMonths)) {
		f := "booking.horizon_months." + ch
		if !isChannel(ch) {
			return InvalidRule(f, RuleUnknown, "unknown channel %q (want desk, phone, online or branch)", ch)
		}
		if n := r.HorizonMonths[ch]; n < 0 || n > 24 {
			return InvalidRule(f, RuleRange, "want 0 to 24 months, got %d", n)
		}
	}
	if r.MinLeadMinutes < 0 {
		return InvalidRule("booking.min_lead_minutes", RuleRange, "must not be negative, got %d", r.MinLeadMinutes)
	}
	if r.DayTickets < 0 {
		return InvalidRule("booking.day_tickets", RuleRange, "must not be negative, got %d", r.DayTickets)
	}
	for _, ch := range slices.Sorted(maps.Keys(r.DayTicketOpens)) {
		f := "booking.day_ticket_opens." + ch
		if !isChannel(ch) {
			return InvalidRule(f, RuleUnknown, "unknown channel %q (want desk, phone, online or branch)", ch)
		}
		if _, err := ParseClock(f, r.DayTicketOpens[ch]); err != nil {
			return err
		}
	}
	if r.ReleaseAt != "" {
		if _, err := ParseClock("booking.release_at", r.ReleaseAt); err != nil {
			return err
		}
	}
	return nil
}
