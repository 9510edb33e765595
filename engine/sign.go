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
// covers: its identity, its order, its kind and entity, its data, and the
// hash of its personal data (not the personal data itself, so an op whose
// personal data was erased still verifies).
func (op Op) SigningBytes() []byte {
	var b bytes.Buffer
	b.WriteString("pforte-op-v1\x00")
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
	return b.Bytes()
}

// PersonalDigest returns the SHA-256 of personal data, or nil for none.
func PersonalDigest(personal []byte) []byte {
	if len(personal) == 0 {
		return nil
	}
	h := sha256.Sum256(personal)
	return h[:]
}

// Sign sets op's personal hash and signature with the origin's key.
func Sign(op Op, key ed25519.PrivateKey) Op {
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
	if len(op.Personal) > 0 && !bytes.Equal(PersonalDigest(op.Personal), op.PersonalHash) {
		return fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, ErrPersonalChanged)
	}
	if !ed25519.Verify(pub, op.SigningBytes(), op.Sig) {
		return fmt.Errorf("op %s/%d: %w", op.Origin, op.Seq, ErrBadSignature)
	}
	return nil
}
