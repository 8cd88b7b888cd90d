package agent

import (
	"testing"

	"github.com/kumo-cloud/kumo/internal/ec2/instances"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		state, desired instances.State
		running        bool
		reboot         bool
		want           action
	}{
		{instances.Pending, instances.Running, false, false, actBoot},
		{instances.Pending, instances.Running, true, false, actAdopt},
		{instances.Running, instances.Running, true, false, actNone},
		{instances.Running, instances.Running, true, true, actReboot},
		{instances.Running, instances.Running, false, false, actGuestOff},
		{instances.Running, instances.Running, false, true, actReboot},
		{instances.Stopping, instances.Stopped, true, false, actStop},
		{instances.Stopping, instances.Stopped, false, false, actStop},
		{instances.ShuttingDown, instances.Terminated, true, false, actTerminate},
		{instances.ShuttingDown, instances.Terminated, false, false, actTerminate},
		{instances.Stopped, instances.Stopped, false, false, actNone},
		{instances.Stopped, instances.Stopped, true, false, actKill},
		{instances.Terminated, instances.Terminated, true, false, actKill},
		{instances.Terminated, instances.Terminated, false, false, actNone},
	}
	for _, tt := range tests {
		in := &instances.Instance{State: tt.state, Desired: tt.desired}
		if tt.reboot {
			in.RebootSeq = 1
		}
		if got := decide(in, tt.running); got != tt.want {
			t.Errorf("decide(%s→%s, running=%v, reboot=%v) = %s, want %s", tt.state, tt.desired, tt.running, tt.reboot, got, tt.want)
		}
	}
}
