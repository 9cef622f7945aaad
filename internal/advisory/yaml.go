package advisory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// maxYAMLJSON bounds the JSON a YAML document may expand to (aliases can
// multiply it), so a hostile file cannot exhaust memory.
const maxYAMLJSON = 16 << 20

// yamlToJSON converts one YAML document to JSON for decoding into a Record.
// Scalars become JSON strings, because OSV's typed fields are all strings
// and YAML would otherwise turn a version such as 1.10 into the number 1.1;
// only inside database_specific and ecosystem_specific, which are free-form,
// numbers, booleans and nulls keep their YAML types.
func yamlToJSON(data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind == 0 {
		return nil, errors.New("empty YAML document")
	}
	var buf bytes.Buffer
	if err := writeYAMLNode(&buf, &doc, false, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeYAMLNode(buf *bytes.Buffer, n *yaml.Node, typed bool, depth int) error {
	if depth > 200 {
		return fmt.Errorf("line %d: YAML nested too deeply", n.Line)
	}
	if buf.Len() > maxYAMLJSON {
		return fmt.Errorf("line %d: YAML document expands beyond %d bytes", n.Line, maxYAMLJSON)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			buf.WriteString("null")
			return nil
		}
		return writeYAMLNode(buf, n.Content[0], typed, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return fmt.Errorf("line %d: unresolved YAML alias", n.Line)
		}
		return writeYAMLNode(buf, n.Alias, typed, depth+1)
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeYAMLNode(buf, c, typed, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			k := n.Content[i]
			key, _ := json.Marshal(k.Value)
			buf.Write(key)
			buf.WriteByte(':')
			free := typed || k.Value == "database_specific" || k.Value == "ecosystem_specific"
			if err := writeYAMLNode(buf, n.Content[i+1], free, depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.ScalarNode:
		writeYAMLScalar(buf, n, typed)
	default:
		return fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
	return nil
}

func writeYAMLScalar(buf *bytes.Buffer, n *yaml.Node, typed bool) {
	if n.Tag == "!!null" {
		buf.WriteString("null")
		return
	}
	if typed {
		switch n.Tag {
		case "!!bool":
			if b, err := strconv.ParseBool(n.Value); err == nil {
				buf.WriteString(strconv.FormatBool(b))
				return
			}
		case "!!int", "!!float":
			if _, err := strconv.ParseFloat(n.Value, 64); err == nil && json.Valid([]byte(n.Value)) {
				buf.WriteString(n.Value)
				return
			}
		}
	}
	s, _ := json.Marshal(n.Value)
	buf.Write(s)
}
