package awsquery

import (
	"fmt"
	"reflect"
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

// collNames holds the naming traits of a list or map. Fields take them from
// their tag; a list nested directly in a list has no tag and uses the defaults.
type collNames struct {
	flat   bool
	member string // list member locationName, "" if unset
	key    string // map key element, "key" if unset
	value  string // map value element, "value" if unset
}

var nestedNames = &collNames{key: "key", value: "value"}

// fieldPlan is one tagged struct field with every name precomputed per protocol.
type fieldPlan struct {
	index    int
	offset   uintptr // byte offset in the struct, for the encoder's nil fast path
	nilable  bool    // pointer, slice or map: unset when its first word is nil
	name     string  // model member name
	loc, qn  string
	required bool
	ts       string // timestampFormat, "" for the protocol default
	coll     collNames

	ec2Param, queryParam string // request parameter names
	ec2Elem, queryElem   string // response element names
	t                    *typePlan
}

// structPlan is the ordered field list of a struct plus lookups by request name.
type structPlan struct {
	fields   []*fieldPlan
	byEC2    map[string]*fieldPlan
	byQuery  map[string]*fieldPlan
	required []*fieldPlan
}

func (sp *structPlan) lookup(p Protocol, name string) *fieldPlan {
	if p == EC2 {
		return sp.byEC2[name]
	}
	return sp.byQuery[name]
}

var (
	// plans caches the *typePlan of the types handed to Decode and the writers.
	plans sync.Map
	// structPlans caches the *structPlan of every struct type met on the way.
	structPlans sync.Map
	// buildMu serialises plan construction so recursive types are built once.
	buildMu sync.Mutex

	timeType = reflect.TypeFor[time.Time]()
)

// planFor returns the cached plan of t, building it on first use. Reads are
// lock-free; only the first request for a type pays for tag parsing.
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
			return nil, fmt.Errorf("awsquery: pointer to %s is not a wire type", t)
		}
		p.kind = kindList
		if t.Kind() == reflect.Map {
			if t.Key().Kind() != reflect.String {
				return nil, fmt.Errorf("awsquery: map key of %s is not a string", t)
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
		return nil, fmt.Errorf("awsquery: %s is not a wire type", t)
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
	sp := &structPlan{byEC2: map[string]*fieldPlan{}, byQuery: map[string]*fieldPlan{}}
	building[t] = sp
	if err := buildFields(sp, t, building); err != nil {
		return nil, err
	}
	return sp, nil
}

func buildFields(sp *structPlan, t reflect.Type, building map[reflect.Type]*structPlan) error {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("aws")
		if !ok || !sf.IsExported() {
			continue
		}
		f, err := parseTag(tag)
		if err != nil {
			return fmt.Errorf("awsquery: %s.%s: %w", t, sf.Name, err)
		}
		f.index, f.offset = i, sf.Offset
		if f.t, err = buildType(sf.Type, building); err != nil {
			return err
		}
		switch sf.Type.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			f.nilable = true
		}
		f.resolveNames()
		// The first field wins a name clash; the generator refuses to emit one.
		if _, dup := sp.byEC2[f.ec2Param]; !dup {
			sp.byEC2[f.ec2Param] = f
		}
		if _, dup := sp.byQuery[f.queryParam]; !dup {
			sp.byQuery[f.queryParam] = f
		}
		sp.fields = append(sp.fields, f)
		if f.required {
			sp.required = append(sp.required, f)
		}
	}
	return nil
}
