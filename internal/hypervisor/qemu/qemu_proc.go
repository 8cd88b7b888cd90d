package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// process is a handle on a QEMU process we did not fork: QEMU daemonizes,
// so it is never our child and cannot be waited for. A pidfd both tells us
// when it exits (it turns readable, through the runtime poller: no thread
// blocks) and lets us signal it without racing PID reuse.
type process struct {
	pid    int
	pidfd  *os.File      // nil on kernels without pidfd_open (< 5.3)
	exited chan struct{} // closed when the process has exited

	releaseOnce sync.Once
	released    chan struct{}
}

// openProcess takes a handle on pid and checks, through that handle, that
// it is the QEMU of instance id; otherwise it returns errNotOurs. The handle
// is taken before the check so a PID reused after the check cannot be
// mistaken for ours later.
func openProcess(pid int, id string) (*process, error) {
	p := &process{pid: pid, exited: make(chan struct{}), released: make(chan struct{})}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	switch {
	case errors.Is(err, unix.ESRCH):
		return nil, errNotOurs
	case errors.Is(err, unix.ENOSYS):
		// Old kernel: fall back to polling /proc below.
	case err != nil:
		return nil, fmt.Errorf("pidfd_open %d: %w", pid, err)
	default:
		p.pidfd = os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(pid))
	}
	if !ownsProcess(pid, id) {
		p.close()
		return nil, errNotOurs
	}
	go p.watch()
	return p, nil
}

var errNotOurs = errors.New("no qemu process for this instance")

// watch closes exited once the process is gone.
func (p *process) watch() {
	if p.pidfd != nil {
		rc, err := p.pidfd.SyscallConn()
		if err == nil {
			err = rc.Read(func(fd uintptr) bool {
				pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
				n, _ := unix.Poll(pfd, 0)
				return n > 0
			})
		}
		if err == nil || !alive(p.pid) {
			close(p.exited)
		}
		return
	}
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.released:
			return
		case <-t.C:
			if !alive(p.pid) {
				close(p.exited)
				return
			}
		}
	}
}

// wait blocks until the process exits or ctx ends.
func (p *process) wait(ctx context.Context) error {
	select {
	case <-p.exited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// kill sends SIGKILL. Through the pidfd it cannot hit a reused PID; without
// one, the cmdline was checked when the handle was opened.
func (p *process) kill() error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	var err error
	if p.pidfd != nil {
		// Control, not Fd: Fd would switch the pidfd to blocking mode
		// under the poller that watch relies on.
		rc, cerr := p.pidfd.SyscallConn()
		if cerr != nil {
			return cerr
		}
		cerr = rc.Control(func(fd uintptr) {
			err = unix.PidfdSendSignal(int(fd), unix.SIGKILL, nil, 0)
		})
		if cerr != nil {
			return cerr
		}
	} else {
		err = syscall.Kill(p.pid, syscall.SIGKILL)
	}
	if errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// release stops watching without waiting for the process.
func (p *process) release() {
	p.releaseOnce.Do(func() {
		close(p.released)
		p.close()
	})
}

func (p *process) close() {
	if p.pidfd != nil {
		p.pidfd.Close() // wakes watch's Read
	}
}

// alive reports whether pid is a live process. A zombie is dead: QEMU is
// reparented to init, which may be slow (or never) to reap it.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may itself
	// contain ") ".
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	state := b[i+2]
	return state != 'Z' && state != 'X' && state != 'x'
}

// ownsProcess reports whether pid's command line is the QEMU of instance id.
func ownsProcess(pid int, id string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return cmdlineHasID(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), id)
}

// cmdlineHasID looks for the "-name guest=<id>,…" that qemuArgs writes.
func cmdlineHasID(args []string, id string) bool {
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "-name" {
			continue
		}
		first, _, _ := strings.Cut(args[i+1], ",")
		if first == "guest="+id || first == id {
			return true
		}
	}
	return false
}

// readPidfile returns the PID QEMU wrote, or 0 if there is no pidfile.
func readPidfile(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pidfile %s: bad content %q", path, b)
	}
	return pid, nil
}

// findProcess opens the QEMU of instance id named by pidfile, or returns
// (nil, nil) if there is none: no pidfile, a dead PID, or a PID now used by
// something else.
func findProcess(pidfile, id string) (*process, error) {
	pid, err := readPidfile(pidfile)
	if err != nil || pid == 0 {
		return nil, err
	}
	p, err := openProcess(pid, id)
	if errors.Is(err, errNotOurs) {
		return nil, nil
	}
	return p, err
}
