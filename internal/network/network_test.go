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
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func mapping(lbs []string, ms ...gstsv1alpha1.IngressPortMapping) *gstsv1alpha1.PortMapping {
	return &gstsv1alpha1.PortMapping{ObjectMeta: metav1.ObjectMeta{Name: "game", Namespace: "ns"},
		Spec: gstsv1alpha1.PortMappingSpec{LoadBalancerIDs: lbs, PortMappings: ms}}
}

func gsts(start, end, seg int32, protocol string) gstsv1alpha1.IngressPortMapping {
	return gstsv1alpha1.IngressPortMapping{WorkloadKind: "GameStatefulSet", WorkloadName: "web", StartPort: 31000,
		StartIndex: start, EndIndex: end, SegmentLength: seg, Protocol: protocol}
}

// short renders a listener as "lb/PROTO/port[-end]>target@ordinal".
func short(l Listener) string {
	ports := fmt.Sprint(l.Port)
	if l.EndPort != 0 {
		ports += fmt.Sprintf("-%d", l.EndPort)
	}
	return fmt.Sprintf("%s/%s/%s>%d@%d", l.LoadBalancerID, l.Protocol, ports, l.TargetPort, l.Ordinal)
}

func TestListeners(t *testing.T) {
	tests := []struct {
		name string
		pm   *gstsv1alpha1.PortMapping
		want []string
	}{
		{"one port per ordinal, the target port is the listener's", mapping([]string{"lb-a"}, gsts(0, 3, 0, "TCP")),
			[]string{"lb-a/TCP/31000>31000@0", "lb-a/TCP/31001>31001@1", "lb-a/TCP/31002>31002@2"}},
		{"a segment of 4 is one segment listener per ordinal", mapping([]string{"lb-a"}, gsts(0, 2, 4, "udp")),
			[]string{"lb-a/UDP/31000-31003>31000@0", "lb-a/UDP/31004-31007>31004@1"}},
		{"startIndex keeps the ordinal's place: ports of ordinal i, not of the i-th", mapping([]string{"lb-a"}, gsts(2, 4, 2, "TCP")),
			[]string{"lb-a/TCP/31004-31005>31004@2", "lb-a/TCP/31006-31007>31006@3"}},
		{"ignoreSegment makes a listener per port, each to its own target", mapping([]string{"lb-a"}, func() gstsv1alpha1.IngressPortMapping {
			m := gsts(0, 1, 3, "TCP")
			m.IgnoreSegment = true
			m.RsStartPort = 7000
			return m
		}()), []string{"lb-a/TCP/31000>7000@0", "lb-a/TCP/31001>7001@0", "lb-a/TCP/31002>7002@0"}},
		{"rsStartPort moves the targets with the ordinal", mapping([]string{"lb-a"}, func() gstsv1alpha1.IngressPortMapping {
			m := gsts(0, 2, 2, "TCP")
			m.RsStartPort = 7000
			return m
		}()), []string{"lb-a/TCP/31000-31001>7000@0", "lb-a/TCP/31002-31003>7002@1"}},
		{"isRsPortFixed sends every ordinal to the same pod port", mapping([]string{"lb-a"}, func() gstsv1alpha1.IngressPortMapping {
			m := gsts(0, 2, 0, "TCP")
			m.RsStartPort, m.IsRsPortFixed = 7000, true
			return m
		}()), []string{"lb-a/TCP/31000>7000@0", "lb-a/TCP/31001>7000@1"}},
		{"isRsPortFixed without rsStartPort is startPort", mapping([]string{"lb-a"}, func() gstsv1alpha1.IngressPortMapping {
			m := gsts(0, 2, 0, "TCP")
			m.IsRsPortFixed = true
			return m
		}()), []string{"lb-a/TCP/31000>31000@0", "lb-a/TCP/31001>31000@1"}},
		{"TCP_UDP is a TCP and a UDP listener on the same ports", mapping([]string{"lb-a"}, gsts(0, 1, 0, "TCP_UDP")),
			[]string{"lb-a/TCP/31000>31000@0", "lb-a/UDP/31000>31000@0"}},
		{"every load balancer gets every listener", mapping([]string{"ap-shanghai:lb-a", "lb-b"}, gsts(0, 1, 0, "TCP")),
			[]string{"ap-shanghai:lb-a/TCP/31000>31000@0", "lb-b/TCP/31000>31000@0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Listeners(tt.pm)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, l := range got {
				names = append(names, short(l))
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got  %v\nwant %v", names, tt.want)
			}
		})
	}
}

func TestListenerNames(t *testing.T) {
	ls, err := Listeners(mapping([]string{"ap-shanghai:lb-a"}, gsts(0, 1, 4, "TCP")))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ls[0].Name, "game-ap-shanghai-lb-a-tcp-31000-31003"; got != want {
		t.Errorf("name %q, want %q", got, want)
	}
	long := ListenerName(strings.Repeat("m", 250), Listener{LoadBalancerID: "lb-a", Protocol: "TCP", Port: 1})
	if len(long) > 253 {
		t.Errorf("a long name is %d characters", len(long))
	}
}

func TestValidate(t *testing.T) {
	overlapping := mapping([]string{"lb-a"}, gsts(0, 3, 0, "TCP"), gsts(2, 4, 0, "TCP_UDP"))
	otherNamespace := mapping([]string{"lb-a"}, gsts(0, 1, 0, "TCP"))
	otherNamespace.Spec.PortMappings[0].WorkloadNamespace = "elsewhere"
	tooMany := mapping([]string{"lb-a", "lb-b"}, func() gstsv1alpha1.IngressPortMapping {
		m := gsts(0, 2000, 2, "TCP_UDP")
		m.StartPort = 1
		m.IgnoreSegment = true
		return m
	}())
	beyond := mapping([]string{"lb-a"}, func() gstsv1alpha1.IngressPortMapping {
		m := gsts(0, 100, 10, "TCP")
		m.StartPort = 65000
		return m
	}())
	tests := []struct {
		name string
		pm   *gstsv1alpha1.PortMapping
		want string
	}{
		{"disjoint protocols share ports", mapping([]string{"lb-a"}, gsts(0, 3, 0, "TCP"), gsts(0, 3, 0, "UDP")), ""},
		{"overlapping ports of one protocol", overlapping, "portMappings[0] and portMappings[1] both use TCP ports 31002-31002"},
		{"another namespace", otherNamespace, `workloadNamespace "elsewhere" is not the mapping's namespace "ns"`},
		{"too many listeners", tooMany, "needs 16000 listeners"},
		{"ports beyond 65535", beyond, "outside 1-65535"},
		{"an unknown kind", mapping([]string{"lb-a"}, gstsv1alpha1.IngressPortMapping{WorkloadKind: "Deployment", StartPort: 1, EndIndex: 1, Protocol: "TCP"}), "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.pm)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func pod(name, ip string) *corev1.Pod {
	controller := true
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", OwnerReferences: []metav1.OwnerReference{{
		APIVersion: "tkex.tencent.com/v1alpha1", Kind: "GameStatefulSet", Name: "web", Controller: &controller}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip, HostIP: "192.0.2.1"}}
}

func TestTarget(t *testing.T) {
	l := Listener{TargetPort: 7000}
	terminating := pod("web-0", "10.0.0.5")
	terminating.DeletionTimestamp = &metav1.Time{}
	failed := pod("web-0", "10.0.0.5")
	failed.Status.Phase = corev1.PodFailed
	tests := []struct {
		name     string
		l        Listener
		pod      *corev1.Pod
		want     string
		wantNone bool
	}{
		{"a running pod by its pod IP", l, pod("web-0", "10.0.0.5"), "10.0.0.5:7000", false},
		{"hostPort by its node's IP", Listener{TargetPort: 7000, HostPort: true}, pod("web-0", "10.0.0.5"), "192.0.2.1:7000", false},
		{"no pod", l, nil, "", true},
		{"no IP yet", l, pod("web-0", ""), "", true},
		{"terminating: no new players", l, terminating, "", true},
		{"finished", l, failed, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, ok := Target(tt.l, tt.pod)
			if ok == tt.wantNone {
				t.Fatalf("ok %v", ok)
			}
			if ok && fmt.Sprintf("%s:%d", b.IP, b.Port) != tt.want {
				t.Errorf("got %s:%d, want %s", b.IP, b.Port, tt.want)
			}
		})
	}
}

func TestWorkloadOf(t *testing.T) {
	kind, name, ordinal, ok := WorkloadOf(pod("web-12", ""))
	if !ok || kind != "GameStatefulSet" || name != "web" || ordinal != 12 {
		t.Errorf("got %s %s %d %v", kind, name, ordinal, ok)
	}
	for _, bad := range []string{"web-", "web-01", "webx-1", "other-1"} {
		if _, _, _, ok := WorkloadOf(pod(bad, "")); ok {
			t.Errorf("%s parsed", bad)
		}
	}
}

func TestBindingsOf(t *testing.T) {
	pm := mapping([]string{"lb-a"}, gsts(0, 3, 0, "TCP"))
	pm.Status.LoadBalancers = []gstsv1alpha1.LoadBalancerStatus{{ID: "lb-a", Address: "203.0.113.7"}}
	ls, _ := Listeners(pm)
	p := pod("web-1", "10.0.0.6")
	synced := &gstsv1alpha1.Listener{ObjectMeta: metav1.ObjectMeta{Name: ls[1].Name, Generation: 2},
		Spec:   Spec(gstsv1alpha1.LocalProvider, ls[1], p),
		Status: gstsv1alpha1.ListenerStatus{Status: gstsv1alpha1.ListenerSynced, ObservedGeneration: 2}}
	got := BindingsOf(pm, ls, 1, map[string]*gstsv1alpha1.Listener{ls[1].Name: synced}, p)
	if len(got) != 1 || got[0].Port != 31001 || got[0].Address != "203.0.113.7" || !got[0].Synced || got[0].Mapping != "MAPPING0" {
		t.Fatalf("got %+v", got)
	}
	if !AllSynced(got) {
		t.Error("not all synced")
	}
	stale := synced.DeepCopy()
	stale.Generation = 3
	if BindingsOf(pm, ls, 1, map[string]*gstsv1alpha1.Listener{ls[1].Name: stale}, p)[0].Synced {
		t.Error("a listener whose spec the provider has not seen counts as synced")
	}
	other := pod("web-1", "10.0.0.99")
	if BindingsOf(pm, ls, 1, map[string]*gstsv1alpha1.Listener{ls[1].Name: synced}, other)[0].Synced {
		t.Error("a listener forwarding to the old pod counts as synced for its replacement")
	}
	if AllSynced(nil) {
		t.Error("no bindings count as synced")
	}
}

func TestForOrdinalAndEnv(t *testing.T) {
	tcp := gsts(0, 3, 4, "TCP_UDP")
	tcp.Name = "game"
	pm := mapping([]string{"lb-a", "lb-b"}, tcp)
	pm.Spec.ReadinessGate = true
	pm.Status.LoadBalancers = []gstsv1alpha1.LoadBalancerStatus{{ID: "lb-a", Address: "203.0.113.7"}}
	other := mapping([]string{"lb-a"}, gstsv1alpha1.IngressPortMapping{WorkloadKind: "StatefulSet", WorkloadName: "web",
		StartPort: 32000, EndIndex: 3, Protocol: "TCP"})
	n := ForOrdinal([]*gstsv1alpha1.PortMapping{pm, other}, "web", 1)
	if n == nil || !n.ReadinessGate {
		t.Fatalf("got %+v", n)
	}
	env := map[string]string{}
	for _, e := range n.Env {
		env[e.Name] = e.Value
	}
	want := map[string]string{"GSTS_EXTERNAL_ADDRESS": "203.0.113.7", "GSTS_EXTERNAL_GAME_ADDRESS": "203.0.113.7",
		"GSTS_EXTERNAL_GAME_PORT": "31004", "GSTS_EXTERNAL_GAME_END_PORT": "31007", "GSTS_EXTERNAL_GAME_PROTOCOL": "TCP_UDP"}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	var all []Binding
	if err := json.Unmarshal([]byte(env["GSTS_PORT_BINDINGS"]), &all); err != nil || len(all) != 4 {
		t.Fatalf("GSTS_PORT_BINDINGS %s: %v", env["GSTS_PORT_BINDINGS"], err)
	}
	if ForOrdinal([]*gstsv1alpha1.PortMapping{pm}, "web", 3) != nil {
		t.Error("an ordinal beyond endIndex got a network")
	}
	if ForOrdinal([]*gstsv1alpha1.PortMapping{other}, "web", 1) != nil {
		t.Error("a StatefulSet's mapping gave a GameStatefulSet's pod a network")
	}

	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "game", Env: []corev1.EnvVar{{Name: "GSTS_EXTERNAL_ADDRESS", Value: "mine"}}}}}}
	Apply(p, n)
	Apply(p, &PodNetwork{ReadinessGate: true})
	if len(p.Spec.ReadinessGates) != 1 {
		t.Errorf("gates %v", p.Spec.ReadinessGates)
	}
	last := p.Spec.Containers[0].Env[len(p.Spec.Containers[0].Env)-1]
	if last.Value != "mine" {
		t.Error("the template's own variable does not come last, where it wins")
	}
}

func TestEnvIgnoreSegmentRange(t *testing.T) {
	m := gsts(0, 2, 3, "UDP")
	m.IgnoreSegment = true
	n := ForOrdinal([]*gstsv1alpha1.PortMapping{mapping([]string{"lb-a"}, m)}, "web", 1)
	env := map[string]string{}
	for _, e := range n.Env {
		env[e.Name] = e.Value
	}
	if env["GSTS_EXTERNAL_MAPPING0_PORT"] != "31003" || env["GSTS_EXTERNAL_MAPPING0_END_PORT"] != "31005" {
		t.Errorf("range %s-%s, want 31003-31005", env["GSTS_EXTERNAL_MAPPING0_PORT"], env["GSTS_EXTERNAL_MAPPING0_END_PORT"])
	}
	if _, ok := env["GSTS_EXTERNAL_ADDRESS"]; ok {
		t.Error("an address before the provider reported one")
	}
}

func TestLocalDataPath(t *testing.T) {
	tcp := LocalForward{Name: "game-local-tcp-31000-31001", LoadBalancerID: "local", Protocol: "TCP", Port: 31000, EndPort: 31001,
		Targets: []gstsv1alpha1.ListenerBackend{{IP: "10.0.0.5", Port: 7000}}}
	udp := tcp
	udp.Name, udp.Protocol, udp.Targets = "game-local-udp-31000-31001", "UDP", nil
	name := LocalServiceName(tcp)
	if name != "gsts-local-31000-31001" || LocalServiceName(udp) != name {
		t.Fatalf("service names %s %s", name, LocalServiceName(udp))
	}
	svc := LocalService("ns", name, []LocalForward{tcp, udp})
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%s/%d/%d", p.Name, p.Port, p.NodePort))
	}
	if got := strings.Join(ports, " "); got != "tcp-31000/31000/31000 tcp-31001/31001/31001 udp-31000/31000/31000 udp-31001/31001/31001" {
		t.Errorf("ports %s", got)
	}
	if svc.Spec.Selector != nil {
		t.Error("the Service selects pods: Kubernetes would write its endpoints")
	}
	slices := LocalSlices("ns", name, tcp)
	if len(slices) != 1 || *slices[0].Ports[1].Port != 7001 || *slices[0].Ports[1].Name != "tcp-31001" || slices[0].Endpoints[0].Addresses[0] != "10.0.0.5" {
		t.Fatalf("slices %+v", slices)
	}
	if slices[0].Labels["kubernetes.io/service-name"] != name {
		t.Error("the slice does not name its Service")
	}
	if len(LocalSlices("ns", name, udp)) != 0 {
		t.Error("a forward without targets has a slice")
	}
	long := LocalForward{LoadBalancerID: strings.Repeat("l", 64), Port: 1}
	if n := LocalServiceName(long); len(n) > 63 {
		t.Errorf("service name of %d characters", len(n))
	}
}

func TestMerge(t *testing.T) {
	a := []Binding{{PortMapping: "a", Listener: "a-2", Port: 2}, {PortMapping: "a", Listener: "a-1", Port: 1}}
	b := []Binding{{PortMapping: "b", Listener: "b-1", Port: 9}}
	value := Merge("", "b", b)
	value = Merge(value, "a", a)
	got := Parse(value)
	if len(got) != 3 || got[0].Listener != "a-1" || got[2].Listener != "b-1" {
		t.Fatalf("merged %s", value)
	}
	if again := Merge(Merge(value, "a", a), "b", b); again != value {
		t.Errorf("merging the same bindings changed the value:\n%s\n%s", value, again)
	}
	if Merge(Merge(value, "a", nil), "b", nil) != "" {
		t.Error("removing every mapping's bindings leaves a value")
	}
	if got := Parse(Merge("not json", "a", a)); len(got) != 2 {
		t.Errorf("a foreign value was not replaced: %v", got)
	}
}
