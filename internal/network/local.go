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

package network

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// The local data path: a selector-less NodePort Service whose node ports are the listener's ports, and
// EndpointSlices that send them to the targets, so that kube-proxy forwards <any node IP>:<port> to the pod.

const (
	// LocalServiceLabel on a Listener names the Service of its ports; the listeners of the same ports and load
	// balancer (the TCP and UDP of a TCP_UDP mapping) share it, because the API server gives a node port number
	// to one Service only, though to both protocols within it.
	LocalServiceLabel = "tkex.tencent.com/local-service"
	// LocalListenerLabel on an EndpointSlice names the listener it forwards for.
	LocalListenerLabel = "tkex.tencent.com/listener"
	// ManagedBy is the EndpointSlice controller name the slices carry, so that Kubernetes' own leaves them alone.
	ManagedBy = "gamestatefulset-operator.tkex.tencent.com"
)

// LocalForward is one listener of the local data path, in the terms of both the Listener objects and the fake
// cloud's state that the e2e suite mirrors.
type LocalForward struct {
	// Name names the EndpointSlices (the Listener's name).
	Name           string
	LoadBalancerID string
	Protocol       string
	Port, EndPort  int32
	Targets        []gstsv1alpha1.ListenerBackend
}

// ForwardOf is a Listener's LocalForward.
func ForwardOf(name string, spec gstsv1alpha1.ListenerSpec) LocalForward {
	f := LocalForward{Name: name, LoadBalancerID: spec.LoadbalancerID, Protocol: spec.Protocol, Port: spec.Port, EndPort: spec.EndPort}
	if spec.TargetGroup != nil {
		f.Targets = spec.TargetGroup.Backends
	}
	return f
}

func (f LocalForward) last() int32 {
	if f.EndPort == 0 {
		return f.Port
	}
	return f.EndPort
}

// LocalServiceName is the Service of a listener's ports: a DNS label, shortened with a hash when too long.
func LocalServiceName(f LocalForward) string {
	lb := strings.ToLower(strings.NewReplacer(":", "-", "_", "-", ".", "-").Replace(f.LoadBalancerID))
	name := fmt.Sprintf("gsts-%s-%d", lb, f.Port)
	if f.EndPort != 0 {
		name += fmt.Sprintf("-%d", f.EndPort)
	}
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(name))
		name = "gsts-" + hex.EncodeToString(sum[:])[:16] + fmt.Sprintf("-%d", f.Port)
	}
	return name
}

func portName(protocol string, port int32) string {
	return fmt.Sprintf("%s-%d", strings.ToLower(protocol), port)
}

// LocalService is the Service of forwards that share one LocalServiceName: a port per protocol and port, each
// its own node port.
func LocalService(namespace, name string, forwards []LocalForward) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{LocalServiceLabel: name}},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyCluster},
	}
	for _, f := range forwards {
		for p := f.Port; p <= f.last(); p++ {
			svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: portName(f.Protocol, p),
				Protocol: corev1.Protocol(f.Protocol), Port: p, TargetPort: intstr.FromInt32(p), NodePort: p})
		}
	}
	sort.Slice(svc.Spec.Ports, func(i, j int) bool { return svc.Spec.Ports[i].Name < svc.Spec.Ports[j].Name })
	return svc
}

// LocalSlices are the EndpointSlices of one forward: one per distinct target port, since a slice's ports
// apply to all its endpoints. Without targets there is none, and the ports are dark.
func LocalSlices(namespace, service string, f LocalForward) []*discoveryv1.EndpointSlice {
	byPort := map[int32][]string{}
	var ports []int32
	for _, t := range f.Targets {
		if _, seen := byPort[t.Port]; !seen {
			ports = append(ports, t.Port)
		}
		byPort[t.Port] = append(byPort[t.Port], t.IP)
	}
	sort.Slice(ports, func(i, j int) bool { return ports[i] < ports[j] })
	var out []*discoveryv1.EndpointSlice
	for _, target := range ports {
		slice := &discoveryv1.EndpointSlice{
			ObjectMeta: metav1.ObjectMeta{Name: LocalSliceName(f.Name, target), Namespace: namespace, Labels: map[string]string{
				discoveryv1.LabelServiceName: service, discoveryv1.LabelManagedBy: ManagedBy, LocalListenerLabel: shortLabel(f.Name)}},
			AddressType: addressType(byPort[target][0]),
		}
		ready := true
		for _, ip := range byPort[target] {
			slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip},
				Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
		}
		protocol := corev1.Protocol(f.Protocol)
		for p := f.Port; p <= f.last(); p++ {
			name, port := portName(f.Protocol, p), target+(p-f.Port)
			slice.Ports = append(slice.Ports, discoveryv1.EndpointPort{Name: &name, Protocol: &protocol, Port: &port})
		}
		out = append(out, slice)
	}
	return out
}

// LocalSliceName is the name of a forward's slice for one target port.
func LocalSliceName(forward string, target int32) string {
	name := fmt.Sprintf("%s-%d", forward, target)
	if len(name) > 253 {
		sum := sha256.Sum256([]byte(name))
		name = name[:236] + "-" + hex.EncodeToString(sum[:])[:16]
	}
	return name
}

// shortLabel fits a name into a label value.
func shortLabel(name string) string {
	if len(name) <= 63 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:46] + "-" + hex.EncodeToString(sum[:])[:16]
}

// LocalListenerSelector is the label value a forward's slices carry.
func LocalListenerSelector(forward string) string { return shortLabel(forward) }

func addressType(ip string) discoveryv1.AddressType {
	if strings.Contains(ip, ":") {
		return discoveryv1.AddressTypeIPv6
	}
	return discoveryv1.AddressTypeIPv4
}
