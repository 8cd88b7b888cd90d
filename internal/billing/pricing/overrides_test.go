package pricing

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadAppliesOverrides(t *testing.T) {
	c, err := Load(filepath.Join("testdata", "overrides.json"))
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got Money, gotErr error, want string) {
		t.Helper()
		if gotErr != nil {
			t.Errorf("%s: %v", what, gotErr)
		} else if got != MustParseMoney(want) {
			t.Errorf("%s = %s, want %s", what, got, want)
		}
	}
	p, err := c.OnDemand(usEast1("m5.large"))
	check("m5.large", p, err, "0.05")
	p, err = c.OnDemand(usEast1("m5.xlarge"))
	check("m5.xlarge keeps its own price", p, err, "0.192")
	p, err = c.OnDemand(usEast1("t3.micro"))
	check("t3.micro from a JSON number", p, err, "0.01")
	p, err = c.OnDemand(Product{InstanceType: "m5.large", Region: "eu-west-1"})
	check("m5.large in eu-west-1 at the new multiplier", p, err, "0.1")
	p, err = c.OnDemand(Product{InstanceType: "m5.large", Region: "eu-west-1", Platform: Windows})
	check("Windows adds its license to the override", p, err, "0.192")
	v, err := c.VolumeMonthly(Volume{Type: GP3, SizeGiB: 100, IOPS: 4000, ThroughputMBps: 125}, "us-east-1")
	check("gp3", v, err, "10") // 100 × 0.09 + 1,000 × 0.001
	check("snapshot", c.SnapshotGBMonth(), nil, "0.04")
	check("ipv4", c.PublicIPv4Hourly(), nil, "0.004")
	r, err := c.EBS(IO2, "us-east-1")
	if err != nil || len(r.IOPSTiers) != 2 || r.IOPSTiers[1].PerIOPSMonth != MustParseMoney("0.05") {
		t.Errorf("io2 tiers %+v, %v", r.IOPSTiers, err)
	}

	// The default catalog is untouched.
	p, err = Default().OnDemand(usEast1("m5.large"))
	check("default m5.large", p, err, "0.096")
	v, err = Default().VolumeMonthly(Volume{Type: GP3, SizeGiB: 100}, "us-east-1")
	check("default gp3", v, err, "8")
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       error    // nil: only the message is checked
		mention    []string // substrings the error must contain
	}{
		{"unknown instance type", `{"onDemand": {"m9.large": "0.1"}}`, ErrUnknownInstanceType, []string{`onDemand["m9.large"]`}},
		{"bad amount", `{"onDemand": {"m5.large": "ten cents"}}`, ErrInvalidAmount, []string{`onDemand["m5.large"]`}},
		{"negative amount", `{"snapshotGBMonth": -0.05}`, ErrInvalidAmount, []string{"snapshotGBMonth", "negative"}},
		{"unknown region", `{"regionMultipliers": {"eu-west-9": 1.2}}`, ErrUnknownRegion, []string{`regionMultipliers["eu-west-9"]`}},
		{"zero multiplier", `{"regionMultipliers": {"eu-west-1": "0"}}`, ErrInvalidAmount, []string{`regionMultipliers["eu-west-1"]`, "positive"}},
		{"unknown volume type", `{"ebs": {"gp9": {"gbMonth": "0.1"}}}`, ErrUnknownVolumeType, []string{`ebs["gp9"]`}},
		{"tiers out of order", `{"ebs": {"io2": {"iopsTiers": [{"upTo": 100, "perIOPSMonth": 1}, {"upTo": 50, "perIOPSMonth": 1}, {"upTo": 0, "perIOPSMonth": 1}]}}}`, nil, []string{`ebs["io2"].iopsTiers[1]`, "upTo"}},
		{"last tier limited", `{"ebs": {"io1": {"iopsTiers": [{"upTo": 100, "perIOPSMonth": 1}]}}}`, nil, []string{`ebs["io1"].iopsTiers[0]`, "upTo 0"}},
		{"unknown key", `{"onDemnad": {}}`, nil, []string{`unknown field "onDemnad"`}},
		{"syntax error", "{\n  \"onDemand\": {\"m5.large\": \"0.1\",}\n}", nil, []string{"line 2"}},
		{"wrong shape", `{"onDemand": ["m5.large"]}`, nil, []string{"line 1", "onDemand"}},
		{"trailing data", `{} {}`, nil, []string{"after the JSON object"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "prices.json")
			if err := os.WriteFile(path, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			for _, m := range append(tc.mention, path) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "absent.json"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error %v, want ErrNotExist", err)
	}
}
