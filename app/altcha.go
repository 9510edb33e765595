package app

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"pforte/engine"
)

// Proof of work instead of tracking (ALTCHA): the public booking form asks
// the browser to find a number n with SHA-256(salt + n) = challenge before
// it may send. A person does not notice the second it takes; a script that
// books every slot of a morning pays it for every booking. The challenge
// is ALTCHA's format (algorithm, challenge, salt, signature, maxnumber), so
// the `altcha` widget solves it; the signature is an HMAC with a key this
// process draws at start, so no secret is kept on disk and a challenge
// cannot be made up. Each solution is accepted once, until it expires.

// altchaMaxNumber bounds the search: about 0.1–0.5 s in a phone's browser.
const altchaMaxNumber = 100_000

// altchaTTL is how long a challenge may be solved and sent.
const altchaTTL = 20 * time.Minute

type altcha struct {
	key   []byte
	clock engine.Clock
	max   int64

	mu   sync.Mutex
	used map[string]time.Time // challenge → its expiry
}

func newAltcha(clock engine.Clock, max int64) *altcha {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("altcha key: " + err.Error()) // no randomness: nothing is safe
	}
	return &altcha{key: key, clock: clock, max: max, used: map[string]time.Time{}}
}

// altchaChallenge is what GET /api/public/challenge answers.
type altchaChallenge struct {
	Algorithm string `json:"algorithm"`
	Challenge string `json:"challenge"`
	MaxNumber int64  `json:"maxnumber"`
	Salt      string `json:"salt"`
	Signature string `json:"signature"`
}

// altchaPayload is what the widget sends back (base64 of this JSON).
type altchaPayload struct {
	Algorithm string  `json:"algorithm"`
	Challenge string  `json:"challenge"`
	Number    int64   `json:"number"`
	Salt      string  `json:"salt"`
	Signature string  `json:"signature"`
	Took      float64 `json:"took,omitempty"` // milliseconds; the widget sends fractions
}

func (x *altcha) sign(challenge string) string {
	m := hmac.New(sha256.New, x.key)
	m.Write([]byte(challenge))
	return hex.EncodeToString(m.Sum(nil))
}

func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// challenge makes a new challenge.
func (x *altcha) challenge() (altchaChallenge, error) {
	salt := make([]byte, 12)
	if _, err := rand.Read(salt); err != nil {
		return altchaChallenge{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(x.max+1))
	if err != nil {
		return altchaChallenge{}, err
	}
	// The expiry travels in the salt, which the signature covers through
	// the challenge: ALTCHA's own convention ("salt?expires=…").
	s := hex.EncodeToString(salt) + "?expires=" + strconv.FormatInt(x.clock.Now().Add(altchaTTL).Unix(), 10)
	c := hashHex(s + strconv.FormatInt(n.Int64(), 10))
	return altchaChallenge{Algorithm: "SHA-256", Challenge: c, MaxNumber: x.max, Salt: s, Signature: x.sign(c)}, nil
}

// verify checks a solution once; the error names the field "altcha".
func (x *altcha) verify(payload string) error {
	bad := func(why string) error {
		return engine.InvalidRule("altcha", engine.RuleFormat, "%s", why)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
	if err != nil || len(payload) == 0 || len(payload) > 2048 {
		if payload == "" {
			return engine.InvalidRule("altcha", engine.RuleRequired, "the proof of work is missing")
		}
		return bad("not base64")
	}
	var p altchaPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return bad("not an ALTCHA payload")
	}
	if p.Algorithm != "SHA-256" {
		return bad("algorithm " + p.Algorithm)
	}
	if !hmac.Equal([]byte(x.sign(p.Challenge)), []byte(p.Signature)) {
		return bad("signature does not match")
	}
	if p.Number < 0 || p.Number > x.max || hashHex(p.Salt+strconv.FormatInt(p.Number, 10)) != p.Challenge {
		return bad("wrong solution")
	}
	now := x.clock.Now()
	expires, err := saltExpiry(p.Salt)
	if err != nil || !now.Before(expires) {
		return bad("expired")
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for c, until := range x.used {
		if !now.Before(until) {
			delete(x.used, c)
		}
	}
	if _, seen := x.used[p.Challenge]; seen {
		return bad("used already")
	}
	x.used[p.Challenge] = expires
	return nil
}

func saltExpiry(salt string) (time.Time, error) {
	_, query, _ := strings.Cut(salt, "?")
	v, err := url.ParseQuery(query)
	if err != nil {
		return time.Time{}, err
	}
	sec, err := strconv.ParseInt(v.Get("expires"), 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0), nil
}
