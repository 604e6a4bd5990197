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

// Package fakeclb is a fake of the Tencent Cloud CLB API (service "clb", version 2018-03-17) for tests. It
// speaks the wire protocol of the official Go SDK (TC3-HMAC-SHA256 signed JSON POSTs, the
// {"Response":{...,"RequestId"}} envelope), so the code under test keeps using the real SDK client and only its
// endpoint changes: signing, error decoding and the asynchronous task model are exercised as in production,
// which a mock of a Go interface would skip. Faults can be injected, every call is logged, and the listener
// state can be mirrored elsewhere (for example into a cluster) through OnChange.
package fakeclb

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// APIVersion is the only version the fake answers, as a real endpoint would refuse a client built for another.
const APIVersion = "2018-03-17"

// maxBody bounds what one request may make the fake buffer; real requests are a few kilobytes.
const maxBody = 1 << 20

// Target is a backend as the tests reason about it: the address a client registered (EniIp, or InstanceId when
// it registered an instance) and the port.
type Target struct {
	IP   string
	Port int64
}

// Call is one request as the fake understood it, kept so tests can assert on what a client sent, including
// requests the fake refused. ListenerID and LoadBalancerID hold the comma-joined list for actions that take
// several IDs; Ports holds the Port filter of the Describe actions.
type Call struct {
	Action         string
	LoadBalancerID string
	ListenerID     string
	Ports          []int64
	EndPort        int64
	Protocol       string
	Targets        []Target
	ErrorCode      string
}

// ListenerState is one listener with its load balancer's VIP, flattened so a mirror needs no other lookup.
type ListenerState struct {
	LoadBalancerID string
	VIP            string
	ListenerID     string
	Protocol       string
	Port           int64
	EndPort        int64
	Targets        []Target
}

// Server is the fake. The zero value is not usable; call New.
type Server struct {
	// TaskPolls is how many DescribeTaskStatus queries of a task answer "in progress" (2) before it answers
	// success (0), so clients are made to poll as they must against the real CLB. Set it before serving.
	TaskPolls int
	// OnChange receives the state after every successful mutating call, before that call is answered, so a
	// mirror is current when the client sees success. It runs outside the state lock and may call Listeners,
	// but must not send mutating calls to this server. A snapshot already superseded by a later one (concurrent
	// mutations) is skipped, so the mirror never goes back in time. Set it before serving.
	OnChange func([]ListenerState)

	secretID, secretKey string

	mu        sync.Mutex
	lbs       map[string]*loadBalancer
	issued    map[string]bool // every listener ID ever handed out, so a deleted ID is never reused
	tasks     map[string]*task
	faults    map[string][]fault
	calls     []Call
	version   uint64
	requestNo atomic.Uint64

	// hookMu only orders OnChange deliveries. It is taken after mu is released, never while mu is held, so a
	// hook that reads Listeners cannot deadlock.
	hookMu    sync.Mutex
	delivered uint64
}

type loadBalancer struct {
	id, vip   string
	listeners map[string]*listener
}

type listener struct {
	id, protocol, name string
	port, endPort      int64
	targets            map[Target]*backend
}

// backend remembers how a target was registered, because DescribeTargets reports ENI and CVM targets differently.
type backend struct {
	Target
	instance bool
	weight   int64
}

type task struct{ polls int }

type fault struct {
	code  string
	times int
}

// apiError is an error the API answers in its envelope, as opposed to a transport failure.
type apiError struct{ code, message string }

func errorf(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

// New returns a fake that accepts requests signed with exactly this key pair.
func New(secretID, secretKey string) *Server {
	return &Server{
		TaskPolls: 1,
		secretID:  secretID,
		secretKey: secretKey,
		lbs:       map[string]*loadBalancer{},
		issued:    map[string]bool{},
		tasks:     map[string]*task{},
		faults:    map[string][]fault{},
	}
}

// AddLoadBalancer registers a load balancer, since the fake does not model creating them. Adding an existing ID
// changes its VIP and keeps its listeners.
func (s *Server) AddLoadBalancer(id, vip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if lb, ok := s.lbs[id]; ok {
		lb.vip = vip
		return
	}
	s.lbs[id] = &loadBalancer{id: id, vip: vip, listeners: map[string]*listener{}}
}

// FailNext makes the next times calls of action answer code without touching state, to exercise a client's
// retries (RequestLimitExceeded, FailedOperation.ResourceInOperating). Faults queue in the order given;
// times <= 0 drops the faults pending for action.
func (s *Server) FailNext(action, code string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if times <= 0 {
		delete(s.faults, action)
		return
	}
	s.faults[action] = append(s.faults[action], fault{code: code, times: times})
}

// Calls returns a copy of the call log, oldest first.
func (s *Server) Calls() []Call {
	return s.CallsOf("")
}

// CallsOf returns a copy of the logged calls of one action ("" for all), oldest first.
func (s *Server) CallsOf(action string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if action != "" && c.Action != action {
			continue
		}
		c.Ports = append([]int64(nil), c.Ports...)
		c.Targets = append([]Target(nil), c.Targets...)
		out = append(out, c)
	}
	return out
}

// ResetCalls empties the call log, so a test can assert on what one step sent.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

// Listeners returns the state of every listener, sorted by load balancer, port and protocol.
func (s *Server) Listeners() []ListenerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() []ListenerState {
	out := []ListenerState{}
	for _, lb := range s.lbs {
		for _, l := range lb.listeners {
			st := ListenerState{
				LoadBalancerID: lb.id, VIP: lb.vip, ListenerID: l.id, Protocol: l.protocol,
				Port: l.port, EndPort: l.endPort, Targets: []Target{},
			}
			for _, b := range l.sortedBackends() {
				st.Targets = append(st.Targets, b.Target)
			}
			out = append(out, st)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.LoadBalancerID != b.LoadBalancerID {
			return a.LoadBalancerID < b.LoadBalancerID
		}
		if a.Port != b.Port {
			return a.Port < b.Port
		}
		return a.Protocol < b.Protocol
	})
	return out
}

func (l *listener) sortedBackends() []*backend {
	out := make([]*backend, 0, len(l.targets))
	for _, b := range l.targets {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].IP != out[j].IP {
			return out[i].IP < out[j].IP
		}
		return out[i].Port < out[j].Port
	})
	return out
}

// Start serves the fake on addr (e.g. "127.0.0.1:0") and returns the "host:port" to put in
// HttpProfile.Endpoint. On an unspecified address it reports 127.0.0.1; clients elsewhere keep the port and use
// an address of this host that they can reach.
func (s *Server) Start(addr string) (endpoint string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: s}
	go func() { _ = srv.Serve(ln) }()
	tcp := ln.Addr().(*net.TCPAddr)
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	var once sync.Once
	return net.JoinHostPort(host, fmt.Sprint(tcp.Port)), func() { once.Do(func() { _ = srv.Close() }) }, nil
}

// wireRequest is the union of the request fields of the modelled actions; their names and types agree across
// actions, so one decode serves all of them and the call log.
type wireRequest struct {
	LoadBalancerId  *string
	LoadBalancerIds []*string
	ListenerId      *string
	ListenerIds     []*string
	Ports           []*int64
	Port            *int64
	EndPort         *int64
	Protocol        *string
	ListenerNames   []*string
	Targets         []*wireTarget
	TaskId          *string
}

type wireTarget struct {
	Port       *int64
	Type       *string
	InstanceId *string
	Weight     *int64
	EniIp      *string
}

func (t *wireTarget) address() (ip string, instance bool) {
	if t.EniIp != nil && *t.EniIp != "" {
		return *t.EniIp, false
	}
	if t.InstanceId != nil && *t.InstanceId != "" {
		return *t.InstanceId, true
	}
	return "", false
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func strs(ps []*string) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

func (in *wireRequest) call(action string) Call {
	c := Call{
		Action:         action,
		LoadBalancerID: str(in.LoadBalancerId),
		ListenerID:     str(in.ListenerId),
		Protocol:       str(in.Protocol),
	}
	if c.LoadBalancerID == "" {
		c.LoadBalancerID = strings.Join(strs(in.LoadBalancerIds), ",")
	}
	if c.ListenerID == "" {
		c.ListenerID = strings.Join(strs(in.ListenerIds), ",")
	}
	for _, p := range in.Ports {
		if p != nil {
			c.Ports = append(c.Ports, *p)
		}
	}
	if in.Port != nil {
		c.Ports = append(c.Ports, *in.Port)
	}
	if in.EndPort != nil {
		c.EndPort = *in.EndPort
	}
	for _, t := range in.Targets {
		if t == nil {
			continue
		}
		ip, _ := t.address()
		var port int64
		if t.Port != nil {
			port = *t.Port
		}
		c.Targets = append(c.Targets, Target{IP: ip, Port: port})
	}
	return c
}

// ServeHTTP answers one API call. Every answer is HTTP 200 with the API envelope, as the SDK treats any other
// status as a transport error and would hide the error code from the client under test.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := s.newRequestID()
	action := r.Header.Get("X-TC-Action")

	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	var in wireRequest
	var decodeErr error
	if readErr == nil && len(body) > 0 && len(body) <= maxBody {
		decodeErr = json.Unmarshal(body, &in)
	}

	// Authentication runs on the raw bytes without the lock: the key pair never changes.
	aerr := s.authenticate(r, body)
	switch {
	case aerr != nil:
	case readErr != nil:
		aerr = errorf("InvalidParameter", "reading the request body: %v", readErr)
	case len(body) > maxBody:
		aerr = errorf("InvalidParameter", "request body exceeds %d bytes", maxBody)
	case r.Header.Get("X-TC-Version") != APIVersion:
		aerr = errorf("NoSuchVersion", "version %q of clb is not served, only %s", r.Header.Get("X-TC-Version"), APIVersion)
	case handlers[action] == nil:
		aerr = errorf("InvalidAction", "action %q is not supported by clb %s (or by this fake)", action, APIVersion)
	}

	var out any
	mutated := false
	s.mu.Lock()
	if aerr == nil {
		aerr = s.takeFaultLocked(action)
	}
	if aerr == nil && decodeErr != nil {
		aerr = errorf("InvalidParameter", "malformed request body: %v", decodeErr)
	}
	if aerr == nil {
		out, mutated, aerr = handlers[action](s, &in, requestID)
	}
	c := in.call(action)
	if aerr != nil {
		c.ErrorCode = aerr.code
	}
	s.calls = append(s.calls, c)
	var snapshot []ListenerState
	var version uint64
	hook := s.OnChange
	if mutated {
		s.version++
		version = s.version
		if hook != nil {
			snapshot = s.snapshotLocked()
		}
	}
	s.mu.Unlock()

	if mutated && hook != nil {
		s.deliver(version, snapshot, hook)
	}

	w.Header().Set("Content-Type", "application/json")
	if aerr != nil {
		out = errorBody{Error: errorDetail{Code: aerr.code, Message: aerr.message}, RequestId: requestID}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Response": out})
}

type errorDetail struct {
	Code    string
	Message string
}

type errorBody struct {
	Error     errorDetail
	RequestId string
}

func (s *Server) deliver(version uint64, snapshot []ListenerState, hook func([]ListenerState)) {
	s.hookMu.Lock()
	defer s.hookMu.Unlock()
	if version <= s.delivered {
		return
	}
	s.delivered = version
	hook(snapshot)
}

func (s *Server) takeFaultLocked(action string) *apiError {
	q := s.faults[action]
	if len(q) == 0 {
		return nil
	}
	code := q[0].code
	if q[0].times--; q[0].times <= 0 {
		q = q[1:]
	}
	if len(q) == 0 {
		delete(s.faults, action)
	} else {
		s.faults[action] = q
	}
	return errorf(code, "injected fault for %s", action)
}

// newRequestID returns a UUID-shaped ID like the real API's; the sequence number in the last group makes it
// unique within the server, which matters because mutating calls' IDs double as task IDs.
func (s *Server) newRequestID() string {
	n := s.requestNo.Add(1)
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x",
		rand.Uint32(), rand.Uint32()&0xffff, rand.Uint32()&0xfff, 0x8000|rand.Uint32()&0x3fff, n)
}
