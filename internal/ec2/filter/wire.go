package filter

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// FromWire validates request filters; see New.
func FromWire(in []ec2api.Filter, allowed []string, taggable bool) (Set, error) {
	fs := make([]Filter, len(in))
	for i, f := range in {
		fs[i] = Filter{Name: aws.ToString(f.Name), Values: f.Values}
	}
	return New(fs, allowed, taggable)
}

// Values returns a field lookup over a fixed map, for records whose filter
// values are cheap to compute up front.
func Values(m map[string][]string) Fields {
	return func(name string) []string { return m[name] }
}
