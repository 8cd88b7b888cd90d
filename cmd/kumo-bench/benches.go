package main

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

const benchKeyPairs = 100

// benchInstanceTypes spans small to large types and three families, so the
// answer is a realistic DescribeInstanceTypes page rather than one entry.
var benchInstanceTypes = []types.InstanceType{"t2.micro", "c5d.4xlarge", "r5.16xlarge", "m5.8xlarge"}

// benches is the table, in order. A new row is a new entry here.
func benches(e *benchEnv) []bench {
	var list []bench
	list = append(list, e.apiRows(fmt.Sprintf("DescribeKeyPairs (%d keys)", benchKeyPairs),
		e.createKeyPairs,
		func(ctx context.Context) error {
			out, err := e.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
			if err == nil && len(out.KeyPairs) != benchKeyPairs {
				err = fmt.Errorf("describe key pairs: got %d, want %d", len(out.KeyPairs), benchKeyPairs)
			}
			return err
		},
		"budget is DESIGN's small-call throughput, a reference for this larger answer")...)
	list = append(list, e.apiRows(fmt.Sprintf("DescribeInstanceTypes (%d types)", len(benchInstanceTypes)),
		nil,
		func(ctx context.Context) error {
			out, err := e.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{InstanceTypes: benchInstanceTypes})
			if err == nil && len(out.InstanceTypes) != len(benchInstanceTypes) {
				err = fmt.Errorf("describe instance types: got %d, want %d", len(out.InstanceTypes), len(benchInstanceTypes))
			}
			return err
		},
		"budget is DESIGN's small-call throughput, a reference for this larger answer")...)
	list = append(list, e.apiRows("DescribeRegions",
		nil,
		func(ctx context.Context) error {
			out, err := e.ec2.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
			if err == nil && len(out.Regions) == 0 {
				err = fmt.Errorf("describe regions: no regions")
			}
			return err
		},
		"the small-call row; DESIGN's > 3,000 req/s is for DescribeInstances (small), a reference here until that row exists")...)
	list = append(list, e.vmRows()...)
	list = append(list, e.billingRow())
	list = append(list, bench{
		name: "kumo serve RSS after the run",
		unit: "MiB",
		// DESIGN's "< 500 MiB with 10,000 instances recorded" is a different
		// state; it gets its own row once instances exist.
		budget: noBudget,
		run:    e.serverRSS,
	})
	return list
}

// createKeyPairs is DescribeKeyPairs' setup. ED25519 keys keep it quick: the
// key type does not change the size of a DescribeKeyPairs answer much, and
// generating 100 RSA keys would only slow the harness.
func (e *benchEnv) createKeyPairs(ctx context.Context) error {
	sem := make(chan struct{}, e.cfg.concurrency)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i := range benchKeyPairs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := e.ec2.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{
				KeyName: aws.String(fmt.Sprintf("bench-%03d", i)),
				KeyType: types.KeyTypeEd25519,
			})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return fmt.Errorf("create %d key pairs: %d failed, first: %w", benchKeyPairs, len(errs), errs[0])
	}
	return nil
}

// serverRSS reads kumo's resident and peak memory from /proc. It runs last,
// so the numbers include everything the earlier rows made it allocate.
func (e *benchEnv) serverRSS(context.Context) (result, error) {
	status := fmt.Sprintf("/proc/%d/status", e.srv.pid())
	rss, err := procMiB(status, "VmRSS")
	if err != nil {
		return result{}, err
	}
	peak, err := procMiB(status, "VmHWM")
	if err != nil {
		return result{}, err
	}
	how := fmt.Sprintf("VmRSS of the kumo serve process (embedded etcd included) from /proc/PID/status after all rows above; "+
		"peak VmHWM %s MiB; DESIGN's < 500 MiB is for 10,000 instances recorded, not this state", formatNumber(peak))
	return result{value: rss, how: how}, nil
}
