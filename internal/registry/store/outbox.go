package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // a receiver answered 2xx
	DeliveryDead      = "dead"      // every attempt failed: the dead-letter list
)

// Subscription is an organisation's webhook: where its events go and which.
// Secret signs every delivery; it is shown to the member once.
type Subscription struct {
	ID          string `json:"id"`
	OrgID       string `json:"orgId"`
	URL         string `json:"url"`
	Secret      string `json:"-"`
	Description string `json:"description,omitempty"`
	notify.Filter
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Delivery is one event on its way to one subscription.
type Delivery struct {
	ID             string     `json:"id"`
	EventID        string     `json:"eventId"`
	EventKind      string     `json:"eventType"`
	SubscriptionID string     `json:"subscriptionId"`
	OrgID          string     `json:"orgId"`
	URL            string     `json:"url"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAt         time.Time  `json:"nextAttempt"`
	LastStatus     int        `json:"lastStatus,omitempty"` // HTTP status of the last attempt (0: none)
	LastError      string     `json:"lastError,omitempty"`
	Created        time.Time  `json:"created"`
	Finished       *time.Time `json:"finished,omitempty"` // delivered or dead
}

// LatestRecord is the public record of a product's newest version.
type LatestRecord struct {
	OrgID, ProductID, VersionID, Version string
	Public                               []byte // the public record JSON
}

// PortfolioCount is one daily count: Day is YYYY-MM-DD (UTC), OrgID "" the
// whole registry.
type PortfolioCount struct {
	Day    string `json:"day"`
	OrgID  string `json:"orgId"`
	Metric string `json:"metric"`
	Value  int64  `json:"value"`
}

// Portfolio metrics counted from the registry's own tables.
const (
	MetricProducts         = "products"
	MetricVersions         = "versions"
	MetricLabelsValid      = "labels.valid"
	MetricLabelsRevoked    = "labels.revoked"
	MetricLabelsSuperseded = "labels.superseded"
	MetricSupportEnded     = "products.support-ended" // newest version past its support period
	// MetricFindingsOpen + a severity ("critical" … "none", "unknown")
	// counts open findings by severity; MetricFindingsKEV the KEV-listed
	// ones. A finding is counted once per version and vulnerability.
	MetricFindingsOpen = "findings.open."
	MetricFindingsKEV  = "findings.open.kev"
)

// FindingMetrics are the finding metrics every daily count carries (zero
// included), most severe first.
var FindingMetrics = []string{MetricFindingsOpen + "critical", MetricFindingsOpen + "high", MetricFindingsOpen + "medium",
	MetricFindingsOpen + "low", MetricFindingsOpen + "none", MetricFindingsOpen + "unknown", MetricFindingsKEV}

// Outbox is the notifications' part of the store: the outbox of events,
// subscriptions, deliveries (it is the dispatcher's Queue) and the daily
// portfolio counts.
type Outbox interface {
	notify.Queue
	// AppendEvents stores events (and their deliveries) in one transaction
	// and returns how many were new (an event whose Dedupe key is stored
	// already is skipped).
	AppendEvents(ctx context.Context, evs ...*notify.Event) (int, error)
	ListEvents(ctx context.Context, orgID string, p Page) ([]notify.Event, string, error)

	CreateSubscription(ctx context.Context, a Actor, sub *Subscription) error
	Subscription(ctx context.Context, orgID, id string) (*Subscription, error)
	ListSubscriptions(ctx context.Context, orgID string) ([]Subscription, error)
	UpdateSubscription(ctx context.Context, a Actor, sub *Subscription) error
	DeleteSubscription(ctx context.Context, a Actor, orgID, id string) error

	ListDeliveries(ctx context.Context, orgID, eventID string) ([]Delivery, error)
	ListDeadLetters(ctx context.Context, p Page) ([]Delivery, string, error)

	LatestRecords(ctx context.Context, p Page) ([]LatestRecord, string, error)
	CountPortfolio(ctx context.Context) (map[string]map[string]int64, error)
	AppendPortfolio(ctx context.Context, day string, counts []PortfolioCount) (int, error)
	Portfolio(ctx context.Context, orgID, fromDay string) ([]PortfolioCount, error)
}

var _ Outbox = (*DB)(nil)

// enqueueEvents writes events to the outbox inside tx — the transaction of
// the change that causes them — with one pending delivery per subscription
// of the organisation whose filter matches. Store code that changes what an
// event reports calls it in its own transaction, so the change and its
// event are committed together or not at all. It returns how many events
// were new.
func (s *DB) enqueueEvents(ctx context.Context, tx *sql.Tx, evs ...*notify.Event) (int, error) {
	subs := map[string][]Subscription{}
	n := 0
	for _, ev := range evs {
		if ev.ID == "" {
			ev.ID = NewID()
		}
		if ev.OccurredAt.IsZero() {
			ev.OccurredAt = now()
		}
		if err := ev.Check(); err != nil {
			return n, err
		}
		var dedupe any
		if ev.Dedupe != "" {
			dedupe = ev.Dedupe
		}
		kev := 0
		if ev.KEV {
			kev = 1
		}
		r, err := s.exec(ctx, tx, `INSERT INTO events (id, org_id, kind, product_id, version_id, label_id, vuln_id, severity, kev, epss, occurred, payload, dedupe)
 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			ev.ID, ev.OrgID, ev.Kind, ev.ProductID, ev.VersionID, ev.LabelID, ev.Vulnerability, ev.Severity, kev, ev.EPSS, micros(ev.OccurredAt), string(ev.Payload), dedupe)
		if err != nil {
			return n, err
		}
		if added, err := r.RowsAffected(); err != nil || added == 0 {
			if err == nil && ev.Dedupe == "" {
				err = fmt.Errorf("%w: event %s", ErrConflict, ev.ID)
			}
			if err != nil {
				return n, err
			}
			continue
		}
		n++
		list, ok := subs[ev.OrgID]
		if !ok {
			if list, err = s.listSubscriptions(ctx, tx, ev.OrgID); err != nil {
				return n, err
			}
			subs[ev.OrgID] = list
		}
		ts := now()
		for _, sub := range list {
			if !sub.Matches(ev) {
				continue
			}
			if _, err := s.exec(ctx, tx, `INSERT INTO deliveries (id, event_id, subscription_id, org_id, status, attempts, next_at, created) VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
				NewID(), ev.ID, sub.ID, ev.OrgID, DeliveryPending, micros(ts), micros(ts)); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// AppendEvents stores events and their deliveries in one transaction.
func (s *DB) AppendEvents(ctx context.Context, evs ...*notify.Event) (int, error) {
	var n int
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = s.enqueueEvents(ctx, tx, evs...)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// labelRevokedEvent writes the label.revoked event of a label inside the
// revocation's transaction.
func (s *DB) labelRevokedEvent(ctx context.Context, tx *sql.Tx, id, reason string, at time.Time) error {
	var org, version, product string
	if err := tx.QueryRowContext(ctx, s.q(`SELECT org_id, version_id, product_id FROM labels WHERE id = ?`), id).Scan(&org, &version, &product); err != nil {
		return mapErr(err)
	}
	data, _ := json.Marshal(map[string]string{"reason": reason, "status": StatusRevoked})
	_, err := s.enqueueEvents(ctx, tx, &notify.Event{OrgID: org, Kind: notify.KindLabelRevoked, ProductID: product, VersionID: version, LabelID: id,
		OccurredAt: at.UTC().Truncate(time.Microsecond), Payload: data})
	return err
}

// labelSupersededEvents writes a label.superseded event, inside the new
// label's transaction, for every valid label l is about to supersede. Call
// it before the labels are updated.
func (s *DB) labelSupersededEvents(ctx context.Context, tx *sql.Tx, l *Label) error {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT id, version_id, product_id FROM labels WHERE org_id = ? AND product_digest = ? AND status = ? ORDER BY id`),
		l.OrgID, l.ProductDigest, StatusValid)
	if err != nil {
		return err
	}
	var evs []*notify.Event
	for rows.Next() {
		ev := &notify.Event{OrgID: l.OrgID, Kind: notify.KindLabelSuperseded, OccurredAt: l.Issued}
		if err := rows.Scan(&ev.LabelID, &ev.VersionID, &ev.ProductID); err != nil {
			rows.Close()
			return err
		}
		ev.Payload, _ = json.Marshal(map[string]string{"supersededBy": l.ID, "newVersionId": l.VersionID, "status": StatusSuperseded})
		evs = append(evs, ev)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	_, err = s.enqueueEvents(ctx, tx, evs...)
	return err
}

const eventCols = `id, org_id, kind, product_id, version_id, label_id, vuln_id, severity, kev, epss, occurred, payload`

func scanEvent(sc interface{ Scan(...any) error }) (*notify.Event, error) {
	var e notify.Event
	var kev int
	var at int64
	var payload string
	if err := sc.Scan(&e.ID, &e.OrgID, &e.Kind, &e.ProductID, &e.VersionID, &e.LabelID, &e.Vulnerability, &e.Severity, &kev, &e.EPSS, &at, &payload); err != nil {
		return nil, mapErr(err)
	}
	e.KEV, e.OccurredAt = kev != 0, fromMicros(at)
	if payload != "" {
		e.Payload = json.RawMessage(payload)
	}
	return &e, nil
}

// ListEvents returns one page of an organisation's events (every
// organisation's when orgID is empty), oldest first.
func (s *DB) ListEvents(ctx context.Context, orgID string, p Page) ([]notify.Event, string, error) {
	query, args := scoped(`SELECT `+eventCols+` FROM events WHERE id > ?`, []any{p.After}, orgID)
	n := PageLimit(p)
	rows, err := s.db.QueryContext(ctx, s.q(query+fmt.Sprintf(` ORDER BY id LIMIT %d`, n+1)), args...)
	out, err := collect(rows, err, scanEvent)
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(e notify.Event) string { return e.ID })
}

const subCols = `id, org_id, url, secret, description, product_id, min_severity, kev_only, min_epss, kinds, created, updated`

func scanSubscription(sc interface{ Scan(...any) error }) (*Subscription, error) {
	var sub Subscription
	var kev int
	var kinds string
	var c, u int64
	if err := sc.Scan(&sub.ID, &sub.OrgID, &sub.URL, &sub.Secret, &sub.Description, &sub.ProductID, &sub.MinSeverity, &kev, &sub.MinEPSS, &kinds, &c, &u); err != nil {
		return nil, mapErr(err)
	}
	sub.KEVOnly, sub.Created, sub.Updated = kev != 0, fromMicros(c), fromMicros(u)
	if kinds != "" {
		sub.Kinds = strings.Split(kinds, ",")
	}
	return &sub, nil
}

func subArgs(sub *Subscription) (kev int, kinds string) {
	if sub.KEVOnly {
		kev = 1
	}
	return kev, strings.Join(sub.Kinds, ",")
}

// CreateSubscription stores a subscription; its Secret must be set.
func (s *DB) CreateSubscription(ctx context.Context, a Actor, sub *Subscription) error {
	if sub.Secret == "" {
		return fmt.Errorf("subscription: the secret is empty")
	}
	if err := sub.Filter.Check(); err != nil {
		return err
	}
	if sub.ID == "" {
		sub.ID = NewID()
	}
	sub.Created = now()
	sub.Updated = sub.Created
	kev, kinds := subArgs(sub)
	return s.write(ctx, a, "subscription.create", sub.ID, urlHost(sub.URL), func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, `INSERT INTO subscriptions (`+subCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			sub.ID, sub.OrgID, sub.URL, sub.Secret, sub.Description, sub.ProductID, sub.MinSeverity, kev, sub.MinEPSS, kinds, micros(sub.Created), micros(sub.Updated))
		return err
	})
}

// Subscription returns a subscription, of orgID when it is not empty.
func (s *DB) Subscription(ctx context.Context, orgID, id string) (*Subscription, error) {
	query, args := scoped(`SELECT `+subCols+` FROM subscriptions WHERE id = ?`, []any{id}, orgID)
	return scanSubscription(s.db.QueryRowContext(ctx, s.q(query), args...))
}

// ListSubscriptions returns an organisation's subscriptions, oldest first.
func (s *DB) ListSubscriptions(ctx context.Context, orgID string) ([]Subscription, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+subCols+` FROM subscriptions WHERE org_id = ? ORDER BY id`), orgID)
	return collect(rows, err, scanSubscription)
}

func (s *DB) listSubscriptions(ctx context.Context, tx *sql.Tx, orgID string) ([]Subscription, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT `+subCols+` FROM subscriptions WHERE org_id = ? ORDER BY id`), orgID)
	return collect(rows, err, scanSubscription)
}

// urlHost is what the audit log keeps of a webhook URL: its host (the path
// or query may carry the receiver's own token).
func urlHost(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return ""
}

// UpdateSubscription replaces the URL, description and filter of an
// organisation's subscription (not its secret).
func (s *DB) UpdateSubscription(ctx context.Context, a Actor, sub *Subscription) error {
	if err := sub.Filter.Check(); err != nil {
		return err
	}
	sub.Updated = now()
	kev, kinds := subArgs(sub)
	return s.write(ctx, a, "subscription.update", sub.ID, urlHost(sub.URL), func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE subscriptions SET url = ?, description = ?, product_id = ?, min_severity = ?, kev_only = ?, min_epss = ?, kinds = ?, updated = ? WHERE id = ? AND org_id = ?`,
			sub.URL, sub.Description, sub.ProductID, sub.MinSeverity, kev, sub.MinEPSS, kinds, micros(sub.Updated), sub.ID, sub.OrgID)
		return affected(r, err)
	})
}

// DeleteSubscription deletes an organisation's subscription with its
// deliveries (pending ones are not sent; its dead letters go too).
func (s *DB) DeleteSubscription(ctx context.Context, a Actor, orgID, id string) error {
	return s.write(ctx, a, "subscription.delete", id, "", func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM deliveries WHERE subscription_id = ? AND org_id = ?`, id, orgID); err != nil {
			return err
		}
		r, err := s.exec(ctx, tx, `DELETE FROM subscriptions WHERE id = ? AND org_id = ?`, id, orgID)
		return affected(r, err)
	})
}

const deliveryCols = `d.id, d.event_id, e.kind, d.subscription_id, d.org_id, s.url, d.status, d.attempts, d.next_at, d.last_status, d.last_error, d.created, d.finished`
const deliveryFrom = ` FROM deliveries d JOIN events e ON e.id = d.event_id JOIN subscriptions s ON s.id = d.subscription_id`

func scanDelivery(sc interface{ Scan(...any) error }) (*Delivery, error) {
	var d Delivery
	var next, c int64
	var fin sql.NullInt64
	if err := sc.Scan(&d.ID, &d.EventID, &d.EventKind, &d.SubscriptionID, &d.OrgID, &d.URL, &d.Status, &d.Attempts, &next, &d.LastStatus, &d.LastError, &c, &fin); err != nil {
		return nil, mapErr(err)
	}
	d.NextAt, d.Created, d.Finished = fromMicros(next), fromMicros(c), optMicros(fin)
	return &d, nil
}

// ListDeliveries returns the deliveries of an organisation's event (any
// organisation's when orgID is empty).
func (s *DB) ListDeliveries(ctx context.Context, orgID, eventID string) ([]Delivery, error) {
	query, args := `SELECT `+deliveryCols+deliveryFrom+` WHERE d.event_id = ?`, []any{eventID}
	if orgID != "" {
		query, args = query+` AND d.org_id = ?`, append(args, orgID)
	}
	rows, err := s.db.QueryContext(ctx, s.q(query+` ORDER BY d.id`), args...)
	return collect(rows, err, scanDelivery)
}

// ListDeadLetters returns one page of the deliveries whose every attempt
// failed, oldest first, across organisations (for the operator).
func (s *DB) ListDeadLetters(ctx context.Context, p Page) ([]Delivery, string, error) {
	n := PageLimit(p)
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+deliveryCols+deliveryFrom+` WHERE d.status = ? AND d.id > ? ORDER BY d.id`+fmt.Sprintf(` LIMIT %d`, n+1)), DeliveryDead, p.After)
	out, err := collect(rows, err, scanDelivery)
	if err != nil {
		return nil, "", err
	}
	return page(out, n, func(d Delivery) string { return d.ID })
}

// Claim leases up to n due pending deliveries to owner until leaseUntil and
// returns them with their event and subscription. On PostgreSQL the rows
// are picked FOR UPDATE SKIP LOCKED, so replicas claiming at once take
// different rows without waiting; SQLite's single writer serialises claims.
// A delivery whose lease ran out (its dispatcher died mid-attempt) is due
// again.
func (s *DB) Claim(ctx context.Context, owner string, n int, at, leaseUntil time.Time) ([]notify.Claimed, error) {
	if n <= 0 {
		return nil, nil
	}
	lock := ""
	if s.d.name == "postgres" {
		lock = ` FOR UPDATE SKIP LOCKED`
	}
	var out []notify.Claimed
	err := s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, s.q(`UPDATE deliveries SET lease_until = ?, lease_owner = ? WHERE id IN (
 SELECT id FROM deliveries WHERE status = ? AND next_at <= ? AND lease_until <= ? ORDER BY next_at, id`+fmt.Sprintf(` LIMIT %d`, n)+lock+`) RETURNING id`),
			micros(leaseUntil), owner, DeliveryPending, micros(at), micros(at))
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
		rows, err = tx.QueryContext(ctx, s.q(`SELECT d.id, d.attempts, s.url, s.secret, `+prefixed("e.", eventCols)+` FROM deliveries d
 JOIN subscriptions s ON s.id = d.subscription_id JOIN events e ON e.id = d.event_id WHERE d.id IN (`+marks+`) ORDER BY d.next_at, d.id`), ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c notify.Claimed
			ev, err := scanEvent(scanFunc(func(dest ...any) error {
				return rows.Scan(append([]any{&c.DeliveryID, &c.Attempts, &c.URL, &c.Secret}, dest...)...)
			}))
			if err != nil {
				return err
			}
			c.Event = *ev
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// scanFunc adapts a function to the Scan method the scan helpers take.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// prefixed qualifies each column of a column list with prefix.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = prefix + parts[i]
	}
	return strings.Join(parts, ", ")
}

// Done records that owner's attempt of a delivery was answered 2xx.
func (s *DB) Done(ctx context.Context, owner, id string, status int, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_status = ?, last_error = '', finished = ?, lease_until = 0
 WHERE id = ? AND lease_owner = ? AND status = ?`, DeliveryDelivered, status, micros(at), id, owner, DeliveryPending)
		if err := affected(r, err); err != nil {
			return fmt.Errorf("delivery %s: not leased to %s any more: %w", id, owner, err)
		}
		return nil
	})
}

// Retry records that owner's attempt of a delivery failed: it waits until
// next, or is dead when dead is set.
func (s *DB) Retry(ctx context.Context, owner, id string, status int, msg string, next time.Time, dead bool, at time.Time) error {
	st, fin := DeliveryPending, sql.NullInt64{}
	if dead {
		st, fin = DeliveryDead, sql.NullInt64{Int64: micros(at), Valid: true}
	}
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return s.tx(ctx, func(tx *sql.Tx) error {
		r, err := s.exec(ctx, tx, `UPDATE deliveries SET status = ?, attempts = attempts + 1, next_at = ?, last_status = ?, last_error = ?, finished = ?, lease_until = 0
 WHERE id = ? AND lease_owner = ? AND status = ?`, st, micros(next), status, msg, fin, id, owner, DeliveryPending)
		if err := affected(r, err); err != nil {
			return fmt.Errorf("delivery %s: not leased to %s any more: %w", id, owner, err)
		}
		return nil
	})
}
