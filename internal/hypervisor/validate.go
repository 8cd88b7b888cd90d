package hypervisor

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
)

// Limits that come from what guests see, not from any one driver.
const (
	// MaxSerialLen is what virtio-blk and NVMe can show the guest (20
	// bytes); longer serials would be silently cut.
	MaxSerialLen = 20
	// MaxTapLen is Linux's IFNAMSIZ minus the terminating NUL.
	MaxTapLen = 15
)

// Validate reports whether the spec can be started as given. Names that end
// up on a command line or in a path are restricted to a safe alphabet, so no
// driver has to quote them.
func (s Spec) Validate() error {
	if err := checkName("id", s.ID, 64); err != nil {
		return err
	}
	if !filepath.IsAbs(s.Dir) {
		return invalid("dir %q: must be an absolute path", s.Dir)
	}
	if s.VCPUs < 1 {
		return invalid("vcpus %d: must be at least 1", s.VCPUs)
	}
	if s.MemoryMiB < 16 {
		return invalid("memory %d MiB: must be at least 16", s.MemoryMiB)
	}
	if s.Kernel == "" && (s.Initrd != "" || s.Cmdline != "") {
		return invalid("initrd and cmdline need a kernel")
	}
	if s.UUID != "" && !isUUID(s.UUID) {
		return invalid("uuid %q: want 8-4-4-4-12 hex digits", s.UUID)
	}
	if len(s.Product) > 64 || strings.ContainsFunc(s.Product, isControl) {
		return invalid("product %q: at most 64 printable characters", s.Product)
	}
	if s.NetNS != "" {
		if err := checkName("netns", s.NetNS, 64); err != nil {
			return err
		}
	}
	serials := map[string]bool{}
	for i, d := range s.Disks {
		if err := d.Validate(); err != nil {
			return fmt.Errorf("disk %d: %w", i, err)
		}
		if d.Serial != "" && serials[d.Serial] {
			return invalid("disk %d: serial %q used twice", i, d.Serial)
		}
		serials[d.Serial] = true
	}
	macs := map[string]bool{}
	for i, n := range s.NICs {
		if err := n.Validate(); err != nil {
			return fmt.Errorf("nic %d: %w", i, err)
		}
		// Hot-plug finds interfaces by MAC.
		mac := strings.ToLower(n.MAC)
		if macs[mac] {
			return invalid("nic %d: mac %q used twice", i, n.MAC)
		}
		macs[mac] = true
	}
	return nil
}

// Validate reports whether the disk can be attached as given.
func (d Disk) Validate() error {
	if d.Path == "" {
		return invalid("path is empty")
	}
	switch d.Format {
	case "raw", "qcow2":
	default:
		// Never let QEMU probe: a guest could write a qcow2 header into a
		// raw disk and have the host open files it names.
		return invalid("format %q: want raw or qcow2", d.Format)
	}
	switch d.Bus {
	case "", "virtio":
	case "nvme":
		if d.Serial == "" {
			return invalid("nvme disks need a serial")
		}
	default:
		return invalid("bus %q: want virtio or nvme", d.Bus)
	}
	if d.Serial != "" {
		if err := ValidateSerial(d.Serial); err != nil {
			return err
		}
	}
	if d.IOPS < 0 || d.BPS < 0 {
		return invalid("iops %d, bps %d: must not be negative", d.IOPS, d.BPS)
	}
	return nil
}

// Validate reports whether the NIC can be created as given.
func (n NIC) Validate() error {
	if err := checkName("tap", n.Tap, MaxTapLen); err != nil {
		return err
	}
	return ValidateMAC(n.MAC)
}

// ValidateMAC reports whether mac can name a NIC: a unicast Ethernet
// address written as six colon-separated octets (02:00:00:12:34:56), the
// form drivers hand on to the hypervisor unchanged.
func ValidateMAC(mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 || len(mac) != 17 || strings.Count(mac, ":") != 5 {
		return invalid("mac %q: want six colon-separated octets", mac)
	}
	if hw[0]&1 != 0 {
		return invalid("mac %q: multicast bit set", mac)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidSpec}, args...)...)
}

// checkName allows letters, digits, '.', '_' and '-', starting with a letter
// or digit: enough for instance ids, volume ids, tap and namespace names.
func checkName(what, s string, max int) error {
	if s == "" || len(s) > max {
		return invalid("%s %q: want 1 to %d characters", what, s, max)
	}
	for i, r := range s {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !alnum && (i == 0 || (r != '.' && r != '_' && r != '-')) {
			return invalid("%s %q: only letters, digits, '.', '_' and '-', starting with a letter or digit", what, s)
		}
	}
	return nil
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
				return false
			}
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ValidateSerial reports whether serial can name a disk (see Disk.Serial).
func ValidateSerial(serial string) error {
	return checkName("serial", serial, MaxSerialLen)
}
