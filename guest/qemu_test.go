package guest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// testVM is kumo-minimal running under QEMU (TCG), as the hypervisor driver
// will run it, with user-mode networking standing in for the VPC.
type testVM struct {
	t       *testing.T
	cmd     *exec.Cmd
	qmp     string // QMP socket path
	overlay string // the instance's root disk
	sshAddr string // host side of the SSH port forward
	start   time.Time

	mu     sync.Mutex
	lines  []string
	times  []time.Duration // when each line came, since start
	exited chan struct{}
	err    error // from cmd.Wait, once exited is closed
}

// needTool fails the test, naming the Debian package, when a tool is absent.
func needTool(t *testing.T, tool, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s)", tool, pkg, pkg)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startVM boots img from a fresh overlay of its root disk, rootGiB large. The guest sees
// 169.254.169.0/24 with the metadata service at 169.254.169.254, forwarded
// to imdsAddr through a per-connection proxy (see proxyEnv).
func startVM(t *testing.T, img *Image, rootGiB int, imdsAddr string) *testVM {
	dir := t.TempDir()
	overlay := filepath.Join(dir, "root.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-q", "-f", "qcow2", "-b", img.RootDisk, "-F", "qcow2", overlay, fmt.Sprintf("%dG", rootGiB)).CombinedOutput(); err != nil {
		t.Fatalf("qemu-img create: %v: %s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	v := &testVM{t: t, qmp: filepath.Join(dir, "qmp.sock"), overlay: overlay, exited: make(chan struct{})}
	port := freePort(t)
	v.sshAddr = fmt.Sprintf("127.0.0.1:%d", port)
	netdev := fmt.Sprintf("user,id=n0,net=169.254.169.0/24,host=169.254.169.2,"+
		"hostfwd=tcp:127.0.0.1:%d-:22,guestfwd=tcp:169.254.169.254:80-cmd:%s", port, self)
	v.cmd = exec.Command("qemu-system-x86_64",
		"-machine", "q35", "-cpu", "max", "-m", "256", "-smp", "1", "-nographic",
		"-kernel", img.Kernel, "-initrd", img.Initrd, "-append", img.Cmdline,
		"-drive", "file="+overlay+",if=virtio,format=qcow2",
		"-netdev", netdev,
		// No option ROM: iPXE would only slow the boot down.
		"-device", "virtio-net-pci,netdev=n0,romfile=",
		"-qmp", "unix:"+v.qmp+",server=on,wait=off")
	v.cmd.Env = append(os.Environ(), proxyEnv+"="+imdsAddr)
	pr, pw := io.Pipe()
	v.cmd.Stdout, v.cmd.Stderr = pw, pw
	logf, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			fmt.Fprintln(logf, line)
			v.mu.Lock()
			v.lines = append(v.lines, line)
			v.times = append(v.times, time.Since(v.start))
			v.mu.Unlock()
		}
	}()
	v.start = time.Now()
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("start qemu: %v", err)
	}
	go func() {
		v.err = v.cmd.Wait()
		pw.Close()
		close(v.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-v.exited:
		default:
			v.cmd.Process.Kill()
			<-v.exited
		}
		if t.Failed() {
			v.mu.Lock()
			var b strings.Builder
			for i := max(0, len(v.lines)-80); i < len(v.lines); i++ {
				fmt.Fprintf(&b, "%6.2fs %s\n", v.times[i].Seconds(), v.lines[i])
			}
			t.Logf("console (last lines, time since QEMU start):\n%s", b.String())
			v.mu.Unlock()
			dumpGuestLogs(t, overlay)
		}
	})
	return v
}

// dumpGuestLogs prints the guest's own logs from its (stopped) disk.
func dumpGuestLogs(t *testing.T, overlay string) {
	raw := overlay + ".raw"
	if out, err := exec.Command("qemu-img", "convert", "-O", "raw", overlay, raw).CombinedOutput(); err != nil {
		t.Logf("read guest disk: %v: %s", err, out)
		return
	}
	defer os.Remove(raw)
	for _, f := range []string{"/var/log/kumo-init.log", "/var/log/dropbear.log", "/var/log/udhcpc.log"} {
		out, _ := exec.Command("debugfs", "-R", "cat "+f, raw).Output()
		t.Logf("guest %s:\n%s", f, out)
	}
}

// fsck checks that the stopped guest left its root filesystem clean, as an
// image taken of a stopped instance's disk must be.
func (v *testVM) fsck() {
	v.t.Helper()
	raw := v.overlay + ".fsck.raw"
	defer os.Remove(raw)
	if out, err := exec.Command("qemu-img", "convert", "-O", "raw", v.overlay, raw).CombinedOutput(); err != nil {
		v.t.Fatalf("qemu-img convert: %v: %s", err, out)
	}
	if out, err := exec.Command("e2fsck", "-f", "-n", raw).CombinedOutput(); err != nil {
		v.t.Errorf("root filesystem not clean after shutdown: %v\n%s", err, out)
	}
}

// mark is a position in the console output; waitFor searches after it.
func (v *testVM) mark() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.lines)
}

// waitFor waits for a console line containing s after position from and
// returns the position after it. It fails at once if the guest reports an
// initramfs error or QEMU exits.
func (v *testVM) waitFor(from int, s string, timeout time.Duration) int {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v.mu.Lock()
		for i := from; i < len(v.lines); i++ {
			if strings.Contains(v.lines[i], s) {
				v.mu.Unlock()
				return i + 1
			}
			if strings.Contains(v.lines[i], "kumo-init: error") {
				v.mu.Unlock()
				v.t.Fatalf("guest failed while waiting for %q: %s", s, v.lines[i])
			}
		}
		v.mu.Unlock()
		select {
		case <-v.exited:
			v.t.Fatalf("qemu exited (%v) while waiting for %q", v.err, s)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("no %q on the console after %v", s, timeout)
		}
	}
}

// hostKeys reads the SSH host keys the guest printed after position from,
// between cloud-init's markers, so the test can pin them as a careful user
// would. The latest key of each type wins.
func (v *testVM) hostKeys(from int) map[string]ssh.PublicKey {
	v.t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	keys := map[string]ssh.PublicKey{}
	in := false
	for _, l := range v.lines[from:] {
		switch {
		case strings.Contains(l, "-----BEGIN SSH HOST KEY KEYS-----"):
			in = true
		case strings.Contains(l, "-----END SSH HOST KEY KEYS-----"):
			in = false
		case in:
			if k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(l))); err == nil {
				keys[k.Type()] = k
			}
		}
	}
	if len(keys) == 0 {
		v.t.Fatal("no SSH host key on the console")
	}
	return keys
}

// dialSSH logs in as user, retrying while the forward is up but the guest's
// dropbear is not. The host key must be one of keys; algos, if set, limits
// the host key algorithms the client offers.
func (v *testVM) dialSSH(user string, signer ssh.Signer, keys map[string]ssh.PublicKey, algos []string, timeout time.Duration) *ssh.Client {
	v.t.Helper()
	cfg := &ssh.ClientConfig{
		User:              user,
		Auth:              []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyAlgorithms: algos,
		HostKeyCallback: func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if k, ok := keys[key.Type()]; ok && bytes.Equal(k.Marshal(), key.Marshal()) {
				return nil
			}
			return fmt.Errorf("host key %s %s is not one the console showed", key.Type(), ssh.FingerprintSHA256(key))
		},
		Timeout: 10 * time.Second,
	}
	deadline := time.Now().Add(timeout)
	for {
		c, err := ssh.Dial("tcp", v.sshAddr, cfg)
		if err == nil {
			return c
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("ssh %s@%s: %v", user, v.sshAddr, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// qmp sends one QMP command after the capabilities handshake.
func (v *testVM) qmpCommand(command string) {
	v.t.Helper()
	c, err := net.Dial("unix", v.qmp)
	if err != nil {
		v.t.Fatalf("qmp: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	dec := json.NewDecoder(c)
	var msg map[string]any
	if err := dec.Decode(&msg); err != nil { // greeting
		v.t.Fatalf("qmp greeting: %v", err)
	}
	for _, cmd := range []string{"qmp_capabilities", command} {
		fmt.Fprintf(c, `{"execute":%q}`+"\n", cmd)
		for { // skip asynchronous events until the reply
			msg = nil
			if err := dec.Decode(&msg); err != nil {
				v.t.Fatalf("qmp %s: %v", cmd, err)
			}
			if _, ok := msg["event"]; !ok {
				break
			}
		}
		if e, ok := msg["error"]; ok {
			v.t.Fatalf("qmp %s: %v", cmd, e)
		}
	}
}

// sshRun runs a command over SSH and returns its trimmed output.
func sshRun(t *testing.T, c *ssh.Client, cmd string) string {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatalf("ssh session: %v", err)
	}
	defer s.Close()
	out, err := s.CombinedOutput(cmd)
	if err != nil {
		t.Fatalf("ssh %q: %v: %s", cmd, err, out)
	}
	return strings.TrimSpace(string(out))
}
