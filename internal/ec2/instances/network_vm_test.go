package instances_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// webUserData serves a page on port 80 with busybox httpd.
const webUserData = `#!/bin/sh
mkdir -p /var/www && echo "hello from web" > /var/www/index.html
httpd -p 80 -h /var/www
`

// backendUserData answers every connection to port 5432 with one line.
const backendUserData = `#!/bin/sh
(while true; do echo backend | nc -l -p 5432; done) >/dev/null 2>&1 &
`

// netFixture is a VPC with a public and a private subnet, as the EC2 user
// guide builds it: an internet gateway and a route table for the public one.
type netFixture struct {
	vpc, public, private, igw, publicRT string
	web, backend                        string // security groups
}

func buildVPC(t *testing.T, c *ec2.Client) netFixture {
	t.Helper()
	ctx := context.Background()
	var f netFixture
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	f.vpc = aws.ToString(v.Vpc.VpcId)
	pub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(f.vpc), CidrBlock: aws.String("10.0.1.0/24")})
	must(err)
	f.public = aws.ToString(pub.Subnet.SubnetId)
	_, err = c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(f.public), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(err)
	priv, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(f.vpc), CidrBlock: aws.String("10.0.2.0/24")})
	must(err)
	f.private = aws.ToString(priv.Subnet.SubnetId)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	f.igw = aws.ToString(igw.InternetGateway.InternetGatewayId)
	_, err = c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(f.igw), VpcId: aws.String(f.vpc)})
	must(err)
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(f.vpc)})
	must(err)
	f.publicRT = aws.ToString(rt.RouteTable.RouteTableId)
	_, err = c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: aws.String(f.publicRT), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(f.igw)})
	must(err)
	_, err = c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(f.publicRT), SubnetId: aws.String(f.public)})
	must(err)

	hostOnly := func(ports ...int32) []types.IpPermission {
		var ps []types.IpPermission
		for _, p := range ports {
			ps = append(ps, types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(p), ToPort: aws.Int32(p),
				IpRanges: []types.IpRange{{CidrIp: aws.String("169.254.0.0/16"), Description: aws.String("the host")}}})
		}
		return ps
	}
	for _, g := range []struct {
		name  string
		id    *string
		ports []int32
	}{{"web", &f.web, []int32{22, 80}}, {"backend", &f.backend, []int32{22}}} {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(g.name), Description: aws.String(g.name), VpcId: aws.String(f.vpc)})
		must(err)
		*g.id = aws.ToString(out.GroupId)
		_, err = c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.id, IpPermissions: hostOnly(g.ports...)})
		must(err)
	}
	return f
}

func launch(t *testing.T, c *ec2.Client, image, subnet, group, key, userData string, public bool, privateIP string) string {
	t.Helper()
	ni := types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0), SubnetId: aws.String(subnet),
		Groups: []string{group}, AssociatePublicIpAddress: aws.Bool(public)}
	if privateIP != "" {
		ni.PrivateIpAddress = aws.String(privateIP)
	}
	out, err := c.RunInstances(context.Background(), &ec2.RunInstancesInput{
		ImageId: aws.String(image), InstanceType: types.InstanceTypeT2Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		KeyName: aws.String(key), UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(userData))),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{ni},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.Instances[0].InstanceId)
}

// httpGet is a shell command fetching / from addr's port 80 inside a guest
// (busybox nc; its wget needs a resolver).
func httpGet(addr string) string {
	return `printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 ` + addr + ` 80 2>/dev/null`
}

// reach dials addr:port from the host: "ok", "refused" or "timeout".
func reach(addr string, port int) string {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, fmt.Sprint(port)), 2*time.Second)
	if err == nil {
		conn.Close()
		return "ok"
	}
	if strings.Contains(err.Error(), "refused") {
		return "refused"
	}
	return "timeout"
}

// eventually retries check until it returns "" or within passes.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func keyPair(t *testing.T, c *ec2.Client, name string) ssh.Signer {
	t.Helper()
	kp, err := c.CreateKeyPair(context.Background(), &ec2.CreateKeyPairInput{KeyName: aws.String(name), KeyType: types.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(aws.ToString(kp.KeyMaterial)))
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

func minimalImage(t *testing.T, c *ec2.Client) string {
	t.Helper()
	imgs, err := c.DescribeImages(context.Background(), &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"kumo-minimal"}}}})
	if err != nil || len(imgs.Images) != 1 {
		t.Fatalf("kumo-minimal: %v %v", imgs, err)
	}
	return aws.ToString(imgs.Images[0].ImageId)
}

// TestVPCNetworkingOnRealVMs builds the EC2 user guide's VPC (public and
// private subnet, internet gateway, route table) and checks with real guests
// that reachability is exactly what groups and routes say; then Elastic IPs,
// a hot-plugged interface, the VPC resolver and an overlapping VPC of another
// account.
func TestVPCNetworkingOnRealVMs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs VMs and network namespaces: run it as root (make test does)")
	}
	env := testenv.Start(t, testenv.WithAgent())
	c := env.EC2()
	ctx := context.Background()
	signer := keyPair(t, c, "net")
	image := minimalImage(t, c)
	f := buildVPC(t, c)

	web := launch(t, c, image, f.public, f.web, "net", webUserData, true, "10.0.1.10")
	backend := launch(t, c, image, f.private, f.backend, "net", backendUserData, true, "10.0.2.20")
	other := env.NewAccount(t, "tenant")
	otherKey := keyPair(t, other, "net")
	otherVPC := buildVPC(t, other)
	// Its web server would let 10.0.0.0/16 in: only the VPC boundary stops web.
	if _, err := other.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(otherVPC.web),
		IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			IpRanges: []types.IpRange{{CidrIp: aws.String("10.0.0.0/16")}}}}}); err != nil {
		t.Fatal(err)
	}
	twin := launch(t, other, minimalImage(t, other), otherVPC.public, otherVPC.web, "net", webUserData, true, "10.0.1.11")

	webInst := waitState(t, c, web, types.InstanceStateNameRunning, 5*time.Minute)
	backendInst := waitState(t, c, backend, types.InstanceStateNameRunning, 5*time.Minute)
	twinInst := waitState(t, other, twin, types.InstanceStateNameRunning, 5*time.Minute)
	webIP, backendIP := aws.ToString(webInst.PublicIpAddress), aws.ToString(backendInst.PublicIpAddress)
	if webIP == "" || backendIP == "" {
		t.Fatalf("public addresses: web %q backend %q", webIP, backendIP)
	}
	inWeb := func(cmd string) string { return sshRun(t, webIP, signer, cmd, 3*time.Minute) }
	// The web server's user data runs after SSH is up.
	inWeb("for i in $(seq 100); do " + httpGet("127.0.0.1") + " | grep -q hello && break; sleep 0.3; done")

	t.Run("reachability matrix", func(t *testing.T) {
		eventually(t, 10*time.Second, func() string {
			resp, err := http.Get("http://" + webIP + "/")
			if err != nil {
				return fmt.Sprintf("host→web:80: %v", err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if strings.TrimSpace(string(b)) != "hello from web" {
				return fmt.Sprintf("host→web:80 answered %q", b)
			}
			return ""
		})
		if got := reach(webIP, 8080); got != "timeout" {
			t.Errorf("host→web:8080 (not allowed) = %s, want timeout", got)
		}
		// The backend allows SSH from the host, but its subnet has no route
		// to the internet gateway: its public address reaches nothing.
		if got := reach(backendIP, 22); got != "timeout" {
			t.Errorf("host→backend:22 without an internet route = %s, want timeout", got)
		}
		// web→backend needs a rule naming web's group.
		if got := inWeb("nc -w 3 10.0.2.20 5432 </dev/null 2>/dev/null || echo blocked"); strings.TrimSpace(got) != "blocked" {
			t.Errorf("web→backend:5432 before the group rule = %q, want blocked", got)
		}
		_, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(f.backend),
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(f.web)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		if got := inWeb("for i in 1 2 3 4 5; do nc -w 2 10.0.2.20 5432 </dev/null && break; sleep 0.2; done"); strings.TrimSpace(got) != "backend" {
			t.Errorf("web→backend:5432 after the group rule = %q, want backend", got)
		}
		if _, err := c.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(f.backend),
			IpPermissions: []types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432),
				UserIdGroupPairs: []types.UserIdGroupPair{{GroupId: aws.String(f.web)}}}}}); err != nil {
			t.Fatal(err)
		}
		// Revoked: new connections stop within a second.
		if got := inWeb("sleep 1; nc -w 2 10.0.2.20 5432 </dev/null 2>/dev/null || echo blocked"); strings.TrimSpace(got) != "blocked" {
			t.Errorf("web→backend:5432 a second after revoking = %q, want blocked", got)
		}
	})

	t.Run("a route to the internet gateway makes the private subnet public", func(t *testing.T) {
		assoc, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(f.publicRT), SubnetId: aws.String(f.private)})
		if err != nil {
			t.Fatal(err)
		}
		if got := sshRun(t, backendIP, signer, "hostname", time.Minute); !strings.HasPrefix(got, "ip-10-0-2-20") {
			t.Errorf("ssh to the backend answered %q", got)
		}
		if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, func() string {
			if got := reach(backendIP, 22); got != "timeout" {
				return "host→backend:22 after removing the route = " + got
			}
			return ""
		})
	})

	t.Run("elastic ip moves between instances", func(t *testing.T) {
		alloc, err := c.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
		if err != nil {
			t.Fatal(err)
		}
		eip := aws.ToString(alloc.PublicIp)
		if _, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(web)}); err != nil {
			t.Fatal(err)
		}
		if got := sshRun(t, eip, signer, "hostname", time.Minute); !strings.HasPrefix(got, "ip-10-0-1-10") {
			t.Errorf("ssh to the elastic ip reached %q", got)
		}
		if got := reach(webIP, 22); got != "timeout" {
			t.Errorf("the auto-assigned address still answers after the elastic ip replaced it: %s", got)
		}
		_, err = c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(backend)})
		if code(err) != "Resource.AlreadyAssociated" {
			t.Fatalf("move without AllowReassociation: %v", err)
		}
		// Give the backend's subnet the route, then move the address there.
		assoc, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(f.publicRT), SubnetId: aws.String(f.private)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(backend), AllowReassociation: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
		// The move applies within moments, as on AWS: new connections
		// reach the backend.
		eventually(t, 10*time.Second, func() string {
			if got := sshRun(t, eip, signer, "hostname", time.Minute); !strings.HasPrefix(got, "ip-10-0-2-20") {
				return "after the move the elastic ip reached " + got
			}
			return ""
		})
		// The web server lost its addresses; as on AWS it gets a new auto-assigned one.
		eventually(t, 10*time.Second, func() string {
			out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{web}})
			if err != nil {
				return err.Error()
			}
			ip := aws.ToString(out.Reservations[0].Instances[0].PublicIpAddress)
			if ip == "" || ip == eip {
				return "web has public address " + ip
			}
			webIP = ip
			return ""
		})
		addrs, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{aws.ToString(alloc.AllocationId)}})
		if err != nil || aws.ToString(addrs.Addresses[0].InstanceId) != backend || aws.ToString(addrs.Addresses[0].PrivateIpAddress) != "10.0.2.20" {
			t.Fatalf("describe addresses: %+v %v", addrs, err)
		}
		if _, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: alloc.AllocationId}); code(err) != "InvalidIPAddress.InUse" {
			t.Fatalf("release while associated: %v", err)
		}
		if _, err := c.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: addrs.Addresses[0].AssociationId}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: alloc.AllocationId}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: assoc.AssociationId}); err != nil {
			t.Fatal(err)
		}
		inWeb = func(cmd string) string { return sshRun(t, webIP, signer, cmd, 3*time.Minute) }
	})

	t.Run("vpc resolver answers private names", func(t *testing.T) {
		got := inWeb("nslookup ip-10-0-2-20.ec2.internal 10.0.0.2")
		if !strings.Contains(got, "10.0.2.20") {
			t.Errorf("nslookup from web:\n%s", got)
		}
	})

	t.Run("secondary private address passes once assigned", func(t *testing.T) {
		// The guest may claim any address; anti-spoofing passes only those
		// the interface was assigned.
		ping := "sudo ping -c 1 -W 2 -I 10.0.1.77 10.0.0.2 >/dev/null 2>&1 && echo passed || echo dropped"
		if got := inWeb("sudo ip addr add 10.0.1.77/24 dev eth0; " + ping); strings.TrimSpace(got) != "dropped" {
			t.Fatalf("from an unassigned address: %q", got)
		}
		eniID := webInst.NetworkInterfaces[0].NetworkInterfaceId
		if _, err := c.AssignPrivateIpAddresses(ctx, &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: eniID, PrivateIpAddresses: []string{"10.0.1.77"}}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 5*time.Second, func() string {
			if got := inWeb(ping); strings.TrimSpace(got) != "passed" {
				return "from the assigned secondary address: " + got
			}
			return ""
		})
		out, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{web}})
		if err != nil {
			t.Fatal(err)
		}
		if ips := out.Reservations[0].Instances[0].NetworkInterfaces[0].PrivateIpAddresses; len(ips) != 2 || aws.ToString(ips[1].PrivateIpAddress) != "10.0.1.77" {
			t.Errorf("DescribeInstances private addresses: %+v", ips)
		}
	})

	t.Run("hot-plugged interface gets its address by dhcp", func(t *testing.T) {
		eni, err := c.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(f.public),
			Groups: []string{f.web}, PrivateIpAddress: aws.String("10.0.1.50")})
		if err != nil {
			t.Fatal(err)
		}
		eniID := eni.NetworkInterface.NetworkInterfaceId
		att, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: eniID, InstanceId: aws.String(web), DeviceIndex: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		got := inWeb("for i in $(seq 60); do ip -4 addr show eth1 2>/dev/null | grep -q 10.0.1.50 && break; sleep 0.5; done; ip -4 -o addr show eth1")
		if !strings.Contains(got, "10.0.1.50") {
			t.Fatalf("eth1 in the guest: %q", got)
		}
		// The metadata service describes the new interface under its MAC.
		path := "network/interfaces/macs/" + aws.ToString(eni.NetworkInterface.MacAddress) + "/interface-id"
		eventually(t, 10*time.Second, func() string {
			got := inWeb(fmt.Sprintf("sh -c '%s' _ %s", strings.ReplaceAll(imdsV2, "'", `'\''`), path))
			if strings.TrimSpace(got) != aws.ToString(eniID) {
				return fmt.Sprintf("metadata %s = %q", path, got)
			}
			return ""
		})
		eventually(t, 10*time.Second, func() string {
			out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(eniID)}})
			if err != nil {
				return err.Error()
			}
			if st := out.NetworkInterfaces[0].Status; st != types.NetworkInterfaceStatusInUse {
				return "interface status " + string(st)
			}
			return ""
		})
		if _, err := c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId}); err != nil {
			t.Fatal(err)
		}
		eventually(t, 30*time.Second, func() string {
			out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(eniID)}})
			if err != nil {
				return err.Error()
			}
			if st := out.NetworkInterfaces[0].Status; st != types.NetworkInterfaceStatusAvailable {
				return "interface status after detach " + string(st)
			}
			return ""
		})
		if got := inWeb("ip link show eth1 >/dev/null 2>&1 && echo present || echo gone"); strings.TrimSpace(got) != "gone" {
			t.Errorf("eth1 after detach: %q", got)
		}
	})

	t.Run("another account's overlapping vpc is invisible", func(t *testing.T) {
		// Both accounts use 10.0.0.0/16 at once; each reaches only its own.
		twinIP := aws.ToString(twinInst.PublicIpAddress)
		got := sshRun(t, twinIP, otherKey, "for i in $(seq 100); do "+httpGet("127.0.0.1")+" | grep -q hello && break; sleep 0.3; done; hostname; "+httpGet("10.0.1.11"), 3*time.Minute)
		if !strings.HasPrefix(got, "ip-10-0-1-11") || !strings.Contains(got, "hello from web") {
			t.Fatalf("the twin answered %q", got)
		}
		if got := inWeb(httpGet("10.0.1.11") + " | grep hello || echo unreachable"); strings.TrimSpace(got) != "unreachable" {
			t.Errorf("web reached the other account's 10.0.1.11: %q", got)
		}
	})
}
