package ledger_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/ledger"
	"github.com/kumo-cloud/kumo/internal/billing/pricing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

// The window of these tests: 10 March 2026, 10:00 to 14:00 UTC. March has
// 31 days, so a GB-month is 2,678,400 GB-seconds.
var (
	from = at(10, 0, 0)
	to   = at(14, 0, 0)
)

const march = 31 * 86400

const acct = "111111111111"

func at(hh, mm, ss int) time.Time { return time.Date(2026, 3, 10, hh, mm, ss, 0, time.UTC) }

// inst is an m5.large's event in us-east-1a; change adjusts it.
func inst(id, state string, t time.Time, change ...func(*usage.Event)) usage.Event {
	e := usage.Event{Time: t, Kind: usage.Instance, Account: acct, Region: "us-east-1", ID: id, State: state,
		Zone: "us-east-1a", InstanceType: "m5.large", Platform: "Linux/UNIX", Tenancy: "default", Market: "on-demand"}
	for _, c := range change {
		c(&e)
	}
	return e
}

func typ(t string) func(*usage.Event) { return func(e *usage.Event) { e.InstanceType = t } }

func vol(id, state string, t time.Time, volumeType string, size int32) usage.Event {
	return usage.Event{Time: t, Kind: usage.Volume, Account: acct, Region: "us-east-1", ID: id, State: state,
		Zone: "us-east-1a", VolumeType: volumeType, SizeGiB: size}
}

func addr(id, state string, t time.Time) usage.Event {
	return usage.Event{Time: t, Kind: usage.PublicIPv4, Account: acct, Region: "us-east-1", ID: id, State: state}
}

func snap(id, state string, t time.Time, bytes int64) usage.Event {
	return usage.Event{Time: t, Kind: usage.Snapshot, Account: acct, Region: "us-east-1", ID: id, State: state, StoredBytes: bytes}
}

// m5large is the engine instance the events of inst describe.
func m5large(id string, tr ...billing.Transition) billing.Instance {
	return billing.Instance{ID: id, Account: acct, InstanceType: "m5.large", Region: "us-east-1", Zone: "us-east-1a",
		Platform: billing.PlatformLinux, Tenancy: billing.TenancyDefault, Market: billing.MarketOnDemand,
		FreeTierEligible: true, Transitions: tr}
}

func tr(state billing.State, t time.Time) billing.Transition {
	return billing.Transition{At: t, State: state}
}

func gbMonths(gbSeconds int64) *big.Rat { return big.NewRat(gbSeconds, march) }

func TestBuild(t *testing.T) {
	old := []accounts.Account{{ID: acct, CreatedAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}}
	tests := []struct {
		name     string
		accounts []accounts.Account
		events   []usage.Event
		want     billing.Usage // Instances, Volumes, Snapshots and Addresses only
		// cost is the exact amount of the window; the computation says
		// where it comes from.
		cost    *big.Rat
		wantErr string
	}{{
		name: "running across the window start is billed from the window start",
		events: []usage.Event{
			inst("i-1", "pending", at(8, 0, 0)), inst("i-1", "running", at(8, 1, 0)),
			inst("i-1", "stopping", at(11, 30, 0)), inst("i-1", "stopped", at(11, 31, 0)),
		},
		want: billing.Usage{Instances: []billing.Instance{m5large("i-1",
			tr(billing.StateRunning, at(8, 1, 0)), tr(billing.StateStopping, at(11, 30, 0)), tr(billing.StateStopped, at(11, 31, 0)))}},
		cost: new(big.Rat).Mul(big.NewRat(96, 1000), big.NewRat(3, 2)), // 0.096 × 1.5 h = 0.144
	}, {
		name: "stop and start: each run pays at least 60 seconds",
		events: []usage.Event{
			inst("i-1", "pending", at(10, 10, 0)), inst("i-1", "running", at(10, 11, 0)),
			inst("i-1", "stopping", at(10, 41, 0)), inst("i-1", "stopped", at(10, 42, 0)),
			inst("i-1", "pending", at(12, 0, 0)), inst("i-1", "running", at(12, 1, 0)),
			inst("i-1", "stopping", at(12, 1, 20)), inst("i-1", "stopped", at(12, 2, 0)),
		},
		want: billing.Usage{Instances: []billing.Instance{m5large("i-1",
			tr(billing.StatePending, at(10, 10, 0)), tr(billing.StateRunning, at(10, 11, 0)),
			tr(billing.StateStopping, at(10, 41, 0)), tr(billing.StateStopped, at(10, 42, 0)),
			tr(billing.StatePending, at(12, 0, 0)), tr(billing.StateRunning, at(12, 1, 0)),
			tr(billing.StateStopping, at(12, 1, 20)), tr(billing.StateStopped, at(12, 2, 0)))}},
		cost: big.NewRat(96*(1800+60), 1000*3600), // 0.096 × (30 min + 60 s minimum) = 0.0496
	}, {
		name: "a run that ended just before the window pays the rest of its minimum inside it",
		events: []usage.Event{
			inst("i-1", "pending", at(9, 59, 0)), inst("i-1", "running", at(9, 59, 30)),
			inst("i-1", "stopping", at(9, 59, 40)), inst("i-1", "stopped", at(9, 59, 50)),
		},
		want: billing.Usage{Instances: []billing.Instance{m5large("i-1",
			tr(billing.StatePending, at(9, 59, 0)), tr(billing.StateRunning, at(9, 59, 30)),
			tr(billing.StateStopping, at(9, 59, 40)), tr(billing.StateStopped, at(9, 59, 50)))}},
		cost: big.NewRat(96*30, 1000*3600), // 60 s from 9:59:30, 30 of them in the window: 0.0008
	}, {
		name: "an instance stopped through the window is left out",
		events: []usage.Event{
			inst("i-1", "running", at(1, 0, 0)), inst("i-1", "stopped", at(2, 0, 0)),
			inst("i-1", "running", at(15, 0, 0)),
		},
		cost: new(big.Rat),
	}, {
		name: "a type changed while stopped bills each period at its type",
		events: []usage.Event{
			inst("i-1", "running", at(10, 0, 0)), inst("i-1", "stopped", at(11, 0, 0)),
			inst("i-1", "pending", at(12, 0, 0), typ("m5.xlarge")), inst("i-1", "running", at(12, 0, 0), typ("m5.xlarge")),
		},
		want: billing.Usage{Instances: []billing.Instance{
			m5large("i-1", tr(billing.StateRunning, at(10, 0, 0)), tr(billing.StateStopped, at(11, 0, 0))),
			func() billing.Instance {
				in := m5large("i-1", tr(billing.StatePending, at(12, 0, 0)), tr(billing.StateRunning, at(12, 0, 0)))
				in.InstanceType = "m5.xlarge"
				return in
			}(),
		}},
		cost: big.NewRat(96+2*192, 1000), // 0.096 × 1 h + 0.192 × 2 h = 0.48
	}, {
		name:     "the free tier follows the account's creation date",
		accounts: []accounts.Account{{ID: acct, CreatedAt: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}},
		events: []usage.Event{
			inst("i-1", "running", at(9, 0, 0), typ("t3.micro")),
		},
		want: billing.Usage{Instances: []billing.Instance{func() billing.Instance {
			in := m5large("i-1", tr(billing.StateRunning, at(9, 0, 0)))
			in.InstanceType = "t3.micro"
			return in
		}()}},
		cost: new(big.Rat), // 4 of the 750 free hours
	}, {
		name:   "an older account pays for its t3.micro",
		events: []usage.Event{inst("i-1", "running", at(9, 0, 0), typ("t3.micro"))},
		want: billing.Usage{Instances: []billing.Instance{func() billing.Instance {
			in := m5large("i-1", tr(billing.StateRunning, at(9, 0, 0)))
			in.InstanceType = "t3.micro"
			return in
		}()}},
		cost: big.NewRat(104*4, 10000), // 0.0104 × 4 h
	}, {
		name: "a volume deleted inside the window bills until its deletion",
		events: []usage.Event{
			vol("vol-1", usage.Created, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), "gp3", 100),
			vol("vol-1", usage.Deleted, at(12, 0, 0), "gp3", 100),
		},
		want: billing.Usage{Volumes: []billing.Volume{{ID: "vol-1", Account: acct, Region: "us-east-1", Zone: "us-east-1a",
			VolumeType: "gp3", SizeGiB: 100, Created: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Deleted: at(12, 0, 0)}}},
		cost: new(big.Rat).Mul(big.NewRat(8, 100), gbMonths(100*7200)), // 0.08 × 100 GB × 2 h / 744 h
	}, {
		name: "a volume deleted before the window is left out",
		events: []usage.Event{
			vol("vol-1", usage.Created, at(1, 0, 0), "gp3", 100), vol("vol-1", usage.Deleted, at(2, 0, 0), "gp3", 100),
		},
		cost: new(big.Rat),
	}, {
		name: "a resize changes the size from its second",
		events: []usage.Event{
			vol("vol-1", usage.Created, at(9, 0, 0), "gp3", 100), vol("vol-1", usage.Modified, at(11, 0, 0), "gp3", 200),
		},
		want: billing.Usage{Volumes: []billing.Volume{{ID: "vol-1", Account: acct, Region: "us-east-1", Zone: "us-east-1a",
			VolumeType: "gp3", SizeGiB: 100, Created: at(9, 0, 0), Resizes: []billing.Resize{{At: at(11, 0, 0), SizeGiB: 200}}}}},
		cost: new(big.Rat).Mul(big.NewRat(8, 100), gbMonths(100*3600+200*3*3600)), // 0.08 × (100 GB × 1 h + 200 GB × 3 h) / 744 h
	}, {
		name: "a change of volume type prices each period at its type",
		events: []usage.Event{
			vol("vol-1", usage.Created, at(10, 0, 0), "gp2", 10), vol("vol-1", usage.Modified, at(12, 0, 0), "gp3", 10),
		},
		want: billing.Usage{Volumes: []billing.Volume{
			{ID: "vol-1", Account: acct, Region: "us-east-1", Zone: "us-east-1a", VolumeType: "gp2", SizeGiB: 10, Created: at(10, 0, 0), Deleted: at(12, 0, 0)},
			{ID: "vol-1", Account: acct, Region: "us-east-1", Zone: "us-east-1a", VolumeType: "gp3", SizeGiB: 10, Created: at(12, 0, 0)},
		}},
		// 0.10 × 10 GB × 2 h + 0.08 × 10 GB × 2 h, over 744 h
		cost: new(big.Rat).Add(new(big.Rat).Mul(big.NewRat(10, 100), gbMonths(10*7200)), new(big.Rat).Mul(big.NewRat(8, 100), gbMonths(10*7200))),
	}, {
		name: "a snapshot bills its stored bytes, a started GiB whole",
		events: []usage.Event{
			snap("snap-1", usage.Created, at(10, 0, 0), 3<<29), snap("snap-1", usage.Deleted, at(13, 0, 0), 0),
		},
		want: billing.Usage{Snapshots: []billing.Snapshot{{ID: "snap-1", Account: acct, Region: "us-east-1",
			StoredGiB: 2, Created: at(10, 0, 0), Deleted: at(13, 0, 0)}}},
		cost: new(big.Rat).Mul(big.NewRat(5, 100), gbMonths(2*3*3600)), // 0.05 × 2 GB × 3 h / 744 h
	}, {
		name: "an Elastic IP bills from allocation to release, as idle",
		events: []usage.Event{
			addr("eipalloc-1", usage.Created, at(10, 30, 0)), addr("eipalloc-1", usage.Deleted, at(12, 0, 0)),
		},
		want: billing.Usage{Addresses: []billing.Address{{ID: "eipalloc-1", Account: acct, Region: "us-east-1",
			Allocated: at(10, 30, 0), Released: at(12, 0, 0)}}},
		cost: big.NewRat(5*3, 1000*2), // 0.005 × 1.5 h
	}, {
		name: "an auto-assigned address is in use while its instance holds it",
		events: []usage.Event{
			addr("i-1", usage.Created, at(9, 0, 0)), addr("i-1", usage.Deleted, at(11, 0, 0)),
			addr("i-1", usage.Created, at(12, 0, 0)),
		},
		want: billing.Usage{Addresses: []billing.Address{
			{ID: "i-1", Account: acct, Region: "us-east-1", Allocated: at(9, 0, 0), Released: at(11, 0, 0),
				InUse: []billing.Interval{{From: at(9, 0, 0), To: at(11, 0, 0)}}},
			{ID: "i-1", Account: acct, Region: "us-east-1", Allocated: at(12, 0, 0),
				InUse: []billing.Interval{{From: at(12, 0, 0)}}},
		}},
		cost: big.NewRat(5*3, 1000), // 0.005 × (1 h + 2 h)
	}, {
		name:   "an instance of a type the catalog lacks is an error naming it",
		events: []usage.Event{inst("i-1", "running", at(9, 0, 0), typ("m9.huge"))},
		want: billing.Usage{Instances: []billing.Instance{func() billing.Instance {
			in := m5large("i-1", tr(billing.StateRunning, at(9, 0, 0)))
			in.InstanceType = "m9.huge"
			return in
		}()}},
		wantErr: "rate instance i-1 (m9.huge Linux/UNIX): no price: on-demand price of m9.huge Linux/UNIX default in us-east-1: unknown instance type",
	}, {
		name:    "an instance event without a type is refused",
		events:  []usage.Event{inst("i-1", "running", at(9, 0, 0), typ(""))},
		wantErr: "instance i-1 of account 111111111111 at 2026-03-10T09:00:00Z: no instance type",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accts := tt.accounts
			if accts == nil {
				accts = old
			}
			u, err := ledger.Build(ledger.Records{Events: tt.events, Accounts: accts}, from, to)
			if err != nil {
				if tt.wantErr == "" || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ledger.ErrBadEvent) {
					t.Fatalf("build: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			got := billing.Usage{Instances: u.Instances, Volumes: u.Volumes, Snapshots: u.Snapshots, Addresses: u.Addresses}
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("usage (-want +got):\n%s", diff)
			}
			if !u.From.Equal(from) || !u.To.Equal(to) || len(u.Accounts) != 1 || !u.Accounts[0].Created.Equal(accts[0].CreatedAt) {
				t.Errorf("window %s–%s, accounts %+v", u.From, u.To, u.Accounts)
			}
			items, err := ledger.LineItems(billing.DefaultConfig(), ledger.NewPrices(pricing.Default()), u)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("rate: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			total := new(big.Rat)
			for _, li := range items {
				total.Add(total, li.Amount.Rat())
			}
			if total.Cmp(tt.cost) != 0 {
				t.Errorf("cost %s, want exactly %s", total.FloatString(10), tt.cost.FloatString(10))
			}
		})
	}
}

func TestBuildEmptyWindow(t *testing.T) {
	if _, err := ledger.Build(ledger.Records{}, to, from); err == nil {
		t.Error("a window ending before it starts was accepted")
	}
}
