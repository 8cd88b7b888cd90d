package awsquery

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"

	"github.com/kumo-cloud/kumo/internal/awserr"
)

// Limits that keep a hostile request from costing more than a large honest one.
const (
	maxParams    = 10000 // parameters per request
	maxListIndex = 10000 // highest accepted list index
	maxDepth     = 64    // dot-separated segments per parameter name
)

// node is one segment of the parameter-name tree: "Filter.1.Value.2=x" becomes
// root → Filter → 1 → Value → 2 (val x). Decoding walks this tree against the
// struct plan, so list indexes can arrive in any order and with gaps.
type node struct {
	val  string
	has  bool
	kids map[string]*node
}

// sortedKids returns the child names in order, so that the first error reported
// for a request does not depend on map iteration.
func (n *node) sortedKids() []string {
	if n == nil || len(n.kids) == 0 {
		return nil
	}
	names := make([]string, 0, len(n.kids))
	for k := range n.kids {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Decode fills in, a pointer to a generated input struct, from the request
// parameters of protocol p. The caller has already removed Action, Version and
// the X-Amz-* presign parameters. Any error is an *awserr.Error: UnknownParameter,
// MissingParameter or InvalidParameterValue for bad requests, InternalError when
// in is not a pointer to a wire struct.
func Decode(p Protocol, params url.Values, in any) error {
	if err := decode(p, params, in); err != nil {
		return err
	}
	return nil
}

func decode(p Protocol, params url.Values, in any) *awserr.Error {
	rv := reflect.ValueOf(in)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return awserr.New(http.StatusInternalServerError, "InternalError", "awsquery: cannot decode into %T", in)
	}
	tp, err := planFor(rv.Type().Elem())
	if err != nil {
		return awserr.New(http.StatusInternalServerError, "InternalError", "%v", err)
	}
	if len(params) > maxParams {
		return awserr.InvalidParameterValue("The request has %d parameters; at most %d are allowed.", len(params), maxParams)
	}
	root, aerr := buildTree(params)
	if aerr != nil {
		return aerr
	}
	d := decoder{p: p}
	return d.structure(root, "", tp.st, rv.Elem())
}

// buildTree splits every parameter name on dots into the node tree.
func buildTree(params url.Values) (*node, *awserr.Error) {
	root := &node{}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if key == "" || strings.Count(key, ".") >= maxDepth {
			return nil, awserr.UnknownParameter(echo(key))
		}
		n := root
		for seg := range strings.SplitSeq(key, ".") {
			if seg == "" {
				return nil, awserr.UnknownParameter(echo(key))
			}
			kid := n.kids[seg]
			if kid == nil {
				if n.kids == nil {
					n.kids = map[string]*node{}
				}
				kid = &node{}
				n.kids[seg] = kid
			}
			n = kid
		}
		// A repeated name keeps its first value, as url.Values.Get does.
		if vals := params[key]; len(vals) > 0 {
			n.val = vals[0]
		}
		n.has = true
	}
	return root, nil
}

type decoder struct{ p Protocol }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) structure(n *node, path string, sp *structPlan, v reflect.Value) *awserr.Error {
	for _, name := range n.sortedKids() {
		f := sp.lookup(d.p, name)
		if f == nil {
			return awserr.UnknownParameter(echo(join(path, name)))
		}
		if err := d.value(n.kids[name], join(path, name), f.t, &f.coll, v.Field(f.index)); err != nil {
			return err
		}
	}
	// Required members are checked only in structures that were sent at all,
	// which is how AWS treats optional structures with required children.
	for _, f := range sp.required {
		if isUnset(v.Field(f.index)) {
			name := f.ec2Param
			if d.p != EC2 {
				name = f.queryParam
			}
			return awserr.MissingParameter(echo(join(path, name)))
		}
	}
	return nil
}

func isUnset(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}

// value decodes node n into v, whose type tp describes.
func (d *decoder) value(n *node, path string, tp *typePlan, names *collNames, v reflect.Value) *awserr.Error {
	switch tp.kind {
	case kindStruct:
		// "Name=" alone is an empty structure; a non-empty value has no place.
		if n.has && n.val != "" {
			return awserr.UnknownParameter(echo(path))
		}
		if tp.ptr {
			v.Set(reflect.New(tp.typ))
			v = v.Elem()
		}
		return d.structure(n, path, tp.st, v)
	case kindList:
		return d.list(n, path, tp, names, v)
	case kindMap:
		return d.mapping(n, path, tp, names, v)
	}
	if kids := n.sortedKids(); len(kids) > 0 {
		return awserr.UnknownParameter(echo(join(path, kids[0])))
	}
	return d.scalar(n.val, path, tp, v)
}

// container checks the value of a list or map node and steps into its wrapper
// element ("member", "entry") when the protocol uses one. The SDKs send
// "Name=" for an empty query list, so an empty value is accepted.
func (d *decoder) container(n *node, path, wrapper string) (*node, string, *awserr.Error) {
	if n.has && n.val != "" {
		return nil, "", awserr.UnknownParameter(echo(path))
	}
	if wrapper == "" {
		return n, path, nil
	}
	for _, k := range n.sortedKids() {
		if k != wrapper {
			return nil, "", awserr.UnknownParameter(echo(join(path, k)))
		}
	}
	inner := n.kids[wrapper]
	path = join(path, wrapper)
	if inner != nil && inner.has {
		return nil, "", awserr.UnknownParameter(echo(path))
	}
	return inner, path, nil
}
