package assess

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dualmark/dualmark/internal/advisory"
	"github.com/dualmark/dualmark/internal/aibom"
	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/fsread"
	"github.com/dualmark/dualmark/internal/match"
	"github.com/dualmark/dualmark/internal/sbom"
	"github.com/dualmark/dualmark/internal/sbomquality"
	"github.com/dualmark/dualmark/internal/vex"
)

// DefaultSBOMProfile is the quality profile shown beside CRA-II.1. The CRA
// asks for an SBOM "in a commonly used and machine-readable format covering
// at the very least the top-level dependencies" and leaves the format to an
// implementing act (Art. 13(24)) that does not exist yet: that legal test
// decides CRA-II.1. BSI TR-03183-2 v2.1, a German technical guideline, asks
// more; its result is reported as a quality finding.
const DefaultSBOMProfile = sbomquality.ProfileBSI21

// Errors Run returns for options that do not fit together. They name no
// command-line flag: the CLI adds that advice.
var (
	// ErrVEXWithoutScan: VEX documents were given but no advisory
	// database, so there are no findings for them to suppress.
	ErrVEXWithoutScan = errors.New("VEX documents only apply to a scan, and no advisory database was given")
	// ErrNothingToScan: an advisory database was given but there is no
	// SBOM to scan.
	ErrNothingToScan = errors.New("an advisory database was given but there is no SBOM to scan")
)

// RunOptions tune Run.
type RunOptions struct {
	// SBOM is the SBOM file; empty means the one the dossier names
	// (sbom.path), if any.
	SBOM string
	// DB is the advisory database folder; empty means no scan.
	DB string
	// VEX are the VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX), read
	// by the caller (vex.LoadDocument), whose not_affected and fixed
	// statements suppress findings; each is listed among the inputs with
	// its digest.
	VEX []*vex.Document
	// Regimes are the assessment regimes (all when empty).
	Regimes []string
	// SBOMProfile is the quality profile shown beside CRA-II.1
	// (DefaultSBOMProfile when empty); it is a finding, not the legal test.
	SBOMProfile string
	// On is the assessment date (zero: today).
	On time.Time
	// Version is dualmark's version, recorded in the assessment.
	Version string
	// AllowOutsidePaths lets the dossier name files outside its folder
	// (dossier.Options.AllowOutsidePaths).
	AllowOutsidePaths bool
}

// Run loads the dossier at path (a file, or a folder holding dossier.yaml)
// and assesses it with RunDossier. Every error names the file at fault and
// what to do.
func Run(path string, opts RunOptions) (*Assessment, error) {
	if err := checkProfile(opts.SBOMProfile); err != nil {
		return nil, err
	}
	d, err := dossier.LoadWith(path, dossier.Options{AllowOutsidePaths: opts.AllowOutsidePaths})
	if err != nil {
		return nil, err
	}
	return RunDossier(d, opts)
}

func checkProfile(profile string) error {
	if profile != "" && !slices.Contains(sbomquality.Profiles, profile) {
		return fmt.Errorf("SBOM quality profile %q: choose one of %s", profile, strings.Join(sbomquality.Profiles, ", "))
	}
	return nil
}

// SBOMPath is the SBOM an assessment of d reads: the one given, else the
// one the dossier names (sbom.path, against the dossier's folder); "" when
// there is none.
func SBOMPath(d *dossier.Dossier, given string) string {
	if given == "" && d.SBOM != nil && d.SBOM.Path != "" {
		return filepath.Join(d.BaseDir, d.SBOM.Path)
	}
	return given
}

// RunDossier assesses a loaded dossier: it reads its SBOM (once, hashing the
// bytes it parses), scans the SBOM when a database is given, and evaluates.
// The assessment's inputs list every file read with its SHA-256.
func RunDossier(d *dossier.Dossier, opts RunOptions) (*Assessment, error) {
	profile := opts.SBOMProfile
	if profile == "" {
		profile = DefaultSBOMProfile
	}
	if err := checkProfile(profile); err != nil {
		return nil, err
	}
	cat, err := catalog.Load()
	if err != nil {
		return nil, fmt.Errorf("requirement catalog: %w", err)
	}
	in := Inputs{Catalog: cat, Regimes: opts.Regimes, On: opts.On, Version: opts.Version}
	sbomPath := SBOMPath(d, opts.SBOM)
	if opts.DB == "" && len(opts.VEX) > 0 {
		return nil, ErrVEXWithoutScan
	}
	if sbomPath == "" && opts.DB != "" {
		return nil, fmt.Errorf("%w: name one under sbom.path in %s", ErrNothingToScan, d.File)
	}
	if sbomPath != "" {
		doc, digest, err := parseHashed(sbomPath)
		if err != nil {
			return nil, fmt.Errorf("SBOM: %w", err)
		}
		in.Files = append(in.Files, Input{Role: InputSBOM, Path: sbomPath, SHA256: digest})
		in.SBOM = SummariseSBOM(doc, sbomPath, profile)
		in.AI = aibom.Check(doc)
		if opts.DB != "" {
			db, err := advisory.OpenDB(opts.DB)
			if err != nil {
				return nil, err
			}
			defer db.Close()
			in.Database = Snapshot(db.Status())
			for _, d := range opts.VEX {
				in.Files = append(in.Files, Input{Role: InputVEX, Path: d.Path, SHA256: d.SHA256})
			}
			stmts := vex.Statements(opts.VEX)
			// The dossier's operating system decides which platform-limited
			// advisories (Windows-only, macOS-only) can apply; without it
			// the scan derives the platform from the SBOM.
			res, err := match.ScanDocument(doc, db, match.Options{VEX: stmts, Platform: match.NormalizePlatform(d.Product.OperatingSystem)})
			if err != nil {
				return nil, fmt.Errorf("scan of %s: %w", sbomPath, err)
			}
			in.Scan = res
		}
	}
	return Evaluate(d, in)
}

// parseHashed reads an SBOM (or CBOM) file once, hashing the bytes on disk
// while the reader parses them.
func parseHashed(path string) (*sbom.Document, string, error) {
	f, _, err := fsread.Open(path, "SBOM")
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	h := sha256.New()
	tee := io.TeeReader(f, h)
	doc, err := sbom.Parse(tee, path, sbom.Options{})
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(io.Discard, tee); err != nil { // bytes after a gzip stream
		return nil, "", fmt.Errorf("reading %s: %w", path, err)
	}
	return doc, hex.EncodeToString(h.Sum(nil)), nil
}

// Snapshot condenses a database's provenance to what an assessment records.
func Snapshot(p advisory.Provenance) *DatabaseSnapshot {
	return &DatabaseSnapshot{Built: p.Built, NewestRecord: p.NewestRecord, Records: p.Records, KEVCatalog: p.KEVCatalog, EPSSDate: p.EPSSDate}
}

// SummariseSBOM checks doc against profile and condenses the result. A
// profile that cannot be checked leaves Profile empty and says why in Note,
// so CRA-II.1 stays unknown instead of being guessed.
func SummariseSBOM(doc *sbom.Document, path, profile string) *SBOMSummary {
	s := &SBOMSummary{Path: path, Format: doc.Format, SpecVersion: doc.SpecVersion, Components: len(doc.Components)}
	rep, err := sbomquality.Check(doc, profile)
	if err != nil {
		s.Note = err.Error()
		return s
	}
	s.Profile, s.Pass = rep.Profile, rep.Pass
	for _, c := range rep.Checks {
		if c.Mandatory && !c.Pass {
			msg := c.ID
			if c.Detail != "" {
				msg += ": " + c.Detail
			} else if len(c.Offending) > 0 {
				msg += fmt.Sprintf(" (%d component(s), e.g. %s)", c.OffendingCount, c.Offending[0])
			}
			s.Failed = append(s.Failed, msg)
		}
	}
	return s
}
