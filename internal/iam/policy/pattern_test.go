package policy

import "testing"

func TestPatternAction(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "ec2:RunInstances", true},
		{"*", "", true},
		{"ec2:*", "ec2:RunInstances", true},
		{"ec2:*", "EC2:RunInstances", true},
		{"EC2:RUNINSTANCES", "ec2:RunInstances", true},
		{"ec2:RunInstances", "ec2:RunInstance", false},
		{"ec2:Describe*", "ec2:DescribeInstances", true},
		{"ec2:Describe*", "ec2:CreateTags", false},
		{"ec2:*Instances", "ec2:TerminateInstances", true},
		{"ec2:*Instances", "ec2:TerminateInstance", false},
		{"ec2:*Tag*", "ec2:DeleteTags", true},
		{"ec2:?unInstances", "ec2:RunInstances", true},
		{"ec2:??nInstances", "ec2:RunInstances", true},
		{"ec2:?nInstances", "ec2:RunInstances", false},
		{"*:Get*", "s3:GetObject", true},
		{"s3:*", "s3express:CreateSession", false},
		{"iam:*AccessKey*", "iam:CreateAccessKey", true},
		{"iam:*AccessKey*", "iam:ListAccessKeys", true},
	}
	for _, tt := range tests {
		t.Run(tt.pat+"~"+tt.s, func(t *testing.T) {
			p := compilePattern(tt.pat, false, true, false)
			if got := p.match(tt.s, nil); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPatternResource(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"*", "*", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:volume/vol-1", false},
		{"arn:aws:ec2:*:*:instance/*", "*", false},
		{"arn:aws:ec2:us-east-1:111122223333:instance/i-1", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:us-east-1:111122223333:instance/I-1", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", false}, // case-sensitive
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c", true},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false},
		{"arn:aws:ec2:us-*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true}, // segment-final star crosses colons
		{"arn:aws:ec2:*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:us-*-1:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:us-*-1:*:instance/*", "arn:aws:ec2:us-east-2:111122223333:instance/i-1", false},
		// A segment-final star expands across colons, even over a forgotten
		// segment; a mid-segment star stays inside its segment.
		{"arn:aws:ec2:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:ec2:*-1:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", false},
		{"arn:aws:ec2:*1:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", true},
		{"arn:aws:iam::111122223333:user/?ob", "arn:aws:iam::111122223333:user/Bob", true},
		{"arn:aws:iam::111122223333:user/?ob", "arn:aws:iam::111122223333:user/Boob", false},
		{"arn:aws:s3:::b/é?", "arn:aws:s3:::b/éü", true},
		{"arn:aws:s3:::b/*?*", "arn:aws:s3:::b/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.pat+"~"+tt.s, func(t *testing.T) {
			p := compilePattern(tt.pat, true, false, true)
			if got := p.match(tt.s, nil); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPatternVariables(t *testing.T) {
	ctx := map[string][]string{
		"aws:username":          {"alice"},
		"aws:userid":            {"AIDAEXAMPLE"},
		"aws:PrincipalTag/team": {"blue"},
		"aws:TagKeys":           {"a", "b"},
		"odd":                   {"x*y"},
	}
	tests := []struct {
		name    string
		pat, s  string
		version bool
		want    bool
	}{
		{"username", "arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/alice", true, true},
		{"username other user", "arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/bob", true, false},
		{"key case-insensitive", "arn:aws:s3:::b/${AWS:UserName}/*", "arn:aws:s3:::b/alice/f", true, true},
		{"principal tag", "arn:aws:s3:::b/${aws:PrincipalTag/team}/*", "arn:aws:s3:::b/blue/f", true, true},
		{"missing key matches nothing", "arn:aws:s3:::b/${aws:PrincipalTag/dept}/*", "arn:aws:s3:::b//f", true, false},
		{"default value", "arn:aws:s3:::b/${aws:PrincipalTag/dept, 'shared'}/*", "arn:aws:s3:::b/shared/f", true, true},
		{"default unused when present", "arn:aws:s3:::b/${aws:username, 'shared'}/*", "arn:aws:s3:::b/alice/f", true, true},
		{"multivalued key matches nothing", "arn:aws:s3:::b/${aws:TagKeys}", "arn:aws:s3:::b/a", true, false},
		{"value is literal", "arn:aws:s3:::b/${odd}", "arn:aws:s3:::b/xzzy", true, false},
		{"value is literal exact", "arn:aws:s3:::b/${odd}", "arn:aws:s3:::b/x*y", true, true},
		{"escaped star", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/*", true, true},
		{"escaped star is not wildcard", "arn:aws:s3:::b/${*}", "arn:aws:s3:::b/x", true, false},
		{"escaped question", "arn:aws:s3:::b/a${?}", "arn:aws:s3:::b/a?", true, true},
		{"escaped question not wildcard", "arn:aws:s3:::b/a${?}", "arn:aws:s3:::b/ax", true, false},
		{"escaped dollar", "arn:aws:s3:::b/${$}{x}", "arn:aws:s3:::b/${x}", true, true},
		{"2008 has no variables", "arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/${aws:username}", false, true},
		{"2008 does not expand", "arn:aws:iam::1:user/${aws:username}", "arn:aws:iam::1:user/alice", false, false},
		{"unclosed is text", "arn:aws:s3:::b/${aws:username", "arn:aws:s3:::b/${aws:username", true, true},
		{"variable then wildcard", "arn:aws:s3:::b/${aws:username}*", "arn:aws:s3:::b/alice-home", true, true},
		{"userid", "arn:aws:s3:::b/${aws:userid}/*", "arn:aws:s3:::b/AIDAEXAMPLE/x", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compilePattern(tt.pat, tt.version, false, true)
			if got := p.match(tt.s, ctx); got != tt.want {
				t.Errorf("match(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
			}
		})
	}
}

// TestGlobAgreesWithDP cross-checks the linear matcher against the dynamic
// programming one on patterns where both apply.
func TestGlobAgreesWithDP(t *testing.T) {
	pats := []string{"*", "a*", "*a", "a*b*c", "*?*", "a?c", "**a**", "*ab*ab*", "a:*:b", "?"}
	strs := []string{"", "a", "abc", "aXbYc", "ababab", "a:x:b", "ab", "ba", "acb"}
	for _, ps := range pats {
		p := compilePattern(ps, false, false, false)
		prog := appendProg(nil, parseTemplate(ps, false), nil, false)
		for _, s := range strs {
			if got, want := globDP(prog, s, false), p.match(s, nil); got != want {
				t.Errorf("pattern %q on %q: dp %v, glob %v", ps, s, got, want)
			}
		}
	}
}
