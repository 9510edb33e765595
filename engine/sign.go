package engine

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// SigningBytes is the canonical encoding of everything an op's signature
// covers: its identity, its order, its kind and entity, its data, the
// hash of its personal data (not the personal data itself, so an op whose
// personal data was erased still verifies) and, for a chained op, the
// hash of its predecessor. An op without Prev keeps the first encoding,
// so ops signed before the chain existed still verify.
func (op Op) SigningBytes() []byte {
	var b bytes.Buffer
	if len(op.Prev) > 0 {
		b.WriteString("pforte-op-v2\x00")
	} else {
		b.WriteString("pforte-op-v1\x00")
	}
	field := func(p []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		b.Write(n[:])
		b.Write(p)
	}
	var num [8]byte
	field([]byte(op.Origin))
	binary.BigEndian.PutUint64(num[:], op.Seq)
	b.Write(num[:])
	binary.BigEndian.PutUint64(num[:], uint64(op.HLC))
	b.Write(num[:])
	field([]byte(op.Author))
	field([]byte(op.Kind))
	field([]byte(op.Entity))
	field(op.Data)
	field(op.PersonalHash)
	if len(op.Prev) > 0 {
		field(op.Prev)
	}
	return b.Bytes()
}

// Hash identifies an op's signed content: the SHA-256 of its signing
// bytes. The next op of the same origin carries it as Prev.
func (op Op) Hash() []byte {
	h := sha256.Sum256(op.SigningBytes())
	return h[:]
}

// Precedes reports whether op is next's predecessor in its origin's chain:
// same origin, the seq before, and next's Prev is op's Hash. If next is
// authentic, so is op.
func (op Op) Precedes(next Op) bool {
	return op.Origin == next.Origin && op.Seq+1 == next.Seq && len(next.Prev) > 0 && bytes.Equal(next.Prev, op.Hash())
}

// PersonalDigest returns the SHA-256 of personal data, or nil for none.
func PersonalDigest(personal []byte) []byte {
	if len(personal) == 0 {
		return nil
	}
	h := sha256.Sum256(personal)
	return h[:]
}

// Sign salts op's personal part (SaltPersonal) and sets its hash and the
// signature with the origin's key.
func Sign(op Op, key ed25519.PrivateKey) Op {
	op.Personal = SaltPersonal(op.Personal)
	op.PersonalHash = PersonalDigest(op.Personal)
	op.Sig = ed25519.Sign(key, op.SigningBytes())
	return op
}

// Errors of Verify.
var (
	ErrBadSignature    = errors.New("signature does not verify")
	ErrPersonalChanged = errors.New("personal data does not match its hash")
)

// Verify checks op's signature with its origin's public key, and that its
// personal data (unless erased) is what was signed.
func Verify(op Op, pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("op %s/%d: no public key for site %q", op.Origin, op.Seq, op.Origin)
	}
	if err := CheckPersonal(op); err != nil {
		return err
	}
	if !ed25519.Verify(pub, op.SigningBytes(), op.Sig) {
		return fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, ErrBadSignature)
	}
	return nil
}

// Linked reports, per op, whether it links to the next op of the slice
// (see Precedes): if that one is authentic, so is it. A receiver that
// verifies the last op of each linked run, and walks back, checks one
// signature per run instead of one per op.
func Linked(ops []Op) []bool {
	linked := make([]bool, len(ops))
	for i := 0; i+1 < len(ops); i++ {
		linked[i] = ops[i].Precedes(ops[i+1])
	}
	return linked
}

// CheckPersonal checks that op's personal data (unless erased) is what its
// hash says: the part of Verify that an op proven by its chain still needs.
func CheckPersonal(op Op) error {
	if len(op.Personal) > 0 && !bytes.Equal(PersonalDigest(op.Personal), op.PersonalHash) {
		return fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, ErrPersonalChanged)
	}
	return nil
}
