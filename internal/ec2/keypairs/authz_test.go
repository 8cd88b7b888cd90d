package keypairs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// bobKeyPolicy lets bob make ed25519 keys (tagged env=dev, if at all) and
// delete the keys named dev-* or tagged env=dev.
const bobKeyPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["ec2:CreateKeyPair","ec2:ImportKeyPair"],"Resource":"arn:aws:ec2:*:*:key-pair/*",
	 "Condition":{"StringEquals":{"ec2:KeyPairType":"ed25519"}}},
	{"Effect":"Allow","Action":"ec2:DeleteKeyPair","Resource":"arn:aws:ec2:*:*:key-pair/dev-*"},
	{"Effect":"Allow","Action":"ec2:DeleteKeyPair","Resource":"arn:aws:ec2:*:*:key-pair/*","Condition":{"StringEquals":{"aws:ResourceTag/env":"dev"}}},
	{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
	 "Condition":{"StringEquals":{"ec2:CreateAction":["CreateKeyPair","ImportKeyPair"],"aws:RequestTag/env":"dev"}}}]}`

// TestResourcePermissions: key pair actions are authorized on key-pair ARNs
// that name the key, with its tags and type.
func TestResourcePermissions(t *testing.T) {
	env := testenv.Start(t)
	c, ctx := env.EC2(), context.Background()
	keys := map[string]string{}
	for _, name := range []string{"dev-one", "prod", "tagged"} {
		in := &ec2.CreateKeyPairInput{KeyName: aws.String(name)}
		if name == "tagged" {
			in.TagSpecifications = envTags("dev")
		}
		out, err := c.CreateKeyPair(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = aws.ToString(out.KeyPairId)
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	material := ssh.MarshalAuthorizedKey(sshPub)
	bob := env.User(t, "bob", bobKeyPolicy)

	create := func(typ types.KeyType, tags []types.TagSpecification) func(*bool) error {
		return func(dry *bool) error {
			_, err := bob.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("bob"), KeyType: typ, TagSpecifications: tags, DryRun: dry})
			return err
		}
	}
	del := func(in *ec2.DeleteKeyPairInput) func(*bool) error {
		return func(dry *bool) error {
			in.DryRun = dry
			_, err := bob.DeleteKeyPair(ctx, in)
			return err
		}
	}
	tests := []struct {
		name      string
		call      func(dry *bool) error
		allowed   bool
		refusedOn string // part of the ARN a refusal names
	}{
		{"create an ed25519 key", create(types.KeyTypeEd25519, nil), true, ""},
		{"create an rsa key", create(types.KeyTypeRsa, nil), false, ":key-pair/*"},
		{"create a key tagged env=dev", create(types.KeyTypeEd25519, envTags("dev")), true, ""},
		{"create a key tagged env=prod", create(types.KeyTypeEd25519, envTags("prod")), false, ":key-pair/*"},
		{"import an ed25519 key", func(dry *bool) error {
			_, err := bob.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("bob"), PublicKeyMaterial: material, DryRun: dry})
			return err
		}, true, ""},
		{"delete a dev-* key", del(&ec2.DeleteKeyPairInput{KeyName: aws.String("dev-one")}), true, ""},
		{"delete a key tagged env=dev by id", del(&ec2.DeleteKeyPairInput{KeyPairId: aws.String(keys["tagged"])}), true, ""},
		{"delete another key", del(&ec2.DeleteKeyPairInput{KeyName: aws.String("prod")}), false, ":key-pair/prod"},
		{"delete another key by id", del(&ec2.DeleteKeyPairInput{KeyPairId: aws.String(keys["prod"])}), false, ":key-pair/prod"},
		{"delete a dev-* key that does not exist", del(&ec2.DeleteKeyPairInput{KeyName: aws.String("dev-none")}), true, ""},
		{"delete another key that does not exist", del(&ec2.DeleteKeyPairInput{KeyName: aws.String("none")}), false, ":key-pair/none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := "DryRunOperation"
			if !tt.allowed {
				want = "UnauthorizedOperation"
			}
			err := tt.call(aws.Bool(true))
			if code(err) != want {
				t.Fatalf("dry run: %v, want %s", err, want)
			}
			if tt.allowed {
				return
			}
			if !strings.Contains(err.Error(), "on resource: arn:aws:ec2:us-east-1:"+env.AccountID+tt.refusedOn) {
				t.Errorf("refusal %q does not name %s", err, tt.refusedOn)
			}
			if err := tt.call(nil); code(err) != "UnauthorizedOperation" {
				t.Fatalf("%v, want UnauthorizedOperation", err)
			}
		})
	}

	t.Run("allowed deletes delete", func(t *testing.T) {
		for _, in := range []*ec2.DeleteKeyPairInput{{KeyName: aws.String("dev-one")}, {KeyPairId: aws.String(keys["tagged"])}, {KeyName: aws.String("dev-none")}} {
			if err := del(in)(nil); err != nil {
				t.Fatal(err)
			}
		}
		out, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
		if err != nil || len(out.KeyPairs) != 1 || aws.ToString(out.KeyPairs[0].KeyName) != "prod" {
			t.Fatalf("left: %+v %v", out, err)
		}
	})
}

func envTags(v string) []types.TagSpecification {
	return []types.TagSpecification{{ResourceType: types.ResourceTypeKeyPair, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String(v)}}}}
}
