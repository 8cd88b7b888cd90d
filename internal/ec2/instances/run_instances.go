package instances

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/scheduler"
	"github.com/kumo-cloud/kumo/internal/store"
)

var (
	reservationKind = resource.Kind{Prefix: "r"}
	// ENIKind makes the ids of primary interfaces; netif registers the kind.
	ENIKind = resource.Kind{Type: "network-interface", Prefix: "eni"}
)

// RunInstances launches instances: it validates, checks capacity and quotas,
// allocates addresses and writes every instance in one transaction. The agent
// then boots them.
func (h *Handlers) RunInstances(ctx context.Context, r *api.Request, in *ec2api.RunInstancesRequest) (*ec2api.Reservation, error) {
	l, err := h.validate(ctx, r, in)
	if err != nil {
		return nil, err
	}
	resources := launchResources(r, l)
	if err := resource.AuthorizeTagOnCreate(r, resources[0], resources[3], resources[4]); err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, resources...); err != nil {
		return nil, err
	}
	call := idempotency.Call{Region: r.Region, Account: r.AccountID, Action: "RunInstances",
		Token: aws.ToString(in.ClientToken), Params: in}
	return idempotency.Do(ctx, h.Idem, call, func() (*ec2api.Reservation, error) {
		for attempt := 0; ; attempt++ {
			res, err := h.launch(ctx, r, l, aws.ToString(in.ClientToken))
			if !errors.Is(err, store.ErrConflict) {
				return res, err
			}
			if attempt == 10 {
				return nil, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "Too many concurrent launches; retry.")
			}
		}
	})
}

// launch allocates and writes the instances; ErrConflict means another launch
// took an address or the capacity meanwhile, and the caller retries.
func (h *Handlers) launch(ctx context.Context, r *api.Request, l *launch, token string) (*ec2api.Reservation, error) {
	all, err := h.Instances.All(ctx)
	if err != nil {
		return nil, err
	}
	group := QuotaGroup(l.typ.Family)
	n := quotaFit(h.Quotas[group], accountVCPUs(all, r.AccountID, group), l.typ, l.max)
	if n < l.min {
		return nil, awserr.BadRequest("VcpuLimitExceeded", "You have requested more vCPU capacity than your current vCPU limit of %d allows for the instance bucket that the specified instance type belongs to. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.", h.Quotas[group])
	}
	fleet, err := h.fleet(ctx, all)
	if err != nil {
		return nil, err
	}
	placed, err := scheduler.Place(fleet, scheduler.Request{Account: r.AccountID, Zone: l.subnet.AvailabilityZone,
		VCPUs: int64(l.typ.VCPU.DefaultVCPUs), MemoryMiB: l.typ.MemoryMiB, Count: n})
	if err != nil && !errors.Is(err, scheduler.ErrNoCapacity) {
		return nil, err
	}
	if len(placed) < l.min {
		return nil, awserr.New(http.StatusInternalServerError, "InsufficientInstanceCapacity", "We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity. You can currently get %s capacity by not specifying an Availability Zone in your request or choosing %s.", l.typ.Name, l.subnet.AvailabilityZone, l.typ.Name, l.subnet.AvailabilityZone)
	}
	n = len(placed)
	var ips []netip.Addr
	if l.privateIP.IsValid() {
		ips = []netip.Addr{l.privateIP}
	} else if ips, err = h.VPCs.FreeIPs(ctx, r.Region, l.subnet, n); err != nil {
		return nil, err
	}
	res := &ec2api.Reservation{ReservationId: aws.String(reservationKind.NewID()), OwnerId: aws.String(r.AccountID), Groups: []ec2api.GroupIdentifier{}}
	txn := h.Raw.Txn()
	now := r.Now.UTC()
	for i := range n {
		inst := &Instance{
			Meta:          resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: l.instanceTags, CreatedAt: now},
			ReservationID: aws.ToString(res.ReservationId), ImageID: l.image.ID, InstanceType: l.typ.Name,
			VCPUs: l.typ.VCPU.DefaultVCPUs, MemoryMiB: l.typ.MemoryMiB, KeyName: l.keyName, PublicKey: l.pub,
			AvailabilityZone: l.subnet.AvailabilityZone, VPCID: l.subnet.VPCID, SubnetID: l.subnet.ID,
			ENIID: ENIKind.NewID(), MAC: newMAC(), PrivateIP: ips[i].String(), AssignPublicIP: l.publicIP,
			Groups: l.groups, UserData: l.userData, LaunchIndex: int32(i), LaunchTime: now, ClientToken: token,
			ShutdownBehavior: l.shutdown, DisableAPITerm: l.disableTerm, DisableAPIStop: l.disableStop, Metadata: l.meta,
			Root:  l.root,
			Host:  placed[i].Host,
			State: Pending, StateSince: now, Desired: Running,
		}
		if l.profile != nil {
			a := *l.profile
			a.AssociationID = assocKind.NewID() // one association per instance
			inst.IAMProfile = &a
		}
		inst.Root.VolumeID = VolumeKind.NewID()
		inst.Root.AttachTime = now
		// The root volume is a real volume: the agent makes its file at
		// the first boot, on the image's snapshot.
		ebs.CreateVolumeIn(txn, &ebs.Volume{
			Meta:             resource.Meta{ID: inst.Root.VolumeID, Account: r.AccountID, Region: r.Region, Tags: l.volumeTags, CreatedAt: now},
			AvailabilityZone: inst.AvailabilityZone, SizeGiB: inst.Root.SizeGiB, Type: inst.Root.VolumeType,
			SnapshotID: l.image.RootSnapshotID, State: ebs.VolumeInUse, Host: inst.Host, Root: true,
			Attachment: &ebs.Attachment{InstanceID: inst.ID, Device: inst.Root.DeviceName, State: ebs.Attached,
				AttachTime: now, DeleteOnTermination: inst.Root.DeleteOnTermination},
		})
		if l.publicIP {
			pub, err := h.freePublicIP(ctx)
			if err != nil {
				return nil, err
			}
			inst.PublicIP = pub.String()
			txn.Create(PublicIPKey(pub), addrOwner{Instance: inst.ID})
		}
		for _, d := range l.data {
			v := dataVolumeRecord(inst, d, l.volumeTags)
			ebs.CreateVolumeIn(txn, v)
		}
		txn.Create(vpc.IPKey(r.Region, inst.VPCID, ips[i]), addrOwner{Instance: inst.ID})
		txn.Create(Kind.Key(r.Region, r.AccountID, inst.ID), inst)
		usage.Record(txn, inst.usageEvent())
		RecordPublicIPv4(txn, &Instance{}, inst, now)
		res.Instances = append(res.Instances, h.wire(inst, now))
	}
	if err := txn.Commit(ctx); err != nil {
		return nil, err
	}
	h.kick()
	return res, nil
}

// addrOwner is the value of an address allocation key.
type addrOwner struct {
	Instance string `json:"instance"`
}

// PublicIPKey is the store key holding one public address of the pool.
func PublicIPKey(ip netip.Addr) string { return store.Key("publicip", ip.String()) }

// freePublicIP picks a random unused address of the pool (the transaction's
// create condition catches a race).
func (h *Handlers) freePublicIP(ctx context.Context) (netip.Addr, error) {
	for range 64 {
		a, err := RandomPoolAddr(h.PublicPool)
		if err != nil {
			return netip.Addr{}, err
		}
		var o addrOwner
		if _, err := h.Raw.Get(ctx, PublicIPKey(a), &o); errors.Is(err, store.ErrNotFound) {
			return a, nil
		} else if err != nil {
			return netip.Addr{}, err
		}
	}
	return netip.Addr{}, awserr.BadRequest("AddressLimitExceeded", "The public address pool %s is exhausted.", h.PublicPool)
}

// newMAC returns a random locally administered unicast MAC, 0e:… as EC2's.
func newMAC() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	b[0] = 0x0e
	return net.HardwareAddr(b).String()
}

// RandomPoolAddr returns a random host address of the pool.
func RandomPoolAddr(pool netip.Prefix) (netip.Addr, error) {
	p := pool.Masked()
	size := int64(1) << (32 - p.Bits())
	if size < 4 {
		return netip.Addr{}, fmt.Errorf("public pool %s is too small", pool)
	}
	base := p.Addr().As4()
	b := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	n, err := rand.Int(rand.Reader, big.NewInt(size-2))
	if err != nil {
		return netip.Addr{}, err
	}
	v := b + uint32(n.Int64()) + 1 // skip the network and broadcast addresses
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), nil
}
