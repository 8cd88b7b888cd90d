package main

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestUptimeSpan(t *testing.T) {
	for _, tt := range []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{in: "13725.32 13729.32\n", want: 4},
		{in: "12.5 12.75", want: 0.25},
		{in: "12.5 12.5", wantErr: true}, // no time passed: no rate
		{in: "12.5", wantErr: true},
		{in: "dd: can't open '/dev/vdq'", wantErr: true},
	} {
		got, err := uptimeSpan(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && math.Abs(got-tt.want) > 1e-9) {
			t.Errorf("uptimeSpan(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestSerialOf(t *testing.T) {
	if got := serialOf("vol-0123456789abcdef0"); got != "vol0123456789abcdef0" {
		t.Errorf("serialOf = %q", got)
	}
}

func TestWithinBudget(t *testing.T) {
	b := within(106.25, 143.75)
	if got := b.String(); got != "106–144" {
		t.Errorf("String = %q", got)
	}
	for v, want := range map[float64]string{106.25: "✅", 125: "✅", 143.75: "✅", 100: "❌", 150: "❌", math.NaN(): "—"} {
		if got := b.mark(v); got != want {
			t.Errorf("mark(%v) = %s, want %s", v, got, want)
		}
	}
	if lessThan(5).mark(4) != "✅" || moreThan(5).mark(4) != "❌" {
		t.Error("within changed the one-sided budgets")
	}
}

// TestRestoreShapesValid keeps the restored volumes within AWS's limits
// (the API would refuse them) and their devices within /dev/sdg../dev/sdz.
func TestRestoreShapesValid(t *testing.T) {
	if len(restoreShapes) > 'z'-'g'+1 {
		t.Fatalf("%d shapes: more than the device letters", len(restoreShapes))
	}
	for _, sh := range restoreShapes {
		if sh.sizeGiB < ebsSizeGiB {
			t.Errorf("%s: %d GiB is smaller than the snapshot", sh.label, sh.sizeGiB)
		}
		if sh.iops != 0 && sh.iops > 500*sh.sizeGiB {
			t.Errorf("%s: more than gp3's 500 IOPS per GiB", sh.label)
		}
		iops := max(sh.iops, 3000)
		if sh.tput != 0 && float64(sh.tput) > 0.25*float64(iops) {
			t.Errorf("%s: more than gp3's 0.25 MiB/s per IOPS", sh.label)
		}
		if sh.readMiB > ebsChangeMiB || sh.passes < 1 {
			t.Errorf("%s: reads %d MiB × %d, beyond the data written", sh.label, sh.readMiB, sh.passes)
		}
	}
}

func TestLayerFile(t *testing.T) {
	snaps := []string{"snap-1", "snap-2", "snap-3"}
	for i, want := range []string{"vol-a.qcow2", "vol-a.snap-1.qcow2", "vol-a.snap-2.qcow2"} {
		if got := layerFile("vol-a", snaps, i); got != want {
			t.Errorf("layerFile(%d) = %q, want %q", i, got, want)
		}
	}
}

func TestIncremental(t *testing.T) {
	r := snapshotRun{ids: []string{"a", "b", "c"}, took: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second},
		layers: []int64{100 << 20, 101 << 20, 102 << 20}}
	secs, mib := r.incremental()
	if fmt.Sprint(secs, mib) != "[2 3] [101 102]" {
		t.Errorf("incremental = %v, %v; want the snapshots after the first", secs, mib)
	}
}
