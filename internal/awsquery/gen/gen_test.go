package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestExportedIdent(t *testing.T) {
	for in, want := range map[string]string{
		"KeyPairInfo": "KeyPairInfo",
		"arn":         "Arn",
		"summaryMap":  "SummaryMap",
		"2fa":         "X2fa",
		"a-b.c":       "A_b_c",
		"_x":          "X_x",
		"":            "X",
	} {
		if got := exportedIdent(in); got != want {
			t.Errorf("exportedIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEnumPart(t *testing.T) {
	for in, want := range map[string]string{
		"t2.micro":      "T2Micro",
		"shutting-down": "ShuttingDown",
		"x86_64":        "X8664",
		"Linux/UNIX":    "LinuxUNIX",
		"":              "Empty",
	} {
		if got := enumPart(in); got != want {
			t.Errorf("enumPart(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadOps(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "operations.txt")
	os.WriteFile(path, []byte("# c\nB\n\n  A # trailing\n"), 0o644)
	ops, err := readOps(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"B", "A"}, ops); diff != "" {
		t.Errorf("ops (-want +got):\n%s", diff)
	}
	os.WriteFile(path, []byte("A\nA\n"), 0o644)
	if _, err := readOps(path); err == nil {
		t.Error("duplicate operation accepted")
	}
}

// TestGeneratedUpToDate regenerates every service package and compares with the
// checked-in file, so a stale zz_generated.go or an edit by hand fails CI.
func TestGeneratedUpToDate(t *testing.T) {
	sdk, err := moduleDir("github.com/aws/aws-sdk-go")
	if err != nil {
		t.Fatalf("the aws-sdk-go models are needed: %v", err)
	}
	gen := regexp.MustCompile(`//go:generate go run (?:\.\./)+(?:awsquery/)?gen -model (\S+)`)
	queryDirs, _ := filepath.Glob("../*api")
	jsonDirs, _ := filepath.Glob("../../awsjson/*api")
	if len(queryDirs) == 0 || len(jsonDirs) == 0 {
		t.Fatalf("service packages not found: query %v, json %v", queryDirs, jsonDirs)
	}
	dirs := append(queryDirs, jsonDirs...)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			doc, err := os.ReadFile(filepath.Join(dir, "doc.go"))
			if err != nil {
				t.Fatal(err)
			}
			m := gen.FindSubmatch(doc)
			if m == nil {
				t.Fatal("doc.go has no //go:generate line")
			}
			out := filepath.Join(t.TempDir(), "zz_generated.go")
			if err := run(string(m[1]), sdk, filepath.Join(dir, "operations.txt"), out, filepath.Base(dir)); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(out)
			want, _ := os.ReadFile(filepath.Join(dir, "zz_generated.go"))
			if !bytes.Equal(got, want) {
				t.Errorf("%s/zz_generated.go is stale: run go generate ./internal/awsquery/...", dir)
			}
		})
	}
}

// jsonModel is a small rest-json model; mutate patches its shapes per case.
func jsonModel(t *testing.T, protocol string, mutate func(shapes map[string]any)) *model {
	t.Helper()
	shapes := map[string]any{
		"In": map[string]any{"type": "structure", "required": []string{"id"}, "members": map[string]any{
			"id":    map[string]any{"shape": "S"},
			"when":  map[string]any{"shape": "T", "timestampFormat": "iso8601"},
			"names": map[string]any{"shape": "L", "locationName": "nameList"},
		}},
		"Out": map[string]any{"type": "structure", "members": map[string]any{"at": map[string]any{"shape": "T"}}},
		"S":   map[string]any{"type": "string"},
		"T":   map[string]any{"type": "timestamp"},
		"L":   map[string]any{"type": "list", "member": map[string]any{"shape": "S", "locationName": "item"}, "flattened": true},
	}
	if mutate != nil {
		mutate(shapes)
	}
	raw, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"protocol": protocol, "apiVersion": "2020-01-01", "signingName": "svc", "jsonVersion": "1.0", "targetPrefix": "Svc_2020"},
		"operations": map[string]any{
			"Do":    map[string]any{"name": "Do", "http": map[string]any{"method": "POST", "requestUri": "/do", "responseCode": 201}, "input": map[string]any{"shape": "In"}, "output": map[string]any{"shape": "Out"}},
			"Other": map[string]any{"name": "Other", "http": map[string]any{"method": "GET", "requestUri": "/other/{id}"}},
		},
		"shapes": shapes,
	})
	if err != nil {
		t.Fatal(err)
	}
	var m model
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func TestResolveJSON(t *testing.T) {
	f, err := resolve(jsonModel(t, "rest-json", nil), []string{"Do"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.JSON || f.Protocol != "RESTJSON" || f.TargetPrefix != "" {
		t.Errorf("file %+v", f)
	}
	want := []knownOp{{"Do", "POST", "/do", 201}, {"Other", "GET", "/other/{id}", 0}}
	if diff := cmp.Diff(want, f.Known); diff != "" {
		t.Errorf("known (-want +got):\n%s", diff)
	}
	// JSON tags carry the JSON key and timestamp format, none of the XML
	// traits (the list's flattened and member locationName).
	var tags []string
	for _, s := range f.Structs {
		for _, fl := range s.Fields {
			tags = append(tags, s.Name+"."+fl.Name+" "+fl.Type+" "+fl.Tag)
		}
	}
	wantTags := []string{
		`In.Id *string aws:"id,req"`,
		`In.Names []string aws:"names,loc=nameList"`, // json.Marshal sorted the members
		`In.When *time.Time aws:"when,ts=iso8601"`,
		`Out.At *time.Time aws:"at"`,
	}
	if diff := cmp.Diff(wantTags, tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	f.Pkg = "svcapi"
	src, err := emit(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"github.com/kumo-cloud/kumo/internal/awsjson"`, "Protocol:   awsjson.RESTJSON",
		`{Method: "POST", RequestURI: "/do", ResponseCode: 201}`, "NewInput:  func() any { return new(In) }"} {
		if !bytes.Contains(src, []byte(s)) {
			t.Errorf("generated code lacks %s:\n%s", s, src)
		}
	}

	f, err = resolve(jsonModel(t, "json", nil), []string{"Do"})
	if err != nil || f.Protocol != "JSON10" || f.TargetPrefix != "Svc_2020" {
		t.Errorf("json model: %+v %v", f, err)
	}
}

func TestResolveJSONRefusesNonBodyBindings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(map[string]any)
		want   string
	}{
		{"uri label", func(s map[string]any) {
			s["In"].(map[string]any)["members"].(map[string]any)["id"] = map[string]any{"shape": "S", "location": "uri", "locationName": "id"}
		}, "member id of In is bound to the uri"},
		{"header", func(s map[string]any) {
			s["Out"].(map[string]any)["members"].(map[string]any)["at"] = map[string]any{"shape": "S", "location": "header", "locationName": "X-At"}
		}, "bound to the header"},
		{"payload", func(s map[string]any) { s["Out"].(map[string]any)["payload"] = "at" }, "as the HTTP payload"},
		{"document", func(s map[string]any) {
			s["Out"].(map[string]any)["members"].(map[string]any)["doc"] = map[string]any{"shape": "D"}
			s["D"] = map[string]any{"type": "structure", "document": true}
		}, "is a document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := resolve(jsonModel(t, "rest-json", tc.mutate), []string{"Do"})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("resolve = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
