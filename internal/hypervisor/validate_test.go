package hypervisor

import (
	"errors"
	"testing"
)

func validSpec() Spec {
	return Spec{
		ID: "i-0123456789abcdef0", Dir: "/var/lib/kumo/run/i-0123456789abcdef0",
		VCPUs: 1, MemoryMiB: 128, UUID: "ec2a0b1c-0000-4000-8000-000000000001",
		Disks: []Disk{{Path: "/v/root.qcow2", Format: "qcow2", Serial: "vol0123456789abcdef0"}},
		NICs:  []NIC{{Tap: "tap0", MAC: "02:00:00:00:00:01"}},
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		ok   bool
	}{
		{"valid", func(*Spec) {}, true},
		{"no uuid, no product", func(s *Spec) { s.UUID, s.Product = "", "" }, true},
		{"empty id", func(s *Spec) { s.ID = "" }, false},
		{"id with comma", func(s *Spec) { s.ID = "i-1,x" }, false},
		{"id with slash", func(s *Spec) { s.ID = "../i-1" }, false},
		{"relative dir", func(s *Spec) { s.Dir = "run/i-1" }, false},
		{"no vcpus", func(s *Spec) { s.VCPUs = 0 }, false},
		{"tiny memory", func(s *Spec) { s.MemoryMiB = 8 }, false},
		{"initrd without kernel", func(s *Spec) { s.Initrd = "/i" }, false},
		{"bad uuid", func(s *Spec) { s.UUID = "ec2-not-a-uuid" }, false},
		{"product with newline", func(s *Spec) { s.Product = "t3\nmicro" }, false},
		{"bad netns", func(s *Spec) { s.NetNS = "vpc 1" }, false},
		{"probed format", func(s *Spec) { s.Disks[0].Format = "" }, false},
		{"unknown bus", func(s *Spec) { s.Disks[0].Bus = "ide" }, false},
		{"nvme without serial", func(s *Spec) { s.Disks[0].Bus, s.Disks[0].Serial = "nvme", "" }, false},
		{"serial too long", func(s *Spec) { s.Disks[0].Serial = "vol-0123456789abcdef0" }, false},
		{"negative iops", func(s *Spec) { s.Disks[0].IOPS = -1 }, false},
		{"duplicate serial", func(s *Spec) { s.Disks = append(s.Disks, s.Disks[0]) }, false},
		{"tap name too long", func(s *Spec) { s.NICs[0].Tap = "tap0123456789abcd" }, false},
		{"multicast mac", func(s *Spec) { s.NICs[0].MAC = "01:00:5e:00:00:01" }, false},
		{"eui64 mac", func(s *Spec) { s.NICs[0].MAC = "02:00:00:00:00:00:00:01" }, false},
		{"dashed mac", func(s *Spec) { s.NICs[0].MAC = "02-00-00-00-00-01" }, false},
		{"upper-case mac", func(s *Spec) { s.NICs[0].MAC = "02:AB:00:00:00:01" }, true},
		{"duplicate mac", func(s *Spec) {
			s.NICs = append(s.NICs, NIC{Tap: "tap1", MAC: "02:00:00:00:00:01"})
		}, false},
		{"duplicate mac, other case", func(s *Spec) {
			s.NICs = append(s.NICs, NIC{Tap: "tap1", MAC: "02:AB:00:00:00:01"}, NIC{Tap: "tap2", MAC: "02:ab:00:00:00:01"})
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSpec()
			tt.edit(&s)
			err := s.Validate()
			if tt.ok && err != nil {
				t.Errorf("Validate: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("Validate = %v, want ErrInvalidSpec", err)
			}
		})
	}
}
