package monitor

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/dualmark/dualmark/internal/csaf"
	"github.com/dualmark/dualmark/internal/registry/store"
)

// FuzzCSAFDeviceRows feeds arbitrary bytes through what an import does to
// a document short of the store — csaf.Read, the product rows under their
// device keys and the vulnerabilities as stored JSON — and then matches a
// device against the rows read back, as a re-match does: nothing panics,
// every row decodes, every state names a vulnerability. Seeded with real
// CISA advisories (one cut short) and a document with a mistyped score.
func FuzzCSAFDeviceRows(f *testing.F) {
	docs := corpusLines(f, "ICSA-23-355-01", "ICSA-24-004-01")
	f.Add(docs[0])
	f.Add(docs[1])
	f.Add(docs[0][:len(docs[0])/3])
	f.Add([]byte(`{"document":{"tracking":{"id":"X"}},"product_tree":{"branches":[{"category":"vendor","name":"FXC","branches":[{"category":"product_name","name":"AE1021PE","product":{"product_id":"1","name":"x"}}]}]},"relationships":[],"vulnerabilities":[{"cve":"CVE-1","product_status":{"known_affected":["1"]},"scores":[{"products":["1"],"cvss_v2":{"baseScore":5}}],"remediations":[{"category":"vendor_fix","details":"2.0","product_ids":["1"]}]}]}`))
	facts := store.DeviceFacts{Manufacturer: "FXC", Name: "AE1021PE", Model: "AE1021PE"}
	comp := &store.Component{Name: "AE1021PE", Version: "2.0.9", Type: store.DeviceType}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := csaf.Read(bytes.NewReader(data), csaf.Limits{MaxProducts: 10000})
		if err != nil {
			return
		}
		rows, err := productRows(e)
		if err != nil {
			t.Fatal(err)
		}
		vj, err := json.Marshal(storedVulns(e.Vulnerabilities))
		if err != nil {
			t.Fatal(err)
		}
		var vs storedVulns
		if err := json.Unmarshal(vj, &vs); err != nil {
			t.Fatalf("stored vulnerabilities do not decode: %v", err)
		}
		byDoc := map[string][]csaf.Product{}
		for _, r := range rows {
			var p csaf.Product
			if err := json.Unmarshal(r.Data, &p); err != nil {
				t.Fatalf("row %s does not decode: %v", r.ProductID, err)
			}
			byDoc["d"] = append(byDoc["d"], p)
		}
		docs := map[string]*store.ImportedCSAF{"d": {ID: "d", TrackingID: e.TrackingID}}
		for _, st := range pairStates(store.Pair{VersionID: "v", ComponentID: 1}, nil, devices(facts, comp), byDoc, docs, map[string]storedVulns{"d": vs}) {
			if st.VulnID == "" || st.Severity == "" {
				t.Fatalf("state %+v", st)
			}
		}
	})
}
