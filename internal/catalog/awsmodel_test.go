package catalog

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The checks in this file hold the catalog against the AWS SDK data that
// go.mod already pins: the EC2 API model's InstanceType enum and the
// partition file naming the commercial regions.

// moduleDir returns the module cache directory of a module in the build
// list, downloading it (as go.sum pins it) if the cache lacks it. go test
// puts its own go command first on PATH.
func moduleDir(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if dir := strings.TrimSpace(string(out)); err == nil && dir != "" {
		return dir
	}
	out, err = exec.Command("go", "mod", "download", "-json", path).Output()
	if err != nil {
		t.Fatalf("locate module %s: go mod download: %v", path, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		t.Fatalf("locate module %s: no directory in %q", path, out)
	}
	return m.Dir
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
}

func TestNamesInEC2Model(t *testing.T) {
	dir := moduleDir(t, "github.com/aws/aws-sdk-go")
	var model struct {
		Shapes struct {
			InstanceType struct {
				Enum []string `json:"enum"`
			} `json:"InstanceType"`
		} `json:"shapes"`
	}
	readJSON(t, filepath.Join(dir, "models", "apis", "ec2", "2016-11-15", "api-2.json"), &model)
	valid := map[string]bool{}
	for _, n := range model.Shapes.InstanceType.Enum {
		valid[n] = true
	}
	if len(valid) < 500 {
		t.Fatalf("model lists only %d instance types; wrong file?", len(valid))
	}
	for _, it := range InstanceTypes() {
		if !valid[it.Name] {
			t.Errorf("%s is not an instance type in the EC2 API model", it.Name)
		}
	}
}

func TestRegionsInSDKPartition(t *testing.T) {
	dir := moduleDir(t, "github.com/aws/aws-sdk-go-v2")
	var file struct {
		Partitions []struct {
			ID      string `json:"id"`
			Regions map[string]struct {
				Description string `json:"description"`
			} `json:"regions"`
		} `json:"partitions"`
	}
	readJSON(t, filepath.Join(dir, "internal", "endpoints", "awsrulesfn", "partitions.json"), &file)
	for _, p := range file.Partitions {
		if p.ID != "aws" {
			continue
		}
		for _, r := range Regions() {
			sdk, ok := p.Regions[r.Name]
			if !ok {
				t.Errorf("%s is not a region of the aws partition", r.Name)
			} else if sdk.Description != r.Description {
				t.Errorf("%s description %q, SDK says %q", r.Name, r.Description, sdk.Description)
			}
		}
		return
	}
	t.Fatal("no aws partition in partitions.json")
}
