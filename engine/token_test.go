package engine

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// transfer stamps a transfer op of building b's day 2026-11-25 from origin.
func transfer(origin string, seq uint64, to string, cells []TransferCell, deps map[string]uint64) Op {
	d := TransferData{Building: "bb", Day: "2026-11-25", To: to, Cells: cells, Deps: deps}
	return Op{Origin: origin, Seq: seq, Kind: KindTokensTransferred, Entity: TokensEntity("bb", "2026-11-25"), Data: mustJSON(d)}
}

func cell(res string, block, epoch int) TransferCell {
	return TransferCell{Cell: Cell{Resource: res, Block: block}, Epoch: epoch}
}

func TestFoldTokensFollowsTheChainInAnyOrder(t *testing.T) {
	ops := []Op{
		transfer("home", 1, "branch", []TransferCell{cell("bb-1", 9, 1), cell("bb-2", 9, 1)}, nil),
		transfer("branch", 1, "home", []TransferCell{cell("bb-1", 9, 2)}, map[string]uint64{"home": 1}),
		transfer("home", 2, "office", []TransferCell{cell("bb-1", 9, 3)}, map[string]uint64{"branch": 1}),
		// Not the owner at epoch 1 of bb-2@9 (home was): ignored.
		transfer("office", 1, "office", []TransferCell{cell("bb-2", 9, 2)}, nil),
		// Epoch 5 of bb-1@9 without 4: waits, changes nothing yet.
		transfer("office", 2, "branch", []TransferCell{cell("bb-1", 9, 5)}, nil),
	}
	want := map[Cell]TokenState{
		{"bb-1", 9}: {Owner: "office", Epoch: 3, Deps: map[string]uint64{"branch": 1}},
		{"bb-2", 9}: {Owner: "branch", Epoch: 1},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		shuffled := append([]Op(nil), ops...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		shuffled = append(shuffled, shuffled[:i%len(ops)]...) // and some twice
		got, err := FoldTokens("home", shuffled)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("order %d: got %v, want %v", i, got, want)
		}
	}
}

func TestFoldTokensRefusesMalformed(t *testing.T) {
	for name, op := range map[string]Op{
		"no cells":    transfer("home", 1, "branch", nil, nil),
		"epoch 0":     transfer("home", 1, "branch", []TransferCell{cell("bb-1", 9, 0)}, nil),
		"no resource": transfer("home", 1, "branch", []TransferCell{cell("", 9, 1)}, nil),
		"other day":   {Origin: "home", Seq: 1, Kind: KindTokensTransferred, Entity: "bb/2026-11-26", Data: transfer("home", 1, "x", []TransferCell{cell("bb-1", 9, 1)}, nil).Data},
	} {
		if _, err := FoldTokens("home", []Op{op}); err == nil {
			t.Errorf("%s: folded", name)
		}
	}
}

func TestAllotSpreadsOverTheDay(t *testing.T) {
	b := Building{ID: "bb", HomeSite: "home", Booking: BookingRules{DayTickets: 10,
		Allotments: map[string]int{"branch": 20, "office": 10}}}
	var cells []Cell
	for block := 8; block < 18; block++ { // 10 blocks, 5 counters
		for k := 1; k <= 5; k++ {
			cells = append(cells, Cell{Resource: fmt.Sprintf("bb-%d", k), Block: block})
		}
	}
	for i := range 10 {
		cells = append(cells, Cell{Resource: TicketResource, Block: i})
	}
	got := Allot(b, cells)
	if !reflect.DeepEqual(got, Allot(b, cells)) {
		t.Fatal("Allot is not deterministic")
	}
	count := map[string]int{}
	morning, afternoon := map[string]int{}, map[string]int{}
	tickets := map[string]int{}
	for _, c := range cells {
		site := got[c]
		switch {
		case c.Resource == TicketResource:
			tickets[site]++
		case c.Block < 13:
			morning[site]++
			count[site]++
		default:
			afternoon[site]++
			count[site]++
		}
	}
	if count["branch"] != 10 || count["office"] != 5 || count["home"] != 35 {
		t.Errorf("places: %v, want branch 10, office 5, home 35 of 50", count)
	}
	if tickets["branch"] != 2 || tickets["office"] != 1 || tickets["home"] != 7 {
		t.Errorf("tickets: %v, want branch 2, office 1, home 7 of 10", tickets)
	}
	for _, site := range []string{"branch", "office"} {
		if morning[site] == 0 || afternoon[site] == 0 {
			t.Errorf("%s gets %d places in the morning and %d in the afternoon: not spread", site, morning[site], afternoon[site])
		}
	}
}

func TestCheckAllotments(t *testing.T) {
	allot := func(home string, al map[string]int) Building {
		return Building{HomeSite: home, Booking: BookingRules{Allotments: al}}
	}
	for name, tc := range map[string]struct {
		b           Building
		field, rule string
	}{
		"over 100":            {allot("h", map[string]int{"a": 60, "b": 50}), "allotments", RuleOver100},
		"negative":            {allot("h", map[string]int{"a": -1}), "allotments", RuleRange},
		"the home site's own": {allot("h", map[string]int{"h": 10}), "allotments", RuleHomeAllotted},
		"site without a name": {allot("h", map[string]int{"": 10}), "allotments", RuleFormat},
		"site with a space":   {allot("h", map[string]int{"a b": 10}), "allotments", RuleFormat},
		"site with U+202E":    {allot("h", map[string]int{"a\u202eb": 10}), "allotments", RuleControlChar},
		"home with U+202E":    {allot("h\u202e", nil), "home_site", RuleControlChar},
		"home too long":       {allot(strings.Repeat("h", MaxIDLen+1), nil), "home_site", RuleTooLong},
		"no home":             {allot("", map[string]int{"a": 10}), "home_site", RuleRequired},
		"block too big":       {Building{HomeSite: "h", Booking: BookingRules{TokenMinutes: 2000}}, "token_minutes", RuleRange},
		"negative block":      {Building{HomeSite: "h", Booking: BookingRules{TokenMinutes: -5}}, "token_minutes", RuleRange},
	} {
		err := CheckAllotments(tc.b)
		if e := AsError(err); e == nil || e.Field != tc.field || e.Rule != tc.rule {
			t.Errorf("%s: %v, want an error on %q (%s)", name, err, tc.field, tc.rule)
		}
	}
	if err := CheckTokenMinutes(0); err == nil {
		t.Errorf("CheckTokenMinutes(0): no error, want the given block refused (the default is left out)")
	}
	if err := CheckAllotments(Building{HomeSite: "h", Booking: BookingRules{Allotments: map[string]int{"a": 20}}}); err != nil {
		t.Errorf("a good allotment: %v", err)
	}
}
