package registry

import (
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The public pages speak English and German. Their texts live in message
// catalogues, one JSON file per language under web/i18n (embedded); a
// message may hold trusted markup and numbered placeholders {0}, {1} that
// are filled with escaped text — never with a URL, which the templates put
// into href attributes themselves so html/template checks them. Texts that
// come from the dossier, or that the paperwork derives from it in English
// (FCC field values, gaps, the post-quantum line), are shown as they are,
// marked lang="en" where they are English on a German page.

// languages are the page languages, the default first.
var languages = []string{"en", "de"}

// catalogs maps a language to its messages.
var catalogs = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range languages {
		b, err := fs.ReadFile(webFS, path.Join("web/i18n", l+".json"))
		if err != nil {
			panic("registry: message catalogue: " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			panic("registry: message catalogue " + l + ": " + err.Error())
		}
		out[l] = m
	}
	return out
}()

// message returns the message key in lang, falling back to English, and
// whether lang had it.
func message(lang, key string) (string, bool) {
	if m, ok := catalogs[lang][key]; ok {
		return m, true
	}
	m, ok := catalogs["en"][key]
	if !ok {
		return "[" + key + "]", false
	}
	return m, false
}

// translate fills a message's placeholders with escaped args (template.HTML
// args are taken as they are: only the templates' own pieces are).
func translate(lang, key string, args ...any) template.HTML {
	m, _ := message(lang, key)
	for i, a := range args {
		var s string
		switch v := a.(type) {
		case template.HTML:
			s = string(v)
		default:
			s = html.EscapeString(fmt.Sprint(v))
		}
		m = strings.ReplaceAll(m, "{"+strconv.Itoa(i)+"}", s)
	}
	return template.HTML(m) // the catalogue is embedded and trusted; args are escaped
}

// translateText is a message without markup, for attributes.
func translateText(lang, key string) string {
	m, _ := message(lang, key)
	return m
}

// translateOr translates key, or shows fallback marked as English when the
// language has no message for it (a field label the catalogue lacks).
func translateOr(lang, key, fallback string) template.HTML {
	if lang == "en" { // the English label is the paperwork's own
		return template.HTML(html.EscapeString(fallback))
	}
	if m, ok := catalogs[lang][key]; ok {
		return template.HTML(html.EscapeString(m))
	}
	return template.HTML(`<span lang="en">` + html.EscapeString(fallback) + `</span>`)
}

var germanMonths = []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}

// longDate writes a day as "2 January 2006" or "2. Januar 2006".
func longDate(lang string, t time.Time) string {
	if lang == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), germanMonths[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// langOf returns the language of a view (English for views without one).
func langOf(v any) string {
	switch v := v.(type) {
	case pageView:
		return v.Lang
	case map[string]any:
		if l, ok := v["Lang"].(string); ok {
			return l
		}
	}
	return "en"
}

// pickLanguage chooses a page's language: ?lang= when it names one, else
// the best of Accept-Language (RFC 9110 §12.5.4: q-values, primary tags),
// else English.
func pickLanguage(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		for _, have := range languages {
			if l == have {
				return l
			}
		}
	}
	type choice struct {
		lang string
		q    float64
		pos  int
	}
	var cs []choice
	for i, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		for _, have := range languages {
			if primary == have && q > 0 {
				cs = append(cs, choice{have, q, i})
			}
		}
	}
	if len(cs) == 0 {
		return "en"
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].q > cs[j].q })
	return cs[0].lang
}

// languageLink is one entry of a page's language switcher.
type languageLink struct{ Code, Name string }

func languageLinks() []languageLink {
	out := make([]languageLink, 0, len(languages))
	for _, l := range languages {
		out = append(out, languageLink{Code: l, Name: catalogs[l]["_language"]})
	}
	return out
}
