package engine

// Building is a place visitors come to, with one entrance where reception
// registers them.
type Building struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Address  string `json:"address"`
	Entrance string `json:"entrance"`
	// AppointmentOnly: visitors come only with an appointment (the town
	// halls). Reception warns at a walk-in and asks for the reason (not
	// enforced yet: it comes with the reception desk's walk-in warning).
	AppointmentOnly bool `json:"appointment_only"`
	// IdleLockMinutes: a desk in this building locks after this long
	// without its person. 0: the default, DefaultIdleLockMinutes.
	IdleLockMinutes int `json:"idle_lock_minutes,omitempty"`
	// Retention: how long the building keeps personal data (nil: the
	// defaults, engine.DefaultRetention).
	Retention *Retention `json:"retention,omitempty"`
	Hours     []Interval `json:"hours"`

	// VisitReasons is the pick list reception offers for a visit's reason,
	// so that the free text (which would collect health details) is rarely
	// needed. Free text stays allowed.
	VisitReasons []string `json:"visit_reasons,omitempty"`
	// TracingMarginMinutes: contact tracing counts stays as overlapping
	// when they are at most this far apart (see tracing.go). 0: the
	// default, 15 minutes.
	TracingMarginMinutes int `json:"tracing_margin_minutes,omitempty"`
	// PrivacyNotice is shown to citizens before they book online (plain
	// text, paragraphs separated by blank lines).
	PrivacyNotice string `json:"privacy_notice,omitempty"`

	// MonthlyDays adds hours on the nth weekday of every month ("open on
	// the first Saturday of the month", Dorsten).
	MonthlyDays []MonthlyDay `json:"monthly_days,omitempty"`
	// Exceptions override the weekly hours on dates: closures (with a
	// reason shown to clerks) and extra or shortened days.
	Exceptions []Exception `json:"exceptions,omitempty"`
	// HolidayRegion names the state whose public holidays are closed days:
	// "NW" (North Rhine-Westphalia). Empty: no holidays.
	HolidayRegion string `json:"holiday_region,omitempty"`

	// SlotMinutes is the grid appointments start on and are rounded up to.
	SlotMinutes int `json:"slot_minutes"`
	// TicketPrefix starts the ticket numbers of this building ("A" → A-017).
	TicketPrefix string       `json:"ticket_prefix"`
	Booking      BookingRules `json:"booking"`
	// HomeSite owns the building's capacity tokens unless it gave them
	// away (see token.go). Empty: no tokens, every site books on
	// everything (a single site, or a cluster that has not set it up).
	HomeSite string `json:"home_site,omitempty"`
	// HomeByDefault: HomeSite is not configured but the default of a
	// cluster (engine.EffectiveHome), filled in when the configuration is
	// loaded; never written back.
	HomeByDefault bool `json:"-"`
}

// TimeRange is a local wall-clock interval of one day.
type TimeRange struct {
	Open  string `json:"open"`  // "08:30"
	Close string `json:"close"` // "12:30"
}

// MonthlyDay: open on the Nth weekday of each month.
type MonthlyDay struct {
	Nth     int         `json:"nth"`     // 1..5; -1 is the last
	Weekday int         `json:"weekday"` // ISO: 1 = Monday … 7 = Sunday
	Hours   []TimeRange `json:"hours"`
}

// Exception changes the hours of the days From..To (inclusive): closed, or
// open with Hours instead of the weekly hours (an extra or shortened day).
// An exception wins over a holiday and over the weekly and monthly hours.
type Exception struct {
	From   string      `json:"from"`         // YYYY-MM-DD
	To     string      `json:"to,omitempty"` // YYYY-MM-DD; empty means From
	Closed bool        `json:"closed"`
	Reason string      `json:"reason,omitempty"` // shown to clerks ("Betriebsausflug")
	Hours  []TimeRange `json:"hours,omitempty"`
}

// BookingRules are a building's rules for who may book what, when.
type BookingRules struct {
	// HorizonMonths: how far ahead each channel may book. Missing
	// channels: desk, phone and branch 12, online 3.
	HorizonMonths map[string]int `json:"horizon_months,omitempty"`
	// MinLeadMinutes: an appointment starts at least this long after it
	// is booked.
	MinLeadMinutes int `json:"min_lead_minutes"`
	// DayTickets is the daily contingent (Mon–Fri) of same-day bookings
	// ("day tickets") over all channels; 0 means same-day bookings are
	// limited by capacity only.
	DayTickets int `json:"day_tickets"`
	// DayTicketOpens: from when on the day itself each channel may book a
	// day ticket ("07:00"). Missing channels: online 07:00, others 08:00.
	DayTicketOpens map[string]string `json:"day_ticket_opens,omitempty"`
	// ReleaseAt: when held-back counters (Counter.HeldBack) become
	// bookable for the same day ("07:45"). Empty: 15 minutes before the
	// day's first opening.
	ReleaseAt string `json:"release_at,omitempty"`
	// Allotments: the percentage of the capacity tokens (places and day
	// tickets) each other site owns, spread over the day; the home site
	// keeps the rest. Tokens a site has not used by the day's ReleaseAt
	// return to the home site.
	Allotments map[string]int `json:"allotments,omitempty"`
	// TokenMinutes is the block length of place tokens (60 if 0).
	TokenMinutes int `json:"token_minutes,omitempty"`

	// Online booking (the public pages). ConfirmMinutes: how long an
	// unconfirmed booking holds its slot (DefaultConfirmMinutes if 0).
	// MaxActivePerEmail: upcoming bookings one e-mail address may hold
	// (DefaultMaxActivePerEmail if 0). ReminderDayBefore: mail a reminder
	// the day before.
	ConfirmMinutes    int  `json:"confirm_minutes,omitempty"`
	MaxActivePerEmail int  `json:"max_active_per_email,omitempty"`
	ReminderDayBefore bool `json:"reminder_day_before,omitempty"`
}

// Interval is one weekly opening interval in local wall-clock time.
type Interval struct {
	Weekday int    `json:"weekday"` // ISO: 1 = Monday … 7 = Sunday
	Open    string `json:"open"`    // "08:30"
	Close   string `json:"close"`   // "12:30"
}

// Service is a concern a citizen can book (an appointment has 1 to 4).
type Service struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	DurationMin int      `json:"duration_min"`
	Documents   []string `json:"documents"`
	Buildings   []string `json:"buildings"`
	// Department that handles it; its rooms are tried first.
	Department string `json:"department,omitempty"`
	// NeedsRoom: handled in a consultation room, not only at a counter.
	NeedsRoom bool `json:"needs_room,omitempty"`
}

// Counter is a place where one clerk serves one citizen at a time.
type Counter struct {
	ID       string `json:"id"`
	Building string `json:"building"`
	Name     string `json:"name"` // "Schalter 3", shown on the call-up monitor
	// Services it can serve (the skills of who staffs it).
	Services []string `json:"services"`
	// Weekdays it is staffed (ISO 1..7); empty means every open day.
	Weekdays []int `json:"weekdays,omitempty"`
	// Absences: days it is not staffed (illness, holiday, training).
	Absences []DateRange `json:"absences,omitempty"`
	// HeldBack: not offered ahead; released for same-day booking at the
	// building's ReleaseAt (Dorsten's "further same-day slots at 07:45").
	HeldBack bool `json:"held_back,omitempty"`
}

// DateRange is an inclusive range of local days.
type DateRange struct {
	From   string `json:"from"`         // YYYY-MM-DD
	To     string `json:"to,omitempty"` // YYYY-MM-DD; empty means From
	Reason string `json:"reason,omitempty"`
}

// Room is a consultation room an appointment can reserve.
type Room struct {
	ID       string `json:"id"`
	Building string `json:"building"`
	Name     string `json:"name"`
	// Department owning it; empty means the shared service-centre rooms,
	// which every department falls back to when its own are full.
	Department  string `json:"department,omitempty"`
	BarrierFree bool   `json:"barrier_free,omitempty"`
}

// Staff is a person a visitor can come to (a host).
type Staff struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Building   string `json:"building"`
}
