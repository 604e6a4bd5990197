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

// Package network decides the listeners a PortMapping needs, which pod each one forwards to, and what a pod is
// told about its external address. It only computes; the controllers and providers act on its answers.
package network

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

const (
	// MappingLabel names the PortMapping a Listener belongs to.
	MappingLabel = "tkex.tencent.com/port-mapping"
	// OrdinalLabel is the ordinal a Listener forwards to.
	OrdinalLabel = "tkex.tencent.com/ordinal"
	// BindingsAnnotation on a pod lists its external addresses, kept current by the PortMapping controller.
	BindingsAnnotation = "tkex.tencent.com/port-bindings"
	// ReadinessGate is the condition, on pods created with it, that says every listener of the pod's ordinal
	// forwards to it.
	ReadinessGate corev1.PodConditionType = "tkex.tencent.com/listeners-synced"
	// DefaultWeight is the target weight, upstream's.
	DefaultWeight = 10
	// MaxListeners bounds one PortMapping: a CLB instance holds a few thousand listeners at most, and every
	// listener is an object.
	MaxListeners = 5000
)

// Listener is one listener a mapping needs: on one load balancer, one protocol, one port or one segment.
type Listener struct {
	// Name is the Listener object's name.
	Name           string
	Mapping        int
	Ordinal        int32
	LoadBalancerID string
	Protocol       string
	Port           int32
	// EndPort is the last port of a segment listener, 0 for one port.
	EndPort int32
	// TargetPort is the pod port the first port forwards to.
	TargetPort int32
	HostPort   bool
}

// Ports is how many ports the listener forwards.
func (l Listener) Ports() int32 {
	if l.EndPort == 0 {
		return 1
	}
	return l.EndPort - l.Port + 1
}

// segmentLength is upstream's: 0 and 1 mean one port.
func segmentLength(m gstsv1alpha1.IngressPortMapping) int32 {
	if m.SegmentLength <= 1 {
		return 1
	}
	return m.SegmentLength
}

// Protocols expands a mapping's protocol: TCP_UDP is a TCP and a UDP listener on the same ports.
func Protocols(protocol string) []string {
	switch p := strings.ToUpper(protocol); p {
	case gstsv1alpha1.ProtocolTCPUDP:
		return []string{gstsv1alpha1.ProtocolTCP, gstsv1alpha1.ProtocolUDP}
	default:
		return []string{p}
	}
}

// PortsOf is the load-balancer port range of an ordinal, and the pod port its first port forwards to.
func PortsOf(m gstsv1alpha1.IngressPortMapping, ordinal int32) (first, last, target int32) {
	seg := segmentLength(m)
	first = m.StartPort + ordinal*seg
	last = first + seg - 1
	switch {
	case m.IsRsPortFixed && m.RsStartPort > 0:
		target = m.RsStartPort
	case m.IsRsPortFixed:
		target = m.StartPort
	case m.RsStartPort > 0:
		target = m.RsStartPort + ordinal*seg
	default:
		target = first
	}
	return first, last, target
}

// Listeners lists every listener of the mapping, sorted by name: for each load balancer, mapping, ordinal in
// [startIndex, endIndex) and protocol, one segment listener, or one per port with ignoreSegment or a segment of
// one. They exist whether or not the ordinal has a pod, so that an ordinal's ports never move.
func Listeners(pm *gstsv1alpha1.PortMapping) ([]Listener, error) {
	if err := Validate(pm); err != nil {
		return nil, err
	}
	var out []Listener
	for _, lb := range pm.Spec.LoadBalancerIDs {
		for mi, m := range pm.Spec.PortMappings {
			for ordinal := m.StartIndex; ordinal < m.EndIndex; ordinal++ {
				first, last, target := PortsOf(m, ordinal)
				for _, protocol := range Protocols(m.Protocol) {
					l := Listener{Mapping: mi, Ordinal: ordinal, LoadBalancerID: lb, Protocol: protocol,
						TargetPort: target, HostPort: m.HostPort}
					if first == last || m.IgnoreSegment {
						for p := first; p <= last; p++ {
							one := l
							one.Port = p
							if !m.IsRsPortFixed {
								one.TargetPort = target + (p - first)
							}
							out = append(out, one)
						}
						continue
					}
					l.Port, l.EndPort = first, last
					out = append(out, l)
				}
			}
		}
	}
	for i := range out {
		out[i].Name = ListenerName(pm.Name, out[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ListenerName is upstream's listener name (load balancer, protocol, ports) behind the mapping's name, so that
// two mappings never share an object; a name too long for the API is shortened with a hash.
func ListenerName(mapping string, l Listener) string {
	lb := strings.ReplaceAll(l.LoadBalancerID, ":", "-")
	name := fmt.Sprintf("%s-%s-%s-%d", mapping, lb, strings.ToLower(l.Protocol), l.Port)
	if l.EndPort != 0 {
		name += "-" + strconv.Itoa(int(l.EndPort))
	}
	if len(name) > 253 {
		sum := sha256.Sum256([]byte(name))
		name = name[:240] + "-" + hex.EncodeToString(sum[:])[:12]
	}
	return name
}

// Validate refuses what the schema cannot see: another namespace, listeners of two mappings on the same ports
// of a load balancer, and more listeners than one mapping may hold.
func Validate(pm *gstsv1alpha1.PortMapping) error {
	type span struct {
		mapping     int
		first, last int32
	}
	count := 0
	byProtocol := map[string][]span{}
	for mi, m := range pm.Spec.PortMappings {
		if m.WorkloadNamespace != "" && m.WorkloadNamespace != pm.Namespace {
			return fmt.Errorf("portMappings[%d]: workloadNamespace %q is not the mapping's namespace %q: a mapping only reaches its own namespace",
				mi, m.WorkloadNamespace, pm.Namespace)
		}
		kind := strings.ToLower(m.WorkloadKind)
		if kind != "gamestatefulset" && kind != "statefulset" {
			return fmt.Errorf("portMappings[%d]: workloadKind %q is neither GameStatefulSet nor StatefulSet", mi, m.WorkloadKind)
		}
		if m.EndIndex <= m.StartIndex {
			return fmt.Errorf("portMappings[%d]: endIndex %d must be greater than startIndex %d", mi, m.EndIndex, m.StartIndex)
		}
		first, _, _ := PortsOf(m, m.StartIndex)
		_, last, target := PortsOf(m, m.EndIndex-1)
		if first < 1 || last > 65535 {
			return fmt.Errorf("portMappings[%d]: ordinals %d to %d need ports %d to %d, outside 1-65535", mi, m.StartIndex, m.EndIndex-1, first, last)
		}
		if target+segmentLength(m)-1 > 65535 {
			return fmt.Errorf("portMappings[%d]: the target ports end beyond 65535", mi)
		}
		per := 1
		if m.IgnoreSegment {
			per = int(segmentLength(m))
		}
		count += int(m.EndIndex-m.StartIndex) * per * len(Protocols(m.Protocol))
		for _, p := range Protocols(m.Protocol) {
			for _, other := range byProtocol[p] {
				if first <= other.last && other.first <= last {
					return fmt.Errorf("portMappings[%d] and portMappings[%d] both use %s ports %d-%d of the same load balancers",
						other.mapping, mi, p, max(first, other.first), min(last, other.last))
				}
			}
			byProtocol[p] = append(byProtocol[p], span{mapping: mi, first: first, last: last})
		}
	}
	if total := count * len(pm.Spec.LoadBalancerIDs); total > MaxListeners {
		return fmt.Errorf("the mapping needs %d listeners, more than the %d one PortMapping may hold: split it", total, MaxListeners)
	}
	return nil
}

// Selects tells whether a mapping of pm maps the workload, and which one first.
func Selects(pm *gstsv1alpha1.PortMapping, kind, name string) bool {
	for _, m := range pm.Spec.PortMappings {
		if strings.EqualFold(m.WorkloadKind, kind) && m.WorkloadName == name {
			return true
		}
	}
	return false
}

// WorkloadOf is the kind and name of the workload that controls the pod, and its ordinal; ok is false for pods
// of neither a GameStatefulSet nor a StatefulSet.
func WorkloadOf(pod *corev1.Pod) (kind, name string, ordinal int32, ok bool) {
	owner := metav1.GetControllerOf(pod)
	if owner == nil || (owner.Kind != gstsv1alpha1.WorkloadKindGameStatefulSet && owner.Kind != gstsv1alpha1.WorkloadKindStatefulSet) {
		return "", "", 0, false
	}
	suffix, found := strings.CutPrefix(pod.Name, owner.Name+"-")
	if !found || suffix == "" || (len(suffix) > 1 && suffix[0] == '0') {
		return "", "", 0, false
	}
	n, err := strconv.ParseInt(suffix, 10, 32)
	if err != nil || n < 0 {
		return "", "", 0, false
	}
	return owner.Kind, owner.Name, int32(n), true
}

// Target is the backend a pod gives a listener: its pod IP, or its node's IP with hostPort. A pod that is
// terminating, finished or without an address gives none: a game server on its way out takes no new players,
// and its replacement is registered on the same listener.
func Target(l Listener, pod *corev1.Pod) (gstsv1alpha1.ListenerBackend, bool) {
	if pod == nil || pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return gstsv1alpha1.ListenerBackend{}, false
	}
	ip := pod.Status.PodIP
	if l.HostPort {
		ip = pod.Status.HostIP
	}
	if ip == "" {
		return gstsv1alpha1.ListenerBackend{}, false
	}
	return gstsv1alpha1.ListenerBackend{IP: ip, Port: l.TargetPort, Weight: DefaultWeight}, true
}

// Spec is the Listener object's spec: the listener with the ordinal's pod, if it has one to forward to.
func Spec(provider gstsv1alpha1.LoadBalancerProvider, l Listener, pod *corev1.Pod) gstsv1alpha1.ListenerSpec {
	spec := gstsv1alpha1.ListenerSpec{Provider: provider, LoadbalancerID: l.LoadBalancerID, Port: l.Port,
		EndPort: l.EndPort, Protocol: l.Protocol, TargetGroup: &gstsv1alpha1.ListenerTargetGroup{Protocol: l.Protocol}}
	if backend, ok := Target(l, pod); ok {
		spec.TargetGroup.Backends = []gstsv1alpha1.ListenerBackend{backend}
	}
	return spec
}

// Synced tells whether the provider holds the listener's current spec.
func Synced(l *gstsv1alpha1.Listener) bool {
	return l.Status.Status == gstsv1alpha1.ListenerSynced && l.Status.ObservedGeneration == l.Generation
}

// ProviderOf is the mapping's provider, local when unset.
func ProviderOf(pm *gstsv1alpha1.PortMapping) gstsv1alpha1.LoadBalancerProvider {
	if pm.Spec.Provider == "" {
		return gstsv1alpha1.LocalProvider
	}
	return pm.Spec.Provider
}
