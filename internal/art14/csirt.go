package art14

import (
	_ "embed"
	"encoding/json"
	"sort"
	"strings"
	"sync"
)

//go:embed csirts.json
var csirtData []byte

// Coordinator is one member state's CSIRT designated as coordinator.
type Coordinator struct {
	MemberState string `json:"memberState"`
	CSIRT       string `json:"csirt"`
	Confidence  string `json:"confidence"`
}

type csirtTable struct {
	Channel      string        `json:"channel"`
	Coordinators []Coordinator `json:"coordinators"`
}

var (
	csirtOnce sync.Once
	csirts    csirtTable
)

func table() csirtTable {
	csirtOnce.Do(func() {
		if err := json.Unmarshal(csirtData, &csirts); err != nil {
			panic("art14: embedded csirts.json: " + err.Error()) // the package's tests keep it valid
		}
		sort.Slice(csirts.Coordinators, func(i, j int) bool {
			return csirts.Coordinators[i].MemberState < csirts.Coordinators[j].MemberState
		})
	})
	return csirts
}

// Coordinators returns the table of the member states' coordinator CSIRTs.
func Coordinators() []Coordinator {
	return append([]Coordinator(nil), table().Coordinators...)
}

// RecipientFor returns the recipient of reports for a manufacturer whose
// main establishment is in the member state (ISO 3166-1 alpha-2; "EL" is
// read as "GR"). An unknown state gives an empty CSIRT, which leaves the
// draft unsubmittable until it is filled in.
func RecipientFor(memberState string) Recipient {
	ms := strings.ToUpper(strings.TrimSpace(memberState))
	if ms == "EL" {
		ms = "GR"
	}
	t := table()
	r := Recipient{MemberState: ms, Channel: t.Channel}
	for _, c := range t.Coordinators {
		if c.MemberState == ms {
			r.CSIRT, r.Confidence = c.CSIRT, c.Confidence
		}
	}
	return r
}
