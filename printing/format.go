package printing

import (
	"fmt"
	"strconv"
	"sync"
	"time"
)

// berlin loads Europe/Berlin once; every document shows its times there.
// On a system without a zoneinfo database (a bare Windows desktop) the main
// package must import time/tzdata (package engine does); a library must not.
var berlin = sync.OnceValues(func() (*time.Location, error) {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil, fmt.Errorf("printing: load time zone: %w", err)
	}
	return loc, nil
})

// local returns t in Berlin. Every Write function checks berlin() first,
// so the fallback to UTC is never printed.
func local(t time.Time) time.Time {
	loc, err := berlin()
	if err != nil {
		return t.UTC()
	}
	return t.In(loc)
}

// The names German forms use, indexed by time.Weekday and time.Month.
var (
	weekdayShort = [7]string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."}
	weekdayLong  = [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
	monthLong    = [13]string{"", "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
		"August", "September", "Oktober", "November", "Dezember"}
)

// formatDateTime formats t as a German reader expects it on a form,
// "Sa., 21.11.2026, 09:14 Uhr", in Europe/Berlin whatever t's location.
func formatDateTime(t time.Time) (string, error) {
	if _, err := berlin(); err != nil {
		return "", err
	}
	t = local(t)
	return weekdayShort[t.Weekday()] + t.Format(", 02.01.2006, 15:04 Uhr"), nil
}

// longDate is the day as a letter names it: "Donnerstag, 3. Dezember 2026".
func longDate(t time.Time) string {
	t = local(t)
	return weekdayLong[t.Weekday()] + ", " + strconv.Itoa(t.Day()) + ". " + monthLong[t.Month()] + " " + strconv.Itoa(t.Year())
}

// shortDate is "18.11.2026".
func shortDate(t time.Time) string { return local(t).Format("02.01.2006") }

// clockTime is "09:40", or "" for the zero time (not happened yet).
func clockTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return local(t).Format("15:04")
}

// sameDay reports whether two instants fall on the same Berlin day.
func sameDay(a, b time.Time) bool {
	return local(a).Format(time.DateOnly) == local(b).Format(time.DateOnly)
}
