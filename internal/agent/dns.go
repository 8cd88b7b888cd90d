package agent

import (
	"context"
	"log/slog"
	"maps"
	"net/netip"
	"sync"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/vpcdns"
)

// dnsPort is where the VPC resolver listens, on the VPC's base + 2 (the
// address DHCP hands guests as their name server).
const dnsPort = 53

// resolvers runs the resolver of every VPC with instances on this host, inside
// the VPC's namespace, answering from names refreshed by every reconcile pass.
//
// Starting a resolver needs the VPC record (its range, its enableDnsSupport
// attribute), a store read that refresh and ensure, called without a context
// from the metadata service, should not make. So a worker of the agent's
// lifetime does the reads and the sockets; refresh and ensure only record
// what they saw and wake it.
type resolvers struct {
	a    *Agent
	kick chan struct{}

	mu      sync.Mutex
	want    map[string]vpcNames // VPC id → names of its live instances here
	ready   map[string]bool     // VPCs whose namespace is up
	started bool
	closed  bool
	stop    context.CancelFunc
	done    chan struct{}
}

// vpcNames is what one VPC's resolver answers.
type vpcNames struct {
	region, account string
	private         map[string]netip.Addr // ip-10-0-1-5.ec2.internal → 10.0.1.5
	public          map[string]netip.Addr // ec2-54-…amazonaws.com → the private address, as on AWS
}

// table is the name table of the VPC; public names resolve inside the VPC
// only when it has enableDnsHostnames, since only then do instances have them.
func (w vpcNames) table(hostnames bool) map[string]netip.Addr {
	if !hostnames || len(w.public) == 0 {
		return w.private
	}
	t := maps.Clone(w.private)
	maps.Copy(t, w.public)
	return t
}

func newResolvers(a *Agent) *resolvers {
	return &resolvers{a: a, kick: make(chan struct{}, 1), want: map[string]vpcNames{}, ready: map[string]bool{}}
}

// namesByVPC derives every VPC's names from the metadata index: each private
// address of a live instance gets its EC2 private DNS name, and an instance's
// public address its public DNS name, pointing at the primary private address.
func namesByVPC(idx map[string]map[netip.Addr]*instances.Instance) map[string]vpcNames {
	out := map[string]vpcNames{}
	for vpcID, byAddr := range idx {
		w := vpcNames{private: map[string]netip.Addr{}, public: map[string]netip.Addr{}}
		for ip, in := range byAddr {
			w.region, w.account = in.Region, in.Account
			w.private[instances.PrivateDNSName(ip.String(), in.Region)] = ip
			if in.PublicIP != "" && ip.String() == in.PrivateIP {
				w.public[instances.PublicDNSName(in.PublicIP, in.Region)] = ip
			}
		}
		out[vpcID] = w
	}
	return out
}

// refresh takes the names of this pass; the metadata index (VPC → address →
// instance) already holds every address of every live instance.
func (r *resolvers) refresh(idx map[string]map[netip.Addr]*instances.Instance) {
	want := namesByVPC(idx)
	r.mu.Lock()
	r.want = want
	r.mu.Unlock()
	r.wake()
}

// ensure records that the VPC's namespace is up (its metadata service
// listens), so its resolver can bind there.
func (r *resolvers) ensure(vpcID string) {
	r.mu.Lock()
	r.ready[vpcID] = true
	r.mu.Unlock()
	r.wake()
}

// wake starts the worker on first use and asks it for a sync.
func (r *resolvers) wake() {
	r.mu.Lock()
	if !r.started && !r.closed {
		r.started = true
		// The worker lives as long as the agent runs, until close; neither
		// refresh nor ensure has a context of that lifetime to give it.
		ctx, cancel := context.WithCancel(context.Background())
		r.stop, r.done = cancel, make(chan struct{})
		go r.run(ctx)
	}
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// close stops every resolver and waits for them.
func (r *resolvers) close() {
	r.mu.Lock()
	r.closed = true
	stop, done := r.stop, r.done
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// resolver is one VPC's running server; only the worker touches it.
type resolver struct {
	names  vpcdns.Table
	cidr   netip.Prefix
	cancel context.CancelFunc
	done   chan struct{} // closed when Serve returned
}

func (rs *resolver) stop() {
	rs.cancel()
	<-rs.done
}

func (r *resolvers) run(ctx context.Context) {
	running := map[string]*resolver{}
	failed := map[string]string{} // VPC id → last error, logged once
	defer func() {
		for _, rs := range running {
			rs.stop()
		}
		close(r.done)
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		}
		r.sync(ctx, running, failed)
	}
}

// sync makes the running resolvers what the last refresh wants: one per VPC
// with live instances, a ready namespace and enableDnsSupport on. A VPC whose
// instances are gone keeps its resolver with no names, as it keeps its
// metadata service; one whose DNS support is turned off loses it, so guests
// get ICMP port unreachable, as fast a "no" as there is.
func (r *resolvers) sync(ctx context.Context, running map[string]*resolver, failed map[string]string) {
	r.mu.Lock()
	want, ready := r.want, maps.Clone(r.ready)
	r.mu.Unlock()
	for id, rs := range running {
		select {
		case <-rs.done: // its sockets failed; start again below
			delete(running, id)
			continue
		default:
		}
		if _, ok := want[id]; !ok {
			rs.names.Set(nil)
		}
	}
	for id, w := range want {
		if !ready[id] {
			continue
		}
		log := r.a.log.With("vpc_id", id)
		v, err := r.a.cfg.VPCs.GetVPC(ctx, w.region, w.account, id)
		if err != nil {
			if ctx.Err() == nil {
				logChange(log, failed, id, "vpc resolver: read vpc", err)
			}
			continue
		}
		rs := running[id]
		if rs != nil && (!v.DNSSupport || rs.cidr != v.CIDR.Masked()) {
			rs.stop()
			delete(running, id)
			log.Info("vpc resolver stopped", "dns_support", v.DNSSupport)
			rs = nil
		}
		if !v.DNSSupport {
			continue
		}
		names := w.table(v.DNSHostnames)
		if rs != nil {
			rs.names.Set(names)
			continue
		}
		rs, err = r.start(ctx, id, v.CIDR.Masked(), names)
		if err != nil {
			logChange(log, failed, id, "vpc resolver: start", err)
			continue
		}
		delete(failed, id)
		running[id] = rs
	}
}

// logChange logs err unless it is the VPC's last error already: a sync runs
// every pass, and a VPC that cannot get a resolver should say so once.
func logChange(log *slog.Logger, last map[string]string, vpcID, msg string, err error) {
	if last[vpcID] == msg+err.Error() {
		return
	}
	last[vpcID] = msg + err.Error()
	log.Error(msg, "err", err)
}

// start listens on the VPC's DNS address, UDP and TCP, inside its namespace,
// and serves names there until ctx ends or rs.stop.
func (r *resolvers) start(ctx context.Context, vpcID string, cidr netip.Prefix, names map[string]netip.Addr) (*resolver, error) {
	addr := netip.AddrPortFrom(vpc.DNSServer(cidr), dnsPort).String()
	pc, err := r.a.cfg.Net.ListenPacketInVPC(vpcID, addr)
	if err != nil {
		return nil, err
	}
	ln, err := r.a.cfg.Net.ListenInVPC(vpcID, addr)
	if err != nil {
		_ = pc.Close()
		return nil, err
	}
	rs := &resolver{cidr: cidr, done: make(chan struct{})}
	rs.names.Set(names)
	ctx, rs.cancel = context.WithCancel(ctx)
	log := r.a.log.With("vpc_id", vpcID)
	srv := &vpcdns.Server{Names: &rs.names, VPC: cidr, Log: log}
	go func() {
		defer close(rs.done)
		if err := srv.Serve(ctx, pc, ln); err != nil {
			log.Error("vpc resolver failed", "err", err)
		}
	}()
	log.Info("vpc resolver started", "addr", addr, "names", len(names))
	return rs, nil
}
