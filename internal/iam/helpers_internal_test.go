package iam

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
)

func TestCallerOf(t *testing.T) {
	for _, tc := range []struct {
		arn  string
		want caller
	}{
		{"arn:aws:iam::111122223333:root", caller{root: true}},
		{"arn:aws:iam::111122223333:user/bob", caller{userName: "bob"}},
		{"arn:aws:iam::111122223333:user/a/b/bob", caller{userName: "bob"}},
		{"arn:aws:sts::111122223333:assumed-role/r/s", caller{}},
		{"arn:aws:iam::999999999999:root", caller{}}, // not this account's
	} {
		got := callerOf(&api.Request{AccountID: "111122223333", PrincipalARN: tc.arn})
		if got != tc.want {
			t.Errorf("callerOf(%s) = %+v, want %+v", tc.arn, got, tc.want)
		}
	}
}

func TestParsePrincipal(t *testing.T) {
	const acct = "111122223333"
	for _, tc := range []struct {
		arn  string
		want principalRef
		ok   bool
	}{
		{"arn:aws:iam::" + acct + ":user/bob", principalRef{kindUser, "bob", "/"}, true},
		{"arn:aws:iam::" + acct + ":role/svc/app/worker", principalRef{kindRole, "worker", "/svc/app/"}, true},
		{"arn:aws:iam::" + acct + ":group/devs", principalRef{kindGroup, "devs", "/"}, true},
		{"arn:aws:sts::" + acct + ":assumed-role/worker/i-123", principalRef{kindRole, "worker", ""}, true},
		{"arn:aws:iam::" + acct + ":policy/p", principalRef{}, false},
		{"arn:aws:iam::" + acct + ":user/", principalRef{}, false},
		{"arn:aws:iam::222233334444:user/bob", principalRef{}, false},
	} {
		got, ok := parsePrincipal(acct, tc.arn)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("parsePrincipal(%s) = %+v %v, want %+v %v", tc.arn, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSplitPolicyARN(t *testing.T) {
	for _, tc := range []struct{ arn, account, path, name string }{
		{"arn:aws:iam::aws:policy/AdministratorAccess", "aws", "/", "AdministratorAccess"},
		{"arn:aws:iam::111122223333:policy/a/b/P", "111122223333", "/a/b/", "P"},
	} {
		acct, path, name, ok := splitPolicyARN(tc.arn)
		if !ok || acct != tc.account || path != tc.path || name != tc.name {
			t.Errorf("splitPolicyARN(%s) = %s %s %s %v", tc.arn, acct, path, name, ok)
		}
	}
}

func TestEncodeDocument(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\", \"Résumé\": \"a+b/c~d_e.f-g\"}"
	enc := encodeDocument(doc)
	if want := "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%20%22R%C3%A9sum%C3%A9%22%3A%20%22a%2Bb%2Fc~d_e.f-g%22%7D"; enc != want {
		t.Errorf("encodeDocument = %s, want %s", enc, want)
	}
	if dec, err := url.PathUnescape(enc); err != nil || dec != doc {
		t.Errorf("round trip: %q %v", dec, err)
	}
}

func TestValidation(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		max         int
		ok          bool
	}{
		{"plain", "alice", 64, true},
		{"every allowed character", "aZ09_+=,.@-", 64, true},
		{"space", "a b", 64, false},
		{"slash", "a/b", 64, false},
		{"empty", "", 64, false},
		{"at the limit", fmt.Sprintf("%064d", 0), 64, true},
		{"over the limit", fmt.Sprintf("%065d", 0), 64, false},
	} {
		if err := validName(tc.value, "userName", tc.max); (err == nil) != tc.ok {
			t.Errorf("validName %s: %v", tc.name, err)
		}
	}
	for _, tc := range []struct {
		path string
		ok   bool
	}{{"/", true}, {"/a/b/", true}, {"/a", false}, {"a/", false}, {"/a b/", false}, {"//", false}, {"///", true}} {
		if _, err := validPath(aws.String(tc.path), "path"); (err == nil) != tc.ok {
			t.Errorf("validPath(%q): %v", tc.path, err)
		}
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{{"v1", true}, {"v12", true}, {"v0", false}, {"1", false}, {"vx", false}} {
		if err := validVersionID(tc.id); (err == nil) != tc.ok {
			t.Errorf("validVersionID(%q): %v", tc.id, err)
		}
	}
}

func TestPaginate(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	var got [][]string
	var marker *string
	for {
		page, truncated, next, err := paginate(items, func(s string) string { return s }, marker, aws.Int32(2))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page)
		if !*truncated {
			if next != nil {
				t.Errorf("marker on the last page")
			}
			break
		}
		marker = next
	}
	if diff := cmp.Diff([][]string{{"a", "b"}, {"c", "d"}, {"e"}}, got); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
	// A marker whose item was deleted continues after where it was.
	page, _, _, _ := paginate([]string{"a", "c", "d"}, func(s string) string { return s }, newMarker("b"), aws.Int32(5))
	if diff := cmp.Diff([]string{"c", "d"}, page); diff != "" {
		t.Errorf("after a deleted item (-want +got):\n%s", diff)
	}
}

// TestAWSManagedDocuments: the built-in AWS managed policies are valid
// managed policies.
func TestAWSManagedDocuments(t *testing.T) {
	for name, p := range awsManaged {
		if _, err := policy.Parse(p.Document(), policy.Managed); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.ARN() != "arn:aws:iam::aws:policy/"+name || len(p.ID) != 21 {
			t.Errorf("%s: ARN %s, id %s", name, p.ARN(), p.ID)
		}
	}
}
