package imds

import (
	"context"
	"net/http"
	"slices"
	"strings"
)

// node is one entry of the metadata tree: a *dir, subdir, text, blob or lazy.
type node interface{ isNode() }

// dir is a listing. Its children are listed in order, directories with a
// trailing slash unless bare is set: EC2 lists the version roots ("latest",
// "meta-data") without slashes, and clients rely on that not changing.
type dir struct {
	entries []entry
	bare    bool
}

// entry names a child. label, when set, is what the listing shows instead
// of the name: public-keys/ lists "0=my-key" for the child "0".
type entry struct {
	name  string
	label string
	n     node
}

// subdir is a directory built only when a request goes into it, so that
// reading instance-id does not render and sign the identity document.
type subdir func() *dir

// text is a plain value.
type text string

// blob is raw bytes served as application/octet-stream (user-data).
type blob []byte

// lazy is a value that costs something to produce (credentials, signatures),
// computed only when it is read.
type lazy func(ctx context.Context) ([]byte, error)

func (*dir) isNode()   {}
func (subdir) isNode() {}
func (text) isNode()   {}
func (blob) isNode()   {}
func (lazy) isNode()   {}

// add appends a child and returns d, so trees read top-down.
func (d *dir) add(name string, n node) *dir {
	d.entries = append(d.entries, entry{name: name, n: n})
	return d
}

func (d *dir) child(name string) node {
	for _, e := range d.entries {
		if e.name == name {
			return e.n
		}
	}
	return nil
}

func (d *dir) listing() []byte {
	var b strings.Builder
	for i, e := range d.entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		if e.label != "" {
			b.WriteString(e.label)
			continue
		}
		b.WriteString(e.name)
		if isDir(e.n) && !d.bare {
			b.WriteByte('/')
		}
	}
	return []byte(b.String())
}

func isDir(n node) bool {
	switch n.(type) {
	case *dir, subdir:
		return true
	}
	return false
}

// lines joins values one per line, as EC2 lists security groups and
// addresses.
func lines(vs []string) text { return text(strings.Join(vs, "\n")) }

// resolve walks path from root. Empty segments are skipped, so "a//b" and
// "a/b/" find the same node as "a/b".
func resolve(root *dir, path string) node {
	var n node = root
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			continue
		}
		d, ok := expand(n).(*dir)
		if !ok {
			return nil
		}
		if n = d.child(seg); n == nil {
			return nil
		}
	}
	return expand(n)
}

func expand(n node) node {
	if sd, ok := n.(subdir); ok {
		return sd()
	}
	return n
}

// serveTree answers a read of the metadata tree.
func (s *Server) serveTree(w http.ResponseWriter, r *http.Request, inst *Instance) {
	ver, rest, _ := strings.Cut(strings.TrimLeft(r.URL.Path, "/"), "/")
	if ver == "" {
		writeText(w, versionList)
		return
	}
	if !slices.Contains(versions, ver) {
		writeError(w, http.StatusNotFound)
		return
	}
	switch n := resolve(s.versionDir(inst), rest).(type) {
	case *dir:
		writeText(w, n.listing())
	case text:
		writeText(w, []byte(n))
	case blob:
		writeBody(w, "application/octet-stream", n)
	case lazy:
		b, err := n(r.Context())
		if err != nil {
			s.log.Error("imds read", "instance_id", inst.InstanceID, "path", r.URL.Path, "err", err)
			writeError(w, http.StatusInternalServerError)
			return
		}
		writeText(w, b)
	default:
		writeError(w, http.StatusNotFound)
	}
}

// versions are the API versions EC2 lists at "/". Every one serves the
// current tree: clients probe a few and use whichever answers, and a newer
// tree is a superset of what they expect.
var versions = []string{
	"1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15",
	"2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01", "2011-05-01",
	"2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20", "2016-04-19",
	"2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17", "2018-09-24",
	"2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23", "2021-07-15",
	"2022-09-24", "2024-04-11", "latest",
}

var versionList = []byte(strings.Join(versions, "\n"))

// versionDir builds the tree under a version for one request. Building per
// request means it always shows the instance as Lookup returned it; the
// subtrees are built only when the request goes into them.
func (s *Server) versionDir(inst *Instance) *dir {
	ver := &dir{bare: true}
	ver.add("dynamic", subdir(func() *dir { return s.dynamicDir(inst) }))
	ver.add("meta-data", subdir(func() *dir { return s.metaDataDir(inst) }))
	if inst.UserData != nil {
		ver.add("user-data", blob(inst.UserData))
	}
	return ver
}
