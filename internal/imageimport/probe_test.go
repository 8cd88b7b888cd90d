package imageimport

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckBoot(t *testing.T) {
	head := func(kind string) []byte {
		b := make([]byte, headBytes)
		switch kind {
		case "ext":
			b[1080], b[1081] = 0x53, 0xef
		case "mbr":
			b[510], b[511] = 0x55, 0xaa
		}
		return b
	}
	tests := []struct {
		name     string
		head     []byte
		firmware bool
		err      error
		warns    string
	}{
		{"ext, kernel", head("ext"), false, nil, ""},
		{"mbr, firmware", head("mbr"), true, nil, ""},
		{"ext, firmware", head("ext"), true, ErrBoot, ""},
		{"mbr, kernel", head("mbr"), false, ErrBoot, ""},
		{"blank, kernel", head(""), false, nil, "ext2/3/4"},
		{"blank, firmware", head(""), true, nil, "MBR boot signature"},
		{"short, kernel", []byte{1, 2, 3}, false, nil, "ext2/3/4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := checkBoot(layoutOf(tt.head), "/x/disk.img", tt.firmware)
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			if (tt.warns == "") != (w == "") || !strings.Contains(w, tt.warns) {
				t.Fatalf("warning %q, want one saying %q", w, tt.warns)
			}
		})
	}
}
