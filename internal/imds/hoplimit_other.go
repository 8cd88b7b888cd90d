//go:build !linux

package imds

import (
	"errors"
	"net"
)

// setHopLimit is only implemented where Kumo runs guests. Failing makes the
// token PUT answer 500 rather than hand out a token without the hop limit.
func setHopLimit(net.Conn, int) error {
	return errors.New("set hop limit: not supported on this platform")
}
