package iam_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// TestConcurrentWrites: quotas and counts hold when writers race on one user.
func TestConcurrentWrites(t *testing.T) {
	_, c, _ := start(t)
	mustUser(t, c, "busy")
	var arns []string
	for i := range 16 {
		arns = append(arns, mustPolicy(t, c, fmt.Sprintf("p%d", i), allowDescribe))
	}
	codes := make(chan string, 32)
	var wg sync.WaitGroup
	for _, a := range arns {
		wg.Go(func() {
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("busy"), PolicyArn: aws.String(a)})
			codes <- testenv.Code(err)
		})
	}
	for range 5 {
		wg.Go(func() {
			_, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("busy")})
			codes <- "key:" + testenv.Code(err)
		})
	}
	wg.Wait()
	close(codes)
	count := map[string]int{}
	for code := range codes {
		count[code]++
	}
	if count[""] != 10 || count["LimitExceeded"] != 6 || count["key:"] != 2 || count["key:LimitExceeded"] != 3 {
		t.Errorf("outcomes %v", count)
	}
	attached := 0
	for _, a := range arns {
		p, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(a)})
		check(t, err, ok)
		attached += int(aws.ToInt32(p.Policy.AttachmentCount))
	}
	list, err := c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("busy")})
	check(t, err, ok)
	if attached != 10 || len(list.AttachedPolicies) != 10 {
		t.Errorf("%d attachments counted on policies, %d on the user", attached, len(list.AttachedPolicies))
	}
}
