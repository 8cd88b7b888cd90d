package ledger

import (
	"time"

	"github.com/kumo-cloud/kumo/internal/billing"
	"github.com/kumo-cloud/kumo/internal/billing/usage"
)

// instanceShape is what prices an instance; a change of any of it starts a
// new engine instance.
type instanceShape struct {
	region, zone, instanceType string
	platform                   billing.Platform
	tenancy                    billing.Tenancy
	market                     billing.Market
}

func shapeOf(e *usage.Event) instanceShape {
	s := instanceShape{
		region: e.Region, zone: e.Zone, instanceType: e.InstanceType,
		platform: billing.Platform(e.Platform), tenancy: billing.Tenancy(e.Tenancy), market: billing.Market(e.Market),
	}
	if s.platform == "" {
		s.platform = billing.PlatformLinux
	}
	if s.tenancy == "" {
		s.tenancy = billing.TenancyDefault
	}
	if s.market == "" {
		s.market = billing.MarketOnDemand
	}
	return s
}

// instanceStates are the states the meter records for instances.
var instanceStates = map[string]bool{
	string(billing.StatePending): true, string(billing.StateRunning): true, string(billing.StateStopping): true,
	string(billing.StateStopped): true, string(billing.StateShuttingDown): true, string(billing.StateTerminated): true,
}

// buildInstance turns one instance's events, in time order, into engine
// instances: one per shape the instance had, each with the transitions that
// can bill in [from, to).
func buildInstance(evs []usage.Event, from, to time.Time) ([]billing.Instance, error) {
	start, cut := 0, from.Add(-lookback)
	for i := range evs {
		if !evs[i].Time.Before(cut) {
			break
		}
		start = i
	}
	evs = evs[start:]
	var out []billing.Instance
	var shape instanceShape
	for i := range evs {
		e := &evs[i]
		switch {
		case e.InstanceType == "":
			return nil, badEvent(e, "no instance type")
		case e.Region == "":
			return nil, badEvent(e, "no region")
		case !instanceStates[e.State]:
			return nil, badEvent(e, "unknown state "+e.State)
		}
		if s := shapeOf(e); len(out) == 0 || s != shape {
			if n := len(out); n > 0 && billable(out[n-1].Transitions) {
				// A running instance cannot change shape; should the
				// record say otherwise, the old shape stops billing here.
				out[n-1].Transitions = append(out[n-1].Transitions, billing.Transition{At: e.Time, State: billing.StateStopped})
			}
			shape = s
			out = append(out, billing.Instance{
				ID: e.ID, Account: e.Account, InstanceType: s.instanceType, Region: s.region, Zone: s.zone,
				Platform: s.platform, Tenancy: s.tenancy, Market: s.market,
				// Kumo's images carry no software charges, so every launch
				// qualifies; the engine applies the type, platform, market
				// and account-age rules.
				FreeTierEligible: true,
			})
		}
		in := &out[len(out)-1]
		in.Transitions = append(in.Transitions, billing.Transition{
			At: e.Time.UTC(), State: billing.State(e.State), Interrupted: e.Interrupted,
		})
		if e.Time.Before(to) || in.Tags == nil {
			in.Tags = e.Tags
		}
	}
	// Keep the periods that start before the window ends and run at all.
	kept := out[:0]
	for _, in := range out {
		if runsBefore(in.Transitions, to) {
			kept = append(kept, in)
		}
	}
	return kept, nil
}

// billable reports whether the last transition leaves the instance billed.
func billable(tr []billing.Transition) bool {
	return len(tr) > 0 && tr[len(tr)-1].State == billing.StateRunning
}

// runsBefore reports whether the instance enters running before t.
func runsBefore(tr []billing.Transition, t time.Time) bool {
	for _, x := range tr {
		if x.State == billing.StateRunning && x.At.Before(t) {
			return true
		}
	}
	return false
}
