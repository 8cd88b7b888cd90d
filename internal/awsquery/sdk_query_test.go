package awsquery_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/awsquery/iamapi"
	"github.com/kumo-cloud/kumo/internal/awsquery/stsapi"
)

func newSTS(t *testing.T, handle handlerFunc) (*sts.Client, *fakeAPI) {
	api, srv := startAPI(t, stsapi.Service, handle)
	return sts.NewFromConfig(sdkConfig(), func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) }), api
}

func TestSDKSTSGetCallerIdentity(t *testing.T) {
	client, api := newSTS(t, func(action string, in, out any) error {
		res := out.(*stsapi.GetCallerIdentityResponse)
		res.Account, res.UserId, res.Arn = str("123456789012"), str("AIDAEXAMPLE"), str("arn:aws:iam::123456789012:user/bob")
		return nil
	})
	out, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(out.Account) != "123456789012" || aws.ToString(out.UserId) != "AIDAEXAMPLE" ||
		aws.ToString(out.Arn) != "arn:aws:iam::123456789012:user/bob" {
		t.Errorf("output = %+v", out)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != api.lastID {
		t.Errorf("request id = %q, want %q", id, api.lastID)
	}
}

func TestSDKSTSAssumeRole(t *testing.T) {
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	client, api := newSTS(t, func(action string, in, out any) error {
		res := out.(*stsapi.AssumeRoleResponse)
		res.Credentials = &stsapi.Credentials{AccessKeyId: str("ASIA1"), SecretAccessKey: str("s"), SessionToken: str("tok"), Expiration: &expires}
		res.AssumedRoleUser = &stsapi.AssumedRoleUser{AssumedRoleId: str("AROA1:s"), Arn: str("arn:aws:sts::1:assumed-role/r/s")}
		res.PackedPolicySize = i32(6)
		return nil
	})
	out, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::1:role/r"), RoleSessionName: aws.String("s"), DurationSeconds: aws.Int32(900),
		PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
		TransitiveTagKeys: []string{"team"},
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	wantIn := &stsapi.AssumeRoleRequest{
		RoleArn: str("arn:aws:iam::1:role/r"), RoleSessionName: str("s"), DurationSeconds: i32(900),
		PolicyArns:        []stsapi.PolicyDescriptorType{{Arn: str("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
		Tags:              []stsapi.Tag{{Key: str("team"), Value: str("core")}},
		TransitiveTagKeys: []string{"team"},
	}
	if diff := cmp.Diff(wantIn, api.input("AssumeRole")); diff != "" {
		t.Errorf("decoded input (-want +got):\n%s", diff)
	}
	wantCreds := &ststypes.Credentials{AccessKeyId: aws.String("ASIA1"), SecretAccessKey: aws.String("s"),
		SessionToken: aws.String("tok"), Expiration: &expires}
	if diff := cmp.Diff(wantCreds, out.Credentials, ignoreUnexported); diff != "" {
		t.Errorf("credentials (-want +got):\n%s", diff)
	}
	if aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::1:assumed-role/r/s" || aws.ToInt32(out.PackedPolicySize) != 6 {
		t.Errorf("output = %+v %+v", out.AssumedRoleUser, out.PackedPolicySize)
	}
}

func TestSDKSTSError(t *testing.T) {
	client, api := newSTS(t, func(action string, in, out any) error {
		return awserr.New(http.StatusForbidden, "AccessDenied", "User is not authorized to perform: sts:AssumeRole")
	})
	_, err := client.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:r"), RoleSessionName: aws.String("s")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" ||
		apiErr.ErrorMessage() != "User is not authorized to perform: sts:AssumeRole" {
		t.Fatalf("error = %v, want AccessDenied", err)
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) || respErr.ServiceRequestID() != api.lastID {
		t.Errorf("request id: got %v, want %q", err, api.lastID)
	}
}

func TestSDKIAM(t *testing.T) {
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	api, srv := startAPI(t, iamapi.Service, func(action string, in, out any) error {
		switch action {
		case "ListUsers":
			res := out.(*iamapi.ListUsersResponse)
			res.Users = []iamapi.User{{Path: str("/"), UserName: str("bob"), UserId: str("AIDA1"), Arn: str("arn:aws:iam::1:user/bob"),
				CreateDate: &created, Tags: []iamapi.Tag{{Key: str("k"), Value: str("v")}}}}
			res.IsTruncated = boolp(true)
			res.Marker = str("m2")
		case "CreateUser":
			req := in.(*iamapi.CreateUserRequest)
			out.(*iamapi.CreateUserResponse).User = &iamapi.User{Path: str("/"), UserName: req.UserName, UserId: str("AIDA2"),
				Arn: str("arn:aws:iam::1:user/" + *req.UserName), CreateDate: &created, Tags: req.Tags}
		}
		return nil
	})
	client := iam.NewFromConfig(sdkConfig(), func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	ctx := context.Background()

	list, err := client.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(10), Marker: aws.String("m1")})
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	wantUsers := []iamtypes.User{{Path: aws.String("/"), UserName: aws.String("bob"), UserId: aws.String("AIDA1"),
		Arn: aws.String("arn:aws:iam::1:user/bob"), CreateDate: &created, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
	if diff := cmp.Diff(wantUsers, list.Users, ignoreUnexported); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if !list.IsTruncated || aws.ToString(list.Marker) != "m2" {
		t.Errorf("IsTruncated %v Marker %q", list.IsTruncated, aws.ToString(list.Marker))
	}
	if diff := cmp.Diff(&iamapi.ListUsersRequest{MaxItems: i32(10), Marker: str("m1")}, api.input("ListUsers")); diff != "" {
		t.Errorf("decoded ListUsers (-want +got):\n%s", diff)
	}

	created2, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol"),
		Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if aws.ToString(created2.User.Arn) != "arn:aws:iam::1:user/carol" || len(created2.User.Tags) != 2 {
		t.Errorf("CreateUser output = %+v", created2.User)
	}

	// DeleteUser has no output shape: the response has no Result element.
	if _, err := client.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
}
