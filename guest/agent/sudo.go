package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// sudo is the "ec2-user ALL=(ALL) NOPASSWD: ALL" of EC2 images, nothing more.
// The image installs this binary setuid root, mode 4750, group wheel: the
// file mode is the whole policy (only wheel members can run it), so there is
// no sudoers file to parse.

const securePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func sudoMain(args []string) int {
	var login, shell, keepEnv bool
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		args = args[1:]
		if a == "--" {
			break
		}
		switch a {
		case "-i", "--login":
			login = true
		case "-s", "--shell":
			shell = true
		case "-E", "--preserve-env":
			keepEnv = true
		case "-n", "--non-interactive", "-H", "--set-home", "-k":
			// Nothing asks for a password and HOME is always root's.
		case "-u", "--user":
			if len(args) == 0 || (args[0] != "root" && args[0] != "#0") {
				fmt.Fprintln(os.Stderr, "sudo: only -u root is supported on kumo-minimal")
				return 1
			}
			args = args[1:]
		default:
			fmt.Fprintf(os.Stderr, "sudo: unsupported option %s\n", a)
			return 1
		}
	}
	if len(args) == 0 && !login && !shell {
		fmt.Fprintln(os.Stderr, "usage: sudo [-i|-s] [-u root] [--] COMMAND [ARG...]")
		return 1
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "sudo: not installed setuid root")
		return 1
	}
	uid, gid := os.Getuid(), os.Getgid()
	user := os.Getenv("USER")
	if err := becomeRoot(); err != nil {
		fmt.Fprintf(os.Stderr, "sudo: %v\n", err)
		return 1
	}
	env := sudoEnv(os.Environ(), keepEnv)
	env = append(env, "SUDO_UID="+strconv.Itoa(uid), "SUDO_GID="+strconv.Itoa(gid),
		"SUDO_USER="+user, "SUDO_COMMAND="+strings.Join(args, " "))

	argv := args
	if login || shell {
		argv = []string{"/bin/sh"}
		if login {
			argv[0] = "-sh"
			_ = os.Chdir("/root")
		}
		if len(args) > 0 {
			argv = append(argv, "-c", strings.Join(args, " "))
		}
	}
	path := argv[0]
	if login {
		path = "/bin/sh"
	} else if !strings.Contains(path, "/") {
		os.Setenv("PATH", securePath)
		p, err := exec.LookPath(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "sudo: %s: command not found\n", path)
			return 1
		}
		path = p
	}
	err := syscall.Exec(path, argv, env)
	fmt.Fprintf(os.Stderr, "sudo: %s: %v\n", path, err)
	return 1
}

// becomeRoot drops the caller's groups and ids for root's. Go applies
// Setuid/Setgid to every thread since 1.16.
func becomeRoot() error {
	if err := syscall.Setgroups([]int{0}); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(0); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(0); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	return nil
}

// sudoEnv resets the environment as sudo's env_reset does, keeping the
// terminal and locale; -E keeps everything except what would subvert the
// dynamic loader.
func sudoEnv(in []string, keepAll bool) []string {
	out := []string{"HOME=/root", "USER=root", "LOGNAME=root", "SHELL=/bin/sh", "PATH=" + securePath}
	for _, kv := range in {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case k == "HOME" || k == "USER" || k == "LOGNAME" || k == "SHELL" || k == "PATH":
		case strings.HasPrefix(k, "LD_") || k == "GODEBUG" || k == "ENV" || k == "BASH_ENV":
		case keepAll || k == "TERM" || k == "LANG" || strings.HasPrefix(k, "LC_") || k == "COLORTERM":
			out = append(out, kv)
		}
	}
	return out
}
