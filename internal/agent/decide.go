package agent

import (
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/hypervisor"
)

// action is one step the agent takes for an instance.
type action int

const (
	actNone      action = iota
	actBoot             // prepare disk and network, start the VM, mark running
	actAdopt            // the VM already runs: mark running
	actReboot           // reset the VM
	actGuestOff         // the guest powered off (or died): apply the shutdown behaviour
	actStop             // stop the VM, keep the disk, mark stopped
	actTerminate        // stop the VM, delete what it had, mark terminated
	actKill             // a VM runs that should not: stop it
)

func (a action) String() string {
	return [...]string{"none", "boot", "adopt", "reboot", "guest-off", "stop", "terminate", "kill"}[a]
}

// vmRunning reports whether the driver's status means a live VM. A process
// whose monitor does not answer (state unknown, PID alive) counts as live: it
// is impaired, and stopping it would be worse than leaving it.
func vmRunning(st hypervisor.Status, err error) bool {
	if err != nil {
		return false
	}
	switch st.State {
	case hypervisor.StateRunning, hypervisor.StatePaused:
		return true
	case hypervisor.StateUnknown:
		return st.PID > 0
	}
	return false
}

// decide is the reconcile decision for one instance given the state of its VM.
// It is pure so that every transition is table-tested.
func decide(in *instances.Instance, running bool) action {
	switch in.State {
	case instances.Pending:
		if in.Desired != instances.Running {
			return actNone // the API moves it on (stopping / shutting-down)
		}
		if running {
			return actAdopt
		}
		return actBoot
	case instances.Running:
		if in.RebootSeq > in.RebootDone {
			return actReboot // also when the VM is down mid-reboot (Kumo restarted)
		}
		if !running {
			return actGuestOff
		}
	case instances.Stopping:
		return actStop
	case instances.ShuttingDown:
		return actTerminate
	case instances.Stopped, instances.Terminated:
		if running {
			return actKill
		}
	}
	return actNone
}
