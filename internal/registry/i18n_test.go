package registry

import (
	"html"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestCataloguesComplete checks every language has every English message,
// with the same placeholders, and no message the English one lacks.
func TestCataloguesComplete(t *testing.T) {
	ph := regexp.MustCompile(`\{\d\}`)
	placeholders := func(s string) string {
		p := ph.FindAllString(s, -1)
		sort.Strings(p)
		return strings.Join(p, "")
	}
	for _, l := range languages[1:] {
		for k, en := range catalogs["en"] {
			m, ok := catalogs[l][k]
			if !ok {
				t.Errorf("%s.json lacks %q", l, k)
				continue
			}
			if placeholders(m) != placeholders(en) {
				t.Errorf("%s.json %q has placeholders %q, English %q", l, k, placeholders(m), placeholders(en))
			}
		}
		for k := range catalogs[l] {
			if _, ok := catalogs["en"][k]; !ok {
				t.Errorf("%s.json has %q, which en.json lacks", l, k)
			}
		}
	}
}

func TestPickLanguage(t *testing.T) {
	for _, c := range []struct{ query, accept, want string }{
		{"", "", "en"},
		{"", "de-DE,de;q=0.9,en;q=0.5", "de"},
		{"", "en-GB,en;q=0.9,de;q=0.8", "en"},
		{"", "fr-FR,fr;q=0.9,de;q=0.4", "de"},
		{"", "fr", "en"},
		{"", "de;q=0", "en"},
		{"", "de;q=oops, en", "en"},
		{"", "en;q=0.2, DE;q=0.7", "de"},
		{"lang=de", "en", "de"},
		{"lang=en", "de", "en"},
		{"lang=xx", "de", "de"},
	} {
		r, _ := http.NewRequest("GET", "/p/x?"+c.query, nil)
		if c.accept != "" {
			r.Header.Set("Accept-Language", c.accept)
		}
		if got := pickLanguage(r); got != c.want {
			t.Errorf("?%s Accept-Language %q: %s, want %s", c.query, c.accept, got, c.want)
		}
	}
}

// visibleText returns the text of a page a reader sees (with alt and
// aria-label texts), leaving out elements marked lang="en" (data the dossier
// or the paperwork gives in English) and code. The pages are the
// registry's own well-formed HTML, so a tag scanner suffices.
func visibleText(t *testing.T, page []byte) string {
	t.Helper()
	token := regexp.MustCompile(`<(/?)([a-zA-Z0-9]+)([^>]*)>|[^<]+`)
	attr := regexp.MustCompile(`(alt|aria-label)="([^"]*)"`)
	void := map[string]bool{"img": true, "meta": true, "link": true, "br": true, "input": true, "hr": true}
	var b strings.Builder
	var stack []bool // per open element: skipped
	skipping := func() bool {
		for _, s := range stack {
			if s {
				return true
			}
		}
		return false
	}
	for _, m := range token.FindAllStringSubmatch(string(page), -1) {
		switch {
		case m[2] == "": // text
			if !skipping() {
				b.WriteString(html.UnescapeString(m[0]))
			}
		case m[1] == "/":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		default:
			name := strings.ToLower(m[2])
			if !skipping() {
				for _, a := range attr.FindAllStringSubmatch(m[3], -1) {
					b.WriteString(" " + html.UnescapeString(a[2]) + " ")
				}
			}
			if void[name] || strings.HasPrefix(name, "!") {
				continue
			}
			skip := name == "code" || (name != "html" && strings.Contains(m[3], `lang="en"`))
			stack = append(stack, skip)
		}
		b.WriteString(" ")
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestPublicPageGerman renders the smart plug's public page in German, by
// ?lang=de and by Accept-Language, and checks it is fully translated: the
// html element says de, no English catalogue message is left in what a
// reader sees outside the parts marked as English, dates use German month
// names, and the page matches its golden file. The English page stays
// English.
func TestPublicPageGerman(t *testing.T) {
	e := newEnv(t)
	_, tok := e.manufacturer("Voltic Home Devices GmbH", "anna@voltic.example")
	c := e.register(tok, example(t, "smart-plug"))
	var issued IssuedLabel
	wantStatus(t, e.json("POST", "/api/v1/versions/"+c.Version.ID+"/label", tok, nil, &issued), 201)
	id := issued.Label.ID
	get := func(path, accept string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.ts.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept-Language", accept)
		}
		resp, err := e.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return resp, b
	}
	resp, byQuery := get("/p/"+id+"?lang=de", "")
	_, byHeader := get("/p/"+id, "de-DE,de;q=0.9,en;q=0.5")
	if string(byQuery) != string(byHeader) {
		t.Fatal("?lang=de and Accept-Language: de render different pages")
	}
	if resp.Header.Get("Content-Language") != "de" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") {
		t.Fatalf("headers %v", resp.Header)
	}
	page := string(byQuery)
	if !strings.Contains(page, `<html lang="de">`) {
		t.Fatal("the German page does not say lang=de")
	}
	text := visibleText(t, byQuery)
	for _, want := range []string{"Gültig.", "Sicherheitsupdates bis 2035-03-31", "Schutz vor künftigen Quantencomputern",
		"Bewertung", "konform", "bereit zur Prüfung", "Registerfelder des US Cyber Trust Mark", "Etikettdaten (CTA-2120)",
		"am " + longDate("de", time.Now().UTC()) + " ausgestellt"} {
		if !strings.Contains(text, want) {
			t.Errorf("the German page lacks %q", want)
		}
	}
	noEnglish(t, "the product page", text)
	now := time.Now().UTC()
	golden(t, filepath.Join("testdata", "smart-plug.page.de.html"), []byte(normalise(page, id, "LABEL-ID", c.Product.ID, "PRODUCT-ID",
		e.ts.URL, "BASE", longDate("de", now), "TODAY", now.Format("2006-01-02"), "TODAY")))

	for _, c := range []struct{ path, want string }{
		{"/search?lang=de&q=voltic", "Voltic SP-210 Smart Plug"},
		{"/search?lang=de&q=nomatch", "Kein Produkt passt zu „nomatch“."},
	} {
		_, b := get(c.path, "")
		text := visibleText(t, b)
		if !strings.Contains(string(b), `<html lang="de">`) || !strings.Contains(text, "Das Register durchsuchen") || !strings.Contains(text, c.want) {
			t.Errorf("%s: %s", c.path, text)
		}
		noEnglish(t, "search page", text)
	}
	req, _ := http.NewRequest("GET", e.ts.URL+"/p/nope", nil)
	req.Header.Set("Accept-Language", "de")
	r404, err := e.ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b404, _ := io.ReadAll(r404.Body)
	r404.Body.Close()
	if r404.StatusCode != 404 || !strings.Contains(visibleText(t, b404), "Nicht gefunden") {
		t.Fatalf("German not-found page: %d %s", r404.StatusCode, b404)
	}
	noEnglish(t, "not-found page", visibleText(t, b404))

	_, english := get("/p/"+id, "fr-FR,fr;q=0.9")
	if !strings.Contains(string(english), `<html lang="en">`) || !strings.Contains(visibleText(t, english), "Valid. This label was issued on") {
		t.Fatal("a French reader does not get the English page")
	}
}

// noEnglish fails when a German page's visible text holds an English
// catalogue message (its fixed pieces between placeholders and markup) or
// a message is the same in both languages without being listed as such.
func noEnglish(t *testing.T, what, text string) {
	t.Helper()
	// every English message (its fixed pieces between placeholders and
	// markup) that differs from the German one must be gone
	tags := regexp.MustCompile(`<[^>]+>|\{\d\}`)
	sameInGerman := map[string]bool{"regime.en303645": true} // a standard's name
	for k, en := range catalogs["en"] {
		if k == "_language" || sameInGerman[k] {
			continue
		}
		if en == catalogs["de"][k] {
			t.Errorf("message %s is the same in German and English (%q): translate it, or list it as the same on purpose", k, en)
			continue
		}
		for _, piece := range tags.Split(en, -1) {
			piece = strings.Join(strings.Fields(strings.Trim(piece, " .:,()")), " ")
			if len(piece) < 6 || strings.Contains(catalogs["de"][k], piece) {
				continue
			}
			if strings.Contains(text, piece) {
				t.Errorf("English %q (message %s) on the German %s", piece, k, what)
			}
		}
	}
}
