package advisory

import (
	"fmt"
)

// Validate checks the parts of the OSV schema that matching relies on: an
// id, packages with an ecosystem and a name, ranges of
// a known type whose events hold exactly one field each and include an
// introduced event, and a repository for GIT ranges. It returns the first
// problem, naming its place as a JSON pointer.
func Validate(r *Record) error {
	if r.ID == "" {
		return fmt.Errorf("/id: missing")
	}
	for i, a := range r.Affected {
		if a.Package != nil {
			if a.Package.Ecosystem == "" {
				return fmt.Errorf("/affected/%d/package/ecosystem: missing", i)
			}
			if a.Package.Name == "" {
				return fmt.Errorf("/affected/%d/package/name: missing", i)
			}
		}
		for j, rg := range a.Ranges {
			at := fmt.Sprintf("/affected/%d/ranges/%d", i, j)
			switch rg.Type {
			case "SEMVER", "ECOSYSTEM":
			case "GIT":
				if rg.Repo == "" {
					return fmt.Errorf("%s/repo: a GIT range needs a repository", at)
				}
			default:
				return fmt.Errorf("%s/type: %q is not SEMVER, ECOSYSTEM or GIT", at, rg.Type)
			}
			if len(rg.Events) == 0 {
				return fmt.Errorf("%s/events: empty", at)
			}
			introduced := false
			for k, ev := range rg.Events {
				n := 0
				for _, v := range []string{ev.Introduced, ev.Fixed, ev.LastAffected, ev.Limit} {
					if v != "" {
						n++
					}
				}
				if n != 1 {
					return fmt.Errorf("%s/events/%d: an event holds exactly one of introduced, fixed, last_affected, limit (found %d)", at, k, n)
				}
				introduced = introduced || ev.Introduced != ""
			}
			if !introduced {
				return fmt.Errorf("%s/events: no introduced event", at)
			}
		}
	}
	return nil
}
