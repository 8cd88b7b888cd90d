package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/kumo-cloud/kumo/internal/billing/pricing"
)

// price runs `kumo price`: the rates Kumo bills with, in the spirit of the
// AWS Price List, from the built-in catalog or an operator's override file.
func price(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("price", flag.ContinueOnError)
	typ := fs.String("instance-type", "*", "instance type or pattern (m5.large, \"m5.*\", \"*.xlarge\")")
	region := fs.String("region", "us-east-1", "region")
	platform := fs.String("platform", "Linux/UNIX", "Linux/UNIX, Windows, Red Hat Enterprise Linux, SUSE Linux, Ubuntu Pro")
	tenancy := fs.String("tenancy", "default", "default or dedicated")
	file := fs.String("prices", "", "operator price override file (JSON), as kumo serve --prices")
	csv := fs.Bool("csv", false, "write CSV instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cat := pricing.Default()
	if *file != "" {
		var err error
		if cat, err = pricing.Load(*file); err != nil {
			return err
		}
	}
	p, err := pricing.ParsePlatform(*platform)
	if err != nil {
		return err
	}
	t, err := pricing.ParseTenancy(*tenancy)
	if err != nil {
		return err
	}
	quotes, err := cat.Quotes(pricing.Filter{InstanceType: *typ, Region: *region, Platform: p, Tenancy: t})
	if err != nil {
		return err
	}
	if len(quotes) == 0 {
		return fmt.Errorf("no instance type matches %q (kumo price lists the types of DescribeInstanceTypes)", *typ)
	}
	if *csv {
		return pricing.WriteCSV(stdout, quotes)
	}
	if err := pricing.WriteTable(stdout, quotes); err != nil {
		return err
	}
	ebs, err := cat.EBS(pricing.VolumeType("gp3"), *region)
	if err == nil {
		fmt.Fprintf(stdout, "\nEBS gp3 %s/GB-month · snapshots %s/GB-month · public IPv4 %s/hour\n",
			ebs.GBMonth, cat.SnapshotGBMonth(), cat.PublicIPv4Hourly())
	}
	return nil
}
