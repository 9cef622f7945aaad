package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/registry"
)

func TestServeCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "reg")
	t.Setenv("DUALMARK_PASSWORD", "correct horse battery")
	steps := []struct {
		name string
		args []string
		env  string // DUALMARK_PASSWORD for this step
		want int
	}{
		{"serve needs --data", []string{"serve"}, "", 2},
		{"member needs --org", []string{"serve", "member", "--data", data, "--email", "a@b.example"}, "", 2},
		{"member short password", []string{"serve", "member", "--data", data, "--org", "Voltic", "--email", "a@b.example"}, "short", 2},
		{"member bad kind", []string{"serve", "member", "--data", data, "--org", "Voltic", "--kind", "pirate", "--email", "a@b.example"}, "", 2},
		{"member", []string{"serve", "member", "--data", data, "--org", "Voltic", "--email", "anna@voltic.example"}, "", 0},
		{"member twice", []string{"serve", "member", "--data", data, "--org", "Voltic", "--email", "ANNA@voltic.example"}, "", 2},
		{"seed", []string{"serve", "seed", "--data", data, "--count", "3", "--example", "../../examples/smart-plug"}, "", 0},
		{"seed zero", []string{"serve", "seed", "--data", data, "--count", "0"}, "", 2},
		{"backup", []string{"serve", "backup", "--data", data, "--out", filepath.Join(dir, "b.db")}, "", 0},
		{"backup never overwrites", []string{"serve", "backup", "--data", data, "--out", filepath.Join(dir, "b.db")}, "", 2},
		{"witness needs --trust", []string{"serve", "--data", data, "--witness", "http://127.0.0.1:1"}, "", 2},
		{"witness trust file missing", []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--trust", filepath.Join(dir, "none.json"), "--witness", "http://127.0.0.1:1"}, "", 2},
		{"appender without --log-appender=false", []string{"serve", "--data", data, "--appender", "http://127.0.0.1:1"}, "", 2},
		{"non-appender needs --appender", []string{"serve", "--data", data, "--log-appender=false"}, "", 2},
		{"non-appender needs postgres", []string{"serve", "--data", data, "--log-appender=false", "--appender", "http://127.0.0.1:1"}, "", 2},
		{"help", []string{"serve", "--help"}, "", 0},
	}
	for _, s := range steps {
		if s.env != "" {
			t.Setenv("DUALMARK_PASSWORD", s.env)
		} else {
			t.Setenv("DUALMARK_PASSWORD", "correct horse battery")
		}
		if got := run(s.args); got != s.want {
			t.Fatalf("%s: dualmark %s = exit %d, want %d", s.name, strings.Join(s.args, " "), got, s.want)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "b.db")); err != nil || fi.Size() == 0 {
		t.Fatalf("backup not written: %v", err)
	}
}

// TestServeShutdown starts the server on a loopback port, checks it answers,
// then cancels it as SIGTERM would and checks it stops cleanly.
func TestServeShutdown(t *testing.T) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	cfg := registry.Config{Data: t.TempDir(), BaseURL: "http://127.0.0.1"}
	go func() {
		done <- serve(ctx, pw, cfg, "127.0.0.1:0", true)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	addr := ""
	var token string
	for addr == "" && lines.Scan() {
		if strings.HasPrefix(lines.Text(), "dmr_") {
			token = lines.Text()
		}
		if m := regexp.MustCompile(`listening on (http://\S+)`).FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" || token == "" {
		t.Fatalf("no address or admin token printed (token %q)", token)
	}
	go io.Copy(io.Discard, pr)
	resp, err := http.Get(addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30 s")
	}
}
