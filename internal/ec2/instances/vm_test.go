package instances_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// userData runs once per instance: it appends to a file, so the line count tells
// how often it ran.
const userData = `#!/bin/sh
echo "ran as uid $(id -u)" >> /var/tmp/user-data-runs
`

func waitState(t *testing.T, c *ec2.Client, id string, want types.InstanceStateName, within time.Duration) types.Instance {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := c.DescribeInstances(context.Background(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		inst := out.Reservations[0].Instances[0]
		if inst.State.Name == want {
			return inst
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %s is %s after %s, want %s (reason %+v)", id, inst.State.Name, within, want, inst.StateReason)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// sshRun logs in as ec2-user with the key and runs cmd, retrying until the
// guest's SSH server answers.
func sshRun(t *testing.T, addr string, signer ssh.Signer, cmd string, within time.Duration) string {
	t.Helper()
	cfg := &ssh.ClientConfig{User: "ec2-user", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
	deadline := time.Now().Add(within)
	for {
		client, err := ssh.Dial("tcp", net.JoinHostPort(addr, "22"), cfg)
		if err == nil {
			var sess *ssh.Session
			var out []byte
			if sess, err = client.NewSession(); err == nil {
				out, err = sess.CombinedOutput(cmd)
			}
			client.Close()
			if err == nil {
				return string(out)
			}
			var exit *ssh.ExitError
			if errors.As(err, &exit) {
				t.Fatalf("ssh %q: %v: %s", cmd, err, out)
			}
			// The connection died (a reboot under way): try again.
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh to %s did not work within %s: %v", addr, within, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// imdsV2 fetches a metadata path from inside the guest with the IMDSv2 token
// flow, using busybox nc.
const imdsV2 = `tok=$(printf 'PUT /latest/api/token HTTP/1.0\r\nX-aws-ec2-metadata-token-ttl-seconds: 60\r\n\r\n' | nc 169.254.169.254 80 | tail -n 1)
printf 'GET /latest/meta-data/%s HTTP/1.0\r\nX-aws-ec2-metadata-token: %s\r\n\r\n' "$1" "$tok" | nc 169.254.169.254 80 | tail -n 1`

func TestInstanceLifecycleOnARealVM(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test runs VMs and network namespaces: run it as root (make test does)")
	}
	for _, tool := range []string{"qemu-system-x86_64", "qemu-img", "nft", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: run scripts/setup.sh", tool)
		}
	}
	env := testenv.Start(t, testenv.WithAgent())
	c := env.EC2()
	ctx := context.Background()

	kp, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("vm"), KeyType: types.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.ParsePrivateKey([]byte(aws.ToString(kp.KeyMaterial)))
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{"kumo-minimal"}}}})
	if err != nil || len(imgs.Images) != 1 {
		t.Fatalf("kumo-minimal: %v %v", imgs, err)
	}
	run, err := c.RunInstances(ctx, &ec2.RunInstancesInput{
		ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT2Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		KeyName: aws.String("vm"), UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(userData))),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
			Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("vm-test")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(run.Instances[0].InstanceId)
	if run.Instances[0].State.Name != types.InstanceStateNamePending {
		t.Errorf("RunInstances answered state %s, want pending", run.Instances[0].State.Name)
	}
	// The first launch may build kumo-minimal from Debian packages.
	inst := waitState(t, c, id, types.InstanceStateNameRunning, 5*time.Minute)
	ip := aws.ToString(inst.PublicIpAddress)
	if ip == "" {
		t.Fatal("running instance has no public address")
	}

	t.Run("security group decides reachability", func(t *testing.T) {
		// Wait until the guest answers on the inside (its metadata fetch marks
		// it ready), so a timeout below is the firewall, not a slow boot.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			st, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
			if err == nil && len(st.InstanceStatuses) == 1 && st.InstanceStatuses[0].InstanceStatus.Status == types.SummaryStatusOk {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("instance status never became ok")
			}
			time.Sleep(250 * time.Millisecond)
		}
		time.Sleep(2 * time.Second) // dropbear starts right after the metadata fetch
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "22"), 3*time.Second)
		if err == nil {
			conn.Close()
			t.Fatal("ssh port reachable from the host under the default group, which allows only its own members")
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("a blocked port must time out (dropped, never refused): %v", err)
		}
		groups, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}})
		if err != nil {
			t.Fatal(err)
		}
		// The host's connections to public addresses come from the link-local range.
		if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: groups.SecurityGroups[0].GroupId,
			IpPermissions: []types.IpPermission{
				{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []types.IpRange{{CidrIp: aws.String("169.254.0.0/16")}}},
				{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8080), ToPort: aws.Int32(8080), IpRanges: []types.IpRange{{CidrIp: aws.String("169.254.0.0/16")}}},
			}}); err != nil {
			t.Fatal(err)
		}
		// Allowed but nothing listens: the guest's own stack refuses.
		deadline = time.Now().Add(5 * time.Second)
		for {
			_, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "8080"), time.Second)
			if err != nil && strings.Contains(err.Error(), "refused") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("allowed closed port: %v, want connection refused", err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	t.Run("user data ran once as root", func(t *testing.T) {
		// SSH comes up before the user data runs, as with cloud-init on EC2.
		got := sshRun(t, ip, signer, "for i in $(seq 60); do [ -s /var/tmp/user-data-runs ] && break; sleep 0.5; done; cat /var/tmp/user-data-runs", 3*time.Minute)
		if got != "ran as uid 0\n" {
			t.Fatalf("user data output %q", got)
		}
	})
	t.Run("imdsv2 from the guest", func(t *testing.T) {
		got := sshRun(t, ip, signer, fmt.Sprintf("sh -c '%s' _ instance-id", strings.ReplaceAll(imdsV2, "'", `'\''`)), time.Minute)
		if strings.TrimSpace(got) != id {
			t.Fatalf("instance-id from IMDSv2 = %q, want %s", got, id)
		}
	})
	t.Run("console shows the boot", func(t *testing.T) {
		out, err := c.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
		if !strings.Contains(string(b), "kumo-init: ssh ready") {
			t.Fatalf("console output lacks the boot:\n%q", b)
		}
	})
	t.Run("status checks pass", func(t *testing.T) {
		st, err := c.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
		if err != nil || len(st.InstanceStatuses) != 1 {
			t.Fatalf("%+v %v", st, err)
		}
		s := st.InstanceStatuses[0]
		if s.SystemStatus.Status != types.SummaryStatusOk || s.InstanceStatus.Status != types.SummaryStatusOk {
			t.Fatalf("system %s instance %s", s.SystemStatus.Status, s.InstanceStatus.Status)
		}
	})
	t.Run("reboot does not rerun user data", func(t *testing.T) {
		boot1 := sshRun(t, ip, signer, "cat /proc/sys/kernel/random/boot_id", time.Minute)
		if _, err := c.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(3 * time.Minute)
		for {
			boot2 := sshRun(t, ip, signer, "cat /proc/sys/kernel/random/boot_id", 3*time.Minute)
			if boot2 != boot1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the guest never rebooted")
			}
			time.Sleep(time.Second)
		}
		if got := sshRun(t, ip, signer, "cat /var/tmp/user-data-runs", time.Minute); got != "ran as uid 0\n" {
			t.Fatalf("after reboot the user data output is %q", got)
		}
	})
	t.Run("restart of kumo adopts the running vm", func(t *testing.T) {
		env.Restart(t)
		c = env.EC2()
		inst := waitState(t, c, id, types.InstanceStateNameRunning, 30*time.Second)
		if aws.ToString(inst.PublicIpAddress) != ip {
			t.Fatalf("public address changed across restart: %s → %s", ip, aws.ToString(inst.PublicIpAddress))
		}
		if got := sshRun(t, ip, signer, "cat /var/tmp/user-data-runs", time.Minute); got != "ran as uid 0\n" {
			t.Fatalf("after restart %q", got)
		}
	})
	t.Run("stop, resize, start keeps the disk", func(t *testing.T) {
		if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}); code(err) != "IncorrectInstanceState" {
			t.Fatalf("resize while running: %v, want IncorrectInstanceState", err)
		}
		if _, err := c.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			t.Fatal(err)
		}
		stopped := waitState(t, c, id, types.InstanceStateNameStopped, 3*time.Minute)
		if stopped.PublicIpAddress != nil {
			t.Errorf("stopped instance kept public address %s", aws.ToString(stopped.PublicIpAddress))
		}
		if _, err := c.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
			InstanceType: &types.AttributeValue{Value: aws.String("t3.small")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
			t.Fatal(err)
		}
		inst := waitState(t, c, id, types.InstanceStateNameRunning, 3*time.Minute)
		ip = aws.ToString(inst.PublicIpAddress)
		if got := sshRun(t, ip, signer, "nproc; cat /var/tmp/user-data-runs", 3*time.Minute); got != "2\nran as uid 0\n" {
			t.Fatalf("after stop/resize/start: %q, want 2 vCPUs and the user data output of the first boot", got)
		}
	})
	t.Run("poweroff in the guest stops the instance", func(t *testing.T) {
		cfg := &ssh.ClientConfig{User: "ec2-user", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
		client, err := ssh.Dial("tcp", net.JoinHostPort(ip, "22"), cfg)
		if err != nil {
			t.Fatal(err)
		}
		sess, _ := client.NewSession()
		_ = sess.Start("sudo poweroff") // the connection dies with the guest
		time.Sleep(time.Second)
		client.Close()
		inst := waitState(t, c, id, types.InstanceStateNameStopped, 2*time.Minute)
		if inst.StateReason == nil || aws.ToString(inst.StateReason.Code) != "Client.InstanceInitiatedShutdown" {
			t.Fatalf("state reason %+v, want Client.InstanceInitiatedShutdown", inst.StateReason)
		}
	})
	t.Run("terminate cleans up", func(t *testing.T) {
		if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
			t.Fatal(err)
		}
		waitState(t, c, id, types.InstanceStateNameTerminated, 2*time.Minute)
		if out, _ := exec.Command("pgrep", "-f", "qemu.*"+id).Output(); len(out) > 0 {
			t.Errorf("qemu still runs for %s: pids %s", id, out)
		}
		if _, err := os.Stat(env.Config.DataDir + "/instances/" + id); !os.IsNotExist(err) {
			t.Errorf("instance files left behind: %v", err)
		}
	})
}

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }
