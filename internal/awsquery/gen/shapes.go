package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// file is everything emit needs, resolved and sorted.
type file struct {
	Pkg, ModelPath string
	// JSON selects the awsjson runtime (json and rest-json models) over the
	// awsquery one (ec2 and query models).
	JSON                              bool
	SvcName, Protocol, APIVersion, NS string
	TargetPrefix                      string // awsJson only
	Structs                           []*goStruct
	Enums                             []*goEnum
	Ops                               []goOp
	Known                             []knownOp
	UsesTime                          bool
}

// knownOp is any operation of the model, with its HTTP binding.
type knownOp struct {
	Name, Method, RequestURI string
	ResponseCode             int
}

type goStruct struct {
	Shape, Name, Doc string
	Fields           []goField
}

type goField struct{ Name, Type, Tag string }

type goEnum struct {
	Shape  string
	Consts []goConst
}

type goConst struct{ Name, Value string }

type goOp struct{ Name, Input, Output, ResultWrapper string }

// resolver walks the shapes reachable from the listed operations.
type resolver struct {
	m        *model
	ec2      bool
	json     bool
	structs  map[string]bool
	enums    map[string]bool
	usesTime bool
	typeName map[string]string // shape name → Go type name
}

func resolve(m *model, ops []string) (*file, error) {
	f := &file{APIVersion: m.Metadata.APIVersion}
	switch m.Metadata.Protocol {
	case "ec2":
		f.Protocol = "EC2"
		f.NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
	case "query":
		f.Protocol = "Query"
		f.NS = m.Metadata.XMLNamespace
	case "json":
		f.JSON, f.Protocol, f.TargetPrefix = true, "JSON11", m.Metadata.TargetPrefix
		if m.Metadata.JSONVersion == "1.0" {
			f.Protocol = "JSON10"
		}
	case "rest-json":
		f.JSON, f.Protocol = true, "RESTJSON"
	default:
		return nil, fmt.Errorf("protocol %q is neither a query nor a JSON protocol", m.Metadata.Protocol)
	}
	if f.NS != "" && !strings.HasSuffix(f.NS, "/") {
		f.NS += "/"
	}
	f.SvcName = m.Metadata.SigningName
	if f.SvcName == "" {
		f.SvcName = m.Metadata.EndpointPrefix
	}
	r := &resolver{m: m, ec2: f.Protocol == "EC2", json: f.JSON, structs: map[string]bool{}, enums: map[string]bool{}}
	roles := map[string][]string{}
	for _, name := range slices.Sorted(slices.Values(ops)) {
		op := m.Operations[name]
		if op == nil {
			return nil, fmt.Errorf("operation %s is not in the model", name)
		}
		g := goOp{Name: name}
		if op.Input != nil {
			if err := r.walk(op.Input.Shape); err != nil {
				return nil, fmt.Errorf("%s input: %w", name, err)
			}
			g.Input = op.Input.Shape
			roles[op.Input.Shape] = append(roles[op.Input.Shape], "the input of "+name)
		}
		if op.Output != nil {
			if err := r.walk(op.Output.Shape); err != nil {
				return nil, fmt.Errorf("%s output: %w", name, err)
			}
			g.Output = op.Output.Shape
			g.ResultWrapper = op.Output.ResultWrapper
			roles[op.Output.Shape] = append(roles[op.Output.Shape], "the output of "+name)
		}
		f.Ops = append(f.Ops, g)
	}
	for _, name := range slices.Sorted(maps.Keys(m.Operations)) {
		h := m.Operations[name].HTTP
		f.Known = append(f.Known, knownOp{Name: name, Method: h.Method, RequestURI: h.RequestURI, ResponseCode: h.ResponseCode})
	}
	f.UsesTime = r.usesTime

	// Go names: the Service variable, then types (named as in the model; a
	// shape called Service would become Service_), then enum constants, each
	// made unique in that order.
	used := map[string]bool{"Service": true}
	r.typeName = map[string]string{}
	shapes := sortedKeys(r.structs)
	for _, s := range shapes {
		r.typeName[s] = unique(used, exportedIdent(s), "_")
	}
	for i := range f.Ops {
		f.Ops[i].Input = r.typeName[f.Ops[i].Input]
		f.Ops[i].Output = r.typeName[f.Ops[i].Output]
	}
	for _, s := range shapes {
		gs, err := r.goStruct(s, roles[s])
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", s, err)
		}
		f.Structs = append(f.Structs, gs)
	}
	for _, s := range sortedKeys(r.enums) {
		e := &goEnum{Shape: s}
		prefix := exportedIdent(s)
		for _, v := range m.Shapes[s].Enum {
			e.Consts = append(e.Consts, goConst{Name: unique(used, prefix+enumPart(v), "Value"), Value: v})
		}
		f.Enums = append(f.Enums, e)
	}
	return f, nil
}

// walk records every structure and enum reachable from shape name.
func (r *resolver) walk(name string) error {
	s := r.m.Shapes[name]
	if s == nil {
		return fmt.Errorf("shape %s is not in the model", name)
	}
	switch s.Type {
	case "structure":
		if r.structs[name] {
			return nil
		}
		r.structs[name] = true
		if r.json {
			if err := jsonBodyOnly(name, s); err != nil {
				return err
			}
		}
		for _, mem := range s.Members {
			if err := r.walk(mem.Ref.Shape); err != nil {
				return err
			}
		}
	case "list":
		return r.walk(s.Member.Shape)
	case "map":
		if k := r.m.Shapes[s.Key.Shape]; k == nil || k.Type != "string" {
			return fmt.Errorf("map %s: keys are not strings", name)
		}
		if err := r.walk(s.Key.Shape); err != nil {
			return err
		}
		return r.walk(s.Value.Shape)
	case "string":
		if len(s.Enum) > 0 {
			r.enums[name] = true
		}
	case "timestamp":
		r.usesTime = true
	}
	return nil
}

// jsonBodyOnly refuses what the awsjson codec does not implement: members
// bound to the URI, query string, headers or status code, a structure member
// that is the whole payload, and untyped documents. Refusing at generation
// time means an operation added to operations.txt either works or says why.
func jsonBodyOnly(name string, s *shape) error {
	if s.Document {
		return fmt.Errorf("shape %s is a document, which awsjson does not support", name)
	}
	if s.Payload != "" {
		return fmt.Errorf("shape %s sends member %s as the HTTP payload; awsjson supports JSON bodies only", name, s.Payload)
	}
	for _, mem := range s.Members {
		if mem.Ref.Location != "" {
			return fmt.Errorf("member %s of %s is bound to the %s; awsjson supports body members only", mem.Name, name, mem.Ref.Location)
		}
	}
	return nil
}

// goType returns the Go type of a reference; top-level members of scalar and
// structure shapes are pointers so that "not sent" differs from zero.
func (r *resolver) goType(ref *shapeRef, top bool) (string, error) {
	s := r.m.Shapes[ref.Shape]
	var base string
	switch s.Type {
	case "string":
		base = "string"
	case "integer":
		base = "int32"
	case "long":
		base = "int64"
	case "boolean":
		base = "bool"
	case "double", "float":
		base = "float64"
	case "timestamp":
		base = "time.Time"
	case "structure":
		base = r.typeName[ref.Shape]
	case "blob":
		return "[]byte", nil
	case "list", "map":
		inner := s.Member
		if s.Type == "map" {
			inner = s.Value
		}
		// A collection nested directly in a collection has no tag of its own, so
		// the codec uses default names for it; refuse models that set others.
		if in := r.m.Shapes[inner.Shape]; !r.json && (in.Type == "list" || in.Type == "map") {
			if in.Flattened || inner.Flattened || (in.Member != nil && in.Member.LocationName != "") ||
				(in.Key != nil && in.Key.LocationName != "") || (in.Value != nil && in.Value.LocationName != "") {
				return "", fmt.Errorf("nested collection %s has custom names", inner.Shape)
			}
		}
		elem, err := r.goType(inner, false)
		if err != nil {
			return "", err
		}
		if s.Type == "map" {
			return "map[string]" + elem, nil
		}
		return "[]" + elem, nil
	default:
		return "", fmt.Errorf("shape %s: type %q is not supported", ref.Shape, s.Type)
	}
	if top {
		return "*" + base, nil
	}
	return base, nil
}
