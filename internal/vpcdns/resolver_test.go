package vpcdns

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// resolver sends every query of the Go resolver to ts.
func (ts *testServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		if strings.HasPrefix(network, "udp") {
			return d.DialContext(ctx, "udp", ts.udp)
		}
		return d.DialContext(ctx, "tcp", ts.tcp)
	}}
}

func TestResolver(t *testing.T) {
	for _, tcp := range []bool{false, true} {
		t.Run(map[bool]string{false: "udp", true: "tcp"}[tcp], func(t *testing.T) {
			ts := startServer(t, func(s *Server) {
				if tcp { // answers that never fit make the resolver retry over TCP
					s.udpLimit = 1
				}
			})
			r := ts.resolver()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, tc := range []struct {
				host string
				want []string
			}{
				{"ip-10-0-1-5.ec2.internal", []string{"10.0.1.5"}},
				{"IP-10-0-2-7.Ec2.INTERNAL.", []string{"10.0.2.7"}},
				{"ec2-54-0-0-9.compute-1.amazonaws.com", []string{"10.0.1.5"}},
				{"six.ec2.internal", []string{"fd00::6"}},
			} {
				got, err := r.LookupHost(ctx, tc.host)
				if err != nil {
					t.Errorf("LookupHost(%s): %v", tc.host, err)
					continue
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("LookupHost(%s) (-want +got):\n%s", tc.host, diff)
				}
			}
			for _, tc := range []struct {
				ip   string
				want []string
			}{
				{"10.0.1.5", []string{"ip-10-0-1-5.ec2.internal."}},
				{"10.0.2.7", []string{"ip-10-0-2-7.ec2.internal."}},
			} {
				got, err := r.LookupAddr(ctx, tc.ip)
				if err != nil {
					t.Errorf("LookupAddr(%s): %v", tc.ip, err)
					continue
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("LookupAddr(%s) (-want +got):\n%s", tc.ip, diff)
				}
			}
			// Rooted names, so the host's search list does not join in.
			for _, host := range []string{"ip-10-0-9-9.ec2.internal.", "ip-10-0-1-5.us-west-2.compute.internal."} {
				_, err := r.LookupHost(ctx, host)
				var de *net.DNSError
				if !errors.As(err, &de) || !de.IsNotFound {
					t.Errorf("LookupHost(%s) = %v, want not found", host, err)
				}
			}
			if _, err := r.LookupAddr(ctx, "10.0.9.9"); err == nil {
				t.Error("LookupAddr(10.0.9.9) succeeded")
			}
			_, err := r.LookupHost(ctx, "example.com.")
			var de *net.DNSError
			if !errors.As(err, &de) || de.IsNotFound {
				t.Errorf("LookupHost(example.com) = %v, want a server failure", err)
			}
		})
	}
}
