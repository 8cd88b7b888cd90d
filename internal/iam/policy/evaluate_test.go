package policy

import "testing"

const alice = "arn:aws:iam::111122223333:user/alice"

func req(action, resource string, c ctx) *Request {
	return &Request{Principal: alice, Action: action, Resource: resource, Context: c}
}

func parseAll(t *testing.T, docs ...string) []*Document {
	t.Helper()
	var out []*Document
	for _, d := range docs {
		out = append(out, mustParse(t, d, Identity))
	}
	return out
}

var (
	allowEC2   = stmt(`{"Sid":"AllowEC2","Effect":"Allow","Action":"ec2:*","Resource":"*"}`)
	allowAll   = stmt(`{"Sid":"AllowAll","Effect":"Allow","Action":"*","Resource":"*"}`)
	denyTerm   = stmt(`{"Sid":"DenyTerminate","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}`)
	allowIAM   = stmt(`{"Sid":"AllowIAM","Effect":"Allow","Action":"iam:*","Resource":"*"}`)
	allowDescr = stmt(`{"Sid":"AllowDescribe","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`)
)

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name     string
		identity []string
		session  []string
		boundary string
		req      *Request
		want     Decision
		wantSid  string
	}{
		{"no policies", nil, nil, "", req("ec2:RunInstances", "*", nil), ImplicitDeny, ""},
		{"allowed", []string{allowEC2}, nil, "", req("ec2:RunInstances", "*", nil), Allow, "AllowEC2"},
		{"action case-insensitive", []string{allowEC2}, nil, "", req("EC2:runinstances", "*", nil), Allow, "AllowEC2"},
		{"implicit deny other service", []string{allowEC2}, nil, "", req("iam:CreateUser", "*", nil), ImplicitDeny, ""},
		{"explicit deny beats allow", []string{allowAll, denyTerm}, nil, "", req("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", nil), ExplicitDeny, "DenyTerminate"},
		{"explicit deny first in same policy", []string{stmt(`[{"Sid":"A","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"D","Effect":"Deny","Action":"ec2:*","Resource":"*"}]`)}, nil, "", req("ec2:RunInstances", "*", nil), ExplicitDeny, "D"},
		{"deny not matching leaves allow", []string{allowAll, denyTerm}, nil, "", req("ec2:RunInstances", "*", nil), Allow, "AllowAll"},

		{"resource scoped allow", []string{stmt(`{"Sid":"Own","Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:111122223333:instance/*"}`)}, nil, "",
			req("ec2:StopInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", nil), Allow, "Own"},
		{"resource scoped other account", []string{stmt(`{"Sid":"Own","Effect":"Allow","Action":"ec2:StopInstances","Resource":"arn:aws:ec2:*:111122223333:instance/*"}`)}, nil, "",
			req("ec2:StopInstances", "arn:aws:ec2:us-east-1:444455556666:instance/i-1", nil), ImplicitDeny, ""},
		{"resource scoped vs star request", []string{stmt(`{"Sid":"Own","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"arn:aws:ec2:*:*:instance/*"}`)}, nil, "",
			req("ec2:DescribeInstances", "*", nil), ImplicitDeny, ""},

		// NotAction with Allow: everything except IAM.
		{"notaction allow other", []string{stmt(`{"Sid":"NotIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, nil, "", req("ec2:RunInstances", "*", nil), Allow, "NotIAM"},
		{"notaction allow excluded", []string{stmt(`{"Sid":"NotIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"}`)}, nil, "", req("iam:CreateUser", "*", nil), ImplicitDeny, ""},
		// NotAction with Deny and MFA: deny everything but IAM unless MFA.
		{"notaction deny without mfa", []string{allowAll, stmt(`{"Sid":"MFA","Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)}, nil, "",
			req("ec2:RunInstances", "*", nil), ExplicitDeny, "MFA"},
		{"notaction deny with mfa", []string{allowAll, stmt(`{"Sid":"MFA","Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)}, nil, "",
			req("ec2:RunInstances", "*", ctx{"aws:MultiFactorAuthPresent": {"true"}}), Allow, "AllowAll"},
		{"notaction deny skips iam", []string{allowAll, stmt(`{"Sid":"MFA","Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`)}, nil, "",
			req("iam:ChangePassword", "*", nil), Allow, "AllowAll"},
		// NotResource with Deny: deny everything outside one bucket.
		{"notresource deny outside", []string{allowAll, stmt(`{"Sid":"OnlyB","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`)}, nil, "",
			req("s3:GetObject", "arn:aws:s3:::other/k", nil), ExplicitDeny, "OnlyB"},
		{"notresource deny inside", []string{allowAll, stmt(`{"Sid":"OnlyB","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`)}, nil, "",
			req("s3:GetObject", "arn:aws:s3:::b/k", nil), Allow, "AllowAll"},
		// Region restriction with a Deny on StringNotEquals.
		{"region deny", []string{allowEC2, stmt(`{"Sid":"Region","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`)}, nil, "",
			req("ec2:RunInstances", "*", ctx{"aws:RequestedRegion": {"ap-south-1"}}), ExplicitDeny, "Region"},
		{"region allowed", []string{allowEC2, stmt(`{"Sid":"Region","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`)}, nil, "",
			req("ec2:RunInstances", "*", ctx{"aws:RequestedRegion": {"eu-west-1"}}), Allow, "AllowEC2"},

		// Session policies: the effective permissions are the intersection.
		{"session narrows", []string{allowEC2}, []string{allowDescr}, "", req("ec2:RunInstances", "*", nil), ImplicitDeny, ""},
		{"session allows", []string{allowEC2}, []string{allowDescr}, "", req("ec2:DescribeInstances", "*", nil), Allow, "AllowEC2"},
		{"session cannot widen", []string{allowDescr}, []string{allowAll}, "", req("ec2:RunInstances", "*", nil), ImplicitDeny, ""},
		{"any session policy suffices", []string{allowAll}, []string{allowIAM, allowDescr}, "", req("ec2:DescribeVpcs", "*", nil), Allow, "AllowAll"},
		{"session deny", []string{allowAll}, []string{allowAll, denyTerm}, "", req("ec2:TerminateInstances", "*", nil), ExplicitDeny, "DenyTerminate"},

		// Permissions boundaries.
		{"boundary blocks", []string{allowAll}, nil, allowEC2, req("iam:CreateUser", "*", nil), ImplicitDeny, ""},
		{"boundary permits", []string{allowIAM, allowEC2}, nil, allowEC2, req("ec2:RunInstances", "*", nil), Allow, "AllowEC2"},
		{"boundary alone grants nothing", nil, nil, allowAll, req("ec2:RunInstances", "*", nil), ImplicitDeny, ""},
		{"boundary deny", []string{allowAll}, nil, stmt(`[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoTerm","Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]`),
			req("ec2:TerminateInstances", "*", nil), ExplicitDeny, "NoTerm"},
		{"session and boundary", []string{allowAll}, []string{allowEC2}, allowDescr, req("ec2:DescribeInstances", "*", nil), Allow, "AllowAll"},
		{"session and boundary disagree", []string{allowAll}, []string{allowEC2}, allowDescr, req("ec2:RunInstances", "*", nil), ImplicitDeny, ""},

		// Variables in Resource.
		{"own user", []string{stmt(`{"Sid":"Self","Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}`)}, nil, "",
			req("iam:CreateAccessKey", alice, ctx{"aws:username": {"alice"}}), Allow, "Self"},
		{"other user", []string{stmt(`{"Sid":"Self","Effect":"Allow","Action":"iam:*AccessKey*","Resource":"arn:aws:iam::111122223333:user/${aws:username}"}`)}, nil, "",
			req("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/bob", ctx{"aws:username": {"alice"}}), ImplicitDeny, ""},
		{"tag based", []string{stmt(`{"Sid":"Tag","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}`)}, nil, "",
			req("ec2:StopInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ctx{"aws:username": {"alice"}, "aws:ResourceTag/Owner": {"alice"}}), Allow, "Tag"},
		{"tag based mismatch", []string{stmt(`{"Sid":"Tag","Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}}`)}, nil, "",
			req("ec2:StopInstances", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", ctx{"aws:username": {"alice"}, "aws:ResourceTag/Owner": {"bob"}}), ImplicitDeny, ""},
		{"2008 policy keeps ${} literal", []string{`{"Version":"2008-10-17","Statement":{"Sid":"Old","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}}`}, nil, "",
			req("s3:GetObject", "arn:aws:s3:::b/alice", ctx{"aws:username": {"alice"}}), ImplicitDeny, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			identity := parseAll(t, tt.identity...)
			session := parseAll(t, tt.session...)
			var boundary *Document
			if tt.boundary != "" {
				boundary = mustParse(t, tt.boundary, Managed)
			}
			got, st := Evaluate(tt.req, identity, session, boundary)
			if got != tt.want {
				t.Fatalf("Evaluate = %v, want %v", got, tt.want)
			}
			switch {
			case tt.want == ImplicitDeny && st != nil:
				t.Errorf("implicit deny returned statement %+v", st)
			case tt.want != ImplicitDeny && (st == nil || st.Sid != tt.wantSid):
				t.Errorf("deciding statement = %+v, want Sid %q", st, tt.wantSid)
			}
		})
	}
}

func TestEvaluateZeroValues(t *testing.T) {
	// Hand-built statements were never compiled: they must not grant anything.
	d := &Document{Statements: []Statement{{Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"}}}}
	if got, _ := Evaluate(req("ec2:RunInstances", "*", nil), []*Document{d, nil}, nil, nil); got != ImplicitDeny {
		t.Errorf("uncompiled document: %v, want implicitDeny", got)
	}
	if got, _ := Evaluate(&Request{}, nil, nil, nil); got != ImplicitDeny {
		t.Errorf("empty request: %v", got)
	}
}

func TestDecisionString(t *testing.T) {
	for d, want := range map[Decision]string{Allow: "allowed", ExplicitDeny: "explicitDeny", ImplicitDeny: "implicitDeny"} {
		if d.String() != want {
			t.Errorf("%d.String() = %q, want %q", d, d.String(), want)
		}
	}
}

// TestEvaluateConcurrent shares compiled documents between goroutines, as the
// IAM service does; run with -race.
func TestEvaluateConcurrent(t *testing.T) {
	docs, r := benchPolicies(t)
	self := mustParse(t, stmt(`{"Sid":"Self","Effect":"Allow","Action":"iam:*","Resource":"arn:aws:iam::111122223333:user/${aws:username}*"}`), Identity)
	docs = append(docs, self)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				d1, _ := Evaluate(r, docs, nil, nil)
				d2, _ := Evaluate(req("iam:GetUser", alice, ctx{"aws:username": {"alice"}}), docs, nil, nil)
				ok = ok && d1 == Allow && d2 == Allow
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Error("concurrent evaluation gave a different decision")
		}
	}
}
