package dossier

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

var hexDigest = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// annexItems is the number of items in each CRA class list (Annex III, IV).
var annexItems = map[string]int{"important-class-I": 19, "important-class-II": 4, "critical": 3}

// check runs the semantic checks that need the decoded dossier: digests,
// requirement IDs, date order and class items.
func (p *parser) check(d *Dossier) {
	p.checkCategory(d.Category)
	p.checkAI(d.Product.AI)
	sp := d.SupportPeriod
	if sp.Start != nil && sp.End != nil && sp.End.Before(sp.Start.Time) {
		p.addAt("supportPeriod.end", "end %s is before start %s", sp.End, sp.Start)
	}
	for name, ref := range map[string]*BOMRef{"sbom": d.SBOM, "hbom": d.HBOM, "cryptography.cbom": d.Cryptography.CBOM} {
		if ref != nil {
			p.checkFile(d.BaseDir, name, ref.Path, ref.SHA256, false)
		}
	}
	if m := d.Market; m.FirstPlaced != nil && m.LastPlaced != nil && m.LastPlaced.Before(m.FirstPlaced.Time) {
		p.addAt("market.lastPlaced", "last unit placed %s is before the first %s", m.LastPlaced, m.FirstPlaced)
	}
	for i, e := range d.Evidence {
		path := "evidence[" + strconv.Itoa(i) + "]"

		if e.Path == "" && e.URL == "" {
			p.addAt(path, "give path (a file next to the dossier) or url")
		}
		if e.Path != "" {
			if e.SHA256 == "" {
				p.addAt(path+".path", "an evidence file needs sha256 (run: sha256sum %s)", e.Path)
			}
			p.checkFile(d.BaseDir, path, e.Path, e.SHA256, true)
		} else if e.SHA256 != "" && !hexDigest.MatchString(e.SHA256) {
			p.addAt(path+".sha256", "%q is not a SHA-256 digest (64 hex digits)", e.SHA256)
		}
		for j, id := range e.Demonstrates {
			p.checkRequirement(fmt.Sprintf("%s.demonstrates[%d]", path, j), id)
		}
	}
	seen := map[string]int{}
	for i, na := range d.NotApplicable {
		path := "notApplicable[" + strconv.Itoa(i) + "]"
		p.checkRequirement(path+".requirement", na.Requirement)
		if j, dup := seen[na.Requirement]; dup {
			p.addAt(path+".requirement", "%s is already claimed not applicable in notApplicable[%d]", na.Requirement, j)
		}
		seen[na.Requirement] = i
	}
}

// checkAI: a high-risk AI use names its basis, and an Annex III basis its
// area; an area or basis without highRisk: true contradicts it.
func (p *parser) checkAI(a *AIUse) {
	if a == nil {
		return
	}
	switch {
	case a.HighRisk == nil:
		p.addAt("product.ai", "state highRisk (true or false): whether the product is a high-risk AI system under AI Act Art. 6")
	case *a.HighRisk && a.Basis == "":
		p.addAt("product.ai", "a high-risk AI use needs basis: annex-iii or annex-i-safety-component")
	case *a.HighRisk && a.Basis == "annex-iii" && a.AnnexIIIUse == "":
		p.addAt("product.ai.basis", "basis annex-iii needs annexIIIUse: the Annex III area of the use")
	case *a.HighRisk && a.Basis != "annex-iii" && a.AnnexIIIUse != "":
		p.addAt("product.ai.annexIIIUse", "annexIIIUse is given but basis is %s; set basis: annex-iii or remove annexIIIUse", a.Basis)
	case !*a.HighRisk && (a.Basis != "" || a.AnnexIIIUse != ""):
		p.addAt("product.ai.highRisk", "highRisk is false but a basis or Annex III use is given")
	}
}

func (p *parser) checkCategory(c Category) {
	n, listed := annexItems[c.Class]
	switch {
	case listed && c.Item == 0:
		p.addAt("category", "class %s needs item: the Annex %s item number the product falls under", c.Class, annex(c.Class))
	case listed && (c.Item < 1 || c.Item > n):
		p.addAt("category.item", "Annex %s lists %d items for %s; %d is not one of them", annex(c.Class), n, c.Class, c.Item)
	case !listed && (c.Item != 0 || p.pos["category.item"] != nil):
		p.addAt("category.item", "a default-class product has no Annex item; remove item or change class")
	}
}

func annex(class string) string {
	if class == "critical" {
		return "IV"
	}
	return "III"
}

// checkFile verifies that a referenced file exists and matches its digest.
func (p *parser) checkFile(base, path, rel, want string, needDigest bool) {
	if rel == "" {
		return
	}
	if want != "" && !hexDigest.MatchString(want) {
		p.addAt(path+".sha256", "%q is not a SHA-256 digest (64 hex digits)", want)
		return
	}
	full, why := p.resolve(base, rel)
	if why != "" {
		p.addAt(path+".path", "%s: %s; the file was not opened. Give a path inside the dossier's folder", rel, why)
		p.issues[len(p.issues)-1].Err = ErrOutsideFolder
		return
	}
	got, err := fileSHA256(full)
	if err != nil {
		p.addAt(path+".path", "cannot read %s: %v", rel, unwrapPathErr(err))
		return
	}
	if want != "" && !strings.EqualFold(got, want) {
		p.addAt(path+".sha256", "digest does not match %s: the file has sha256 %s; update the dossier or restore the file", rel, got)
	}
	_ = needDigest
}

// resolve returns the file a dossier path names, or why it is refused: a
// path leading outside the folder base (absolute, climbing with "..", or
// through a symbolic link whose target is outside), unless the options
// allow it (an absolute path never is). The lexical checks come first, so that a refused path is never
// looked up.
func (p *parser) resolve(base, rel string) (full, why string) {
	native := filepath.FromSlash(rel)
	if filepath.IsAbs(native) || filepath.VolumeName(native) != "" || strings.HasPrefix(rel, "/") {
		// even when outside paths are allowed: the readers of the
		// dossier join every path to its folder ("../x" reaches any
		// file an absolute path would)
		return "", "an absolute path (" + ErrOutsideFolder.Error() + "); give it relative to the dossier"
	}
	full = filepath.Join(base, native)
	if p.opts.AllowOutsidePaths {
		return full, ""
	}
	if !filepath.IsLocal(native) {
		return "", "climbs out with \"..\" (" + ErrOutsideFolder.Error() + ")"
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return full, "" // missing or unreadable: reported by the read
	}
	root, err := filepath.EvalSymlinks(base)
	if err != nil {
		return full, ""
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) {
		return "", "a symbolic link leading out (" + ErrOutsideFolder.Error() + ")"
	}
	return real, ""
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// fileSHA256 returns the hex SHA-256 of a file.
func fileSHA256(path string) (string, error) {
	// Stat before opening: opening a FIFO or device could block or never end.
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (p *parser) checkRequirement(path, id string) {
	if strings.TrimSpace(id) == "" {
		p.addAt(path, "empty requirement ID")
		return
	}
	err, seen := p.idErrs[id]
	if !seen {
		err = requirementKnown(id)
		p.idErrs[id] = err
	}
	if err != nil {
		p.addAt(path, "%v", err)
		if n := len(p.issues); n > 0 && !p.capped {
			p.issues[n-1].Err = ErrUnknownRequirement
		}
	}
}
