package netplane

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetns runs fn on an OS thread switched into the named namespace. Sockets
// fn creates stay in that namespace for their whole life, whichever thread
// later uses them, which is how Kumo serves inside VPCs without a helper
// process per VPC.
//
// fn runs on a fresh goroutine locked to its thread; if switching back fails
// the goroutine exits still locked, and the Go runtime then ends that thread
// rather than let other goroutines run in the VPC's namespace.
func inNetns(name string, fn func() error) error {
	target, err := os.Open(filepath.Join(netnsDir, name))
	if err != nil {
		return fmt.Errorf("open netns %s: %w", name, err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open own netns: %w", err)
			return
		}
		defer orig.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns %s: %w", name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns back from %s: %w", name, err)
			return // thread stays locked and dies with the goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// ListenInVPC opens a TCP listener inside the VPC's namespace, e.g. the
// metadata service on 169.254.169.254:80. The caller owns the listener;
// connections accepted from it carry the guest's private address as remote.
func (p *Plane) ListenInVPC(vpcID, addr string) (net.Listener, error) {
	var l net.Listener
	err := inNetns(p.NamespaceOf(vpcID), func() error {
		var err error
		l, err = net.Listen("tcp4", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen in vpc %s on %s: %w", vpcID, addr, err)
	}
	return l, nil
}

// ListenPacketInVPC opens a UDP socket inside the VPC's namespace, e.g. for a
// resolver on the VPC's DNS address (base + 2), which DHCP hands to guests.
func (p *Plane) ListenPacketInVPC(vpcID, addr string) (net.PacketConn, error) {
	var c net.PacketConn
	err := inNetns(p.NamespaceOf(vpcID), func() error {
		var err error
		c, err = net.ListenPacket("udp4", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen packet in vpc %s on %s: %w", vpcID, addr, err)
	}
	return c, nil
}
