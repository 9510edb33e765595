package sync

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"pforte/engine"
)

// townHallDay commits n signed, chained ops of a town hall's day to l, a
// mix as the sites write it: bookings (with the citizen's personal data),
// check-ins of bookings made before, walk-in visits.
func (l *memLog) townHallDay(rng *rand.Rand, n int) {
	first := []string{"Maria", "Anna", "Thomas", "Michael", "Sabine", "Jürgen", "Elif", "Mehmet", "Olga", "Lukas", "Sophie", "Hans"}
	last := []string{"Schneider", "Müller", "Fischer", "Weber", "Becker", "Hoffmann", "Yilmaz", "Kowalski", "Schulz", "Wagner"}
	services := []string{"service-ausweis", "service-reisepass", "service-meldung", "service-fuehrerschein", "service-gewerbe"}
	mail := []string{"gmail.com", "web.de", "t-online.de", "gmx.de"}
	day := time.Date(2026, 11, 18, 7, 30, 0, 0, engine.Berlin)
	at := day
	var booked []string
	ticket := 0
	l.mu.Lock()
	defer l.mu.Unlock()
	for range n {
		at = at.Add(time.Duration(1+rng.IntN(20)) * time.Second)
		var op engine.Op
		switch r := rng.IntN(10); {
		case r < 4: // a booking, for a slot in the next weeks
			f, s := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
			start := day.AddDate(0, 0, rng.IntN(28)).Add(time.Duration(60+rng.IntN(16)*15) * time.Minute)
			citizen := engine.Citizen{Name: f + " " + s, BirthDate: fmt.Sprintf("19%02d-%02d-%02d", 40+rng.IntN(65), 1+rng.IntN(12), 1+rng.IntN(28))}
			if rng.IntN(3) > 0 {
				citizen.Phone = fmt.Sprintf("0%d %d", 2900+rng.IntN(100), 100000+rng.IntN(900000))
			}
			if rng.IntN(2) == 0 {
				citizen.Email = fmt.Sprintf("%s.%s@%s", f, s, mail[rng.IntN(len(mail))])
			}
			id := uuid.Must(uuid.NewV7()).String()
			code := make([]byte, 6)
			for i := range code {
				code[i] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[rng.IntN(32)]
			}
			op = engine.BookOp(id, string(code), engine.BookingRequest{Building: "rathaus-1",
				Services: []string{services[rng.IntN(len(services))]}, Channel: []string{"online", "phone", "counter"}[rng.IntN(3)],
				Citizen: citizen}, engine.Slot{Start: start, End: start.Add(15 * time.Minute), Counter: fmt.Sprintf("counter-%d", 1+rng.IntN(6))}, at, "")
			booked = append(booked, id)
		case r < 7 && len(booked) > 0: // a check-in of a booking
			i := rng.IntN(len(booked))
			id := booked[i]
			booked = slices.Delete(booked, i, i+1)
			ticket++
			var err error
			if op, err = engine.CheckIn(engine.Appointment{ID: id, Status: engine.ApptBooked}, fmt.Sprintf("A-%03d", ticket), at); err != nil {
				panic(err)
			}
		default: // a walk-in visit
			op = engine.RegisterOp(uuid.Must(uuid.NewV7()).String(), engine.NewVisit{Building: "rathaus-1",
				Name: first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))], Phone: "02921 103-0",
				Host: fmt.Sprintf("staff-%d", rng.IntN(30)), Reason: "Rückfrage zum Bescheid"}, at)
		}
		seq := uint64(len(l.ops[l.site]) + 1)
		op.Origin, op.Seq, op.Author, op.HLC = l.site, seq, "reception", engine.MakeHLC(at.UnixMilli(), 0)
		if seq > 1 {
			op.Prev = l.ops[l.site][seq-2].Hash()
		}
		l.ops[l.site] = append(l.ops[l.site], engine.Sign(op, l.priv))
	}
}

// randomOps makes ops with anything in their fields: empty and nil ones,
// odd lengths, extreme numbers, and runs linked as a chain.
func randomOps(rng *rand.Rand, n int) []engine.Op {
	blob := func(most int) []byte {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return []byte{}
		}
		b := make([]byte, rng.IntN(most+1))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	text := func() string {
		if rng.IntN(5) == 0 {
			return ""
		}
		return []string{"a", "site-b", "reception", "visit.registered", "ü\x00\xff"}[rng.IntN(5)] + string(blob(8))
	}
	number := func() uint64 {
		return []uint64{0, 1, math.MaxUint64, math.MaxInt64, rng.Uint64(), uint64(rng.IntN(100))}[rng.IntN(6)]
	}
	ops := make([]engine.Op, n)
	for i := range ops {
		op := engine.Op{Origin: text(), Seq: number(), HLC: engine.HLC(number()), Author: text(), Kind: text(), Entity: text(),
			Data: blob(300), Personal: blob(100), PersonalHash: blob(40), Sig: blob(70), Prev: blob(40)}
		if rng.IntN(2) == 0 {
			op.PersonalHash = engine.PersonalDigest(op.Personal)
		}
		if i > 0 && rng.IntN(2) == 0 {
			op.Prev = ops[i-1].Hash()
		}
		ops[i] = op
	}
	return ops
}

func sameOp(a, b engine.Op) bool {
	return a.Origin == b.Origin && a.Seq == b.Seq && a.HLC == b.HLC && a.Author == b.Author && a.Kind == b.Kind &&
		a.Entity == b.Entity && bytes.Equal(a.Data, b.Data) && bytes.Equal(a.Personal, b.Personal) &&
		bytes.Equal(a.PersonalHash, b.PersonalHash) && bytes.Equal(a.Sig, b.Sig) && bytes.Equal(a.Prev, b.Prev)
}

func mustRoundTrip(t testing.TB, enc *batchEncoder, dec *batchDecoder, ops []engine.Op) []byte {
	t.Helper()
	frame, inflated, err := enc.encode(ops)
	if err != nil {
		t.Fatal(err)
	}
	if inflated > maxFrame {
		t.Fatalf("%d ops inflate to %d bytes", len(ops), inflated)
	}
	got, err := dec.decode(frame, maxFrame)
	if err != nil {
		t.Fatalf("decode %d ops: %v", len(ops), err)
	}
	if len(got) != len(ops) {
		t.Fatalf("decoded %d ops, want %d", len(got), len(ops))
	}
	for i := range ops {
		if !sameOp(got[i], ops[i]) {
			t.Fatalf("op %d decoded as\n%+v\nwant\n%+v", i, got[i], ops[i])
		}
	}
	return frame
}

// The signature covers exact bytes: whatever an op holds comes out the same.
func TestWireRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var enc batchEncoder
	var dec batchDecoder // both reused, as a session does
	for _, n := range []int{0, 1, 2, 3, 10, 100, 500} {
		for range 20 {
			mustRoundTrip(t, &enc, &dec, randomOps(rng, n))
		}
	}
	l := newMemLog("a")
	l.townHallDay(rng, 500)
	ops := l.held("a")
	mustRoundTrip(t, &enc, &dec, ops)
	for _, op := range ops { // and the signatures hold
		if err := engine.Verify(op, l.keys["a"]); err != nil {
			t.Fatal(err)
		}
	}
}

// A compact frame that inflates past the limit is refused before it is
// all read; a count or a length larger than the bytes it would take is
// refused before anything is allocated for it.
func TestWireRefusesWhatDoesNotFit(t *testing.T) {
	var bomb bytes.Buffer
	bomb.WriteByte(wireCompact)
	zw, _ := flate.NewWriterDict(&bomb, flate.BestCompression, []byte(wireDict))
	zeros := make([]byte, 1<<20)
	for range 64 {
		zw.Write(zeros)
	}
	zw.Close()
	var dec batchDecoder
	if _, err := dec.decode(bomb.Bytes(), maxFrame); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("64 MiB of zeros in %d bytes: %v, want %v", bomb.Len(), err, ErrFrameTooLarge)
	}

	// batch is the inflated content: ops, column lengths, columns.
	batch := func(n uint64, meta, text, bin []byte) []byte {
		b := binary.AppendUvarint(nil, n)
		b = binary.AppendUvarint(b, uint64(len(meta)))
		b = binary.AppendUvarint(b, uint64(len(text)))
		return append(append(append(b, meta...), text...), bin...)
	}
	// op is an op's meta: flags, origin (new string ""), author, kind and
	// entity (all ""), seq and HLC deltas, lengths of data, personal
	// data, signature, personal hash and prev.
	op := func(flags byte, sig byte) []byte { return []byte{flags, 0, 0, 0, 0, 0, 0, 0, 0, 0, sig, 0, 0} }
	if ops, err := decodeBatch(batch(1, op(0, 2), nil, []byte{7, 7})); err != nil || len(ops) != 1 || !bytes.Equal(ops[0].Sig, []byte{7, 7}) {
		t.Fatalf("a well-formed op: %+v, %v", ops, err)
	}
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", nil},
		{"more ops than bytes", batch(1<<40, op(0, 0), nil, nil)},
		{"more ops than allowed", batch(maxBatchOps+1, make([]byte, (maxBatchOps+1)*minOpMeta), nil, nil)},
		{"meta longer than the batch", []byte{1, 0xff, 0xff, 0x03, 0}},
		{"text longer than the batch", []byte{0, 0, 0xff, 0xff, 0x03}},
		{"string longer than meta", batch(1, append([]byte{0, 0, 0xff, 0xff, 0x03}, make([]byte, 10)...), nil, nil)},
		{"string reference ahead", batch(1, append([]byte{0, 5}, make([]byte, 11)...), nil, nil)},
		{"unknown flag", batch(1, op(0x80, 0), nil, nil)},
		{"first op linked", batch(1, op(flagPrevLinked, 0), nil, nil)},
		{"hashed without personal data", batch(1, op(flagPersonalHashed, 0), nil, nil)},
		{"signature past the end", batch(1, op(0, 64), nil, make([]byte, 63))},
		{"truncated meta", batch(1, op(0, 0)[:12], nil, nil)},
		{"bytes left over", batch(1, op(0, 0), nil, []byte{1})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ops, err := decodeBatch(tt.raw); !errors.Is(err, errMalformed) {
				t.Errorf("decodeBatch = %d ops, %v; want %v", len(ops), err, errMalformed)
			}
		})
	}
}

// FuzzDecodeBatch: whatever a peer sends, the decoder returns an error or
// ops that encode and decode again to the same, never panics, and never
// makes more ops than the bytes could hold.
func FuzzDecodeBatch(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	var enc batchEncoder
	for _, n := range []int{0, 1, 3} {
		frame, _, err := enc.encode(randomOps(rng, n))
		if err != nil {
			f.Fatal(err)
		}
		raw, err := (&batchDecoder{}).inflate(frame, maxFrame)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, false)
		f.Add(frame[1:], true)
	}
	f.Fuzz(func(t *testing.T, data []byte, compressed bool) {
		var ops []engine.Op
		var err error
		if compressed {
			ops, err = (&batchDecoder{}).decode(append([]byte{wireCompact}, data...), 1<<16)
		} else {
			ops, err = decodeBatch(data)
			if len(ops) > len(data)/minOpMeta {
				t.Fatalf("%d ops from %d bytes", len(ops), len(data))
			}
		}
		if err != nil {
			return
		}
		mustRoundTrip(t, &batchEncoder{}, &batchDecoder{}, ops)
	})
}

func TestCommonWire(t *testing.T) {
	tests := []struct {
		name   string
		newest int
		peer   []int
		want   int
	}{
		{"peer one release behind", wireCompact, nil, wireJSON},
		{"this side one release behind", wireJSON, []int{1, 2}, wireJSON},
		{"both current", wireCompact, []int{1, 2}, wireCompact},
		{"peer a release ahead", wireCompact, []int{1, 2, 3}, wireCompact},
		{"peer that dropped JSON", wireCompact, []int{2}, wireCompact},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := commonWire(tt.newest, tt.peer); got != tt.want {
				t.Errorf("commonWire(%d, %v) = %d, want %d", tt.newest, tt.peer, got, tt.want)
			}
		})
	}
	if got := wireVersions(wireJSON); got != nil {
		t.Errorf("a JSON-only site announces %v; want nothing, as before", got)
	}
}

// A site one release behind (JSON batches only, a hello without Wire)
// and a current one converge, whichever dials; two current sites use the
// compact encoding.
func TestWireOneReleaseBehind(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	old, cur, next := newMemLog("old"), newMemLog("cur"), newMemLog("next")
	nOld := mustNode(t, old, func(c *Config) { c.MaxWire = wireJSON })
	nCur, nNext := mustNode(t, cur), mustNode(t, next)

	old.townHallDay(rng, 200)
	cur.townHallDay(rng, 300)
	if s := mustSync(t, nOld, nCur); s.Applied != 300 || s.Sent != 200 {
		t.Fatalf("old dialling cur: %+v; want 200 sent, 300 applied", s)
	}
	old.townHallDay(rng, 50)
	cur.townHallDay(rng, 60)
	if s := mustSync(t, nCur, nOld); s.Applied != 50 || s.Sent != 60 {
		t.Fatalf("cur dialling old: %+v; want 60 sent, 50 applied", s)
	}
	sameOps(t, old, cur, "old")
	sameOps(t, old, cur, "cur")

	// The same 610 ops, old → next (JSON) and cur → next (compact).
	viaJSON := mustSync(t, nNext, nOld)
	next2 := newMemLog("next")
	viaCompact := mustSync(t, mustNode(t, next2), nCur)
	if viaJSON.Applied != 610 || viaCompact.Applied != 610 {
		t.Fatalf("applied %d from old, %d from cur; want 610", viaJSON.Applied, viaCompact.Applied)
	}
	sameOps(t, next, next2, "old")
	sameOps(t, next, next2, "cur")
	if j, c := viaJSON.BytesReceived/610, viaCompact.BytesReceived/610; c*2 > j {
		t.Errorf("%d bytes an op from the old site, %d from the current; want the compact encoding", j, c)
	}
}

// BenchmarkWireBytes: the bytes on the wire per op (both directions, TLS
// included) when a site streams a backlog of a town hall's day (bookings,
// check-ins, visits) to a fresh site, in each wire version.
func BenchmarkWireBytes(b *testing.B) {
	const n = 2000
	src := newMemLog("a")
	src.townHallDay(rand.New(rand.NewPCG(7, 8)), n)
	for _, v := range []int{wireJSON, wireCompact} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			na := mustNode(b, src, func(c *Config) { c.MaxWire = v })
			var ops, wire int64
			for b.Loop() {
				b.StopTimer()
				dst := newMemLog("b")
				dst.noVerify = true
				nb := mustNode(b, dst)
				b.StartTimer()
				stats, err := nb.SyncWith(context.Background(), na.Addr())
				if err != nil || stats.Applied != n {
					b.Fatalf("applied %d: %v", stats.Applied, err)
				}
				ops += int64(stats.Applied)
				wire += stats.BytesReceived + stats.BytesSent
				b.StopTimer()
				nb.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(wire)/float64(ops), "B/op-wire")
		})
	}
}

// BenchmarkWireEncode: encoding and decoding a batch of DefaultBatch ops
// of a town hall's day, without the network.
func BenchmarkWireEncode(b *testing.B) {
	l := newMemLog("a")
	l.townHallDay(rand.New(rand.NewPCG(9, 10)), DefaultBatch)
	ops := l.held("a")
	var enc batchEncoder
	var dec batchDecoder
	var size int
	for b.Loop() {
		frame, _, err := enc.encode(ops)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dec.decode(frame, maxFrame); err != nil {
			b.Fatal(err)
		}
		size = len(frame)
	}
	b.ReportMetric(float64(size)/float64(len(ops)), "B/op-frame")
}
