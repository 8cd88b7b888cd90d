package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// The security-group rows: how soon a rule change reaches a running
// instance, measured on the kept instance with a listener in the guest.

// The ports `kumo-guest-agent tcp-sink` listens on in the guests.
const (
	sgPort   = 5201 // the rule-change rows open and close it; the first throughput row uses it
	fullPort = 5202 // the one data port open when the group holds 1,000 rules
)

// sgPauseMax bounds the random pause before each rule change, which puts
// the changes at random points of whatever kumo does periodically (the host
// agent's reconcile tick): changes made right after the last one was seen
// would otherwise fall at one point of it every time.
const sgPauseMax = time.Second

// sinkTimeout bounds starting the listener in a guest.
const sinkTimeout = 15 * time.Second

// startSink runs `kumo-guest-agent tcp-sink` in vm, once, and returns when it
// listens. The SSH session stays open until cleanup; the process ends with
// the instance.
func (f *fleet) startSink(vm *bootedVM) error {
	if vm.sinking {
		return nil
	}
	s, err := vm.ssh.NewSession()
	if err != nil {
		return fmt.Errorf("tcp-sink in %s: %w", vm.id, err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		s.Close()
		return fmt.Errorf("tcp-sink in %s: %w", vm.id, err)
	}
	var stderr strings.Builder
	s.Stderr = &limitedWriter{w: &stderr, n: 1024}
	cmd := fmt.Sprintf("%s tcp-sink %d %d", agentPath, sgPort, fullPort)
	if err := s.Start(cmd); err != nil {
		s.Close()
		return fmt.Errorf("tcp-sink in %s: %w", vm.id, err)
	}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		_, _ = io.Copy(io.Discard, out)
	}()
	t := time.NewTimer(sinkTimeout)
	defer t.Stop()
	select {
	case line := <-first:
		if !strings.HasPrefix(line, "listening ") {
			s.Close()
			return fmt.Errorf("tcp-sink in %s: %q, want \"listening ...\" (stderr %q)", vm.id, line, stderr.String())
		}
	case <-t.C:
		s.Close()
		return fmt.Errorf("tcp-sink in %s: not listening after %s", vm.id, sinkTimeout)
	}
	f.sinks = append(f.sinks, s)
	vm.sinking = true
	return nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.n -= k
		_, _ = l.w.Write(p[:k])
	}
	return len(p), nil
}

// sgChanges is what the rule-change rows measured, in ms per change: from
// the API call's return until the instance's port was open (authorize) or
// closed (revoke) to new connections.
type sgChanges struct {
	authorize, revoke []float64
}

// measureSGChanges opens and closes sgPort of the kept instance's group
// cfg.sgChanges times, timing how soon each change is enforced.
func (f *fleet) measureSGChanges(ctx context.Context) (sgChanges, error) {
	var c sgChanges
	vm, err := f.keptVM(ctx)
	if err != nil {
		return c, err
	}
	if f.group == "" {
		return c, errors.New("kumo has no security group API")
	}
	if err := f.startSink(vm); err != nil {
		return c, err
	}
	addr := net.JoinHostPort(vm.ip, strconv.Itoa(sgPort))
	if _, err := watchPort(ctx, addr, time.Now(), false); err != nil {
		return c, fmt.Errorf("before the first change: %w", err)
	}
	perm := []types.IpPermission{tcpPermission(sgPort, "0.0.0.0/0")}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for range f.cfg.sgChanges {
		f.noteOthers()
		if err := sleep(ctx, rand.N(sgPauseMax)); err != nil {
			return c, err
		}
		if _, err := f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(f.group), IpPermissions: perm}); err != nil {
			return c, fmt.Errorf("authorize tcp/%d: %w", sgPort, err)
		}
		d, err := watchPort(ctx, addr, time.Now(), true)
		if err != nil {
			return c, fmt.Errorf("after authorize: %w", err)
		}
		c.authorize = append(c.authorize, ms(d))
		if err := sleep(ctx, rand.N(sgPauseMax)); err != nil {
			return c, err
		}
		if _, err := f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
			GroupId: aws.String(f.group), IpPermissions: perm}); err != nil {
			return c, fmt.Errorf("revoke tcp/%d: %w", sgPort, err)
		}
		if d, err = watchPort(ctx, addr, time.Now(), false); err != nil {
			return c, fmt.Errorf("after revoke: %w", err)
		}
		c.revoke = append(c.revoke, ms(d))
		progress("  rule change: tcp/%d open %.0f ms after authorize, closed %.0f ms after revoke",
			sgPort, c.authorize[len(c.authorize)-1], c.revoke[len(c.revoke)-1])
	}
	f.noteOthers()
	return c, nil
}

// sgRows are the rule-change rows: p50 and p99 of authorize and of revoke,
// each held to DESIGN §7's "SG rule change → enforced < 1 s".
func (f *fleet) sgRows() []bench {
	changes := newLazy(f.measureSGChanges)
	row := func(name string, q float64, pick func(sgChanges) []float64, call, until string) bench {
		return bench{name: name, unit: "ms", budget: lessThan(1000), run: func(ctx context.Context) (result, error) {
			c, err := changes.get(ctx)
			if err != nil {
				return result{}, err
			}
			v := pick(c)
			how := fmt.Sprintf("%s: %s on the only group of a running kumo-minimal whose guest listens on the port "+
				"(`kumo-guest-agent tcp-sink`), each after a random pause of up to %s and timed from the call's return to %s; "+
				"the host starts a TCP connect to the instance's public IP every %s, each with a %s timeout, so times are to "+
				"about %s; samples %s ms; %s%s",
				plural(len(v), "change", "changes"), call, sgPauseMax, until, probeEvery, probeTimeout, probeEvery,
				joinNumbers(v), f.accelNote(), f.othersNote())
			return result{value: percentile(sorted(v), q), how: how}, nil
		}}
	}
	authorize := func(c sgChanges) []float64 { return c.authorize }
	revoke := func(c sgChanges) []float64 { return c.revoke }
	add := fmt.Sprintf("AuthorizeSecurityGroupIngress of tcp/%d from 0.0.0.0/0", sgPort)
	opened := "the start of the first connect that succeeded"
	del := "RevokeSecurityGroupIngress of that rule, each once its authorize was seen"
	closed := fmt.Sprintf("the start of the first connect that timed out with the %d after it timing out too "+
		"(a revoke refuses new connections only; established ones go on, as in AWS)", probeConfirm)
	return []bench{
		row("Security group rule added → enforced p50", 0.50, authorize, add, opened),
		row("Security group rule added → enforced p99", 0.99, authorize, add, opened),
		row("Security group rule revoked → enforced p50", 0.50, revoke, del, closed),
		row("Security group rule revoked → enforced p99", 0.99, revoke, del, closed),
	}
}

// tcpPermission allows tcp to one port from the given CIDRs.
func tcpPermission(port int32, cidrs ...string) types.IpPermission {
	p := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
	}
	return p
}
