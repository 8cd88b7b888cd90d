// Command kumo is the Kumo binary: the control plane (serve), the host agent, and
// the operator commands.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "kumo: not yet")
	os.Exit(2)
}
