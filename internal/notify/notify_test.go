package notify

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	secret := NewSecret()
	at := time.Unix(1_780_000_000, 0)
	body := []byte(`{"id":"e1","type":"label.revoked"}`)
	signed := func() http.Header {
		h := http.Header{}
		if err := SetHeaders(h, secret, "e1", at, body); err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, c := range []struct {
		name   string
		edit   func(h http.Header) ([]byte, string)
		now    time.Time
		want   error
		wantOK bool
	}{
		{name: "as signed", now: at, wantOK: true},
		{name: "within the window", now: at.Add(4 * time.Minute), wantOK: true},
		{name: "clock behind the sender", now: at.Add(-4 * time.Minute), wantOK: true},
		{name: "replayed after the window", now: at.Add(6 * time.Minute), want: ErrTimestamp},
		{name: "from the future", now: at.Add(-6 * time.Minute), want: ErrTimestamp},
		{name: "body changed", now: at, want: ErrSignature, edit: func(h http.Header) ([]byte, string) {
			return []byte(`{"id":"e1","type":"label.superseded"}`), secret
		}},
		{name: "id changed (a replay under another key)", now: at, want: ErrSignature, edit: func(h http.Header) ([]byte, string) {
			h.Set(HeaderID, "e2")
			return body, secret
		}},
		{name: "timestamp moved forward", now: at, want: ErrSignature, edit: func(h http.Header) ([]byte, string) {
			h.Set(HeaderTimestamp, "1780000001")
			return body, secret
		}},
		{name: "another secret", now: at, want: ErrSignature, edit: func(h http.Header) ([]byte, string) {
			return body, NewSecret()
		}},
		{name: "rotated: two signatures, the second valid", now: at, wantOK: true, edit: func(h http.Header) ([]byte, string) {
			h.Set(HeaderSignature, "v1,AAAA "+h.Get(HeaderSignature))
			return body, secret
		}},
		{name: "unknown scheme", now: at, want: ErrSignature, edit: func(h http.Header) ([]byte, string) {
			h.Set(HeaderSignature, strings.Replace(h.Get(HeaderSignature), "v1,", "v1a,", 1))
			return body, secret
		}},
		{name: "no signature header", now: at, want: ErrMissingHeader, edit: func(h http.Header) ([]byte, string) {
			h.Del(HeaderSignature)
			return body, secret
		}},
		{name: "timestamp not a number", now: at, want: ErrTimestamp, edit: func(h http.Header) ([]byte, string) {
			h.Set(HeaderTimestamp, "yesterday")
			return body, secret
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := signed()
			b, sec := body, secret
			if c.edit != nil {
				b, sec = c.edit(h)
			}
			id, err := Verify(sec, h, b, c.now, 0)
			if c.wantOK {
				if err != nil || id != "e1" {
					t.Fatalf("Verify = %q, %v; want e1", id, err)
				}
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify error = %v, want %v", err, c.want)
			}
		})
	}
	if _, err := Verify("not-a-secret", signed(), body, at, 0); err == nil {
		t.Fatal("a secret without the whsec_ prefix was accepted")
	}
}

// TestSignKnownAnswer pins the signature to an independent computation of
// the Standard Webhooks scheme (HMAC-SHA256 over "id.timestamp.body", base64):
// the key is 32 bytes of 0x01, computed with
// python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(bytes([1]*32), b"msg_1.1700000000.{}", hashlib.sha256).digest()).decode())'
func TestSignKnownAnswer(t *testing.T) {
	secret := "whsec_AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE="
	got, err := Sign(secret, "msg_1", time.Unix(1700000000, 0), []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if got != "v1,"+knownMAC {
		t.Fatalf("Sign = %s, want v1,%s", got, knownMAC)
	}
}

func TestFilter(t *testing.T) {
	finding := &Event{Kind: KindFindingNew, ProductID: "p1", Vulnerability: "CVE-2024-1086", Severity: "high", KEV: true, EPSS: 0.4}
	noKEV := &Event{Kind: KindFindingNew, ProductID: "p1", Vulnerability: "CVE-2024-0001", Severity: "medium", EPSS: 0.01}
	revoked := &Event{Kind: KindLabelRevoked, ProductID: "p2", LabelID: "l1"}
	for _, c := range []struct {
		name string
		f    Filter
		ev   *Event
		want bool
	}{
		{"zero filter takes everything", Filter{}, revoked, true},
		{"product matches", Filter{ProductID: "p1"}, finding, true},
		{"another product", Filter{ProductID: "p1"}, revoked, false},
		{"severity at the minimum", Filter{MinSeverity: "high"}, finding, true},
		{"severity below the minimum", Filter{MinSeverity: "high"}, noKEV, false},
		{"critical only", Filter{MinSeverity: "critical"}, finding, false},
		{"KEV only, listed", Filter{KEVOnly: true}, finding, true},
		{"KEV only, not listed", Filter{KEVOnly: true}, noKEV, false},
		{"EPSS at least 0.1", Filter{MinEPSS: 0.1}, finding, true},
		{"EPSS below 0.1", Filter{MinEPSS: 0.1}, noKEV, false},
		{"vulnerability filters pass events without a vulnerability", Filter{KEVOnly: true, MinSeverity: "critical"}, revoked, true},
		{"kinds include it", Filter{Kinds: []string{KindLabelRevoked, KindLabelSuperseded}}, revoked, true},
		{"kinds leave it out", Filter{Kinds: []string{KindFindingKEV}}, revoked, false},
	} {
		if got := c.f.Matches(c.ev); got != c.want {
			t.Errorf("%s: Matches = %v, want %v", c.name, got, c.want)
		}
	}
	for _, bad := range []Filter{{MinSeverity: "severe"}, {MinEPSS: 1.5}, {Kinds: []string{"label.lost"}}} {
		var fe *FieldError
		if err := bad.Check(); !errors.As(err, &fe) {
			t.Errorf("%+v: Check = %v, want a FieldError", bad, err)
		}
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Base: time.Second, Max: time.Minute}
	for _, c := range []struct {
		attempt int
		full    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {4, 8 * time.Second}, {7, time.Minute}, {40, time.Minute}} {
		seen := map[time.Duration]bool{}
		for i := 0; i < 50; i++ {
			d := b.Delay(c.attempt)
			if d < c.full/2 || d > c.full {
				t.Fatalf("attempt %d: delay %s outside [%s, %s]", c.attempt, d, c.full/2, c.full)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("attempt %d: 50 delays all equal: no jitter", c.attempt)
		}
	}
}

// memQueue is a Queue in memory for the dispatcher's tests.
type memQueue struct {
	mu      sync.Mutex
	pending []Claimed
	done    map[string]time.Time
	retried map[string]int
	msgs    []string
}

func (q *memQueue) Claim(_ context.Context, _ string, n int, _, _ time.Time) ([]Claimed, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.pending))
	out := q.pending[:n]
	q.pending = q.pending[n:]
	return out, nil
}

func (q *memQueue) Done(_ context.Context, _, id string, _ int, now time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.done[id] = now
	return nil
}

func (q *memQueue) Retry(_ context.Context, _, id string, _ int, msg string, _ time.Time, _ bool, _ time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.retried[id]++
	q.msgs = append(q.msgs, msg)
	return nil
}

// TestSlowReceiversDoNotBlock: deliveries to a receiver that hangs and one
// that answers 500 are claimed first, and the healthy receiver still gets
// its delivery at once.
func TestSlowReceiversDoNotBlock(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer fail.Close()
	var got sync.WaitGroup
	got.Add(1)
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got.Done()
	}))
	defer ok.Close()
	secret := NewSecret()
	q := &memQueue{done: map[string]time.Time{}, retried: map[string]int{}}
	for i, u := range []string{hang.URL, hang.URL, fail.URL, hang.URL, ok.URL} {
		q.pending = append(q.pending, Claimed{DeliveryID: string(rune('a' + i)), URL: u, Secret: secret, Event: Event{ID: "e", OrgID: "o", Kind: KindLabelRevoked}})
	}
	d, err := NewDispatcher(Config{Queue: q, Workers: 4, Timeout: 5 * time.Second, Poll: 10 * time.Millisecond, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	runDone := make(chan struct{})
	go func() { d.Run(ctx); close(runDone) }()
	got.Wait()
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("the healthy receiver waited %s behind a hanging and a failing one", el)
	}
	cancel()
	release <- struct{}{}
	release <- struct{}{}
	release <- struct{}{}
	<-runDone
	if q.retried["c"] != 1 {
		t.Fatalf("the 500 delivery was recorded for retry %d times, want 1", q.retried["c"])
	}
	if _, ok := q.done["e"]; !ok {
		t.Fatal("the healthy delivery was not recorded as done")
	}
}

const knownMAC = "xtZ05xWlw5OgOLjDd6HtOXxhC1OXgHe80DYwEPUhaCI="

// TestErrorsOmitTheURL: a failed attempt's message (logged, stored, shown
// in the dead-letter list) does not repeat the URL, whose query may carry
// the receiver's own token.
func TestErrorsOmitTheURL(t *testing.T) {
	gone := httptest.NewServer(http.NotFoundHandler())
	url := gone.URL + "/hook?token=s3cret"
	gone.Close() // connection refused from now on
	q := &memQueue{done: map[string]time.Time{}, retried: map[string]int{},
		pending: []Claimed{{DeliveryID: "a", URL: url, Secret: NewSecret(), Event: Event{ID: "e", OrgID: "o", Kind: KindLabelRevoked}}}}
	d, err := NewDispatcher(Config{Queue: q, Poll: 10 * time.Millisecond, Timeout: 2 * time.Second, AllowPrivate: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	for i := 0; i < 200; i++ {
		q.mu.Lock()
		n := len(q.msgs)
		q.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if len(q.msgs) != 1 || q.msgs[0] == "" || strings.Contains(q.msgs[0], "s3cret") || strings.Contains(q.msgs[0], "/hook") {
		t.Fatalf("failure messages %q", q.msgs)
	}
}

func TestPublic(t *testing.T) {
	for _, c := range []struct {
		ip   string
		want bool
	}{
		{"93.184.215.14", true}, {"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false}, {"::1", false}, {"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false},
		{"169.254.169.254", false}, {"100.64.0.1", false}, {"0.0.0.0", false}, {"fd00::1", false}, {"fe80::1", false},
		{"::ffff:127.0.0.1", false}, {"224.0.0.1", false}, {"255.255.255.255", false}, {"198.18.0.1", false},
	} {
		if got := Public(netip.MustParseAddr(c.ip)); got != c.want {
			t.Errorf("Public(%s) = %v, want %v", c.ip, got, c.want)
		}
	}
}

// TestPrivateAddressRefused: by default the dispatcher does not connect to
// a loopback receiver; the failure names why.
func TestPrivateAddressRefused(t *testing.T) {
	var hit atomic.Bool
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Store(true) }))
	defer recv.Close()
	q := &memQueue{done: map[string]time.Time{}, retried: map[string]int{},
		pending: []Claimed{{DeliveryID: "a", URL: recv.URL, Secret: NewSecret(), Event: Event{ID: "e", OrgID: "o", Kind: KindLabelRevoked}}}}
	d, err := NewDispatcher(Config{Queue: q, Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	for i := 0; i < 200; i++ {
		q.mu.Lock()
		n := len(q.msgs)
		q.mu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if hit.Load() || len(q.msgs) != 1 || !strings.Contains(q.msgs[0], ErrNotPublic.Error()) {
		t.Fatalf("reached %v, messages %q", hit.Load(), q.msgs)
	}
}
