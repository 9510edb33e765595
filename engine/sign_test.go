package engine

import (
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	base := RegisterOp("v1", validVisit(), time.Date(2026, 11, 18, 8, 0, 0, 0, time.UTC))
	base.Origin, base.Seq, base.HLC, base.Author = "rathaus-1", 7, MakeHLC(1_700_000_000_000, 3), "reception"
	signed := Sign(base, priv)
	if err := Verify(signed, pub); err != nil {
		t.Fatalf("Verify(signed) = %v", err)
	}
	tests := []struct {
		name    string
		edit    func(*Op)
		pub     ed25519.PublicKey
		wantErr error
	}{
		{"another site's key", func(*Op) {}, otherPub, ErrBadSignature},
		{"seq changed (replayed as another op)", func(op *Op) { op.Seq++ }, pub, ErrBadSignature},
		{"origin changed", func(op *Op) { op.Origin = "rathaus-2" }, pub, ErrBadSignature},
		{"hlc changed", func(op *Op) { op.HLC++ }, pub, ErrBadSignature},
		{"data changed", func(op *Op) { op.Data = []byte(`{"building":"rathaus-2"}`) }, pub, ErrBadSignature},
		{"personal data changed", func(op *Op) { op.Personal = []byte(`{"name":"Mallory"}`) }, pub, ErrPersonalChanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := signed
			tt.edit(&op)
			if err := Verify(op, tt.pub); !errors.Is(err, tt.wantErr) {
				t.Errorf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
	t.Run("personal data erased by the purge still verifies", func(t *testing.T) {
		op := signed
		op.Personal = nil
		if err := Verify(op, pub); err != nil {
			t.Errorf("Verify(erased) = %v", err)
		}
	})
}
