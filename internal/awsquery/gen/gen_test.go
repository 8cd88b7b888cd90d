package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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
	gen := regexp.MustCompile(`//go:generate go run \.\./gen -model (\S+)`)
	dirs, _ := filepath.Glob("../*api")
	if len(dirs) == 0 {
		t.Fatal("no service packages found")
	}
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
