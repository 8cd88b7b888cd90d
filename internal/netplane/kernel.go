package netplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The plane drives the kernel with iproute2 and nft rather than netlink
// libraries: the commands are what an operator types to inspect the same
// state, and their JSON output is a stable interface. Deletions check for
// existence first (by listing), so a blind Del never depends on parsing an
// error message.

// run executes a command and returns its stdout; the error carries stderr.
func run(ctx context.Context, stdin string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// ip runs iproute2, in namespace ns unless ns is "" (the host).
func ip(ctx context.Context, ns string, args ...string) error {
	_, err := run(ctx, "", "ip", nsArgs(ns, args)...)
	return err
}

// ipJSON runs an iproute2 listing with -json and decodes it into v.
func ipJSON(ctx context.Context, ns string, v any, args ...string) error {
	out, err := run(ctx, "", "ip", nsArgs(ns, append([]string{"-json"}, args...))...)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return nil // some iproute2 versions print nothing for an empty list
	}
	return json.Unmarshal(out, v)
}

func nsArgs(ns string, args []string) []string {
	if ns == "" {
		return args
	}
	return append([]string{"-n", ns}, args...)
}

// nft runs an nft script inside namespace ns; the script is one transaction.
func nft(ctx context.Context, ns, script string) error {
	_, err := run(ctx, script, "ip", "netns", "exec", ns, "nft", "-f", "-")
	return err
}

// ipLink is the part of `ip -json -details addr show` the plane reads.
type ipLink struct {
	Name     string `json:"ifname"`
	Alias    string `json:"ifalias"`
	Master   string `json:"master"`
	LinkInfo struct {
		Kind string `json:"info_kind"`
	} `json:"linkinfo"`
	AddrInfo []struct {
		Family    string `json:"family"`
		Local     string `json:"local"`
		PrefixLen int    `json:"prefixlen"`
	} `json:"addr_info"`
}

func (l ipLink) v4Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range l.AddrInfo {
		if a.Family != "inet" {
			continue
		}
		if addr, err := netip.ParseAddr(a.Local); err == nil {
			out = append(out, netip.PrefixFrom(addr, a.PrefixLen))
		}
	}
	return out
}

// links lists the links of namespace ns (with their addresses); args filter
// the list (e.g. "master", "br-…").
func links(ctx context.Context, ns string, args ...string) ([]ipLink, error) {
	var ls []ipLink
	err := ipJSON(ctx, ns, &ls, append([]string{"-details", "addr", "show"}, args...)...)
	return ls, err
}

// link returns the named link of namespace ns, or nil if there is none.
func link(ctx context.Context, ns, name string) (*ipLink, error) {
	ls, err := links(ctx, ns)
	if err != nil {
		return nil, err
	}
	for i := range ls {
		if ls[i].Name == name {
			return &ls[i], nil
		}
	}
	return nil, nil
}

// delLink deletes a link if it exists.
func delLink(ctx context.Context, ns, name string) error {
	l, err := link(ctx, ns, name)
	if err != nil || l == nil {
		return err
	}
	return ip(ctx, ns, "link", "del", "dev", name)
}

type ipRoute struct {
	Dst  string `json:"dst"`
	Type string `json:"type"`
	Dev  string `json:"dev"`
}

func (r ipRoute) prefix() (netip.Prefix, bool) {
	if r.Dst == "default" {
		return netip.MustParsePrefix("0.0.0.0/0"), true
	}
	if p, err := netip.ParsePrefix(r.Dst); err == nil {
		return p, true
	}
	if a, err := netip.ParseAddr(r.Dst); err == nil {
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	return netip.Prefix{}, false
}

// routes lists IPv4 routes of namespace ns; args select (e.g. "exact", pfx).
func routes(ctx context.Context, ns string, args ...string) ([]ipRoute, error) {
	var rs []ipRoute
	err := ipJSON(ctx, ns, &rs, append([]string{"-4", "route", "show"}, args...)...)
	return rs, err
}

// netnsExists reports whether the named namespace has a bind mount.
func netnsExists(name string) (bool, error) {
	_, err := os.Stat(filepath.Join(netnsDir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// ensurePoolRoute installs `unreachable <pool>` on the host: whatever in the
// pool has no /32 towards a VPC is answered with an ICMP error here instead
// of following the default route to the real uplink.
func (p *Plane) ensurePoolRoute() error {
	pool := p.cfg.PublicPool.String()
	if err := ip(context.Background(), "", "route", "replace", "unreachable", pool); err != nil {
		return fmt.Errorf("install unreachable route for public pool: %w", err)
	}
	return nil
}
