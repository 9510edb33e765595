package engine

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Passwords and PINs are stored as argon2id hashes in the PHC string form
// ($argon2id$v=19$m=…,t=…,p=…$salt$hash), so the parameters travel with
// each hash and can be raised later without breaking old ones.
//
// The parameters are RFC 9106's second recommended option (§4, for
// memory-constrained uses): 64 MiB, 3 passes, 4 lanes, 16-byte salt,
// 32-byte key. A sign-in costs about 0.1 s of two cores on a desk PC
// (BenchmarkVerifyPassword: 95-103 ms here), which a person does not
// notice and a guesser with a copy of the database pays per guess in
// memory a GPU does not have. A PIN only unlocks a session opened with
// the password; it is hashed the same way and slowed down the same way.
const (
	argonMemoryKiB = 64 * 1024
	argonTime      = 3
	argonThreads   = 4
	argonSaltLen   = 16
	argonKeyLen    = 32
)

// Password length bounds.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 200
)

// CheckPassword says what is wrong with a new password, naming field.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	if n < MinPasswordLen {
		e := InvalidRule(field, RuleRange, "at least %d characters", MinPasswordLen)
		e.Limit = MinPasswordLen
		return e
	}
	if n > MaxPasswordLen || len(pw) > 4*MaxPasswordLen {
		e := InvalidRule(field, RuleTooLong, "at most %d characters", MaxPasswordLen)
		e.Limit = MaxPasswordLen
		return e
	}
	return nil
}

// CheckPIN says what is wrong with a new PIN: 4 to 8 digits.
func CheckPIN(field, pin string) error {
	if len(pin) < 4 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return InvalidRule(field, RuleFormat, "4 to 8 digits")
	}
	return nil
}

// HashPassword returns the argon2id hash of secret with a fresh salt.
func HashPassword(secret string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hashWithSalt(secret, salt, argonMemoryKiB, argonTime, argonThreads), nil
}

// HashPasswordWithSalt is HashPassword with a given salt: for the demo
// seed, which every demo site must write identically.
func HashPasswordWithSalt(secret string, salt []byte) string {
	return hashWithSalt(secret, salt, argonMemoryKiB, argonTime, argonThreads)
}

func hashWithSalt(secret string, salt []byte, m uint32, t uint32, p uint8) string {
	key := argon2.IDKey([]byte(secret), salt, t, m, p, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, p, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether secret matches the PHC hash. A malformed
// hash matches nothing.
func VerifyPassword(hash, secret string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	// Bounds, so that a forged hash in a replicated op cannot make a
	// sign-in allocate gigabytes or spin for minutes.
	if m < 8*1024 || m > 1024*1024 || t < 1 || t > 10 || p < 1 || p > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false
	}
	got := argon2.IDKey([]byte(secret), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
