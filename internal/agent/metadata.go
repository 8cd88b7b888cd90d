package agent

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
	"github.com/kumo-cloud/kumo/internal/imds"
)

// metadataAddr is where every VPC's metadata service listens.
const metadataAddr = "169.254.169.254:80"

// metadata runs one metadata server per VPC on this host and answers lookups
// from an in-memory index refreshed by every reconcile pass, so a request costs
// no store read.
type metadata struct {
	a *Agent

	mu      sync.Mutex
	servers map[string]*imds.Server                       // by VPC id
	byAddr  map[string]map[netip.Addr]*instances.Instance // VPC id → private address → instance
	ready   map[string]bool                               // instances already marked GuestReady
	vpcs    map[string]vpcInfo
	enis    map[string][]netif.Interface // instance id → attached interface records
	volumes map[string][]string          // instance id → devices of attached data volumes
	dns     *resolvers                   // the VPCs' resolvers, fed from byAddr (dns.go)
}

type vpcInfo struct{ vpcCIDR, subnetCIDR string }

func newMetadata(a *Agent) *metadata {
	return &metadata{a: a, servers: map[string]*imds.Server{}, byAddr: map[string]map[netip.Addr]*instances.Instance{},
		ready: map[string]bool{}, vpcs: map[string]vpcInfo{}, dns: newResolvers(a)}
}

// refresh replaces the index with the live instances of this host.
func (m *metadata) refresh(mine []instances.Instance, enis map[string][]netif.Interface) {
	idx := map[string]map[netip.Addr]*instances.Instance{}
	for i := range mine {
		in := &mine[i]
		if in.State != instances.Running && in.State != instances.Pending {
			continue
		}
		if idx[in.VPCID] == nil {
			idx[in.VPCID] = map[netip.Addr]*instances.Instance{}
		}
		// A request from any address of any interface is the instance's.
		for _, p := range ports(in, enis[in.ID], netif.Attached, netif.Attaching) {
			for _, s := range p.ips {
				if ip, err := netip.ParseAddr(s); err == nil {
					idx[in.VPCID][ip] = in
				}
			}
		}
		if in.GuestReady {
			m.mu.Lock()
			m.ready[in.ID] = true
			m.mu.Unlock()
		}
	}
	m.mu.Lock()
	m.byAddr, m.enis = idx, enis
	m.mu.Unlock()
	m.dns.refresh(idx)
}

// ensure starts the VPC's metadata server if it does not run yet.
func (m *metadata) ensure(vpcID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.servers[vpcID] != nil {
		return nil
	}
	l, err := m.a.cfg.Net.ListenInVPC(vpcID, metadataAddr)
	if err != nil {
		return err
	}
	srv := imds.NewServer(func(ctx context.Context, src netip.Addr) (*imds.Instance, error) {
		return m.lookup(ctx, vpcID, src)
	}, m.a.cfg.Clock, nil, m.a.log.With("vpc_id", vpcID))
	m.servers[vpcID] = srv
	m.dns.ensure(vpcID) // the namespace is up: the resolver can bind there
	go func() {
		if err := srv.Serve(l); err != nil {
			m.a.log.Debug("metadata server ended", "vpc_id", vpcID, "err", err)
		}
	}()
	return nil
}

func (m *metadata) close() {
	m.dns.close()
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range m.servers {
		_ = s.Shutdown(context.Background())
		delete(m.servers, id)
	}
}

// lookup answers "who is this?" for the metadata server of a VPC. The first
// request of an instance also proves its guest OS is up (instance status check).
func (m *metadata) lookup(ctx context.Context, vpcID string, src netip.Addr) (*imds.Instance, error) {
	m.mu.Lock()
	in := m.byAddr[vpcID][src]
	first := in != nil && !m.ready[in.ID]
	if first {
		m.ready[in.ID] = true
	}
	m.mu.Unlock()
	if in == nil {
		return nil, imds.ErrUnknownCaller
	}
	if first {
		go m.markReady(in)
	}
	return m.describe(ctx, in)
}

func (m *metadata) markReady(in *instances.Instance) {
	_, err := m.a.update(context.Background(), in, func(i *instances.Instance) error {
		i.GuestReady = true
		return nil
	})
	if err != nil {
		m.a.log.Error("mark guest ready", "instance_id", in.ID, "err", err)
	}
}

// describe builds the metadata view of an instance.
func (m *metadata) describe(ctx context.Context, in *instances.Instance) (*imds.Instance, error) {
	info, err := m.vpcInfo(ctx, in)
	if err != nil {
		return nil, err
	}
	md := &imds.Instance{
		AccountID: in.Account, Region: in.Region, AvailabilityZone: in.AvailabilityZone,
		InstanceID: in.ID, InstanceType: in.InstanceType, ImageID: in.ImageID, ReservationID: in.ReservationID,
		AMILaunchIndex: int(in.LaunchIndex), Architecture: "x86_64", LaunchTime: in.LaunchTime,
		LocalIPv4: in.PrivateIP, PublicIPv4: in.PublicIP, MAC: strings.ToLower(in.MAC),
		LocalHostname: instances.PrivateDNSName(in.PrivateIP, in.Region), PublicHostname: instances.PublicDNSName(in.PublicIP, in.Region),
		InterfaceID: in.ENIID, SubnetID: in.SubnetID, SubnetCIDR: info.subnetCIDR, VPCID: in.VPCID, VPCCIDR: info.vpcCIDR,
		BlockDevices: map[string]string{"ami": in.Root.DeviceName, "root": in.Root.DeviceName},
		UserData:     in.UserData,
		HTTPEndpoint: in.Metadata.HTTPEndpoint, HTTPTokens: in.Metadata.HTTPTokens, HopLimit: int(in.Metadata.HopLimit),
		TagsInMetadata: in.Metadata.Tags == "enabled", InstanceTags: in.Tags,
	}
	for _, g := range in.Groups {
		md.SecurityGroups = append(md.SecurityGroups, g.Name)
		md.SecurityGroupIDs = append(md.SecurityGroupIDs, g.ID)
	}
	md.LocalIPv4s = append([]string{in.PrivateIP}, in.SecondaryIPs...)
	// block-device-mapping/: instance store disks (ephemeralN) and EBS
	// volumes attached at launch or since (ebsN), by their device names.
	for i := range m.a.ephemeralDisks(in) {
		md.BlockDevices[fmt.Sprintf("ephemeral%d", i)] = "sd" + string(rune('b'+i))
	}
	m.mu.Lock()
	devices := m.volumes[in.ID]
	m.mu.Unlock()
	for n, dev := range devices {
		md.BlockDevices[fmt.Sprintf("ebs%d", n+1)] = strings.TrimPrefix(dev, "/dev/")
	}
	m.mu.Lock()
	recs := m.enis[in.ID]
	m.mu.Unlock()
	for _, p := range ports(in, recs, netif.Attached, netif.Attaching)[1:] {
		nic := imds.NIC{MAC: strings.ToLower(p.mac), InterfaceID: p.eni, DeviceNumber: int(p.device), LocalIPv4s: p.ips,
			LocalHostname: instances.PrivateDNSName(p.ips[0], in.Region), SubnetID: p.subnet}
		if sn, err := m.a.cfg.VPCs.GetSubnet(ctx, in.Region, in.Account, p.subnet); err == nil {
			nic.SubnetCIDR = sn.CIDR.String()
		}
		for _, g := range p.groups {
			nic.SecurityGroups = append(nic.SecurityGroups, g.Name)
			nic.SecurityGroupIDs = append(nic.SecurityGroupIDs, g.ID)
		}
		md.SecondaryNICs = append(md.SecondaryNICs, nic)
	}
	if in.IAMProfile != nil && m.a.cfg.InstanceRole != nil {
		// A profile whose role cannot be used (gone, or not trusting EC2)
		// leaves iam/ out rather than failing the whole tree.
		if md.IAM, err = m.a.cfg.InstanceRole(ctx, in); err != nil {
			m.a.log.Warn("instance role credentials", "instance_id", in.ID, "err", err)
			md.IAM = nil
		}
	}
	if in.PublicKey != "" {
		md.PublicKeys = []imds.PublicKey{{Name: in.KeyName, OpenSSH: in.PublicKey}}
	}
	return md, nil
}

// vpcInfo caches the CIDRs of an instance's VPC and subnet (they never change).
func (m *metadata) vpcInfo(ctx context.Context, in *instances.Instance) (vpcInfo, error) {
	key := in.VPCID + "/" + in.SubnetID
	m.mu.Lock()
	info, ok := m.vpcs[key]
	m.mu.Unlock()
	if ok {
		return info, nil
	}
	v, err := m.a.cfg.VPCs.GetVPC(ctx, in.Region, in.Account, in.VPCID)
	if err != nil {
		return info, err
	}
	sn, err := m.a.cfg.VPCs.GetSubnet(ctx, in.Region, in.Account, in.SubnetID)
	if err != nil {
		return info, err
	}
	info = vpcInfo{vpcCIDR: v.CIDR.String(), subnetCIDR: sn.CIDR.String()}
	m.mu.Lock()
	m.vpcs[key] = info
	m.mu.Unlock()
	return info, nil
}

// setVolumes records the data volumes attached to this host's instances,
// for block-device-mapping/ (read by every pass, so requests read no store).
func (m *metadata) setVolumes(st *ebsState) {
	byInst := map[string][]string{}
	for i := range st.volumes {
		v := &st.volumes[i]
		if v.Attachment != nil && !v.Root && v.Attachment.State == "attached" {
			byInst[v.Attachment.InstanceID] = append(byInst[v.Attachment.InstanceID], v.Attachment.Device)
		}
	}
	for _, devs := range byInst {
		slices.Sort(devs)
	}
	m.mu.Lock()
	m.volumes = byInst
	m.mu.Unlock()
}
