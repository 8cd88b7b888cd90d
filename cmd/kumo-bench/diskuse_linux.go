package main

import (
	"fmt"
	"syscall"
)

// allocatedBytes is how much disk a file takes, as `du --block-size=1`
// counts it: its allocated blocks, not its (sparse) length.
func allocatedBytes(path string) (int64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, fmt.Errorf("stat %s: %w", path, err)
	}
	return st.Blocks * 512, nil
}
