package auth

import (
	"errors"
	"strings"
	"testing"
)

var cheap = Params{Memory: 1024, Time: 1, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery staple", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := HashPassword("correct horse battery staple", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name     string
		password string
		hash     string
		want     error // nil, ErrMismatch, or errAny
	}{
		{"right", "correct horse battery staple", h, nil},
		{"wrong", "correct horse battery stapler", h, ErrMismatch},
		{"empty", "", h, ErrMismatch},
		{"too long", strings.Repeat("a", MaxPasswordBytes+1), h, ErrMismatch},
		{"bcrypt", "x", "$2a$10$abcdefghijklmnopqrstuv", errAny},
		{"bad version", "x", strings.Replace(h, "v=19", "v=16", 1), errAny},
		{"huge memory", "x", strings.Replace(h, "m=1024", "m=99999999", 1), errAny},
		{"zero time", "x", strings.Replace(h, "t=1", "t=0", 1), errAny},
		{"bad salt", "x", "$argon2id$v=19$m=1024,t=1,p=1$!!!$AAAAAAAAAAAAAAAAAAAAAA", errAny},
		{"short key", "x", "$argon2id$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA", errAny},
		{"garbage", "x", "not a hash", errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPassword(tt.password, tt.hash)
			switch {
			case tt.want == nil && err != nil:
				t.Fatalf("error %v", err)
			case tt.want == ErrMismatch && !errors.Is(err, ErrMismatch):
				t.Fatalf("error %v, want mismatch", err)
			case tt.want == errAny && (err == nil || errors.Is(err, ErrMismatch)):
				t.Fatalf("error %v, want a hash error", err)
			}
		})
	}
	if _, err := HashPassword("", cheap); err == nil {
		t.Fatal("empty password hashed")
	}
}

var errAny = errors.New("any hash error")

func TestToken(t *testing.T) {
	s1, h1 := NewToken()
	s2, _ := NewToken()
	if s1 == s2 || !ValidTokenSyntax(s1) || HashToken(s1) != h1 || len(h1) != 64 || strings.Contains(h1, s1) {
		t.Fatalf("token %q hash %q", s1, h1)
	}
	for _, bad := range []string{"", "dmr_", s1[:len(s1)-1], "xyz_" + s1[4:], s1[:10] + "!" + s1[11:], s1 + "A"} {
		if ValidTokenSyntax(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	h, _ := HashPassword("pw", cheap)
	f.Add("pw", h)
	f.Add("x", "$argon2id$v=19$m=1024,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, hash string) {
		if strings.Contains(hash, "m=") && !strings.Contains(hash, "m=1024,") {
			return // keep the fuzzer from spending its time on expensive parameters
		}
		_ = CheckPassword(pw, hash)
	})
}
