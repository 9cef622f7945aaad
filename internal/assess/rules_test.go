package assess

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dualmark/dualmark/internal/catalog"
	"github.com/dualmark/dualmark/internal/dossier"
	"github.com/dualmark/dualmark/internal/sbom"
)

// The rules of issue 10, each pinned with its article, on the real catalog
// and the example dossiers.

func realCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadExample(t *testing.T, name string) *dossier.Dossier {
	t.Helper()
	d, err := dossier.Load("../../examples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func evalOn(t *testing.T, d *dossier.Dossier, on string) *Assessment {
	t.Helper()
	day, err := time.Parse(dossier.DateLayout, on)
	if err != nil {
		t.Fatal(err)
	}
	in := Inputs{Catalog: realCatalog(t), On: day}
	if d.SBOM != nil && d.SBOM.Path != "" {
		doc, err := sbom.ParseFile(filepath.Join(d.BaseDir, d.SBOM.Path), sbom.Options{})
		if err != nil {
			t.Fatal(err)
		}
		in.SBOM = SummariseSBOM(doc, d.SBOM.Path, DefaultSBOMProfile)
	}
	a, err := Evaluate(d, in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCRAArt32_2_ClassIModuleAWithOnlyEN303645DoesNotConform(t *testing.T) {
	a := evalOn(t, loadExample(t, "security-camera"), "2027-12-11")
	cra := a.Regimes[RegimeCRA]
	if cra.Verdict != DoesNotConform || !strings.Contains(cra.VerdictReason, "Module A is not open") || !strings.Contains(cra.VerdictReason, "Art. 32(2)") {
		t.Errorf("verdict %s: %s", cra.Verdict, cra.VerdictReason)
	}
	if rt := cra.Route; rt.ChosenAllowed == nil || *rt.ChosenAllowed {
		t.Errorf("chosenAllowed must be present and false: %+v", rt)
	}
	if !strings.Contains(strings.Join(cra.Route.Basis, " "), "not cited in the OJ") {
		t.Errorf("basis should say EN 303 645 is not cited in the OJ: %v", cra.Route.Basis)
	}
}

func TestCRAArt32_2_HarmonisedStandardInFullOpensModuleA(t *testing.T) {
	c := realCatalog(t)
	open := c.RoutesFor("important-class-I", catalog.RouteBasis{HarmonisedInFull: true})
	closed := c.RoutesFor("important-class-I", catalog.RouteBasis{})
	for i := range open {
		if open[i].Module == "A" && (!open[i].Open || closed[i].Open) {
			t.Errorf("class I module A: open with a harmonised standard in full %v, without %v", open[i].Open, closed[i].Open)
		}
	}
}

func TestCRAArt32_3_ClassIIModuleADoesNotConform(t *testing.T) {
	d := loadExample(t, "security-camera")
	d.Category = dossier.Category{Class: "important-class-II", Item: 2}
	a := evalOn(t, d, "2027-12-11")
	if v := a.Regimes[RegimeCRA].Verdict; v != DoesNotConform || !strings.Contains(a.Regimes[RegimeCRA].Route.Note, "Art. 32(5)") {
		t.Errorf("class II with module A: %s, note %q", v, a.Regimes[RegimeCRA].Route.Note)
	}
}

func TestCRAArt32_5_FOSSWithPublicDocumentationOpensModuleA(t *testing.T) {
	d := loadExample(t, "security-camera")
	d.Category = dossier.Category{Class: "important-class-II", Item: 2}
	d.Conformity.FOSS = &dossier.FOSS{DocumentationURL: "https://example.org/techdoc"}
	a := evalOn(t, d, "2027-12-11")
	if rt := a.Regimes[RegimeCRA].Route; rt.ChosenAllowed == nil || !*rt.ChosenAllowed {
		t.Errorf("FOSS class II with public documentation should open module A: %+v", rt)
	}
}

func TestCRAArt32_EUCCRouteIsNamedEUCC(t *testing.T) {
	d := loadExample(t, "smart-plug")
	d.Conformity.Module = "EUCC"
	a := evalOn(t, d, "2027-12-11")
	if rt := a.Regimes[RegimeCRA].Route; rt.ChosenAllowed == nil || !*rt.ChosenAllowed {
		t.Errorf("the dossier's EUCC route must be accepted for a default product: %+v", rt)
	}
}

func TestCRAArt32_ModuleBCNeedsANotifiedBody(t *testing.T) {
	d := loadExample(t, "smart-plug")
	d.Conformity.Module = "B+C"
	a := evalOn(t, d, "2027-12-11")
	if cra := a.Regimes[RegimeCRA]; cra.Verdict != Incomplete || !strings.Contains(cra.VerdictReason, "notified body") {
		t.Errorf("B+C without a notified body: %s %s", cra.Verdict, cra.VerdictReason)
	}
}

func TestCRAArt69_71_CameraIn2026IsUnderREDDAAndArt14(t *testing.T) {
	a := evalOn(t, loadExample(t, "security-camera"), "2026-12-03")
	if a.On != "2026-12-03" {
		t.Errorf("assessment date %q", a.On)
	}
	if v := a.Regimes[RegimeREDDA].Verdict; v == NotInForce {
		t.Errorf("RED DA 2022/30 must apply in 2026: %s", v)
	}
	if r := find(t, a, "CRA-I.2.d"); r.NotInForce == "" {
		t.Error("CRA Annex I must not be in force on 2026-12-03")
	}
	if r := find(t, a, "CRA-14.8"); r.NotInForce != "" {
		t.Errorf("CRA Art. 14 applies from 2026-09-11: %s", r.NotInForce)
	}
	if a.Regimes[RegimeCRA].Readiness != DoesNotConform {
		t.Errorf("readiness should show the Art. 32(2) failure: %s", a.Regimes[RegimeCRA].Readiness)
	}
}

func TestCRAArt71_CameraFrom11Dec2027IsUnderTheCRA(t *testing.T) {
	a := evalOn(t, loadExample(t, "security-camera"), "2027-12-11")
	if v := a.Regimes[RegimeREDDA].Verdict; v != NotInForce {
		t.Errorf("RED DA must not apply to units placed from 2027-12-11: %s", v)
	}
	if r := find(t, a, "CRA-I.2.d"); r.NotInForce != "" {
		t.Errorf("CRA Annex I applies from 2027-12-11: %s", r.NotInForce)
	}
}

func TestCRAArt69_2_ProductNoLongerPlacedStaysOutsideTheCRA(t *testing.T) {
	d := loadExample(t, "home-router")
	a := evalOn(t, d, "2028-01-10")
	if r := find(t, a, "CRA-I.2.d"); r.NotInForce == "" {
		t.Error("a product whose last unit was placed before 2027-12-11 is not under Annex I")
	}
	if r := find(t, a, "CRA-14.8"); r.NotInForce != "" {
		t.Error("Art. 14 applies to it all the same (Art. 69(3))")
	}
}

func TestCRAArt13_8_SmartPlugSupportPeriodFromPlacingOnMarket(t *testing.T) {
	d := loadExample(t, "smart-plug")
	if r := find(t, evalOn(t, d, "2026-12-03"), idCRASupport); r.Status != Met || !strings.Contains(r.Reasons[0], "market.lastPlaced") {
		t.Errorf("support period: %s %v", r.Status, r.Reasons)
	}
	d.Market.LastPlaced = dossier.NewDate(2029, 6, 30)
	if r := find(t, evalOn(t, d, "2026-12-03"), idCRASupport); r.Status != NotMet {
		t.Errorf("units placed until 2029 need support until 2036: %s %v", r.Status, r.Reasons)
	}
}

func TestCRAArt13_8_WarningWhenSupportEndsWithin12Months(t *testing.T) {
	a := evalOn(t, loadExample(t, "security-camera"), "2028-09-01")
	if !strings.Contains(strings.Join(a.Warnings, " "), "within 12 months") {
		t.Errorf("warnings: %v", a.Warnings)
	}
}

func TestFCC47CFR8208j_ManufacturerDocumentDoesNotSettleNISTIR8425(t *testing.T) {
	a := evalOn(t, loadExample(t, "smart-plug"), "2026-12-03")
	// 7.1a is demonstrated by the manufacturer's own risk assessment only.
	if r := find(t, a, "NISTIR8425-7.1a"); r.Status != Unknown || r.Awaiting != catalog.ProducerLab {
		t.Errorf("7.1a: %s awaiting %q", r.Status, r.Awaiting)
	}
	// 2b is only reachable through the crosswalk from the manufacturer's CRA documents.
	if r := find(t, a, "NISTIR8425-2b"); r.Status == Met {
		t.Errorf("reuse must not upgrade the manufacturer's evidence: 2b %s", r.Status)
	}
	// 3a is in the CyberLAB report.
	if r := find(t, a, "NISTIR8425-3a"); r.Status != Met {
		t.Errorf("3a from the CyberLAB: %s", r.Status)
	}
	if v := a.Regimes[RegimeUSCTM].Verdict; v != ReadyForTesting || !strings.Contains(a.Regimes[RegimeUSCTM].VerdictReason, "no test standard") {
		t.Errorf("us-ctm: %s %s", v, a.Regimes[RegimeUSCTM].VerdictReason)
	}
}

func TestFCC47CFR8208j_LabWithoutAccreditationCountsAsManufacturer(t *testing.T) {
	d := loadExample(t, "smart-plug")
	for i := range d.Evidence {
		d.Evidence[i].Accreditation = ""
	}
	if r := find(t, evalOn(t, d, "2026-12-03"), "NISTIR8425-3a"); r.Status == Met {
		t.Error("a lab report without a stated accreditation must not settle a NIST IR 8425 outcome")
	}
}

func TestSmartPlugNothingNegativeOnItsAssessmentDates(t *testing.T) {
	for _, on := range []string{"2026-12-03", "2027-12-11"} {
		a := evalOn(t, loadExample(t, "smart-plug"), on)
		for _, r := range a.Order {
			if Negative(a.Regimes[r].Verdict) {
				t.Errorf("%s: %s %s: %s", on, r, a.Regimes[r].Verdict, a.Regimes[r].VerdictReason)
			}
		}
	}
}

func TestUnknownStandardReferenceIsAWarning(t *testing.T) {
	d := loadExample(t, "smart-plug")
	d.Conformity.Standards = append(d.Conformity.Standards, dossier.Standard{Reference: "XYZ 1234:2025", Harmonised: ptr(true)})
	a := evalOn(t, d, "2026-12-03")
	if !strings.Contains(strings.Join(a.Warnings, " "), "XYZ 1234:2025") {
		t.Errorf("an unknown standard must be named: warnings %v", a.Warnings)
	}
}

func TestRED2014_53_Art17_3_NoPresumptionWhenThePasswordIsOptional(t *testing.T) {
	d := loadExample(t, "smart-plug")
	if v := evalOn(t, d, "2026-12-03").Regimes[RegimeREDDA].Verdict; v != Conforms {
		t.Fatalf("the plug applies EN 18031-1/-2 in full: %s", v)
	}
	d.Authentication.PasswordOptional = ptr(true)
	rr := evalOn(t, d, "2026-12-03").Regimes[RegimeREDDA]
	if rr.Verdict != Incomplete || !strings.Contains(rr.VerdictReason, "Art. 17(3)") {
		t.Errorf("OJ restriction: %s %s", rr.Verdict, rr.VerdictReason)
	}
}

func TestRED2014_53_Art17_3_NoEN18031MeansANotifiedBody(t *testing.T) {
	d := loadExample(t, "smart-plug")
	d.Conformity.Standards = d.Conformity.Standards[:1]
	if rr := evalOn(t, d, "2026-12-03").Regimes[RegimeREDDA]; rr.Verdict != Incomplete {
		t.Errorf("without EN 18031: %s %s", rr.Verdict, rr.VerdictReason)
	}
}
