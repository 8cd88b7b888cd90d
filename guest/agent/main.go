// Command kumo-guest-agent is the one compiled helper inside kumo-minimal. The
// image is otherwise busybox and dropbear, and neither can do two things an EC2
// guest needs:
//
//   - talk IMDSv2 (busybox wget sends neither PUT nor custom headers), done by
//     "kumo-guest-agent imds";
//   - give ec2-user root as EC2 images do with passwordless sudo (Debian's
//     sudo drags in PAM), done when the binary is called as "sudo".
//
// "kumo-guest-agent bench-imds N" times the metadata service from inside the
// guest for kumo-bench (cmd/kumo-bench), and "tcp-sink" and "tcp-send" are
// the two ends of its security-group rows; nothing in the image runs them.
//
// Kumo builds it at image-build time with CGO_ENABLED=0 and only the standard
// library, so it runs on the bare image with no shared libraries. It is kept in
// this module so that go vet and go test cover it; guest.Build compiles a copy
// of these files in a scratch module.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	if filepath.Base(os.Args[0]) == "sudo" {
		os.Exit(sudoMain(os.Args[1:]))
	}
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "imds":
		os.Exit(imdsMain(os.Args[2:]))
	case "sudo":
		os.Exit(sudoMain(os.Args[2:]))
	case "bench-imds":
		os.Exit(benchIMDSMain(os.Args[2:], os.Stdout))
	case "tcp-sink":
		os.Exit(tcpSinkMain(os.Args[2:], os.Stdout))
	case "tcp-send":
		os.Exit(tcpSendMain(os.Args[2:], os.Stdout))
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kumo-guest-agent imds [-addr host:port] [-wait dur] -out DIR PATH...")
	fmt.Fprintln(os.Stderr, "       sudo [-i|-s] [-u root] [--] COMMAND [ARG...]")
	for _, u := range []string{benchIMDSUsage, tcpSinkUsage, tcpSendUsage} {
		fmt.Fprintln(os.Stderr, "       "+strings.TrimPrefix(u, "usage: kumo-guest-agent "))
	}
	os.Exit(2)
}
