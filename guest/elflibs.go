package guest

import (
	"debug/elf"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// The image's shared libraries live in one directory; Debian's ld.so
// searches it without an ld.so.cache.
const (
	imageLibDir = "usr/lib/x86_64-linux-gnu"
	multiarch   = "x86_64-linux-gnu"
)

// libIndex maps a file name (a soname such as libz.so.1) to the file in one
// of the extracted library packages.
type libIndex map[string]string

// indexLibs indexes the library directories of the extracted packages.
// Sonames are usually symlinks into the same package; they are resolved
// inside that package's tree, never against the host's /lib.
func indexLibs(pkgRoots []string) (libIndex, error) {
	idx := libIndex{}
	for _, root := range pkgRoots {
		for _, d := range []string{"lib/" + multiarch, "usr/lib/" + multiarch, "lib64", "usr/lib64", "lib", "usr/lib"} {
			ents, err := os.ReadDir(filepath.Join(root, d))
			if err != nil {
				continue
			}
			for _, e := range ents {
				if e.IsDir() || !strings.Contains(e.Name(), ".so") {
					continue
				}
				if _, ok := idx[e.Name()]; ok {
					continue
				}
				real, err := resolveIn(root, path.Join(d, e.Name()))
				if err != nil {
					return nil, err
				}
				idx[e.Name()] = real
			}
		}
	}
	return idx, nil
}

// resolveIn follows symlinks of rel inside root, treating absolute targets as
// relative to root (they are absolute paths on the guest, not the host).
func resolveIn(root, rel string) (string, error) {
	for range 16 {
		p := filepath.Join(root, rel)
		st, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		if st.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", err
		}
		if path.IsAbs(t) {
			rel = path.Clean(t)[1:]
		} else {
			rel = path.Join(path.Dir(rel), t)
		}
	}
	return "", fmt.Errorf("%s: too many symlinks", rel)
}

// elfClosure returns the shared libraries (soname → file) and the program
// interpreter that the binaries need, transitively.
func elfClosure(bins []string, idx libIndex) (libs map[string]string, interp string, err error) {
	libs = map[string]string{}
	queue := append([]string(nil), bins...)
	for len(queue) > 0 {
		file := queue[0]
		queue = queue[1:]
		f, err := elf.Open(file)
		if err != nil {
			return nil, "", err
		}
		needed, err := f.ImportedLibraries()
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				b := make([]byte, p.Filesz)
				if _, rerr := p.ReadAt(b, 0); rerr == nil {
					interp = strings.TrimRight(string(b), "\x00")
				}
			}
		}
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", filepath.Base(file), err)
		}
		for _, so := range needed {
			if _, done := libs[so]; done {
				continue
			}
			real, ok := idx[so]
			if !ok {
				return nil, "", fmt.Errorf("%s needs %s, which none of the dependency packages ship", filepath.Base(file), so)
			}
			libs[so] = real
			queue = append(queue, real)
		}
	}
	if interp == "" {
		return nil, "", fmt.Errorf("no program interpreter in %v", bins)
	}
	if _, ok := idx[path.Base(interp)]; !ok {
		return nil, "", fmt.Errorf("interpreter %s is in none of the dependency packages", interp)
	}
	return libs, interp, nil
}

// libPackages walks the dependency graph from roots, following only library
// packages: dropbear's closure would otherwise drag in adduser, PAM and
// friends that merely share a Depends line with what the binaries link.
func libPackages(deps map[string][]string, roots []string) []string {
	isLib := func(p string) bool { return strings.HasPrefix(p, "lib") || strings.HasPrefix(p, "zlib") }
	seen := map[string]bool{}
	var out []string
	var visit func(string)
	visit = func(p string) {
		for _, d := range deps[p] {
			if !seen[d] && isLib(d) {
				seen[d] = true
				out = append(out, d)
				visit(d)
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	sort.Strings(out)
	return out
}
