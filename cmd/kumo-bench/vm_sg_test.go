package main

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestSettled(t *testing.T) {
	ms := time.Millisecond
	// p builds probes 5 ms apart from a pattern: o connected, x timed out,
	// . still in flight.
	p := func(pattern string) []probe {
		ps := make([]probe, len(pattern))
		for i, c := range pattern {
			ps[i] = probe{start: time.Duration(i) * 5 * ms, done: c != '.', ok: c == 'o'}
		}
		return ps
	}
	many := func(c byte, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = c
		}
		return string(b)
	}
	for _, tc := range []struct {
		name     string
		probes   string
		wantOpen bool
		at       time.Duration
		ok       bool
	}{
		{name: "open: first success", probes: "xxxoo", wantOpen: true, at: 15 * ms, ok: true},
		{name: "open: earlier probe still in flight", probes: "xx.o", wantOpen: true},
		{name: "open: the in-flight one succeeded too", probes: "xxoo", wantOpen: true, at: 10 * ms, ok: true},
		{name: "open: nothing yet", probes: "xxxx", wantOpen: true},
		{name: "closed: confirmed", probes: "oo" + many('x', probeConfirm), at: 10 * ms, ok: true},
		{name: "closed: not yet confirmed", probes: "oo" + many('x', probeConfirm-1)},
		{name: "closed: a slow answer is not a close", probes: "oxo" + many('x', probeConfirm), at: 15 * ms, ok: true},
		{name: "closed: from the start", probes: many('x', probeConfirm), at: 0, ok: true},
		{name: "closed: in-flight probe ends the prefix", probes: "o." + many('x', probeConfirm)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := settled(p(tc.probes), tc.wantOpen)
			if ok != tc.ok || at != tc.at {
				t.Errorf("settled = %v, %v; want %v, %v", at, ok, tc.at, tc.ok)
			}
		})
	}
}

// TestWatchPort checks the probe loop against a port that is open and one
// that refuses: an unreachable (dropping) port needs a firewall to test.
func TestWatchPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, err := watchPort(ctx, l.Addr().String(), time.Now(), true)
	if err != nil || d > time.Second {
		t.Errorf("open port: %v, %v; want seen open at once", d, err)
	}
	addr := l.Addr().String()
	l.Close()
	if _, err := watchPort(ctx, addr, time.Now(), false); !errors.Is(err, errRefused) {
		t.Errorf("closed port: %v, want %v", err, errRefused)
	}
}

func TestFillerRules(t *testing.T) {
	perms := fillerRules(fullRules)
	private := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("169.254.0.0/16")}
	seen := map[int32]bool{}
	for i, p := range perms {
		port := aws.ToInt32(p.FromPort)
		if seen[port] || port == 22 || port == sgPort || port == fullPort || port != aws.ToInt32(p.ToPort) {
			t.Fatalf("rule %d: port %d-%d, want one distinct port none of the rows use", i, port, aws.ToInt32(p.ToPort))
		}
		seen[port] = true
		if len(p.IpRanges) != 1 {
			t.Fatalf("rule %d: %d ranges, want 1", i, len(p.IpRanges))
		}
		cidr := netip.MustParsePrefix(aws.ToString(p.IpRanges[0].CidrIp))
		if cidr.Bits() != 32 {
			t.Errorf("rule %d: %s, want a /32", i, cidr)
		}
		for _, pr := range private {
			if pr.Contains(cidr.Addr()) {
				t.Errorf("rule %d: %s is in %s, where instances and the host are", i, cidr, pr)
			}
		}
	}
}

func TestSelectBenches(t *testing.T) {
	list := []bench{{name: "DescribeRegions p50"}, {name: "Security group rule added → enforced p50"}, {name: "TCP throughput instance → instance, needed rules only"}}
	if got := selectBenches(list, nil); len(got) != 3 {
		t.Errorf("no -only: %d rows, want 3", len(got))
	}
	got := selectBenches(list, regexp.MustCompile("Security group|TCP"))
	if len(got) != 2 || got[0].name != list[1].name || got[1].name != list[2].name {
		t.Errorf("-only: %v", got)
	}
}
