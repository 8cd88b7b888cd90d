// Package tags serves CreateTags, DeleteTags and DescribeTags for every kind of
// resource, and validates tags given at creation (TagSpecifications).
//
// Tags live inside each resource's record (Meta.Tags), so describing a resource
// is one read; the tag operations update records of any kind generically.
package tags

import (
	"sort"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// AWS's tag limits.
const (
	MaxTagsPerResource = 50
	MaxKeyLength       = 128
	MaxValueLength     = 256
)

// Tag is one key and value.
type Tag struct {
	Key, Value string
}

// ValidateKey checks one key against AWS's rules.
func ValidateKey(key string) error {
	switch {
	case key == "":
		return awserr.InvalidParameterValue("Tag key cannot be empty")
	case len([]rune(key)) > MaxKeyLength:
		return awserr.InvalidParameterValue("Tag key exceeds the maximum length of %d characters", MaxKeyLength)
	case strings.HasPrefix(strings.ToLower(key), "aws:"):
		return awserr.InvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use")
	}
	return nil
}

// Validate checks a list of tags to add.
func Validate(tags []Tag) error {
	for _, t := range tags {
		if err := ValidateKey(t.Key); err != nil {
			return err
		}
		if len([]rune(t.Value)) > MaxValueLength {
			return awserr.InvalidParameterValue("Tag value exceeds the maximum length of %d characters", MaxValueLength)
		}
	}
	return nil
}

// Apply adds tags to have (replacing values of existing keys) and enforces the
// per-resource limit. It returns the new map; have is not modified.
func Apply(have map[string]string, add []Tag) (map[string]string, error) {
	out := make(map[string]string, len(have)+len(add))
	for k, v := range have {
		out[k] = v
	}
	for _, t := range add {
		out[t.Key] = t.Value
	}
	if len(out) > MaxTagsPerResource {
		return nil, awserr.BadRequest("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
	}
	return out, nil
}

// Sorted returns the tags of a map ordered by key, for stable answers.
func Sorted(m map[string]string) []Tag {
	out := make([]Tag, 0, len(m))
	for k, v := range m {
		out = append(out, Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Spec is one TagSpecification: the tags for one resource type made by a call.
type Spec struct {
	ResourceType string
	Tags         []Tag
}

// ForType validates the TagSpecifications of a create call that makes resources
// of the given types and returns the tags for resourceType. A specification for a
// type the call does not create is rejected as AWS does.
func ForType(specs []Spec, resourceType string, creates ...string) (map[string]string, error) {
	var out map[string]string
	for _, s := range specs {
		if s.ResourceType == "" {
			return nil, awserr.MissingParameter("TagSpecification.ResourceType")
		}
		valid := false
		for _, c := range creates {
			valid = valid || c == s.ResourceType
		}
		if !valid {
			return nil, awserr.InvalidParameterValue("'%s' is not a valid taggable resource type for this operation.", s.ResourceType)
		}
		if err := Validate(s.Tags); err != nil {
			return nil, err
		}
		if s.ResourceType != resourceType {
			continue
		}
		var err error
		if out, err = Apply(out, s.Tags); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sortTagged(ts []Tagged) {
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].ResourceID != ts[j].ResourceID {
			return ts[i].ResourceID < ts[j].ResourceID
		}
		return ts[i].Key < ts[j].Key
	})
}
