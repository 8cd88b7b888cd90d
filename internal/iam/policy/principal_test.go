package policy

import "testing"

const (
	acctA    = "111122223333"
	rootA    = "arn:aws:iam::111122223333:root"
	bobA     = "arn:aws:iam::111122223333:user/bob"
	roleA    = "arn:aws:iam::111122223333:role/ops/Deployer"
	sessionA = "arn:aws:sts::111122223333:assumed-role/Deployer/ci-42"
	userB    = "arn:aws:iam::444455556666:user/mallory"
	sessionB = "arn:aws:sts::444455556666:assumed-role/Deployer/x"
)

func TestAllowsPrincipal(t *testing.T) {
	trust := func(principal string) string {
		return stmt(`{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}`)
	}
	tests := []struct {
		name   string
		policy string
		caller string
		action string
		ctx    ctx
		want   bool
	}{
		{"service", trust(`{"Service":"ec2.amazonaws.com"}`), "ec2.amazonaws.com", "sts:AssumeRole", nil, true},
		{"service other", trust(`{"Service":"ec2.amazonaws.com"}`), "lambda.amazonaws.com", "sts:AssumeRole", nil, false},
		{"service not a user", trust(`{"Service":"ec2.amazonaws.com"}`), alice, "sts:AssumeRole", nil, false},
		{"account id names every principal", trust(`{"AWS":"111122223333"}`), alice, "sts:AssumeRole", nil, true},
		{"account id names sessions", trust(`{"AWS":"111122223333"}`), sessionA, "sts:AssumeRole", nil, true},
		{"account id names root", trust(`{"AWS":"111122223333"}`), rootA, "sts:AssumeRole", nil, true},
		{"account root arn", trust(`{"AWS":"arn:aws:iam::111122223333:root"}`), bobA, "sts:AssumeRole", nil, true},
		{"account other", trust(`{"AWS":"arn:aws:iam::111122223333:root"}`), userB, "sts:AssumeRole", nil, false},
		{"user", trust(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`), alice, "sts:AssumeRole", nil, true},
		{"user other", trust(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`), bobA, "sts:AssumeRole", nil, false},
		{"role names its sessions", trust(`{"AWS":"arn:aws:iam::111122223333:role/ops/Deployer"}`), sessionA, "sts:AssumeRole", nil, true},
		{"role of other account", trust(`{"AWS":"arn:aws:iam::111122223333:role/Deployer"}`), sessionB, "sts:AssumeRole", nil, false},
		{"session exact", trust(`{"AWS":"arn:aws:sts::111122223333:assumed-role/Deployer/ci-42"}`), sessionA, "sts:AssumeRole", nil, true},
		{"list", trust(`{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::111122223333:user/alice"]}`), alice, "sts:AssumeRole", nil, true},
		{"star", trust(`"*"`), userB, "sts:AssumeRole", nil, true},
		{"aws star", trust(`{"AWS":"*"}`), userB, "sts:AssumeRole", nil, true},
		{"other action", trust(`{"AWS":"111122223333"}`), alice, "sts:TagSession", nil, false},
		{"action wildcard", stmt(`{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:*"}`), alice, "sts:TagSession", nil, true},
		{"external id", stmt(`{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}}`),
			userB, "sts:AssumeRole", ctx{"sts:ExternalId": {"s3cret"}}, true},
		{"external id missing", stmt(`{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cret"}}}`),
			userB, "sts:AssumeRole", nil, false},
		{"deny wins", stmt(`[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]`),
			alice, "sts:AssumeRole", nil, false},
		{"deny other leaves allow", stmt(`[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}]`),
			bobA, "sts:AssumeRole", nil, true},
		{"org condition on star", stmt(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}`),
			userB, "sts:AssumeRole", ctx{"aws:PrincipalOrgID": {"o-xyz"}}, false},
		{"federated", stmt(`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}`),
			"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com", "sts:AssumeRoleWithWebIdentity", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.policy, Trust)
			r := &Request{Principal: tt.caller, Action: tt.action, Context: tt.ctx}
			if got := AllowsPrincipal(d, r); got != tt.want {
				t.Errorf("AllowsPrincipal(%s) = %v, want %v", tt.caller, got, tt.want)
			}
		})
	}
	if AllowsPrincipal(nil, &Request{Principal: alice, Action: "sts:AssumeRole"}) {
		t.Error("nil trust policy allowed")
	}
}

// TestNotPrincipal follows the IAM User Guide: with Deny, a NotPrincipal entry
// spares a principal only when all of its identities are listed (user and
// account; session, role and account).
func TestNotPrincipal(t *testing.T) {
	denyAllBut := func(list string) string {
		return stmt(`[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},` +
			`{"Effect":"Deny","NotPrincipal":{"AWS":` + list + `},"Action":"s3:*","Resource":"*"}]`)
	}
	tests := []struct {
		name   string
		policy string
		caller string
		want   bool // allowed
	}{
		{"user and account listed", denyAllBut(`["` + bobA + `","` + rootA + `"]`), bobA, true},
		{"user without account", denyAllBut(`["` + bobA + `"]`), bobA, false},
		{"account alone spares root only", denyAllBut(`["` + acctA + `"]`), bobA, false},
		{"account alone root", denyAllBut(`["` + acctA + `"]`), rootA, true},
		{"others denied", denyAllBut(`["` + bobA + `","` + rootA + `"]`), alice, false},
		{"session role and account", denyAllBut(`["` + sessionA + `","` + roleA + `","` + rootA + `"]`), sessionA, true},
		{"session without role", denyAllBut(`["` + sessionA + `","` + rootA + `"]`), sessionA, false},
		{"role without session", denyAllBut(`["` + roleA + `","` + rootA + `"]`), sessionA, false},
		{"service listed", stmt(`[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},{"Effect":"Deny","NotPrincipal":{"Service":"ec2.amazonaws.com"},"Action":"s3:*","Resource":"*"}]`), "ec2.amazonaws.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.policy, Resource)
			got, _ := Evaluate(&Request{Principal: tt.caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, []*Document{d}, nil, nil)
			if (got == Allow) != tt.want {
				t.Errorf("%s: %v, want allowed=%v", tt.caller, got, tt.want)
			}
		})
	}
}
