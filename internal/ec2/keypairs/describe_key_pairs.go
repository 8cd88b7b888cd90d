package keypairs

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/ec2api"
	"github.com/kumo-cloud/kumo/internal/ec2/filter"
	"github.com/kumo-cloud/kumo/internal/ec2/tags"
)

var describeFilters = []string{"key-pair-id", "key-name", "fingerprint", "key-type"}

// DescribeKeyPairs lists key pairs. Names or ids that do not exist are an error,
// as on AWS; filters only narrow.
func (h *Handlers) DescribeKeyPairs(ctx context.Context, r *api.Request, in *ec2api.DescribeKeyPairsRequest) (*ec2api.DescribeKeyPairsResult, error) {
	fs, err := filter.FromWire(in.Filters, describeFilters, true)
	if err != nil {
		return nil, err
	}
	for _, id := range in.KeyPairIds {
		if !Kind.ValidID(id) {
			return nil, awserr.BadRequest(Kind.Malformed, "Invalid id: \"%s\" (expecting \"key-...\")", id)
		}
	}
	if err := r.Authorize(in.DryRun); err != nil {
		return nil, err
	}
	all, err := h.list(ctx, r.Region, r.AccountID)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]*KeyPair, len(all))
	byID := make(map[string]*KeyPair, len(all))
	for i := range all {
		byName[all[i].Name] = &all[i]
		byID[all[i].ID] = &all[i]
	}
	var missing []string
	for _, n := range in.KeyNames {
		if byName[n] == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, awserr.BadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", strings.Join(missing, ","))
	}
	for _, id := range in.KeyPairIds {
		if byID[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, awserr.BadRequest("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", strings.Join(missing, ","))
	}
	wantName, wantID := set(in.KeyNames), set(in.KeyPairIds)
	out := &ec2api.DescribeKeyPairsResult{KeyPairs: []ec2api.KeyPairInfo{}}
	for _, kp := range all {
		if wantName != nil && !wantName[kp.Name] || wantID != nil && !wantID[kp.ID] {
			continue
		}
		fields := filter.Values(map[string][]string{
			"key-pair-id": {kp.ID}, "key-name": {kp.Name}, "fingerprint": {kp.Fingerprint}, "key-type": {kp.Type},
		})
		if !fs.Match(fields, kp.Tags) {
			continue
		}
		info := ec2api.KeyPairInfo{
			KeyPairId:      aws.String(kp.ID),
			KeyFingerprint: aws.String(kp.Fingerprint),
			KeyName:        aws.String(kp.Name),
			KeyType:        aws.String(kp.Type),
			Tags:           tags.ToWire(kp.Tags),
			CreateTime:     aws.Time(kp.CreatedAt),
		}
		if aws.ToBool(in.IncludePublicKey) {
			info.PublicKey = aws.String(kp.PublicKey)
		}
		out.KeyPairs = append(out.KeyPairs, info)
	}
	return out, nil
}

func set(xs []string) map[string]bool {
	if len(xs) == 0 {
		return nil
	}
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
