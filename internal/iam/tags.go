package iam

import (
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
)

// IAM tags: at most 50 per entity; keys 1..128 and values 0..256 characters
// of letters, digits, spaces and _.:/=+-@; keys compare without regard to
// case but keep the case they were given.
const (
	maxTags        = 50
	maxTagKeyLen   = 128
	maxTagValueLen = 256
	tagPattern     = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
)

func tagChars(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.In(r, unicode.Zs) && !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return true
}

// tagsFromWire validates the tags of a create or tag call.
func tagsFromWire(in []iamapi.Tag) ([]Tag, *awserr.Error) {
	if len(in) > maxTags {
		return nil, constraint(len(in), "tags", "Member must have length less than or equal to 50")
	}
	seen := map[string]bool{}
	out := make([]Tag, 0, len(in))
	for _, t := range in {
		k, v := aws.ToString(t.Key), aws.ToString(t.Value)
		if err := validTagKey(k, "tags.member.key"); err != nil {
			return nil, err
		}
		if len([]rune(v)) > maxTagValueLen {
			return nil, constraint(v, "tags.member.value", "Member must have length less than or equal to 256")
		}
		if v != "" && !tagChars(v) {
			return nil, constraint(v, "tags.member.value", `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`)
		}
		lk := strings.ToLower(k)
		if seen[lk] {
			return nil, invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
		out = append(out, Tag{Key: k, Value: v})
	}
	return out, nil
}

func validTagKey(k, member string) *awserr.Error {
	if k == "" {
		return constraint(k, member, "Member must have length greater than or equal to 1")
	}
	if len([]rune(k)) > maxTagKeyLen {
		return constraint(k, member, "Member must have length less than or equal to 128")
	}
	if !tagChars(k) {
		return constraint(k, member, "Member must satisfy regular expression pattern: "+tagPattern)
	}
	return nil
}

// mergeTags sets add on top of have; a key that differs only in case
// replaces the old tag.
func mergeTags(have, add []Tag) ([]Tag, *awserr.Error) {
	out := append([]Tag(nil), have...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, limitExceeded("The number of tags has reached the maximum limit.")
	}
	return out, nil
}

// untag removes keys, compared without regard to case.
func untag(have []Tag, keys []string) ([]Tag, *awserr.Error) {
	if len(keys) > maxTags {
		return nil, constraint(len(keys), "tagKeys", "Member must have length less than or equal to 50")
	}
	for _, k := range keys {
		if err := validTagKey(k, "tagKeys.member"); err != nil {
			return nil, err
		}
	}
	var out []Tag
	for _, t := range have {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out, nil
}

// tagsToWire returns nil for no tags, so the element is left out as IAM does.
func tagsToWire(tags []Tag) []iamapi.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]iamapi.Tag, len(tags))
	for i, t := range tags {
		out[i] = iamapi.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)}
	}
	return out
}
