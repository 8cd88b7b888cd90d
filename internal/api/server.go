package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/kumo-cloud/kumo/internal/awserr"
	"github.com/kumo-cloud/kumo/internal/clock"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
	"github.com/kumo-cloud/kumo/internal/sigv4"
)

// maxBody bounds a request body; the largest EC2 parameters (user data, imported
// keys, policies) are far below it.
const maxBody = 1 << 20

// Principal is the identity behind an access key.
type Principal struct {
	AccountID string
	Secret    string
	ARN       string
	UserID    string
	// Root marks the account's root: it may do everything in its account.
	// Everyone else may do what Policies (their identity policies) allow.
	Root     bool
	Policies []*policy.Document
	// Tags are the principal's tags (aws:PrincipalTag/…).
	Tags map[string]string

	// SessionToken is set for temporary credentials (STS sessions): a request
	// signed with the key must carry it as X-Amz-Security-Token. A request
	// carrying a token for a key without one is rejected too.
	SessionToken string
	// Expires is when temporary credentials stop working (zero: never).
	Expires time.Time
	// SessionPolicies are the session policies passed to AssumeRole: when
	// there are any, a request must be allowed by one of them as well.
	SessionPolicies []*policy.Document
	// Boundary is the user's or role's permissions boundary: when set, a
	// request must be allowed by it as well.
	Boundary *policy.Document
}

// Sentinel errors of the security token check, turned into each protocol's
// wire error by tokenError.
var (
	// ErrInvalidToken means the request's session token is missing, wrong, or
	// sent with long-term credentials.
	ErrInvalidToken = errors.New("api: invalid security token")
	// ErrExpiredToken means the temporary credentials have expired.
	ErrExpiredToken = errors.New("api: expired security token")
)

// checkToken matches the request's X-Amz-Security-Token against the
// principal's and checks that temporary credentials have not expired.
func checkToken(p *Principal, token string, now time.Time) error {
	if subtle.ConstantTimeCompare([]byte(p.SessionToken), []byte(token)) != 1 {
		return ErrInvalidToken
	}
	if !p.Expires.IsZero() && !now.Before(p.Expires) {
		return ErrExpiredToken
	}
	return nil
}

// Authenticator resolves access key ids. It returns an error wrapping
// sigv4.ErrUnknownKey for keys it does not know.
type Authenticator interface {
	Principal(ctx context.Context, accessKeyID string) (*Principal, error)
}

// Config is what the front needs.
type Config struct {
	Services map[string]*Service // by SigV4 service name
	Regions  []string            // regions served; the first is the default
	Auth     Authenticator
	Throttle *Throttle // nil: no throttling
	// Messages seals the authorization failure messages of EC2 denials
	// (nil: denials carry none).
	Messages *MessageSealer
	Clock    clock.Clock
	Log      *slog.Logger
	Metrics  *Metrics
}

// Server is the HTTP handler of the AWS endpoint.
type Server struct {
	cfg Config
}

// New returns a Server.
func New(cfg Config) *Server { return &Server{cfg: cfg} }

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// ServeHTTP serves one AWS API call.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	r := &Request{ID: newRequestID(), Now: s.cfg.Clock.Now()}
	w.Header().Set("x-amzn-RequestId", r.ID)
	var svc *Service
	var status int
	code := ""
	defer func() {
		// Only served actions become metric labels, so junk requests cannot
		// grow the series without bound.
		service, action := r.Service, r.Action
		if svc == nil {
			service = "unknown"
		}
		if svc == nil || svc.Routes[action].Handler == nil {
			action = "unknown"
		}
		s.cfg.Metrics.observe(service, action, status, time.Since(start))
		s.cfg.Log.Info("request", "request_id", r.ID, "service", r.Service, "action", r.Action,
			"account", r.AccountID, "status", status, "code", code, "latency_ms",
			float64(time.Since(start).Microseconds())/1000)
	}()
	out, p, err := s.serve(hr, r, &svc)
	var buf bytes.Buffer
	if err == nil {
		status, err = p.writeResponse(w.Header(), &buf, r.Action, r.ID, out)
	}
	if err != nil {
		buf.Reset()
		status, code = s.writeError(w.Header(), &buf, p, r, err)
	}
	w.Header().Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// serve runs the request up to the handler's answer. It also returns the
// protocol to answer in: that of the service the request is signed for, or a
// guess from the request's shape when there is none.
func (s *Server) serve(hr *http.Request, r *Request, svcOut **Service) (out any, p protocol, err error) {
	p = protocolFor(nil, hr)
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxBody+1))
	if err != nil {
		return nil, p, awserr.BadRequest("InvalidRequest", "The request body could not be read.")
	}
	if len(body) > maxBody {
		return nil, p, awserr.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "The request body is larger than %d bytes.", maxBody)
	}
	// The signature says which service the request is for, and so in which
	// protocol to read it, even when it does not verify: a client must be
	// able to parse its error.
	auth, authErr := sigv4.Verify(hr.Context(), hr, body, r.Now, s.lookupSecret)
	if auth != nil {
		r.Service = auth.Service
		*svcOut = s.cfg.Services[auth.Service]
		p = protocolFor(*svcOut, hr)
	}
	action, decode, err := p.read(hr, body)
	r.Action = action
	if err != nil {
		return nil, p, err
	}
	if authErr != nil {
		return nil, p, p.authError(authErr)
	}
	svc := *svcOut
	if svc == nil {
		return nil, p, awserr.New(http.StatusBadRequest, "InvalidAction", "The service %q is not served by this endpoint.", auth.Service)
	}
	if !svc.Global && !s.servesRegion(auth.Region) {
		return nil, p, awserr.New(http.StatusUnauthorized, "AuthFailure", "Credential should be scoped to a valid region, not '%s'.", auth.Region)
	}
	r.Region = auth.Region
	if svc.Global || r.Region == "" {
		r.Region = s.cfg.Regions[0]
	}
	principal, err := s.cfg.Auth.Principal(hr.Context(), auth.AccessKeyID) // cached: Verify just looked it up
	if err != nil {
		return nil, p, p.authError(err)
	}
	if err := checkToken(principal, auth.SessionToken, r.Now); err != nil {
		return nil, p, p.tokenError(err)
	}
	r.AccessKeyID, r.AccountID, r.PrincipalARN, r.UserID, r.principal = auth.AccessKeyID, principal.AccountID, principal.ARN, principal.UserID, principal
	r.messages = s.cfg.Messages
	if host, _, err := net.SplitHostPort(hr.RemoteAddr); err == nil {
		r.SourceIP = host
	}

	route, routed := svc.Routes[r.Action]
	in, err := p.newInput(r.Action, routed && route.Handler != nil)
	if err != nil {
		return nil, p, err
	}
	if err := decode(in); err != nil {
		return nil, p, err
	}
	if !s.cfg.Throttle.Allow(r.AccountID, route.Throttle, time.Now()) {
		return nil, p, awserr.New(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	}
	out, err = s.call(hr.Context(), route, r, in)
	return out, p, err
}

// call runs the handler, turning a panic into InternalError so one bad request
// never takes the daemon down.
func (s *Server) call(ctx context.Context, route Route, r *Request, in any) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Log.Error("handler panic", "request_id", r.ID, "action", r.Action, "panic", p, "stack", string(debug.Stack()))
			out, err = nil, fmt.Errorf("panic in %s: %v", r.Action, p)
		}
	}()
	return route.Handler(ctx, r, in)
}

func (s *Server) lookupSecret(ctx context.Context, akid string) (string, error) {
	p, err := s.cfg.Auth.Principal(ctx, akid)
	if err != nil {
		return "", err
	}
	return p.Secret, nil
}

func (s *Server) servesRegion(region string) bool {
	for _, r := range s.cfg.Regions {
		if r == region {
			return true
		}
	}
	return false
}

// writeError writes err in protocol p and returns the status and code sent.
// Anything that is not an AWS error is logged and becomes InternalError,
// without its details.
func (s *Server) writeError(h http.Header, buf *bytes.Buffer, p protocol, r *Request, err error) (int, string) {
	ae, ok := awserr.As(err)
	if !ok {
		s.cfg.Log.Error("internal error", "request_id", r.ID, "action", r.Action, "err", err)
		ae = awserr.New(http.StatusInternalServerError, "InternalError", "An internal error has occurred.")
	}
	return p.writeError(h, buf, ae, r.ID)
}
