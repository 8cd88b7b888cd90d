package guest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// apt fetches Debian packages with the host's apt, into a cache that
// outlives builds. It never installs anything on the host.
type apt struct {
	cache    string // where .deb files are kept, e.g. <dir>/cache/debs
	progress func(string)
	updated  bool // apt-get update already ran in this build
}

// deb is one downloaded package.
type deb struct {
	name string
	file string // path in the cache
}

// aptOpts keeps apt from warning that its sandbox user cannot write our
// cache directory when we run as root.
func aptOpts() []string {
	if os.Geteuid() == 0 {
		return []string{"-o", "APT::Sandbox::User=root"}
	}
	return nil
}

// retryAfterUpdate runs f and, if it fails, runs apt-get update once and
// tries again: missing or stale package lists are the usual cause (a fresh
// container has none; a mirror drops superseded versions).
func (a *apt) retryAfterUpdate(ctx context.Context, what string, f func() error) error {
	err := f()
	if err == nil || ctx.Err() != nil {
		return err
	}
	if a.updated {
		return fmt.Errorf("%s: %w", what, err)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%s: %w (the apt package lists may be missing or stale: run apt-get update as root)", what, err)
	}
	a.progress("apt package lists missing or stale: running apt-get update …")
	a.updated = true
	if _, uerr := run(ctx, "", nil, "apt-get", "update", "-qq"); uerr != nil {
		return fmt.Errorf("%s: %w; apt-get update also failed: %v (check /etc/apt/sources.list and the network to the Debian mirror)", what, err, uerr)
	}
	if err := f(); err != nil {
		return fmt.Errorf("%s (after apt-get update): %w", what, err)
	}
	return nil
}

// depends returns, for each package apt-cache prints, its hard dependencies
// (Depends and PreDepends; the first of each set of alternatives).
func (a *apt) depends(ctx context.Context, recurse bool, pkgs ...string) (map[string][]string, error) {
	args := []string{"depends", "--no-recommends", "--no-suggests", "--no-conflicts",
		"--no-breaks", "--no-replaces", "--no-enhances"}
	if recurse {
		args = append(args, "--recurse")
	}
	var out []byte
	err := a.retryAfterUpdate(ctx, "resolve "+strings.Join(pkgs, " "), func() error {
		var err error
		out, err = run(ctx, "", nil, "apt-cache", append(args, pkgs...)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return parseDepends(out), nil
}

// parseDepends reads apt-cache depends output:
//
//	libtomcrypt1
//	  Depends: libc6
//	 |Depends: foo      ← first of a set of alternatives (taken)
//	  Depends: bar      ← last alternative (skipped)
//	  Depends: <virtual>
//	    provider        ← providers of a virtual package (skipped)
func parseDepends(out []byte) map[string][]string {
	deps := map[string][]string{}
	var cur string
	inGroup, taken := false, false // within a set of alternatives; one was taken
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if line[0] != ' ' {
			cur = strings.TrimSpace(line)
			if _, ok := deps[cur]; !ok {
				deps[cur] = nil
			}
			inGroup = false
			continue
		}
		kind, name, ok := strings.Cut(strings.TrimLeft(line, " |"), ": ")
		if !ok || (kind != "Depends" && kind != "PreDepends") {
			continue
		}
		if !inGroup {
			taken = false
		}
		// " |" marks every alternative but the last of a set.
		inGroup = strings.HasPrefix(line, " |")
		if taken || strings.HasPrefix(name, "<") {
			continue
		}
		taken = true
		deps[cur] = append(deps[cur], name)
	}
	return deps
}

// fetch makes sure the candidate versions of pkgs are in the cache and
// returns them, verified against the hashes from the package lists.
func (a *apt) fetch(ctx context.Context, pkgs []string) (map[string]deb, error) {
	type uri struct {
		name, file, sum string
		size            int64
	}
	var uris []uri
	err := a.retryAfterUpdate(ctx, "download "+strings.Join(pkgs, " "), func() error {
		out, err := run(ctx, "", nil, "apt-get", append(append(aptOpts(), "download", "--print-uris"), pkgs...)...)
		if err != nil {
			return err
		}
		uris = uris[:0]
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			f := strings.Fields(line)
			if len(f) != 4 {
				return fmt.Errorf("unexpected apt-get --print-uris line %q", line)
			}
			size, _ := strconv.ParseInt(f[2], 10, 64)
			sum, _ := strings.CutPrefix(f[3], "SHA256:")
			name, _, _ := strings.Cut(f[1], "_") // files are name_version_arch.deb
			uris = append(uris, uri{name: name, file: f[1], size: size, sum: strings.ToLower(sum)})
		}
		if len(uris) != len(pkgs) {
			return fmt.Errorf("apt-get --print-uris named %d files for %d packages", len(uris), len(pkgs))
		}
		var missing []string
		for _, u := range uris {
			file := filepath.Join(a.cache, u.file)
			if st, err := os.Stat(file); err != nil || st.Size() != u.size || checkSHA256(file, u.sum) != nil {
				os.Remove(file) // absent, truncated or corrupt: fetch again
				missing = append(missing, u.name)
				a.progress(fmt.Sprintf("downloading %s (%.1f MB) …", debLabel(u.file), float64(u.size)/1e6))
			}
		}
		if len(missing) == 0 {
			return nil
		}
		// Download beside the cache and move in, so the cache never holds
		// a partial file under a final name.
		tmp, err := os.MkdirTemp(a.cache, ".download-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if _, err := run(ctx, tmp, nil, "apt-get", append(append(aptOpts(), "download", "-q"), missing...)...); err != nil {
			return err
		}
		ents, _ := os.ReadDir(tmp)
		for _, e := range ents {
			if err := os.Rename(filepath.Join(tmp, e.Name()), filepath.Join(a.cache, e.Name())); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	debs := map[string]deb{}
	for _, u := range uris {
		file := filepath.Join(a.cache, u.file)
		if err := checkSHA256(file, u.sum); err != nil {
			os.Remove(file)
			return nil, fmt.Errorf("package %s: %w", u.name, err)
		}
		debs[u.name] = deb{name: u.name, file: file}
	}
	return debs, nil
}

// debLabel turns name_1%3a2.0-1_amd64.deb into "name 1:2.0-1".
func debLabel(file string) string {
	f := strings.Split(strings.TrimSuffix(file, ".deb"), "_")
	if len(f) < 2 {
		return file
	}
	v, err := url.PathUnescape(f[1])
	if err != nil {
		v = f[1]
	}
	return f[0] + " " + v
}

func checkSHA256(file, want string) error {
	if want == "" {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s: sha256 %s, want %s", filepath.Base(file), got, want)
	}
	return nil
}

// extract unpacks each deb into root/<name> with dpkg-deb, in parallel: the
// kernel alone takes seconds to decompress.
func extract(ctx context.Context, debs map[string]deb, root string) (map[string]string, error) {
	names := make([]string, 0, len(debs))
	for n := range debs {
		names = append(names, n)
	}
	sort.Strings(names)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	dirs := map[string]string{}
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		dst, file := filepath.Join(root, n), debs[n].file
		dirs[n] = dst
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = run(ctx, "", nil, "dpkg-deb", "-x", file, dst)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
	}
	return dirs, nil
}
