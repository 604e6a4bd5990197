/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Package tencentcloud holds listeners on Tencent Cloud CLB instances through the official SDK: a listener is
// a CLB listener (a port-segment listener for a segment), its targets the pods' ENI IPs.
package tencentcloud

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	clb "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/clb/v20180317"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	sdkerrors "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer"
)

// Config is how to reach the CLB API: the keys of the credentials Secret.
type Config struct {
	SecretID  string
	SecretKey string
	// Region is the region of load-balancer ids without one.
	Region string
	// Endpoint overrides the API's host (a private endpoint, or a test double); Scheme is HTTPS unless set.
	Endpoint string
	Scheme   string
}

const (
	// maxTargetsPerCall is CLB's limit on the targets of one RegisterTargets or DeregisterTargets.
	maxTargetsPerCall = 20
	// attempts bounds the retries of a throttled or busy call within one sync; the controller's back-off
	// takes over after.
	attempts = 6
	// Task statuses of DescribeTaskStatus.
	taskSucceeded = 0
	taskFailed    = 1
)

// Provider creates listeners and registers targets by diff.
type Provider struct {
	// Config is read at each sync, so that a rotated Secret takes effect without a restart.
	Config func(ctx context.Context) (Config, error)
	// QPS is the client-side rate limit of API calls, all regions together: CLB throttles an account.
	QPS float64
	// TaskTimeout bounds the wait for an asynchronous task; the next sync sees what the task did.
	TaskTimeout time.Duration
	// TaskPoll is the first wait between task polls, RetryPause the first pause before a retry.
	TaskPoll   time.Duration
	RetryPause time.Duration

	once    sync.Once
	limiter *rate.Limiter
	mu      sync.Mutex
	vips    map[string]string
}

var _ loadbalancer.Provider = (*Provider)(nil)

func (p *Provider) init() {
	p.once.Do(func() {
		qps := p.QPS
		if qps <= 0 {
			qps = 10
		}
		p.limiter = rate.NewLimiter(rate.Limit(qps), max(1, int(qps)))
		p.vips = map[string]string{}
		if p.TaskTimeout == 0 {
			p.TaskTimeout = time.Minute
		}
		if p.TaskPoll == 0 {
			p.TaskPoll = 500 * time.Millisecond
		}
		if p.RetryPause == 0 {
			p.RetryPause = 200 * time.Millisecond
		}
	})
}

// session is a client for the listener's region and the load balancer's bare id.
type session struct {
	p      *Provider
	client *clb.Client
	lb     string
}

func (p *Provider) session(ctx context.Context, loadBalancerID string) (*session, error) {
	p.init()
	cfg, err := p.Config(ctx)
	if err != nil {
		return nil, err
	}
	region, lb := SplitID(loadBalancerID, cfg.Region)
	if region == "" {
		return nil, fmt.Errorf("load balancer %s has no region, and the credentials Secret names no default region", loadBalancerID)
	}
	cp := profile.NewClientProfile()
	if cfg.Endpoint != "" {
		cp.HttpProfile.Endpoint = cfg.Endpoint
	}
	if cfg.Scheme != "" {
		cp.HttpProfile.Scheme = strings.ToUpper(cfg.Scheme)
	}
	cp.HttpProfile.ReqTimeout = 30
	c, err := clb.NewClient(common.NewCredential(cfg.SecretID, cfg.SecretKey), region, cp)
	if err != nil {
		return nil, err
	}
	return &session{p: p, client: c, lb: lb}, nil
}

// SplitID splits upstream's region-qualified id "ap-shanghai:lb-xxx"; an id without a region is in region.
func SplitID(id, region string) (string, string) {
	if r, lb, ok := strings.Cut(id, ":"); ok {
		return r, lb
	}
	return region, id
}

// retryable codes are the CLB's "not now": throttling, and a load balancer busy with an earlier task.
func retryable(err error) bool {
	var e *sdkerrors.TencentCloudSDKError
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == "RequestLimitExceeded" || strings.HasSuffix(e.Code, "ResourceInOperating") ||
		e.Code == "ClientError.NetworkError"
}

// call runs one API call under the rate limit, retrying throttled and busy answers with a growing pause.
func (s *session) call(ctx context.Context, action string, do func() error) error {
	pause := s.p.RetryPause
	for attempt := 1; ; attempt++ {
		if err := s.p.limiter.Wait(ctx); err != nil {
			return err
		}
		err := do()
		if err == nil {
			return nil
		}
		if !retryable(err) || attempt == attempts {
			return fmt.Errorf("%s on %s: %w", action, s.lb, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}

// wait follows an asynchronous call's task (its RequestId) to its end.
func (s *session) wait(ctx context.Context, action string, task *string) error {
	if task == nil || *task == "" {
		return nil
	}
	deadline := time.Now().Add(s.p.TaskTimeout)
	pause := s.p.TaskPoll
	for {
		req := clb.NewDescribeTaskStatusRequest()
		req.TaskId = task
		var resp *clb.DescribeTaskStatusResponse
		if err := s.call(ctx, "DescribeTaskStatus", func() (err error) { resp, err = s.client.DescribeTaskStatus(req); return }); err != nil {
			return err
		}
		if resp.Response != nil && resp.Response.Status != nil {
			switch *resp.Response.Status {
			case taskSucceeded:
				return nil
			case taskFailed:
				return fmt.Errorf("%s on %s: task %s failed", action, s.lb, *task)
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s on %s: task %s still running after %s", action, s.lb, *task, s.p.TaskTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// Ensure finds or creates the listener and registers exactly the spec's targets, by diff.
func (p *Provider) Ensure(ctx context.Context, l *gstsv1alpha1.Listener) (loadbalancer.Observed, error) {
	s, err := p.session(ctx, l.Spec.LoadbalancerID)
	if err != nil {
		return loadbalancer.Observed{}, err
	}
	id, err := s.find(ctx, l)
	if err != nil {
		return loadbalancer.Observed{}, err
	}
	if id == "" {
		if id, err = s.create(ctx, l); err != nil {
			return loadbalancer.Observed{}, err
		}
	}
	if err := s.syncTargets(ctx, id, l); err != nil {
		return loadbalancer.Observed{ListenerID: id}, err
	}
	vip, err := s.vip(ctx)
	return loadbalancer.Observed{ListenerID: id, Address: vip}, err
}

// Delete removes the listener, found by its id or, when the id was never recorded, by its port.
func (p *Provider) Delete(ctx context.Context, l *gstsv1alpha1.Listener) error {
	s, err := p.session(ctx, l.Spec.LoadbalancerID)
	if err != nil {
		return err
	}
	id, err := s.find(ctx, l)
	if err != nil || id == "" {
		return err
	}
	req := clb.NewDeleteLoadBalancerListenersRequest()
	req.LoadBalancerId, req.ListenerIds = &s.lb, []*string{&id}
	var resp *clb.DeleteLoadBalancerListenersResponse
	if err := s.call(ctx, "DeleteLoadBalancerListeners", func() (err error) { resp, err = s.client.DeleteLoadBalancerListeners(req); return }); err != nil {
		return err
	}
	return s.wait(ctx, "DeleteLoadBalancerListeners", resp.Response.RequestId)
}

// find is the listener's CLB id: the recorded one if it still exists, else one on the listener's port and
// protocol (created by a sync whose status write was lost). A listener there with other ports is a conflict.
func (s *session) find(ctx context.Context, l *gstsv1alpha1.Listener) (string, error) {
	req := clb.NewDescribeListenersRequest()
	req.LoadBalancerId = &s.lb
	if l.Status.ListenerID != "" && strings.HasPrefix(l.Status.ListenerID, "lbl-") {
		req.ListenerIds = []*string{common.StringPtr(l.Status.ListenerID)}
	} else {
		req.Protocol, req.Port = common.StringPtr(l.Spec.Protocol), common.Int64Ptr(int64(l.Spec.Port))
	}
	var resp *clb.DescribeListenersResponse
	if err := s.call(ctx, "DescribeListeners", func() (err error) { resp, err = s.client.DescribeListeners(req); return }); err != nil {
		var sdkErr *sdkerrors.TencentCloudSDKError
		if len(req.ListenerIds) == 0 || !errors.As(err, &sdkErr) || !strings.HasPrefix(sdkErr.Code, "InvalidParameter") {
			return "", err
		}
		// the recorded listener is unknown to the load balancer: look by port below
		resp = &clb.DescribeListenersResponse{}
	}
	if resp.Response == nil {
		if len(req.ListenerIds) == 0 {
			return "", nil
		}
		copied := *l
		copied.Status.ListenerID = ""
		return s.find(ctx, &copied)
	}
	for _, found := range resp.Response.Listeners {
		if found.ListenerId == nil || found.Port == nil || int32(*found.Port) != l.Spec.Port ||
			!strings.EqualFold(deref(found.Protocol), l.Spec.Protocol) {
			continue
		}
		if end := int32(derefInt(found.EndPort)); end != l.Spec.EndPort {
			return "", fmt.Errorf("listener %s on %s has %s ports %s, this one needs %s: remove it or change the mapping",
				*found.ListenerId, s.lb, l.Spec.Protocol, ports(l.Spec.Port, end), ports(l.Spec.Port, l.Spec.EndPort))
		}
		return *found.ListenerId, nil
	}
	if len(req.ListenerIds) > 0 {
		// the recorded listener is gone (deleted by hand): look again by port, then create
		copied := *l
		copied.Status.ListenerID = ""
		return s.find(ctx, &copied)
	}
	return "", nil
}

func (s *session) create(ctx context.Context, l *gstsv1alpha1.Listener) (string, error) {
	req := clb.NewCreateListenerRequest()
	req.LoadBalancerId = &s.lb
	req.Ports = []*int64{common.Int64Ptr(int64(l.Spec.Port))}
	req.Protocol = common.StringPtr(l.Spec.Protocol)
	req.ListenerNames = []*string{common.StringPtr(listenerName(l))}
	if l.Spec.EndPort != 0 {
		req.EndPort = common.Uint64Ptr(uint64(l.Spec.EndPort))
	}
	var resp *clb.CreateListenerResponse
	if err := s.call(ctx, "CreateListener", func() (err error) { resp, err = s.client.CreateListener(req); return }); err != nil {
		return "", err
	}
	if resp.Response == nil || len(resp.Response.ListenerIds) != 1 || resp.Response.ListenerIds[0] == nil {
		return "", fmt.Errorf("CreateListener on %s answered no listener id", s.lb)
	}
	return *resp.Response.ListenerIds[0], s.wait(ctx, "CreateListener", resp.Response.RequestId)
}

// listenerName fits CLB's 255-character limit on listener names.
func listenerName(l *gstsv1alpha1.Listener) string {
	name := l.Namespace + "/" + l.Name
	if len(name) > 255 {
		name = name[:255]
	}
	return name
}

type target struct {
	ip   string
	port int64
}

func (s *session) syncTargets(ctx context.Context, id string, l *gstsv1alpha1.Listener) error {
	req := clb.NewDescribeTargetsRequest()
	req.LoadBalancerId, req.ListenerIds = &s.lb, []*string{&id}
	var resp *clb.DescribeTargetsResponse
	if err := s.call(ctx, "DescribeTargets", func() (err error) { resp, err = s.client.DescribeTargets(req); return }); err != nil {
		return err
	}
	have := map[target]bool{}
	for _, found := range resp.Response.Listeners {
		if deref(found.ListenerId) != id {
			continue
		}
		for _, b := range found.Targets {
			if b.Port != nil && len(b.PrivateIpAddresses) > 0 && b.PrivateIpAddresses[0] != nil {
				have[target{ip: *b.PrivateIpAddresses[0], port: *b.Port}] = true
			}
		}
	}
	want := map[target]int64{}
	if l.Spec.TargetGroup != nil {
		for _, b := range l.Spec.TargetGroup.Backends {
			want[target{ip: b.IP, port: int64(b.Port)}] = int64(b.Weight)
		}
	}
	var remove, add []*clb.Target
	for t := range have {
		if _, ok := want[t]; !ok {
			remove = append(remove, &clb.Target{EniIp: common.StringPtr(t.ip), Port: common.Int64Ptr(t.port)})
		}
	}
	for t, weight := range want {
		if !have[t] {
			add = append(add, &clb.Target{EniIp: common.StringPtr(t.ip), Port: common.Int64Ptr(t.port), Weight: common.Int64Ptr(weight)})
		}
	}
	// the old pod leaves before the new one comes: a listener never forwards to a server that is gone
	for len(remove) > 0 {
		batch := remove[:min(len(remove), maxTargetsPerCall)]
		remove = remove[len(batch):]
		r := clb.NewDeregisterTargetsRequest()
		r.LoadBalancerId, r.ListenerId, r.Targets = &s.lb, &id, batch
		var out *clb.DeregisterTargetsResponse
		if err := s.call(ctx, "DeregisterTargets", func() (err error) { out, err = s.client.DeregisterTargets(r); return }); err != nil {
			return err
		}
		if err := s.wait(ctx, "DeregisterTargets", out.Response.RequestId); err != nil {
			return err
		}
	}
	for len(add) > 0 {
		batch := add[:min(len(add), maxTargetsPerCall)]
		add = add[len(batch):]
		r := clb.NewRegisterTargetsRequest()
		r.LoadBalancerId, r.ListenerId, r.Targets = &s.lb, &id, batch
		var out *clb.RegisterTargetsResponse
		if err := s.call(ctx, "RegisterTargets", func() (err error) { out, err = s.client.RegisterTargets(r); return }); err != nil {
			return err
		}
		if err := s.wait(ctx, "RegisterTargets", out.Response.RequestId); err != nil {
			return err
		}
	}
	return nil
}

// vip is the load balancer's address, asked once per load balancer: it does not change while it exists.
func (s *session) vip(ctx context.Context) (string, error) {
	s.p.mu.Lock()
	vip, ok := s.p.vips[s.lb]
	s.p.mu.Unlock()
	if ok {
		return vip, nil
	}
	req := clb.NewDescribeLoadBalancersRequest()
	req.LoadBalancerIds = []*string{&s.lb}
	var resp *clb.DescribeLoadBalancersResponse
	if err := s.call(ctx, "DescribeLoadBalancers", func() (err error) { resp, err = s.client.DescribeLoadBalancers(req); return }); err != nil {
		return "", err
	}
	for _, lb := range resp.Response.LoadBalancerSet {
		if deref(lb.LoadBalancerId) == s.lb && len(lb.LoadBalancerVips) > 0 {
			vip = deref(lb.LoadBalancerVips[0])
		}
	}
	if vip == "" {
		return "", fmt.Errorf("load balancer %s not found, or without an address", s.lb)
	}
	s.p.mu.Lock()
	s.p.vips[s.lb] = vip
	s.p.mu.Unlock()
	return vip, nil
}

func ports(first, end int32) string {
	if end == 0 {
		return fmt.Sprint(first)
	}
	return fmt.Sprintf("%d-%d", first, end)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(i *int64) int64 {
	if i == nil {
		return 0
	}
	return *i
}

// SecretConfig reads the Config from a Secret's keys secretId, secretKey, region, endpoint and scheme, at most
// once per ttl: every sync asks for it, and a rotated key is picked up within ttl.
func SecretConfig(reader client.Reader, key types.NamespacedName, ttl time.Duration) func(context.Context) (Config, error) {
	var mu sync.Mutex
	var cached Config
	var read time.Time
	return func(ctx context.Context) (Config, error) {
		mu.Lock()
		defer mu.Unlock()
		if !read.IsZero() && time.Since(read) < ttl {
			return cached, nil
		}
		secret := &corev1.Secret{}
		if err := reader.Get(ctx, key, secret); err != nil {
			return Config{}, fmt.Errorf("reading the Tencent Cloud credentials from Secret %s: %w", key, err)
		}
		cfg := Config{SecretID: string(secret.Data["secretId"]), SecretKey: string(secret.Data["secretKey"]),
			Region: string(secret.Data["region"]), Endpoint: string(secret.Data["endpoint"]), Scheme: string(secret.Data["scheme"])}
		if cfg.SecretID == "" || cfg.SecretKey == "" {
			return Config{}, fmt.Errorf("the Secret %s has no secretId or secretKey", key)
		}
		cached, read = cfg, time.Now()
		return cfg, nil
	}
}
