package sync

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of the cluster secret: Serf's keyring takes 32
// bytes (AES-256), and the sync channel derives its keys from the same.
const KeySize = 32

// WriteNewKey writes a new random cluster key to path, base64 encoded,
// readable only by its owner. It refuses to overwrite an existing file:
// replacing a cluster's key by accident cuts the site off.
func WriteNewKey(path string) error {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists already; not overwriting a cluster key", path)
		}
		return err
	}
	_, werr := f.Write(encodeKey(key))
	return errors.Join(werr, f.Close())
}

// WriteKey writes key to path in WriteNewKey's format, replacing the
// file: the key a site got at its enrollment or after a rotation, kept
// for its next start.
func WriteKey(path string, key []byte) error {
	return os.WriteFile(path, encodeKey(key), 0o600)
}

func encodeKey(key []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(key) + "\n") }

// ReadKey reads a cluster key written by WriteNewKey.
func ReadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a base64 cluster key: %w", path, err)
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("%s: cluster key has %d bytes, want %d", path, len(key), KeySize)
	}
	return key, nil
}
