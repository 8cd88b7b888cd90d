package ebs_test

import (
	"errors"
	"testing"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
)

func i32(n int32) *int32 { return &n }

func errCode(err error) string {
	var e *awserr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestResolveShape(t *testing.T) {
	tests := []struct {
		name string
		req  ebs.ShapeRequest
		want ebs.VolumeShape
		code string
	}{
		{"default type", ebs.ShapeRequest{SizeGiB: 8}, ebs.VolumeShape{Type: "gp2", SizeGiB: 8}, ""},
		{"gp3 baseline on a tiny volume", ebs.ShapeRequest{Type: "gp3", SizeGiB: 1}, ebs.VolumeShape{Type: "gp3", SizeGiB: 1, IOPS: 3000, Throughput: 125}, ""},
		{"gp3 provisioned", ebs.ShapeRequest{Type: "gp3", SizeGiB: 100, IOPS: i32(16000), Throughput: i32(1000)}, ebs.VolumeShape{Type: "gp3", SizeGiB: 100, IOPS: 16000, Throughput: 1000}, ""},
		{"gp3 at its maximums", ebs.ShapeRequest{Type: "gp3", SizeGiB: 65536, IOPS: i32(80000), Throughput: i32(2000)}, ebs.VolumeShape{Type: "gp3", SizeGiB: 65536, IOPS: 80000, Throughput: 2000}, ""},
		{"io1 at 50 per GiB", ebs.ShapeRequest{Type: "io1", SizeGiB: 100, IOPS: i32(5000)}, ebs.VolumeShape{Type: "io1", SizeGiB: 100, IOPS: 5000}, ""},
		{"io2 at 1000 per GiB", ebs.ShapeRequest{Type: "io2", SizeGiB: 64, IOPS: i32(64000)}, ebs.VolumeShape{Type: "io2", SizeGiB: 64, IOPS: 64000}, ""},
		{"io2 64 TiB", ebs.ShapeRequest{Type: "io2", SizeGiB: 65536, IOPS: i32(256000)}, ebs.VolumeShape{Type: "io2", SizeGiB: 65536, IOPS: 256000}, ""},
		{"st1 smallest", ebs.ShapeRequest{Type: "st1", SizeGiB: 125}, ebs.VolumeShape{Type: "st1", SizeGiB: 125}, ""},
		{"standard largest", ebs.ShapeRequest{Type: "standard", SizeGiB: 1024}, ebs.VolumeShape{Type: "standard", SizeGiB: 1024}, ""},

		{"unknown type", ebs.ShapeRequest{Type: "gp9", SizeGiB: 8}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"zero size", ebs.ShapeRequest{SizeGiB: 0}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp2 too large", ebs.ShapeRequest{Type: "gp2", SizeGiB: 16385}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 too large", ebs.ShapeRequest{Type: "gp3", SizeGiB: 65537}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io1 too small", ebs.ShapeRequest{Type: "io1", SizeGiB: 3, IOPS: i32(100)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io1 too large", ebs.ShapeRequest{Type: "io1", SizeGiB: 16385, IOPS: i32(100)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io2 too large", ebs.ShapeRequest{Type: "io2", SizeGiB: 65537, IOPS: i32(100)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"st1 too small", ebs.ShapeRequest{Type: "st1", SizeGiB: 124}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"sc1 too large", ebs.ShapeRequest{Type: "sc1", SizeGiB: 16385}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"standard too large", ebs.ShapeRequest{Type: "standard", SizeGiB: 1025}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"iops on gp2", ebs.ShapeRequest{Type: "gp2", SizeGiB: 8, IOPS: i32(300)}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"iops on st1", ebs.ShapeRequest{Type: "st1", SizeGiB: 500, IOPS: i32(300)}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"iops on standard", ebs.ShapeRequest{Type: "standard", SizeGiB: 8, IOPS: i32(100)}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"io1 without iops", ebs.ShapeRequest{Type: "io1", SizeGiB: 100}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"io2 without iops", ebs.ShapeRequest{Type: "io2", SizeGiB: 100}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"io1 iops too low", ebs.ShapeRequest{Type: "io1", SizeGiB: 100, IOPS: i32(99)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io1 iops too high", ebs.ShapeRequest{Type: "io1", SizeGiB: 16000, IOPS: i32(64001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io1 over 50 per GiB", ebs.ShapeRequest{Type: "io1", SizeGiB: 100, IOPS: i32(5001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io2 over 1000 per GiB", ebs.ShapeRequest{Type: "io2", SizeGiB: 10, IOPS: i32(10001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"io2 iops too high", ebs.ShapeRequest{Type: "io2", SizeGiB: 65536, IOPS: i32(256001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 iops too low", ebs.ShapeRequest{Type: "gp3", SizeGiB: 100, IOPS: i32(2999)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 iops too high", ebs.ShapeRequest{Type: "gp3", SizeGiB: 1000, IOPS: i32(80001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 over 500 per GiB", ebs.ShapeRequest{Type: "gp3", SizeGiB: 10, IOPS: i32(5001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 throughput too low", ebs.ShapeRequest{Type: "gp3", SizeGiB: 10, Throughput: i32(124)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 throughput too high", ebs.ShapeRequest{Type: "gp3", SizeGiB: 1000, IOPS: i32(16000), Throughput: i32(2001)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"gp3 over 0.25 MiB/s per IOPS", ebs.ShapeRequest{Type: "gp3", SizeGiB: 100, Throughput: i32(1000)}, ebs.VolumeShape{}, "InvalidParameterValue"},
		{"throughput on gp2", ebs.ShapeRequest{Type: "gp2", SizeGiB: 100, Throughput: i32(200)}, ebs.VolumeShape{}, "InvalidParameterCombination"},
		{"throughput on io1", ebs.ShapeRequest{Type: "io1", SizeGiB: 100, IOPS: i32(1000), Throughput: i32(200)}, ebs.VolumeShape{}, "InvalidParameterCombination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ebs.ResolveShape(tt.req)
			if errCode(err) != tt.code {
				t.Fatalf("error %v, want code %q", err, tt.code)
			}
			if tt.code == "" && got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMultiAttachTypes(t *testing.T) {
	for typ, want := range map[string]bool{"io1": true, "io2": true, "gp2": false, "gp3": false, "st1": false, "sc1": false, "standard": false} {
		err := ebs.CheckShape(ebs.VolumeShape{Type: typ, SizeGiB: 500, IOPS: iopsFor(typ), Throughput: throughputFor(typ), MultiAttach: true})
		if (err == nil) != want {
			t.Errorf("%s multi-attach: %v", typ, err)
		}
	}
}

func iopsFor(typ string) int32 {
	switch typ {
	case "gp3":
		return 3000
	case "io1", "io2":
		return 1000
	}
	return 0
}

func throughputFor(typ string) int32 {
	if typ == "gp3" {
		return 125
	}
	return 0
}

func TestValidDevice(t *testing.T) {
	for name, want := range map[string]bool{
		"/dev/sdf": true, "/dev/sdp": true, "/dev/sdz": true, "/dev/xvdb": true, "/dev/xvdz": true, "/dev/xvdba": true,
		"/dev/xvdcz": true, "xvdh": true, "sdh": true, "/dev/sda1": true, "/dev/xvda": true,
		"/dev/sda": false, "/dev/sdk1": false, "/dev/sdba": false, "/dev/xvdeo": false, "/dev/hda": false, "/sdf": false,
		"": false, "/dev/sdF": false, "/dev/nvme1n1": false,
	} {
		if got := ebs.ValidDevice(name); got != want {
			t.Errorf("ValidDevice(%q) = %v, want %v", name, got, want)
		}
	}
}
