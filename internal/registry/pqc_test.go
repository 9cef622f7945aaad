package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPostQuantumOnPublicPage: the readiness line of the dossier's CBOM is
// in the public record and shows on the page (HTML and JSON) under its
// heading — the smart plug passes, the router must migrate before 2031.
func TestPostQuantumOnPublicPage(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	tests := []struct {
		example string
		line    string
	}{
		{"smart-plug", "Post-quantum ready: no cryptography has to be replaced before support ends on 2035-03-31. Firmware updates are signed with quantum-safe cryptography."},
		{"home-router", "Not yet post-quantum ready: 8 item(s) must move to quantum-safe cryptography by 2030-12-31, before support ends on 2031-06-30."},
	}
	for _, tc := range tests {
		t.Run(tc.example, func(t *testing.T) {
			c := e.register(tok, example(t, tc.example))
			req, _ := http.NewRequest("GET", e.ts.URL+"/p/"+c.Product.ID, nil)
			req.Header.Set("Accept", "application/json")
			resp, err := e.ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var pub Public
			err = json.NewDecoder(resp.Body).Decode(&pub)
			resp.Body.Close()
			if err != nil || pub.Record == nil || pub.Record.PostQuantum != tc.line {
				t.Fatalf("JSON readiness %q (err %v), want %q", pub.Record.PostQuantum, err, tc.line)
			}
			resp = e.do("GET", "/p/"+c.Product.ID, "", nil, "", nil)
			wantStatus(t, resp, 200)
			page, _ := io.ReadAll(resp.Body)
			want := "<h2 id=\"pq-h\">Protection against future quantum computers</h2>\n<p>" + tc.line + "</p>"
			if !strings.Contains(string(page), want) {
				t.Fatalf("page lacks %q", want)
			}
		})
	}
}
