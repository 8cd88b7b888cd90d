package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestPriceCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--instance-type", "m5.large"}, "m5.large  us-east-1  Linux/UNIX  default  2     8           0.0960"},
		{[]string{"--instance-type", "t2.micro", "--csv"}, "t2.micro,us-east-1,Linux/UNIX,default,1,1024,0.0116,"},
	} {
		var out bytes.Buffer
		if err := price(tc.args, &out); err != nil {
			t.Fatalf("kumo price %v: %v", tc.args, err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("kumo price %v:\n%s\nwant a line with %q", tc.args, out.String(), tc.want)
		}
	}
	if err := price([]string{"--instance-type", "zz.huge"}, &bytes.Buffer{}); err == nil {
		t.Error("an unknown type printed nothing and no error")
	}
	if err := price([]string{"--platform", "BeOS"}, &bytes.Buffer{}); err == nil {
		t.Error("an unknown platform was accepted")
	}
}
