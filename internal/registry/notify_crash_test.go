package registry

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// TestDeliveryAfterKill kills the server (SIGKILL) between writing a
// revocation's event to the outbox and recording its delivery — once before
// any attempt ("written": the dispatcher is off) and once while the attempt
// is in flight ("sending": the receiver holds the request) — and checks that
// the restarted server delivers the event, with the same idempotency key.
func TestDeliveryAfterKill(t *testing.T) {
	for _, c := range []struct{ dialect, stage string }{{"sqlite", "written"}, {"sqlite", "sending"}, {"postgres", "written"}, {"postgres", "sending"}} {
		t.Run(c.dialect+"/"+c.stage, func(t *testing.T) {
			stage, dsn := c.stage, ""
			if c.dialect == "postgres" {
				dsn = regtest.PostgresSchema(t)
			}
			dir := t.TempDir()
			// the receiver holds the first request until the test ends; later ones get 200
			held := make(chan struct{})
			defer close(held)
			rc := newReceiver(t, func(n int, r *http.Request) int {
				if n == 0 && stage == "sending" {
					select {
					case <-held:
					case <-r.Context().Done():
					}
					return 0
				}
				return 200
			})
			// a manufacturer with a label and a subscription, prepared by a server that is closed again
			e := newEnv(t, func(c *Config) { c.Data, c.Database, c.Notify.Disabled = dir, dsn, true })
			orgA, tokA := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
			sub := e.subscribe(tokA, SubscriptionRequest{URL: rc.URL})
			c := e.register(tokA, example(t, "smart-plug"))
			var l IssuedLabel
			wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tokA, nil, &l), 201)
			e.ts.Close()
			if err := e.srv.Close(context.Background()); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestNotifyChild$", "-test.v")
			cmd.Env = append(os.Environ(), "DUALMARK_NOTIFY_CHILD="+dir, "DUALMARK_NOTIFY_STAGE="+stage, "DUALMARK_NOTIFY_ORG="+orgA, "DUALMARK_NOTIFY_LABEL="+l.Label.ID, "DUALMARK_NOTIFY_DATABASE="+dsn)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := bufio.NewScanner(out)
			waitFor(t, lines, "REVOKED")
			if stage == "sending" {
				rc.wait(t, 1, 10*time.Second) // the child's attempt is in flight
			}
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			cmd.Wait()

			// the restarted server finds the delivery due (at once, or when the dead process's lease runs out)
			e2 := newEnv(t, fastNotify, func(c *Config) { c.Data, c.Database = dir, dsn })
			deadline := time.Now().Add(15 * time.Second)
			var ds []store.Delivery
			for {
				evs, _, err := e2.srv.outbox.ListEvents(context.Background(), orgA, store.Page{})
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 1 || evs[0].Kind != notify.KindLabelRevoked {
					t.Fatalf("outbox after the kill: %+v", evs)
				}
				if ds, err = e2.srv.outbox.ListDeliveries(context.Background(), orgA, evs[0].ID); err != nil {
					t.Fatal(err)
				}
				if len(ds) == 1 && ds[0].Status == store.DeliveryDelivered || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered {
				t.Fatalf("after the restart: %+v", ds)
			}
			got := rc.requests()
			want := 1
			if stage == "sending" {
				want = 2 // the attempt the kill cut off, and the one after the restart
			}
			if len(got) != want {
				t.Fatalf("the receiver saw %d requests, want %d", len(got), want)
			}
			for _, r := range got {
				if ev := verified(t, sub.Secret, r); ev.ID != ds[0].EventID || ev.LabelID != l.Label.ID {
					t.Fatalf("request with webhook-id %s for label %s; want event %s for %s", ev.ID, ev.LabelID, ds[0].EventID, l.Label.ID)
				}
			}
		})
	}
}

func waitFor(t *testing.T, lines *bufio.Scanner, prefix string) string {
	t.Helper()
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), prefix) {
			return lines.Text()
		}
	}
	t.Fatalf("the child ended before printing %q", prefix)
	return ""
}

// TestNotifyChild is the child process of TestDeliveryAfterKill: it opens
// the registry in the given data directory, revokes the label, says so, and
// waits to be killed.
func TestNotifyChild(t *testing.T) {
	dir := os.Getenv("DUALMARK_NOTIFY_CHILD")
	if dir == "" {
		t.Skip("only run as the child of TestDeliveryAfterKill")
	}
	cfg := Config{Data: dir, Database: os.Getenv("DUALMARK_NOTIFY_DATABASE"), Passwords: &cheap}
	fastNotify(&cfg)
	cfg.Notify.Timeout, cfg.Notify.Lease = 500*time.Millisecond, 1200*time.Millisecond // the restarted server takes over after a second
	cfg.Notify.Disabled = os.Getenv("DUALMARK_NOTIFY_STAGE") == "written"
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.store.Org(context.Background(), os.Getenv("DUALMARK_NOTIFY_ORG"))
	if err != nil {
		t.Fatal(err)
	}
	p := &principal{org: org, userID: "test", remote: "127.0.0.1", scopes: []string{store.ScopeLabel}}
	if err := s.revoke(context.Background(), p, os.Getenv("DUALMARK_NOTIFY_LABEL"), "killed mid-delivery"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("REVOKED")
	select {}
}
