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
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// Binding is one external address of a pod, as its annotation and environment carry it.
type Binding struct {
	// Mapping is the mapping's name, or MAPPING<index> without one.
	Mapping        string `json:"mapping"`
	PortMapping    string `json:"portMapping"`
	LoadBalancerID string `json:"loadBalancerID"`
	// Address is where players connect; empty until the provider reported it.
	Address  string `json:"address,omitempty"`
	Protocol string `json:"protocol"`
	Port     int32  `json:"port"`
	// EndPort is the last port of the pod's segment, 0 for one port.
	EndPort    int32  `json:"endPort,omitempty"`
	TargetPort int32  `json:"targetPort"`
	Listener   string `json:"listener,omitempty"`
	// Synced says the listener forwards to this pod now.
	Synced bool `json:"synced,omitempty"`
}

// MappingKey names a mapping in environment variables.
func MappingKey(m gstsv1alpha1.IngressPortMapping, index int) string {
	if m.Name != "" {
		return strings.ToUpper(m.Name)
	}
	return fmt.Sprintf("MAPPING%d", index)
}

// Addresses are the addresses the providers reported, by load balancer.
func Addresses(pm *gstsv1alpha1.PortMapping) map[string]string {
	out := map[string]string{}
	for _, lb := range pm.Status.LoadBalancers {
		out[lb.ID] = lb.Address
	}
	return out
}

// BindingsOf are the bindings of an ordinal: one per listener of it, in the order of Listeners. observed holds
// the Listener objects by name (nil at pod creation); pod is the pod they should forward to.
func BindingsOf(pm *gstsv1alpha1.PortMapping, listeners []Listener, ordinal int32, observed map[string]*gstsv1alpha1.Listener, pod *corev1.Pod) []Binding {
	addresses := Addresses(pm)
	var out []Binding
	for _, l := range listeners {
		if l.Ordinal != ordinal {
			continue
		}
		b := Binding{Mapping: MappingKey(pm.Spec.PortMappings[l.Mapping], l.Mapping), PortMapping: pm.Name,
			LoadBalancerID: l.LoadBalancerID, Address: addresses[l.LoadBalancerID], Protocol: l.Protocol, Port: l.Port,
			EndPort: l.EndPort, TargetPort: l.TargetPort, Listener: l.Name}
		if o := observed[l.Name]; o != nil {
			if o.Status.Address != "" {
				b.Address = o.Status.Address
			}
			want, ok := Target(l, pod)
			b.Synced = ok && Synced(o) && forwardsTo(o, want)
		}
		out = append(out, b)
	}
	return out
}

func forwardsTo(l *gstsv1alpha1.Listener, want gstsv1alpha1.ListenerBackend) bool {
	if l.Spec.TargetGroup == nil {
		return false
	}
	for _, b := range l.Spec.TargetGroup.Backends {
		if b.IP == want.IP && b.Port == want.Port {
			return true
		}
	}
	return false
}

// AllSynced tells whether every binding forwards to the pod; false without bindings.
func AllSynced(bindings []Binding) bool {
	for _, b := range bindings {
		if !b.Synced {
			return false
		}
	}
	return len(bindings) > 0
}

// Annotation is the value of BindingsAnnotation for bindings of several mappings, merged and stable.
func Annotation(bindings []Binding) string {
	if len(bindings) == 0 {
		return ""
	}
	data, _ := json.Marshal(bindings)
	return string(data)
}

// PodNetwork is what a pod is created with: its addresses in the environment, and the readiness gate.
type PodNetwork struct {
	Env           []corev1.EnvVar
	ReadinessGate bool
}

// ForOrdinal is the PodNetwork of a GameStatefulSet's ordinal from the mappings that select the set: the
// environment a game reads at start, before any annotation can reach it. An ordinal outside every mapping gets
// nothing; a mapping name used twice keeps its first mapping's variables.
func ForOrdinal(mappings []*gstsv1alpha1.PortMapping, setName string, ordinal int32) *PodNetwork {
	var bindings []Binding
	gate := false
	for _, pm := range mappings {
		if pm.DeletionTimestamp != nil || !Selects(pm, gstsv1alpha1.WorkloadKindGameStatefulSet, setName) {
			continue
		}
		listeners, err := Listeners(pm)
		if err != nil {
			continue
		}
		var own []Listener
		for _, l := range listeners {
			m := pm.Spec.PortMappings[l.Mapping]
			if strings.EqualFold(m.WorkloadKind, gstsv1alpha1.WorkloadKindGameStatefulSet) && m.WorkloadName == setName {
				own = append(own, l)
			}
		}
		found := BindingsOf(pm, own, ordinal, nil, nil)
		if len(found) > 0 && pm.Spec.ReadinessGate {
			gate = true
		}
		bindings = append(bindings, found...)
	}
	if len(bindings) == 0 {
		return nil
	}
	return &PodNetwork{Env: Env(bindings), ReadinessGate: gate}
}

// Env is the environment of bindings: GSTS_PORT_BINDINGS with all of them as JSON, GSTS_EXTERNAL_ADDRESS, and
// per mapping GSTS_EXTERNAL_<NAME>_ADDRESS, _PORT, _END_PORT and _PROTOCOL of its first load balancer.
func Env(bindings []Binding) []corev1.EnvVar {
	type first struct {
		b         Binding
		protocols []string
	}
	var order []string
	byMapping := map[string]*first{}
	for _, b := range bindings {
		key := b.Mapping
		f := byMapping[key]
		if f == nil {
			f = &first{b: b}
			byMapping[key] = f
			order = append(order, key)
		}
		if f.b.PortMapping != b.PortMapping || f.b.LoadBalancerID != b.LoadBalancerID {
			continue
		}
		if f.b.Port == b.Port && !contains(f.protocols, b.Protocol) {
			f.protocols = append(f.protocols, b.Protocol)
		}
		// with ignoreSegment an ordinal has one listener per port: its range is theirs together
		if b.Protocol == f.b.Protocol && b.Port > f.b.Port {
			f.b.EndPort = max(f.b.EndPort, b.Port, b.EndPort)
		}
	}
	env := []corev1.EnvVar{{Name: "GSTS_PORT_BINDINGS", Value: Annotation(bindings)}}
	if bindings[0].Address != "" {
		env = append(env, corev1.EnvVar{Name: "GSTS_EXTERNAL_ADDRESS", Value: bindings[0].Address})
	}
	for _, key := range order {
		f := byMapping[key]
		end := f.b.EndPort
		if end == 0 {
			end = f.b.Port
		}
		prefix := "GSTS_EXTERNAL_" + key
		if f.b.Address != "" {
			env = append(env, corev1.EnvVar{Name: prefix + "_ADDRESS", Value: f.b.Address})
		}
		env = append(env,
			corev1.EnvVar{Name: prefix + "_PORT", Value: fmt.Sprint(f.b.Port)},
			corev1.EnvVar{Name: prefix + "_END_PORT", Value: fmt.Sprint(end)},
			corev1.EnvVar{Name: prefix + "_PROTOCOL", Value: strings.Join(f.protocols, "_")})
	}
	return env
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Apply gives a new pod its PodNetwork: the variables in every container, before the template's, so that the
// template's variables can refer to them as $(GSTS_…) and its own value of the same name wins; and the gate.
func Apply(pod *corev1.Pod, n *PodNetwork) {
	if n == nil {
		return
	}
	for _, containers := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range containers {
			containers[i].Env = append(append([]corev1.EnvVar{}, n.Env...), containers[i].Env...)
		}
	}
	if n.ReadinessGate {
		for _, g := range pod.Spec.ReadinessGates {
			if g.ConditionType == ReadinessGate {
				return
			}
		}
		pod.Spec.ReadinessGates = append(pod.Spec.ReadinessGates, corev1.PodReadinessGate{ConditionType: ReadinessGate})
	}
}

// Merge replaces, in a pod's annotation value, the bindings of one PortMapping with own, keeping those of the
// other PortMappings that map the pod; the result is sorted so that equal sets give equal values.
func Merge(annotation, portMapping string, own []Binding) string {
	var all []Binding
	if annotation != "" {
		// a value this code did not write is replaced whole: the annotation is the operator's
		_ = json.Unmarshal([]byte(annotation), &all)
	}
	kept := all[:0]
	for _, b := range all {
		if b.PortMapping != portMapping {
			kept = append(kept, b)
		}
	}
	kept = append(kept, own...)
	sort.SliceStable(kept, func(i, j int) bool {
		if kept[i].PortMapping != kept[j].PortMapping {
			return kept[i].PortMapping < kept[j].PortMapping
		}
		return kept[i].Listener < kept[j].Listener
	})
	return Annotation(kept)
}

// Parse reads an annotation value; an unreadable one holds nothing.
func Parse(annotation string) []Binding {
	var all []Binding
	if annotation != "" {
		_ = json.Unmarshal([]byte(annotation), &all)
	}
	return all
}
