package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"golang.org/x/crypto/ssh"

	"github.com/kumo-cloud/kumo/internal/ec2/images"
)

// The instance rows launch this type of the built-in image.
const vmType = types.InstanceTypeT2Micro

// How long the instance rows wait for each thing before giving up. TCG boots
// in seconds; these only end a run that would otherwise hang.
const (
	vmStateTimeout = 60 * time.Second  // pending → running, shutting-down → terminated
	vmSSHTimeout   = 120 * time.Second // running → SSH runs `true`
	vmCleanupTime  = 60 * time.Second  // terminating everything at the end
	statePoll      = 20 * time.Millisecond
)

// fleet is what the instance rows share: the kumo-minimal AMI, a key pair to
// log in with, and every instance launched and not yet seen terminated, so
// that all of them are terminated at the end, on errors and interrupts too.
type fleet struct {
	*benchEnv
	ready *lazy[struct{}] // prepare, once

	ami     string
	memMiB  int64  // vmType's memory
	group   string // security group that lets SSH in; "" where kumo has none
	keyName string
	signer  ssh.Signer
	live    []string // launched, not yet seen terminated
	kept    *bootedVM
	peer    *bootedVM // the second instance of the TCP throughput rows
	sinks   []*ssh.Session
	accel   string // QEMU's accelerator, read from the first booted VM's command line
	others  int    // most QEMU processes of others seen running while the rows measured

	volumes   []string // made by the EBS rows, not yet deleted
	snapshots []string // made by the EBS rows, not yet deleted

	bootsTried bool // the boot rows ran (or keptVM booted in their place)
}

// noteOthers samples how many VMs not of this run are running.
func (f *fleet) noteOthers() { f.others = max(f.others, otherQEMUs(f.srv.dataDir)) }

// othersNote warns, in a row's text, of other VMs that shared the cores.
func (f *fleet) othersNote() string {
	if f.others == 0 {
		return ""
	}
	return fmt.Sprintf("; up to %s not of this run (concurrent tests) shared the host's cores while the instance rows ran",
		plural(f.others, "QEMU VM", "QEMU VMs"))
}

// bootedVM is an instance that answers SSH.
type bootedVM struct {
	id, ip  string
	ssh     *ssh.Client
	sshAt   time.Time // when SSH first ran `true`
	sinking bool      // kumo-guest-agent tcp-sink runs in it
}

func newFleet(e *benchEnv) *fleet {
	f := &fleet{benchEnv: e, keyName: "bench-vm"}
	f.ready = newLazy(func(ctx context.Context) (struct{}, error) { return struct{}{}, f.prepare(ctx) })
	return f
}

// prepare finds the image and makes the key pair, as a user would.
func (f *fleet) prepare(ctx context.Context) error {
	if f.imageErr != nil {
		return f.imageErr
	}
	imgs, err := f.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{
		Owners:  []string{"amazon"},
		Filters: []types.Filter{{Name: aws.String("name"), Values: []string{images.MinimalName}}},
	})
	if err != nil {
		return fmt.Errorf("find %s: %w", images.MinimalName, err)
	}
	if len(imgs.Images) != 1 {
		return fmt.Errorf("find %s: %d images, want 1", images.MinimalName, len(imgs.Images))
	}
	f.ami = aws.ToString(imgs.Images[0].ImageId)

	it, err := f.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{vmType}})
	if err != nil {
		return fmt.Errorf("describe %s: %w", vmType, err)
	}
	if len(it.InstanceTypes) != 1 || it.InstanceTypes[0].MemoryInfo == nil {
		return fmt.Errorf("describe %s: no memory size", vmType)
	}
	f.memMiB = aws.ToInt64(it.InstanceTypes[0].MemoryInfo.SizeInMiB)

	if f.group, err = f.sshGroup(ctx); err != nil {
		return err
	}
	key, err := f.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String(f.keyName), KeyType: types.KeyTypeEd25519})
	if err != nil {
		return fmt.Errorf("create key pair: %w", err)
	}
	if f.signer, err = ssh.ParsePrivateKey([]byte(aws.ToString(key.KeyMaterial))); err != nil {
		return fmt.Errorf("parse key pair %s: %w", f.keyName, err)
	}
	return nil
}

// sshGroup makes a security group open to SSH from anywhere, as a user
// must for a login from outside the VPC: the default group lets nothing in.
// A kumo without the security group API filters nothing, and gets no group.
func (f *fleet) sshGroup(ctx context.Context) (string, error) {
	g, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("kumo-bench-ssh"), Description: aws.String("SSH from the kumo-bench host"),
	})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidAction" {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("create security group: %w", err)
	}
	_, err = f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: g.GroupId,
		IpPermissions: []types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}},
		}},
	})
	if err != nil {
		return "", fmt.Errorf("allow ssh in %s: %w", aws.ToString(g.GroupId), err)
	}
	return aws.ToString(g.GroupId), nil
}

// launch runs one instance in subnet (the default one if "") and returns
// once RunInstances answers; ip is empty if the answer carried no public
// address yet.
func (f *fleet) launch(ctx context.Context, subnet string) (id, ip string, err error) {
	if _, err := f.ready.get(ctx); err != nil {
		return "", "", err
	}
	in := &ec2.RunInstancesInput{
		ImageId: aws.String(f.ami), InstanceType: vmType, KeyName: aws.String(f.keyName),
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
	}
	if f.group != "" {
		in.SecurityGroupIds = []string{f.group}
	}
	if subnet != "" {
		in.SubnetId = aws.String(subnet)
	}
	out, err := f.ec2.RunInstances(ctx, in)
	if err != nil {
		return "", "", fmt.Errorf("run instances: %w", err)
	}
	if len(out.Instances) != 1 {
		return "", "", fmt.Errorf("run instances: %d instances in the answer, want 1", len(out.Instances))
	}
	id = aws.ToString(out.Instances[0].InstanceId)
	f.live = append(f.live, id)
	return id, aws.ToString(out.Instances[0].PublicIpAddress), nil
}

// terminate ends instances at once. TerminateInstances alone gives a guest
// 20 s to act on its ACPI power button, which one still booting never does;
// a forced StopInstances first marks them for an immediate power-off, so a
// launch can be followed by the next without VMs piling up.
func (f *fleet) terminate(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	// An instance already shutting down cannot be stopped; terminating it
	// is all that is left, so this error does not matter.
	_, _ = f.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: ids, Force: aws.Bool(true)})
	if _, err := f.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		return fmt.Errorf("terminate %v: %w", ids, err)
	}
	return nil
}

// waitTerminated polls until every instance in ids is terminated.
func (f *fleet) waitTerminated(ctx context.Context, ids ...string) error {
	deadline := time.Now().Add(vmStateTimeout)
	for {
		out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids})
		if err != nil {
			return fmt.Errorf("wait for terminated: %w", err)
		}
		var left []string
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if in.State == nil || in.State.Name != types.InstanceStateNameTerminated {
					left = append(left, aws.ToString(in.InstanceId))
				}
			}
		}
		f.live = slices.DeleteFunc(f.live, func(id string) bool { return slices.Contains(ids, id) && !slices.Contains(left, id) })
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for terminated: %v not terminated after %s", left, vmStateTimeout)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// dispose terminates instances and waits until they are gone.
func (f *fleet) dispose(ctx context.Context, ids ...string) error {
	if err := f.terminate(ctx, ids...); err != nil {
		return err
	}
	return f.waitTerminated(ctx, ids...)
}

// waitRunning polls DescribeInstances every statePoll until id runs and
// returns its public address.
func (f *fleet) waitRunning(ctx context.Context, id string) (ip string, err error) {
	deadline := time.Now().Add(vmStateTimeout)
	for {
		out, err := f.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			return "", fmt.Errorf("wait for running: %w", err)
		}
		if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
			return "", fmt.Errorf("wait for running: %s not found", id)
		}
		in := out.Reservations[0].Instances[0]
		switch in.State.Name {
		case types.InstanceStateNameRunning:
			return aws.ToString(in.PublicIpAddress), nil
		case types.InstanceStateNamePending:
		default:
			reason := ""
			if in.StateReason != nil {
				reason = ": " + aws.ToString(in.StateReason.Message)
			}
			return "", fmt.Errorf("wait for running: %s is %s%s", id, in.State.Name, reason)
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("wait for running: %s still pending after %s", id, vmStateTimeout)
		}
		if err := sleep(ctx, statePoll); err != nil {
			return "", err
		}
	}
}

// console is what an instance printed on its serial console, "" if that
// cannot be read.
func (f *fleet) console(ctx context.Context, id string) string {
	out, err := f.ec2.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil || out.Output == nil {
		return ""
	}
	b, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		return ""
	}
	return string(b)
}

// consoleTail is the end of an instance's console, to say why it did not
// answer; "" if there is none.
func (f *fleet) consoleTail(ctx context.Context, id string) string {
	out := strings.TrimSpace(f.console(ctx, id))
	if out == "" {
		return ""
	}
	lines := strings.Split(out, "\n")
	return strings.Join(lines[max(0, len(lines)-8):], " ⏎ ")
}

// keep makes vm the instance the memory and metadata rows use.
func (f *fleet) keep(vm *bootedVM) { f.kept = vm }

// cleanup deletes the EBS rows' volumes and snapshots left, then terminates
// every instance still live and waits for them, with its own deadline: it
// runs after an interrupt too, when ctx is already done.
func (f *fleet) cleanup() error {
	for _, s := range f.sinks {
		s.Close()
	}
	f.sinks = nil
	for _, vm := range []**bootedVM{&f.kept, &f.peer} {
		if *vm != nil {
			(*vm).ssh.Close()
			*vm = nil
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), vmCleanupTime)
	defer cancel()
	var ebsErr error
	if len(f.volumes)+len(f.snapshots) > 0 {
		progress("deleting the EBS rows' volumes %v and snapshots %v", f.volumes, f.snapshots)
		ebsErr = f.ebsCleanup(ctx)
	}
	if len(f.live) == 0 {
		return ebsErr
	}
	ids := slices.Clone(f.live)
	progress("terminating %s: %v", plural(len(ids), "instance", "instances"), ids)
	return errors.Join(ebsErr, f.dispose(ctx, ids...))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
