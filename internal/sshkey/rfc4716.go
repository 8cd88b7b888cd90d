package sshkey

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// The RFC 4716 ("SSH2", "SECSH") public key file, as `ssh-keygen -e` and
// PuTTYgen write it:
//
//	---- BEGIN SSH2 PUBLIC KEY ----
//	Comment: "2048-bit RSA, converted by me@host from OpenSSH"
//	AAAAB3NzaC1yc2EAAAADAQABAAABAQC…
//	---- END SSH2 PUBLIC KEY ----
//
// Headers are "Tag: value" lines, continued onto the next line by a trailing
// backslash; the body is the base64 SSH wire key, wrapped.
const (
	rfc4716Begin = "---- BEGIN SSH2 PUBLIC KEY ----"
	rfc4716End   = "---- END SSH2 PUBLIC KEY ----"
)

// parseRFC4716 returns the key blob and the Comment header of text, which
// starts with rfc4716Begin and has had surrounding space trimmed.
func parseRFC4716(text string) (blob []byte, comment string, err error) {
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \t\r")
	}
	if lines[0] != rfc4716Begin || lines[len(lines)-1] != rfc4716End {
		return nil, "", fmt.Errorf("rfc 4716 key: begin or end line: %w", ErrInvalidFormat)
	}
	lines = lines[1 : len(lines)-1]

	// Headers come first. A base64 body line never holds a colon, so the
	// first line without one (outside a continuation) starts the body.
	i := 0
	for i < len(lines) {
		header := lines[i]
		i++
		for strings.HasSuffix(header, `\`) {
			if i == len(lines) {
				return nil, "", fmt.Errorf("rfc 4716 key: unfinished header: %w", ErrInvalidFormat)
			}
			header = strings.TrimSuffix(header, `\`) + lines[i]
			i++
		}
		tag, value, ok := strings.Cut(header, ":")
		if !ok {
			i--
			break
		}
		// RFC 4716 section 3.3: tags are at most 64 bytes and case-insensitive.
		if tag == "" || len(tag) > 64 || strings.ContainsAny(tag, " \t") {
			return nil, "", fmt.Errorf("rfc 4716 key: header tag %.70q: %w", tag, ErrInvalidFormat)
		}
		if strings.EqualFold(tag, "Comment") {
			comment = unquote(strings.TrimSpace(value))
		}
	}

	var body strings.Builder
	for _, l := range lines[i:] {
		if strings.Contains(l, ":") {
			return nil, "", fmt.Errorf("rfc 4716 key: header after body: %w", ErrInvalidFormat)
		}
		body.WriteString(strings.TrimSpace(l))
	}
	if body.Len() == 0 {
		return nil, "", fmt.Errorf("rfc 4716 key: no body: %w", ErrInvalidFormat)
	}
	blob, err = base64.StdEncoding.DecodeString(body.String())
	if err != nil {
		return nil, "", fmt.Errorf("rfc 4716 key body: %w", ErrInvalidFormat)
	}
	return blob, comment, nil
}

// unquote strips the double quotes ssh-keygen puts around a Comment value.
func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}
