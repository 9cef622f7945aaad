package registry

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// FuzzReadUpload feeds arbitrary bodies under multipart and JSON content
// types to the upload reader: it must answer with an error or an upload,
// never panic, and never accept more than the limit.
func FuzzReadUpload(f *testing.F) {
	up, err := loadExample("smart-plug")
	if err != nil {
		f.Fatal(err)
	}
	body, ct := multipartUpload(f, up)
	b, _ := io.ReadAll(body)
	f.Add(b, ct)
	f.Add([]byte(`{"dossier":"a: b","sbom":"{}","evidence":{"x.md":"aGk="}}`), "application/json")
	f.Add([]byte("--x\r\nContent-Disposition: form-data; name=\"evidence\"\r\n\r\nabc\r\n--x--\r\n"), "multipart/form-data; boundary=x")
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, ctype string) {
		const max = 64 << 10
		r := httptest.NewRequest("POST", "/api/v1/products", bytes.NewReader(data))
		r.Header.Set("Content-Type", ctype)
		up, hash, cleanup, err := readUpload(httptest.NewRecorder(), r, max, tmp)
		defer func() {
			cleanup()
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Fatalf("%d spooled files left after the upload was done with", len(left))
			}
		}()
		if err != nil {
			return
		}
		n := len(up.Dossier) + len(up.SBOM)
		for _, e := range up.Evidence {
			n += len(e)
		}
		for _, p := range up.Spooled {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			n += int(fi.Size())
		}
		if n > max || len(hash) != 64 {
			t.Fatalf("accepted %d bytes over a %d-byte limit (hash %q)", n, max, hash)
		}
	})
}

// FuzzSession checks that no forged cookie yields a session.
func FuzzSession(f *testing.F) {
	s := &Server{secret: bytes.Repeat([]byte{7}, 32)}
	f.Add("dXNlcnxvcmd8OTk5OTk5OTk5OQ.AAAA")
	f.Add("")
	f.Add(".")
	f.Fuzz(func(t *testing.T, value string) {
		if strings.ContainsAny(value, "\x00\r\n;") {
			return
		}
		r := httptest.NewRequest("GET", "/dashboard", nil)
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: value})
		if _, _, ok := s.session(r); ok {
			t.Fatalf("forged cookie %q accepted", value)
		}
	})
}
