package policy

import (
	"fmt"
	"strings"
)

// validate runs IAM's checks after syntax, in IAM's order.
func validate(d *Document, raw []map[string]any, kind Kind) error {
	stmts := d.Statements
	if kind == Identity || kind == Managed {
		for i := range stmts {
			if stmts[i].Principal != nil || stmts[i].NotPrincipal != nil {
				return malformed(msgNoPrincipalHere)
			}
		}
	}

	// "Legacy parsing": the older grammar is case-sensitive about Effect and
	// strict about date values and the shape of resource ARNs.
	for i := range stmts {
		if stmts[i].Effect != "Allow" && stmts[i].Effect != "Deny" {
			return malformed(msgLegacy)
		}
		for _, c := range stmts[i].Condition {
			spec, _ := lookupOperator(c.Operator)
			if spec.fam != famDate {
				continue
			}
			for _, v := range c.Values {
				if _, ok := parseDate(v); !ok {
					return malformed(msgLegacy)
				}
			}
		}
	}
	// IAM remembers the last resource format fault, reports it only after the
	// required-element checks, and skips the legacy shape check once it has one.
	var resourceErr string
	for _, notRes := range []bool{false, true} {
		for i := range stmts {
			list := stmts[i].Resource
			if notRes {
				list = stmts[i].NotResource
			}
			if list == nil {
				continue
			}
			for _, r := range sortedDesc(list) {
				if msg := resourceFormatError(r); msg != "" {
					resourceErr = msg
				}
			}
			if resourceErr == "" {
				for _, r := range list {
					if !legacyResourceOK(r) {
						return malformed(msgLegacy)
					}
				}
			}
		}
	}

	seen := map[string]bool{}
	for i := range stmts {
		sid := stmts[i].Sid
		if !alphanumeric(sid) {
			return malformed(msgSidFormat)
		}
		if sid != "" {
			if seen[sid] {
				return malformed(msgSidUnique)
			}
			seen[sid] = true
		}
	}
	for i := range stmts {
		if len(stmts[i].Action) == 0 && len(stmts[i].NotAction) == 0 {
			return malformed(msgNoActions)
		}
	}
	if kind == Trust {
		for i := range raw {
			if has(raw[i], "Resource") || has(raw[i], "NotResource") {
				return malformed(msgTrustResource)
			}
		}
	} else {
		for i := range stmts {
			if len(stmts[i].Resource) == 0 && len(stmts[i].NotResource) == 0 {
				return malformed(msgNoResources)
			}
		}
	}
	if resourceErr != "" {
		return malformed(resourceErr)
	}
	for i := range stmts {
		for _, list := range [][]string{stmts[i].Action, stmts[i].NotAction} {
			for _, a := range list {
				if msg := actionError(a); msg != "" {
					return malformed(msg)
				}
			}
		}
	}
	if kind == Trust || kind == Resource {
		for i := range stmts {
			p := stmts[i].Principal
			if p == nil {
				p = stmts[i].NotPrincipal
			}
			if p == nil {
				if kind == Trust {
					return malformed(msgTrustNoPrinc)
				}
				return malformed(msgResNoPrincipal)
			}
			if msg := principalError(p); msg != "" {
				return malformed(msg)
			}
		}
	}
	return nil
}

func sortedDesc(list []string) []string {
	out := append([]string(nil), list...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] > out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func alphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// actionError returns IAM's message for a malformed Action/NotAction entry.
func actionError(a string) string {
	parts := strings.Split(a, ":")
	if len(parts) == 1 && a != "*" {
		return msgVendorMissing
	}
	if len(parts) > 2 {
		return msgActionColons
	}
	vendor := parts[0]
	if vendor == "*" {
		return ""
	}
	for i := 0; i < len(vendor); i++ {
		c := vendor[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '.') {
			return fmt.Sprintf("Vendor %s is not valid", vendor)
		}
	}
	return ""
}

// partitions are the ARN partitions IAM accepts in a Resource.
var partitions = map[string]bool{
	"aws": true, "aws-cn": true, "aws-us-gov": true, "aws-iso": true,
	"aws-iso-b": true, "aws-iso-e": true, "aws-iso-f": true, "aws-eusc": true,
}

var iamResourcePrefixes = []string{
	"user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
	"server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
	"report/", "access-report/",
}

// resourceFormatError returns IAM's message for a Resource entry whose ARN shape
// it rejects, or "".
func resourceFormatError(r string) string {
	if r == "*" {
		return ""
	}
	_, rest, ok := strings.Cut(r, ":")
	if !ok {
		return fmt.Sprintf("Resource %s must be in ARN format or \"*\".", r)
	}
	part, afterPart, ok := strings.Cut(rest, ":")
	if part != "*" && !partitions[part] {
		comps := strings.Split(afterPart, ":")
		at := func(i int) string {
			if i < len(comps) && (comps[i] != "" || len(comps) > 1) {
				return comps[i]
			}
			return "*"
		}
		last := "*"
		if len(comps) > 3 {
			last = strings.Join(comps[3:], ":")
		}
		return fmt.Sprintf("Partition %q is not valid for resource \"arn:%s:%s:%s:%s:%s\".",
			part, part, at(0), at(1), at(2), last)
	}
	if !ok {
		return msgVendorRegexes
	}
	service, afterService, _ := strings.Cut(afterPart, ":")
	hasRegion := !strings.HasPrefix(afterService, ":")
	_, afterRegion, _ := strings.Cut(afterService, ":")
	_, resourceID, _ := strings.Cut(afterRegion, ":")
	switch service {
	case "iam":
		if hasRegion {
			return fmt.Sprintf("IAM resource %s cannot contain region information.", r)
		}
		if resourceID == "*" || resourceID == "root" {
			return ""
		}
		for _, p := range iamResourcePrefixes {
			if strings.HasPrefix(resourceID, p) {
				return ""
			}
		}
		return `IAM resource path must either be "*", root, or start with ` + strings.Join(iamResourcePrefixes, ", ") + "."
	case "s3":
		if hasRegion && !strings.HasPrefix(resourceID, "accesspoint/") {
			return fmt.Sprintf("Resource %s can not contain region information.", r)
		}
	}
	return ""
}

// legacyResourceOK is the 2008 grammar's ARN shape check: an ARN with an empty
// component needs all six components, and the service may not be empty.
func legacyResourceOK(r string) bool {
	if r == "*" {
		return true
	}
	if strings.Count(r, ":") < 5 && strings.Contains(r, "::") {
		return false
	}
	parts := strings.SplitN(r, ":", 4)
	return len(parts) >= 3 && parts[2] != ""
}
