// Package ec2 is the table of the EC2 API Kumo serves: every action, the
// handler that serves it and the throttle bucket it draws from. The handlers
// live in one package per resource family.
package ec2

import (
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/keypairs"
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
}

// Service returns the EC2 service with every action Kumo serves.
func Service(d Deps) *api.Service {
	kp := &keypairs.Handlers{Store: d.Store}
	tg := &tags.Handlers{Store: d.Store}
	rg := &platform.Handlers{Served: d.Regions}
	vp := &vpc.Handlers{VPCs: d.VPCs}
	im := &images.Handlers{Images: d.Images}
	in := d.Instances
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
			"RunInstances":                  {Handler: api.Op(in.RunInstances), Throttle: api.ThrottleRunInstances},
			"DescribeInstances":             {Handler: api.Op(in.DescribeInstances), Throttle: read},
			"DescribeInstanceStatus":        {Handler: api.Op(in.DescribeInstanceStatus), Throttle: read},
			"StartInstances":                {Handler: api.Op(in.StartInstances), Throttle: write},
			"StopInstances":                 {Handler: api.Op(in.StopInstances), Throttle: write},
			"RebootInstances":               {Handler: api.Op(in.RebootInstances), Throttle: write},
			"TerminateInstances":            {Handler: api.Op(in.TerminateInstances), Throttle: api.ThrottleResourceIntensive},
			"GetConsoleOutput":              {Handler: api.Op(in.GetConsoleOutput), Throttle: read},
			"ModifyInstanceAttribute":       {Handler: api.Op(in.ModifyInstanceAttribute), Throttle: write},
			"DescribeInstanceAttribute":     {Handler: api.Op(in.DescribeInstanceAttribute), Throttle: read},
			"ModifyInstanceMetadataOptions": {Handler: api.Op(in.ModifyInstanceMetadataOptions), Throttle: write},
			// Images.
			"DescribeImages": {Handler: api.Op(im.DescribeImages), Throttle: read},
			// VPC networking.
			"DescribeVpcs":           {Handler: api.Op(vp.DescribeVpcs), Throttle: read},
			"DescribeSubnets":        {Handler: api.Op(vp.DescribeSubnets), Throttle: read},
			"DescribeSecurityGroups": {Handler: api.Op(vp.DescribeSecurityGroups), Throttle: read},
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
			// Tags on any resource.
			"CreateTags":   {Handler: api.Op(tg.CreateTags), Throttle: write},
			"DeleteTags":   {Handler: api.Op(tg.DeleteTags), Throttle: write},
			"DescribeTags": {Handler: api.Op(tg.DescribeTags), Throttle: read},
		},
	}
}
