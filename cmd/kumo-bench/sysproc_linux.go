package main

import "syscall"

// childSysProcAttr makes the kernel kill kumo if kumo-bench dies without
// running its cleanup (SIGKILL, a crash), so no server outlives the harness.
// Its own process group keeps a terminal's Ctrl-C away from kumo: the
// harness still needs the API to terminate the instances it launched, and
// stops kumo itself afterwards.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
