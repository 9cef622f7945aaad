package notify_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/notify"
)

// A receiver checks each delivery with Verify before it trusts the body, and
// uses the returned webhook-id to drop retries of an event it has processed.
func ExampleVerify() {
	secret := notify.NewSecret() // as the registry showed it when the subscription was created
	seen := map[string]bool{}
	receiver := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		id, err := notify.Verify(secret, r.Header, body, time.Now(), 0)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if seen[id] {
			fmt.Println("retry of", id, "ignored")
			return
		}
		seen[id] = true
		fmt.Println("processing", id)
	}

	body := []byte(`{"id":"evt-1","orgId":"o1","type":"label.revoked","timestamp":"2026-12-03T10:00:00Z"}`)
	for range 2 { // the registry sends the same event twice (a retry after a lost answer)
		req := httptest.NewRequest("POST", "/hook", strings.NewReader(string(body)))
		_ = notify.SetHeaders(req.Header, secret, "evt-1", time.Now(), body)
		receiver(httptest.NewRecorder(), req)
	}
	// Output:
	// processing evt-1
	// retry of evt-1 ignored
}
