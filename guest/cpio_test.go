package guest

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// cpioEntry is one parsed newc record.
type cpioEntry struct {
	name       string
	mode       uint32
	uid        uint32
	rmaj, rmin uint32
	data       string
}

// readCPIO parses newc, independently of the writer, up to the trailer.
func readCPIO(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	field := func(h []byte, i int) uint32 {
		v, err := strconv.ParseUint(string(h[6+8*i:14+8*i]), 16, 32)
		if err != nil {
			t.Fatalf("bad header field %d: %v", i, err)
		}
		return uint32(v)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for off := 0; ; {
		h := b[off : off+110]
		if string(h[:6]) != "070701" {
			t.Fatalf("bad magic at %d: %q", off, h[:6])
		}
		nameLen, size := int(field(h, 11)), int(field(h, 6))
		name := string(b[off+110 : off+110+nameLen-1])
		off = align(off + 110 + nameLen)
		data := string(b[off : off+size])
		off = align(off + size)
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Errorf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		out = append(out, cpioEntry{name: name, mode: field(h, 1), uid: field(h, 2), rmaj: field(h, 9), rmin: field(h, 10), data: data})
	}
}

func TestCPIOWriter(t *testing.T) {
	var buf bytes.Buffer
	c := newCPIOWriter(&buf)
	c.Dir("/dev", 0o755)
	c.CharDev("dev/console", 0o600, 5, 1)
	c.File("init", 0o755, []byte("#!/bin/sh\n"))
	c.Symlink("bin/sh", "busybox")
	c.File("odd", 0o644, []byte("12345"))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(readCPIO(t, buf.Bytes()))
	want := fmt.Sprint([]cpioEntry{
		{name: "dev", mode: 0o040755},
		{name: "dev/console", mode: 0o020600, rmaj: 5, rmin: 1},
		{name: "init", mode: 0o100755, data: "#!/bin/sh\n"},
		{name: "bin/sh", mode: 0o120777, data: "busybox"},
		{name: "odd", mode: 0o100644, data: "12345"},
	})
	if got != want {
		t.Errorf("entries:\n%s\nwant\n%s", got, want)
	}
}
