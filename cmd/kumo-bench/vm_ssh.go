package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// waitSSH logs in as ec2-user until a session runs `true`, and returns the
// client, still connected.
func (f *fleet) waitSSH(ctx context.Context, ip string) (*ssh.Client, error) {
	addr := net.JoinHostPort(ip, "22")
	cfg := &ssh.ClientConfig{
		User: "ec2-user",
		Auth: []ssh.AuthMethod{ssh.PublicKeys(f.signer)},
		// Every instance makes new host keys on first boot; there is no
		// known_hosts entry to check against.
		HostKeyCallback: ssh.InsecureIgnoreHostKey(),
	}
	deadline := time.Now().Add(vmSSHTimeout)
	for {
		c, err := trySSH(ctx, addr, cfg)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("ssh ec2-user@%s: no login after %s: %w", ip, vmSSHTimeout, err)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// trySSH is one login attempt: connect, authenticate, run `true`.
func trySSH(ctx context.Context, addr string, cfg *ssh.ClientConfig) (*ssh.Client, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	// A guest that accepted the connection but is still starting its SSH
	// server must not hold the attempt forever.
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := ssh.NewClient(cc, chans, reqs)
	if _, err := runSSH(c, "true"); err != nil {
		c.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	return c, nil
}

// runSSH runs one command in a new session and returns its stdout.
func runSSH(c *ssh.Client, cmd string) ([]byte, error) {
	s, err := c.NewSession()
	if err != nil {
		return nil, err
	}
	defer s.Close()
	out, err := s.Output(cmd)
	if err != nil {
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			return out, fmt.Errorf("%s: exit %d: %s", cmd, exit.ExitStatus(), exit.Msg())
		}
		return out, fmt.Errorf("%s: %w", cmd, err)
	}
	return out, nil
}
