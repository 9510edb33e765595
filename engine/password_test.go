package engine

import (
	"strings"
	"testing"
)

func TestPasswordHashVerifies(t *testing.T) {
	h, err := HashPassword("Rathaus-Soest-1")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Fatalf("hash %q: not argon2id with the named parameters", h)
	}
	if !VerifyPassword(h, "Rathaus-Soest-1") {
		t.Fatal("the right password does not verify")
	}
	for _, wrong := range []string{"", "rathaus-soest-1", "Rathaus-Soest-1 ", "Rathaus-Soest-2"} {
		if VerifyPassword(h, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	h2, _ := HashPassword("Rathaus-Soest-1")
	if h2 == h {
		t.Error("two hashes of one password are equal: no fresh salt")
	}
}

func TestVerifyRefusesForgedParameters(t *testing.T) {
	salt := []byte("0123456789abcdef")
	for _, h := range []string{
		"", "$argon2i$v=19$m=65536,t=2,p=2$MDEyMzQ1Njc4OWFiY2RlZg$AAAAAAAAAAAAAAAAAAAAAA",
		hashWithSalt("x", salt, 4*1024*1024, 1, 1), // 4 GiB
		hashWithSalt("x", salt, 64*1024, 1000, 1),
		"$argon2id$v=19$m=65536,t=2,p=2$!!$AAAA",
	} {
		if VerifyPassword(h, "x") {
			t.Errorf("hash %.60q verifies", h)
		}
	}
}

func TestCheckPIN(t *testing.T) {
	for pin, ok := range map[string]bool{"1234": true, "12345678": true, "123": false, "123456789": false, "12a4": false, " 1234": false} {
		if err := CheckPIN("pin", pin); (err == nil) != ok {
			t.Errorf("CheckPIN(%q) = %v", pin, err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	h, _ := HashPassword("Rathaus-Soest-1")
	for b.Loop() {
		VerifyPassword(h, "Rathaus-Soest-1")
	}
}
