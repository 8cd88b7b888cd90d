//go:build !linux

package main

import "errors"

// tapCapture needs Linux packet sockets and network namespaces; elsewhere
// the IMDS rows go without the host-side split.
type tapCapture struct{}

func startTapCapture(int, int) (*tapCapture, error) {
	return nil, errors.New("capture: needs Linux")
}

func (*tapCapture) finish() []float64 { return nil }
