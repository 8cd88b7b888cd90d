// Package ec2 is the table of the EC2 API Kumo serves: every action, the
// handler that serves it and the throttle bucket it draws from. The handlers
// live in one package per resource family.
package ec2

import (
	"context"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/addresses"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/keypairs"
	"github.com/kumo-cloud/kumo/internal/ec2/netif"
	"github.com/kumo-cloud/kumo/internal/ec2/platform"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/store"
)

// Deps are what the EC2 handlers need.
type Deps struct {
	Store   *store.Store
	Regions []string
	VPCs    *vpc.Service
	Images  *images.Service
	// Instances serves the instance actions (its fields wire the host agent in).
	Instances *instances.Handlers
	// EBS serves the volume and snapshot actions; Service fills in its
	// instance lookup and agent kick when unset.
	EBS *ebs.Handlers
}

// Service returns the EC2 service with every action Kumo serves.
func Service(d Deps) *api.Service {
	kp := &keypairs.Handlers{Store: d.Store}
	tg := &tags.Handlers{Store: d.Store}
	rg := &platform.Handlers{Served: d.Regions}
	vp := &vpc.Handlers{VPCs: d.VPCs}
	im := &images.Handlers{Images: d.Images, Regions: d.Regions, Idem: d.Instances.Idem, Kick: d.Instances.Kick}
	in := d.Instances
	ni := &netif.Handlers{Store: d.Store, Instances: in.Instances, VPCs: d.VPCs, Kick: in.Kick}
	in.AttachedInterfaces = ni.AttachedInterfaces
	ad := &addresses.Handlers{Store: d.Store, Instances: in.Instances, VPCs: d.VPCs, PublicPool: in.PublicPool, Kick: in.Kick}
	eb := d.EBS
	if eb == nil {
		eb = &ebs.Handlers{Store: &ebs.Store{S: d.Store}, Host: in.Capacity.Host, Idem: in.Idem, ModifyCooldown: ebs.DefaultModifyCooldown}
	}
	if eb.Instance == nil {
		eb.Instance = ebsInstance(in.Instances)
	}
	if eb.Kick == nil {
		eb.Kick = in.Kick
	}
	if eb.InUseByImage == nil {
		eb.InUseByImage = d.Images.SnapshotInUse
	}
	const (
		read  = api.ThrottleNonMutating
		write = api.ThrottleMutating
	)
	return &api.Service{
		Wire: ec2api.Service,
		Routes: map[string]api.Route{
			// Regions, zones, account and the instance-type catalog.
			"DescribeRegions":               {Handler: api.Op(rg.DescribeRegions), Throttle: read},
			"DescribeAvailabilityZones":     {Handler: api.Op(rg.DescribeAvailabilityZones), Throttle: read},
			"DescribeAccountAttributes":     {Handler: api.Op(rg.DescribeAccountAttributes), Throttle: read},
			"DescribeInstanceTypes":         {Handler: api.Op(rg.DescribeInstanceTypes), Throttle: read},
			"DescribeInstanceTypeOfferings": {Handler: api.Op(rg.DescribeInstanceTypeOfferings), Throttle: read},
			// Key pairs.
			"CreateKeyPair":    {Handler: api.Op(kp.CreateKeyPair), Throttle: write},
			"ImportKeyPair":    {Handler: api.Op(kp.ImportKeyPair), Throttle: write},
			"DescribeKeyPairs": {Handler: api.Op(kp.DescribeKeyPairs), Throttle: read},
			"DeleteKeyPair":    {Handler: api.Op(kp.DeleteKeyPair), Throttle: write},
			// Instances.
			"RunInstances":                           {Handler: api.Op(in.RunInstances), Throttle: api.ThrottleRunInstances},
			"DescribeInstances":                      {Handler: api.Op(in.DescribeInstances), Throttle: read},
			"DescribeInstanceStatus":                 {Handler: api.Op(in.DescribeInstanceStatus), Throttle: read},
			"StartInstances":                         {Handler: api.Op(in.StartInstances), Throttle: write},
			"StopInstances":                          {Handler: api.Op(in.StopInstances), Throttle: write},
			"RebootInstances":                        {Handler: api.Op(in.RebootInstances), Throttle: write},
			"TerminateInstances":                     {Handler: api.Op(in.TerminateInstances), Throttle: api.ThrottleResourceIntensive},
			"GetConsoleOutput":                       {Handler: api.Op(in.GetConsoleOutput), Throttle: read},
			"ModifyInstanceAttribute":                {Handler: api.Op(in.ModifyInstanceAttribute), Throttle: write},
			"DescribeInstanceAttribute":              {Handler: api.Op(in.DescribeInstanceAttribute), Throttle: read},
			"ModifyInstanceMetadataOptions":          {Handler: api.Op(in.ModifyInstanceMetadataOptions), Throttle: write},
			"AssociateIamInstanceProfile":            {Handler: api.Op(in.AssociateIamInstanceProfile), Throttle: write},
			"ReplaceIamInstanceProfileAssociation":   {Handler: api.Op(in.ReplaceIamInstanceProfileAssociation), Throttle: write},
			"DisassociateIamInstanceProfile":         {Handler: api.Op(in.DisassociateIamInstanceProfile), Throttle: write},
			"DescribeIamInstanceProfileAssociations": {Handler: api.Op(in.DescribeIamInstanceProfileAssociations), Throttle: read},
			// Images.
			"DescribeImages":         {Handler: api.Op(im.DescribeImages), Throttle: read},
			"CreateImage":            {Handler: api.Op(im.CreateImage), Throttle: write},
			"RegisterImage":          {Handler: api.Op(im.RegisterImage), Throttle: write},
			"CopyImage":              {Handler: api.Op(im.CopyImage), Throttle: write},
			"DeregisterImage":        {Handler: api.Op(im.DeregisterImage), Throttle: write},
			"ModifyImageAttribute":   {Handler: api.Op(im.ModifyImageAttribute), Throttle: write},
			"DescribeImageAttribute": {Handler: api.Op(im.DescribeImageAttribute), Throttle: read},
			"ResetImageAttribute":    {Handler: api.Op(im.ResetImageAttribute), Throttle: write},
			// VPC networking.
			"CreateVpc":                    {Handler: api.Op(vp.CreateVpc), Throttle: write},
			"DeleteVpc":                    {Handler: api.Op(vp.DeleteVpc), Throttle: write},
			"DescribeVpcs":                 {Handler: api.Op(vp.DescribeVpcs), Throttle: read},
			"ModifyVpcAttribute":           {Handler: api.Op(vp.ModifyVpcAttribute), Throttle: write},
			"DescribeVpcAttribute":         {Handler: api.Op(vp.DescribeVpcAttribute), Throttle: read},
			"CreateSubnet":                 {Handler: api.Op(vp.CreateSubnet), Throttle: write},
			"DeleteSubnet":                 {Handler: api.Op(vp.DeleteSubnet), Throttle: write},
			"DescribeSubnets":              {Handler: api.Op(vp.DescribeSubnets), Throttle: read},
			"ModifySubnetAttribute":        {Handler: api.Op(vp.ModifySubnetAttribute), Throttle: write},
			"CreateInternetGateway":        {Handler: api.Op(vp.CreateInternetGateway), Throttle: write},
			"DeleteInternetGateway":        {Handler: api.Op(vp.DeleteInternetGateway), Throttle: write},
			"AttachInternetGateway":        {Handler: api.Op(vp.AttachInternetGateway), Throttle: write},
			"DetachInternetGateway":        {Handler: api.Op(vp.DetachInternetGateway), Throttle: write},
			"DescribeInternetGateways":     {Handler: api.Op(vp.DescribeInternetGateways), Throttle: read},
			"CreateRouteTable":             {Handler: api.Op(vp.CreateRouteTable), Throttle: write},
			"DeleteRouteTable":             {Handler: api.Op(vp.DeleteRouteTable), Throttle: write},
			"DescribeRouteTables":          {Handler: api.Op(vp.DescribeRouteTables), Throttle: read},
			"CreateRoute":                  {Handler: api.Op(vp.CreateRoute), Throttle: write},
			"DeleteRoute":                  {Handler: api.Op(vp.DeleteRoute), Throttle: write},
			"ReplaceRoute":                 {Handler: api.Op(vp.ReplaceRoute), Throttle: write},
			"AssociateRouteTable":          {Handler: api.Op(vp.AssociateRouteTable), Throttle: write},
			"DisassociateRouteTable":       {Handler: api.Op(vp.DisassociateRouteTable), Throttle: write},
			"ReplaceRouteTableAssociation": {Handler: api.Op(vp.ReplaceRouteTableAssociation), Throttle: write},
			"DescribeSecurityGroups":       {Handler: api.Op(vp.DescribeSecurityGroups), Throttle: read},
			// Security groups and their rules.
			"CreateSecurityGroup":                        {Handler: api.Op(vp.CreateSecurityGroup), Throttle: write},
			"DeleteSecurityGroup":                        {Handler: api.Op(vp.DeleteSecurityGroup), Throttle: write},
			"AuthorizeSecurityGroupIngress":              {Handler: api.Op(vp.AuthorizeSecurityGroupIngress), Throttle: write},
			"AuthorizeSecurityGroupEgress":               {Handler: api.Op(vp.AuthorizeSecurityGroupEgress), Throttle: write},
			"RevokeSecurityGroupIngress":                 {Handler: api.Op(vp.RevokeSecurityGroupIngress), Throttle: write},
			"RevokeSecurityGroupEgress":                  {Handler: api.Op(vp.RevokeSecurityGroupEgress), Throttle: write},
			"DescribeSecurityGroupRules":                 {Handler: api.Op(vp.DescribeSecurityGroupRules), Throttle: read},
			"ModifySecurityGroupRules":                   {Handler: api.Op(vp.ModifySecurityGroupRules), Throttle: write},
			"UpdateSecurityGroupRuleDescriptionsIngress": {Handler: api.Op(vp.UpdateSecurityGroupRuleDescriptionsIngress), Throttle: write},
			"UpdateSecurityGroupRuleDescriptionsEgress":  {Handler: api.Op(vp.UpdateSecurityGroupRuleDescriptionsEgress), Throttle: write},
			// Elastic IPs.
			"AllocateAddress":     {Handler: api.Op(ad.AllocateAddress), Throttle: write},
			"AssociateAddress":    {Handler: api.Op(ad.AssociateAddress), Throttle: write},
			"DisassociateAddress": {Handler: api.Op(ad.DisassociateAddress), Throttle: write},
			"ReleaseAddress":      {Handler: api.Op(ad.ReleaseAddress), Throttle: write},
			"DescribeAddresses":   {Handler: api.Op(ad.DescribeAddresses), Throttle: read},
			// Network interfaces.
			"CreateNetworkInterface":            {Handler: api.Op(ni.CreateNetworkInterface), Throttle: write},
			"DeleteNetworkInterface":            {Handler: api.Op(ni.DeleteNetworkInterface), Throttle: write},
			"AttachNetworkInterface":            {Handler: api.Op(ni.AttachNetworkInterface), Throttle: write},
			"DetachNetworkInterface":            {Handler: api.Op(ni.DetachNetworkInterface), Throttle: write},
			"DescribeNetworkInterfaces":         {Handler: api.Op(ni.DescribeNetworkInterfaces), Throttle: read},
			"ModifyNetworkInterfaceAttribute":   {Handler: api.Op(ni.ModifyNetworkInterfaceAttribute), Throttle: write},
			"DescribeNetworkInterfaceAttribute": {Handler: api.Op(ni.DescribeNetworkInterfaceAttribute), Throttle: read},
			"AssignPrivateIpAddresses":          {Handler: api.Op(ni.AssignPrivateIpAddresses), Throttle: write},
			"UnassignPrivateIpAddresses":        {Handler: api.Op(ni.UnassignPrivateIpAddresses), Throttle: write},
			// EBS volumes.
			"CreateVolume":                 {Handler: api.Op(eb.CreateVolume), Throttle: write},
			"DeleteVolume":                 {Handler: api.Op(eb.DeleteVolume), Throttle: write},
			"DescribeVolumes":              {Handler: api.Op(eb.DescribeVolumes), Throttle: read},
			"DescribeVolumeStatus":         {Handler: api.Op(eb.DescribeVolumeStatus), Throttle: read},
			"DescribeVolumeAttribute":      {Handler: api.Op(eb.DescribeVolumeAttribute), Throttle: read},
			"AttachVolume":                 {Handler: api.Op(eb.AttachVolume), Throttle: write},
			"DetachVolume":                 {Handler: api.Op(eb.DetachVolume), Throttle: write},
			"ModifyVolume":                 {Handler: api.Op(eb.ModifyVolume), Throttle: write},
			"DescribeVolumesModifications": {Handler: api.Op(eb.DescribeVolumesModifications), Throttle: read},
			// EBS snapshots.
			"CreateSnapshot":            {Handler: api.Op(eb.CreateSnapshot), Throttle: write},
			"CreateSnapshots":           {Handler: api.Op(eb.CreateSnapshots), Throttle: write},
			"DescribeSnapshots":         {Handler: api.Op(eb.DescribeSnapshots), Throttle: read},
			"DeleteSnapshot":            {Handler: api.Op(eb.DeleteSnapshot), Throttle: write},
			"CopySnapshot":              {Handler: api.Op(eb.CopySnapshot), Throttle: write},
			"ModifySnapshotAttribute":   {Handler: api.Op(eb.ModifySnapshotAttribute), Throttle: write},
			"DescribeSnapshotAttribute": {Handler: api.Op(eb.DescribeSnapshotAttribute), Throttle: read},
			"ResetSnapshotAttribute":    {Handler: api.Op(eb.ResetSnapshotAttribute), Throttle: write},
			// Tags on any resource.
			"CreateTags":   {Handler: api.Op(tg.CreateTags), Throttle: write},
			"DeleteTags":   {Handler: api.Op(tg.DeleteTags), Throttle: write},
			"DescribeTags": {Handler: api.Op(tg.DescribeTags), Throttle: read},
		},
	}
}

// ebsInstance looks instances up for the EBS actions (the instances package
// imports ebs, so ebs takes this function rather than the store).
func ebsInstance(s *instances.Store) func(ctx context.Context, region, account, id string) (*ebs.InstanceInfo, error) {
	return func(ctx context.Context, region, account, id string) (*ebs.InstanceInfo, error) {
		i, _, err := s.Get(ctx, region, account, id)
		if err != nil {
			return nil, err
		}
		return &ebs.InstanceInfo{ID: i.ID, AvailabilityZone: i.AvailabilityZone, State: string(i.State),
			RootDevice: i.Root.DeviceName, RootVolumeID: i.Root.VolumeID}, nil
	}
}
