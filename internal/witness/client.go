package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dualmark/dualmark/internal/keys"
	"github.com/dualmark/dualmark/internal/tlog"
)

// Endpoint is a witness a log submits checkpoints to: its name, its
// submission prefix URL and the verifier keys its cosignatures must verify
// against.
type Endpoint struct {
	Name string
	URL  string
	Keys []*keys.VKey
}

// EndpointsFromTrust resolves witness URLs to the witnesses of a trust file
// (matched by their "url"), so their keys are known. With no URLs it
// returns every trusted witness that has a URL.
func EndpointsFromTrust(t *keys.Trust, urls []string) ([]Endpoint, error) {
	var out []Endpoint
	if len(urls) == 0 {
		for i := range t.Witnesses {
			if w := &t.Witnesses[i]; w.URL != "" {
				out = append(out, Endpoint{Name: w.Name, URL: w.URL, Keys: w.Keys()})
			}
		}
		return out, nil
	}
	for _, u := range urls {
		w := t.WitnessByURL(strings.TrimSuffix(u, "/"))
		if w == nil {
			w = t.WitnessByURL(u)
		}
		if w == nil {
			return nil, fmt.Errorf("witness %s is not in the trust file: add it with 'dualmark witness trust add' (its keys are needed to check its cosignatures)", u)
		}
		out = append(out, Endpoint{Name: w.Name, URL: w.URL, Keys: w.Keys()})
	}
	return out, nil
}

// ProofSource returns the RFC 6962 consistency proof from tree size old to
// tree size new of the log being witnessed.
type ProofSource func(ctx context.Context, old, new uint64) ([][]byte, error)

// Client submits checkpoints to witnesses. The zero value works with the
// defaults below. A Client remembers the size each witness last reported,
// so a long-running log (the registry) sends the right old size the first
// time; a fresh one learns it from the witness's 409 answer.
type Client struct {
	HTTP     *http.Client  // http.DefaultClient when nil
	Timeout  time.Duration // per request; default 3 s
	Attempts int           // tries per witness for network errors and 5xx; default 3
	Backoff  time.Duration // before the second try, doubled after; default 100 ms
	// Grace is how long Cosign keeps waiting for the remaining witnesses
	// once Quorum of them have cosigned; default 250 ms.
	Grace time.Duration

	mu    sync.Mutex
	sizes map[string]uint64
}

// Outcome is what one witness did with a checkpoint.
type Outcome struct {
	Witness  string        `json:"witness"`
	URL      string        `json:"url"`
	Cosigned bool          `json:"cosigned"`
	Ahead    uint64        `json:"ahead,omitempty"` // the witness holds a larger tree than the checkpoint
	Attempts int           `json:"attempts"`
	Error    string        `json:"error,omitempty"`
	Latency  time.Duration `json:"latencyNs"`
	lines    []byte
}

// ConflictError is a 409 answer: the witness holds another tree size.
type ConflictError struct{ Size uint64 }

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("witness holds a checkpoint of size %d", e.Size)
}

// StatusError is any other non-200 answer.
type StatusError struct {
	Status int
	Body   string
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), strings.TrimSpace(e.Body))
}

func (c *Client) defaults() (time.Duration, int, time.Duration, time.Duration) {
	t, a, b, g := c.Timeout, c.Attempts, c.Backoff, c.Grace
	if t <= 0 {
		t = 3 * time.Second
	}
	if a <= 0 {
		a = 3
	}
	if b <= 0 {
		b = 100 * time.Millisecond
	}
	if g <= 0 {
		g = 250 * time.Millisecond
	}
	return t, a, b, g
}

// Cosign submits a signed checkpoint to every endpoint at once and returns
// it with the cosignatures that verified, plus what each witness did. It
// returns when every witness has answered or given up, or — once quorum
// witnesses have cosigned (quorum > 0) — after Grace more. A witness that
// is down costs at most Attempts × Timeout and never delays the others'
// answers. The error is for unusable input only.
func (c *Client) Cosign(ctx context.Context, signed []byte, eps []Endpoint, proofs ProofSource, quorum int) ([]byte, []Outcome, error) {
	text, _, err := tlog.SplitNote(signed)
	if err != nil {
		return nil, nil, err
	}
	cp, err := tlog.ParseCheckpointText(text)
	if err != nil {
		return nil, nil, err
	}
	_, _, _, grace := c.defaults()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([]Outcome, len(eps))
	done := make(chan int, len(eps))
	for i := range eps {
		go func() {
			outs[i] = c.submit(ctx, eps[i], signed, cp, proofs)
			done <- i
		}()
	}
	var timer <-chan time.Time
	cosigned := 0
	for pending := len(eps); pending > 0; {
		select {
		case i := <-done:
			pending--
			if outs[i].Cosigned {
				if cosigned++; quorum > 0 && cosigned == quorum && pending > 0 {
					timer = time.After(grace)
				}
			}
			continue
		case <-timer:
			cancel()
		}
		for ; pending > 0; pending-- {
			<-done
		}
	}
	out := append([]byte(nil), signed...)
	for _, o := range outs {
		if o.Cosigned {
			if out, err = tlog.AddSignatures(out, o.lines); err != nil {
				return nil, nil, err
			}
		}
	}
	return out, outs, nil
}

// submit runs the add-checkpoint exchange with one witness.
func (c *Client) submit(ctx context.Context, ep Endpoint, signed []byte, cp *tlog.Checkpoint, proofs ProofSource) (o Outcome) {
	_, attempts, backoff, _ := c.defaults()
	o = Outcome{Witness: ep.Name, URL: ep.URL}
	start := time.Now()
	defer func() { o.Latency = time.Since(start) }()
	old := c.known(ep.URL)
	if old > cp.Size {
		old = 0
	}
	conflicts := 0
	for o.Attempts < attempts {
		o.Attempts++
		req := &Request{OldSize: old, Checkpoint: signed}
		if old > 0 && old < cp.Size {
			p, err := proofs(ctx, old, cp.Size)
			if err != nil {
				o.Error = fmt.Sprintf("consistency proof %d→%d: %v", old, cp.Size, err)
				return o
			}
			req.Proof = p
		}
		lines, err := c.post(ctx, ep.URL, req.Marshal())
		var ce *ConflictError
		var se *StatusError
		switch {
		case err == nil:
			o.lines, err = keepValid(signed, lines, ep.Keys)
			if err != nil {
				o.Error = err.Error()
				return o
			}
			o.Cosigned = true
			c.remember(ep.URL, cp.Size)
			return o
		case errors.As(err, &ce):
			c.remember(ep.URL, ce.Size)
			if ce.Size > cp.Size {
				o.Ahead = ce.Size
				o.Error = fmt.Sprintf("witness already holds a larger tree (size %d) than this checkpoint (%d)", ce.Size, cp.Size)
				return o
			}
			if conflicts++; conflicts <= 2 {
				old = ce.Size
				o.Attempts-- // learning the size is not a failed try
				continue
			}
			o.Error = err.Error()
			return o
		case errors.As(err, &se) && se.Status < 500:
			o.Error = err.Error()
			return o
		}
		o.Error = err.Error()
		if o.Attempts < attempts {
			select {
			case <-ctx.Done():
				o.Error = ctx.Err().Error() + " (after: " + o.Error + ")"
				return o
			case <-time.After(backoff << (o.Attempts - 1)):
			}
		}
	}
	return o
}

// keepValid returns the response lines that are valid cosignatures by the
// endpoint's keys; it fails unless every key has one.
func keepValid(signed, lines []byte, vkeys []*keys.VKey) ([]byte, error) {
	merged, err := tlog.AddSignatures(signed, lines)
	if err != nil {
		return nil, fmt.Errorf("witness answer: %w", err)
	}
	cs, err := tlog.VerifyCosignatures(merged, vkeys)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if !c.Valid {
			return nil, fmt.Errorf("witness answer has no valid %s cosignature by %s", c.Algorithm(), c.Witness)
		}
	}
	var keep []byte
	for _, l := range strings.SplitAfter(string(lines), "\n") {
		s, err := tlog.ParseSignatureLine(strings.TrimSuffix(l, "\n"))
		if err != nil {
			continue
		}
		for _, v := range vkeys {
			if s.Name == v.Name && s.Hash == v.Hash {
				keep = append(keep, l...)
			}
		}
	}
	return keep, nil
}

func (c *Client) post(ctx context.Context, url string, body []byte) ([]byte, error) {
	timeout, _, _, _ := c.defaults()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(url, "/")+"/add-checkpoint", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return data, nil
	case http.StatusConflict:
		s := strings.TrimSuffix(string(data), "\n")
		size, err := strconv.ParseUint(s, 10, 64)
		if err != nil || resp.Header.Get("Content-Type") != "text/x.tlog.size" {
			return nil, &StatusError{Status: resp.StatusCode, Body: "409 without a text/x.tlog.size body"}
		}
		return nil, &ConflictError{Size: size}
	}
	return nil, &StatusError{Status: resp.StatusCode, Body: clipTo(string(data), 300)}
}

func (c *Client) known(url string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sizes[url]
}

func (c *Client) remember(url string, size uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sizes == nil {
		c.sizes = map[string]uint64{}
	}
	c.sizes[url] = size
}
