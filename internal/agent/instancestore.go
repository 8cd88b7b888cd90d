package agent

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/kumo-cloud/kumo/internal/catalog"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// Instance store: types with local disks (c5d, m5d, i3 …) get them as NVMe
// disks, as on Nitro. They are blank at every start — stopping an instance
// gives its host's local disks back — and keep their data across a reboot,
// which restarts the VM on the same files.

// ephemeralPath is the file of the n-th instance store disk.
func (a *Agent) ephemeralPath(id string, n int) string {
	return filepath.Join(a.dir(id), fmt.Sprintf("ephemeral%d.qcow2", n))
}

// ephemeralDisks are the instance store disks of the instance's type, with
// the serials Nitro gives them ("AWS" and 17 hex digits of the instance id).
func (a *Agent) ephemeralDisks(in *instances.Instance) []hypervisor.Disk {
	t, ok := catalog.LookupInstanceType(in.InstanceType)
	if !ok || t.InstanceStorage == nil {
		return nil
	}
	var out []hypervisor.Disk
	n := 0
	for _, d := range t.InstanceStorage.Disks {
		for range d.Count {
			serial := fmt.Sprintf("AWS%s%d", strings.TrimPrefix(in.ID, "i-"), n)
			if len(serial) > 20 {
				serial = serial[:19] + fmt.Sprint(n%10)
			}
			out = append(out, hypervisor.Disk{Path: a.ephemeralPath(in.ID, n), Format: "qcow2", Serial: serial, Bus: "nvme"})
			n++
		}
	}
	return out
}

// ensureEphemeral makes the blank instance store files a boot needs (sparse:
// they take space only as the guest writes).
func (a *Agent) ensureEphemeral(ctx context.Context, in *instances.Instance) error {
	t, _ := catalog.LookupInstanceType(in.InstanceType)
	disks := a.ephemeralDisks(in)
	if len(disks) > 0 {
		if err := os.MkdirAll(a.dir(in.ID), 0o700); err != nil {
			return err
		}
	}
	for i, d := range disks {
		if _, err := os.Stat(d.Path); err == nil {
			continue
		}
		size := int64(0)
		n := 0
		for _, g := range t.InstanceStorage.Disks {
			if i < n+int(g.Count) {
				size = g.SizeGB
				break
			}
			n += int(g.Count)
		}
		tmp := d.Path + ".tmp"
		out, err := exec.CommandContext(ctx, "qemu-img", "create", "-q", "-f", "qcow2", tmp, fmt.Sprintf("%dG", size)).CombinedOutput()
		if err != nil {
			return fmt.Errorf("create instance store disk: %v: %s", err, out)
		}
		if err := os.Rename(tmp, d.Path); err != nil {
			return err
		}
	}
	return nil
}

// wipeEphemeral deletes the instance store files of a stopped instance.
func (a *Agent) wipeEphemeral(in *instances.Instance) {
	for _, d := range a.ephemeralDisks(in) {
		if err := os.Remove(d.Path); err != nil && !os.IsNotExist(err) {
			a.log.Error("wipe instance store", "instance_id", in.ID, "err", err)
		}
	}
}
