package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	meter "github.com/kumo-cloud/kumo/internal/billing/usage"
	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestBillCommand runs `kumo bill` (the function behind it, with its
// flags) against a real kumo serve whose meter holds hand-made events for
// March 2025 (31 days: 2,678,400 s):
//
//	operator: m5.large running 10 h          10 h × 0.096          = 0.96
//	          gp3 100 GiB all month          100 GB-Mo × 0.08      = 8.00
//	          snapshot of 10 GiB, 16 days    10 × 16/31 × 0.05     = 0.2580645161…
//	          Elastic IP for 2 days          48 h × 0.005          = 0.24
//	          total 9.4580645161… → due $9.46
//	team-b:   gp2 50 GiB for 10 days         50 × 10/31 × 0.10     = 1.6129032258… → $1.61
func TestBillCommand(t *testing.T) {
	env := testenv.Start(t)
	ctx := context.Background()
	b, _, err := env.Daemon.Accounts.Create(ctx, "team-b", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	op := env.AccountID
	day := func(d, h int) time.Time { return time.Date(2025, 3, d, h, 0, 0, 0, time.UTC) }
	m5 := func(state string, at time.Time) meter.Event {
		return meter.Event{Time: at, Kind: meter.Instance, Account: op, Region: "us-east-1", ID: "i-0a", State: state,
			Zone: "us-east-1a", InstanceType: "m5.large", Platform: "Linux/UNIX", Tenancy: "default", Market: "on-demand",
			Tags: map[string]string{"team": "web"}}
	}
	txn := env.Daemon.Store.Txn()
	for _, e := range []meter.Event{
		m5("pending", day(3, 10).Add(-time.Minute)), m5("running", day(3, 10)), m5("stopped", day(3, 20)),
		m5("running", time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC)), // April's
		{Time: time.Date(2025, 2, 20, 0, 0, 0, 0, time.UTC), Kind: meter.Volume, Account: op, Region: "us-east-1", ID: "vol-0a",
			State: meter.Created, Zone: "us-east-1a", VolumeType: "gp3", SizeGiB: 100, IOPS: 3000, Throughput: 125},
		{Time: day(5, 0), Kind: meter.PublicIPv4, Account: op, Region: "us-east-1", ID: "eipalloc-0a", State: meter.Created},
		{Time: day(7, 0), Kind: meter.PublicIPv4, Account: op, Region: "us-east-1", ID: "eipalloc-0a", State: meter.Deleted},
		{Time: day(16, 0), Kind: meter.Snapshot, Account: op, Region: "us-east-1", ID: "snap-0a", State: meter.Created, StoredBytes: 10 << 30},
		{Time: day(1, 0), Kind: meter.Volume, Account: b.ID, Region: "us-east-1", ID: "vol-0b",
			State: meter.Created, Zone: "us-east-1b", VolumeType: "gp2", SizeGiB: 50},
		{Time: day(11, 0), Kind: meter.Volume, Account: b.ID, Region: "us-east-1", ID: "vol-0b",
			State: meter.Deleted, Zone: "us-east-1b", VolumeType: "gp2", SizeGiB: 50},
	} {
		meter.Record(txn, e)
	}
	if err := txn.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	april := time.Date(2025, 4, 15, 0, 0, 0, 0, time.UTC)
	dir := env.Config.DataDir
	run := func(now time.Time, args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := bill(append([]string{"--data-dir", dir}, args...), &out, now); err != nil {
			t.Fatalf("kumo bill %v: %v", args, err)
		}
		return strings.Join(strings.Fields(out.String()), " ") // columns are padded
	}
	wantLines := func(out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("output\n%s\nhas no %q", out, w)
			}
		}
	}

	csvPath := filepath.Join(t.TempDir(), "march.csv")
	out := run(april, "--month", "2025-03", "--csv", csvPath)
	wantLines(out,
		"Kumo bill for 2025-03-01 00:00:00 to 2025-04-01 00:00:00 (UTC)",
		"Account "+op+" ", "Total due: $9.46 (exact 9.4580645161 from 1186 line items",
		"OnDemand BoxUsage:m5.large 10 Hrs × 0.096 = 0.96",
		"EBS EBS:VolumeUsage.gp3 100 GB-Mo × 0.08 = 8.00",
		"Snapshot EBS:SnapshotUsage 5.1612903226 GB-Mo × 0.05 = 0.2580645161",
		"Amazon Elastic Compute Cloud - Compute 0.96",
		"Amazon Virtual Private Cloud 0.24",
		"PublicIPv4 PublicIPv4:IdleAddress 48 Hrs × 0.005 = 0.24",
		"vol-0a us-east-1 EBS:VolumeUsage.gp3",
		"i-0a us-east-1 m5.large 10 Hrs 0.96",
		"Account "+b.ID+" (team-b) Total due: $1.61",
		"EBS EBS:VolumeUsage.gp2 16.1290322581 GB-Mo × 0.1 = 1.6129032258",
		"1426 line items written to "+csvPath,
	)

	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+1426 {
		t.Fatalf("%d CSV rows, want a header and 1,426 line items (10 + 744 + 384 + 48 + 240)", len(rows))
	}
	col := func(name string) int {
		i := slices.Index(rows[0], name)
		if i < 0 {
			t.Fatalf("no column %s in %v", name, rows[0])
		}
		return i
	}
	res, cost, rate, team := col("lineItem/ResourceId"), col("lineItem/UnblendedCost"), col("lineItem/UnblendedRate"), col("resourceTags/user:team")
	start, acctCol := col("lineItem/UsageStartDate"), col("lineItem/UsageAccountId")
	var instanceRows int
	for _, r := range rows[1:] {
		if r[res] == "i-0a" {
			instanceRows++
			if r[cost] != "0.096" || r[rate] != "0.096" || r[team] != "web" || r[acctCol] != op || !strings.HasPrefix(r[start], "2025-03-03T1") {
				t.Errorf("instance row %v", r)
			}
		}
	}
	if instanceRows != 10 {
		t.Errorf("%d instance rows, want 10 hours", instanceRows)
	}

	// One account only.
	out = run(april, "--month", "2025-03", "--account", b.ID)
	if strings.Contains(out, op) || !strings.Contains(out, "Total due: $1.61") {
		t.Errorf("--account %s:\n%s", b.ID, out)
	}

	// The current month, up to now.
	out = run(day(3, 15))
	wantLines(out, "Kumo bill for 2025-03-01 00:00:00 to 2025-03-03 15:00:00 (UTC)",
		"OnDemand BoxUsage:m5.large 5 Hrs × 0.096 = 0.48")

	// Errors say what to do.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data-dir", t.TempDir()}, "no running kumo serve found"},
		{[]string{"--month", "2025-13"}, "want YYYY-MM"},
		{[]string{"--month", "2025-05"}, "the month has not started"},
		{[]string{"--account", "999999999999"}, "kumo account list"},
		{[]string{"--prices", filepath.Join(t.TempDir(), "none.json")}, "load prices"},
	} {
		err := bill(append([]string{"--data-dir", dir}, tc.args...), &bytes.Buffer{}, april)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("kumo bill %v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
}
