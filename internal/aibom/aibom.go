// Package aibom lists the machine-learning models and datasets of an SBOM
// (CycloneDX machine-learning-model and data components with model cards,
// SPDX 3 ai_AIPackage and dataset_DatasetPackage) and checks their
// provenance: where the model comes from, its hash, the datasets it was
// trained or tested on, and whether a model card is given. It also states
// the CRA Art. 12 link between the CRA essential requirements and the AI
// Act's cybersecurity requirement for high-risk AI systems.
package aibom

import (
	"fmt"
	"strings"

	"github.com/dualmark/dualmark/internal/sbom"
)

// Check IDs.
const (
	CheckSource   = "ai-source"
	CheckHash     = "ai-hash"
	CheckDatasets = "ai-dataset-refs"
	CheckCard     = "ai-model-card"
)

// Report is the AI inventory of one SBOM.
type Report struct {
	Models   []Item `json:"models"`
	Datasets []Item `json:"datasets"`
	// Pass is true when every mandatory check of every item passed (and
	// vacuously when there are no models or datasets).
	Pass bool `json:"pass"`
}

// Item is one model or dataset with its provenance checks.
type Item struct {
	Ref      string `json:"ref,omitempty"`
	Name     string `json:"name"`
	Version  string `json:"version,omitempty"`
	Location string `json:"location"`
	// Task is the model task or type (CycloneDX modelParameters.task,
	// SPDX 3 ai_typeOfModel).
	Task string `json:"task,omitempty"`
	// Datasets names the datasets of a model (name or ref, and relation).
	Datasets []string      `json:"datasets,omitempty"`
	Checks   []CheckResult `json:"checks"`
}

// CheckResult is one provenance check.
type CheckResult struct {
	ID   string `json:"id"`
	Pass bool   `json:"pass"`
	// Mandatory checks decide Pass; the others are advice.
	Mandatory bool   `json:"mandatory"`
	Detail    string `json:"detail"`
}

// Check inventories the models and datasets of doc.
func Check(doc *sbom.Document) *Report {
	r := &Report{Models: []Item{}, Datasets: []Item{}, Pass: true}
	refs := map[string]bool{}
	for i := range doc.Components {
		if doc.Components[i].Ref != "" {
			refs[doc.Components[i].Ref] = true
		}
	}
	models, datasets := doc.Models()
	for _, i := range models {
		it := modelItem(&doc.Components[i], refs)
		r.Models = append(r.Models, it)
		r.Pass = r.Pass && passed(it)
	}
	for _, i := range datasets {
		it := datasetItem(&doc.Components[i])
		r.Datasets = append(r.Datasets, it)
		r.Pass = r.Pass && passed(it)
	}
	return r
}

func passed(it Item) bool {
	for _, c := range it.Checks {
		if c.Mandatory && !c.Pass {
			return false
		}
	}
	return true
}

func item(c *sbom.Component) Item {
	return Item{Ref: c.Ref, Name: c.Name, Version: c.Version, Location: c.Location}
}

// source says where a component comes from: supplier, creator, download
// or source URL, purl.
func source(c *sbom.Component) string {
	x := c.X()
	var parts []string
	for _, p := range []struct{ k, v string }{{"supplier", c.Supplier}, {"creator", x.Creator}, {"download", x.DownloadURL}, {"source", x.SourceURL}, {"purl", c.PURL}} {
		if p.v != "" {
			parts = append(parts, p.k+" "+p.v)
		}
	}
	return strings.Join(parts, ", ")
}

func hashCheck(c *sbom.Component, mandatory bool) CheckResult {
	hs := append(append([]sbom.Hash{}, c.Hashes...), c.X().DeployableHashes...)
	if len(hs) == 0 {
		return CheckResult{ID: CheckHash, Mandatory: mandatory, Detail: "no hash: the file cannot be checked against what the supplier published"}
	}
	return CheckResult{ID: CheckHash, Pass: true, Mandatory: mandatory, Detail: fmt.Sprintf("%s %s", hs[0].Algorithm, hs[0].Value)}
}

func modelItem(c *sbom.Component, refs map[string]bool) Item {
	it := item(c)
	ai := c.X().AI
	if ai == nil {
		ai = &sbom.AIInfo{}
	}
	it.Task = firstNonEmpty(ai.Task, ai.Approach)
	if s := source(c); s != "" {
		it.Checks = append(it.Checks, CheckResult{ID: CheckSource, Pass: true, Mandatory: true, Detail: s})
	} else {
		it.Checks = append(it.Checks, CheckResult{ID: CheckSource, Mandatory: true, Detail: "no supplier, creator, download URL or purl says where the model comes from"})
	}
	it.Checks = append(it.Checks, hashCheck(c, true))
	var dangling []string
	for _, d := range ai.Datasets {
		name := firstNonEmpty(d.Name, d.Ref, d.URL)
		it.Datasets = append(it.Datasets, name+" ("+d.Relation+")")
		if d.Ref != "" && !refs[d.Ref] && d.URL == "" && d.Name == "" {
			dangling = append(dangling, d.Ref)
		}
	}
	switch {
	case len(ai.Datasets) == 0:
		it.Checks = append(it.Checks, CheckResult{ID: CheckDatasets, Mandatory: true, Detail: "no training or test dataset is named (modelCard.modelParameters.datasets, or SPDX 3 trainedOn/testedOn)"})
	case len(dangling) > 0:
		it.Checks = append(it.Checks, CheckResult{ID: CheckDatasets, Mandatory: true, Detail: "dataset refs name no component: " + strings.Join(dangling, ", ")})
	default:
		it.Checks = append(it.Checks, CheckResult{ID: CheckDatasets, Pass: true, Mandatory: true, Detail: strings.Join(it.Datasets, "; ")})
	}
	if ai.ModelCard {
		it.Checks = append(it.Checks, CheckResult{ID: CheckCard, Pass: true, Mandatory: true, Detail: "model card: " + strings.Join(ai.ModelCardFields, ", ")})
	} else {
		it.Checks = append(it.Checks, CheckResult{ID: CheckCard, Mandatory: true, Detail: "no model card (CycloneDX modelCard, or SPDX 3 ai_ properties)"})
	}
	return it
}

func datasetItem(c *sbom.Component) Item {
	it := item(c)
	if s := source(c); s != "" {
		it.Checks = append(it.Checks, CheckResult{ID: CheckSource, Pass: true, Mandatory: true, Detail: s})
	} else {
		it.Checks = append(it.Checks, CheckResult{ID: CheckSource, Mandatory: true, Detail: "no supplier, creator or download URL says where the data comes from"})
	}
	it.Checks = append(it.Checks, hashCheck(c, false))
	return it
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Article12 is the CRA Art. 12 link for a product that is a high-risk AI
// system under the AI Act.
type Article12 struct {
	Text string `json:"text"`
	// Covers are the CRA requirements whose fulfilment counts for the AI
	// Act Art. 15 cybersecurity requirement.
	Covers []string `json:"covers"`
	// Confidence is "U": the link is paraphrased from memory of the CRA
	// text and not in the project's regulatory fact sheet.
	Confidence string `json:"confidence"`
}

// CRAArticle12 returns the link shown for products that declare a high-risk
// AI use. The requirement list is Annex I Part I (1) and (2)(a)-(m) and Part
// II (1)-(8).
func CRAArticle12() Article12 {
	covers := []string{"CRA-I.1"}
	for c := 'a'; c <= 'm'; c++ {
		covers = append(covers, "CRA-I.2."+string(c))
	}
	for i := 1; i <= 8; i++ {
		covers = append(covers, fmt.Sprintf("CRA-II.%d", i))
	}
	return Article12{
		Text: "CRA Art. 12: a product with digital elements that is also a high-risk AI system under Art. 6 of the AI Act (Regulation (EU) 2024/1689) " +
			"and meets the essential requirements of CRA Annex I Parts I and II is deemed to meet the cybersecurity requirement of AI Act Art. 15, " +
			"as far as the EU declaration of conformity under the CRA shows it [U: not yet confirmed against the official text]",
		Covers:     covers,
		Confidence: "U",
	}
}
