package awsjson

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
)

// kind is the wire kind of a Go type, derived once from reflection.
type kind uint8

const (
	kindString kind = iota + 1
	kindBool
	kindInt32
	kindInt64
	kindFloat64
	kindTime
	kindBlob
	kindStruct
	kindList
	kindMap
)

// typePlan describes how values of one Go type travel on the wire.
type typePlan struct {
	kind kind
	ptr  bool         // the Go value is a pointer to the value proper
	typ  reflect.Type // the value type after dereferencing ptr
	elem *typePlan    // list element or map value
	st   *structPlan  // kindStruct only
}

// fieldPlan is one tagged struct field.
type fieldPlan struct {
	index    int
	name     string // model member name
	key      string // JSON key: locationName, else the member name
	required bool
	ts       string // timestampFormat, "" for epoch seconds
	t        *typePlan
}

// structPlan is the ordered field list of a struct plus a lookup by JSON key.
type structPlan struct {
	fields   []*fieldPlan
	byKey    map[string]*fieldPlan
	required []*fieldPlan
}

var (
	// plans caches the *typePlan of the types handed to Decode and Encode.
	plans sync.Map
	// structPlans caches the *structPlan of every struct type met on the way.
	structPlans sync.Map
	// buildMu serialises plan construction so recursive types are built once.
	buildMu sync.Mutex

	timeType = reflect.TypeFor[time.Time]()
)

// planFor returns the cached plan of t, building it on first use.
func planFor(t reflect.Type) (*typePlan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan), nil
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	building := map[reflect.Type]*structPlan{}
	p, err := buildType(t, building)
	if err != nil {
		return nil, err
	}
	for bt, sp := range building {
		structPlans.Store(bt, sp)
	}
	plans.Store(t, p)
	return p, nil
}

func buildType(t reflect.Type, building map[reflect.Type]*structPlan) (*typePlan, error) {
	p := &typePlan{typ: t}
	if t.Kind() == reflect.Pointer {
		p.ptr = true
		t = t.Elem()
		p.typ = t
	}
	switch {
	case t == timeType:
		p.kind = kindTime
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		p.kind = kindBlob
	case t.Kind() == reflect.String:
		p.kind = kindString
	case t.Kind() == reflect.Bool:
		p.kind = kindBool
	case t.Kind() == reflect.Int32:
		p.kind = kindInt32
	case t.Kind() == reflect.Int64:
		p.kind = kindInt64
	case t.Kind() == reflect.Float64:
		p.kind = kindFloat64
	case t.Kind() == reflect.Slice, t.Kind() == reflect.Map:
		if p.ptr {
			return nil, fmt.Errorf("awsjson: pointer to %s is not a wire type", t)
		}
		p.kind = kindList
		if t.Kind() == reflect.Map {
			if t.Key().Kind() != reflect.String {
				return nil, fmt.Errorf("awsjson: map key of %s is not a string", t)
			}
			p.kind = kindMap
		}
		elem, err := buildType(t.Elem(), building)
		if err != nil {
			return nil, err
		}
		p.elem = elem
	case t.Kind() == reflect.Struct:
		p.kind = kindStruct
		sp, err := buildStruct(t, building)
		if err != nil {
			return nil, err
		}
		p.st = sp
	default:
		return nil, fmt.Errorf("awsjson: %s is not a wire type", t)
	}
	return p, nil
}

func buildStruct(t reflect.Type, building map[reflect.Type]*structPlan) (*structPlan, error) {
	if sp, ok := structPlans.Load(t); ok {
		return sp.(*structPlan), nil
	}
	if sp, ok := building[t]; ok {
		return sp, nil // a recursive shape: its fields are being filled in further up
	}
	sp := &structPlan{byKey: map[string]*fieldPlan{}}
	building[t] = sp
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("aws")
		if !ok || !sf.IsExported() {
			continue
		}
		f, err := parseTag(tag)
		if err != nil {
			return nil, fmt.Errorf("awsjson: %s.%s: %w", t, sf.Name, err)
		}
		f.index = i
		if f.t, err = buildType(sf.Type, building); err != nil {
			return nil, err
		}
		if _, dup := sp.byKey[f.key]; dup {
			return nil, fmt.Errorf("awsjson: %s: two fields have the JSON key %q", t, f.key)
		}
		sp.byKey[f.key] = f
		sp.fields = append(sp.fields, f)
		if f.required {
			sp.required = append(sp.required, f)
		}
	}
	return sp, nil
}

// parseTag reads the "aws" tag format of the package comment. The options of
// the query protocols (qn, flat, member, …) are refused: a struct carrying
// them was generated for another protocol.
func parseTag(tag string) (*fieldPlan, error) {
	parts := strings.Split(tag, ",")
	f := &fieldPlan{name: parts[0], key: parts[0]}
	if f.name == "" {
		return nil, fmt.Errorf("empty member name in tag %q", tag)
	}
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(opt, "=")
		switch k {
		case "loc":
			f.key = v
		case "req":
			f.required = true
		case "ts":
			switch v {
			case "unixTimestamp", "iso8601", "rfc822":
				f.ts = v
			default:
				return nil, fmt.Errorf("unknown timestampFormat %q in tag %q", v, tag)
			}
		default:
			return nil, fmt.Errorf("option %q of tag %q is not one of the JSON protocols", k, tag)
		}
	}
	return f, nil
}
