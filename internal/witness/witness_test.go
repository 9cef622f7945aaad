package witness

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// TestAddCheckpoint drives one witness through the tlog-witness status
// codes in order; each step starts from the state the previous left.
func TestAddCheckpoint(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	w, ws := newWitness(t, f, "witness.example/w1", filepath.Join(t.TempDir(), "w.db"))
	main := history(20, 20, "main")
	fork := history(20, 3, "fork")
	other := newFixture(t) // same origin, keys the witness does not trust
	otherSet, _ := keys.GenerateSet("Other", "example.com/not-followed", nil, time.Now())

	steps := []struct {
		name   string
		body   []byte
		status int
		size   uint64 // for 409
	}{
		{"malformed", []byte("old x\n\n"), 400, 0},
		{"unknown log", (&Request{Checkpoint: signText(t, otherSet, "example.com/not-followed\n1\n"+b64(main.HashAt(1))+"\n")}).Marshal(), 404, 0},
		{"untrusted log key", (&Request{Checkpoint: other.checkpoint(t, main, 5)}).Marshal(), 403, 0},
		{"size beyond 2^63-1", (&Request{Checkpoint: signText(t, f.set, testOrigin+"\n9223372036854775808\n"+b64(main.HashAt(1))+"\n")}).Marshal(), 400, 0},
		{"old size above size", (&Request{OldSize: 6, Checkpoint: f.checkpoint(t, main, 5)}).Marshal(), 400, 0},
		{"size 0 with a non-empty root", (&Request{Checkpoint: signText(t, f.set, testOrigin+"\n0\n"+b64(main.HashAt(1))+"\n")}).Marshal(), 422, 0},
		{"proof with old size 0", (&Request{Proof: [][]byte{main.HashAt(1)}, Checkpoint: f.checkpoint(t, main, 5)}).Marshal(), 422, 0},
		{"first checkpoint", body(t, f, main, 0, 5), 200, 0},
		{"same checkpoint again", body(t, f, main, 5, 5), 200, 0},
		{"stale old size", body(t, f, main, 0, 9), 409, 5},
		{"same size, other root (fork)", body(t, f, fork, 5, 5), 422, 0},
		{"bad consistency proof", (&Request{OldSize: 5, Proof: [][]byte{main.HashAt(3)}, Checkpoint: f.checkpoint(t, main, 9)}).Marshal(), 422, 0},
		{"extension of the main history", body(t, f, main, 5, 12), 200, 0},
		{"fork at a larger size", body(t, f, fork, 12, 15), 422, 0},
		{"older checkpoint after a newer one", body(t, f, main, 0, 5), 409, 12},
	}
	for _, s := range steps {
		lines, err := w.AddCheckpoint(ctx, s.body)
		got := 200
		var we *Error
		if errors.As(err, &we) {
			got = we.Status
		} else if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.status {
			t.Fatalf("%s: status %d (%v), want %d", s.name, got, err, s.status)
		}
		if got == 409 && we.Size != s.size {
			t.Fatalf("%s: 409 with size %d, want %d", s.name, we.Size, s.size)
		}
		if got != 200 {
			continue
		}
		req, _ := ParseRequest(s.body)
		merged, err := tlog.AddSignatures(req.Checkpoint, lines)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := tlog.VerifyCosignatures(merged, ws.VKeys())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if !c.Valid || time.Since(c.Time) > time.Minute {
				t.Fatalf("%s: %s cosignature valid=%v time=%v", s.name, c.Algorithm(), c.Valid, c.Time)
			}
		}
	}
	st, _ := w.cfg.Store.Latest(ctx, testOrigin)
	if st.Size != 12 || !bytes.Equal(st.Root, main.HashAt(12)) {
		t.Fatalf("stored size %d, want 12 of the main history", st.Size)
	}
	refused, _ := w.cfg.Store.RefusedCheckpoints(ctx, testOrigin)
	if len(refused) != 3 {
		t.Fatalf("%d refused checkpoints recorded, want 3 (the failed consistency checks)", len(refused))
	}
}

func b64(h []byte) string { return tlog.EncodeHash(h) }

// TestHTTP checks the wire details: the 409 body and content type, the
// cosignature lines and the monitoring checkpoint.
func TestHTTP(t *testing.T) {
	f := newFixture(t)
	w, ws := newWitness(t, f, "witness.example/w1", filepath.Join(t.TempDir(), "w.db"))
	srv := httptest.NewServer(w)
	defer srv.Close()
	main := history(8, 8, "main")
	post := func(b []byte) (*http.Response, string) {
		resp, err := http.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		return resp, buf.String()
	}
	if resp, b := post(body(t, f, main, 0, 4)); resp.StatusCode != 200 || strings.Count(b, "— witness.example/w1 ") != 2 {
		t.Fatalf("first add: %d %q", resp.StatusCode, b)
	}
	resp, b := post(body(t, f, main, 0, 8))
	if resp.StatusCode != 409 || b != "4\n" || resp.Header.Get("Content-Type") != "text/x.tlog.size" {
		t.Fatalf("409: %d %q %q", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	r, err := http.Get(srv.URL + "/" + originHash(testOrigin) + "/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	var cp bytes.Buffer
	cp.ReadFrom(r.Body)
	r.Body.Close()
	cs, err := tlog.VerifyCosignatures(cp.Bytes(), ws.VKeys())
	if err != nil || !cs[0].Valid || !cs[1].Valid {
		t.Fatalf("monitoring checkpoint: %v %+v\n%s", err, cs, cp.String())
	}
	if r, _ := http.Get(srv.URL + "/" + originHash("nope") + "/checkpoint"); r.StatusCode != 404 {
		t.Fatalf("unknown origin hash: %d", r.StatusCode)
	}
	if r, _ := http.Get(srv.URL + "/add-checkpoint"); r.StatusCode != 405 {
		t.Fatalf("GET add-checkpoint: %d", r.StatusCode)
	}
}

// TestRestartKeepsState closes a witness and opens its state file again.
func TestRestartKeepsState(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := filepath.Join(t.TempDir(), "w.db")
	w, ws := newWitness(t, f, "witness.example/w1", db)
	main, fork := history(10, 10, "main"), history(10, 3, "fork")
	if _, err := w.AddCheckpoint(ctx, body(t, f, main, 0, 7)); err != nil {
		t.Fatal(err)
	}
	w.cfg.Store.Close()
	w2 := startWitness(t, f, ws, db)
	var we *Error
	if _, err := w2.AddCheckpoint(ctx, body(t, f, fork, 0, 7)); !errors.As(err, &we) || we.Status != 409 || we.Size != 7 {
		t.Fatalf("after restart, a fork from size 0: %v, want 409 with size 7", err)
	}
	if _, err := w2.AddCheckpoint(ctx, body(t, f, fork, 7, 7)); !errors.As(err, &we) || we.Status != 422 {
		t.Fatalf("after restart, a same-size fork: %v, want 422", err)
	}
	if _, err := w2.AddCheckpoint(ctx, body(t, f, main, 7, 10)); err != nil {
		t.Fatalf("after restart, the next main checkpoint: %v", err)
	}
}
