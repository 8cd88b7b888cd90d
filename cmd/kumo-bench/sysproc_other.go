//go:build !linux

package main

import "syscall"

// childSysProcAttr has no parent-death signal to ask for outside Linux;
// kumo-bench's own cleanup stops the server.
func childSysProcAttr() *syscall.SysProcAttr { return nil }
