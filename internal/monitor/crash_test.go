package monitor

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dualmark/dualmark/internal/registry/store"
)

// TestKillDuringRematch kills (SIGKILL) a child process in the middle of a
// delta re-match — after it computed the findings and before it committed
// them, or while it commits — and checks that the store holds either the
// previous findings and a running job, which Resume then completes, or the
// committed ones; either way the findings end equal to a full re-match.
func TestKillDuringRematch(t *testing.T) {
	oldPath, newPath := buildDBs(t)
	oldDB, newDB := openDB(t, oldPath), openDB(t, newPath)
	ctx := context.Background()
	for _, stage := range []string{"before-commit", "committing"} {
		t.Run(stage, func(t *testing.T) {
			dbPath := filepath.Join(t.TempDir(), "registry.db")
			st, _ := seedStore(t, dbPath, 6)
			m := New(st)
			if _, err := m.Backfill(ctx, oldDB); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Rematch(ctx, oldDB, false); err != nil {
				t.Fatal(err)
			}
			before := openSet(t, st, nil)
			st.Close()

			cmd := exec.Command(os.Args[0], "-test.run=^TestRematchChild$", "-test.v")
			cmd.Env = append(os.Environ(), "DUALMARK_MONITOR_CHILD="+dbPath, "DUALMARK_MONITOR_DB="+newPath, "DUALMARK_MONITOR_STOP="+stage)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			waitFor(t, bufio.NewScanner(out), "AT "+stage)
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			cmd.Wait()
			go io.Copy(io.Discard, out)

			st2, err := store.Open(ctx, dbPath)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			jobs, err := st2.RunningJobs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			now := openSet(t, st2, nil)
			switch {
			case len(jobs) == 1 && slices.Equal(now, before):
				// killed before the commit took: the previous findings stand
			case len(jobs) == 0 && stage == "committing" && !slices.Equal(now, before):
				// the commit took before the kill
			default:
				t.Fatalf("after the kill: %d running jobs, findings changed: %t", len(jobs), !slices.Equal(now, before))
			}
			m2 := New(st2)
			if _, err := m2.Resume(ctx, newDB); err != nil {
				t.Fatal(err)
			}
			if jobs, _ := st2.RunningJobs(ctx); len(jobs) != 0 {
				t.Fatalf("%d jobs still running after Resume", len(jobs))
			}
			full, err := m2.Rematch(ctx, newDB, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(full.Changes) != 0 {
				t.Errorf("a full re-match after the resumed job still changed %d findings (first: %+v)", len(full.Changes), full.Changes[0])
			}
			if slices.Equal(openSet(t, st2, nil), before) {
				t.Error("the resumed re-match changed nothing")
			}
		})
	}
}

func waitFor(t *testing.T, lines *bufio.Scanner, prefix string) {
	t.Helper()
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), prefix) {
			return
		}
	}
	t.Fatalf("child exited before printing %q", prefix)
}

// TestRematchChild is the child process of TestKillDuringRematch: a delta
// re-match that stops (forever) before its commit, or announces the commit
// and runs it while the parent kills it.
func TestRematchChild(t *testing.T) {
	path := os.Getenv("DUALMARK_MONITOR_CHILD")
	if path == "" {
		t.Skip("only run as the child of TestKillDuringRematch")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, os.Getenv("DUALMARK_MONITOR_DB"))
	m := New(st)
	stop := os.Getenv("DUALMARK_MONITOR_STOP")
	m.BeforeCommit = func(string) {
		fmt.Printf("AT %s\n", stop)
		if stop == "before-commit" {
			select {}
		}
	}
	if _, err := m.Rematch(ctx, db, false); err != nil {
		t.Fatal(err)
	}
	select {}
}
