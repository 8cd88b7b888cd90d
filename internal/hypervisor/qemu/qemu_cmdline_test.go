package qemu

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// common is the part of every command line that does not depend on the
// spec's devices, for a VM in /run/i-1.
func common(accel, cpu string) []string {
	return []string{
		"-name", "guest=i-0123456789abcdef0,debug-threads=on",
		"-machine", "q35",
		"-accel", accelOpt(Accel(accel)),
		"-cpu", cpu,
		"-smp", "2",
		"-m", "512",
		"-smbios", "type=1,manufacturer=Amazon EC2,product=t3.small,uuid=ec2a0b1c-0000-4000-8000-000000000001",
		"-smbios", "type=3,manufacturer=Amazon EC2,asset=i-0123456789abcdef0",
		"-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
		"-chardev", "ringbuf,id=console,logfile=/run/i-1/console.log,logappend=on",
		"-serial", "chardev:console",
		"-chardev", "socket,id=qmp,path=/run/i-1/qmp.sock,server=on,wait=off",
		"-mon", "chardev=qmp,mode=control",
		"-pidfile", "/run/i-1/qemu.pid",
		"-daemonize",
		"-S",
		"-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
	}
}

func ports(n int) []string {
	var a []string
	for i := range n {
		a = append(a, "-device", rootPort(i))
	}
	return a
}

func baseSpec() hypervisor.Spec {
	return hypervisor.Spec{
		ID: "i-0123456789abcdef0", Dir: "/run/i-1", VCPUs: 2, MemoryMiB: 512,
		UUID: "EC2A0B1C-0000-4000-8000-000000000001", Product: "t3.small",
	}
}

func cat(parts ...[]string) []string {
	var a []string
	for _, p := range parts {
		a = append(a, p...)
	}
	return a
}

func TestQEMUArgs(t *testing.T) {
	tests := []struct {
		name  string
		spec  func(*hypervisor.Spec)
		accel Accel
		want  []string
	}{{
		name:  "firmware boot, no devices, tcg",
		spec:  func(*hypervisor.Spec) {},
		accel: AccelTCG,
		want: cat(common("tcg", "max"),
			[]string{"-fw_cfg", "name=etc/sercon-port,file=/run/i-1/sercon-port.bin"},
			ports(hotplugPorts)),
	}, {
		name:  "kvm uses the host cpu",
		spec:  func(*hypervisor.Spec) {},
		accel: AccelKVM,
		want: cat(common("kvm", "host"),
			[]string{"-fw_cfg", "name=etc/sercon-port,file=/run/i-1/sercon-port.bin"},
			ports(hotplugPorts)),
	}, {
		name: "direct kernel boot with disks and a nic",
		spec: func(s *hypervisor.Spec) {
			s.Kernel, s.Initrd, s.Cmdline = "/img/vmlinuz", "/img/initrd", "console=ttyS0 root=/dev/vda"
			s.Disks = []hypervisor.Disk{
				{Path: "/vol/root.qcow2", Format: "qcow2", Serial: "vol0root"},
				{Path: "/vol/data.raw", Format: "raw", Serial: "vol0data", Bus: "nvme", IOPS: 3000, BPS: 131072000},
				{Path: "/vol/seed.raw", Format: "raw", ReadOnly: true},
			}
			s.NICs = []hypervisor.NIC{{Tap: "tap-eni0", MAC: "02:AB:00:00:00:01"}}
		},
		accel: AccelTCG,
		want: cat(common("tcg", "max"),
			[]string{"-kernel", "/img/vmlinuz", "-initrd", "/img/initrd", "-append", "console=ttyS0 root=/dev/vda"},
			ports(4+hotplugPorts),
			[]string{
				"-blockdev", `{"discard":"unmap","driver":"qcow2","file":{"discard":"unmap","driver":"file","filename":"/vol/root.qcow2","node-name":"d-vol0root-file","read-only":false},"node-name":"d-vol0root-fmt","read-only":false}`,
				"-device", "virtio-blk-pci,id=d-vol0root,bus=rp0,drive=d-vol0root-fmt,serial=vol0root",
				"-object", `{"id":"tg-d-vol0data","limits":{"bps-total":131072000,"iops-total":3000},"qom-type":"throttle-group"}`,
				"-blockdev", `{"driver":"throttle","file":{"discard":"unmap","driver":"raw","file":{"discard":"unmap","driver":"file","filename":"/vol/data.raw","node-name":"d-vol0data-file","read-only":false},"node-name":"d-vol0data-fmt","read-only":false},"node-name":"d-vol0data-thr","read-only":false,"throttle-group":"tg-d-vol0data"}`,
				"-device", "nvme,id=d-vol0data,bus=rp1,drive=d-vol0data-thr,serial=vol0data",
				"-blockdev", `{"discard":"unmap","driver":"raw","file":{"discard":"unmap","driver":"file","filename":"/vol/seed.raw","node-name":"disk2-file","read-only":true},"node-name":"disk2-fmt","read-only":true}`,
				"-device", "virtio-blk-pci,id=disk2,bus=rp2,drive=disk2-fmt",
				"-netdev", "tap,id=net0,ifname=tap-eni0,script=no,downscript=no,vhost=off",
				"-device", "virtio-net-pci,id=nic0,netdev=net0,bus=rp3,mac=02:ab:00:00:00:01,romfile=",
			}),
	}, {
		name: "firmware boot marks the first disk bootable",
		spec: func(s *hypervisor.Spec) {
			s.Disks = []hypervisor.Disk{{Path: "/vol/ami.raw", Format: "raw", Serial: "vol0ami"}}
		},
		accel: AccelTCG,
		want: cat(common("tcg", "max"),
			[]string{"-fw_cfg", "name=etc/sercon-port,file=/run/i-1/sercon-port.bin"},
			ports(1+hotplugPorts),
			[]string{
				"-blockdev", `{"discard":"unmap","driver":"raw","file":{"discard":"unmap","driver":"file","filename":"/vol/ami.raw","node-name":"d-vol0ami-file","read-only":false},"node-name":"d-vol0ami-fmt","read-only":false}`,
				"-device", "virtio-blk-pci,id=d-vol0ami,bus=rp0,drive=d-vol0ami-fmt,serial=vol0ami,bootindex=1",
			}),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := baseSpec()
			tt.spec(&spec)
			if err := checkSpec(spec); err != nil {
				t.Fatalf("test spec invalid: %v", err)
			}
			got := qemuArgs(spec, tt.accel, filesFor(spec.Dir))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("qemuArgs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRootPorts(t *testing.T) {
	want := []string{
		"pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x2.0x0,multifunction=on,io-reserve=0",
		"pcie-root-port,id=rp1,bus=pcie.0,chassis=2,addr=0x2.0x1,io-reserve=0",
		"pcie-root-port,id=rp7,bus=pcie.0,chassis=8,addr=0x2.0x7,io-reserve=0",
		"pcie-root-port,id=rp8,bus=pcie.0,chassis=9,addr=0x3.0x0,multifunction=on,io-reserve=0",
	}
	got := []string{rootPort(0), rootPort(1), rootPort(7), rootPort(8)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rootPort (-want +got):\n%s", diff)
	}
}

// TestArgsEscapeCommas: paths go into QEMU's key=value syntax, where a
// lone comma would start a new option.
func TestArgsEscapeCommas(t *testing.T) {
	spec := baseSpec()
	spec.Dir = "/data/a,b"
	spec.Product = "x,y"
	args := strings.Join(qemuArgs(spec, AccelTCG, filesFor(spec.Dir)), " ")
	for _, want := range []string{
		"logfile=/data/a,,b/console.log,",
		"path=/data/a,,b/qmp.sock,",
		"file=/data/a,,b/sercon-port.bin",
		"product=x,,y,",
		"-pidfile /data/a,b/qemu.pid", // not an option string: no escaping
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q:\n%s", want, args)
		}
	}
}

func TestCommandNetNS(t *testing.T) {
	spec := baseSpec()
	name, args := command("/usr/bin/qemu-system-x86_64", spec, AccelTCG)
	if name != "/usr/bin/qemu-system-x86_64" || args[0] != "-name" {
		t.Errorf("without netns: %s %v", name, args[:2])
	}
	spec.NetNS = "vpc-0abc"
	name, args = command("/usr/bin/qemu-system-x86_64", spec, AccelTCG)
	if diff := cmp.Diff([]string{"netns", "exec", "vpc-0abc", "/usr/bin/qemu-system-x86_64", "-name"}, args[:5]); name != "ip" || diff != "" {
		t.Errorf("with netns: %s (-want +got):\n%s", name, diff)
	}
}

func TestCmdlineHasID(t *testing.T) {
	ours := qemuArgs(baseSpec(), AccelTCG, filesFor("/run/i-1"))
	tests := []struct {
		name string
		args []string
		id   string
		want bool
	}{
		{"ours", append([]string{"qemu-system-x86_64"}, ours...), "i-0123456789abcdef0", true},
		{"other instance", append([]string{"qemu-system-x86_64"}, ours...), "i-0123456789abcdef1", false},
		{"prefix of ours", append([]string{"qemu-system-x86_64"}, ours...), "i-0123456789", false},
		{"bare -name", []string{"qemu", "-name", "i-1"}, "i-1", true},
		{"id elsewhere", []string{"sleep", "i-1"}, "i-1", false},
		{"-name last", []string{"qemu", "-name"}, "i-1", false},
		{"empty (zombie)", nil, "i-1", false},
	}
	for _, tt := range tests {
		if got := cmdlineHasID(tt.args, tt.id); got != tt.want {
			t.Errorf("%s: cmdlineHasID = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMapRunState(t *testing.T) {
	tests := []struct {
		qemu   string
		state  hypervisor.State
		reason string
	}{
		{"running", hypervisor.StateRunning, ""},
		{"paused", hypervisor.StatePaused, ""},
		{"prelaunch", hypervisor.StatePaused, "prelaunch"},
		{"suspended", hypervisor.StatePaused, "suspended"},
		{"inmigrate", hypervisor.StatePaused, "inmigrate"},
		{"shutdown", hypervisor.StateShutdown, "shutdown"},
		{"guest-panicked", hypervisor.StateCrashed, "guest-panicked"},
		{"internal-error", hypervisor.StateCrashed, "internal-error"},
		{"io-error", hypervisor.StateCrashed, "io-error"},
		{"something-new", hypervisor.StateUnknown, "qemu run state something-new"},
	}
	for _, tt := range tests {
		s, r := mapRunState(tt.qemu)
		if s != tt.state || r != tt.reason {
			t.Errorf("mapRunState(%q) = %s, %q; want %s, %q", tt.qemu, s, r, tt.state, tt.reason)
		}
	}
}

func TestCheckSpecSocketPath(t *testing.T) {
	spec := baseSpec()
	spec.Dir = "/" + strings.Repeat("d", 100)
	if err := checkSpec(spec); err == nil {
		t.Error("checkSpec accepted a run dir too long for a unix socket path")
	}
}
