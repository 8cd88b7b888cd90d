package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

const (
	startTimeout = 60 * time.Second // embedded etcd on a slow disk takes a while
	stopTimeout  = 10 * time.Second // then SIGKILL
)

// server is a `kumo serve` child process with its own temporary data dir.
type server struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd.Wait returns
	waitErr error         // valid after exited is closed
	tmp     string        // data dir and log, removed by stop
	dataDir string        // kumo's --data-dir, under tmp
	logPath string

	url          string
	accessKeyID  string
	secretAccess string
}

var servingLine = regexp.MustCompile(`^# Kumo is serving the EC2 API at (\S+) `)

// startServer runs `kumo serve` with extra flags added and returns once it
// has printed its credentials and answers its health check. On error nothing
// is left behind.
func startServer(ctx context.Context, kumo string, logLevel string, extra ...string) (_ *server, err error) {
	if _, err := os.Stat(kumo); err != nil {
		return nil, fmt.Errorf("start kumo: %w (run `make build` first, or pass -kumo)", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, fmt.Errorf("start kumo: %w", err)
	}
	tmp, err := os.MkdirTemp("", "kumo-bench-")
	if err != nil {
		return nil, fmt.Errorf("start kumo: %w", err)
	}
	s := &server{tmp: tmp, dataDir: filepath.Join(tmp, "data"), logPath: filepath.Join(tmp, "kumo.log"), exited: make(chan struct{})}
	defer func() {
		if err != nil {
			_ = s.stop()
		}
	}()

	logFile, err := os.Create(s.logPath)
	if err != nil {
		return nil, fmt.Errorf("start kumo: %w", err)
	}
	defer logFile.Close() // the child holds its own descriptor
	s.cmd = exec.Command(kumo, append([]string{"serve",
		"--listen", addr,
		"--data-dir", s.dataDir,
		"--throttle=false", // AWS-style rate limits would cap the throughput rows
		"--log-level", logLevel,
	}, extra...)...)
	s.cmd.Stderr = logFile
	s.cmd.SysProcAttr = childSysProcAttr()
	// An os.Pipe rather than StdoutPipe: Wait would close StdoutPipe's reader
	// under readStdout, which must drain until kumo exits.
	stdout, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start kumo: %w", err)
	}
	s.cmd.Stdout = w
	err = s.cmd.Start()
	w.Close()
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("start kumo: %w", err)
	}

	ready := make(chan struct{})
	go s.readStdout(stdout, ready)
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-ready:
	case <-s.exited:
		return nil, fmt.Errorf("start kumo: exited before serving (%v); log:\n%s", s.waitErr, s.logTail())
	case <-timer.C:
		return nil, fmt.Errorf("start kumo: not serving after %s; log:\n%s", startTimeout, s.logTail())
	case <-ctx.Done():
		return nil, fmt.Errorf("start kumo: %w", ctx.Err())
	}
	if err := s.waitHealthy(ctx); err != nil {
		return nil, fmt.Errorf("start kumo: %w; log:\n%s", err, s.logTail())
	}
	return s, nil
}

// readStdout picks the URL and credentials out of the banner kumo prints
// once it serves, closes ready when it has all three, and then keeps
// draining so the child never blocks on a full pipe.
func (s *server) readStdout(r io.ReadCloser, ready chan<- struct{}) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	signalled := false
	for sc.Scan() {
		line := sc.Text()
		if signalled {
			continue
		}
		if m := servingLine.FindStringSubmatch(line); m != nil {
			s.url = m[1]
		} else if v, ok := strings.CutPrefix(line, "export AWS_ACCESS_KEY_ID="); ok {
			s.accessKeyID = v
		} else if v, ok := strings.CutPrefix(line, "export AWS_SECRET_ACCESS_KEY="); ok {
			s.secretAccess = v
		}
		if s.url != "" && s.accessKeyID != "" && s.secretAccess != "" {
			signalled = true
			close(ready)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

func (s *server) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/_kumo/health", nil)
		if err != nil {
			return fmt.Errorf("health check: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("health check: %w", ctx.Err())
		case <-s.exited:
			return fmt.Errorf("health check: kumo exited (%v)", s.waitErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("health check: GET %s/_kumo/health: %v", s.url, last)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// stop terminates kumo gracefully (SIGTERM, then SIGKILL after stopTimeout)
// and removes its data dir. It is safe on a half-started server.
func (s *server) stop() error {
	var errs []error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(stopTimeout):
				_ = s.cmd.Process.Kill()
				<-s.exited
				errs = append(errs, fmt.Errorf("kumo did not stop within %s; killed", stopTimeout))
			}
		}
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", s.tmp, err))
	}
	return errors.Join(errs...)
}

// logTail returns the last lines of kumo's log, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "  (no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "  " + strings.Join(lines, "\n  ")
}

// freeLoopbackAddr asks the kernel for a free port. Another process could
// take it before kumo binds it; on a benchmark machine that is rare enough.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
