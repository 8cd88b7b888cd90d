package imds

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// metaDataDir builds meta-data/. Entries appear in EC2's (alphabetical)
// order, and an entry is listed only when it has a value, because cloud-init
// fetches everything a listing names and gives up on the first 404.
func (s *Server) metaDataDir(in *Instance) *dir {
	md := &dir{}
	md.add("ami-id", text(in.ImageID))
	md.add("ami-launch-index", text(strconv.Itoa(in.AMILaunchIndex)))
	md.add("ami-manifest-path", text("(unknown)"))
	md.add("block-device-mapping", blockDevices(in.BlockDevices))
	md.add("events", events(in))
	md.add("hostname", text(in.LocalHostname))
	if in.IAM != nil {
		md.add("iam", s.iamDir(in.IAM))
	}
	md.add("instance-action", text("none"))
	md.add("instance-id", text(in.InstanceID))
	md.add("instance-life-cycle", text(lifeCycle(in)))
	md.add("instance-type", text(in.InstanceType))
	md.add("local-hostname", text(in.LocalHostname))
	md.add("local-ipv4", text(in.LocalIPv4))
	md.add("mac", text(in.MAC))
	if in.MAC != "" { // an empty name would list as "/" and resolve to nothing
		macs := (&dir{}).add(in.MAC, subdir(func() *dir { return macDir(in, primaryNIC(in)) }))
		for _, nic := range in.SecondaryNICs {
			macs.add(nic.MAC, subdir(func() *dir { return macDir(in, nic) }))
		}
		md.add("network", (&dir{}).add("interfaces", (&dir{}).add("macs", macs)))
	}
	md.add("placement", placement(in))
	md.add("profile", text("default-hvm"))
	if in.PublicHostname != "" {
		md.add("public-hostname", text(in.PublicHostname))
	}
	if in.PublicIPv4 != "" {
		md.add("public-ipv4", text(in.PublicIPv4))
	}
	if len(in.PublicKeys) > 0 {
		md.add("public-keys", publicKeys(in.PublicKeys))
	}
	md.add("reservation-id", text(in.ReservationID))
	md.add("security-groups", lines(in.SecurityGroups))
	domain, partition := partitionOf(in.Region)
	md.add("services", (&dir{}).add("domain", text(domain)).add("partition", text(partition)))
	if sp := spot(in.SpotAction); sp != nil {
		md.add("spot", sp)
	}
	if in.TagsInMetadata {
		md.add("tags", (&dir{}).add("instance", tags(in.InstanceTags)))
	}
	return md
}

func lifeCycle(in *Instance) string {
	if in.Spot {
		return "spot"
	}
	return "on-demand"
}

func blockDevices(m map[string]string) *dir {
	d := &dir{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		d.add(k, text(m[k]))
	}
	return d
}

// events lists maintenance events (Kumo schedules none, so both are empty
// JSON lists) and a rebalance recommendation once one is issued.
func events(in *Instance) *dir {
	ev := &dir{}
	ev.add("maintenance", (&dir{}).add("history", text("[]")).add("scheduled", text("[]")))
	if in.RebalanceAt != nil {
		rec := compactJSON(field{"noticeTime", awsTime(*in.RebalanceAt)})
		ev.add("recommendations", (&dir{}).add("rebalance", text(rec)))
	}
	return ev
}

// primaryNIC is the primary interface as the instance's own fields describe it.
func primaryNIC(in *Instance) NIC {
	ips := in.LocalIPv4s
	if len(ips) == 0 {
		ips = []string{in.LocalIPv4}
	}
	return NIC{MAC: in.MAC, InterfaceID: in.InterfaceID, DeviceNumber: in.DeviceNumber, LocalIPv4s: ips,
		PublicIPv4: in.PublicIPv4, LocalHostname: in.LocalHostname, PublicHostname: in.PublicHostname,
		SecurityGroups: in.SecurityGroups, SecurityGroupIDs: in.SecurityGroupIDs, SubnetID: in.SubnetID, SubnetCIDR: in.SubnetCIDR}
}

// macDir is network/interfaces/macs/<mac>/ for one interface of the instance.
func macDir(in *Instance, nic NIC) *dir {
	d := &dir{}
	d.add("device-number", text(strconv.Itoa(nic.DeviceNumber)))
	d.add("interface-id", text(nic.InterfaceID))
	if nic.PublicIPv4 != "" {
		d.add("ipv4-associations", (&dir{}).add(nic.PublicIPv4, text(nic.LocalIPv4s[0])))
	}
	d.add("local-hostname", text(nic.LocalHostname))
	d.add("local-ipv4s", lines(nic.LocalIPv4s))
	d.add("mac", text(nic.MAC))
	d.add("owner-id", text(in.AccountID))
	if nic.PublicHostname != "" {
		d.add("public-hostname", text(nic.PublicHostname))
	}
	if nic.PublicIPv4 != "" {
		d.add("public-ipv4s", text(nic.PublicIPv4))
	}
	d.add("security-group-ids", lines(nic.SecurityGroupIDs))
	d.add("security-groups", lines(nic.SecurityGroups))
	d.add("subnet-id", text(nic.SubnetID))
	d.add("subnet-ipv4-cidr-block", text(nic.SubnetCIDR))
	d.add("vpc-id", text(in.VPCID))
	d.add("vpc-ipv4-cidr-block", text(in.VPCCIDR))
	cidrs := in.VPCCIDRs
	if len(cidrs) == 0 {
		cidrs = []string{in.VPCCIDR}
	}
	d.add("vpc-ipv4-cidr-blocks", lines(cidrs))
	return d
}

func placement(in *Instance) *dir {
	d := &dir{}
	d.add("availability-zone", text(in.AvailabilityZone))
	if in.AvailabilityZoneID != "" {
		d.add("availability-zone-id", text(in.AvailabilityZoneID))
	}
	d.add("region", text(in.Region))
	return d
}

// publicKeys lists "0=name" but serves the key under "0/openssh-key"; that
// quirk is what cloud-init parses.
func publicKeys(keys []PublicKey) *dir {
	d := &dir{}
	for i, k := range keys {
		idx := strconv.Itoa(i)
		d.entries = append(d.entries, entry{
			name:  idx,
			label: idx + "=" + k.Name,
			n:     (&dir{}).add("openssh-key", text(k.OpenSSH)),
		})
	}
	return d
}

// partitionOf returns services/domain and services/partition for a region.
func partitionOf(region string) (domain, partition string) {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "amazonaws.com.cn", "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "amazonaws.com", "aws-us-gov"
	}
	return "amazonaws.com", "aws"
}

// spot is spot/, which exists only once an interruption is scheduled;
// termination-time is the older notice and only covers terminations.
func spot(a *SpotAction) *dir {
	if a == nil {
		return nil
	}
	d := &dir{}
	d.add("instance-action", text(compactJSON(field{"action", a.Action}, field{"time", awsTime(a.Time)})))
	if a.Action == "terminate" {
		d.add("termination-time", text(awsTime(a.Time)))
	}
	return d
}

// tags is tags/instance/. A key with a slash cannot be addressed as a path
// segment, so it is left out (EC2 refuses such keys when tags are exposed).
func tags(m map[string]string) *dir {
	d := &dir{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "" || k == "." || k == ".." || strings.Contains(k, "/") {
			continue
		}
		d.add(k, text(m[k]))
	}
	return d
}

// iamDir is iam/: the instance profile and its role's credentials.
func (s *Server) iamDir(iam *IAMInfo) *dir {
	info := lazy(func(context.Context) ([]byte, error) {
		return awsJSON(
			field{"Code", "Success"},
			field{"LastUpdated", awsTime(s.clk.Now())},
			field{"InstanceProfileArn", iam.InstanceProfileArn},
			field{"InstanceProfileId", iam.InstanceProfileID},
		), nil
	})
	creds := lazy(func(ctx context.Context) ([]byte, error) {
		if iam.Credentials == nil {
			return nil, errNoCredentials
		}
		c, err := iam.Credentials(ctx)
		if err != nil {
			return nil, err
		}
		updated := c.LastUpdated
		if updated.IsZero() {
			updated = s.clk.Now()
		}
		return awsJSON(
			field{"Code", "Success"},
			field{"LastUpdated", awsTime(updated)},
			field{"Type", "AWS-HMAC"},
			field{"AccessKeyId", c.AccessKeyID},
			field{"SecretAccessKey", c.SecretAccessKey},
			field{"Token", c.Token},
			field{"Expiration", awsTime(c.Expiration)},
		), nil
	})
	d := &dir{}
	d.add("info", info)
	d.add("security-credentials", (&dir{}).add(iam.RoleName, creds))
	return d
}
