// Package dossier reads and validates the product dossier: the one YAML
// description of a connected product (identity, CRA class, support period,
// updates, interfaces, authentication, cryptography, data, logging,
// vulnerability handling, bills of materials, FCC declarations, evidence and
// not-applicable claims) that assessment and paperwork start from.
//
// Loading is strict: a wrong type, an unknown or missing field, a bad date or
// enum value, an evidence file whose SHA-256 does not match, or an unknown
// requirement ID is reported as "file:line: field.path: message".
package dossier
