package vpc_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

func TestSecurityGroupRules(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()
	web := createGroup(t, c, "web")
	other := createGroup(t, c, "other")

	var sshIDs []string
	t.Run("authorize ingress", func(t *testing.T) {
		p := tcp(22, "10.0.0.0/8", "192.168.1.0/24")
		p.IpRanges[0].Description = aws.String("office")
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String("2001:db8::/32")}}
		p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: aws.String(other)}}
		out, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(web), IpPermissions: []types.IpPermission{p, tcp(80, "0.0.0.0/0")},
			TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSecurityGroupRule,
				Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("a")}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if !aws.ToBool(out.Return) || len(out.SecurityGroupRules) != 5 {
			t.Fatalf("authorize: %+v", out)
		}
		for _, r := range out.SecurityGroupRules {
			id := aws.ToString(r.SecurityGroupRuleId)
			if !strings.HasPrefix(id, "sgr-") || len(id) != 21 || aws.ToBool(r.IsEgress) || aws.ToString(r.GroupId) != web ||
				aws.ToString(r.GroupOwnerId) != env.AccountID || len(r.Tags) != 1 {
				t.Errorf("rule %+v", r)
			}
			if aws.ToInt32(r.FromPort) == 22 {
				sshIDs = append(sshIDs, id)
			}
		}
		if r := out.SecurityGroupRules[3]; r.ReferencedGroupInfo == nil || aws.ToString(r.ReferencedGroupInfo.GroupId) != other ||
			aws.ToString(r.ReferencedGroupInfo.UserId) != env.AccountID {
			t.Errorf("group rule %+v", r)
		}
	})
	t.Run("describe groups regroups rules", func(t *testing.T) {
		g := group(t, c, web)
		if len(g.IpPermissions) != 2 {
			t.Fatalf("permissions %+v", g.IpPermissions)
		}
		ssh := g.IpPermissions[0]
		if aws.ToString(ssh.IpProtocol) != "tcp" || aws.ToInt32(ssh.FromPort) != 22 || aws.ToInt32(ssh.ToPort) != 22 ||
			len(ssh.IpRanges) != 2 || len(ssh.Ipv6Ranges) != 1 || len(ssh.UserIdGroupPairs) != 1 {
			t.Fatalf("ssh permission %+v", ssh)
		}
		if aws.ToString(ssh.IpRanges[0].Description) != "office" || aws.ToString(ssh.UserIdGroupPairs[0].UserId) != env.AccountID {
			t.Errorf("ssh permission details %+v", ssh)
		}
	})
	t.Run("authorize errors", func(t *testing.T) {
		perm := func(proto string, from, to *int32, cidr string) []types.IpPermission {
			return []types.IpPermission{{IpProtocol: aws.String(proto), FromPort: from, ToPort: to, IpRanges: []types.IpRange{{CidrIp: aws.String(cidr)}}}}
		}
		p := aws.Int32
		tests := []struct {
			name  string
			group string
			perms []types.IpPermission
			dry   bool
			code  string
		}{
			{"duplicate", web, []types.IpPermission{tcp(22, "10.0.0.0/8")}, false, "InvalidPermission.Duplicate"},
			{"duplicate in request", web, []types.IpPermission{tcp(23, "10.0.0.0/8"), tcp(23, "10.0.0.0/8")}, false, "InvalidPermission.Duplicate"},
			{"unknown protocol", web, perm("foo", nil, nil, "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"protocol 256", web, perm("256", nil, nil, "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"tcp without ports", web, perm("tcp", nil, nil, "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"from > to", web, perm("tcp", p(90), p(80), "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"port 70000", web, perm("udp", p(1), p(70000), "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"icmp type 300", web, perm("icmp", p(300), p(-1), "10.0.0.0/8"), false, "InvalidParameterValue"},
			{"bad cidr", web, perm("tcp", p(1), p(2), "10.0.0.0/33"), false, "InvalidParameterValue"},
			{"host bits", web, perm("tcp", p(1), p(2), "10.0.0.1/8"), false, "InvalidParameterValue"},
			{"ipv6 in IpRanges", web, perm("tcp", p(1), p(2), "::/0"), false, "InvalidParameterValue"},
			{"ipv4 in Ipv6Ranges", web, []types.IpPermission{{IpProtocol: aws.String("-1"), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("10.0.0.0/8")}}}}, false, "InvalidParameterValue"},
			{"bad description", web, []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("1.0.0.0/8"), Description: aws.String("é")}}}}, false, "InvalidParameterValue"},
			{"unknown peer group", web, []types.IpPermission{{IpProtocol: aws.String("-1"), UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String("sg-0123456789abcdef0")}}}}, false, "InvalidGroup.NotFound"},
			{"unknown group", "sg-0123456789abcdef0", []types.IpPermission{tcp(1, "1.0.0.0/8")}, false, "InvalidGroup.NotFound"},
			{"malformed group", "sg-1", []types.IpPermission{tcp(1, "1.0.0.0/8")}, false, "InvalidGroupId.Malformed"},
			{"no permissions", web, nil, false, "MissingParameter"},
			{"dry run", web, []types.IpPermission{tcp(1, "1.0.0.0/8")}, true, "DryRunOperation"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(tt.group), IpPermissions: tt.perms, DryRun: aws.Bool(tt.dry)})
				wantCode(t, err, tt.code)
			})
		}
		if n := len(rulesOf(t, c, web)); n != 6 { // 5 ingress + 1 egress
			t.Errorf("failed authorizations changed the rules: %d", n)
		}
	})
	t.Run("protocol normalisation", func(t *testing.T) {
		g := createGroup(t, c, "protos")
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g), IpPermissions: []types.IpPermission{
			{IpProtocol: aws.String("17"), FromPort: aws.Int32(1000), ToPort: aws.Int32(2000), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
			{IpProtocol: aws.String("50"), FromPort: aws.Int32(1), ToPort: aws.Int32(2), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
			{IpProtocol: aws.String("icmp"), FromPort: aws.Int32(8), ToPort: aws.Int32(-1), IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}},
			{IpProtocol: aws.String("all"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.1.0.0/16")}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range group(t, c, g).IpPermissions {
			got = append(got, fmt.Sprintf("%s:%d:%d", aws.ToString(p.IpProtocol), aws.ToInt32(p.FromPort), aws.ToInt32(p.ToPort)))
		}
		want := []string{"udp:1000:2000", "50:0:0", "icmp:8:-1", "-1:0:0"}
		if !slices.Equal(got, want) {
			t.Errorf("permissions %v, want %v", got, want)
		}
		// "all" duplicates "-1".
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g), IpPermissions: []types.IpPermission{
			{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("10.1.0.0/16")}}}}})
		wantCode(t, err, "InvalidPermission.Duplicate")
	})
	t.Run("legacy form", func(t *testing.T) {
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupName: aws.String("web"),
			IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), CidrIp: aws.String("172.16.0.0/12")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
			SourceSecurityGroupName: aws.String("other")})
		if err != nil {
			t.Fatal(err)
		}
		g := group(t, c, web)
		if len(g.IpPermissions) != 4 || aws.ToString(g.IpPermissions[2].IpRanges[0].CidrIp) != "172.16.0.0/12" ||
			aws.ToString(g.IpPermissions[3].IpProtocol) != "-1" || aws.ToString(g.IpPermissions[3].UserIdGroupPairs[0].GroupId) != other {
			t.Errorf("permissions %+v", g.IpPermissions)
		}
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
			CidrIp: aws.String("1.0.0.0/8"), IpProtocol: aws.String("tcp"), FromPort: aws.Int32(1), ToPort: aws.Int32(1),
			IpPermissions: []types.IpPermission{tcp(2, "1.0.0.0/8")}})
		wantCode(t, err, "InvalidParameterCombination")
	})
	t.Run("describe rules", func(t *testing.T) {
		tests := []struct {
			name string
			in   ec2.DescribeSecurityGroupRulesInput
			n    int
			code string
		}{
			{"by id", ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: sshIDs}, 4, ""},
			{"id filter", ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{{Name: aws.String("security-group-rule-id"), Values: sshIDs[:1]}}}, 1, ""},
			{"group filter", ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{{Name: aws.String("group-id"), Values: []string{web}}}}, 8, ""},
			{"tag filter", ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{{Name: aws.String("tag:team"), Values: []string{"a"}}}}, 5, ""},
			{"unknown id", ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}}, 0, "InvalidSecurityGroupRuleId.NotFound"},
			{"malformed id", ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{"sgr-x"}}, 0, "InvalidSecurityGroupRuleId.Malformed"},
			{"bad filter", ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{{Name: aws.String("color"), Values: []string{"x"}}}}, 0, "InvalidParameterValue"},
			{"dry run", ec2.DescribeSecurityGroupRulesInput{DryRun: aws.Bool(true)}, 0, "DryRunOperation"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := c.DescribeSecurityGroupRules(ctx, &tt.in)
				if tt.code != "" {
					wantCode(t, err, tt.code)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(out.SecurityGroupRules) != tt.n {
					t.Errorf("%d rules, want %d", len(out.SecurityGroupRules), tt.n)
				}
			})
		}
	})
	t.Run("describe rules paging", func(t *testing.T) {
		all, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		pg := ec2.NewDescribeSecurityGroupRulesPaginator(c, &ec2.DescribeSecurityGroupRulesInput{MaxResults: aws.Int32(5)})
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range out.SecurityGroupRules {
				ids = append(ids, aws.ToString(r.SecurityGroupRuleId))
			}
		}
		if len(ids) != len(all.SecurityGroupRules) || len(ids) < 10 {
			t.Errorf("paged %d rules, want %d", len(ids), len(all.SecurityGroupRules))
		}
		_, err = c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{MaxResults: aws.Int32(4)})
		wantCode(t, err, "InvalidParameterValue")
	})
	t.Run("describe groups by rule filters", func(t *testing.T) {
		tests := []struct {
			name, filter, value string
			want                []string
		}{
			{"from-port", "ip-permission.from-port", "22", []string{"web"}},
			{"cidr", "ip-permission.cidr", "172.16.0.0/12", []string{"web"}},
			{"ipv6", "ip-permission.ipv6-cidr", "2001:db8::/32", []string{"web"}},
			{"group-id", "ip-permission.group-id", other, []string{"web"}},
			{"protocol", "ip-permission.protocol", "udp", []string{"protos", "web"}},
			{"egress cidr", "egress.ip-permission.cidr", "0.0.0.0/0", []string{"default", "other", "protos", "web"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{{Name: aws.String(tt.filter), Values: []string{tt.value}}}})
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, g := range out.SecurityGroups {
					names = append(names, aws.ToString(g.GroupName))
				}
				slices.Sort(names)
				if !slices.Equal(names, tt.want) {
					t.Errorf("groups %v, want %v", names, tt.want)
				}
			})
		}
	})
	t.Run("modify rules", func(t *testing.T) {
		_, err := c.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(web),
			SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(sshIDs[1]),
				SecurityGroupRule: &types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(2222), ToPort: aws.Int32(2222),
					CidrIpv4: aws.String("192.168.0.0/16"), Description: aws.String("moved")}}}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: sshIDs[1:2]})
		if err != nil {
			t.Fatal(err)
		}
		r := out.SecurityGroupRules[0]
		if aws.ToInt32(r.FromPort) != 2222 || aws.ToString(r.CidrIpv4) != "192.168.0.0/16" || aws.ToString(r.Description) != "moved" || len(r.Tags) != 1 {
			t.Errorf("modified rule %+v", r)
		}
		tests := []struct {
			name, rule string
			req        types.SecurityGroupRuleRequest
			code       string
		}{
			{"unknown rule", "sgr-0123456789abcdef0", types.SecurityGroupRuleRequest{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("1.0.0.0/8")}, "InvalidSecurityGroupRuleId.NotFound"},
			{"two peers", sshIDs[1], types.SecurityGroupRuleRequest{IpProtocol: aws.String("-1"), CidrIpv4: aws.String("1.0.0.0/8"), CidrIpv6: aws.String("::/0")}, "InvalidParameterCombination"},
			{"duplicate", sshIDs[1], types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("10.0.0.0/8")}, "InvalidPermission.Duplicate"},
			{"bad port", sshIDs[1], types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(-5), ToPort: aws.Int32(22), CidrIpv4: aws.String("10.0.0.0/8")}, "InvalidParameterValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := c.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: aws.String(web),
					SecurityGroupRules: []types.SecurityGroupRuleUpdate{{SecurityGroupRuleId: aws.String(tt.rule), SecurityGroupRule: &tt.req}}})
				wantCode(t, err, tt.code)
			})
		}
	})
	t.Run("update descriptions", func(t *testing.T) {
		_, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: aws.String(web),
			SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(sshIDs[2]), Description: aws.String("v6 users")}}})
		if err != nil {
			t.Fatal(err)
		}
		p := tcp(22, "10.0.0.0/8")
		p.IpRanges[0].Description = aws.String("hq")
		if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{p}}); err != nil {
			t.Fatal(err)
		}
		out, _ := c.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{sshIDs[0], sshIDs[2]}})
		got := map[string]string{}
		for _, r := range out.SecurityGroupRules {
			got[aws.ToString(r.SecurityGroupRuleId)] = aws.ToString(r.Description)
		}
		if got[sshIDs[0]] != "hq" || got[sshIDs[2]] != "v6 users" {
			t.Errorf("descriptions %v", got)
		}
		_, err = c.UpdateSecurityGroupRuleDescriptionsIngress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{tcp(9999, "10.0.0.0/8")}})
		wantCode(t, err, "InvalidPermission.NotFound")
		_, err = c.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{GroupId: aws.String(web),
			SecurityGroupRuleDescriptions: []types.SecurityGroupRuleDescription{{SecurityGroupRuleId: aws.String(sshIDs[0]), Description: aws.String("x")}}})
		wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound") // an ingress rule named as egress
		all := types.IpPermission{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("anywhere")}}}
		if _, err := c.UpdateSecurityGroupRuleDescriptionsEgress(ctx, &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{all}}); err != nil {
			t.Fatal(err)
		}
		if d := aws.ToString(group(t, c, web).IpPermissionsEgress[0].IpRanges[0].Description); d != "anywhere" {
			t.Errorf("egress description %q", d)
		}
	})
	t.Run("revoke ingress", func(t *testing.T) {
		out, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{tcp(80, "0.0.0.0/0"), tcp(81, "0.0.0.0/0")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.UnknownIpPermissions) != 1 || aws.ToInt32(out.UnknownIpPermissions[0].FromPort) != 81 {
			t.Errorf("unknown %+v", out.UnknownIpPermissions)
		}
		_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{tcp(80, "0.0.0.0/0")}})
		wantCode(t, err, "InvalidPermission.NotFound")
		_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), SecurityGroupRuleIds: []string{"sgr-0123456789abcdef0"}})
		wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
		_, err = c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), SecurityGroupRuleIds: sshIDs, DryRun: aws.Bool(true)})
		wantCode(t, err, "DryRunOperation")
		if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web), SecurityGroupRuleIds: sshIDs}); err != nil {
			t.Fatal(err)
		}
		// Legacy form, by group name.
		if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupName: aws.String("web"),
			IpProtocol: aws.String("udp"), FromPort: aws.Int32(53), ToPort: aws.Int32(53), CidrIp: aws.String("172.16.0.0/12")}); err != nil {
			t.Fatal(err)
		}
		g := group(t, c, web)
		if len(g.IpPermissions) != 1 || aws.ToString(g.IpPermissions[0].IpProtocol) != "-1" {
			t.Errorf("left %+v", g.IpPermissions)
		}
	})
	t.Run("egress", func(t *testing.T) {
		out, err := c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{tcp(443, "10.0.0.0/8")}})
		if err != nil || len(out.SecurityGroupRules) != 1 || !aws.ToBool(out.SecurityGroupRules[0].IsEgress) {
			t.Fatalf("authorize egress: %+v %v", out, err)
		}
		_, err = c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{tcp(443, "10.0.0.0/8")}})
		wantCode(t, err, "InvalidPermission.Duplicate")
		if _, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web),
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
			t.Fatal(err)
		}
		g := group(t, c, web)
		if len(g.IpPermissionsEgress) != 1 || aws.ToInt32(g.IpPermissionsEgress[0].FromPort) != 443 {
			t.Errorf("egress %+v", g.IpPermissionsEgress)
		}
		if _, err := c.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(web),
			SecurityGroupRuleIds: []string{aws.ToString(out.SecurityGroupRules[0].SecurityGroupRuleId)}}); err != nil {
			t.Fatal(err)
		}
		if g := group(t, c, web); len(g.IpPermissionsEgress) != 0 {
			t.Errorf("egress left %+v", g.IpPermissionsEgress)
		}
	})
	t.Run("rule limits", func(t *testing.T) {
		g := createGroup(t, c, "big")
		cidrs := func(from, n int) []string {
			var out []string
			for i := range n {
				out = append(out, fmt.Sprintf("10.%d.0.0/16", from+i))
			}
			return out
		}
		if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g),
			IpPermissions: []types.IpPermission{tcp(22, cidrs(0, 60)...)}}); err != nil {
			t.Fatal(err)
		}
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g),
			IpPermissions: []types.IpPermission{tcp(22, cidrs(60, 1)...)}})
		wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
		// IPv6 rules have a quota of their own.
		v6 := types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), Ipv6Ranges: []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}
		if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(g), IpPermissions: []types.IpPermission{v6}}); err != nil {
			t.Fatal(err)
		}
		// Egress starts with one rule, so 60 more make 61.
		_, err = c.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(g),
			IpPermissions: []types.IpPermission{tcp(22, cidrs(0, 60)...)}})
		wantCode(t, err, "RulesPerSecurityGroupLimitExceeded")
		if n := len(rulesOf(t, c, g)); n != 62 {
			t.Errorf("%d rules, want 62", n)
		}
	})
}
