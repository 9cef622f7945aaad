package dossier

import (
	"fmt"
	"reflect"
	"strings"
)

// Reference returns a Markdown table of every dossier field (path, type,
// whether required, allowed values, description), generated from the same
// types and tags as the loader and the schema. docs/dossier-reference.md is
// this output.
func Reference() string {
	var b strings.Builder
	b.WriteString("# Dossier field reference\n\n")
	b.WriteString("Generated from the Go types (`go test ./internal/dossier -update`); see DOSSIER.md for how to write a dossier.\n")
	b.WriteString("`[]` marks a list; `{key: text}` a map.\n\n")
	b.WriteString("| Field | Type | Required | Allowed values | Description |\n|---|---|---|---|---|\n")
	refFields(&b, dossierType, "")
	return b.String()
}

func refFields(b *strings.Builder, t reflect.Type, prefix string) {
	for _, f := range fieldsOf(t) {
		path := joinPath(prefix, f.name)
		elem, typ := f.typ, ""
		for elem.Kind() == reflect.Pointer {
			elem = elem.Elem()
		}
		switch {
		case elem == dateType:
			typ = "date"
		case elem.Kind() == reflect.Slice:
			elem = elem.Elem()
			path += "[]"
			typ = "list of " + kindWord(elem)
		case elem.Kind() == reflect.Map:
			typ = "{key: " + kindWord(elem.Elem()) + "}"
		default:
			typ = kindWord(elem)
		}
		req := ""
		if f.required {
			req = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", path, typ, req, strings.Join(f.enum, ", "), strings.ReplaceAll(f.doc, "|", `\|`))
		if elem.Kind() == reflect.Struct && elem != dateType {
			refFields(b, elem, path)
		}
	}
}

func kindWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == dateType:
		return "date"
	case t.Kind() == reflect.Struct:
		return "object"
	case t.Kind() == reflect.Bool:
		return "true/false"
	case t.Kind() == reflect.Int:
		return "integer"
	}
	return "text"
}
