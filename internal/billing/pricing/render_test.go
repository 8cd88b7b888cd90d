package pricing

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRender compares `kumo price` output with testdata/*.golden; run with
// -update after a deliberate price change and review the diff.
func TestRender(t *testing.T) {
	for _, tc := range []struct {
		golden string
		filter Filter
		write  func(*bytes.Buffer, []Quote) error
	}{
		{"m5_eu-west-1.table.golden", Filter{InstanceType: "m5.*", Region: "eu-west-1"},
			func(b *bytes.Buffer, q []Quote) error { return WriteTable(b, q) }},
		{"m5.large_all_regions.table.golden", Filter{InstanceType: "m5.large"},
			func(b *bytes.Buffer, q []Quote) error { return WriteTable(b, q) }},
		// Graviton types drop out: Windows does not run on them.
		{"large_windows_us-east-1.csv.golden", Filter{InstanceType: "*.large", Region: "us-east-1", Platform: Windows},
			func(b *bytes.Buffer, q []Quote) error { return WriteCSV(b, q) }},
		{"dedicated_m5.large_eu-west-1.csv.golden", Filter{InstanceType: "m5.large", Region: "eu-west-1", Tenancy: TenancyDedicated},
			func(b *bytes.Buffer, q []Quote) error { return WriteCSV(b, q) }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			quotes, err := Default().Quotes(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := tc.write(&b, quotes); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), b.String()); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestQuotesErrors(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name   string
		filter Filter
		want   error
	}{
		{"nothing matches", Filter{InstanceType: "z9.*"}, ErrNotOffered},
		{"type not sold in region", Filter{InstanceType: "p5.48xlarge", Region: "eu-west-1"}, ErrNotOffered},
		{"host tenancy", Filter{Tenancy: TenancyHost}, ErrNotOffered},
		{"unknown region", Filter{Region: "eu-west-9"}, ErrUnknownRegion},
		{"unknown platform", Filter{Platform: "OS/2"}, ErrUnknownPlatform},
		{"bad pattern", Filter{InstanceType: "m5.["}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Quotes(tc.filter)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

func TestQuoteSpot(t *testing.T) {
	quotes, err := Default().Quotes(Filter{InstanceType: "mac1.metal", Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(quotes) != 1 || !quotes[0].SpotBaseline.IsZero() {
		t.Errorf("mac1.metal has no Spot market, got %+v", quotes)
	}
}
