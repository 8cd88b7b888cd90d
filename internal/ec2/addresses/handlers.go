package addresses

import (
	"context"
	"errors"
	"net/http"
	"net/netip"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/ec2/describe"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/paging"
	"github.com/kumo-cloud/kumo/internal/ec2/resource"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Handlers serves the Elastic IP actions.
type Handlers struct {
	Store     *store.Store
	Instances *instances.Store
	VPCs      *vpc.Service
	// PublicPool is where Elastic IPs come from (shared with auto-assigned
	// public addresses).
	PublicPool netip.Prefix
	// Kick wakes the host agent so that a NAT change is applied at once.
	Kick func()
}

func (h *Handlers) kick() {
	if h.Kick != nil {
		h.Kick()
	}
}

func notFound(id string) error {
	return awserr.BadRequest(Kind.NotFound, "The allocation ID '%s' does not exist", id)
}

func busy() error {
	return awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "The address is being modified concurrently; retry.")
}

// AllocateAddress takes a free address of the pool for the account.
func (h *Handlers) AllocateAddress(ctx context.Context, r *api.Request, in *ec2api.AllocateAddressRequest) (*ec2api.AllocateAddressResult, error) {
	switch {
	case in.Domain != nil && *in.Domain != "vpc" && *in.Domain != "standard":
		return nil, awserr.InvalidParameterValue("Invalid value '%s' for domain.", *in.Domain)
	case in.Domain != nil && *in.Domain == "standard":
		return nil, awserr.BadRequest("InvalidParameterValue", "EC2-Classic is not supported; allocate addresses with Domain vpc.")
	case in.Address != nil || in.CustomerOwnedIpv4Pool != nil:
		return nil, awserr.BadRequest("InvalidParameterValue", "Kumo allocates Elastic IPs only from its own pool (%s); Address and CustomerOwnedIpv4Pool are not supported.", h.PublicPool)
	case in.PublicIpv4Pool != nil && *in.PublicIpv4Pool != "amazon":
		return nil, awserr.BadRequest("InvalidPublicIpv4Pool.NotFound", "The public IPv4 pool '%s' does not exist", *in.PublicIpv4Pool)
	case in.NetworkBorderGroup != nil && *in.NetworkBorderGroup != r.Region:
		return nil, awserr.InvalidParameterValue("Invalid network border group: %s", *in.NetworkBorderGroup)
	}
	tagSet, err := tags.ForType(tags.SpecsFromWire(in.TagSpecifications), Kind.Type, Kind.Type)
	if err != nil {
		return nil, err
	}
	if err := authorizeAllocation(r, in.DryRun, tagSet); err != nil {
		return nil, err
	}
	have, err := list(ctx, h.Store, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if len(have) >= MaxPerRegion {
		return nil, awserr.BadRequest("AddressLimitExceeded", "The maximum number of addresses has been reached.")
	}
	for range 64 {
		ip, err := instances.RandomPoolAddr(h.PublicPool)
		if err != nil {
			return nil, err
		}
		a := &Address{Meta: resource.Meta{ID: Kind.NewID(), Account: r.AccountID, Region: r.Region, Tags: tagSet, CreatedAt: r.Now.UTC()},
			PublicIP: ip.String()}
		txn := h.Store.Txn().Create(instances.PublicIPKey(ip), poolOwner{Allocation: a.ID}).
			Create(Kind.Key(r.Region, r.AccountID, a.ID), a)
		usage.Record(txn, a.usageEvent(usage.Created, r.Now))
		err = txn.Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue // the address was taken meanwhile
		}
		if err != nil {
			return nil, err
		}
		return &ec2api.AllocateAddressResult{PublicIp: aws.String(a.PublicIP), AllocationId: aws.String(a.ID), Domain: aws.String("vpc"),
			PublicIpv4Pool: aws.String("amazon"), NetworkBorderGroup: aws.String(r.Region)}, nil
	}
	return nil, awserr.BadRequest("AddressLimitExceeded", "The public address pool %s is exhausted.", h.PublicPool)
}

// find resolves an address by allocation id, else by public IP.
func (h *Handlers) find(ctx context.Context, r *api.Request, allocID, publicIP string) (*Address, int64, error) {
	if allocID != "" {
		if !Kind.ValidID(allocID) {
			return nil, 0, awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\"", allocID)
		}
		return get(ctx, h.Store, r.Region, r.AccountID, allocID)
	}
	all, err := list(ctx, h.Store, r.Region, r.AccountID)
	if err != nil {
		return nil, 0, err
	}
	for _, a := range all {
		if a.PublicIP == publicIP {
			return get(ctx, h.Store, r.Region, r.AccountID, a.ID)
		}
	}
	return nil, 0, awserr.BadRequest("InvalidAddress.NotFound", "Address %s not found.", publicIP)
}

// target resolves the instance an association is for: by id, or as the
// owner of the network interface.
func (h *Handlers) target(ctx context.Context, r *api.Request, instanceID, eniID string) (*instances.Instance, int64, error) {
	if instanceID != "" {
		if !instances.Kind.ValidID(instanceID) {
			return nil, 0, awserr.BadRequest(instances.Kind.Malformed, "Invalid id: \"%s\"", instanceID)
		}
		return h.Instances.Get(ctx, r.Region, r.AccountID, instanceID)
	}
	all, err := h.Instances.List(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, 0, err
	}
	for _, in := range all {
		if in.ENIID == eniID && in.State != instances.Terminated {
			return h.Instances.Get(ctx, r.Region, r.AccountID, in.ID)
		}
	}
	return nil, 0, awserr.BadRequest("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", eniID)
}

// AssociateAddress gives an instance (or its primary interface) the Elastic
// IP. An address associated elsewhere moves only with AllowReassociation; an
// Elastic IP the instance had is disassociated and an auto-assigned public
// address is released, as on AWS.
func (h *Handlers) AssociateAddress(ctx context.Context, r *api.Request, in *ec2api.AssociateAddressRequest) (*ec2api.AssociateAddressResult, error) {
	allocID, publicIP := aws.ToString(in.AllocationId), aws.ToString(in.PublicIp)
	instanceID, eniID := aws.ToString(in.InstanceId), aws.ToString(in.NetworkInterfaceId)
	switch {
	case allocID == "" && publicIP == "":
		return nil, awserr.MissingParameter("AllocationId")
	case instanceID == "" && eniID == "":
		return nil, awserr.MissingParameter("InstanceId")
	case instanceID != "" && eniID != "":
		return nil, awserr.InvalidParameterCombination("You may specify either an instance ID or a network interface ID, not both.")
	}
	for range 20 {
		a, arev, err := h.find(ctx, r, allocID, publicIP)
		if err != nil {
			return nil, err
		}
		t, trev, err := h.target(ctx, r, instanceID, eniID)
		if err != nil {
			return nil, err
		}
		tres, err := h.targetAuthz(ctx, r, t, instanceID != "")
		if err != nil {
			return nil, err
		}
		if err := r.AuthorizeOn(in.DryRun, a.authz(), tres); err != nil {
			return nil, err
		}
		if t.State != instances.Running && t.State != instances.Stopped {
			return nil, awserr.BadRequest("IncorrectInstanceState", "The %s instance '%s' is not in a valid state for this operation.", t.State, t.ID)
		}
		if p := aws.ToString(in.PrivateIpAddress); p != "" && p != t.PrivateIP {
			return nil, awserr.InvalidParameterValue("The private IP address %s is not associated with the network interface %s.", p, t.ENIID)
		}
		if err := h.checkGateway(ctx, r, t.VPCID); err != nil {
			return nil, err
		}
		if a.InstanceID == t.ID {
			return &ec2api.AssociateAddressResult{AssociationId: aws.String(a.AssociationID)}, nil
		}
		if a.AssociationID != "" && !aws.ToBool(in.AllowReassociation) {
			return nil, awserr.BadRequest("Resource.AlreadyAssociated", "resource %s is already associated with associate-id %s", a.ID, a.AssociationID)
		}
		txn := h.Store.Txn()
		if a.InstanceID != "" { // moving: the previous instance loses the address
			prev, prevRev, err := h.Instances.Get(ctx, r.Region, r.AccountID, a.InstanceID)
			if err == nil && prev.EIPAllocation == a.ID {
				prev.PublicIP, prev.EIPAllocation, prev.EIPAssociation = "", "", ""
				txn.Update(instances.Kind.Key(r.Region, r.AccountID, prev.ID), prevRev, prev)
			}
		}
		switch {
		case t.EIPAllocation != "": // the instance's other Elastic IP is disassociated
			if old, orev, err := get(ctx, h.Store, r.Region, r.AccountID, t.EIPAllocation); err == nil && old.InstanceID == t.ID {
				old.disassociate()
				txn.Update(Kind.Key(r.Region, r.AccountID, old.ID), orev, old)
			}
		case t.PublicIP != "": // the auto-assigned address goes back to the pool
			txn.Delete(PublicIPKey(t.PublicIP), 0)
		}
		a.AssociationID, a.InstanceID, a.ENIID, a.PrivateIP, a.AssociatedAt = associationKind.NewID(), t.ID, t.ENIID, t.PrivateIP, r.Now.UTC()
		was := *t
		t.PublicIP, t.EIPAllocation, t.EIPAssociation = a.PublicIP, a.ID, a.AssociationID
		instances.RecordPublicIPv4(txn, &was, t, r.Now)
		err = txn.Update(Kind.Key(r.Region, r.AccountID, a.ID), arev, a).
			Update(instances.Kind.Key(r.Region, r.AccountID, t.ID), trev, t).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		h.kick()
		return &ec2api.AssociateAddressResult{AssociationId: aws.String(a.AssociationID)}, nil
	}
	return nil, busy()
}

// checkGateway refuses an association in a VPC without an internet gateway,
// as AWS does: the address could not reach the instance.
func (h *Handlers) checkGateway(ctx context.Context, r *api.Request, vpcID string) error {
	if h.VPCs == nil {
		return nil
	}
	ok, err := h.VPCs.HasInternetGateway(ctx, r.Region, r.AccountID, vpcID)
	if err != nil {
		return err
	}
	if !ok {
		return awserr.BadRequest("Gateway.NotAttached", "Network %s is not attached to any internet gateway", vpcID)
	}
	return nil
}

// DisassociateAddress ends an association; the instance keeps no public
// address unless its interface asks for an auto-assigned one.
func (h *Handlers) DisassociateAddress(ctx context.Context, r *api.Request, in *ec2api.DisassociateAddressRequest) (*awsquery.Empty, error) {
	assocID, publicIP := aws.ToString(in.AssociationId), aws.ToString(in.PublicIp)
	if assocID == "" && publicIP == "" {
		return nil, awserr.MissingParameter("AssociationId")
	}
	if assocID != "" && !associationKind.ValidID(assocID) {
		return nil, awserr.BadRequest(associationKind.Malformed, "Invalid id: \"%s\"", assocID)
	}
	for range 20 {
		all, err := list(ctx, h.Store, r.Region, r.AccountID)
		if err != nil {
			return nil, err
		}
		var a *Address
		for i := range all {
			if assocID != "" && all[i].AssociationID == assocID || assocID == "" && all[i].PublicIP == publicIP {
				a = &all[i]
			}
		}
		if a == nil && assocID != "" {
			return nil, awserr.BadRequest(associationKind.NotFound, "The association ID '%s' does not exist", assocID)
		}
		if a == nil {
			return nil, awserr.BadRequest("InvalidAddress.NotFound", "Address %s not found.", publicIP)
		}
		if a.AssociationID == "" {
			// Already free, which succeeds, if the caller may disassociate it.
			if err := r.AuthorizeOn(in.DryRun, a.authz()); err != nil {
				return nil, err
			}
			return &awsquery.Empty{}, nil
		}
		a, arev, err := get(ctx, h.Store, r.Region, r.AccountID, a.ID)
		if err != nil {
			return nil, err
		}
		if a.AssociationID == "" {
			continue // disassociated meanwhile
		}
		ifc, err := h.associatedAuthz(ctx, r, a)
		if err != nil {
			return nil, err
		}
		if err := r.AuthorizeOn(in.DryRun, a.authz(), ifc); err != nil {
			return nil, err
		}
		txn := h.Store.Txn()
		if t, trev, err := h.Instances.Get(ctx, r.Region, r.AccountID, a.InstanceID); err == nil && t.EIPAllocation == a.ID {
			t.PublicIP, t.EIPAllocation, t.EIPAssociation = "", "", ""
			txn.Update(instances.Kind.Key(r.Region, r.AccountID, t.ID), trev, t)
		}
		a.disassociate()
		err = txn.Update(Kind.Key(r.Region, r.AccountID, a.ID), arev, a).Commit(ctx)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		h.kick()
		return &awsquery.Empty{}, nil
	}
	return nil, busy()
}

// ReleaseAddress gives an unassociated address back to the pool.
func (h *Handlers) ReleaseAddress(ctx context.Context, r *api.Request, in *ec2api.ReleaseAddressRequest) (*awsquery.Empty, error) {
	allocID, publicIP := aws.ToString(in.AllocationId), aws.ToString(in.PublicIp)
	if allocID == "" && publicIP == "" {
		return nil, awserr.MissingParameter("AllocationId")
	}
	a, rev, err := h.find(ctx, r, allocID, publicIP)
	if err != nil {
		return nil, err
	}
	if err := r.AuthorizeOn(in.DryRun, a.authz()); err != nil {
		return nil, err
	}
	if a.AssociationID != "" {
		return nil, awserr.BadRequest("InvalidIPAddress.InUse", "Address %s is in use.", a.PublicIP)
	}
	txn := h.Store.Txn().Delete(Kind.Key(r.Region, r.AccountID, a.ID), rev).Delete(PublicIPKey(a.PublicIP), 0)
	usage.Record(txn, a.usageEvent(usage.Deleted, r.Now))
	err = txn.Commit(ctx)
	if errors.Is(err, store.ErrConflict) {
		return nil, awserr.BadRequest("InvalidIPAddress.InUse", "Address %s is in use.", a.PublicIP)
	}
	if err != nil {
		return nil, err
	}
	return &awsquery.Empty{}, nil
}

var describeFilters = []string{"allocation-id", "association-id", "domain", "instance-id", "network-border-group",
	"network-interface-id", "network-interface-owner-id", "private-ip-address", "public-ip", "public-ipv4-pool"}

// DescribeAddresses lists the account's Elastic IPs.
func (h *Handlers) DescribeAddresses(ctx context.Context, r *api.Request, in *ec2api.DescribeAddressesRequest) (*ec2api.DescribeAddressesResult, error) {
	fs, err := filter.FromWire(in.Filters, describeFilters, true)
	if err != nil {
		return nil, err
	}
	q := describe.Query[Address]{Kind: Kind, IDs: in.AllocationIds, Filters: fs,
		Page: paging.Request{Op: "DescribeAddresses"},
		Fields: func(a *Address) filter.Fields {
			return filter.Values(map[string][]string{
				"allocation-id": {a.ID}, "association-id": {a.AssociationID}, "domain": {"vpc"}, "instance-id": {a.InstanceID},
				"network-border-group": {a.Region}, "network-interface-id": {a.ENIID}, "network-interface-owner-id": {ownerIf(a)},
				"private-ip-address": {a.PrivateIP}, "public-ip": {a.PublicIP}, "public-ipv4-pool": {"amazon"},
			})
		}}
	if err := q.CheckIDs(); err != nil {
		return nil, err
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := list(ctx, h.Store, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	if len(in.PublicIps) > 0 {
		byIP := map[string]Address{}
		for _, a := range all {
			byIP[a.PublicIP] = a
		}
		var picked []Address
		for _, ip := range in.PublicIps {
			a, ok := byIP[ip]
			if !ok {
				return nil, awserr.BadRequest("InvalidAddress.NotFound", "Address %s not found.", ip)
			}
			picked = append(picked, a)
		}
		all = picked
	}
	page, _, err := q.Run(all)
	if err != nil {
		return nil, err
	}
	out := &ec2api.DescribeAddressesResult{Addresses: []ec2api.Address{}}
	for _, a := range page {
		w := ec2api.Address{PublicIp: aws.String(a.PublicIP), AllocationId: aws.String(a.ID), Domain: aws.String("vpc"),
			PublicIpv4Pool: aws.String("amazon"), NetworkBorderGroup: aws.String(a.Region), Tags: tags.ToWire(a.Tags)}
		if a.AssociationID != "" {
			w.AssociationId, w.InstanceId = aws.String(a.AssociationID), aws.String(a.InstanceID)
			w.NetworkInterfaceId, w.PrivateIpAddress = aws.String(a.ENIID), aws.String(a.PrivateIP)
			w.NetworkInterfaceOwnerId = aws.String(a.Account)
		}
		out.Addresses = append(out.Addresses, w)
	}
	return out, nil
}

func ownerIf(a *Address) string {
	if a.AssociationID == "" {
		return ""
	}
	return a.Account
}
