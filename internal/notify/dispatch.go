package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Claimed is one delivery a Queue handed to a dispatcher: the event, where
// it goes, and how many attempts came before.
type Claimed struct {
	DeliveryID string
	Attempts   int // attempts made before this one
	URL        string
	Secret     string
	Event      Event
}

// Queue is where deliveries wait. Claim leases up to n due deliveries to
// owner until leaseUntil (a leased delivery is not handed to anyone else
// before then, so two dispatchers on one database never send it at the same
// time); Done and Retry record an attempt of a delivery owner still leases
// (a delivery whose lease ran out and went to another owner is left alone).
type Queue interface {
	Claim(ctx context.Context, owner string, n int, now, leaseUntil time.Time) ([]Claimed, error)
	Done(ctx context.Context, owner, deliveryID string, status int, now time.Time) error
	// Retry records a failed attempt: the delivery waits until next, or is
	// dead (the dead-letter list) when dead is set.
	Retry(ctx context.Context, owner, deliveryID string, status int, msg string, next time.Time, dead bool, now time.Time) error
}

// Config configures a Dispatcher. Zero fields take the defaults named.
type Config struct {
	Queue Queue
	// Client sends the requests (default: PublicClient, or AnyClient with
	// AllowPrivate). Its own Timeout is not needed: Timeout applies per attempt.
	Client *http.Client
	// AllowPrivate lets the default client reach loopback and private
	// addresses (tests; receivers inside the registry's own network).
	AllowPrivate bool
	// Workers is the number of deliveries in flight at once (default 8).
	Workers int
	// Timeout bounds one attempt, connection and answer included (default 10 s).
	Timeout time.Duration
	// Lease is how long a claimed delivery stays with this dispatcher
	// (default Timeout + 30 s); it must exceed Timeout.
	Lease time.Duration
	// Poll is the pause between looking for due deliveries when there is
	// nothing to do (default 1 s); Kick wakes the dispatcher sooner.
	Poll time.Duration
	// MaxAttempts is the number of attempts before a delivery is dead (default 8).
	MaxAttempts int
	// Backoff times the retries.
	Backoff Backoff
	// UserAgent is sent with every request (default "dualmark-registry").
	UserAgent string
	// Logger receives one line per failed attempt (default: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Dispatcher delivers due deliveries from a Queue: each attempt in one of
// Workers workers with its own timeout, so a receiver that hangs or fails
// holds one worker for at most Timeout and never delays the others. It
// claims deliveries in batches into a buffer of Workers entries, refilled
// when half of it is used, so claiming costs one transaction per batch, not
// per delivery.
type Dispatcher struct {
	cfg   Config
	owner string
	kick  chan struct{}
	queue chan Claimed
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(cfg Config) (*Dispatcher, error) {
	if cfg.Queue == nil {
		return nil, errors.New("notify: a queue is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2*cfg.Timeout + 30*time.Second
	}
	if cfg.Lease <= 2*cfg.Timeout {
		return nil, fmt.Errorf("notify: the lease (%s) must be longer than twice the timeout (%s): a claimed delivery may wait in the buffer for one attempt's time before its own", cfg.Lease, cfg.Timeout)
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Client == nil {
		cfg.Client = PublicClient()
		if cfg.AllowPrivate {
			cfg.Client = AnyClient()
		}
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "dualmark-registry"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Dispatcher{cfg: cfg, owner: "dispatcher-" + hex.EncodeToString(b), kick: make(chan struct{}, 1), queue: make(chan Claimed, cfg.Workers)}, nil
}

// Owner is the name this dispatcher leases deliveries under.
func (d *Dispatcher) Owner() string { return d.owner }

// Kick makes the dispatcher look for due deliveries now (after an event was
// written, say). It never blocks.
func (d *Dispatcher) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends, then waits for the attempts in flight (each
// ends within Timeout); deliveries claimed but not started stay leased and
// are due again when the lease runs out. A failure to claim is logged and
// retried at the next poll.
func (d *Dispatcher) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range d.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range d.queue {
				if ctx.Err() != nil {
					continue // shutting down: the lease runs out, another run sends it
				}
				d.attempt(context.WithoutCancel(ctx), c)
				d.Kick()
			}
		}()
	}
	defer wg.Wait()
	defer close(d.queue)
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.kick:
		}
		if d.fill(ctx) {
			d.Kick() // a full batch: there may be more due
		}
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(d.cfg.Poll)
	}
}

// fill claims due deliveries into the buffer when at most half of it is
// taken, and reports whether it got as many as it asked for.
func (d *Dispatcher) fill(ctx context.Context) bool {
	if len(d.queue) > cap(d.queue)/2 {
		return false
	}
	want := cap(d.queue) - len(d.queue)
	now := d.cfg.Now()
	claimed, err := d.cfg.Queue.Claim(ctx, d.owner, want, now, now.Add(d.cfg.Lease))
	if err != nil {
		if ctx.Err() == nil {
			d.cfg.Logger.Warn("claiming deliveries failed", "err", err)
		}
		return false
	}
	for _, c := range claimed {
		d.queue <- c // room: only this loop sends, and it asked for no more than is free
	}
	return len(claimed) == want
}

// attempt sends one delivery and records the outcome. It runs to its end
// even while the server shuts down (bounded by Timeout), so an answered
// delivery is recorded and not sent again.
func (d *Dispatcher) attempt(ctx context.Context, c Claimed) {
	status, err := d.send(ctx, c)
	now := d.cfg.Now()
	n := c.Attempts + 1
	if err == nil {
		if err := d.cfg.Queue.Done(ctx, d.owner, c.DeliveryID, status, now); err != nil {
			d.cfg.Logger.Warn("recording a delivery failed", "delivery", c.DeliveryID, "err", err)
		}
		return
	}
	dead := n >= d.cfg.MaxAttempts
	d.cfg.Logger.Warn("webhook delivery failed", "delivery", c.DeliveryID, "event", c.Event.ID, "attempt", n, "dead", dead, "err", err)
	if err := d.cfg.Queue.Retry(ctx, d.owner, c.DeliveryID, status, err.Error(), now.Add(d.cfg.Backoff.Delay(n)), dead, now); err != nil {
		d.cfg.Logger.Warn("recording a failed delivery failed", "delivery", c.DeliveryID, "err", err)
	}
}

// send posts the signed event; a 2xx answer is success, anything else
// (another status, a timeout, a refused connection) an error. It returns
// the HTTP status (0 when there was none).
func (d *Dispatcher) send(ctx context.Context, c Claimed) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	body, err := Body(&c.Event)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", d.cfg.UserAgent)
	if err := SetHeaders(req.Header, c.Secret, c.Event.ID, d.cfg.Now(), body); err != nil {
		return 0, err
	}
	resp, err := d.cfg.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("no answer within %s", d.cfg.Timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL: its query may hold the receiver's token, and errors are logged and stored
		}
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}
