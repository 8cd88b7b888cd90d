package daemon

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/kumo-cloud/kumo/internal/accounts"
	"github.com/kumo-cloud/kumo/internal/agent"
	"github.com/kumo-cloud/kumo/internal/api"
	"github.com/kumo-cloud/kumo/internal/ec2"
	"github.com/kumo-cloud/kumo/internal/ec2/ebs"
	"github.com/kumo-cloud/kumo/internal/ec2/idempotency"
	"github.com/kumo-cloud/kumo/internal/ec2/images"
	"github.com/kumo-cloud/kumo/internal/ec2/instances"
	"github.com/kumo-cloud/kumo/internal/ec2/platform"
	"github.com/kumo-cloud/kumo/internal/ec2/vpc"
	"github.com/kumo-cloud/kumo/internal/hosts"
	"github.com/kumo-cloud/kumo/internal/iam"
	"github.com/kumo-cloud/kumo/internal/iam/policy"
	"github.com/kumo-cloud/kumo/internal/netplane"
	"github.com/kumo-cloud/kumo/internal/sigv4"
	"github.com/kumo-cloud/kumo/internal/store"
	"github.com/kumo-cloud/kumo/internal/sts"
)

// Daemon is a running control plane.
type Daemon struct {
	cfg      Config
	Store    *store.Store
	Accounts *accounts.Service
	// Operator is the operator account and RootKey its root access key.
	Operator *accounts.Account
	RootKey  *accounts.AccessKey
	// URL is the endpoint, e.g. http://127.0.0.1:8773.
	URL string

	agent     *agent.Agent
	plane     *netplane.Plane
	driver    interface{ Close() error }
	stopAgent context.CancelFunc
	agentDone chan struct{}
	listener  net.Listener
	http      *http.Server
	done      chan error
	closeOnce sync.Once
	closeErr  error
}

// Start opens the store, makes the operator account on first start and starts
// serving on cfg.Listen. It returns once the endpoint accepts requests.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	d := &Daemon{cfg: cfg, done: make(chan error, 1)}
	var err error
	if len(cfg.Etcd) > 0 {
		d.Store, err = store.OpenRemote(ctx, cfg.Etcd)
	} else {
		d.Store, err = store.OpenEmbedded(ctx, cfg.etcdDir(), cfg.Log)
	}
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			d.Store.Close()
		}
	}()
	d.Accounts = &accounts.Service{Store: d.Store, Now: cfg.Clock.Now}
	if err := d.ensureOperator(ctx); err != nil {
		return nil, err
	}

	vpcs := &vpc.Service{Store: d.Store, Zones: platform.ServedZones, Now: cfg.Clock.Now, RulesPerGroup: cfg.RulesPerSecurityGroup}
	imgs := &images.Service{Store: d.Store, Now: cfg.Clock.Now}
	for _, region := range cfg.Regions {
		if err := imgs.EnsureBuiltins(ctx, region); err != nil {
			return nil, fmt.Errorf("register built-in images: %w", err)
		}
	}

	iamSvc := iam.New(d.Store, d.Accounts)
	sessions := &sts.Sessions{Store: d.Store, Now: cfg.Clock.Now}
	// Instance profiles: their roles' sessions are minted for the metadata
	// service and revoked when an association ends.
	roles := &sts.InstanceRoles{Sessions: sessions, IAM: iamSvc, Now: cfg.Clock.Now}
	insts := &instances.Store{S: d.Store}
	// This machine is a hypervisor host: the scheduler places instances on
	// the registered hosts, and this host's agent runs those placed here.
	capacity := hostCapacity(&cfg)
	registry := &hosts.Registry{S: d.Store}
	if err := registry.Register(ctx, hosts.Host{Name: capacity.Host, VCPUs: capacity.VCPUs, MemoryMiB: capacity.MemoryMiB, RegisteredAt: cfg.Clock.Now().UTC()}); err != nil {
		return nil, err
	}
	ih := &instances.Handlers{
		IAM: iamSvc, RevokeRole: roles.Revoke,
		Instances: insts, Raw: d.Store, VPCs: vpcs, Images: imgs,
		Idem:  &idempotency.Keeper{Store: d.Store},
		Hosts: registry, Capacity: capacity, Quotas: cfg.Quotas, PublicPool: cfg.PublicPool, Now: cfg.Clock.Now,
	}
	// The EBS actions: new volumes' files are made by this host's agent.
	eh := &ebs.Handlers{Store: &ebs.Store{S: d.Store, Now: cfg.Clock.Now}, Host: cfg.HostName, Idem: ih.Idem, ModifyCooldown: ebs.DefaultModifyCooldown}
	if cfg.Agent {
		actx, cancel := context.WithCancel(context.Background())
		d.agent, err = d.startAgent(actx, vpcs, imgs, insts, roles)
		if err != nil {
			cancel()
			return nil, err
		}
		d.stopAgent, d.agentDone = cancel, make(chan struct{})
		ih.Console, ih.Kick = d.agent.Console, d.agent.Kick
		vpcs.Changed = d.agent.Kick // security groups, routes, gateways reach the data plane at once
		go func() {
			defer close(d.agentDone)
			d.agent.Run(actx)
		}()
	}

	metrics := api.NewMetrics()
	var throttle *api.Throttle
	if cfg.Throttle {
		throttle = api.NewThrottle(api.DefaultBuckets())
	}
	msgKey, err := deploymentKey(ctx, d.Store, authzMessageKey)
	if err != nil {
		return nil, err
	}
	messages, err := api.NewMessageSealer(msgKey)
	if err != nil {
		return nil, err
	}
	front := api.New(api.Config{
		Services: map[string]*api.Service{
			"ec2": ec2.Service(ec2.Deps{Store: d.Store, Regions: cfg.Regions, VPCs: vpcs, Images: imgs, Instances: ih, EBS: eh}),
			"sts": sts.New(sessions, iamSvc, messages).API(),
			"iam": iamSvc.API(),
		},
		Regions:  cfg.Regions,
		Auth:     &keyAuth{accounts: d.Accounts, iam: iamSvc, sessions: sessions, now: time.Now, cache: map[string]cachedPrincipal{}},
		Throttle: throttle,
		Messages: messages,
		Clock:    cfg.Clock,
		Log:      cfg.Log,
		Metrics:  metrics,
	})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_kumo/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(w, "ok")
	})
	mux.Handle("GET /metrics", metrics.Handler())
	mux.Handle("/", front)

	d.listener, err = net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (is another kumo serve running? pick another --listen)", cfg.Listen, err)
	}
	d.URL = "http://" + d.listener.Addr().String()
	d.http = &http.Server{Handler: mux, ReadHeaderTimeout: 30 * time.Second}
	go func() {
		err := d.http.Serve(d.listener)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		d.done <- err
	}()
	ok = true
	cfg.Log.Info("kumo serving", "url", d.URL, "data_dir", cfg.DataDir, "regions", cfg.Regions, "operator_account", d.Operator.ID)
	return d, nil
}

// Wait blocks until the HTTP server stops.
func (d *Daemon) Wait() error { return <-d.done }

// Close stops serving and closes the store. It may be called more than once.
func (d *Daemon) Close() error {
	d.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := d.http.Shutdown(ctx)
		// The agent stops; the VMs it runs keep running and are adopted at the
		// next start.
		if d.stopAgent != nil {
			d.stopAgent()
			<-d.agentDone
		}
		if d.plane != nil {
			err = errors.Join(err, d.plane.Close())
		}
		if d.driver != nil { // lets go of the VMs' monitors; the VMs run on
			err = errors.Join(err, d.driver.Close())
		}
		d.closeErr = errors.Join(err, d.Store.Close())
	})
	return d.closeErr
}

// keyAuth resolves access keys through the accounts service. Answers are
// cached for a few seconds: every request needs one, and a key change reaching
// the endpoint within seconds is what IAM users expect (AWS is eventually
// consistent there too).
type keyAuth struct {
	accounts *accounts.Service
	iam      *iam.Service
	sessions *sts.Sessions
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]cachedPrincipal
}

type cachedPrincipal struct {
	p   *api.Principal
	err error
	at  time.Time
}

const principalTTL = 5 * time.Second

func (a *keyAuth) Principal(ctx context.Context, akid string) (*api.Principal, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.cache[akid]
	a.mu.Unlock()
	if ok && now.Sub(c.at) < principalTTL {
		return c.p, c.err
	}
	p, err := a.lookup(ctx, akid)
	if err == nil || errors.Is(err, sigv4.ErrUnknownKey) {
		a.mu.Lock()
		if len(a.cache) > 10000 { // bound memory against random key ids
			a.cache = map[string]cachedPrincipal{}
		}
		a.cache[akid] = cachedPrincipal{p, err, now}
		a.mu.Unlock()
	}
	return p, err
}

func (a *keyAuth) lookup(ctx context.Context, akid string) (*api.Principal, error) {
	if sts.IsTemporaryKey(akid) {
		return a.sessionKey(ctx, akid)
	}
	k, err := a.accounts.AccessKey(ctx, akid)
	if errors.Is(err, accounts.ErrNotFound) {
		return a.userKey(ctx, akid)
	}
	if err == nil && !k.Active {
		return nil, fmt.Errorf("access key %s: %w", akid, sigv4.ErrUnknownKey)
	}
	if err != nil {
		return nil, err
	}
	return &api.Principal{AccountID: k.AccountID, Secret: k.Secret, UserID: k.AccountID,
		ARN: "arn:aws:iam::" + k.AccountID + ":root", Root: true}, nil
}

// userKey resolves an IAM user's access key: the user may do what its
// identity policies (inline, attached, and its groups') allow.
func (a *keyAuth) userKey(ctx context.Context, akid string) (*api.Principal, error) {
	k, u, err := a.iam.LookupAccessKey(ctx, akid)
	if errors.Is(err, iam.ErrNotFound) || err == nil && !k.Active() {
		return nil, fmt.Errorf("access key %s: %w", akid, sigv4.ErrUnknownKey)
	}
	if err != nil {
		return nil, err
	}
	policies, err := a.iam.PoliciesOf(ctx, u.Account, u.ARN())
	if err != nil {
		return nil, err
	}
	boundary, err := a.iam.BoundaryOf(ctx, u.Account, u.ARN())
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, t := range u.Tags {
		tags[t.Key] = t.Value
	}
	return &api.Principal{AccountID: u.Account, Secret: k.Secret, UserID: u.ID, ARN: u.ARN(), Policies: policies, Boundary: boundary, Tags: tags}, nil
}

// sessionKey resolves temporary credentials from STS. The principal carries
// the session token and expiry, which the front checks on every request
// (an expired session is still resolved, so that it is answered as expired).
// A role session may do what the role's policies, and its session policy if
// any, allow; a GetSessionToken session what its user may do now. A role or
// user deleted since leaves the session with no permissions, as on AWS.
func (a *keyAuth) sessionKey(ctx context.Context, akid string) (*api.Principal, error) {
	s, err := a.sessions.Lookup(ctx, akid)
	if errors.Is(err, sts.ErrNotFound) {
		return nil, fmt.Errorf("access key %s: %w", akid, sigv4.ErrUnknownKey)
	}
	if err != nil {
		return nil, err
	}
	p := &api.Principal{AccountID: s.Account, Secret: s.Secret, ARN: s.ARN, UserID: s.UserID, Root: s.Root,
		SessionToken: s.Token, Expires: s.Expiration}
	if s.Root {
		return p, nil
	}
	if s.RoleARN != "" {
		// The session belongs to the role it was issued for, not to a role
		// of the same name made since.
		roleID, _, _ := strings.Cut(s.UserID, ":")
		role, err := a.iam.RoleByARN(ctx, s.RoleARN)
		if errors.Is(err, iam.ErrNotFound) || err == nil && role.ID != roleID {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		p.Tags = map[string]string{}
		for _, t := range role.Tags {
			p.Tags[t.Key] = t.Value
		}
		for k, v := range s.Tags { // session tags win over the role's
			p.Tags[k] = v
		}
	}
	p.Policies, err = a.iam.PoliciesOf(ctx, s.Account, s.ARN)
	if errors.Is(err, iam.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	if p.Boundary, err = a.iam.BoundaryOf(ctx, s.Account, s.ARN); err != nil {
		return nil, err
	}
	if s.Policy != "" {
		doc, err := policy.Parse(s.Policy, policy.Identity)
		if err != nil {
			return nil, fmt.Errorf("session %s policy: %w", akid, err)
		}
		p.SessionPolicies = []*policy.Document{doc}
	}
	for _, arn := range s.PolicyARNs {
		doc, err := a.iam.ManagedPolicy(ctx, s.Account, arn)
		if errors.Is(err, iam.ErrNotFound) {
			doc = &policy.Document{} // deleted since: it allows nothing, and still limits the session
		} else if err != nil {
			return nil, err
		}
		p.SessionPolicies = append(p.SessionPolicies, doc)
	}
	return p, nil
}
