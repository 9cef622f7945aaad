package label

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// This file decodes label statements without encoding/json's reflection:
// after the two signature checks, JSON decoding of the statement was the
// largest remaining cost of verification (see docs/bench/label.md). The
// decoder is strict (exact key names, no trailing data), handles every JSON
// value so unknown fields are skipped, and is checked against encoding/json
// by round-trip tests and a fuzz target.

// jdec is a minimal JSON reader over a byte slice.
type jdec struct {
	b []byte
	i int
}

var errJSONSyntax = errors.New("malformed JSON")

func (d *jdec) fail() error { return fmt.Errorf("%w at offset %d", errJSONSyntax, d.i) }

func (d *jdec) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (d *jdec) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *jdec) lit(s string) error {
	if len(d.b)-d.i < len(s) || string(d.b[d.i:d.i+len(s)]) != s {
		return d.fail()
	}
	d.i += len(s)
	return nil
}

// null consumes a null literal if one is next.
func (d *jdec) null() bool {
	if d.peek() == 'n' && d.lit("null") == nil {
		return true
	}
	return false
}

// object calls fn for each member; fn must consume the value. null is an
// empty object.
func (d *jdec) object(fn func(key []byte) error) error {
	if d.null() {
		return nil
	}
	if d.peek() != '{' {
		return d.fail()
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.fail()
		}
		key, err := d.bytesStr()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.fail()
		}
		d.i++
		if err := fn(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.fail()
		}
	}
}

// array calls fn for each element; null is an empty array.
func (d *jdec) array(fn func() error) error {
	if d.null() {
		return nil
	}
	if d.peek() != '[' {
		return d.fail()
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.fail()
		}
	}
}

// str reads a string value; null reads as "".
func (d *jdec) str() (string, error) {
	b, err := d.bytesStr()
	return string(b), err
}

// bytesStr reads a string value without copying when it has no escapes or
// non-ASCII bytes (the returned slice aliases the input); null reads as "".
func (d *jdec) bytesStr() ([]byte, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '"' {
		return nil, d.fail()
	}
	d.i++
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return d.slowStr(start)
		case c < 0x20:
			return nil, d.fail()
		}
		d.i++
	}
	return nil, d.fail()
}

// slowStr finishes a string with escapes or non-ASCII bytes, decoding like
// encoding/json (invalid UTF-8 and lone surrogates become U+FFFD).
func (d *jdec) slowStr(start int) ([]byte, error) {
	out := append([]byte(nil), d.b[start:d.i]...)
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return out, nil
		case c < 0x20:
			return nil, d.fail()
		case c == '\\':
			if d.i+1 >= len(d.b) {
				return nil, d.fail()
			}
			e := d.b[d.i+1]
			d.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, ok := d.hex4()
				if !ok {
					return nil, d.fail()
				}
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if d.i+1 < len(d.b) && d.b[d.i] == '\\' && d.b[d.i+1] == 'u' {
						save := d.i
						d.i += 2
						var ok2 bool
						if r2, ok2 = d.hex4(); !ok2 {
							return nil, d.fail()
						}
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							r, r2 = dec, -1
						} else {
							d.i = save
							r2 = -1
							r = utf8.RuneError
						}
					} else {
						r = utf8.RuneError
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, d.fail()
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.i++
		default:
			r, size := utf8.DecodeRune(d.b[d.i:])
			d.i += size
			out = utf8.AppendRune(out, r)
		}
	}
	return nil, d.fail()
}

func (d *jdec) hex4() (rune, bool) {
	if len(d.b)-d.i < 4 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(d.b[d.i:d.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	d.i += 4
	return rune(v), true
}

// boolPtr reads true, false or null.
func (d *jdec) boolPtr() (*bool, error) {
	switch d.peek() {
	case 't':
		v := true
		return &v, d.lit("true")
	case 'f':
		v := false
		return &v, d.lit("false")
	case 'n':
		return nil, d.lit("null")
	}
	return nil, d.fail()
}

// skip consumes any value.
func (d *jdec) skip() error {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func([]byte) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		_, err := d.bytesStr()
		return err
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		start := d.i
		for d.i < len(d.b) && (d.b[d.i] == '-' || d.b[d.i] == '+' || d.b[d.i] == '.' || d.b[d.i] == 'e' || d.b[d.i] == 'E' || (d.b[d.i] >= '0' && d.b[d.i] <= '9')) {
			d.i++
		}
		if _, err := strconv.ParseFloat(string(d.b[start:d.i]), 64); err != nil {
			return d.fail()
		}
		return nil
	}
	return d.fail()
}

func (d *jdec) strMap() (map[string]string, error) {
	var m map[string]string
	err := d.object(func(k []byte) error {
		v, err := d.str()
		if m == nil {
			m = map[string]string{}
		}
		m[string(k)] = v
		return err
	})
	return m, err
}

// decodeLabelStatement decodes a label statement and its predicate.
func decodeLabelStatement(b []byte) (*Statement, *Predicate, error) {
	d := &jdec{b: b}
	st := &Statement{}
	var pred *Predicate
	err := d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "_type":
			st.Type, err = d.str()
		case "predicateType":
			st.PredicateType, err = d.str()
		case "subject":
			err = d.array(func() error {
				var rd ResourceDescriptor
				err := d.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "name":
						rd.Name, err = d.str()
					case "uri":
						rd.URI, err = d.str()
					case "mediaType":
						rd.MediaType, err = d.str()
					case "digest":
						rd.Digest, err = d.strMap()
					default:
						err = d.skip()
					}
					return err
				})
				st.Subject = append(st.Subject, rd)
				return err
			})
		case "predicate":
			if d.null() {
				return nil
			}
			pred = &Predicate{}
			err = d.predicate(pred)
		default:
			err = d.skip()
		}
		return err
	})
	if err == nil && d.peek() != 0 {
		err = d.fail()
	}
	if err != nil {
		return nil, nil, err
	}
	return st, pred, nil
}

func (d *jdec) predicate(p *Predicate) error {
	return d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "product":
			err = d.product(&p.Product)
		case "regimes":
			err = d.object(func(idb []byte) error {
				var v Verdict
				err := d.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "verdict":
						v.Verdict, err = d.str()
					case "readiness":
						v.Readiness, err = d.str()
					default:
						err = d.skip()
					}
					return err
				})
				if p.Regimes == nil {
					p.Regimes = map[string]Verdict{}
				}
				p.Regimes[string(idb)] = v
				return err
			})
		case "supportPeriodEnd":
			p.SupportPeriodEnd, err = d.str()
		case "postQuantum":
			p.PostQuantum, err = d.str()
		case "updatePolicy":
			if d.null() {
				return nil
			}
			u := &UpdatePolicy{}
			p.UpdatePolicy = u
			err = d.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "mechanism":
					u.Mechanism, err = d.str()
				case "automatic":
					u.Automatic, err = d.boolPtr()
				case "signed":
					u.Signed, err = d.boolPtr()
				default:
					err = d.skip()
				}
				return err
			})
		case "assessment":
			err = d.object(func(k []byte) error {
				var err error
				switch string(k) {
				case "digest":
					p.Assessment.Digest, err = d.strMap()
				case "mediaType":
					p.Assessment.MediaType, err = d.str()
				case "name":
					p.Assessment.Name, err = d.str()
				default:
					err = d.skip()
				}
				return err
			})
		case "issuer":
			p.Issuer, err = d.str()
		case "issuedAt":
			var s string
			if s, err = d.str(); err == nil && s != "" {
				p.IssuedAt, err = time.Parse(time.RFC3339Nano, s)
			}
		default:
			err = d.skip()
		}
		return err
	})
}

func (d *jdec) product(p *Product) error {
	return d.object(func(k []byte) error {
		var err error
		switch string(k) {
		case "name":
			p.Name, err = d.str()
		case "manufacturer":
			p.Manufacturer, err = d.str()
		case "brand":
			p.Brand, err = d.str()
		case "model":
			p.Model, err = d.str()
		case "type":
			p.Type, err = d.str()
		case "hardwareVersion":
			p.HardwareVersion, err = d.str()
		case "firmwareVersion":
			p.FirmwareVersion, err = d.str()
		case "identifiers":
			err = d.array(func() error {
				var id Identifier
				err := d.object(func(k []byte) error {
					var err error
					switch string(k) {
					case "type":
						id.Type, err = d.str()
					case "value":
						id.Value, err = d.str()
					default:
						err = d.skip()
					}
					return err
				})
				p.Identifiers = append(p.Identifiers, id)
				return err
			})
		default:
			err = d.skip()
		}
		return err
	})
}
