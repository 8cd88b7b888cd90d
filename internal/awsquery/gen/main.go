// Command gen writes the wire types of one AWS service from its official
// model: a Go struct per structure shape reachable from the operations kumo
// implements, enum constants, and the Service value that ties operation names
// to them. Query models (ec2, query) get an awsquery.Service and live under
// internal/awsquery/<svc>api; JSON models (json, rest-json) get an
// awsjson.Service and live under internal/awsjson/<svc>api. The structs are
// the same for both, down to the "aws" tag, which carries only the traits the
// protocol's codec reads.
//
// It runs from a //go:generate line in the service package's doc.go, whose
// directory holds operations.txt (one operation per line, # comments) and
// receives zz_generated.go:
//
//	//go:generate go run ../gen -model models/apis/ec2/2016-11-15/api-2.json
//	//go:generate go run ../../awsquery/gen -model models/apis/ce/2017-10-25/api-2.json
//
// The model path is relative to the github.com/aws/aws-sdk-go module, located
// with "go list -m" so the version pinned in go.mod decides the model.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	modelPath := flag.String("model", "", "model path relative to the aws-sdk-go module, e.g. models/apis/ec2/2016-11-15/api-2.json")
	sdkDir := flag.String("sdk", "", "aws-sdk-go module directory (default: from go list -m)")
	opsPath := flag.String("ops", "operations.txt", "operations list")
	outPath := flag.String("out", "zz_generated.go", "output file")
	pkg := flag.String("pkg", os.Getenv("GOPACKAGE"), "package name (default: $GOPACKAGE)")
	flag.Parse()
	if err := run(*modelPath, *sdkDir, *opsPath, *outPath, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "awsquery/gen:", err)
		os.Exit(1)
	}
}

func run(modelPath, sdkDir, opsPath, outPath, pkg string) error {
	if modelPath == "" || pkg == "" {
		return fmt.Errorf("-model and -pkg (or $GOPACKAGE) are required")
	}
	if sdkDir == "" {
		var err error
		if sdkDir, err = moduleDir("github.com/aws/aws-sdk-go"); err != nil {
			return err
		}
	}
	m, err := loadModel(filepath.Join(sdkDir, modelPath))
	if err != nil {
		return err
	}
	ops, err := readOps(opsPath)
	if err != nil {
		return err
	}
	f, err := resolve(m, ops)
	if err != nil {
		return err
	}
	f.Pkg, f.ModelPath = pkg, filepath.ToSlash(modelPath)
	src, err := emit(f)
	if err != nil {
		return err
	}
	return os.WriteFile(outPath, src, 0o644)
}

// moduleDir asks the go command where a module of the build list lives.
// go generate puts $GOROOT/bin first on PATH, so "go" is the running toolchain.
func moduleDir(path string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	if err != nil {
		return "", fmt.Errorf("locate %s: %w", path, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("locate %s: not downloaded (run go mod download %s)", path, path)
	}
	return dir, nil
}

// readOps reads one operation name per line; blank lines and # comments are
// skipped, duplicates refused so a typo'd merge shows up.
func readOps(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ops []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if seen[line] {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, n, line)
		}
		seen[line] = true
		ops = append(ops, line)
	}
	return ops, sc.Err()
}
