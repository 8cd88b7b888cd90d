package guest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testImage builds kumo-minimal into a cache shared by test runs and
// packages (Build keys it by version, so a changed recipe rebuilds) and
// checks that the second Build is instant.
func testImage(t *testing.T) *Image {
	t.Helper()
	for _, tool := range [][2]string{{"apt-get", "apt"}, {"dpkg-deb", "dpkg"}, {"mke2fs", "e2fsprogs"}, {"debugfs", "e2fsprogs"}, {"qemu-img", "qemu-utils"}} {
		needTool(t, tool[0], tool[1])
	}
	// The same cache as internal/hypervisor/qemu's guest tests: Build's
	// lock makes concurrent test binaries share one build.
	dir := filepath.Join(os.TempDir(), "kumo-test-images", "kumo-minimal")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	img, err := Build(ctx, dir, func(s string) { t.Logf("build: %s", s) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Build: %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	again, err := Build(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cached Build took %v, want instant", d)
	}
	if *again != *img {
		t.Errorf("cached Build = %+v, want %+v", again, img)
	}
	// Build keeps old versions (their disks may back instances); a test
	// cache need not, once no test run can still be using them.
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		info, err := e.Info()
		if n := e.Name(); err == nil && e.IsDir() && len(n) == len(img.Version) && n != img.Version &&
			time.Since(info.ModTime()) > time.Hour {
			os.RemoveAll(filepath.Join(dir, n))
		}
	}
	return img
}

// TestBootUnderQEMU boots kumo-minimal once (one QEMU process) and checks
// what an EC2 user relies on: the console lines, SSH as ec2-user with the
// launch key, the user data run as root once, sudo, metadata over IMDSv2,
// host keys kept across a reboot that does not re-run the user data, a new
// instance id (an instance launched from an image of the disk) running its
// own user data with new host keys, and the ACPI power button
// (StopInstances) powering the guest off so that QEMU exits.
func TestBootUnderQEMU(t *testing.T) {
	needTool(t, "qemu-system-x86_64", "qemu-system-x86")
	img := testImage(t)

	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	const hostname = "ip-169-254-169-15.ec2.internal"
	imds := newFakeIMDS(t, map[string]string{
		"meta-data/instance-id":               "i-0123456789abcdef0",
		"meta-data/local-hostname":            hostname,
		"meta-data/public-keys/0/openssh-key": string(ssh.MarshalAuthorizedKey(signer.PublicKey())),
		"user-data": "#!/bin/bash\n" +
			"echo hello from user data\n" +
			"id > /var/tmp/user-data-id\n" +
			"echo ran >> /var/tmp/user-data-runs\n" +
			"chmod 644 /var/tmp/user-data-id /var/tmp/user-data-runs\n",
	})

	// A root volume 1 GiB larger than the image, as with a BlockDeviceMapping.
	vm := startVM(t, img, img.RootDiskSizeGiB+1, imds.addr())
	const bootTimeout = 3 * time.Minute // TCG on a busy 2-core machine
	for _, line := range []string{"kumo-init: root filesystem ready", "kumo-init: network up 169.254.169.15", "kumo-init: metadata: instance i-0123456789abcdef0"} {
		vm.waitFor(0, line, bootTimeout)
	}
	ready := vm.waitFor(0, "kumo-init: ssh ready", bootTimeout)
	t.Logf("QEMU start → console says ssh ready: %v", time.Since(vm.start).Round(time.Millisecond))
	hostKeys := vm.hostKeys(0)
	// Go's client prefers ECDSA, OpenSSH ed25519: both are there at once.
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256} {
		if hostKeys[typ] == nil {
			t.Errorf("no %s host key on the console at ssh ready", typ)
		}
	}
	c := vm.dialSSH("ec2-user", signer, hostKeys, nil, time.Minute)
	t.Logf("QEMU start → SSH login as ec2-user: %v", time.Since(vm.start).Round(time.Millisecond))

	vm.waitFor(ready, "kumo-init: user data ran, exit 0", time.Minute)
	vm.waitFor(0, "kumo-init: root filesystem grown to 3 GiB", time.Minute)
	// The RSA key comes later; until then an RSA-preferring client would
	// be dropped by dropbear 2022.83 (see rc.boot).
	vm.waitFor(ready, "kumo-init: RSA host key ready", 2*time.Minute)
	hostKeys = vm.hostKeys(0)
	// The listener restarted with the RSA key: RSA clients work now.
	c.Close()
	c = vm.dialSSH("ec2-user", signer, hostKeys, []string{ssh.KeyAlgoRSASHA256}, time.Minute)
	vm.waitFor(0, "hello from user data", time.Second) // user data output on the console
	checks := []struct{ cmd, want string }{
		{"cat /var/tmp/user-data-id", "uid=0(root)"},
		{"id", "uid=1000(ec2-user) gid=1000(ec2-user)"},
		{"hostname", hostname},
		{"sudo id -u", "0"},
		{"sudo cat /var/log/cloud-init-output.log", "hello from user data"},
		{"ls /var/lib/cloud/instances/i-0123456789abcdef0/sem", "user-data"},
		{"stat -c %a /home/ec2-user/.ssh/authorized_keys", "600"},
		{"/usr/lib/sftp-server -h 2>&1; true", "usage: sftp-server"}, // its libraries load: scp/sftp work
		{"df -m / | awk 'NR == 2 { print ($2 > 2500) ? \"grown\" : $2 }'", "grown"},
	}
	for _, ck := range checks {
		if got := sshRun(t, c, ck.cmd); !strings.Contains(got, ck.want) {
			t.Errorf("%s = %q, want it to contain %q", ck.cmd, got, ck.want)
		}
	}
	tokens, gets, unauthed := imds.stats()
	if tokens == 0 || unauthed != 0 || len(gets) < 4 {
		t.Errorf("metadata: %d token PUTs, %d unauthenticated GETs, served %v; want IMDSv2 for all four paths", tokens, unauthed, gets)
	}

	// Reboot from inside: the guest comes back in the same QEMU process,
	// with the same host key, and does not run the user data again.
	mark := vm.mark()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	s.Run("sudo reboot") // the connection drops as the guest goes down
	c.Close()
	vm.waitFor(mark, "kumo-init: shutting down", time.Minute)
	rebooted := time.Now()
	vm.waitFor(mark, "kumo-init: user data already ran for i-0123456789abcdef0", bootTimeout)
	vm.waitFor(mark, "kumo-init: ssh ready", bootTimeout)
	t.Logf("reboot → ssh ready: %v", time.Since(rebooted).Round(time.Millisecond))
	// The keys survive the reboot: the ones from the first boot still
	// match, whichever algorithm the client picks.
	after := vm.hostKeys(mark)
	for _, typ := range []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoRSA} {
		if hostKeys[typ] == nil || after[typ] == nil || !bytes.Equal(hostKeys[typ].Marshal(), after[typ].Marshal()) {
			t.Errorf("%s host key before/after reboot: %v / %v, want the same", typ, hostKeys[typ] != nil, after[typ] != nil)
		}
	}
	for _, algos := range [][]string{nil, {ssh.KeyAlgoED25519}, {ssh.KeyAlgoRSASHA256}} {
		c = vm.dialSSH("ec2-user", signer, hostKeys, algos, time.Minute)
		if got := sshRun(t, c, "cat /var/tmp/user-data-runs"); got != "ran" {
			t.Errorf("user data runs after reboot = %q, want one", got)
		}
		c.Close()
	}

	// A new instance launched from an image of this disk is a new instance
	// id on the same filesystem: its own user data runs, it gets new host
	// keys.
	const newID = "i-0fedcba9876543210"
	imds.set("meta-data/instance-id", newID)
	mark = vm.mark()
	c = vm.dialSSH("ec2-user", signer, hostKeys, nil, time.Minute)
	if s, err = c.NewSession(); err != nil {
		t.Fatal(err)
	}
	s.Run("sudo reboot")
	c.Close()
	vm.waitFor(mark, "kumo-init: first boot of "+newID, bootTimeout)
	vm.waitFor(mark, "kumo-init: user data ran, exit 0", bootTimeout)
	newKeys := vm.hostKeys(mark)
	if k := newKeys[ssh.KeyAlgoED25519]; k == nil || bytes.Equal(k.Marshal(), hostKeys[ssh.KeyAlgoED25519].Marshal()) {
		t.Errorf("new instance kept the old ed25519 host key (or printed none)")
	}
	c = vm.dialSSH("ec2-user", signer, newKeys, []string{ssh.KeyAlgoED25519}, time.Minute)
	if got := sshRun(t, c, "cat /var/tmp/user-data-runs"); got != "ran\nran" {
		t.Errorf("user data runs after a new instance id = %q, want two", got)
	}
	c.Close()

	// StopInstances presses the ACPI power button.
	vm.qmpCommand("system_powerdown")
	pressed := time.Now()
	select {
	case <-vm.exited:
		if vm.err != nil {
			t.Errorf("qemu after powerdown: %v", vm.err)
		}
		t.Logf("ACPI power button → QEMU exit: %v", time.Since(pressed).Round(time.Millisecond))
		vm.fsck()
	case <-time.After(2 * time.Minute):
		t.Fatal("QEMU still running 2 minutes after system_powerdown")
	}
}
