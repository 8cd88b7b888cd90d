package awsquery

import (
	"io"
	"sync"
	"unicode/utf8"
)

// xmlWriter appends XML to a byte buffer and hands it to w in large chunks.
// Building with append (strconv.Append*, time.AppendFormat) instead of
// encoding/xml keeps a 1000-instance DescribeInstances page to a few
// milliseconds and a handful of allocations.
type xmlWriter struct {
	w   io.Writer
	buf []byte
	err error
}

const flushAt = 32 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, flushAt+4096); return &b }}

func newXMLWriter(w io.Writer) *xmlWriter {
	return &xmlWriter{w: w, buf: (*bufPool.Get().(*[]byte))[:0]}
}

// maybeFlush writes the buffer out once it is large; the first write error
// sticks and later writes are dropped.
func (x *xmlWriter) maybeFlush() {
	if len(x.buf) >= flushAt {
		x.write()
	}
}

func (x *xmlWriter) write() {
	if x.err == nil && len(x.buf) > 0 {
		_, x.err = x.w.Write(x.buf)
	}
	x.buf = x.buf[:0]
}

// finish writes what is left, returns the buffer to the pool and reports the
// first write error.
func (x *xmlWriter) finish() error {
	x.write()
	if cap(x.buf) <= 4*flushAt { // do not pin buffers grown by one huge text
		b := x.buf[:0]
		bufPool.Put(&b)
	}
	x.buf = nil
	return x.err
}

func (x *xmlWriter) raw(s string) {
	x.buf = append(x.buf, s...)
	x.maybeFlush()
}

func (x *xmlWriter) open(name string) {
	x.buf = append(x.buf, '<')
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '>')
}

func (x *xmlWriter) close(name string) {
	x.buf = append(x.buf, '<', '/')
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '>')
	x.maybeFlush()
}

func (x *xmlWriter) empty(name string) {
	x.buf = append(x.buf, '<')
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '/', '>')
}

// element writes <name>escaped text</name>.
func (x *xmlWriter) element(name, text string) {
	x.open(name)
	x.text(text)
	x.close(name)
}

// text appends s as XML character data.
func (x *xmlWriter) text(s string) {
	x.buf = appendEscaped(x.buf, s)
	x.maybeFlush()
}

// appendEscaped escapes markup characters and replaces what XML 1.0 cannot
// carry at all (control characters, invalid UTF-8) with U+FFFD, as
// encoding/xml does; a raw control byte would make the SDKs reject the whole
// response. \r is written as a reference because parsers turn a literal one
// into \n.
func appendEscaped(b []byte, s string) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '\r':
				esc = "&#xD;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc = "\uFFFD"
			default:
				i++
				continue
			}
			b = append(b, s[start:i]...)
			b = append(b, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			b = append(b, s[start:i]...)
			b = append(b, "\uFFFD"...)
			start = i + size
		}
		i += size
	}
	return append(b, s[start:]...)
}

// isXMLName reports whether s can be used as an element name as is; action
// names become element names, so anything else is refused.
func isXMLName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}
