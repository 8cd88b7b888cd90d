// Package hypervisor owns the contract between a host agent and the thing
// that runs virtual machines: what a VM is made of (Spec), what state it is
// in (Status) and the Driver interface every implementation satisfies
// (qemu/ runs real VMs). hypervisortest holds the conformance suite every
// driver runs.
//
// A Driver is a thin, idempotent layer: it keeps no durable state of its own.
// VMs outlive the process that started them, and after a restart the owner
// calls Adopt with the same Spec to pick them up again.
package hypervisor

import (
	"context"
	"errors"
	"time"
)

// Errors a Driver returns, wrapped with context; match with errors.Is.
var (
	// ErrNotFound: the driver knows no VM with that id (never started or
	// adopted by this driver value, or already cleaned up).
	ErrNotFound = errors.New("vm not found")
	// ErrRunning: the operation needs the VM gone, but it still runs
	// (Start of a running VM, Cleanup before Stop).
	ErrRunning = errors.New("vm is running")
	// ErrNotRunning: the operation needs a live VM (Reboot, AttachDisk,
	// AttachNIC).
	ErrNotRunning = errors.New("vm is not running")
	// ErrInvalidSpec: the Spec or Disk cannot be honoured as given;
	// retrying will not help.
	ErrInvalidSpec = errors.New("invalid vm spec")
	// ErrNoDisk: the running VM has no disk with that serial
	// (SnapshotDisk, SnapshotDisks, ResizeDisk).
	ErrNoDisk = errors.New("no such disk")
	// ErrUnsupported: this disk cannot do that while the VM runs (QEMU's
	// NVMe device cannot change size); do it while the VM is stopped.
	ErrUnsupported = errors.New("not supported while the vm runs")
)

// Spec is everything needed to start one VM. The same Spec is passed to
// Adopt after a restart, so it must be reproducible from stored state.
type Spec struct {
	// ID is the instance id (i-0abc…). It appears in the VM process's
	// command line so re-adoption can tell our VM from a reused PID.
	ID string
	// Dir is the per-instance run directory (pidfile, QMP socket, console
	// log). The driver creates it if missing; it must be absolute.
	Dir       string
	VCPUs     int
	MemoryMiB int
	// Kernel, Initrd and Cmdline select direct kernel boot; with Kernel
	// empty the firmware boots from the first disk.
	Kernel, Initrd, Cmdline string
	Disks                   []Disk
	NICs                    []NIC
	// UUID is the SMBIOS system UUID. It should start with "ec2", which is
	// how cloud-init recognises EC2.
	UUID string
	// Product is the SMBIOS product name; EC2 Nitro reports the instance
	// type (e.g. "t3.micro"). Empty means a generic name.
	Product string
	// NetNS, if set, is the network namespace the VM process runs in, so it
	// can open taps that live there.
	NetNS string
}

// Disk is a block device given to a VM.
type Disk struct {
	Path   string
	Format string // "raw" or "qcow2"; required, never probed
	// Serial is what the guest sees as the device serial; for EBS volumes
	// the volume id without its dash (vol0123…), as on Nitro. At most 20
	// characters. DetachDisk finds disks by it.
	Serial   string
	ReadOnly bool
	Bus      string // "virtio" (default) or "nvme"
	IOPS     int64  // 0: unthrottled
	BPS      int64  // bytes per second; 0: unthrottled
}

// NIC is a network interface backed by a host tap device.
type NIC struct {
	Tap string // tap device name, in Spec.NetNS if set
	MAC string // e.g. "02:00:00:12:34:56"
}

// State is the coarse state of a VM as the hypervisor sees it.
type State string

// The states a Status reports.
const (
	StateRunning  State = "running"
	StatePaused   State = "paused"   // vCPUs stopped; the process lives
	StateShutdown State = "shutdown" // the guest powered off or the VM process is gone
	StateCrashed  State = "crashed"  // the VM process died without a shutdown, or the guest panicked
	// StateUnknown: the process lives but cannot be asked (the monitor is
	// unreachable); the instance is impaired.
	StateUnknown State = "unknown"
)

// Status is a VM's observed state.
type Status struct {
	State State
	PID   int       // VM process id; 0 once the process is gone
	Since time.Time // when the driver saw State begin
	// Reason says why a VM reached shutdown, crashed or unknown, e.g.
	// "guest-shutdown" (the guest powered itself off), "host-qmp-quit",
	// "killed", "exited without shutdown".
	Reason string
}

// Driver runs VMs on this host. Every method is safe for concurrent use.
// Methods taking an id work on VMs this driver value started or adopted.
type Driver interface {
	// Start launches the VM detached from the caller (it outlives the
	// agent) and returns once it runs. A failed Start leaves nothing
	// behind. Starting a VM that runs returns ErrRunning; starting one that
	// has shut down boots it again from the same Dir.
	Start(ctx context.Context, spec Spec) error
	// Stop powers the VM off. With force it ends the process at once.
	// Otherwise it presses the ACPI power button and waits for the guest;
	// if ctx's deadline passes first it forces. If ctx is cancelled
	// instead, Stop returns ctx.Err() and the VM keeps running (the agent
	// is going away; VMs must not). Stopping a stopped VM is a no-op.
	Stop(ctx context.Context, id string, force bool) error
	// Reboot resets the VM, as the reset button would.
	Reboot(ctx context.Context, id string) error
	// Status reports the VM's state; ErrNotFound for an unknown id.
	Status(ctx context.Context, id string) (Status, error)
	// Adopt takes over a VM a previous agent process started, after
	// checking the process really is that VM. A VM whose process is gone
	// but whose Dir exists is adopted as shut down; ErrNotFound if there is
	// no trace of it at all.
	Adopt(ctx context.Context, spec Spec) (Status, error)
	// Wait blocks until the VM's process has exited and returns its final
	// Status (Reason tells a guest poweroff from a forced stop or a crash),
	// or until ctx ends. It returns at once for a VM that is not running.
	Wait(ctx context.Context, id string) (Status, error)
	// Console returns everything the serial console has printed, across
	// reboots and agent restarts (older output may be trimmed at Start).
	Console(ctx context.Context, id string) ([]byte, error)
	// AttachDisk hot-plugs a disk into the running VM. Attaching a serial
	// that is already attached is a no-op.
	AttachDisk(ctx context.Context, id string, d Disk) error
	// DetachDisk hot-unplugs the disk with that serial and waits, bounded by
	// ctx, for the guest to let go of it. Detaching an absent serial is a
	// no-op, so a failed detach can simply be retried.
	DetachDisk(ctx context.Context, id, serial string) error
	// SnapshotDisk switches the running VM's disk with that serial to
	// overlay (an absolute path to a qcow2 file whose backing file is the
	// disk's current top file and whose size is the disk's), atomically:
	// every write after the call goes to overlay and the old file is
	// frozen — a crash-consistent point-in-time snapshot. If the disk
	// already writes to overlay, it is a no-op. Nothing is remembered
	// outside the VM: after an agent restart the driver finds the disk's
	// top file in the VM itself, and a VM started again is given the
	// volume's current top file in its Spec. An overlay on anything else
	// is ErrInvalidSpec; an absent serial ErrNoDisk.
	SnapshotDisk(ctx context.Context, id, serial, overlay string) error
	// SnapshotDisks is SnapshotDisk for several disks of one VM at one
	// instant: every switch happens in one QMP transaction, so the frozen
	// files form a consistent set. Disks already switched to their overlay
	// are skipped; if all are, it is a no-op. If any disk is refused (the
	// errors of SnapshotDisk), or two share an overlay, no disk switches.
	SnapshotDisks(ctx context.Context, id string, overlays map[string]string) error // serial → overlay
	// ResizeDisk grows the running VM's disk with that serial to bytes (a
	// multiple of 512); the guest sees the new size. The current size is
	// a no-op, a smaller one ErrInvalidSpec; a disk that cannot grow while
	// the VM runs is ErrUnsupported.
	ResizeDisk(ctx context.Context, id, serial string, bytes int64) error
	// AttachNIC hot-plugs a network interface into the running VM; its tap
	// must exist (in Spec.NetNS, if set). Attaching a MAC that is already
	// attached, at Start or since, is a no-op.
	AttachNIC(ctx context.Context, id string, nic NIC) error
	// DetachNIC hot-unplugs the interface with that MAC and waits, bounded
	// by ctx, for the guest to release it; the driver then holds the tap no
	// longer. Detaching an absent MAC is a no-op, so a failed detach can
	// simply be retried.
	DetachNIC(ctx context.Context, id, mac string) error
	// Cleanup removes what the VM left in its Dir and forgets it. It
	// returns ErrRunning while the VM runs and nil for an unknown id.
	Cleanup(ctx context.Context, id string) error
}
