package tlog

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHTTPReader serves a log directory of 300 entries (a full tile and a
// partial one) over HTTP and checks the HTTP reader proves and reads what
// the directory reader does, under a path prefix as a registry serves it.
func TestHTTPReader(t *testing.T) {
	ctx := context.Background()
	s := testSet(t)
	tr := testTrust(t, s)
	dir := t.TempDir()
	l, err := Open(ctx, dir, s)
	if err != nil {
		t.Fatal(err)
	}
	var waits []func() (*Entry, error)
	for i := 0; i < 300; i++ {
		waits = append(waits, l.Add(ctx, []byte(fmt.Sprintf("entry %d", i))))
	}
	for _, w := range waits {
		if _, err := w(); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.StripPrefix("/log/", http.FileServer(http.Dir(dir))))
	defer ts.Close()
	for _, root := range []string{ts.URL + "/log/", ts.URL + "/log"} {
		hr, err := NewHTTPReader(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		dr := NewReader(dir)
		raw, err := hr.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := dr.Checkpoint(ctx)
		if !bytes.Equal(raw, want) {
			t.Fatalf("%s: checkpoint differs from the directory's", root)
		}
		cp, err := OpenCheckpoint(raw, tr, false)
		if err != nil || cp.Size != 300 {
			t.Fatalf("checkpoint %+v %v", cp, err)
		}
		for _, i := range []uint64{0, 255, 256, 299} {
			p, err := hr.InclusionProof(ctx, i, cp.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := VerifyInclusion(cp, i, []byte(fmt.Sprintf("entry %d", i)), p); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := hr.ConsistencyProof(ctx, 10, 300); err != nil {
			t.Fatal(err)
		}
		n := 0
		err = hr.Entries(ctx, 250, 300, func(i uint64, data []byte) bool {
			if string(data) != fmt.Sprintf("entry %d", i) {
				t.Fatalf("entry %d is %q", i, data)
			}
			n++
			return true
		})
		if err != nil || n != 50 {
			t.Fatalf("%d entries read, %v", n, err)
		}
	}
}

// TestHTTPReaderBadServers checks what an HTTP reader says about a URL that
// is not a log, a server that fails, one that sends an endless body, and a
// bad URL: an error naming the URL, never a hang or a panic.
func TestHTTPReaderBadServers(t *testing.T) {
	ctx := context.Background()
	mux := http.NewServeMux()
	mux.HandleFunc("/fail/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
	mux.HandleFunc("/huge/", func(w http.ResponseWriter, r *http.Request) {
		chunk := bytes.Repeat([]byte("x"), 1<<16)
		for i := 0; i < MaxResource/len(chunk)+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	for _, c := range []struct{ root, want string }{
		{ts.URL + "/none/", "no checkpoint: not a dualmark log"},
		{ts.URL + "/fail/", "502"},
		{ts.URL + "/huge/", fmt.Sprintf("larger than %d bytes", MaxResource)},
	} {
		r, err := NewHTTPReader(c.root, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Checkpoint(ctx)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), ts.URL) {
			t.Errorf("%s: %v, want an error naming the URL with %q", c.root, err, c.want)
		}
	}
	for _, bad := range []string{"ftp://host/log/", "http://", "::"} {
		if _, err := NewHTTPReader(bad, nil); err == nil || !strings.Contains(err.Error(), "log URL") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
