package registry

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/dualmark/dualmark/internal/notify"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// notifyRoutes are the notification endpoints: webhook subscriptions and
// events of the caller's organisation, the operator's dead-letter list, and
// the members' events page.
func (s *Server) notifyRoutes() []route {
	return []route{
		{method: "GET", path: "/api/v1/subscriptions", api: true, h: s.apiListSubscriptions},
		{method: "POST", path: "/api/v1/subscriptions", api: true, h: s.apiCreateSubscription},
		{method: "GET", path: "/api/v1/subscriptions/{id}", api: true, h: s.apiSubscription},
		{method: "PUT", path: "/api/v1/subscriptions/{id}", api: true, h: s.apiUpdateSubscription},
		{method: "DELETE", path: "/api/v1/subscriptions/{id}", api: true, h: s.apiDeleteSubscription},
		{method: "GET", path: "/api/v1/events", api: true, h: s.apiListEvents},
		{method: "GET", path: "/api/v1/admin/dead-letters", api: true, h: s.apiDeadLetters},
		{method: "GET", path: "/dashboard/events", h: s.dashboardEvents},
	}
}

// SubscriptionRequest creates or replaces a webhook subscription.
type SubscriptionRequest struct {
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
	notify.Filter
}

// NewSubscription is a created subscription; Secret (whsec_…) verifies its
// deliveries and is shown this once.
type NewSubscription struct {
	Subscription *store.Subscription `json:"subscription"`
	Secret       string              `json:"secret"`
}

// checkSubscription validates a request for org and answers 422 naming the
// field itself; it returns false then.
func (s *Server) checkSubscription(w http.ResponseWriter, r *http.Request, orgID string, req *SubscriptionRequest) bool {
	bad := func(field, msg string) bool {
		problem(w, r, Problem{Type: ProblemType + "invalid-subscription", Status: http.StatusUnprocessableEntity, Field: field, Detail: msg})
		return false
	}
	u, err := url.Parse(req.URL)
	switch {
	case req.URL == "" || len(req.URL) > 2000:
		return bad("url", "a URL of 1 to 2000 characters is required")
	case err != nil:
		return bad("url", "not a URL: "+err.Error())
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("url", "the URL must be https:// (or http://)")
	case u.Host == "":
		return bad("url", "the URL has no host")
	case u.User != nil:
		return bad("url", "the URL must not carry a user name or password; deliveries are authenticated by their signature")
	case len(req.Description) > 200:
		return bad("description", "at most 200 characters")
	}
	if err := req.Filter.Check(); err != nil {
		var fe *notify.FieldError
		if errors.As(err, &fe) {
			return bad(fe.Field, fe.Msg)
		}
		return bad("body", err.Error())
	}
	if req.ProductID != "" {
		if _, err := s.store.Product(r.Context(), orgID, req.ProductID); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return bad("productId", "your organisation has no product "+req.ProductID)
			}
			s.fail(w, r, err)
			return false
		}
	}
	return true
}

func (s *Server) apiListSubscriptions(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	list, err := s.outbox.ListSubscriptions(r.Context(), p.org.ID)
	answerList(s, w, r, list, "", err)
}

func (s *Server) apiCreateSubscription(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	var req SubscriptionRequest
	if !decodeJSON(w, r, &req) || !s.checkSubscription(w, r, p.org.ID, &req) {
		return
	}
	sub := &store.Subscription{OrgID: p.org.ID, URL: req.URL, Description: req.Description, Filter: req.Filter, Secret: notify.NewSecret()}
	if err := s.outbox.CreateSubscription(r.Context(), p.actor(), sub); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/subscriptions/"+sub.ID)
	writeJSON(w, http.StatusCreated, NewSubscription{Subscription: sub, Secret: sub.Secret})
}

func (s *Server) apiSubscription(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	sub, err := s.outbox.Subscription(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

func (s *Server) apiUpdateSubscription(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	// another organisation's ID is a 404 before the body is looked at
	sub, err := s.outbox.Subscription(r.Context(), p.org.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req SubscriptionRequest
	if !decodeJSON(w, r, &req) || !s.checkSubscription(w, r, p.org.ID, &req) {
		return
	}
	sub.URL, sub.Description, sub.Filter = req.URL, req.Description, req.Filter
	if err := s.outbox.UpdateSubscription(r.Context(), p.actor(), sub); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sub)
}

func (s *Server) apiDeleteSubscription(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeWrite)
	if !ok {
		return
	}
	if err := s.outbox.DeleteSubscription(r.Context(), p.actor(), p.org.ID, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// EventList is a page of events.
type EventList = List[notify.Event]

func (s *Server) apiListEvents(w http.ResponseWriter, r *http.Request) {
	p, ok := s.bearer(w, r, store.ScopeRead)
	if !ok {
		return
	}
	list, next, err := s.outbox.ListEvents(r.Context(), p.org.ID, pageOf(r))
	answerList(s, w, r, list, next, err)
}

func (s *Server) apiDeadLetters(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.operator(w, r); !ok {
		return
	}
	list, next, err := s.outbox.ListDeadLetters(r.Context(), pageOf(r))
	answerList(s, w, r, list, next, err)
}

// eventRow is one event of the events page with its deliveries.
type eventRow struct {
	notify.Event
	Deliveries []store.Delivery
}

func (s *Server) dashboardEvents(w http.ResponseWriter, r *http.Request) {
	p, sess, ok := s.member(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	evs, next, err := s.outbox.ListEvents(ctx, p.org.ID, pageOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]eventRow, 0, len(evs))
	for _, ev := range evs {
		ds, err := s.outbox.ListDeliveries(ctx, p.org.ID, ev.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows = append(rows, eventRow{Event: ev, Deliveries: ds})
	}
	subs, err := s.outbox.ListSubscriptions(ctx, p.org.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	chart, err := s.portfolioChart(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "events", map[string]any{"Title": "Events", "Org": p.org, "Events": rows, "Next": next,
		"Subscriptions": subs, "Chart": chart, "CSRF": s.csrfToken(sess)})
}
