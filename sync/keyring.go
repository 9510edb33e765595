package sync

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/hashicorp/memberlist"
)

// The cluster key encrypts Serf's gossip. It can be rotated without
// downtime: a new key is installed on every site Serf reaches, made the
// one used, and the old one removed (Serf's key manager). Serf keeps the
// keys in keyringFile in the data directory, which a site reads at its
// next start in place of --cluster-key. A site that was away during a
// rotation cannot gossip any more; it still reaches the data channel with
// its own identity and fetches the keys there (Node.FetchKeyring,
// InstallKeys).

// keyringFile holds the gossip keys, a JSON list of base64 keys, the one
// in use first (Serf's format).
const keyringFile = "serf.keyring"

// loadKeyring returns the keyring: the one kept in path if there is one,
// else one of key; nil for neither (unencrypted gossip).
func loadKeyring(path string, key []byte) (*memberlist.Keyring, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if key == nil {
			return nil, nil
		}
		return memberlist.NewKeyring(nil, key)
	case err != nil:
		return nil, err
	}
	var enc []string
	if err := json.Unmarshal(b, &enc); err != nil || len(enc) == 0 {
		return nil, fmt.Errorf("%s: not a list of gossip keys", path)
	}
	keys := make([][]byte, len(enc))
	for i, e := range enc {
		if keys[i], err = base64.StdEncoding.DecodeString(e); err != nil {
			return nil, fmt.Errorf("%s: key %d: %w", path, i, err)
		}
	}
	if key != nil && !containsKey(keys, key) {
		// --cluster-key names a key the cluster no longer uses (rotated
		// away), or one the site has yet to learn: keep it as a spare.
		keys = append(keys, key)
	}
	return memberlist.NewKeyring(keys, keys[0])
}

func containsKey(keys [][]byte, key []byte) bool {
	for _, k := range keys {
		if string(k) == string(key) {
			return true
		}
	}
	return false
}

// Keys returns the gossip keys, the one in use first; nil if gossip is not
// encrypted.
func (m *Membership) Keys() [][]byte {
	if m.ring == nil {
		return nil
	}
	keys := m.ring.GetKeys()
	primary := m.ring.GetPrimaryKey()
	out := [][]byte{primary}
	for _, k := range keys {
		if string(k) != string(primary) {
			out = append(out, k)
		}
	}
	return out
}

// RotateKey installs a new random key on every site Serf reaches, uses it
// and removes the others, and returns the keys then in use. A site that
// did not answer is named in the error of the step it missed; the
// rotation goes on (it fetches the key over the data channel later).
func (m *Membership) RotateKey() ([][]byte, error) {
	if m.ring == nil {
		return nil, errors.New("gossip is not encrypted: start the sites with --cluster-key")
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString(key)
	km := m.serf.KeyManager()
	old := m.Keys()
	if _, err := km.InstallKey(enc); err != nil {
		m.log.Warn("key rotation: install did not reach every site", "err", err)
	}
	if _, err := km.UseKey(enc); err != nil {
		m.log.Warn("key rotation: use did not reach every site", "err", err)
	}
	if string(m.ring.GetPrimaryKey()) != string(key) {
		return nil, errors.New("the new key is not in use at this site")
	}
	for _, k := range old {
		if _, err := km.RemoveKey(base64.StdEncoding.EncodeToString(k)); err != nil {
			m.log.Warn("key rotation: remove did not reach every site", "err", err)
		}
	}
	return m.Keys(), nil
}

// InstallKeys makes keys (the one in use first, as Keys and FetchKeyring
// give them) this site's gossip keys, keeping the others until a rotation
// removes them, and writes them to the keyring file.
func (m *Membership) InstallKeys(keys [][]byte) error {
	if m.ring == nil || len(keys) == 0 {
		return errors.New("gossip is not encrypted here, or no keys")
	}
	for _, k := range keys {
		if err := m.ring.AddKey(k); err != nil {
			return err
		}
	}
	if err := m.ring.UseKey(keys[0]); err != nil {
		return err
	}
	enc := []string{}
	for _, k := range m.Keys() {
		enc = append(enc, base64.StdEncoding.EncodeToString(k))
	}
	b, _ := json.Marshal(enc)
	if m.ringFile == "" {
		return nil
	}
	return os.WriteFile(m.ringFile, b, 0o600)
}

// Rejoin asks every member Serf knows but does not see alive to join
// again: after InstallKeys, the gossip that the old key could not read
// reaches them again.
func (m *Membership) Rejoin() int {
	var addrs []string
	for _, p := range m.Peers() {
		if p.Status != "alive" && p.Addr != "" {
			addrs = append(addrs, p.Addr)
		}
	}
	if len(addrs) == 0 {
		return 0
	}
	n, _ := m.serf.Join(addrs, true)
	return n
}
