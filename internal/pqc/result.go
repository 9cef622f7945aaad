package pqc

import (
	"time"

	"github.com/dualmark/dualmark/internal/sbom"
)

// Statuses of an asset on the assessment date and over the support period.
const (
	// StatusOK: quantum-safe.
	StatusOK = "ok"
	// StatusAcceptable: quantum-vulnerable, but acceptable until after the
	// support period ends (or no support end was given).
	StatusAcceptable = "acceptable"
	// StatusMigrate: acceptable now, but the support period runs past the
	// deadline.
	StatusMigrate = "migrate"
	// StatusForbidden: broken, or past its deadline on the assessment date.
	StatusForbidden = "forbidden"
	// StatusUnknown: not rated.
	StatusUnknown = "unknown"
)

// Inputs of a Result.
const (
	InputCBOM    = "cbom"
	InputDossier = "dossier"
)

// Options tune a check. The zero value rates on today's date without a
// support period, with the embedded policy.
type Options struct {
	// On is the assessment date (zero: today, UTC).
	On time.Time
	// SupportUntil is the last day of the support period (zero: unknown;
	// then no asset is judged over the support period).
	SupportUntil time.Time
	// Policy replaces the embedded policy (tests).
	Policy *Policy
}

// Result is the post-quantum readiness of one product.
type Result struct {
	// Input is InputCBOM or InputDossier; File the CBOM or dossier path.
	Input         string `json:"input"`
	File          string `json:"file,omitempty"`
	On            string `json:"on"`
	SupportUntil  string `json:"supportUntil,omitempty"`
	PolicyVersion string `json:"policyVersion"`
	// Ready is true when no asset has a finding (and there is at least
	// one asset).
	Ready bool `json:"ready"`
	// Readiness is one line a consumer understands.
	Readiness string         `json:"readiness"`
	Counts    map[string]int `json:"counts"`
	Assets    []AssetResult  `json:"assets"`
	Findings  []Finding      `json:"findings"`
	// Warnings are flaws of the input (dangling refs, impossible values,
	// claims that contradict the policy), each naming component and field.
	Warnings []sbom.Warning `json:"warnings"`
	// Sources are the documents the rules used rest on.
	Sources []Source `json:"sources"`
}

// AssetResult is the rating of one asset.
type AssetResult struct {
	Ref       string `json:"ref,omitempty"`
	Name      string `json:"name"`
	Location  string `json:"location,omitempty"`
	AssetType string `json:"assetType"`
	// Families are the algorithm families recognised, e.g. ["RSA", "SHA-2"].
	Families []string `json:"families,omitempty"`
	// Strength is the classical security strength in bits of its
	// quantum-vulnerable part (0: not known or not applicable).
	Strength int      `json:"strength,omitempty"`
	Purposes []string `json:"purposes,omitempty"`
	Rating   string   `json:"rating"`
	// Hybrid is true for a post-quantum algorithm combined with a
	// classical one.
	Hybrid bool   `json:"hybrid,omitempty"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	// Deadline is the last day a quantum-vulnerable asset is acceptable,
	// under the rule DeadlineRule.
	Deadline     string `json:"deadline,omitempty"`
	DeadlineRule string `json:"deadlineRule,omitempty"`
	// Sources are the IDs of the policy sources of the rating.
	Sources []string `json:"sources,omitempty"`
	// UsedBy names the components that depend on or provide the asset.
	UsedBy []string `json:"usedBy,omitempty"`
}

// Finding is an asset that keeps the product from being ready.
type Finding struct {
	Ref      string `json:"ref,omitempty"`
	Name     string `json:"name"`
	Location string `json:"location,omitempty"`
	// Status is StatusForbidden, StatusMigrate or StatusUnknown.
	Status   string `json:"status"`
	Message  string `json:"message"`
	Next     string `json:"next"`
	Deadline string `json:"deadline,omitempty"`
}
