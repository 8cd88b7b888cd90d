//go:build !linux

package main

import "errors"

// allocatedBytes needs st_blocks; the instance rows run on Linux only.
func allocatedBytes(string) (int64, error) {
	return 0, errors.New("allocated size: Linux only")
}
