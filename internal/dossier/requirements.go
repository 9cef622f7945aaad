package dossier

import (
	"fmt"
	"regexp"
)

// requirementKnown reports an error when id is not a requirement ID of the
// catalog. Until internal/catalog lands it checks the shape of the IDs of
// docs/regulatory.md §0 (CRA-, NISTIR8425-, EN303645-, FCC-, TR03183-).
var requirementKnown = func(id string) error {
	if !idShape.MatchString(id) {
		return fmt.Errorf("%q is not a requirement ID (e.g. CRA-I.2.d, EN303645-5.1-1, NISTIR8425-4a, FCC-REG-6); run \"dualmark catalog list\" to see them", id)
	}
	return nil
}

var idShape = regexp.MustCompile(`^(CRA-[A-Z0-9.]+[a-z]?|NISTIR8425-[0-9]+(\.[0-9]+)?[a-z]?(\.[ivx]+)?|EN303645-[0-9](\.[0-9]+)?-[0-9]+[A-B]?|FCC-(REG-[0-9]+|8\.208c\.[0-9]+)|TR03183-[0-9]:[A-Za-z.]+)$`)
