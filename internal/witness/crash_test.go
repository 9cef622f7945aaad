package witness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/transparency-dev/merkle/testonly"
)

// TestConcurrentForksNeverBothCosigned races many submitters of two forked
// histories (shared first 5 leaves) against two witness instances that
// share one state file, as two processes would. Whatever the interleaving,
// the witness must never cosign a checkpoint of each branch beyond the fork
// point.
func TestConcurrentForksNeverBothCosigned(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	db := filepath.Join(t.TempDir(), "w.db")
	w1, ws := newWitness(t, f, "witness.example/w1", db)
	w2 := startWitness(t, f, ws, db)
	const shared = 5
	trees := map[string]*testonly.Tree{"main": history(40, 40, "main"), "fork": history(40, shared, "fork")}

	var mu sync.Mutex
	accepted := map[string][]uint64{}
	var wg sync.WaitGroup
	for g := 0; g < 24; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for range 15 {
				branch := []string{"main", "fork"}[r.IntN(2)]
				tree := trees[branch]
				n := uint64(1 + r.IntN(40))
				w := []*Witness{w1, w2}[r.IntN(2)]
				old := uint64(0)
				for try := 0; try < 3; try++ {
					_, err := w.AddCheckpoint(ctx, body(t, f, tree, old, n))
					var we *Error
					if err == nil {
						mu.Lock()
						accepted[branch] = append(accepted[branch], n)
						mu.Unlock()
						break
					}
					if !errors.As(err, &we) || we.Status == 500 {
						t.Errorf("add-checkpoint: %v", err)
						return
					}
					if we.Status != 409 || we.Size > n {
						break
					}
					old = we.Size
				}
			}
		}()
	}
	wg.Wait()
	beyond := func(b string) (n int) {
		for _, s := range accepted[b] {
			if s > shared {
				n++
			}
		}
		return n
	}
	t.Logf("cosigned: main %d, fork %d", len(accepted["main"]), len(accepted["fork"]))
	if beyond("main") > 0 && beyond("fork") > 0 {
		t.Fatalf("cosigned both branches beyond the fork point: main %v, fork %v", accepted["main"], accepted["fork"])
	}
	if len(accepted["main"])+len(accepted["fork"]) == 0 {
		t.Fatal("nothing was cosigned: the test proves nothing")
	}
}

// TestKillDuringAddCheckpoint runs the witness in a child process (this
// test binary re-executed), kills it with SIGKILL while it handles an
// add-checkpoint — once after the checks but before storing, once after
// storing but before answering — restarts on the same state file, and
// checks that the witness never cosigns two inconsistent checkpoints.
func TestKillDuringAddCheckpoint(t *testing.T) {
	if os.Getenv("DUALMARK_WITNESS_CHILD") != "" {
		t.Skip("child process")
	}
	for _, stage := range []string{"checked", "stored"} {
		t.Run(stage, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			dir := t.TempDir()
			ws, err := keys.GenerateWitnessSet("witness.example/w1", nil, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if err := ws.Write(filepath.Join(dir, "keys")); err != nil {
				t.Fatal(err)
			}
			if err := f.trust.Save(filepath.Join(dir, "trust.json")); err != nil {
				t.Fatal(err)
			}
			db := filepath.Join(dir, "w.db")
			// The first checkpoint goes through normally, in-process.
			main, fork := history(12, 12, "main"), history(12, 5, "fork")
			first := startWitness(t, f, ws, db)
			if _, err := first.AddCheckpoint(ctx, body(t, f, main, 0, 5)); err != nil {
				t.Fatal(err)
			}
			first.cfg.Store.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestWitnessChild$", "-test.v")
			cmd.Env = append(os.Environ(), "DUALMARK_WITNESS_CHILD="+dir, "DUALMARK_WITNESS_STOP="+stage)
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
			addr := waitLine(t, lines, "LISTEN ")
			answered := make(chan error, 1)
			go func() {
				resp, err := http.Post("http://"+addr+"/add-checkpoint", "text/plain", bytes.NewReader(body(t, f, main, 5, 10)))
				if err == nil {
					resp.Body.Close()
					err = fmt.Errorf("answered %d", resp.StatusCode)
				}
				answered <- err
			}()
			waitLine(t, lines, "AT "+stage)
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			cmd.Wait()
			if err := <-answered; err == nil || strings.HasPrefix(err.Error(), "answered") {
				t.Fatalf("the killed witness answered: %v", err)
			}

			w := startWitness(t, f, ws, db)
			st, err := w.cfg.Store.Latest(ctx, testOrigin)
			if err != nil {
				t.Fatal(err)
			}
			var we *Error
			switch stage {
			case "checked": // nothing stored, nothing signed: the old state stands
				if st.Size != 5 {
					t.Fatalf("state after a kill before storing: size %d, want 5", st.Size)
				}
				// Size 10 of main was never cosigned, so a fork may be.
				if _, err := w.AddCheckpoint(ctx, body(t, f, fork, 5, 10)); err != nil {
					t.Fatalf("fork after a kill before storing: %v", err)
				}
				if _, err := w.AddCheckpoint(ctx, body(t, f, main, 10, 10)); !errors.As(err, &we) || we.Status != 422 {
					t.Fatalf("main after the fork was cosigned: %v, want 422", err)
				}
			case "stored": // stored before the kill: the fork is refused
				if st.Size != 10 {
					t.Fatalf("state after a kill after storing: size %d, want 10", st.Size)
				}
				if _, err := w.AddCheckpoint(ctx, body(t, f, fork, 10, 10)); !errors.As(err, &we) || we.Status != 422 {
					t.Fatalf("fork after a kill after storing: %v, want 422", err)
				}
				if _, err := w.AddCheckpoint(ctx, body(t, f, main, 10, 12)); err != nil {
					t.Fatalf("main after restart: %v", err)
				}
			}
		})
	}
}

func waitLine(t *testing.T, s *bufio.Scanner, prefix string) string {
	t.Helper()
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), prefix); ok {
			return rest
		}
	}
	t.Fatalf("child exited before printing %q", prefix)
	return ""
}

// TestWitnessChild is the child process of TestKillDuringAddCheckpoint: a
// witness on a loopback port that stops (forever) at the named stage.
func TestWitnessChild(t *testing.T) {
	dir := os.Getenv("DUALMARK_WITNESS_CHILD")
	if dir == "" {
		t.Skip("only run as the child of TestKillDuringAddCheckpoint")
	}
	ws, err := keys.LoadWitnessSet(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := keys.LoadTrust(filepath.Join(dir, "trust.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := OpenStore(filepath.Join(dir, "w.db"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Keys: ws, Trust: tr, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	stop := os.Getenv("DUALMARK_WITNESS_STOP")
	w.hook = func(stage string) {
		if stage == stop {
			fmt.Printf("AT %s\n", stage)
			select {}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	http.Serve(ln, w)
}
