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

package fakeclb

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Task statuses of DescribeTaskStatus.
const (
	taskSucceeded  = 0
	taskInProgress = 2
)

// maxTargetsPerCall is the real API's limit on Targets in one RegisterTargets or DeregisterTargets.
const maxTargetsPerCall = 20

// defaultWeight is what the real API gives a target registered without a weight.
const defaultWeight = 10

// A handler runs with s.mu held. It reports whether it changed state, so the caller knows to notify OnChange;
// a mutating handler's request ID becomes its task ID.
type handler func(s *Server, in *wireRequest, requestID string) (out any, mutated bool, err *apiError)

var handlers = map[string]handler{
	"CreateListener":              (*Server).createListener,
	"DescribeListeners":           (*Server).describeListeners,
	"DeleteLoadBalancerListeners": (*Server).deleteListeners,
	"RegisterTargets":             (*Server).registerTargets,
	"DeregisterTargets":           (*Server).deregisterTargets,
	"DescribeTargets":             (*Server).describeTargets,
	"DescribeLoadBalancers":       (*Server).describeLoadBalancers,
	"DescribeTaskStatus":          (*Server).describeTaskStatus,
}

type requestIDOnly struct {
	RequestId string
}

func (s *Server) loadBalancerLocked(in *wireRequest) (*loadBalancer, *apiError) {
	id := str(in.LoadBalancerId)
	if id == "" {
		return nil, errorf("MissingParameter", "LoadBalancerId is required")
	}
	lb, ok := s.lbs[id]
	if !ok {
		return nil, errorf("InvalidParameter.LBIdNotFound", "load balancer %s does not exist", id)
	}
	return lb, nil
}

// span is the closed port range a listener occupies; a single-port listener is [Port, Port].
func (l *listener) span() (lo, hi int64) {
	if l.endPort > 0 {
		return l.port, l.endPort
	}
	return l.port, l.port
}

func describeRange(lo, hi int64) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d-%d", lo, hi)
}

func validPort(p int64) bool { return p >= 1 && p <= 65535 }

func (s *Server) createListener(in *wireRequest, requestID string) (any, bool, *apiError) {
	lb, err := s.loadBalancerLocked(in)
	if err != nil {
		return nil, false, err
	}
	if len(in.Ports) == 0 {
		return nil, false, errorf("MissingParameter", "Ports is required")
	}
	protocol := strings.ToUpper(str(in.Protocol))
	switch protocol {
	case "":
		return nil, false, errorf("MissingParameter", "Protocol is required")
	case "TCP", "UDP":
	default:
		return nil, false, errorf("InvalidParameterValue", "protocol %q is not modelled by this fake (TCP, UDP)", str(in.Protocol))
	}
	ports := make([]int64, 0, len(in.Ports))
	for _, p := range in.Ports {
		if p == nil || !validPort(*p) {
			return nil, false, errorf("InvalidParameterValue", "Ports must hold ports in 1-65535")
		}
		ports = append(ports, *p)
	}
	var endPort int64
	if in.EndPort != nil {
		endPort = *in.EndPort
	}
	if endPort != 0 {
		if len(ports) != 1 {
			return nil, false, errorf("InvalidParameterValue", "with EndPort, Ports must hold exactly one port, not %d", len(ports))
		}
		if endPort <= ports[0] || !validPort(endPort) {
			return nil, false, errorf("InvalidParameterValue", "EndPort %d must be above Port %d and at most 65535", endPort, ports[0])
		}
	}
	if len(in.ListenerNames) > 0 && len(in.ListenerNames) != len(ports) {
		return nil, false, errorf("InvalidParameterValue", "ListenerNames has %d names for %d ports", len(in.ListenerNames), len(ports))
	}

	// The whole call is refused on any conflict, against existing listeners or within the call itself, so a
	// refused call leaves no partial state, as the real API does.
	fresh := make([]*listener, 0, len(ports))
	for i, p := range ports {
		l := &listener{protocol: protocol, port: p, endPort: endPort, targets: map[Target]*backend{}}
		if len(in.ListenerNames) > 0 {
			l.name = str(in.ListenerNames[i])
		}
		lo, hi := l.span()
		for _, other := range lb.listeners {
			if other.protocol != protocol {
				continue
			}
			if olo, ohi := other.span(); lo <= ohi && olo <= hi {
				return nil, false, errorf("InvalidParameter.PortCheckFailed",
					"%s port %s conflicts with listener %s (%s port %s) of load balancer %s",
					protocol, describeRange(lo, hi), other.id, other.protocol, describeRange(olo, ohi), lb.id)
			}
		}
		for _, other := range fresh {
			if olo, ohi := other.span(); lo <= ohi && olo <= hi {
				return nil, false, errorf("InvalidParameter.PortCheckFailed",
					"%s port %s is requested twice in one call", protocol, describeRange(lo, hi))
			}
		}
		fresh = append(fresh, l)
	}

	ids := make([]string, 0, len(fresh))
	for _, l := range fresh {
		l.id = s.newListenerIDLocked()
		lb.listeners[l.id] = l
		ids = append(ids, l.id)
	}
	s.tasks[requestID] = &task{}
	return struct {
		ListenerIds []string
		RequestId   string
	}{ids, requestID}, true, nil
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func (s *Server) newListenerIDLocked() string {
	for {
		b := make([]byte, 8)
		for i := range b {
			b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
		}
		id := "lbl-" + string(b)
		if !s.issued[id] {
			s.issued[id] = true
			return id
		}
	}
}

// selectListeners applies the ListenerIds, Protocol and Port filters shared by DescribeListeners and
// DescribeTargets; Port matches a listener's first port, segments included.
func selectListeners(lb *loadBalancer, in *wireRequest) []*listener {
	wanted := map[string]bool{}
	for _, id := range strs(in.ListenerIds) {
		wanted[id] = true
	}
	protocol := strings.ToUpper(str(in.Protocol))
	var out []*listener
	for _, l := range lb.listeners {
		if len(wanted) > 0 && !wanted[l.id] {
			continue
		}
		if protocol != "" && l.protocol != protocol {
			continue
		}
		if in.Port != nil && l.port != *in.Port {
			continue
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].port != out[j].port {
			return out[i].port < out[j].port
		}
		return out[i].protocol < out[j].protocol
	})
	return out
}

type wireListener struct {
	ListenerId   string
	Protocol     string
	Port         int64
	EndPort      int64
	ListenerName string
}

func (s *Server) describeListeners(in *wireRequest, requestID string) (any, bool, *apiError) {
	lb, err := s.loadBalancerLocked(in)
	if err != nil {
		return nil, false, err
	}
	out := []wireListener{}
	for _, l := range selectListeners(lb, in) {
		out = append(out, wireListener{ListenerId: l.id, Protocol: l.protocol, Port: l.port, EndPort: l.endPort, ListenerName: l.name})
	}
	return struct {
		Listeners  []wireListener
		TotalCount uint64
		RequestId  string
	}{out, uint64(len(out)), requestID}, false, nil
}

func (s *Server) deleteListeners(in *wireRequest, requestID string) (any, bool, *apiError) {
	lb, err := s.loadBalancerLocked(in)
	if err != nil {
		return nil, false, err
	}
	ids := strs(in.ListenerIds)
	// Check every ID before deleting any, so a refused call changes nothing.
	for _, id := range ids {
		if lb.listeners[id] == nil {
			return nil, false, errorf("InvalidParameter.ListenerIdNotFound", "listener %s does not exist on load balancer %s", id, lb.id)
		}
	}
	if len(ids) == 0 {
		lb.listeners = map[string]*listener{}
	}
	for _, id := range ids {
		delete(lb.listeners, id)
	}
	s.tasks[requestID] = &task{}
	return requestIDOnly{requestID}, true, nil
}

// targetsLocked resolves and validates the listener and targets of RegisterTargets and DeregisterTargets.
func (s *Server) targetsLocked(in *wireRequest) (*listener, []backend, *apiError) {
	lb, err := s.loadBalancerLocked(in)
	if err != nil {
		return nil, nil, err
	}
	id := str(in.ListenerId)
	if id == "" {
		return nil, nil, errorf("MissingParameter", "ListenerId is required")
	}
	l := lb.listeners[id]
	if l == nil {
		return nil, nil, errorf("InvalidParameter.ListenerIdNotFound", "listener %s does not exist on load balancer %s", id, lb.id)
	}
	if len(in.Targets) == 0 {
		return nil, nil, errorf("MissingParameter", "Targets is required")
	}
	if len(in.Targets) > maxTargetsPerCall {
		return nil, nil, errorf("LimitExceeded", "%d targets in one call, at most %d", len(in.Targets), maxTargetsPerCall)
	}
	out := make([]backend, 0, len(in.Targets))
	for i, t := range in.Targets {
		if t == nil {
			return nil, nil, errorf("InvalidParameterValue", "Targets[%d] is null", i)
		}
		if str(t.EniIp) != "" && str(t.InstanceId) != "" {
			return nil, nil, errorf("InvalidParameterValue", "Targets[%d] sets both EniIp and InstanceId", i)
		}
		ip, instance := t.address()
		if ip == "" {
			return nil, nil, errorf("InvalidParameterValue", "Targets[%d] needs EniIp or InstanceId", i)
		}
		if t.Port == nil || !validPort(*t.Port) {
			return nil, nil, errorf("InvalidParameterValue", "Targets[%d].Port must be in 1-65535", i)
		}
		weight := int64(defaultWeight)
		if t.Weight != nil {
			weight = *t.Weight
		}
		if weight < 0 || weight > 100 {
			return nil, nil, errorf("InvalidParameterValue", "Targets[%d].Weight %d is not in 0-100", i, weight)
		}
		out = append(out, backend{Target: Target{IP: ip, Port: *t.Port}, instance: instance, weight: weight})
	}
	return l, out, nil
}

func (s *Server) registerTargets(in *wireRequest, requestID string) (any, bool, *apiError) {
	l, targets, err := s.targetsLocked(in)
	if err != nil {
		return nil, false, err
	}
	for _, t := range targets {
		// Registering a bound target again keeps the binding as it is, so retried calls are harmless.
		if l.targets[t.Target] == nil {
			b := t
			l.targets[t.Target] = &b
		}
	}
	s.tasks[requestID] = &task{}
	return requestIDOnly{requestID}, true, nil
}

func (s *Server) deregisterTargets(in *wireRequest, requestID string) (any, bool, *apiError) {
	l, targets, err := s.targetsLocked(in)
	if err != nil {
		return nil, false, err
	}
	for _, t := range targets {
		delete(l.targets, t.Target)
	}
	s.tasks[requestID] = &task{}
	return requestIDOnly{requestID}, true, nil
}

type wireBackend struct {
	Type               string
	InstanceId         string
	Port               int64
	Weight             int64
	PrivateIpAddresses []string
}

type wireListenerBackend struct {
	ListenerId string
	Protocol   string
	Port       int64
	EndPort    int64
	Targets    []wireBackend
}

func (s *Server) describeTargets(in *wireRequest, requestID string) (any, bool, *apiError) {
	lb, err := s.loadBalancerLocked(in)
	if err != nil {
		return nil, false, err
	}
	out := []wireListenerBackend{}
	for _, l := range selectListeners(lb, in) {
		lbk := wireListenerBackend{ListenerId: l.id, Protocol: l.protocol, Port: l.port, EndPort: l.endPort, Targets: []wireBackend{}}
		for _, b := range l.sortedBackends() {
			wb := wireBackend{Type: "ENI", Port: b.Port, Weight: b.weight, PrivateIpAddresses: []string{b.IP}}
			if b.instance {
				// The fake does not know an instance's address, so it reports none rather than a made-up one.
				wb = wireBackend{Type: "CVM", InstanceId: b.IP, Port: b.Port, Weight: b.weight, PrivateIpAddresses: []string{}}
			}
			lbk.Targets = append(lbk.Targets, wb)
		}
		out = append(out, lbk)
	}
	return struct {
		Listeners []wireListenerBackend
		RequestId string
	}{out, requestID}, false, nil
}

type wireLoadBalancer struct {
	LoadBalancerId   string
	LoadBalancerVips []string
}

func (s *Server) describeLoadBalancers(in *wireRequest, requestID string) (any, bool, *apiError) {
	wanted := map[string]bool{}
	for _, id := range strs(in.LoadBalancerIds) {
		wanted[id] = true
	}
	// Unknown IDs are left out rather than refused, as the real API filters.
	out := []wireLoadBalancer{}
	for id, lb := range s.lbs {
		if len(wanted) == 0 || wanted[id] {
			out = append(out, wireLoadBalancer{LoadBalancerId: id, LoadBalancerVips: []string{lb.vip}})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LoadBalancerId < out[j].LoadBalancerId })
	return struct {
		TotalCount      uint64
		LoadBalancerSet []wireLoadBalancer
		RequestId       string
	}{uint64(len(out)), out, requestID}, false, nil
}

func (s *Server) describeTaskStatus(in *wireRequest, requestID string) (any, bool, *apiError) {
	id := str(in.TaskId)
	if id == "" {
		return nil, false, errorf("MissingParameter", "TaskId is required")
	}
	t := s.tasks[id]
	if t == nil {
		return nil, false, errorf("InvalidParameter", "task %s does not exist", id)
	}
	status := taskSucceeded
	if t.polls < s.TaskPolls {
		t.polls++
		status = taskInProgress
	}
	return struct {
		Status    int64
		RequestId string
	}{int64(status), requestID}, false, nil
}
