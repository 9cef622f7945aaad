package label

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/qr"
)

// RegistryURL returns the registry page URL of a label: the base URL
// followed by the label ID.
func RegistryURL(base string, b *Bundle) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("--url-base %q is not an http(s) URL", base)
	}
	return strings.TrimRight(base, "/") + "/" + ID(&b.Envelope), nil
}

// Card builds the printable-label content of a bundle. It reads the
// predicate without verifying it: run Verify first when the bundle comes
// from elsewhere.
func Card(b *Bundle, urlBase string) (*qr.Label, error) {
	link, err := RegistryURL(urlBase, b)
	if err != nil {
		return nil, err
	}
	body, err := checkEnvelope(&b.Envelope, PayloadType)
	if err != nil {
		return nil, err
	}
	_, p, err := decodeStatement(body, PredicateType)
	if err != nil {
		return nil, err
	}
	c := &qr.Label{
		URL: link, ProductName: p.Product.Name, Manufacturer: p.Product.Manufacturer, Model: p.Product.Model,
		SupportEnd: p.SupportPeriodEnd, LabelID: ID(&b.Envelope), LogIndex: b.Log.LogIndex,
	}
	ids := make([]string, 0, len(p.Regimes))
	for id := range p.Regimes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		_, oi, iok := catalog.AssessmentRegimeByID(ids[i])
		_, oj, jok := catalog.AssessmentRegimeByID(ids[j])
		if iok != jok {
			return iok
		}
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	for _, id := range ids {
		// The short title from the catalog; an id the catalog does not
		// know (a label from a newer dualmark) is shown as it is.
		title := id
		if r, _, ok := catalog.AssessmentRegimeByID(id); ok {
			title = r.ShortTitle
		}
		// The printed badge shows the readiness where a regime is judged
		// only on the rules in force (the CRA before 11 December 2027):
		// a label outlives that date, so "conforms" must not stand alone.
		v := p.Regimes[id]
		shown := v.Verdict
		if v.Readiness != "" {
			shown = v.Readiness
		}
		c.Verdicts = append(c.Verdicts, qr.Verdict{Regime: title, Verdict: shown})
	}
	return c, nil
}
