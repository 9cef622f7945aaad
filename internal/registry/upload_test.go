package registry

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmpLeft lists what is left in the data directory's tmp/ folder.
func tmpLeft(t *testing.T, e *env) []string {
	t.Helper()
	var left []string
	err := filepath.WalkDir(filepath.Join(e.srv.cfg.Data, "tmp"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			left = append(left, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return left
}

// waitEmptyTmp waits (briefly) until a request's deferred clean-up has run.
func waitEmptyTmp(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(tmpLeft(t, e)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("left in tmp/: %v", tmpLeft(t, e))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func products(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.srv.Store().CountProducts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUploadStreamsToDisk sends the smart plug's upload through a pipe and
// stops half-way through an evidence part: by then the part is being
// written to a spool file under DATA/tmp (the server does not wait for the
// whole body), and when the client gives up, nothing is stored and the spool
// is gone.
func TestUploadStreamsToDisk(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	up := example(t, "smart-plug")
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", e.ts.URL+"/api/v1/products", pr)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	done := make(chan error, 1)
	go func() {
		resp, err := e.ts.Client().Do(req)
		if err == nil {
			resp.Body.Close()
			err = errors.New("the server answered " + resp.Status + " to a body that never ended")
		}
		done <- err
	}()
	fw, _ := mw.CreateFormFile("dossier", "dossier.yaml")
	fw.Write(up.Dossier)
	fw, _ = mw.CreateFormFile("sbom", "sbom.cdx.json")
	fw.Write(up.SBOM)
	fw, _ = mw.CreateFormFile("evidence", "pentest-report.md")
	chunk := bytes.Repeat([]byte("streamed evidence\n"), 1<<12) // 72 KiB
	fw.Write(chunk)
	deadline := time.Now().Add(10 * time.Second)
	var spooled string
	for spooled == "" {
		for _, p := range tmpLeft(t, e) {
			if fi, err := os.Stat(p); err == nil && strings.HasPrefix(filepath.Base(p), "evidence-") && fi.Size() > 0 {
				spooled = p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no spooled evidence file under tmp/ while the part streams: %v", tmpLeft(t, e))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(spooled, string(filepath.Separator)+"upload-") {
		t.Fatalf("spooled to %s, not a private upload folder", spooled)
	}
	pw.CloseWithError(errors.New("client gave up"))
	if err := <-done; err == nil || strings.Contains(err.Error(), "answered") {
		t.Fatalf("client: %v", err)
	}
	waitEmptyTmp(t, e)
	if n := products(t, e); n != 0 {
		t.Fatalf("%d products stored from an aborted upload", n)
	}
}

// TestFailedUploadsStoreNothing checks each way an upload fails after its
// parts were spooled — over the size limit (while streaming: 413), evidence
// the dossier does not name, evidence that does not match its digest — stores
// no product and leaves nothing under DATA/tmp; a good upload after them is
// registered and leaves nothing either.
func TestFailedUploadsStoreNothing(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxUpload = 1 << 20 })
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	big := example(t, "smart-plug")
	big.Evidence["evidence/pentest-report.md"] = bytes.Repeat([]byte("x"), 2<<20)
	extra := example(t, "smart-plug")
	extra.Evidence["evidence/unnamed.md"] = []byte("not in the dossier")
	wrong := example(t, "smart-plug")
	wrong.Evidence["evidence/pentest-report.md"] = []byte("not the pinned report")
	for _, c := range []struct {
		name   string
		up     func() (io.Reader, string)
		status int
		want   string
	}{
		{"over the limit", func() (io.Reader, string) { return multipartUpload(t, big) }, 413, "limit of 1048576 bytes"},
		{"unnamed evidence", func() (io.Reader, string) { return multipartUpload(t, extra) }, 422, "unnamed.md"},
		{"wrong digest", func() (io.Reader, string) { return multipartUpload(t, wrong) }, 422, "pentest-report.md"},
	} {
		body, ct := c.up()
		var p Problem
		resp := e.do("POST", "/api/v1/products", tok, body, ct, &p)
		if resp.StatusCode != c.status || !strings.Contains(p.Detail+" "+p.Field, c.want) || !strings.Contains(p.Detail, "nothing was stored") {
			t.Errorf("%s: %d %+v, want %d naming %q", c.name, resp.StatusCode, p, c.status, c.want)
		}
		waitEmptyTmp(t, e)
		if n := products(t, e); n != 0 {
			t.Fatalf("%s: %d products stored", c.name, n)
		}
	}
	c := e.register(tok, example(t, "smart-plug"))
	if !strings.Contains(c.Version.Verdicts, "cra=") {
		t.Fatalf("verdicts %q", c.Version.Verdicts)
	}
	waitEmptyTmp(t, e)
}

// TestStaleTmpRemovedAtStart checks Open removes what a crash left in
// DATA/tmp an hour ago and keeps what is younger.
func TestStaleTmpRemovedAtStart(t *testing.T) {
	data := t.TempDir()
	old, young := filepath.Join(data, "tmp", "upload-old"), filepath.Join(data, "tmp", "upload-young")
	for _, d := range []string{old, young} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(d, "evidence-1"), []byte("x"), 0o600)
	}
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	e := newEnv(t, func(c *Config) { c.Data = data })
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale %s kept: %v", old, err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Fatalf("young %s removed: %v", young, err)
	}
	_ = e
}
