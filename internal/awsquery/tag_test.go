package awsquery

import (
	"reflect"
	"testing"
)

func TestLowerCamel(t *testing.T) {
	for in, want := range map[string]string{
		"KeyName": "keyName", "VPCId": "vpcId", "ID": "id", "Return": "return", "x": "x", "IPv6Address": "iPv6Address",
	} {
		if got := lowerCamel(in); got != want {
			t.Errorf("lowerCamel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResolveNames(t *testing.T) {
	tests := []struct {
		tag                                  string
		kind                                 kind
		ec2Param, queryParam, ec2Elem, qElem string
	}{
		{"DryRun,loc=dryRun", kindBool, "DryRun", "dryRun", "dryRun", "dryRun"},
		{"Ipv6Addresses,loc=ipv6AddressesSet,qn=Ipv6Addresses", kindList, "Ipv6Addresses", "ipv6AddressesSet", "ipv6AddressesSet", "ipv6AddressesSet"},
		{"UserName", kindString, "UserName", "UserName", "userName", "UserName"},
		{"Attributes,flat,member=Attribute", kindList, "Attributes", "Attribute", "attributes", "Attribute"},
	}
	for _, tc := range tests {
		f, err := parseTag(tc.tag)
		if err != nil {
			t.Fatalf("parseTag(%q): %v", tc.tag, err)
		}
		f.t = &typePlan{kind: tc.kind}
		f.resolveNames()
		got := [4]string{f.ec2Param, f.queryParam, f.ec2Elem, f.queryElem}
		if want := [4]string{tc.ec2Param, tc.queryParam, tc.ec2Elem, tc.qElem}; got != want {
			t.Errorf("%q: names %q, want %q", tc.tag, got, want)
		}
	}
}

func TestPlanRejectsBadStructs(t *testing.T) {
	for name, v := range map[string]any{
		"unknown option": struct {
			A *string `aws:"A,bogus"`
		}{},
		"empty name": struct {
			A *string `aws:""`
		}{},
		"unsupported type": struct {
			A *uint `aws:"A"`
		}{},
		"pointer to slice": struct {
			A *[]string `aws:"A"`
		}{},
		"int map key": struct {
			A map[int]string `aws:"A"`
		}{},
	} {
		if _, err := planFor(reflect.TypeOf(v)); err == nil {
			t.Errorf("%s: planFor accepted %T", name, v)
		}
	}
}
