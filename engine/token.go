package engine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Capacity tokens (escrow; O'Neil 1986, Balegas et al. 2015). A building
// with a home site divides its capacity into tokens, each with exactly one
// owner site, and a site books only on tokens it owns, offline too. So two
// sites cut off from each other can never book the same place.
//
//   - A place token is one counter or room for one block of the day
//     (Building.Booking.TokenMinutes, 60 by default, counted from local
//     midnight). A booking needs every token its counter and room cover.
//   - A ticket token is one day ticket of the day's contingent
//     (BookingRules.DayTickets). A same-day booking uses one.
//
// Every token starts with the home site (epoch 0). Ownership then moves
// only by transfers that the owner of the moment writes (epoch+1): two
// transfers of one epoch cannot exist, so transfers never conflict, and the
// fold takes each token's highest epoch whatever order ops arrive in. A
// transfer carries the writer's version vector (Deps): the new owner books
// on the token only once it holds everything the old owner had seen, so
// every booking made on the token before is in its occupancy.

// TicketResource is the resource of ticket tokens.
const TicketResource = "#ticket"

// DefaultTokenMinutes is the block length of place tokens.
const DefaultTokenMinutes = 60

// Token op kind and entity type. The entity is one building's day:
// "BUILDING/DAY".
const (
	KindTokensTransferred = "tokens.transferred"
	EntityTokens          = "tokens"
)

// Cell is one token of a building's day: a resource (counter or room id,
// or TicketResource) and a block (place tokens: block index from local
// midnight; ticket tokens: ticket number from 0).
type Cell struct {
	Resource string `json:"r"`
	Block    int    `json:"b"`
}

func (c Cell) String() string { return c.Resource + "@" + strconv.Itoa(c.Block) }

// Token names one token: a cell of a building's day.
type Token struct {
	Building string
	Day      string // YYYY-MM-DD
	Cell
}

// String is the form a booking names its tokens by: "BUILDING/DAY/RES@BLOCK".
func (t Token) String() string { return t.Building + "/" + t.Day + "/" + t.Cell.String() }

// ParseToken reads Token.String.
func ParseToken(s string) (Token, error) {
	parts := strings.SplitN(s, "/", 3)
	if len(parts) != 3 {
		return Token{}, fmt.Errorf("token %q: want BUILDING/DAY/RESOURCE@BLOCK", s)
	}
	res, block, ok := strings.Cut(parts[2], "@")
	n, err := strconv.Atoi(block)
	if !ok || err != nil || res == "" || n < 0 {
		return Token{}, fmt.Errorf("token %q: want BUILDING/DAY/RESOURCE@BLOCK", s)
	}
	return Token{Building: parts[0], Day: parts[1], Cell: Cell{Resource: res, Block: n}}, nil
}

// TicketToken names day ticket i (from 0) of a building's day.
func TicketToken(building, day string, i int) Token {
	return Token{Building: building, Day: day, Cell: Cell{Resource: TicketResource, Block: i}}
}

// TokensEntity is the entity of a building's day's transfers.
func TokensEntity(building, day string) string { return building + "/" + day }

// Escrowed reports whether b's capacity is divided into tokens.
func (b Building) Escrowed() bool { return b.HomeSite != "" }

// TokenBlock returns the block length of b's place tokens in ms.
func (b Building) TokenBlock() int64 {
	m := b.Booking.TokenMinutes
	if m <= 0 {
		m = DefaultTokenMinutes
	}
	return int64(m) * int64(time.Minute/time.Millisecond)
}

// Midnight returns the Unix ms of the start of a local day (YYYY-MM-DD).
func Midnight(day string) (int64, error) {
	d, err := time.ParseInLocation(time.DateOnly, day, Berlin)
	if err != nil {
		return 0, err
	}
	return d.UnixMilli(), nil
}

// blockSpan returns the first and the last block that [start, end) (Unix
// ms) touches, blocks of length block counted from midnight.
func blockSpan(midnight, block, start, end int64) (first, last int) {
	return int((start - midnight) / block), int((end - 1 - midnight) / block)
}

// PlaceTokens returns the tokens a slot of b needs: its counter's and its
// room's blocks over [Start, End).
func PlaceTokens(b Building, s Slot) []Token {
	day := Day(s.Start)
	mid, err := Midnight(day)
	if err != nil {
		return nil
	}
	first, last := blockSpan(mid, b.TokenBlock(), s.Start.UnixMilli(), s.End.UnixMilli())
	var out []Token
	for _, res := range []string{s.Counter, s.Room} {
		if res == "" {
			continue
		}
		for i := first; i <= last; i++ {
			out = append(out, Token{Building: b.ID, Day: day, Cell: Cell{Resource: res, Block: i}})
		}
	}
	return out
}

// TokenState is who owns a token, since which transfer, and what the new
// owner must hold before it books on it.
type TokenState struct {
	Owner string            `json:"owner"`
	Epoch int               `json:"epoch"`
	Deps  map[string]uint64 `json:"deps,omitempty"`
}

// Satisfied reports whether vector holds everything deps names.
func Satisfied(deps, vector map[string]uint64) bool {
	for site, seq := range deps {
		if vector[site] < seq {
			return false
		}
	}
	return true
}

// TransferData is a transfer op's payload: cells of one building's day,
// each moving to To at its own epoch.
type TransferData struct {
	Building string            `json:"building"`
	Day      string            `json:"day"`
	To       string            `json:"to"`
	Cells    []TransferCell    `json:"cells"`
	Deps     map[string]uint64 `json:"deps,omitempty"`
	Reason   string            `json:"reason,omitempty"` // "allotment", "request", "release"
}

// TransferCell is one token of a transfer and the epoch it starts.
type TransferCell struct {
	Cell
	Epoch int `json:"e"`
}

// MaxTransferCells bounds one transfer op.
const MaxTransferCells = 2000

// TransferOp returns the op that hands cells of a building's day (each at
// the epoch cur gives it) to another site.
func TransferOp(building, day, to string, cells []Cell, cur map[Cell]TokenState, deps map[string]uint64, reason string) Op {
	d := TransferData{Building: building, Day: day, To: to, Deps: deps, Reason: reason}
	for _, c := range cells {
		d.Cells = append(d.Cells, TransferCell{Cell: c, Epoch: cur[c].Epoch + 1})
	}
	return Op{Kind: KindTokensTransferred, Entity: TokensEntity(building, day), Data: mustJSON(d)}
}

// DecodeTransfer reads and checks a transfer op's payload.
func DecodeTransfer(op Op) (TransferData, error) {
	var d TransferData
	if err := json.Unmarshal(op.Data, &d); err != nil {
		return d, err
	}
	switch {
	case d.Building == "" || d.To == "":
		return d, fmt.Errorf("transfer without building or recipient")
	case TokensEntity(d.Building, d.Day) != op.Entity:
		return d, fmt.Errorf("transfer of %s/%s in entity %s", d.Building, d.Day, op.Entity)
	case len(d.Cells) == 0 || len(d.Cells) > MaxTransferCells:
		return d, fmt.Errorf("transfer of %d cells (1..%d)", len(d.Cells), MaxTransferCells)
	}
	if _, err := time.ParseInLocation(time.DateOnly, d.Day, Berlin); err != nil {
		return d, fmt.Errorf("transfer day %q: %w", d.Day, err)
	}
	for _, c := range d.Cells {
		if c.Resource == "" || c.Block < 0 || c.Epoch < 1 {
			return d, fmt.Errorf("transfer cell %+v", c)
		}
	}
	return d, nil
}

// FoldTokens computes the state of every token of a building's day that
// was ever transferred. Cells not in the result are home's, at epoch 0.
// Per cell, the transfers are followed epoch by epoch from home: one of
// epoch e counts only if its origin owned the cell at epoch e-1, and the
// chain stops at the first epoch missing (it has not arrived yet). So a
// site can only give away what it owns, and any order of ops gives the
// same result.
func FoldTokens(home string, ops []Op) (map[Cell]TokenState, error) {
	return FoldTokensRevoked(home, ops, nil)
}

// FoldTokensRevoked is FoldTokens where the sites in revoked (by name, with
// the last seq of theirs that counts) are revoked (engine/site.go): a token a revoked site owns goes back to the home
// site, which hands it on with the next epoch as if it had never given it
// away.
func FoldTokensRevoked(home string, ops []Op, revoked map[string]uint64) (map[Cell]TokenState, error) {
	type move struct {
		from  string
		state TokenState
	}
	moves := map[Cell]map[int][]move{}
	for _, op := range ops {
		if op.Kind != KindTokensTransferred {
			return nil, fmt.Errorf("op %s/%d: kind %q is not a token op", op.Origin, op.Seq, op.Kind)
		}
		d, err := DecodeTransfer(op)
		if err != nil {
			return nil, fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, err)
		}
		for _, c := range d.Cells {
			if moves[c.Cell] == nil {
				moves[c.Cell] = map[int][]move{}
			}
			moves[c.Cell][c.Epoch] = append(moves[c.Cell][c.Epoch],
				move{from: op.Origin, state: TokenState{Owner: d.To, Epoch: c.Epoch, Deps: d.Deps}})
		}
	}
	out := map[Cell]TokenState{}
	for cell, byEpoch := range moves {
		cur := TokenState{Owner: home}
		for e := 1; ; e++ {
			var next *TokenState
			for _, m := range byEpoch[e] {
				// One writer per epoch; should it ever write two, the
				// recipient's name decides alike everywhere.
				if m.from == cur.Owner && (next == nil || m.state.Owner < next.Owner) {
					next = &m.state
				}
			}
			if next == nil {
				break
			}
			cur = *next
		}
		if _, gone := revoked[cur.Owner]; gone && cur.Owner != home {
			cur = TokenState{Owner: home, Epoch: cur.Epoch}
		}
		if cur.Epoch > 0 {
			out[cell] = cur
		}
	}
	return out, nil
}

// DayCells lists every token of b's day in a fixed order: place tokens
// block by block (counters, then rooms, by id), then the day tickets.
// Blocks are those the day's openings touch.
func DayCells(b Building, counters []Counter, rooms []Room, dp DayPlan) []Cell {
	var out []Cell
	if !dp.Open() {
		return out
	}
	mid, err := Midnight(dp.Day)
	if err != nil {
		return out
	}
	var blocks []int
	for _, o := range dp.Openings {
		first, last := blockSpan(mid, b.TokenBlock(), o.Start.UnixMilli(), o.End.UnixMilli())
		for i := first; i <= last; i++ {
			if !slices.Contains(blocks, i) {
				blocks = append(blocks, i)
			}
		}
	}
	sort.Ints(blocks)
	for _, i := range blocks {
		for _, k := range counters {
			out = append(out, Cell{Resource: k.ID, Block: i})
		}
		for _, r := range rooms {
			out = append(out, Cell{Resource: r.ID, Block: i})
		}
	}
	for i := range b.Booking.DayTickets {
		out = append(out, Cell{Resource: TicketResource, Block: i})
	}
	return out
}

// Allot returns the site each cell should belong to by b's allotments:
// the home site keeps what the other sites' percentages leave, and the
// cells are dealt out in order by smooth weighted round robin, so a site
// with 20% gets every fifth place token, spread over the day, and every
// fifth day ticket. Every site computes the same answer.
func Allot(b Building, cells []Cell) map[Cell]string {
	type share struct {
		site          string
		weight, score int
	}
	rest := 100
	var shares []share
	for _, site := range slices.Sorted(maps.Keys(b.Booking.Allotments)) {
		if w := b.Booking.Allotments[site]; w > 0 && site != b.HomeSite {
			shares = append(shares, share{site: site, weight: w})
			rest -= w
		}
	}
	shares = append([]share{{site: b.HomeSite, weight: max(rest, 0)}}, shares...)
	total := 0
	for _, s := range shares {
		total += s.weight
	}
	out := make(map[Cell]string, len(cells))
	deal := func(cells []Cell) {
		for i := range shares {
			shares[i].score = 0
		}
		for _, c := range cells {
			best := 0
			for i := range shares {
				shares[i].score += shares[i].weight
				if shares[i].score > shares[best].score {
					best = i
				}
			}
			shares[best].score -= total
			out[c] = shares[best].site
		}
	}
	if total == 0 {
		for _, c := range cells {
			out[c] = b.HomeSite
		}
		return out
	}
	// Places and tickets are dealt separately, each from the start.
	var places, tickets []Cell
	for _, c := range cells {
		if c.Resource == TicketResource {
			tickets = append(tickets, c)
		} else {
			places = append(places, c)
		}
	}
	deal(places)
	deal(tickets)
	return out
}

// Rules of the allotment settings beyond the shape, so the edge can say
// precisely what is wrong.
const (
	RuleOver100      = "over_100"      // the allotments add up to more than 100%
	RuleHomeAllotted = "home_allotted" // the home site has a share: it keeps the rest
)

// MaxTokenMinutes bounds a place token's block: one day.
const MaxTokenMinutes = 24 * 60

// CheckAllotments is the one rule of a building's capacity-token
// settings, asked by the API (PUT /api/buildings/{id}/allotments, through
// Building.Validate) and by CheckOp alike: every site name well formed
// (CheckSiteName), whole percentages 0..100 that add up to at most 100,
// no share for the home site (it keeps the rest), a home site whenever
// there are allotments, and a token block within a day (0: the default).
// Sites are checked in name order, so the first bad one is the same on
// every call and every site.
func CheckAllotments(b Building) error {
	sum := 0
	for _, site := range slices.Sorted(maps.Keys(b.Booking.Allotments)) {
		w := b.Booking.Allotments[site]
		if site == "" {
			return InvalidRule("allotments", RuleFormat, "a site without a name")
		}
		if err := CheckSiteName("allotments", site); err != nil {
			return err
		}
		if w < 0 || w > 100 {
			return InvalidRule("allotments", RuleRange, "%s: %d%% (0..100)", site, w)
		}
		sum += w
	}
	if sum > 100 {
		return InvalidRule("allotments", RuleOver100, "together %d%%, more than 100%%", sum)
	}
	if _, own := b.Booking.Allotments[b.HomeSite]; own && b.HomeSite != "" {
		return InvalidRule("allotments", RuleHomeAllotted, "the home site %s keeps the rest", b.HomeSite)
	}
	if err := CheckSiteName("home_site", b.HomeSite); err != nil {
		return err
	}
	if len(b.Booking.Allotments) > 0 && b.HomeSite == "" {
		return InvalidRule("home_site", RuleRequired, "allotments need a home site")
	}
	if m := b.Booking.TokenMinutes; m != 0 {
		return CheckTokenMinutes(m)
	}
	return nil
}

// CheckTokenMinutes checks a place-token block that is given: 1 to
// MaxTokenMinutes. The default is not given as 0 but left out (the
// building's TokenMinutes stays 0, read as DefaultTokenMinutes), so a 0
// typed into the API or written into an op is refused.
func CheckTokenMinutes(m int) error {
	if m < 1 || m > MaxTokenMinutes {
		return InvalidRule("token_minutes", RuleRange, "%d minutes (1..%d)", m, MaxTokenMinutes)
	}
	return nil
}

// TokenView tells the slot finder which capacity tokens a site may book on.
type TokenView interface {
	// TokenDay returns what the site may use of an escrowed building's
	// local day; nil if nothing.
	TokenDay(building, day string) *DayTokens
}

// DayTokens is what one site may use of a building's day: per resource
// (counter or room id) and place-token block, whether it owns the token
// and may book on it; and how many day tickets it may still issue.
type DayTokens struct {
	Midnight int64 // Unix ms of the day's local midnight: block 0 starts here
	Block    int64 // block length, ms
	Usable   map[string][]bool
	Tickets  int
}

// Covers reports whether the site may book resource over [start, end).
func (d *DayTokens) Covers(resource string, start, end int64) bool {
	u := d.Usable[resource]
	first, last := blockSpan(d.Midnight, d.Block, start, end)
	if first < 0 || last >= len(u) {
		return false
	}
	for i := first; i <= last; i++ {
		if !u[i] {
			return false
		}
	}
	return true
}
