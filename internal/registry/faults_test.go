package registry

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/label"
	"github.com/dualmark/dualmark/internal/monitor"
	"github.com/dualmark/dualmark/internal/registry/internal/regtest"
	"github.com/dualmark/dualmark/internal/registry/store"
	"github.com/dualmark/dualmark/internal/testdata"
	"github.com/dualmark/dualmark/internal/tlog"
)

// faultKills is the number of kills per store of TestKillAtRandomPoints:
// $DUALMARK_FAULTS split over the two stores (default 10, so 5 each).
func faultKills(t *testing.T) int {
	n := 10
	if v := os.Getenv("DUALMARK_FAULTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			t.Fatalf("DUALMARK_FAULTS=%q: want a number of kills of at least 2", v)
		}
	}
	return n / 2
}

// ledger records the writes the server acknowledged (a 2xx answer read in
// full) and the ones whose outcome is unknown (the answer never came).
type ledger struct {
	mu        sync.Mutex
	versions  map[string]string // acknowledged version ID → product ID
	routers   map[string]bool   // acknowledged versions of the home router (CVE-2024-1086 affects them)
	labels    map[string]string // acknowledged label ID → version ID
	revoked   map[string]bool   // acknowledged revocations
	tried     map[string]bool   // revocations sent (acknowledged or not): not sent again
	shared    map[string]bool   // products shared with the lab (acknowledged)
	reports   map[string]string // acknowledged lab report ID → SHA-256 of its content
	imported  bool              // an import of CVE-2024-1086 was acknowledged
	routersAt int               // acknowledged router versions when that import was sent
	acks      int
	failures  int // requests cut off by a kill
}

func newLedger() *ledger {
	return &ledger{versions: map[string]string{}, routers: map[string]bool{}, labels: map[string]string{}, revoked: map[string]bool{},
		tried: map[string]bool{}, shared: map[string]bool{}, reports: map[string]string{}}
}

// faultEnv is what the driver needs between rounds.
type faultEnv struct {
	dir, dsn, advisories string
	org, tok, admin      string
	lab, labTok          string
	report               []byte            // a lab report request (JSON)
	ups                  map[string][]byte // example name → multipart body
	cts                  map[string]string
	cve                  []byte
}

// TestKillAtRandomPoints runs the registry in a child process (the re-exec
// pattern, TestFaultsChild) on SQLite and on a fresh PostgreSQL schema; a
// driver sends uploads, label issuances, revocations, lab reports (after
// sharing the product with the lab) and advisory imports
// (each re-matching the portfolio) from three clients, SIGKILLs the child
// at a random moment, and after every kill opens the data directory again
// and checks that every acknowledged write is there and that nothing
// half-written is visible: every version has all its blobs, every stored
// label's bundle verifies against the log and the log agrees with the
// store on revocation, the checkpoint covers every label and revocation,
// every revocation has its outbox event, and the crisis query lists every
// router version once an import was acknowledged. DUALMARK_FAULTS sets the
// number of kills (default 10).
func TestKillAtRandomPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process repeatedly")
	}
	kills := faultKills(t)
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			fe := &faultEnv{dir: t.TempDir()}
			if dialect == "postgres" {
				fe.dsn = regtest.PostgresSchema(t)
			}
			fe.advisories = faultAdvisoryDB(t)
			fe.cve = cveLines(t, "CVE-2024-1086")["CVE-2024-1086"]
			fe.ups, fe.cts = map[string][]byte{}, map[string]string{}
			for _, name := range []string{"smart-plug", "home-router"} {
				body, ct := multipartUpload(t, example(t, name))
				b, _ := io.ReadAll(body)
				fe.ups[name], fe.cts[name] = b, ct
			}
			e := newEnv(t, func(c *Config) { c.Data, c.Database, c.AdvisoryDB = fe.dir, fe.dsn, fe.advisories })
			fe.org, fe.tok = e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
			fe.admin = e.admin
			fe.lab, fe.labTok = e.org("Nordlicht Prüflabor GmbH", "lab", "read", "write")
			fe.report, _ = json.Marshal(testReport())
			e.ts.Close()
			if err := e.srv.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			led := newLedger()
			start := time.Now()
			for round := 0; round < kills; round++ {
				faultRound(t, fe, led, round)
				checkAfterKill(t, fe, led)
				if t.Failed() {
					return
				}
			}
			t.Logf("%s: %d kills in %v; %d writes acknowledged (%d versions, %d labels, %d revocations, %d lab reports, import %v), %d requests cut off",
				dialect, kills, time.Since(start).Round(time.Millisecond), led.acks, len(led.versions), len(led.labels), len(led.revoked), len(led.reports), led.imported, led.failures)
		})
	}
}

// faultAdvisoryDB writes a small real advisory database: one kernel CVE
// record (not CVE-2024-1086, which the driver imports) and a KEV catalogue.
func faultAdvisoryDB(t *testing.T) string {
	return advisoryDB(t, [][]byte{cveLines(t, "CVE-2024-26581")["CVE-2024-26581"]}, testdata.Path(t, "kev/history/known_exploited_vulnerabilities.2025.03.03.json"))
}

// faultRound starts the child, drives it from three clients and kills it
// at a random moment between 0.2 and 2 seconds after it listens.
func faultRound(t *testing.T, fe *faultEnv, led *ledger, round int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultsChild$", "-test.v")
	cmd.Env = append(os.Environ(), "DUALMARK_FAULTS_CHILD="+fe.dir, "DUALMARK_FAULTS_DATABASE="+fe.dsn, "DUALMARK_FAULTS_ADVISORIES="+fe.advisories)
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
	addr := strings.TrimPrefix(waitFor(t, lines, "LISTEN "), "LISTEN ")
	go io.Copy(io.Discard, out)
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			drive(ctx, t, fe, led, base, rand.New(rand.NewPCG(seed, uint64(round))))
		}(uint64(w))
	}
	time.Sleep(200*time.Millisecond + rand.N(1800*time.Millisecond))
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()
	cancel()
	wg.Wait()
}

// drive sends writes until ctx ends or the server stops answering.
func drive(ctx context.Context, t *testing.T, fe *faultEnv, led *ledger, base string, rnd *rand.Rand) {
	client := &http.Client{Timeout: 60 * time.Second}
	send := func(method, path, token string, body []byte, ct string, out any, tolerate ...int) (int, bool) {
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", ct)
		resp, err := client.Do(req)
		if err != nil {
			return -1, false // the server is gone
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, false // cut off mid-answer: not acknowledged
		}
		if resp.StatusCode/100 != 2 {
			if slices.Contains(tolerate, resp.StatusCode) {
				return resp.StatusCode, true
			}
			t.Errorf("%s %s: %d %s", method, path, resp.StatusCode, data)
			return resp.StatusCode, false
		}
		if out != nil {
			if err := json.Unmarshal(data, out); err != nil {
				t.Errorf("%s %s: %v in %s", method, path, err, data)
				return resp.StatusCode, false
			}
		}
		return resp.StatusCode, true
	}
	for ctx.Err() == nil {
		led.mu.Lock()
		var version, revoke string
		for v := range led.versions {
			version = v
			break
		}
		for l := range led.labels {
			if !led.tried[l] {
				revoke = l
				break
			}
		}
		routers := len(led.routers)
		led.mu.Unlock()
		var ok bool
		code := 0
		switch op := rnd.IntN(100); {
		case op < 35 || version == "":
			name := []string{"smart-plug", "home-router"}[rnd.IntN(2)]
			var c Created
			if code, ok = send("POST", "/api/v1/products", fe.tok, fe.ups[name], fe.cts[name], &c); ok {
				led.mu.Lock()
				led.versions[c.Version.ID] = c.Product.ID
				if name == "home-router" {
					led.routers[c.Version.ID] = true
				}
				led.mu.Unlock()
			}
		case op < 70:
			var l IssuedLabel
			if code, ok = send("POST", "/api/v1/versions/"+version+"/label", fe.tok, nil, "application/json", &l); ok {
				led.mu.Lock()
				led.labels[l.Label.ID] = version
				led.mu.Unlock()
			}
		case op < 80 && revoke != "":
			led.mu.Lock()
			if led.tried[revoke] {
				led.mu.Unlock()
				continue
			}
			led.tried[revoke] = true
			led.mu.Unlock()
			if code, ok = send("POST", "/api/v1/labels/"+revoke+"/revoke", fe.tok, []byte(`{"reason":"killed at random"}`), "application/json", nil); ok {
				led.mu.Lock()
				led.revoked[revoke] = true
				led.mu.Unlock()
			}
		case op < 90:
			product := led.productOf(version)
			if code, ok = send("POST", "/api/v1/products/"+product+"/shares", fe.tok, []byte(`{"org":"`+fe.lab+`"}`), "application/json", nil, 409); !ok {
				break
			}
			var rep AttachedReport
			if code, ok = send("POST", "/api/v1/versions/"+version+"/reports", fe.labTok, fe.report, "application/json", &rep); ok {
				led.mu.Lock()
				led.reports[rep.ID] = rep.SHA256
				led.mu.Unlock()
			}
		default:
			if code, ok = send("POST", "/api/v1/admin/advisories?name=CVE-2024-1086.json", fe.admin, fe.cve, "application/octet-stream", nil); ok {
				led.mu.Lock()
				if !led.imported {
					led.imported, led.routersAt = true, routers
				}
				led.mu.Unlock()
			}
		}
		led.mu.Lock()
		if ok {
			led.acks++
		} else if code <= 0 {
			led.failures++
		}
		led.mu.Unlock()
		if code < 0 {
			return
		}
	}
}

func (l *ledger) productOf(version string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.versions[version]
}

// checkAfterKill opens the killed server's data directory again and checks
// the ledger against it.
func checkAfterKill(t *testing.T, fe *faultEnv, led *ledger) {
	t.Helper()
	e := newEnv(t, func(c *Config) { c.Data, c.Database, c.AdvisoryDB = fe.dir, fe.dsn, fe.advisories })
	defer func() {
		e.ts.Close()
		if err := e.srv.Close(context.Background()); err != nil {
			t.Error(err)
		}
	}()
	ctx := context.Background()
	led.mu.Lock()
	defer led.mu.Unlock()

	// every acknowledged version, with its assessment
	for v := range led.versions {
		if _, err := e.srv.Store().Version(ctx, fe.org, v); err != nil {
			t.Errorf("acknowledged version %s: %v", v, err)
			continue
		}
		wantStatus(t, e.json("GET", "/api/v1/versions/"+v+"/assessment", fe.tok, nil, nil), 200)
	}

	// nothing half-written: every stored version has all five blobs
	db := rawDB(t, fe)
	defer db.Close()
	for _, col := range []string{"dossier", "sbom", "assessment", "summary", "public"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM versions v LEFT JOIN blobs b ON b.digest = v.` + col + ` WHERE b.digest IS NULL OR length(b.data) = 0`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d versions without their %s blob", n, col)
		}
	}

	// every acknowledged lab report, with its content; no report without its blobs
	for id, sum := range led.reports {
		resp := e.do("GET", "/api/v1/reports/"+id+"/content", fe.labTok, nil, "", nil)
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || fmt.Sprintf("%x", sha256.Sum256(body)) != sum {
			t.Errorf("acknowledged report %s: status %d, %d bytes", id, resp.StatusCode, len(body))
		}
	}
	for _, col := range []string{"content", "attestation"} {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM test_reports r LEFT JOIN blobs b ON b.digest = r.` + col + ` WHERE b.digest IS NULL OR length(b.data) = 0`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d reports without their %s blob", n, col)
		}
	}

	// every stored label verifies against the log, which agrees with the store
	resp := e.do("GET", "/trust.json", "", nil, "", nil)
	trustBytes, _ := io.ReadAll(resp.Body)
	trust, err := keys.ParseTrust(trustBytes, "trust.json")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT id, status, bundle FROM labels`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]string{}
	revocations := 0
	for rows.Next() {
		var id, status string
		var bundle []byte
		if err := rows.Scan(&id, &status, &bundle); err != nil {
			t.Fatal(err)
		}
		stored[id] = status
		b, err := label.ParseBundle(bundle, "label "+id)
		if err != nil {
			t.Errorf("stored bundle of %s: %v", id, err)
			continue
		}
		res, err := label.Verify(ctx, b, label.Policy{Trust: trust, Log: tlog.NewReader(e.srv.LogDir())})
		if err != nil {
			t.Errorf("verifying %s: %v", id, err)
			continue
		}
		for _, c := range res.Checks {
			if !c.OK && c.Name != label.CheckStatus {
				t.Errorf("label %s: check %s failed: %s", id, c.Name, c.Detail)
			}
		}
		if logRevoked := res.Status == label.StatusRevoked; logRevoked != (status == store.StatusRevoked) {
			mk, _ := os.ReadFile(filepath.Join(fe.dir, "log-recovered"))
			t.Errorf("label %s: the store says %s, the log says %s (%v; recovered up to %s)", id, status, res.Status, res.Checks, mk)
		}
		if status == store.StatusRevoked {
			revocations++
		}
	}
	rows.Close()
	for l := range led.labels {
		if _, ok := stored[l]; !ok {
			t.Errorf("acknowledged label %s is not stored", l)
		}
		wantStatus(t, e.do("GET", "/p/"+l+"/bundle.json", "", nil, "", nil), 200)
	}
	for l := range led.revoked {
		if stored[l] != store.StatusRevoked {
			t.Errorf("acknowledged revocation of %s: the store says %q", l, stored[l])
		}
	}

	// the checkpoint covers every label and revocation
	resp = e.do("GET", "/log/checkpoint", "", nil, "", nil)
	cpBytes, _ := io.ReadAll(resp.Body)
	cp, err := tlog.OpenCheckpoint(cpBytes, trust, false)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size < uint64(len(stored)+revocations) {
		t.Errorf("checkpoint size %d < %d labels + %d revocations", cp.Size, len(stored), revocations)
	}

	// every revocation has its outbox event, in the same transaction
	var events int
	if err := db.QueryRow(`SELECT COUNT(*) FROM labels l WHERE l.status = 'revoked' AND NOT EXISTS (SELECT 1 FROM events v WHERE v.kind = 'label.revoked' AND v.label_id = l.id)`).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 0 {
		t.Errorf("%d revoked labels without a label.revoked event", events)
	}

	// once an import of CVE-2024-1086 was acknowledged, the crisis query
	// lists every router version acknowledged before it
	if led.imported && led.routersAt > 0 {
		if err := e.srv.StartMonitor(ctx, 0, nil); err != nil {
			t.Fatal(err)
		}
		var aff monitor.Affected
		wantStatus(t, e.json("GET", "/api/v1/vulnerabilities/CVE-2024-1086/affected", fe.tok, nil, &aff), 200)
		listed := map[string]bool{}
		for _, v := range aff.Versions {
			listed[v.VersionID] = true
		}
		n := 0
		for v := range led.routers {
			if listed[v] {
				n++
			}
		}
		if n < led.routersAt {
			t.Errorf("CVE-2024-1086 lists %d of the router versions; %d were acknowledged before its import", n, led.routersAt)
		}
	}
}

// rawDB opens the store's database directly, for checks the store's API has
// no query for.
func rawDB(t *testing.T, fe *faultEnv) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", fe.dsn
	if dsn == "" {
		driver, dsn = "sqlite", "file:"+filepath.Join(fe.dir, "registry.db")+"?_pragma=busy_timeout(10000)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestFaultsChild is the child process of TestKillAtRandomPoints: the
// registry as "dualmark serve" runs it (monitor on, the server's timeouts)
// on a loopback port it prints, until it is killed.
func TestFaultsChild(t *testing.T) {
	dir := os.Getenv("DUALMARK_FAULTS_CHILD")
	if dir == "" {
		t.Skip("only run as the child of TestKillAtRandomPoints")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Data: dir, Database: os.Getenv("DUALMARK_FAULTS_DATABASE"), AdvisoryDB: os.Getenv("DUALMARK_FAULTS_ADVISORIES"),
		BaseURL: "http://" + ln.Addr().String(), Passwords: &cheap}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartMonitor(context.Background(), 0, nil); err != nil {
		t.Fatal(err)
	}
	fmt.Println("LISTEN " + ln.Addr().String())
	t.Fatal(HTTPServer(s.Handler(), Timeouts{}).Serve(ln))
}

// TestPostgresConnectionsKilled runs uploads and label issuances against a
// registry on PostgreSQL while another connection terminates the server's
// connections (pg_terminate_backend, scoped to the server's
// application_name) every 300 ms — the system PostgreSQL other tests use
// cannot be restarted, this is what a restart does to the pool. Requests in
// flight may fail with 5xx; afterwards the server answers /readyz and new
// writes without a restart, and, opened again, holds every write it
// acknowledged with nothing half-written (checkAfterKill).
func TestPostgresConnectionsKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("several seconds of load")
	}
	app := fmt.Sprintf("dualmark-faults-%d", os.Getpid())
	fe := &faultEnv{dir: t.TempDir(), dsn: regtest.PostgresSchema(t) + "&application_name=" + app}
	e := newEnv(t, func(c *Config) { c.Data, c.Database = fe.dir, fe.dsn })
	fe.org, fe.tok = e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	fe.admin = e.admin
	body, ct := multipartUpload(t, example(t, "smart-plug"))
	up, _ := io.ReadAll(body)
	led := newLedger()

	killer, err := sql.Open("pgx", regtest.PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	terminated, fivexx := 0, 0
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			time.Sleep(300 * time.Millisecond)
			var n int
			if err := killer.QueryRow(`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = 'test' AND application_name = $1 AND pid <> pg_backend_pid()`, app).Scan(&n); err == nil {
				led.mu.Lock()
				terminated += n
				led.mu.Unlock()
			}
		}
	}()
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				led.mu.Lock()
				var version string
				for v := range led.versions {
					version = v
					break
				}
				led.mu.Unlock()
				path, payload, ctype := "/api/v1/products", up, ct
				if version != "" && rand.IntN(2) == 0 {
					path, payload, ctype = "/api/v1/versions/"+version+"/label", nil, "application/json"
				}
				req, _ := http.NewRequest("POST", e.ts.URL+path, bytes.NewReader(payload))
				req.Header.Set("Authorization", "Bearer "+fe.tok)
				req.Header.Set("Content-Type", ctype)
				resp, err := e.ts.Client().Do(req)
				if err != nil {
					t.Errorf("POST %s: %v", path, err)
					return
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				led.mu.Lock()
				switch {
				case resp.StatusCode == 201 && path == "/api/v1/products":
					var c Created
					json.Unmarshal(data, &c)
					led.versions[c.Version.ID] = c.Product.ID
					led.acks++
				case resp.StatusCode == 201:
					var l IssuedLabel
					json.Unmarshal(data, &l)
					led.labels[l.Label.ID] = version
					led.acks++
				case resp.StatusCode >= 500:
					fivexx++
				default:
					t.Errorf("POST %s: %d %s", path, resp.StatusCode, data)
				}
				led.mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if terminated == 0 {
		t.Fatal("no connection of the server was terminated: the test tested nothing")
	}
	// the pool reconnects: ready and writing again without a restart
	deadline := time.Now().Add(5 * time.Second)
	for e.do("GET", "/readyz", "", nil, "", nil).StatusCode != 200 {
		if time.Now().After(deadline) {
			t.Fatal("not ready 5 s after the last terminated connection")
		}
		time.Sleep(50 * time.Millisecond)
	}
	c := e.register(fe.tok, example(t, "home-router"))
	led.versions[c.Version.ID] = c.Product.ID
	t.Logf("%d connections terminated; %d writes acknowledged (%d versions, %d labels), %d answered 5xx", terminated, led.acks, len(led.versions), len(led.labels), fivexx)
	e.ts.Close()
	if err := e.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkAfterKill(t, fe, led)
}

// TestRevocationRecoveredAtStart is the regression test of what
// TestKillAtRandomPoints found: a revocation that reached the log but not
// the store (the process died between the two) is recorded when the
// registry opens again, on both stores.
func TestRevocationRecoveredAtStart(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir, dsn := t.TempDir(), ""
			if dialect == "postgres" {
				dsn = regtest.PostgresSchema(t)
			}
			e := newEnv(t, func(c *Config) { c.Data, c.Database = dir, dsn })
			_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
			c := e.register(tok, example(t, "smart-plug"))
			var l IssuedLabel
			wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &l), 201)
			stored, err := e.srv.Store().Label(context.Background(), l.Label.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, err := label.ParseBundle(stored.Bundle, "bundle")
			if err != nil {
				t.Fatal(err)
			}
			// the log half of revoke, without the store half
			if _, err := label.Revoke(context.Background(), b, "key compromise", e.srv.keys, e.srv.tlog, time.Now()); err != nil {
				t.Fatal(err)
			}
			e.ts.Close()
			if err := e.srv.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
			e2 := newEnv(t, func(c *Config) { c.Data, c.Database = dir, dsn })
			got, err := e2.srv.Store().Label(context.Background(), l.Label.ID)
			if err != nil || got.Status != store.StatusRevoked || got.Reason != "key compromise" {
				t.Fatalf("after the restart the store has %+v (%v), want the log's revocation", got, err)
			}
			page, _ := io.ReadAll(e2.do("GET", "/p/"+l.Label.ID, "", nil, "", nil).Body)
			if !bytes.Contains(page, []byte("Revoked.")) {
				t.Fatal("the public page does not show the recovered revocation")
			}
		})
	}
}
