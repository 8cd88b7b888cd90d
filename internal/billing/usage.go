package billing

import "time"

// State is an EC2 instance state as DescribeInstances names it.
type State string

// Instance states. Only StateRunning is billed (and StateStopping while
// hibernating).
const (
	StatePending      State = "pending"
	StateRunning      State = "running"
	StateStopping     State = "stopping"
	StateStopped      State = "stopped"
	StateShuttingDown State = "shutting-down"
	StateTerminated   State = "terminated"
)

// Tenancy is where an instance runs.
type Tenancy string

// Tenancies.
const (
	TenancyDefault   Tenancy = "default"
	TenancyDedicated Tenancy = "dedicated"
	TenancyHost      Tenancy = "host"
)

// Market is how an instance was bought.
type Market string

// Markets.
const (
	MarketOnDemand Market = "on-demand"
	MarketSpot     Market = "spot"
)

// Transition is one recorded state change of an instance.
type Transition struct {
	At    time.Time
	State State
	// Interrupted marks a change out of running that the provider caused
	// (a Spot interruption) rather than the user; it decides whether a
	// Spot run's first hour is free.
	Interrupted bool
	// Hibernating marks a stopping that hibernates: AWS bills it as running
	// until the instance is stopped.
	Hibernating bool
}

// Instance is everything the engine needs to bill one instance. Transitions
// must be in time order and may start before the billing window: a run's
// minimum and rounding depend on when it started.
type Instance struct {
	ID           string
	Account      string
	InstanceType string
	Region       string
	Zone         string
	Platform     Platform
	Tenancy      Tenancy
	Market       Market
	// CapacityReservationID names the Capacity Reservation the instance
	// runs in, if any; its seconds fill that reservation's slots.
	CapacityReservationID string
	// FreeTierEligible says the launch qualifies for the Free Tier (AMI,
	// region); the engine adds the type, platform, market and account-age
	// rules and the monthly hours.
	FreeTierEligible bool
	Transitions      []Transition
	Tags             map[string]string
}

// Volume is an EBS volume, billed per GB-month from creation to deletion
// whatever the instance does.
type Volume struct {
	ID         string
	Account    string
	Region     string
	Zone       string
	VolumeType string // "gp3", "io2", …
	SizeGiB    int64  // size at creation
	Resizes    []Resize
	Created    time.Time
	Deleted    time.Time // zero while the volume exists
	Tags       map[string]string
}

// Resize is a ModifyVolume size change, effective from At.
type Resize struct {
	At      time.Time
	SizeGiB int64
}

// Snapshot is an EBS snapshot, billed per GB-month of data it stores.
type Snapshot struct {
	ID        string
	Account   string
	Region    string
	StoredGiB int64 // the incremental data this snapshot keeps
	Created   time.Time
	Deleted   time.Time
	Tags      map[string]string
}

// Address is a public IPv4 address, billed per hour in use or idle.
type Address struct {
	ID        string // allocation ID or the address itself
	Account   string
	Region    string
	Allocated time.Time
	Released  time.Time // zero while allocated
	// InUse lists the periods the address was associated with a running
	// resource; the rest of its life it is idle. Both cost the same; the
	// usage type differs.
	InUse []Interval
	Tags  map[string]string
}

// Interval is a half-open period [From, To). A zero To means "still open".
type Interval struct {
	From, To time.Time
}

// Host is a Dedicated Host, billed per host-second from allocation to
// release with a 60-second minimum, whatever runs on it.
type Host struct {
	ID      string
	Account string
	Region  string
	Zone    string
	// HostType is the instance family ("m5") or type ("m5.large") the host
	// was allocated for; prices are looked up with it.
	HostType  string
	Allocated time.Time
	Released  time.Time
	Tags      map[string]string
}

// CapacityReservation is an On-Demand Capacity Reservation: Count slots
// billed at the On-Demand rate per second from Start to End, used or not.
type CapacityReservation struct {
	ID           string
	Account      string
	InstanceType string
	Platform     Platform
	Region       string
	Zone         string
	Tenancy      Tenancy
	Count        int64
	Start        time.Time
	End          time.Time // zero while active (EndDateType unlimited)
	Tags         map[string]string
}

// Account is a billed account. Accounts that share a Payer form a billing
// family (consolidated billing): Reserved Instances and Savings Plans apply
// to the owner's usage first and then across the family, and the family has
// one Free Tier, counted from the payer's creation.
type Account struct {
	ID string
	// Payer is the management (payer) account; empty means the account pays
	// for itself.
	Payer   string
	Created time.Time
	// NoSharing turns off RI and Savings Plans sharing for this account: its
	// commitments apply only to itself and it receives no one else's.
	NoSharing bool
}

// Usage is the input to one rating run: what existed and ran, and the
// commitments bought, over the window [From, To). Records may extend beyond
// the window; only the window is billed. Clock hours are UTC.
type Usage struct {
	From, To             time.Time
	Accounts             []Account
	Instances            []Instance
	Volumes              []Volume
	Snapshots            []Snapshot
	Addresses            []Address
	Hosts                []Host
	CapacityReservations []CapacityReservation
	ReservedInstances    []ReservedInstance
	SavingsPlans         []SavingsPlan
	// FreeTierSecondsUsed carries Free Tier seconds a billing family (keyed
	// by payer) already used in From's month before From, so a window that
	// starts mid-month continues the count.
	FreeTierSecondsUsed map[string]int64
}
