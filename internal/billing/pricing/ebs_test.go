package pricing

import (
	"errors"
	"testing"
)

func TestVolumeMonthly(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name   string
		v      Volume
		region string
		want   string
	}{
		{"gp2", Volume{Type: GP2, SizeGiB: 100}, "us-east-1", "10"},
		{"gp3 baseline performance is included", Volume{Type: GP3, SizeGiB: 100, IOPS: 3000, ThroughputMBps: 125}, "us-east-1", "8"},
		// 8 + 1,000 × 0.005 + 125 × 0.04
		{"gp3 extra performance", Volume{Type: GP3, SizeGiB: 100, IOPS: 4000, ThroughputMBps: 250}, "us-east-1", "18"},
		{"io1", Volume{Type: IO1, SizeGiB: 100, IOPS: 1000}, "us-east-1", "77.5"},
		// 12.5 + 32,000 × 0.065 + 32,000 × 0.0455 + 6,000 × 0.03185
		{"io2 crosses every tier", Volume{Type: IO2, SizeGiB: 100, IOPS: 70000}, "us-east-1", "3739.6"},
		{"io2 at a tier edge", Volume{Type: IO2, SizeGiB: 10, IOPS: 32000}, "us-east-1", "2081.25"},
		{"st1", Volume{Type: ST1, SizeGiB: 500}, "us-east-1", "22.5"},
		{"sc1", Volume{Type: SC1, SizeGiB: 500}, "us-east-1", "7.5"},
		{"standard", Volume{Type: Standard, SizeGiB: 10}, "us-east-1", "0.5"},
		{"regional gp3", Volume{Type: GP3, SizeGiB: 96}, "eu-west-1", "8.560032"}, // 0.089167 × 96
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.VolumeMonthly(tc.v, tc.region)
			if err != nil {
				t.Fatal(err)
			}
			if got != MustParseMoney(tc.want) {
				t.Errorf("VolumeMonthly = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestEBSErrors(t *testing.T) {
	c := Default()
	if _, err := c.EBS("gp9", "us-east-1"); !errors.Is(err, ErrUnknownVolumeType) {
		t.Errorf("unknown volume type: error %v", err)
	}
	if _, err := c.EBS(GP3, "moon-1"); !errors.Is(err, ErrUnknownRegion) {
		t.Errorf("unknown region: error %v", err)
	}
}

func TestEBSDoesNotShareTiers(t *testing.T) {
	c := Default()
	r, err := c.EBS(IO2, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	r.IOPSTiers[0].PerIOPSMonth = Dollars(100)
	again, _ := c.EBS(IO2, "us-east-1")
	if again.IOPSTiers[0].PerIOPSMonth == Dollars(100) {
		t.Error("a caller changed the catalog through EBSRates.IOPSTiers")
	}
}

func TestFlatPrices(t *testing.T) {
	c := Default()
	if got := c.SnapshotGBMonth(); got != MustParseMoney("0.05") {
		t.Errorf("SnapshotGBMonth = %s", got)
	}
	if got := c.PublicIPv4Hourly(); got != MustParseMoney("0.005") {
		t.Errorf("PublicIPv4Hourly = %s", got)
	}
}
