package sbom

import (
	"bytes"
	"errors"
	"hash/crc32"
	"io"
	"unsafe"

	"github.com/tidwall/gjson"
)

// streamMinBytes is the file size from which ParseFile streams a CycloneDX
// JSON file (parseCycloneDXJSONStream) instead of reading it whole; a
// variable so that the tests can stream every file.
var streamMinBytes int64 = 8 << 20

// streamWindow is how many bytes of the file the streamed reader holds at
// a time; a variable so that the tests can make values span windows.
var streamWindow = 1 << 20

// errNoStream says that parseCycloneDXJSONStream leaves the file to the
// reader of whole documents: not CycloneDX JSON as far as the first bytes
// tell, malformed, nested too deep, or a shape it does not stream. That
// reader then makes the document or the error, so streaming never changes
// what a file reads as.
var errNoStream = errors.New("not streamed")

// parseCycloneDXJSONStream reads an uncompressed CycloneDX JSON file of
// size bytes from r without holding it whole (issue 16). The document's
// bytes were the 1x of the "3x the file" memory target, kept alive to the
// end because every string of the model was a view of them; here the file
// is read twice in 1 MB windows:
//
//   - the first pass checks the document's skeleton (the root object, its
//     "components" and "dependencies" arrays), validates every value with
//     gjson, checks the nesting depth, counts the components at every depth
//     (so that doc.Components is allocated once, at its final size) and
//     keeps the small root values (bomFormat, specVersion, serialNumber,
//     metadata);
//   - the second reads the components and the dependencies one array
//     element at a time through the walker of parseCycloneDXJSONFast, with
//     a strArena that copies the strings the model keeps into shared 64 KB
//     blocks (a component's purl, ref and location are about 50 bytes where
//     its JSON is 150; name and version are views of the purl when it
//     spells them, dependency refs the components' own refs).
//
// The result is the document parseCycloneDXJSONFast makes of the same
// bytes (TestStreamMatchesWhole); anything else returns errNoStream.
func parseCycloneDXJSONStream(r io.ReaderAt, size int64, maxDepth int) (*Document, error) {
	if maxDepth < 0 {
		maxDepth = 1 << 30
	}
	head := make([]byte, min(size, 64<<10))
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, errNoStream
	}
	if kind, err := detect(head); err != nil || kind != kindCycloneDXJSON || !bytes.Contains(head, []byte(`"bomFormat"`)) {
		return nil, errNoStream // a marker only further on: the whole document decides
	}
	sc := &jsonScanner{r: r, size: size, win: make([]byte, 0, streamWindow), maxDepth: maxDepth}
	var raw cdxJSON
	var compsAt, depsAt int64 = -1, -1
	// the bytes of every array element, summed in each pass: the second
	// pass reads what the first validated only if nobody changed the file
	// in between (a different sum leaves the file to the whole reader,
	// which reads it once); CRC-32C runs at several GB/s, a few ms per
	// 100 MB against the seconds of reading it
	// (per array: a repeated key's last array is the one read again)
	var compsFirst, compsSecond, depsFirst, depsSecond uint32
	sum := func(acc *uint32, v []byte) { *acc = crc32.Update(*acc, castagnoli, v) }
	nComps, nDeps := 0, 0
	err := sc.object(func(key string, first byte) error {
		switch {
		case key == "components" && first == '[':
			nComps, compsFirst = 0, 0
			defer func() { compsAt = sc.off }()
			return sc.array(2, func(v []byte) error {
				if !gjson.ValidBytes(v) {
					return errNoStream
				}
				sum(&compsFirst, v)
				nComps++
				if bytes.Contains(v, []byte(`"components"`)) {
					if c := gjson.ParseBytes(v).Get("components"); c.IsArray() {
						nComps += countComponents(c, len(v))
					}
				}
				return nil
			})
		case key == "dependencies" && first == '[':
			nDeps, depsFirst = 0, 0
			defer func() { depsAt = sc.off }()
			return sc.array(2, func(v []byte) error {
				if !gjson.ValidBytes(v) {
					return errNoStream
				}
				sum(&depsFirst, v)
				nDeps++
				return nil
			})
		}
		v, err := sc.value(nil, 1)
		if err != nil || !gjson.ValidBytes(v) {
			return errNoStream
		}
		// a copy: the strings of the document point into it
		res := gjson.Parse(string(v))
		switch key {
		case "components":
			return errNoStream // not an array: the whole reader says so
		case "dependencies":
			if res.Type != gjson.Null {
				return errNoStream
			}
			depsAt = -1
		case "bomFormat":
			raw.BOMFormat, err = wantString(res, "", "/bomFormat")
		case "specVersion":
			raw.SpecVersion, err = wantString(res, "", "/specVersion")
		case "serialNumber":
			raw.SerialNumber, err = wantString(res, "", "/serialNumber")
		case "metadata":
			raw.Metadata = new(cdxJSONMeta)
			err = subDecode(res, "/metadata", raw.Metadata)
		}
		if err != nil {
			return errNoStream
		}
		return nil
	})
	if err != nil {
		return nil, errNoStream
	}
	doc, err := newCycloneDXDoc(&raw)
	if err != nil {
		return nil, errNoStream
	}
	a := &strArena{copy: true}
	if compsAt >= 0 {
		doc.Components = make([]Component, 0, nComps)
		w := &compWalker{doc: doc, ptr: "/components", a: a, i: -1}
		sc.seek(compsAt)
		err = sc.array(2, func(v []byte) error {
			// v is the scanner's window or buffer, reused: the walker's
			// strArena copies what the model keeps
			sum(&compsSecond, v)
			if !w.component(gjson.Result{}, gjson.Parse(unsafe.String(unsafe.SliceData(v), len(v)))) {
				return errNoStream
			}
			return nil
		})
		if err != nil || w.err != nil {
			return nil, errNoStream
		}
	}
	if depsAt >= 0 {
		// the refs of the dependencies become the components' own (12 MB
		// of index for 1,000,000 components while the dependencies are
		// read, 14 MB less kept)
		idx := make([]int32, 0, len(doc.Components))
		for i := range doc.Components {
			if doc.Components[i].Ref != "" {
				idx = append(idx, int32(i))
			}
		}
		a.refs = newRefTable(doc.Components, idx)
		defer func() { a.refs = nil }()
		doc.Dependencies = make([]Dependency, 0, nDeps)
		sc.seek(depsAt)
		i := -1
		err = sc.array(2, func(v []byte) error {
			i++
			sum(&depsSecond, v)
			if fastDependency(i, gjson.Parse(unsafe.String(unsafe.SliceData(v), len(v))), doc, a) != nil {
				return errNoStream
			}
			return nil
		})
		if err != nil {
			return nil, errNoStream
		}
	}
	if compsAt >= 0 && compsSecond != compsFirst || depsAt >= 0 && depsSecond != depsFirst {
		return nil, errNoStream // changed between the passes
	}
	return doc, nil
}

// castagnoli is the CRC-32C table of the streamed reader's pass sums.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// jsonScanner reads the skeleton of a JSON document from r in a window of
// up to 1 MB: the members of the root object and the elements of arrays,
// each value handed over as bytes (a view of the window, or of buf when
// it spans two windows). It checks the structure between the values (the
// colons, commas and brackets) and the nesting depth; the values' own
// grammar is gjson's to check.
type jsonScanner struct {
	r        io.ReaderAt
	size     int64
	win      []byte // the bytes at [base, base+len(win))
	base     int64
	pos      int   // next byte in win
	off      int64 // the offset of the first byte of the array last entered
	buf      []byte
	maxDepth int
}

// seek makes the byte at offset at (an array's '[') the next one read, so
// that array reads that array.
func (s *jsonScanner) seek(at int64) {
	if at >= s.base && at < s.base+int64(len(s.win)) {
		s.pos = int(at - s.base)
		return
	}
	s.base, s.win, s.pos = at, s.win[:0], 0
}

// fill reads the next window; false at the end of the file.
func (s *jsonScanner) fill() bool {
	s.base += int64(len(s.win))
	s.pos = 0
	n := int(min(int64(cap(s.win)), s.size-s.base))
	if n <= 0 {
		s.win = s.win[:0]
		return false
	}
	s.win = s.win[:n]
	if _, err := s.r.ReadAt(s.win, s.base); err != nil {
		s.win = s.win[:0]
		return false
	}
	return true
}

// peek returns the next byte that is not white space, without taking it.
func (s *jsonScanner) peek() (byte, bool) {
	for {
		for s.pos < len(s.win) {
			switch c := s.win[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// expect takes the next non-space byte, which must be c.
func (s *jsonScanner) expect(c byte) error {
	if b, ok := s.peek(); !ok || b != c {
		return errNoStream
	}
	s.pos++
	return nil
}

// object reads the root object: for each member, member gets the key and
// the first byte of the value, and must read the value (s.value or
// s.array). After the object only white space may follow.
func (s *jsonScanner) object(member func(key string, first byte) error) error {
	s.seek(0)
	if err := s.expect('{'); err != nil {
		return err
	}
	if c, ok := s.peek(); ok && c == '}' {
		s.pos++
		return s.end()
	}
	for {
		k, err := s.value(nil, 1)
		if err != nil || len(k) < 2 || k[0] != '"' || bytes.IndexByte(k, '\\') >= 0 || !gjson.ValidBytes(k) {
			return errNoStream // an escaped key is left to the whole reader
		}
		key := string(k[1 : len(k)-1])
		if err := s.expect(':'); err != nil {
			return err
		}
		first, ok := s.peek()
		if !ok {
			return errNoStream
		}
		if err := member(key, first); err != nil {
			return err
		}
		c, ok := s.peek()
		if !ok {
			return errNoStream
		}
		s.pos++
		switch c {
		case ',':
			continue
		case '}':
			return s.end()
		}
		return errNoStream
	}
}

// end checks that only white space follows.
func (s *jsonScanner) end() error {
	if _, ok := s.peek(); ok {
		return errNoStream
	}
	return nil
}

// array reads the array that starts at the next non-space byte, at
// nesting depth depth, handing each element to elem; it records the
// offset of its '[' in s.off.
func (s *jsonScanner) array(depth int, elem func(v []byte) error) error {
	if _, ok := s.peek(); !ok {
		return errNoStream
	}
	s.off = s.base + int64(s.pos)
	if err := s.expect('['); err != nil {
		return err
	}
	if depth > s.maxDepth {
		return errNoStream
	}
	if c, ok := s.peek(); ok && c == ']' {
		s.pos++
		return nil
	}
	for {
		v, err := s.value(s.buf[:0], depth)
		if err != nil {
			return err
		}
		if err := elem(v); err != nil {
			return err
		}
		c, ok := s.peek()
		if !ok {
			return errNoStream
		}
		s.pos++
		switch c {
		case ',':
			continue
		case ']':
			return nil
		}
		return errNoStream
	}
}

// value returns the bytes of the value that starts at the next non-space
// byte, inside containers nested depth deep: a view of the window when it
// lies within it, else the value copied into dst (kept as s.buf for reuse
// when dst was s.buf). Strings are skipped with their escapes, brackets
// counted, without checking that they pair up (gjson does).
func (s *jsonScanner) value(dst []byte, depth int) ([]byte, error) {
	if _, ok := s.peek(); !ok {
		return nil, errNoStream
	}
	start := s.pos
	copied := false
	nest := 0
	inStr, esc := false, false
	for {
		for ; s.pos < len(s.win); s.pos++ {
			c := s.win[s.pos]
			if inStr {
				switch {
				case esc:
					esc = false
				case c == '\\':
					esc = true
				case c == '"':
					inStr = false
					if nest == 0 {
						s.pos++
						return s.take(dst, start, copied), nil
					}
				}
				continue
			}
			switch c {
			case '"':
				inStr = true
			case '{', '[':
				if nest++; depth+nest > s.maxDepth {
					return nil, errNoStream
				}
			case '}', ']':
				if nest == 0 {
					return s.take(dst, start, copied), nil // the end of a scalar
				}
				if nest--; nest == 0 {
					s.pos++
					return s.take(dst, start, copied), nil
				}
			case ',', ' ', '\t', '\n', '\r':
				if nest == 0 {
					return s.take(dst, start, copied), nil
				}
			}
		}
		dst = append(dst, s.win[start:]...)
		copied, start = true, 0
		if !s.fill() {
			if nest == 0 && !inStr && len(dst) > 0 {
				return s.keep(dst), nil // a scalar at the end of the file
			}
			return nil, errNoStream
		}
	}
}

// take returns the value that ends before s.pos and began at start of the
// window (or earlier, in dst).
func (s *jsonScanner) take(dst []byte, start int, copied bool) []byte {
	if !copied {
		return s.win[start:s.pos]
	}
	return s.keep(append(dst, s.win[:s.pos]...))
}

// keep holds on to a grown buffer for the next value.
func (s *jsonScanner) keep(b []byte) []byte {
	if cap(b) > cap(s.buf) {
		s.buf = b[:0]
	}
	return b
}
