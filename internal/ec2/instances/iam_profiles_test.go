package instances_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

const ec2Trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

// mustProfile makes a role trusted by EC2 and an instance profile holding
// it (withRole false: an empty profile), returning the profile's ARN.
func mustProfile(t *testing.T, c *iam.Client, name string, withRole bool) string {
	t.Helper()
	ctx := context.Background()
	p, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if withRole {
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name + "-role"), AssumeRolePolicyDocument: aws.String(ec2Trust)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name + "-role")}); err != nil {
			t.Fatal(err)
		}
	}
	return aws.ToString(p.InstanceProfile.Arn)
}

func TestIamInstanceProfilesAPI(t *testing.T) {
	env := testenv.Start(t)
	c, ic := env.EC2(), env.IAM()
	ctx := context.Background()
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v", err)
	}
	webARN := mustProfile(t, ic, "web", true)
	dbARN := mustProfile(t, ic, "db", true)
	mustProfile(t, ic, "empty", false)
	run := func(c *ec2.Client, spec *types.IamInstanceProfileSpecification) (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: types.InstanceTypeT2Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), IamInstanceProfile: spec})
	}

	for _, tt := range []struct {
		name string
		spec *types.IamInstanceProfileSpecification
		code string
	}{
		{"unknown name", &types.IamInstanceProfileSpecification{Name: aws.String("nope")}, "InvalidParameterValue"},
		{"unknown arn", &types.IamInstanceProfileSpecification{Arn: aws.String(webARN + "x")}, "InvalidParameterValue"},
		{"profile without role", &types.IamInstanceProfileSpecification{Name: aws.String("empty")}, "InvalidParameterValue"},
		{"name and arn", &types.IamInstanceProfileSpecification{Name: aws.String("web"), Arn: aws.String(webARN)}, "InvalidParameterCombination"},
	} {
		t.Run("run/"+tt.name, func(t *testing.T) {
			if _, err := run(c, tt.spec); code(err) != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}

	res, err := run(c, &types.IamInstanceProfileSpecification{Name: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	inst := res.Instances[0]
	if inst.IamInstanceProfile == nil || aws.ToString(inst.IamInstanceProfile.Arn) != webARN || aws.ToString(inst.IamInstanceProfile.Id) == "" {
		t.Fatalf("RunInstances IamInstanceProfile = %+v", inst.IamInstanceProfile)
	}
	id := aws.ToString(inst.InstanceId)
	desc, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	if p := desc.Reservations[0].Instances[0].IamInstanceProfile; p == nil || aws.ToString(p.Arn) != webARN {
		t.Fatalf("DescribeInstances IamInstanceProfile = %+v", p)
	}

	assocs := func(filters ...types.Filter) []types.IamInstanceProfileAssociation {
		t.Helper()
		out, err := c.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		return out.IamInstanceProfileAssociations
	}
	as := assocs(types.Filter{Name: aws.String("instance-id"), Values: []string{id}})
	if len(as) != 1 || as[0].State != types.IamInstanceProfileAssociationStateAssociated || aws.ToString(as[0].IamInstanceProfile.Arn) != webARN {
		t.Fatalf("associations = %+v", as)
	}
	assocID := aws.ToString(as[0].AssociationId)

	// A second association is refused.
	_, err = c.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("db")}})
	if code(err) != "IncorrectState" {
		t.Fatalf("second association: %v", err)
	}

	// Replace swaps the profile under a new association id.
	rep, err := c.ReplaceIamInstanceProfileAssociation(ctx, &ec2.ReplaceIamInstanceProfileAssociationInput{AssociationId: aws.String(assocID),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Arn: aws.String(dbARN)}})
	if err != nil {
		t.Fatal(err)
	}
	newID := aws.ToString(rep.IamInstanceProfileAssociation.AssociationId)
	if newID == assocID || aws.ToString(rep.IamInstanceProfileAssociation.IamInstanceProfile.Arn) != dbARN {
		t.Fatalf("replace = %+v", rep.IamInstanceProfileAssociation)
	}
	if _, err := c.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(assocID)}); code(err) != "InvalidAssociationID.NotFound" {
		t.Fatalf("disassociate replaced association: %v", err)
	}
	dis, err := c.DisassociateIamInstanceProfile(ctx, &ec2.DisassociateIamInstanceProfileInput{AssociationId: aws.String(newID)})
	if err != nil || dis.IamInstanceProfileAssociation.State != types.IamInstanceProfileAssociationStateDisassociating {
		t.Fatalf("disassociate: %+v %v", dis, err)
	}
	if as := assocs(); len(as) != 0 {
		t.Fatalf("associations after disassociate = %+v", as)
	}
	desc, err = c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || desc.Reservations[0].Instances[0].IamInstanceProfile != nil {
		t.Fatalf("DescribeInstances after disassociate: %+v %v", desc, err)
	}

	// Associate on an instance without one.
	as1, err := c.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("web")}})
	if err != nil || aws.ToString(as1.IamInstanceProfileAssociation.InstanceId) != id {
		t.Fatalf("associate: %+v %v", as1, err)
	}
	if as := assocs(types.Filter{Name: aws.String("state"), Values: []string{"associated"}}); len(as) != 1 {
		t.Fatalf("associated = %+v", as)
	}
	if _, err := c.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String("i-0123456789abcdef0"),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("web")}}); code(err) != "InvalidInstanceID.NotFound" {
		t.Fatalf("associate unknown instance: %v", err)
	}
	if _, err := c.DescribeIamInstanceProfileAssociations(ctx, &ec2.DescribeIamInstanceProfileAssociationsInput{
		AssociationIds: []string{"iip-assoc-0123456789abcdef0"}}); code(err) != "InvalidAssociationID.NotFound" {
		t.Fatalf("describe unknown association: %v", err)
	}

	// An IAM user needs iam:PassRole on the role: allowed on one role only,
	// it launches with that profile and is denied the other.
	dbRole := strings.Replace(dbARN, ":instance-profile/db", ":role/db-role", 1)
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]string{
		"ec2":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`,
		"pass": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"` + dbRole + `"}]}`,
	} {
		if _, err := ic.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	dev := env.EC2As(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))
	if _, err := run(dev, &types.IamInstanceProfileSpecification{Name: aws.String("web")}); code(err) != "UnauthorizedOperation" {
		t.Fatalf("run without iam:PassRole on the role: %v", err)
	}
	if _, err := run(dev, &types.IamInstanceProfileSpecification{Name: aws.String("db")}); err != nil {
		t.Fatalf("run with iam:PassRole: %v", err)
	}
	if _, err := dev.AssociateIamInstanceProfile(ctx, &ec2.AssociateIamInstanceProfileInput{InstanceId: aws.String(id),
		IamInstanceProfile: &types.IamInstanceProfileSpecification{Name: aws.String("web")}}); code(err) != "IncorrectState" {
		t.Fatalf("associate over an existing association: %v", err)
	}
}
