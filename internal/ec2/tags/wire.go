package tags

import (
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
)

// FromWire converts request tags.
func FromWire(in []ec2api.Tag) []Tag {
	out := make([]Tag, len(in))
	for i, t := range in {
		out[i] = Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)}
	}
	return out
}

// SpecsFromWire converts TagSpecifications.
func SpecsFromWire(in []ec2api.TagSpecification) []Spec {
	out := make([]Spec, len(in))
	for i, s := range in {
		out[i] = Spec{ResourceType: aws.ToString(s.ResourceType), Tags: FromWire(s.Tags)}
	}
	return out
}

// ToWire converts a resource's tags to the response tagSet, ordered by key. It
// returns nil for no tags, so the tagSet element is left out as EC2 does.
func ToWire(m map[string]string) []ec2api.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]ec2api.Tag, 0, len(m))
	for _, t := range Sorted(m) {
		out = append(out, ec2api.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	return out
}
