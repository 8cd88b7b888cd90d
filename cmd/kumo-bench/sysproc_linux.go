package main

import "syscall"

// childSysProcAttr makes the kernel kill kumo if kumo-bench dies without
// running its cleanup (SIGKILL, a crash), so no server outlives the harness.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
