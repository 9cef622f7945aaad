package purl

import (
	"fmt"
	"strings"
)

// typeRule holds the per-type rules of the purl-spec type definitions
// (types/*-definition.json), transcribed by hand.
type typeRule struct {
	namespace int  // nsOptional, nsRequired, nsProhibited
	lowerNS   bool // namespace is case-insensitive: fold to lower case
	lowerName bool
	lowerVer  bool
	extra     func(p PURL) (PURL, error) // by value: a pointer through a func value made every parsed purl escape to the heap
	required  []string                   // qualifier keys that must be present
}

const (
	nsOptional = iota
	nsRequired
	nsProhibited
)

var typeRules = map[string]typeRule{
	"alpm":             {namespace: nsRequired, lowerNS: true, lowerName: true},
	"apk":              {namespace: nsRequired, lowerNS: true, lowerName: true},
	"bazel":            {namespace: nsProhibited},
	"bitbucket":        {namespace: nsRequired, lowerNS: true, lowerName: true},
	"bitnami":          {namespace: nsProhibited, lowerName: true},
	"brew":             {lowerNS: true, lowerName: true},
	"cargo":            {namespace: nsProhibited},
	"chrome-extension": {namespace: nsProhibited, lowerName: true, extra: chromeRules},
	"cocoapods":        {namespace: nsProhibited},
	"composer":         {namespace: nsRequired, lowerNS: true, lowerName: true},
	"conda":            {namespace: nsProhibited},
	"cpan":             {extra: cpanRules},
	"cran":             {namespace: nsProhibited},
	"deb":              {namespace: nsRequired, lowerNS: true, lowerName: true},
	"gem":              {namespace: nsProhibited},
	"git":              {namespace: nsRequired, lowerNS: true, lowerName: true, extra: gitRules},
	"github":           {namespace: nsRequired, lowerNS: true, lowerName: true},
	"golang":           {namespace: nsRequired},
	"hackage":          {namespace: nsProhibited},
	"hex":              {lowerNS: true, lowerName: true},
	"huggingface":      {namespace: nsRequired, lowerVer: true},
	"julia":            {namespace: nsProhibited, required: []string{"uuid"}},
	"luarocks":         {lowerNS: true, lowerName: true},
	"maven":            {namespace: nsRequired},
	"mlflow":           {namespace: nsProhibited, extra: mlflowRules},
	"nuget":            {namespace: nsProhibited},
	"oci":              {namespace: nsProhibited, lowerName: true, lowerVer: true},
	"opam":             {namespace: nsProhibited},
	"otp":              {namespace: nsProhibited, lowerName: true},
	"pub":              {namespace: nsProhibited, lowerName: true, extra: pubRules},
	"pypi":             {namespace: nsProhibited, lowerName: true, lowerVer: true, extra: pypiRules},
	"qpkg":             {namespace: nsRequired, lowerNS: true},
	"rpm":              {namespace: nsRequired, lowerNS: true},
	"swift":            {namespace: nsRequired},
	"vcpkg":            {namespace: nsProhibited},
	"vscode-extension": {namespace: nsRequired, lowerNS: true, lowerName: true, lowerVer: true},
	"yocto":            {lowerNS: true},
}

func applyTypeRules(p *PURL) error {
	r, ok := typeRules[p.Type]
	if !ok {
		return nil // unknown types follow the generic rules only
	}
	switch {
	case r.namespace == nsRequired && p.Namespace == "":
		return &Error{Field: "namespace", Msg: fmt.Sprintf("type %s requires a namespace", p.Type)}
	case r.namespace == nsProhibited && p.Namespace != "":
		return &Error{Field: "namespace", Msg: fmt.Sprintf("type %s must not have a namespace", p.Type)}
	}
	if r.lowerNS {
		p.Namespace = strings.ToLower(p.Namespace)
	}
	if r.lowerName {
		p.Name = strings.ToLower(p.Name)
	}
	if r.lowerVer {
		p.Version = strings.ToLower(p.Version)
	}
	for _, k := range r.required {
		if p.Qualifier(k) == "" {
			return &Error{Field: "qualifiers", Msg: fmt.Sprintf("type %s requires the %q qualifier", p.Type, k)}
		}
	}
	if r.extra != nil {
		q, err := r.extra(*p)
		if err != nil {
			return err
		}
		*p = q
	}
	return nil
}

func pypiRules(p PURL) (PURL, error) {
	p.Name = strings.ReplaceAll(p.Name, "_", "-")
	return p, nil
}

func pubRules(p PURL) (PURL, error) {
	b := []byte(p.Name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	p.Name = string(b)
	return p, nil
}

func cpanRules(p PURL) (PURL, error) {
	if strings.Contains(p.Name, "::") {
		return p, &Error{Field: "name", Msg: "a CPAN distribution name must not contain '::' (that is a module name)"}
	}
	p.Namespace = strings.ToUpper(p.Namespace)
	return p, nil
}

func mlflowRules(p PURL) (PURL, error) {
	if strings.Contains(p.Qualifier("repository_url"), "databricks") {
		p.Name = strings.ToLower(p.Name)
	}
	return p, nil
}

// chromeRules: a 32-letter a–p extension ID and a 1–4 part numeric version.
func chromeRules(p PURL) (PURL, error) {
	if len(p.Name) != 32 || strings.Trim(p.Name, "abcdefghijklmnop") != "" {
		return p, &Error{Field: "name", Msg: "a Chrome extension ID is 32 letters a-p"}
	}
	if p.Version == "" {
		return p, nil
	}
	parts := strings.Split(p.Version, ".")
	if len(parts) > 4 {
		return p, &Error{Field: "version", Msg: "a Chrome extension version has at most 4 parts"}
	}
	for _, s := range parts {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			return p, &Error{Field: "version", Msg: "a Chrome extension version is dot-separated integers"}
		}
	}
	return p, nil
}

// gitRules: the name is the repository path below the host; empty
// segments carry no meaning.
func gitRules(p PURL) (PURL, error) {
	p.Name = cleanPath(p.Name)
	if p.Name == "" {
		return p, &Error{Field: "name", Msg: "a name is required"}
	}
	return p, nil
}
