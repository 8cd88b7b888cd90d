package qemu

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// hotplugPorts is how many empty PCIe root ports every VM gets for disks
// and NICs attached while it runs, on top of one per device given at Start.
// q35 cannot hot-plug into pcie.0 itself, and ports cannot be added later,
// so they are reserved up front; an empty port costs a bus number and some
// guest address space, no RAM. Sixteen is two slots of pcie.0 and covers,
// say, three extra network interfaces and a dozen volumes; the ports come
// after those of the Start devices, so changing the number moves no device
// a guest already knows.
const hotplugPorts = 16

// runFiles are the files a VM keeps in its run directory.
type runFiles struct {
	dir     string
	pidfile string // written by QEMU, removed by QEMU on a clean exit
	qmp     string // QMP socket
	console string // serial console log, appended across boots
	sercon  string // tells SeaBIOS to print on the serial port
}

func filesFor(dir string) runFiles {
	return runFiles{
		dir:     dir,
		pidfile: filepath.Join(dir, "qemu.pid"),
		qmp:     filepath.Join(dir, "qmp.sock"),
		console: filepath.Join(dir, "console.log"),
		sercon:  filepath.Join(dir, "sercon-port.bin"),
	}
}

// maxSocketPath is sun_path's size minus the terminating NUL.
const maxSocketPath = 107

// command is the program and arguments that start spec's VM.
func command(binary string, spec hypervisor.Spec, accel Accel) (string, []string) {
	args := qemuArgs(spec, accel, filesFor(spec.Dir))
	if spec.NetNS == "" {
		return binary, args
	}
	// ip netns exec execs QEMU in place (no extra process), so QEMU's
	// daemonizing parent is still the process we wait for.
	return "ip", append([]string{"netns", "exec", spec.NetNS, binary}, args...)
}

// tcgCacheMiB bounds TCG's translated-code buffer. QEMU's default (a
// quarter of guest RAM, up to 1 GiB) made ~100 MiB of every idle
// instance's overhead; a small guest's hot code fits in far less.
const tcgCacheMiB = 32

func accelOpt(accel Accel) string {
	if accel == AccelTCG {
		return "tcg,tb-size=" + strconv.Itoa(tcgCacheMiB)
	}
	return string(accel)
}

// qemuArgs builds QEMU's command line. It is a pure function of its inputs
// so it can be table-tested; Spec.Validate has already restricted names to
// characters that need no quoting, and free text (paths, product) is
// escaped where QEMU's option syntax would split it.
func qemuArgs(spec hypervisor.Spec, accel Accel, f runFiles) []string {
	cpu := "max" // TCG: emulate every feature QEMU can
	if accel == AccelKVM {
		cpu = "host"
	}
	a := []string{
		// -name carries the instance id into /proc/PID/cmdline, which is
		// how Adopt tells our VM from a reused PID.
		"-name", "guest=" + spec.ID + ",debug-threads=on",
		"-machine", "q35",
		"-accel", accelOpt(accel),
		"-cpu", cpu,
		"-smp", strconv.Itoa(spec.VCPUs),
		// Guest RAM is allocated as the guest touches it; no prealloc.
		"-m", strconv.Itoa(spec.MemoryMiB),
		"-smbios", smbiosSystem(spec),
		"-smbios", "type=3,manufacturer=Amazon EC2,asset=" + spec.ID,
		"-nodefaults", "-no-user-config", "-display", "none", "-vga", "none",
		// A ring buffer whose log QEMU writes itself: the console survives
		// agent restarts with nobody draining it, and ringbuf-read/-write
		// stay available over QMP.
		"-chardev", "ringbuf,id=console,logfile=" + optEscape(f.console) + ",logappend=on",
		"-serial", "chardev:console",
		"-chardev", "socket,id=qmp,path=" + optEscape(f.qmp) + ",server=on,wait=off",
		"-mon", "chardev=qmp,mode=control",
		"-pidfile", f.pidfile,
		"-daemonize",
		// Start paused: Start connects QMP first and then resumes, so a VM
		// whose monitor we cannot reach never runs guest code.
		"-S",
		// Native PCIe hot-plug instead of q35's default ACPI hot-plug:
		// unplugging from a port the guest never powered (firmware only)
		// completes at once, and Linux's built-in pciehp handles the rest.
		"-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
	}
	if spec.Kernel != "" {
		a = append(a, "-kernel", spec.Kernel)
		if spec.Initrd != "" {
			a = append(a, "-initrd", spec.Initrd)
		}
		if spec.Cmdline != "" {
			a = append(a, "-append", spec.Cmdline)
		}
	} else {
		// SeaBIOS prints to VGA only unless told a serial port; with it,
		// GetConsoleOutput shows firmware boot progress and failures.
		a = append(a, "-fw_cfg", "name=etc/sercon-port,file="+optEscape(f.sercon))
	}

	nports := len(spec.Disks) + len(spec.NICs) + hotplugPorts
	for i := range nports {
		a = append(a, "-device", rootPort(i))
	}
	port := 0
	for i, d := range spec.Disks {
		dev := diskDeviceID(d, i)
		if obj := throttleGroup(dev, d); obj != nil {
			a = append(a, "-object", mustJSON(obj))
		}
		a = append(a, "-blockdev", mustJSON(blockdev(dev, d)))
		boot := ""
		if spec.Kernel == "" && i == 0 {
			boot = ",bootindex=1"
		}
		a = append(a, "-device", diskDevice(dev, d, rootPortID(port))+boot)
		port++
	}
	for i, n := range spec.NICs {
		a = append(a,
			// vhost needs KVM's ioeventfd/irqfd; under TCG it is only overhead.
			"-netdev", fmt.Sprintf("tap,id=net%d,ifname=%s,script=no,downscript=no,vhost=off", i, n.Tap),
			// romfile= drops the iPXE option ROM: nothing boots from the
			// network, and it costs boot time and guest memory.
			"-device", fmt.Sprintf("virtio-net-pci,id=nic%d,netdev=net%d,bus=%s,mac=%s,romfile=", i, i, rootPortID(port), strings.ToLower(n.MAC)))
		port++
	}
	return a
}

func smbiosSystem(spec hypervisor.Spec) string {
	product := spec.Product
	if product == "" {
		product = "Kumo"
	}
	s := "type=1,manufacturer=Amazon EC2,product=" + optEscape(product)
	if spec.UUID != "" {
		s += ",uuid=" + strings.ToLower(spec.UUID)
	}
	return s
}

// rootPort packs eight ports per slot of pcie.0 as functions of one
// multifunction device, as libvirt does, so many ports use few slots.
func rootPort(i int) string {
	slot, fn := 2+i/8, i%8
	s := fmt.Sprintf("pcie-root-port,id=%s,bus=pcie.0,chassis=%d,addr=0x%x.0x%x", rootPortID(i), i+1, slot, fn)
	if fn == 0 {
		s += ",multifunction=on"
	}
	// No I/O window: virtio and NVMe behind PCIe ports use MMIO only, and
	// 4 KiB of the 64 KiB I/O space per port would run out after ~12 ports.
	return s + ",io-reserve=0"
}

func rootPortID(i int) string { return "rp" + strconv.Itoa(i) }

// diskDeviceID names a disk's device (and, with suffixes, its block nodes)
// after its serial, so DetachDisk can find it after an agent restart.
// QEMU node names are limited to 31 characters: "d-" + 20 + "-file" fits.
func diskDeviceID(d hypervisor.Disk, index int) string {
	if d.Serial == "" {
		return "disk" + strconv.Itoa(index) // cannot collide: no dash
	}
	return "d-" + d.Serial
}

// blockdev is the node graph for one disk, as -blockdev JSON and as the
// blockdev-add argument: protocol node, format node, and an optional
// throttle filter on top. The device attaches to the top node.
func blockdev(dev string, d hypervisor.Disk) map[string]any {
	file := map[string]any{
		"driver": "file", "node-name": dev + "-file", "filename": d.Path,
		"read-only": d.ReadOnly, "discard": "unmap",
	}
	// discard=unmap lets guest TRIM shrink thin volumes on the host.
	node := map[string]any{
		"driver": d.Format, "node-name": dev + "-fmt", "file": file,
		"read-only": d.ReadOnly, "discard": "unmap",
	}
	if d.IOPS == 0 && d.BPS == 0 {
		return node
	}
	return map[string]any{
		"driver": "throttle", "node-name": dev + "-thr", "throttle-group": "tg-" + dev,
		"file": node, "read-only": d.ReadOnly,
	}
}

// topNode is the node name a disk's device attaches to.
func topNode(dev string, d hypervisor.Disk) string {
	if d.IOPS == 0 && d.BPS == 0 {
		return dev + "-fmt"
	}
	return dev + "-thr"
}

// throttleGroup is the -object / object-add argument limiting a disk, or nil.
func throttleGroup(dev string, d hypervisor.Disk) map[string]any {
	if d.IOPS == 0 && d.BPS == 0 {
		return nil
	}
	limits := map[string]any{}
	if d.IOPS > 0 {
		limits["iops-total"] = d.IOPS
	}
	if d.BPS > 0 {
		limits["bps-total"] = d.BPS
	}
	return map[string]any{"qom-type": "throttle-group", "id": "tg-" + dev, "limits": limits}
}

// diskDevice is the -device string for a disk on bus.
func diskDevice(dev string, d hypervisor.Disk, bus string) string {
	driver := "virtio-blk-pci"
	if d.Bus == "nvme" {
		driver = "nvme"
	}
	s := fmt.Sprintf("%s,id=%s,bus=%s,drive=%s", driver, dev, bus, topNode(dev, d))
	if d.Serial != "" {
		s += ",serial=" + d.Serial
	}
	return s
}

// optEscape quotes a value for QEMU's key=value option syntax, where a
// comma ends the value unless doubled.
func optEscape(s string) string { return strings.ReplaceAll(s, ",", ",,") }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings, numbers and bools always marshal
	}
	return string(b)
}
