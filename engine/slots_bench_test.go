package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The slot benchmarks search a Bürger Büro like engine/store's
// BenchmarkSlotSearch, without the store: twelve counters (one quick, one
// held back), about two thirds full over the next four months.
//
//	go test -run XXX -bench 'FindSlots|Allocate' -benchmem ./engine

var benchSlotNow = time.Date(2026, 11, 18, 8, 5, 0, 0, Berlin) // a Wednesday morning

var benchSlotServices = []string{"personalausweis", "reisepass", "ausweis-abholen", "anmeldung", "ummeldung",
	"meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}

func benchSlotCatalog() *Catalog {
	b := Building{ID: "buergerbuero", Name: "Bürger Büro", HolidayRegion: "NW", SlotMinutes: 5, TicketPrefix: "A",
		Booking: BookingRules{MinLeadMinutes: 10, DayTickets: 20, ReleaseAt: "07:45"},
		Hours: []Interval{
			{Weekday: 1, Open: "08:00", Close: "16:00"}, {Weekday: 2, Open: "08:00", Close: "16:00"},
			{Weekday: 3, Open: "08:00", Close: "12:30"}, {Weekday: 4, Open: "08:00", Close: "18:00"},
			{Weekday: 5, Open: "08:00", Close: "12:30"},
		},
		Exceptions: []Exception{
			{From: "2026-12-24", Hours: []TimeRange{{Open: "08:00", Close: "11:00"}}},
			{From: "2026-12-31", Closed: true, Reason: "Jahresabschluss"},
		}}
	minutes := map[string]int{"personalausweis": 15, "reisepass": 15, "ausweis-abholen": 5, "anmeldung": 10,
		"ummeldung": 10, "meldebescheinigung": 5, "fuehrungszeugnis": 5, "beglaubigung": 5}
	var services []Service
	for _, id := range benchSlotServices {
		services = append(services, Service{ID: id, Name: id, DurationMin: minutes[id], Buildings: []string{b.ID}})
	}
	var counters []Counter
	for i := 1; i <= 10; i++ {
		counters = append(counters, Counter{ID: fmt.Sprintf("bb-%d", i), Building: b.ID, Services: benchSlotServices})
	}
	counters = append(counters,
		Counter{ID: "bb-quick", Building: b.ID, Services: []string{"ausweis-abholen", "meldebescheinigung", "fuehrungszeugnis", "beglaubigung"}},
		Counter{ID: "bb-held", Building: b.ID, Services: benchSlotServices, HeldBack: true})
	return NewCatalog([]Building{b}, services, counters, nil)
}

// benchSlotFill books n appointments at random starts of the next days
// days, as engine/store's fillAppointments does.
func benchSlotFill(b *testing.B, cat *Catalog, n, days int) *OccupancyIndex {
	b.Helper()
	occ := NewOccupancyIndex()
	rnd := rand.New(rand.NewPCG(2026, 11))
	var menu [][]string
	for i, s := range benchSlotServices {
		menu = append(menu, []string{s})
		for _, t := range benchSlotServices[i+1:] {
			menu = append(menu, []string{s, t})
		}
	}
	bld := cat.Buildings["buergerbuero"]
	for booked, misses := 0, 0; booked < n; {
		if misses > 20*n {
			b.Fatalf("only %d of %d appointments fit", booked, n)
		}
		day := time.Date(benchSlotNow.Year(), benchSlotNow.Month(), benchSlotNow.Day()+1+rnd.IntN(days), 12, 0, 0, 0, Berlin)
		dp := bld.Plan(day)
		if !dp.Open() {
			continue
		}
		o := dp.Openings[rnd.IntN(len(dp.Openings))]
		start := o.Start.Add(time.Duration(rnd.IntN(int(o.End.Sub(o.Start)/(5*time.Minute)))) * 5 * time.Minute)
		q := Query{Building: bld.ID, Services: menu[rnd.IntN(len(menu))], Channel: ChannelDesk, Now: benchSlotNow}
		s, err := Allocate(cat, occ, q, start)
		if err != nil {
			misses++
			continue
		}
		occ.Put(Appointment{ID: fmt.Sprintf("bench-%06d", booked), Building: bld.ID, Start: s.Start, End: s.End,
			Counter: s.Counter, Room: s.Room, Status: ApptBooked})
		booked++
	}
	return occ
}

// dayOnly hides OccupancyIndex's lanes: the finder builds them from Day.
type dayOnly struct{ x *OccupancyIndex }

func (d dayOnly) Day(building, day string) []Busy { return d.x.Day(building, day) }

func benchFindSlots(b *testing.B, lanes bool) {
	cat := benchSlotCatalog()
	idx := benchSlotFill(b, cat, 22_000, 120)
	var occ Occupancy = idx
	if !lanes {
		occ = dayOnly{idx}
	}
	q := Query{Building: "buergerbuero", Services: []string{"personalausweis", "anmeldung", "ummeldung", "meldebescheinigung"},
		From: Day(benchSlotNow), Days: 90, Channel: ChannelDesk, Now: benchSlotNow}
	var found []Slot
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if found, err = FindSlots(cat, occ, q, 0); err != nil {
			b.Fatal(err)
		}
	}
	if len(found) == 0 {
		b.Fatal("no free slot: the fill is too dense to measure a search")
	}
	b.ReportMetric(float64(len(found)), "slots")
}

func BenchmarkFindSlots(b *testing.B) {
	b.Run("lanes", func(b *testing.B) { benchFindSlots(b, true) })
	b.Run("day-only", func(b *testing.B) { benchFindSlots(b, false) })
}

func BenchmarkAllocate(b *testing.B) {
	cat := benchSlotCatalog()
	occ := benchSlotFill(b, cat, 22_000, 120)
	q := Query{Building: "buergerbuero", Services: []string{"meldebescheinigung"}, Channel: ChannelDesk, Now: benchSlotNow}
	slots, err := FindSlots(cat, occ, Query{Building: q.Building, Services: q.Services, From: "2026-12-01", Days: 7,
		Channel: q.Channel, Now: q.Now}, 0)
	if err != nil || len(slots) == 0 {
		b.Fatalf("no slot to allocate: %v", err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := Allocate(cat, occ, q, slots[i%len(slots)].Start); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
