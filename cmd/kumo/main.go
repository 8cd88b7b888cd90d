// Command kumo is the Kumo binary: `kumo serve` runs the control plane with an
// in-process host agent; the other subcommands are operator tools.
package main

import (
	"fmt"
	"os"
)

const usage = `kumo: a self-hosted, EC2-compatible compute cloud

Usage:
  kumo serve [flags]              run the control plane (see kumo serve -h)
  kumo account create NAME        make an isolated account, print its root credentials
  kumo account list               list accounts
  kumo image import FILE --name NAME
                                  register a raw or qcow2 disk image as an AMI
  kumo price [--instance-type T] [--region R] [--platform P] [--csv]
                                  the rates Kumo bills (On-Demand, RI, Savings Plans, spot)
  kumo bill [--month YYYY-MM] [--account ID] [--csv FILE]
                                  each account's bill for a month, explained; --csv: the line items
  kumo version                    print the version
`

var version = "dev"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "account":
		err = account(os.Args[2:])
	case "image":
		err = imageMain(os.Args[2:])
	case "price":
		err = price(os.Args[2:], os.Stdout)
	case "bill":
		err = billMain(os.Args[2:])
	case "version":
		fmt.Println("kumo", version)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "kumo: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kumo:", err)
		os.Exit(1)
	}
}
