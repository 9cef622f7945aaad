package art14

import (
	"bytes"
	"testing"
)

// FuzzReadCase: no case file makes ReadCase, Clocks or the renderings panic.
func FuzzReadCase(f *testing.F) {
	f.Add([]byte(`{"id":"c","kind":"incident","product":{"name":"p","manufacturer":"m"},"awareness":{"detected":"2026-10-02T07:30:00Z","policy":"acknowledgement"}}`))
	f.Add([]byte(`{"id":"c","kind":"vulnerability","measureAvailable":"2026-10-02T07:30:00+02:00","drafts":[{"stage":"notification","submission":{"at":"2026-10-02T07:30:00Z"}}]}`))
	rs, err := DefaultRules()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ReadCase(bytes.NewReader(data), "f")
		if err != nil {
			return
		}
		cs, err := Clocks(rs, c, c.Awareness.Detected)
		if err == nil {
			Alerts(cs)
		}
		for i := range c.Drafts {
			var b bytes.Buffer
			c.Drafts[i].WriteText(&b)
			c.Drafts[i].WriteHTML(&b)
		}
	})
}
