package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// NotifyConfig configures the notifications: the webhook dispatcher and the
// daily job. Zero fields take the defaults of notify.Config.
type NotifyConfig struct {
	// Disabled runs neither the dispatcher nor the daily job; events and
	// deliveries are still written, and a server started later sends them.
	Disabled bool
	// Workers, Timeout, Lease, Poll, MaxAttempts and Backoff are the
	// dispatcher's (see notify.Config).
	Workers     int
	Timeout     time.Duration
	Lease       time.Duration
	Poll        time.Duration
	MaxAttempts int
	Backoff     notify.Backoff
	// Client sends the webhooks (default: notify.PublicClient, which reaches
	// only public addresses and follows no redirects).
	Client *http.Client
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (tests; receivers inside the registry's own network).
	AllowPrivate bool
	// Daily is the interval of the daily job — support-period events and
	// portfolio counts (default 24 h).
	Daily time.Duration
	// DailyDelay is when the daily job first runs after the start (default
	// 1 minute, so that a start is not slowed by it).
	DailyDelay time.Duration
	// Now is the clock of the daily job (default time.Now).
	Now func() time.Time
}

// notifier is the running dispatcher and daily job.
type notifier struct {
	d      *notify.Dispatcher
	cancel context.CancelFunc
	done   chan struct{}
}

// startNotify starts the dispatcher and the daily job in the background.
func (s *Server) startNotify() error {
	c := s.cfg.Notify
	if c.Now == nil {
		c.Now = time.Now
		s.cfg.Notify.Now = time.Now
	}
	if c.Disabled {
		return nil
	}
	d, err := notify.NewDispatcher(notify.Config{Queue: s.outbox, Client: c.Client, Workers: c.Workers, Timeout: c.Timeout, Lease: c.Lease,
		Poll: c.Poll, MaxAttempts: c.MaxAttempts, Backoff: c.Backoff, AllowPrivate: c.AllowPrivate, Logger: s.log})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &notifier{d: d, cancel: cancel, done: make(chan struct{})}
	every, delay := c.Daily, c.DailyDelay
	if every <= 0 {
		every = 24 * time.Hour
	}
	if delay <= 0 {
		delay = time.Minute
	}
	go func() {
		defer close(n.done)
		daily := make(chan struct{})
		go func() {
			defer close(daily)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				if _, err := s.RunDaily(ctx, c.Now()); err != nil && ctx.Err() == nil {
					s.log.Warn("the daily notification job failed", "err", err)
				}
				d.Kick()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
		d.Run(ctx)
		<-daily
	}()
	s.notify = n
	return nil
}

// stopNotify stops the daily job and the dispatcher; attempts in flight
// finish (each within the dispatcher's timeout) and are recorded.
func (s *Server) stopNotify() {
	if s.notify == nil {
		return
	}
	s.notify.cancel()
	<-s.notify.done
	s.notify = nil
}

// kickNotify makes the dispatcher look for due deliveries now.
func (s *Server) kickNotify() {
	if s.notify != nil {
		s.notify.d.Kick()
	}
}

// Daily is what one run of the daily job did.
type Daily struct {
	Day           string `json:"day"`
	SupportEvents int    `json:"supportEvents"` // new support.ending events
	// DeadlineEvents are new art14.deadline events (art14.go).
	DeadlineEvents int `json:"deadlineEvents"`
	Counts         int `json:"counts"` // new portfolio rows (0 when the day was counted already)
}

// supportThresholds are the days before the end of the support period at
// which a support.ending event is written, tightest first.
var supportThresholds = []int{30, 90}

// RunDaily runs the daily job for the day of now (UTC): a support.ending
// event for each product whose newest version's support period ends within
// 90 or 30 days (once per version, end date and threshold), and the day's
// portfolio counts per organisation and for the whole registry. It is safe
// to run again the same day (and on several replicas): what was written
// already is not written twice.
func (s *Server) RunDaily(ctx context.Context, now time.Time) (*Daily, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	res := &Daily{Day: today.Format(time.DateOnly)}
	ended := map[string]int64{}
	var evs []*notify.Event
	for p := (store.Page{Limit: 500}); ; {
		recs, next, err := s.outbox.LatestRecords(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var rec struct {
				SupportEnd string `json:"supportEnd"`
			}
			if json.Unmarshal(r.Public, &rec) != nil || rec.SupportEnd == "" {
				continue
			}
			end, err := time.Parse(time.DateOnly, rec.SupportEnd)
			if err != nil {
				continue
			}
			left := int(end.Sub(today).Hours() / 24)
			if left < 0 {
				ended[r.OrgID]++
				continue
			}
			for _, th := range supportThresholds {
				if left > th {
					continue
				}
				data, _ := json.Marshal(map[string]any{"supportEnd": rec.SupportEnd, "daysLeft": left, "threshold": th, "version": r.Version})
				evs = append(evs, &notify.Event{OrgID: r.OrgID, Kind: notify.KindSupportEnding, ProductID: r.ProductID, VersionID: r.VersionID,
					OccurredAt: now.UTC().Truncate(time.Microsecond), Payload: data, Dedupe: fmt.Sprintf("%s/%d/%s/%s", notify.KindSupportEnding, th, r.VersionID, rec.SupportEnd)})
				break
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	n, err := s.outbox.AppendEvents(ctx, evs...)
	if err != nil {
		return nil, err
	}
	res.SupportEvents = n
	if res.DeadlineEvents, err = s.art14Alerts(ctx, now); err != nil {
		return nil, err
	}
	counts, err := s.outbox.CountPortfolio(ctx)
	if err != nil {
		return nil, err
	}
	// every manufacturer gets every metric, zero included, so its series has no gaps
	orgs, err := s.store.ListOrgs(ctx)
	if err != nil {
		return nil, err
	}
	base := append([]string{store.MetricProducts, store.MetricVersions, store.MetricLabelsValid, store.MetricLabelsRevoked, store.MetricLabelsSuperseded}, store.FindingMetrics...)
	for _, o := range orgs {
		if o.Kind == store.KindManufacturer && counts[o.ID] == nil {
			counts[o.ID] = map[string]int64{}
		}
	}
	total := map[string]int64{store.MetricSupportEnded: 0}
	for _, metric := range base {
		total[metric] = 0
		for _, m := range counts {
			if _, ok := m[metric]; !ok {
				m[metric] = 0
			}
		}
	}
	var rows []store.PortfolioCount
	for org, m := range counts {
		m[store.MetricSupportEnded] = ended[org]
		for metric, v := range m {
			rows = append(rows, store.PortfolioCount{OrgID: org, Metric: metric, Value: v})
			total[metric] += v
		}
	}
	for metric, v := range total {
		rows = append(rows, store.PortfolioCount{OrgID: "", Metric: metric, Value: v})
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].OrgID != rows[j].OrgID {
			return rows[i].OrgID < rows[j].OrgID
		}
		return rows[i].Metric < rows[j].Metric
	})
	if res.Counts, err = s.outbox.AppendPortfolio(ctx, res.Day, rows); err != nil {
		return nil, err
	}
	return res, nil
}
