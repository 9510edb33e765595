package sync

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"pforte/engine"
)

// Op batches travel in one of two encodings, the wire versions:
//
//	1  JSON: a message {"t":"ops","ops":[wireOp…]}, data and signatures
//	   in base64 (a town hall's mix of ops: 573 bytes an op on the wire,
//	   BenchmarkWireBytes). Every site speaks it.
//	2  compact: a binary frame, the byte 2 and then a DEFLATE stream
//	   (primed with wireDict) of the batch in columns, see
//	   batchEncoder.encode (the same mix: 132 bytes an op).
//
// A site that speaks more than 1 lists what it reads in its hello (Wire);
// a hello without the list comes from a site that reads 1 only, as sites
// did before the compact encoding. Each side sends its batches in the
// highest version both read. The other frames (hello, done, fin, …) stay
// JSON: a compact frame is told apart by its first byte, which a JSON
// object never has.
//
// The signature covers exact bytes, so the compact encoding carries every
// field as it is, byte for byte; where it leaves a field out, the field is
// computed again from what the frame holds (an op's PersonalHash from its
// Personal, its Prev from the op before it) and the sender leaves it out
// only if the computed bytes are the very same. Like JSON it does not tell
// an empty field from a missing one: both arrive as nil.

// Wire versions.
const (
	wireJSON    = 1
	wireCompact = 2
	wireNewest  = wireCompact
)

// wireVersions is what a site that speaks up to newest says in its hello:
// nil for a site that speaks JSON only, so it says what such a site always
// said (nothing).
func wireVersions(newest int) []int {
	if newest < wireCompact {
		return nil
	}
	vs := make([]int, 0, newest)
	for v := wireJSON; v <= newest; v++ {
		vs = append(vs, v)
	}
	return vs
}

// commonWire is the highest version both speak: this side up to newest,
// the peer what its hello lists (and JSON in any case).
func commonWire(newest int, peer []int) int {
	best := wireJSON
	for _, v := range peer {
		if v > best && v <= newest {
			best = v
		}
	}
	return best
}

// maxBatchOps bounds the ops of a compact frame, so that a frame that
// inflates to many tiny ops cannot make the receiver allocate much more
// than the frame limit. A larger batch is split like one over the limit.
const maxBatchOps = 1 << 14

// minOpMeta is the fewest bytes an op takes in the meta column: a flag
// byte, four string references, two deltas, three lengths.
const minOpMeta = 10

// Flags of an op in a compact batch.
const (
	// flagPersonalHashed: PersonalHash is the SHA-256 of Personal, left out.
	flagPersonalHashed = 1 << iota
	// flagPrevLinked: Prev is the Hash of the op before in the batch, left out.
	flagPrevLinked
	flagsKnown = flagPersonalHashed | flagPrevLinked
)

// compressLevel: measured on a batch of 500 ops of a town hall's day, 2 is
// the fastest level that uses the preset dictionary (BestSpeed ignores
// it); it makes 126 bytes an op of 280 in about 4 µs an op, where the
// default level makes 118 in twice the time.
const compressLevel = 2

// wireDict primes the compressor with what op payloads are made of, so
// that even a batch of one op is small. It is part of wire version 2: a
// change to it is a new version. The commonest strings come last, where
// DEFLATE reaches them with the shortest distances.
const wireDict = `building.defined service.defined staff.defined counter.defined room.defined` +
	` visit.picked_up visit.left appointment.cancelled appointment.called appointment.served appointment.no_show` +
	`{"by":"staff-","at":17,"coming":true}{"counter":"counter-","at":17}` +
	`{"building":"rathaus-1","services":["service-","service-"],"start":17,"end":17,"counter":"counter-","room":"room-",` +
	`"barrier_free":true,"channel":"phone","code":"","same_day":true,"moved_from":"","at":17,"tokens":["","ticket_token":"","deps":{"":}}` +
	`{"building":"rathaus-1","host":"staff-","appointment_id":"","at":17}` +
	`{"salt":"","name":"","birth_date":"19","phone":"0","email":"@gmail.com@web.de@t-online.de","address":"str. ","reason":""}` +
	`{"building":"rathaus-1","services":["","channel":"online","code":"","at":17}` +
	`visit.registered appointment.checked_in {"ticket":"A-0","at":17} appointment.booked reception visit-{"salt":"`

// batchEncoder encodes compact batches; one per sending side, so that the
// compressor's state (a few hundred KiB) is made once per session.
type batchEncoder struct {
	meta, text, bin []byte
	strs            map[string]uint64
	frame           bytes.Buffer
	zw              *flate.Writer
}

// encode returns the frame of a compact batch and the size of its
// inflated content, which the receiver bounds by the frame limit too.
func (e *batchEncoder) encode(ops []engine.Op) (frame []byte, inflated int, err error) {
	e.meta, e.text, e.bin = e.meta[:0], e.text[:0], e.bin[:0]
	clear(e.strs)
	if e.strs == nil {
		e.strs = map[string]uint64{}
	}
	str := func(s string) {
		if i, ok := e.strs[s]; ok {
			e.meta = binary.AppendUvarint(e.meta, i)
			return
		}
		i := uint64(len(e.strs))
		e.strs[s] = i
		e.meta = binary.AppendUvarint(e.meta, i) // the next index: a new string follows
		e.meta = binary.AppendUvarint(e.meta, uint64(len(s)))
		e.meta = append(e.meta, s...)
	}
	var seq, hlc uint64
	for i, op := range ops {
		var flags byte
		if len(op.Personal) > 0 && bytes.Equal(op.PersonalHash, engine.PersonalDigest(op.Personal)) {
			flags |= flagPersonalHashed
		}
		if i > 0 && len(op.Prev) == sha256.Size && bytes.Equal(op.Prev, ops[i-1].Hash()) {
			flags |= flagPrevLinked
		}
		e.meta = append(e.meta, flags)
		str(op.Origin)
		str(op.Author)
		str(op.Kind)
		str(op.Entity)
		e.meta = binary.AppendVarint(e.meta, int64(op.Seq-seq))
		e.meta = binary.AppendVarint(e.meta, int64(uint64(op.HLC)-hlc))
		seq, hlc = op.Seq, uint64(op.HLC)
		e.meta = binary.AppendUvarint(e.meta, uint64(len(op.Data)))
		e.meta = binary.AppendUvarint(e.meta, uint64(len(op.Personal)))
		e.meta = binary.AppendUvarint(e.meta, uint64(len(op.Sig)))
		e.text = append(append(e.text, op.Data...), op.Personal...)
		e.bin = append(e.bin, op.Sig...)
		if flags&flagPersonalHashed == 0 {
			e.meta = binary.AppendUvarint(e.meta, uint64(len(op.PersonalHash)))
			e.bin = append(e.bin, op.PersonalHash...)
		}
		if flags&flagPrevLinked == 0 {
			e.meta = binary.AppendUvarint(e.meta, uint64(len(op.Prev)))
			e.bin = append(e.bin, op.Prev...)
		}
	}

	e.frame.Reset()
	e.frame.WriteByte(wireCompact)
	if e.zw == nil {
		if e.zw, err = flate.NewWriterDict(&e.frame, compressLevel, []byte(wireDict)); err != nil {
			return nil, 0, err
		}
	} else {
		e.zw.Reset(&e.frame)
	}
	var head []byte
	head = binary.AppendUvarint(head, uint64(len(ops)))
	head = binary.AppendUvarint(head, uint64(len(e.meta)))
	head = binary.AppendUvarint(head, uint64(len(e.text)))
	for _, p := range [][]byte{head, e.meta, e.text, e.bin} {
		if _, err := e.zw.Write(p); err != nil {
			return nil, 0, err
		}
	}
	if err := e.zw.Close(); err != nil {
		return nil, 0, err
	}
	return e.frame.Bytes(), len(head) + len(e.meta) + len(e.text) + len(e.bin), nil
}

// errMalformed is the error of a compact frame that does not decode.
var errMalformed = errors.New("malformed op batch")

// batchDecoder decodes compact batches; one per receiving side, for the
// same reason as batchEncoder.
type batchDecoder struct {
	zr io.ReadCloser
}

// decode returns the ops of a compact frame whose content inflates to at
// most limit bytes. The ops' byte fields share one buffer.
func (d *batchDecoder) decode(frame []byte, limit int) ([]engine.Op, error) {
	raw, err := d.inflate(frame, limit)
	if err != nil {
		return nil, err
	}
	return decodeBatch(raw)
}

// inflate returns the content of a compact frame, at most limit bytes.
func (d *batchDecoder) inflate(frame []byte, limit int) ([]byte, error) {
	if len(frame) == 0 || frame[0] != wireCompact {
		return nil, fmt.Errorf("%w: not a compact batch", errMalformed)
	}
	src := bytes.NewReader(frame[1:])
	if d.zr == nil {
		d.zr = flate.NewReaderDict(src, []byte(wireDict))
	} else if err := d.zr.(flate.Resetter).Reset(src, []byte(wireDict)); err != nil {
		return nil, err
	}
	// Read one byte past the limit to tell a frame that fits from one
	// that does not; never more.
	raw, err := io.ReadAll(io.LimitReader(d.zr, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if len(raw) > limit {
		return nil, fmt.Errorf("%w: inflates past %d bytes", ErrFrameTooLarge, limit)
	}
	return raw, nil
}

// decodeBatch reads the inflated content of a compact frame: the number
// of ops and the lengths of the columns meta and text, then the columns
// meta, text and bin (the rest). Every count and length is checked
// against the bytes left before anything is allocated for it, so a
// malformed batch costs no more memory than its size.
func decodeBatch(raw []byte) ([]engine.Op, error) {
	head := cursor{b: raw}
	n, nMeta, nText := head.uvarint(), head.uvarint(), head.uvarint()
	meta := cursor{b: head.bytes(nMeta)}
	text := cursor{b: head.bytes(nText)}
	bin := cursor{b: head.b}
	if head.err != nil {
		return nil, head.err
	}
	if n > maxBatchOps || n > uint64(len(meta.b)/minOpMeta) {
		return nil, fmt.Errorf("%w: %d ops in %d bytes", errMalformed, n, len(meta.b))
	}
	ops := make([]engine.Op, n)
	var strs []string
	str := func() string {
		i := meta.uvarint()
		switch {
		case i < uint64(len(strs)):
			return strs[i]
		case i == uint64(len(strs)) && meta.err == nil:
			strs = append(strs, string(meta.bytes(meta.uvarint())))
			return strs[i]
		}
		meta.fail("string reference %d of %d", i, len(strs))
		return ""
	}
	var seq, hlc uint64
	for i := range ops {
		op := &ops[i]
		flags := meta.byte()
		if flags&^flagsKnown != 0 {
			meta.fail("flags %#x", flags)
		}
		op.Origin, op.Author, op.Kind, op.Entity = str(), str(), str(), str()
		seq += uint64(meta.varint())
		hlc += uint64(meta.varint())
		op.Seq, op.HLC = seq, engine.HLC(hlc)
		nData, nPersonal, nSig := meta.uvarint(), meta.uvarint(), meta.uvarint()
		op.Data = text.bytes(nData)
		op.Personal = text.bytes(nPersonal)
		op.Sig = bin.bytes(nSig)
		if flags&flagPersonalHashed != 0 {
			if len(op.Personal) == 0 {
				meta.fail("op %d: hash of no personal data", i)
			}
			op.PersonalHash = engine.PersonalDigest(op.Personal)
		} else {
			op.PersonalHash = bin.bytes(meta.uvarint())
		}
		if flags&flagPrevLinked != 0 {
			if i == 0 {
				meta.fail("first op linked to none")
			} else {
				op.Prev = ops[i-1].Hash()
			}
		} else {
			op.Prev = bin.bytes(meta.uvarint())
		}
		if err := errors.Join(meta.err, text.err, bin.err); err != nil {
			return nil, err
		}
	}
	if len(meta.b) > 0 || len(text.b) > 0 || len(bin.b) > 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", errMalformed, len(meta.b)+len(text.b)+len(bin.b))
	}
	return ops, nil
}

// cursor reads a column; after the first error it reads nothing more and
// returns zero values.
type cursor struct {
	b   []byte
	err error
}

func (c *cursor) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
	}
}

func (c *cursor) uvarint() uint64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Uvarint(c.b)
	if n <= 0 {
		c.fail("bad varint")
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) varint() int64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.fail("bad varint")
		return 0
	}
	c.b = c.b[n:]
	return v
}

func (c *cursor) byte() byte {
	if c.err != nil {
		return 0
	}
	if len(c.b) == 0 {
		c.fail("truncated")
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

// bytes returns the next n bytes, nil for none; capped, so that appending
// to one field never overwrites the next.
func (c *cursor) bytes(n uint64) []byte {
	if c.err != nil {
		return nil
	}
	if n > uint64(len(c.b)) {
		c.fail("%d bytes wanted, %d left", n, len(c.b))
		return nil
	}
	if n == 0 {
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}
