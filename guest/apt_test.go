package guest

import (
	"reflect"
	"testing"
)

func TestParseDepends(t *testing.T) {
	out := `linux-image-cloud-amd64
  Depends: linux-image-6.1.0-56-cloud-amd64
dropbear-bin
  Depends: libc6
 |Depends: libcrypt1
  Depends: libxcrypt
  Depends: <debconf-2.0>
    debconf
 |Depends: <virtual-first>
  Depends: zlib1g
  Recommends: openssh-client
libc6
  PreDepends: libgcc-s1
`
	got := parseDepends([]byte(out))
	want := map[string][]string{
		"linux-image-cloud-amd64": {"linux-image-6.1.0-56-cloud-amd64"},
		// First of each set of alternatives; virtual packages skipped, so
		// the next alternative stands in for a virtual first one.
		"dropbear-bin": {"libc6", "libcrypt1", "zlib1g"},
		"libc6":        {"libgcc-s1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseDepends =\n%v\nwant\n%v", got, want)
	}
}

func TestLibPackages(t *testing.T) {
	deps := map[string][]string{
		"dropbear-bin":        {"libc6", "libtomcrypt1", "zlib1g"},
		"openssh-sftp-server": {"openssh-client", "libc6"},
		"openssh-client":      {"adduser", "libssl3"}, // not followed: not a library package
		"libtomcrypt1":        {"libc6", "libgmp10"},
		"libc6":               {"libgcc-s1"},
		"libgcc-s1":           {"gcc-12-base", "libc6"},
	}
	got := libPackages(deps, []string{"dropbear-bin", "openssh-sftp-server"})
	want := []string{"libc6", "libgcc-s1", "libgmp10", "libtomcrypt1", "zlib1g"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("libPackages = %v, want %v", got, want)
	}
}

func TestDebLabel(t *testing.T) {
	for in, want := range map[string]string{
		"busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb": "busybox-static 1:1.35.0-4+deb12u1+b1",
		"libc6_2.36-9+deb12u14_amd64.deb":                  "libc6 2.36-9+deb12u14",
		"odd.deb":                                          "odd.deb",
	} {
		if got := debLabel(in); got != want {
			t.Errorf("debLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
