package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Exit codes of "imds", read by the boot script.
const (
	exitOK          = 0
	exitUnreachable = 1 // no answer before -wait ran out
	exitUsage       = 2
	exitDisabled    = 3 // the service answered 403: metadata is turned off for this instance
)

var errDisabled = errors.New("instance metadata service is disabled (403)")

// imdsMain fetches metadata paths (relative to /latest/, e.g.
// "meta-data/instance-id") into files under -out, mirroring the paths. A 404
// leaves no file, so the boot script can test for presence.
func imdsMain(args []string) int {
	fs := flag.NewFlagSet("imds", flag.ContinueOnError)
	addr := fs.String("addr", "169.254.169.254:80", "metadata service address")
	wait := fs.Duration("wait", 60*time.Second, "how long to keep retrying while the service does not answer")
	out := fs.String("out", "", "directory to write the fetched paths into")
	if err := fs.Parse(args); err != nil || *out == "" || fs.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: kumo-guest-agent imds [-addr host:port] [-wait dur] -out DIR PATH...")
		return exitUsage
	}
	c := &client{addr: *addr, deadline: time.Now().Add(*wait)}
	for _, p := range fs.Args() {
		clean := filepath.Clean("/" + p)[1:]
		if clean == "" || strings.HasPrefix(clean, "..") {
			fmt.Fprintf(os.Stderr, "imds: bad path %q\n", p)
			return exitUsage
		}
		body, found, err := c.get(clean)
		if errors.Is(err, errDisabled) {
			fmt.Fprintf(os.Stderr, "imds: %v\n", err)
			return exitDisabled
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "imds: get %s: %v\n", clean, err)
			return exitUnreachable
		}
		if !found {
			continue
		}
		if err := writeFile(filepath.Join(*out, clean), body); err != nil {
			fmt.Fprintf(os.Stderr, "imds: %v\n", err)
			return exitUnreachable
		}
	}
	return exitOK
}

// client speaks IMDSv2 when it can and IMDSv1 when the token PUT is refused,
// like the AWS SDKs. Every call retries until deadline: at boot the guest can
// be up before the host's metadata endpoint for it is.
type client struct {
	addr     string
	deadline time.Time
	token    string
	v1       bool // the service refused the token PUT: use plain GETs
}

// attemptTimeout bounds one request; TCG guests are slow, so it is generous.
const attemptTimeout = 3 * time.Second

// retry runs f until it reports done or the deadline passes, backing off
// between attempts.
func (c *client) retry(f func() (done bool, err error)) error {
	backoff := 100 * time.Millisecond
	for {
		done, err := f()
		if done {
			return err
		}
		if time.Now().Add(backoff).After(c.deadline) {
			if err == nil {
				err = errors.New("gave up")
			}
			return fmt.Errorf("metadata service at %s did not answer in time: %w", c.addr, err)
		}
		time.Sleep(backoff)
		backoff = min(backoff*2, time.Second)
	}
}

// fetchToken gets an IMDSv2 session token, or switches to v1 when the
// service refuses tokens (403/404/405, as the Go SDK does).
func (c *client) fetchToken() error {
	return c.retry(func() (bool, error) {
		resp, err := roundTrip(c.addr, "PUT", "/latest/api/token",
			[][2]string{{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, attemptTimeout)
		switch {
		case err != nil:
			return false, err
		case resp.status == 200 && len(resp.body) > 0:
			c.token = strings.TrimSpace(string(resp.body))
			return true, nil
		case resp.status == 403 || resp.status == 404 || resp.status == 405:
			c.v1 = true
			return true, nil
		default:
			return false, fmt.Errorf("token PUT: HTTP %d", resp.status)
		}
	})
}

// get fetches /latest/<path>. found is false on 404.
func (c *client) get(path string) (body []byte, found bool, err error) {
	err = c.retry(func() (bool, error) {
		if c.token == "" && !c.v1 {
			if err := c.fetchToken(); err != nil {
				return true, err
			}
		}
		var hdr [][2]string
		if !c.v1 {
			hdr = [][2]string{{"X-aws-ec2-metadata-token", c.token}}
		}
		resp, err := roundTrip(c.addr, "GET", "/latest/"+path, hdr, attemptTimeout)
		if err != nil {
			return false, err
		}
		switch resp.status {
		case 200:
			body, found = resp.body, true
			return true, nil
		case 404:
			return true, nil
		case 401:
			// Token expired or the service restarted: get a new one.
			c.token = ""
			return false, errors.New("HTTP 401")
		case 403:
			return true, errDisabled
		default:
			return false, fmt.Errorf("HTTP %d", resp.status)
		}
	})
	return body, found, err
}

// writeFile writes atomically and privately: user data may hold secrets.
func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
