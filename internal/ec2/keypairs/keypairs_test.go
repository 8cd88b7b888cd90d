package keypairs_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"golang.org/x/crypto/ssh"

	"github.com/kumo-cloud/kumo/internal/testenv"
)

// code is the AWS error code of err.
func code(err error) string { return testenv.Code(err) }

func TestKeyPairs(t *testing.T) {
	env := testenv.Start(t)
	c := env.EC2()
	ctx := context.Background()

	var rsaID string
	t.Run("create rsa pem", func(t *testing.T) {
		out, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{
			KeyName: aws.String("web"),
			TagSpecifications: []types.TagSpecification{{
				ResourceType: types.ResourceTypeKeyPair,
				Tags:         []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}},
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		rsaID = aws.ToString(out.KeyPairId)
		if !strings.HasPrefix(rsaID, "key-") || len(rsaID) != 21 {
			t.Errorf("KeyPairId = %q", rsaID)
		}
		signer, err := ssh.ParsePrivateKey([]byte(aws.ToString(out.KeyMaterial)))
		if err != nil {
			t.Fatalf("KeyMaterial is not a usable private key: %v", err)
		}
		if signer.PublicKey().Type() != "ssh-rsa" {
			t.Errorf("key type %s", signer.PublicKey().Type())
		}
		if fp := aws.ToString(out.KeyFingerprint); len(fp) != 59 || strings.Count(fp, ":") != 19 {
			t.Errorf("RSA fingerprint %q is not 20 colon-separated bytes (SHA-1)", fp)
		}
		if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "env" {
			t.Errorf("tags %+v", out.Tags)
		}
	})
	t.Run("create ed25519", func(t *testing.T) {
		out, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("ed"), KeyType: types.KeyTypeEd25519})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(aws.ToString(out.KeyMaterial), "-----BEGIN OPENSSH PRIVATE KEY-----") {
			t.Errorf("material %.40q", aws.ToString(out.KeyMaterial))
		}
	})
	t.Run("create ppk", func(t *testing.T) {
		out, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("putty"), KeyFormat: types.KeyFormatPpk})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(aws.ToString(out.KeyMaterial), "PuTTY-User-Key-File-") {
			t.Errorf("material %.40q", aws.ToString(out.KeyMaterial))
		}
	})
	t.Run("duplicate name", func(t *testing.T) {
		_, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("web")})
		if code(err) != "InvalidKeyPair.Duplicate" {
			t.Fatalf("got %v, want InvalidKeyPair.Duplicate", err)
		}
	})
	t.Run("import", func(t *testing.T) {
		pub, _, _ := ed25519.GenerateKey(rand.Reader)
		sp, _ := ssh.NewPublicKey(pub)
		out, err := c.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{
			KeyName: aws.String("imported"), PublicKeyMaterial: ssh.MarshalAuthorizedKey(sp),
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyPairIds: []string{aws.ToString(out.KeyPairId)}, IncludePublicKey: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		got := d.KeyPairs[0]
		if got.KeyType != types.KeyTypeEd25519 || !strings.HasPrefix(aws.ToString(got.PublicKey), "ssh-ed25519 ") ||
			aws.ToString(got.KeyFingerprint) != aws.ToString(out.KeyFingerprint) || got.CreateTime == nil {
			t.Errorf("described %+v", got)
		}
		_, err = c.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("bad"), PublicKeyMaterial: []byte("not a key")})
		if code(err) != "InvalidKey.Format" {
			t.Errorf("garbage import: got %v, want InvalidKey.Format", err)
		}
	})
	t.Run("describe filters", func(t *testing.T) {
		tests := []struct {
			name    string
			in      ec2.DescribeKeyPairsInput
			want    []string
			errCode string
		}{
			{"all", ec2.DescribeKeyPairsInput{}, []string{"ed", "imported", "putty", "web"}, ""},
			{"by name", ec2.DescribeKeyPairsInput{KeyNames: []string{"web"}}, []string{"web"}, ""},
			{"wildcard", ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("key-name"), Values: []string{"p*", "e?"}}}}, []string{"ed", "putty"}, ""},
			{"tag", ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}}, []string{"web"}, ""},
			{"key-type", ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("key-type"), Values: []string{"ed25519"}}}}, []string{"ed", "imported"}, ""},
			{"no match", ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("key-name"), Values: []string{"zzz"}}}}, nil, ""},
			{"unknown name", ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}}, nil, "InvalidKeyPair.NotFound"},
			{"unknown id", ec2.DescribeKeyPairsInput{KeyPairIds: []string{"key-0123456789abcdef0"}}, nil, "InvalidKeyPair.NotFound"},
			{"malformed id", ec2.DescribeKeyPairsInput{KeyPairIds: []string{"foo"}}, nil, "InvalidKeyPairId.Malformed"},
			{"bad filter", ec2.DescribeKeyPairsInput{Filters: []types.Filter{{Name: aws.String("nonsense"), Values: []string{"x"}}}}, nil, "InvalidParameterValue"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := c.DescribeKeyPairs(ctx, &tt.in)
				if tt.errCode != "" {
					if code(err) != tt.errCode {
						t.Fatalf("got %v, want %s", err, tt.errCode)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, k := range out.KeyPairs {
					names = append(names, aws.ToString(k.KeyName))
				}
				slices.Sort(names)
				if strings.Join(names, ",") != strings.Join(tt.want, ",") {
					t.Errorf("names %v, want %v", names, tt.want)
				}
			})
		}
	})
	t.Run("dry run", func(t *testing.T) {
		_, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("dry"), DryRun: aws.Bool(true)})
		if code(err) != "DryRunOperation" {
			t.Fatalf("got %v, want DryRunOperation", err)
		}
		_, err = c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{KeyNames: []string{"dry"}})
		if code(err) != "InvalidKeyPair.NotFound" {
			t.Fatalf("dry run created the key: %v", err)
		}
		// Validation comes before the dry-run answer.
		_, err = c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("dry"), KeyType: "dsa", DryRun: aws.Bool(true)})
		if code(err) != "InvalidParameterValue" {
			t.Fatalf("got %v, want InvalidParameterValue", err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		if _, err := c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("putty")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyName: aws.String("putty")}); err != nil {
			t.Fatalf("deleting a missing key pair must succeed: %v", err)
		}
		if _, err := c.DeleteKeyPair(ctx, &ec2.DeleteKeyPairInput{KeyPairId: aws.String(rsaID)}); err != nil {
			t.Fatal(err)
		}
		out, err := c.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
		if err != nil || len(out.KeyPairs) != 2 {
			t.Fatalf("after delete: %d key pairs, %v", len(out.KeyPairs), err)
		}
		// The name is free again.
		if _, err := c.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: aws.String("web")}); err != nil {
			t.Fatal(err)
		}
	})
}
