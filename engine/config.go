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
	AppointmentOnly bool       `json:"appointment_only"`
	Hours           []Interval `json:"hours"`
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
}

// Staff is a person a visitor can come to (a host).
type Staff struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Department string `json:"department"`
	Building   string `json:"building"`
}
