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

package integration

import (
	"fmt"
	"strings"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/fakeclb"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

var podIPs atomic.Int32

// runWithIPs plays the kubelet and the network plugin: every pod of the set gets an address of its own (a
// recreated pod a new one) and runs.
func runWithIPs(ns, name string) {
	for _, pod := range podsOf(ns, name) {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if pod.Status.PodIP == "" {
			n := podIPs.Add(1)
			pod.Status.PodIP, pod.Status.HostIP = fmt.Sprintf("10.1.%d.%d", n/250, n%250+1), "192.0.2.1"
		}
		_ = kubeletRuns(pod)
	}
}

func portMapping(ns, name string, provider gstsv1alpha1.LoadBalancerProvider, lb string, mappings ...gstsv1alpha1.IngressPortMapping) *gstsv1alpha1.PortMapping {
	return &gstsv1alpha1.PortMapping{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: gstsv1alpha1.PortMappingSpec{Provider: provider, LoadBalancerIDs: []string{lb}, PortMappings: mappings}}
}

func listenersOf(ns, mapping string) map[string]*gstsv1alpha1.Listener {
	listeners, err := framework.ListenersOf(ctx, k8s, ns, mapping)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return listeners
}

func targetsOf(l *gstsv1alpha1.Listener) []string {
	var out []string
	if l.Spec.TargetGroup != nil {
		for _, b := range l.Spec.TargetGroup.Backends {
			out = append(out, fmt.Sprintf("%s:%d", b.IP, b.Port))
		}
	}
	return out
}

func envOf(pod *corev1.Pod) map[string]string {
	out := map[string]string{}
	for _, e := range pod.Spec.Containers[0].Env {
		out[e.Name] = e.Value
	}
	return out
}

func getMapping(ns, name string) *gstsv1alpha1.PortMapping {
	pm := &gstsv1alpha1.PortMapping{}
	ExpectWithOffset(1, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pm)).To(Succeed())
	return pm
}

// The node ports of these specs (32000 and up) stay clear of config/samples' PortMapping (31000 and up), which
// the samples spec applies: envtest runs no namespace controller, so Services outlive their specs' namespaces.
var _ = Describe("PortMapping", func() {
	It("gives every ordinal its own TCP and UDP ports through the local provider, kept across pod recreation and scaling", func() {
		ns := newNamespace()
		tcp := gstsv1alpha1.IngressPortMapping{Name: "game", WorkloadKind: "GameStatefulSet", WorkloadName: "web",
			StartPort: 32000, RsStartPort: 7000, StartIndex: 0, EndIndex: 3, Protocol: "TCP"}
		udp := gstsv1alpha1.IngressPortMapping{Name: "voice", WorkloadKind: "gamestatefulset", WorkloadName: "web",
			StartPort: 32100, RsStartPort: 7100, StartIndex: 0, EndIndex: 3, Protocol: "udp"}
		pm := portMapping(ns, "game", gstsv1alpha1.LocalProvider, "local", tcp, udp)
		pm.Spec.ReadinessGate = true
		Expect(k8s.Create(ctx, pm)).To(Succeed())
		By("six listeners exist before any pod, empty, and the provider reports its address")
		Eventually(func(g Gomega) {
			pm := getMapping(ns, "game")
			g.Expect(pm.Status.Listeners).To(Equal(int32(6)))
			g.Expect(pm.Status.SyncedListeners).To(Equal(int32(6)))
			g.Expect(pm.Status.LoadBalancers).To(ConsistOf(gstsv1alpha1.LoadBalancerStatus{ID: "local", Address: localAddress}))
		}).Should(Succeed())

		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel))).To(Succeed())
		By("each pod is created with its address in its environment and the readiness gate")
		Eventually(func(g Gomega) { g.Expect(podsOf(ns, "web")).To(HaveLen(3)) }).Should(Succeed())
		pod1 := podsOf(ns, "web")[1]
		env := envOf(pod1)
		Expect(env).To(HaveKeyWithValue("GSTS_EXTERNAL_GAME_PORT", "32001"))
		Expect(env).To(HaveKeyWithValue("GSTS_EXTERNAL_VOICE_PORT", "32101"))
		Expect(env).To(HaveKeyWithValue("GSTS_EXTERNAL_ADDRESS", localAddress))
		Expect(pod1.Spec.ReadinessGates).To(ContainElement(corev1.PodReadinessGate{ConditionType: network.ReadinessGate}))

		By("running pods are registered, annotated and their gates opened")
		Eventually(func(g Gomega) {
			runWithIPs(ns, "web")
			pm := getMapping(ns, "game")
			g.Expect(pm.Status.BoundPods).To(Equal(int32(3)))
			g.Expect(meta.IsStatusConditionTrue(pm.Status.Conditions, "Ready")).To(BeTrue())
		}).Should(Succeed())
		pods := podsOf(ns, "web")
		for ordinal, pod := range pods {
			bindings := network.Parse(pod.Annotations[network.BindingsAnnotation])
			Expect(bindings).To(HaveLen(2), "pod %s", pod.Name)
			for _, b := range bindings {
				Expect(b.Synced).To(BeTrue())
				Expect(b.Address).To(Equal(localAddress))
				Expect(b.Port).To(BeElementOf(32000+ordinal, 32100+ordinal))
			}
			Expect(conditionStatus(pod, network.ReadinessGate)).To(Equal(corev1.ConditionTrue))
		}
		listeners := listenersOf(ns, "game")
		Expect(listeners).To(HaveLen(6))
		tcp1 := listeners["game-local-tcp-32001"]
		Expect(tcp1).NotTo(BeNil())
		Expect(targetsOf(tcp1)).To(ConsistOf(pods[1].Status.PodIP + ":7001"))
		svc := &corev1.Service{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gsts-local-32001"}, svc)).To(Succeed())
		Expect(svc.Spec.Type).To(Equal(corev1.ServiceTypeNodePort))
		Expect(svc.Spec.Ports).To(HaveLen(1))
		Expect(svc.Spec.Ports[0].NodePort).To(Equal(int32(32001)))
		Expect(slicesFor(ns, tcp1.Name)).To(ConsistOf(pods[1].Status.PodIP + ":7001/TCP"))
		Expect(slicesFor(ns, "game-local-udp-32101")).To(ConsistOf(pods[1].Status.PodIP + ":7101/UDP"))

		By("deleting pod 1 empties its listeners; its replacement is registered on the same ones")
		oldIP, oldID := pods[1].Status.PodIP, tcp1.Status.ListenerID
		Expect(k8s.Delete(ctx, pods[1])).To(Succeed())
		Eventually(func(g Gomega) {
			runWithIPs(ns, "web")
			l := listenersOf(ns, "game")["game-local-tcp-32001"]
			g.Expect(targetsOf(l)).To(HaveLen(1))
			g.Expect(targetsOf(l)[0]).NotTo(HavePrefix(oldIP + ":"))
			g.Expect(network.Synced(l)).To(BeTrue())
			g.Expect(l.Status.ListenerID).To(Equal(oldID))
		}).Should(Succeed())
		Expect(envOf(podsOf(ns, "web")[1])).To(HaveKeyWithValue("GSTS_EXTERNAL_GAME_PORT", "32001"))

		By("scaling to 5 adds no listener beyond endIndex; pods 3 and 4 have no bindings")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To(int32(5)) })
		Eventually(func(g Gomega) {
			runWithIPs(ns, "web")
			g.Expect(podsOf(ns, "web")).To(HaveLen(5))
		}).Should(Succeed())
		Consistently(func() int { return len(listenersOf(ns, "game")) }, "1s").Should(Equal(6))
		Expect(envOf(podsOf(ns, "web")[4])).NotTo(HaveKey("GSTS_PORT_BINDINGS"))

		By("scaling to 1 keeps the listeners of 1 and 2, empty")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To(int32(1)) })
		Eventually(func(g Gomega) {
			listeners := listenersOf(ns, "game")
			g.Expect(listeners).To(HaveLen(6))
			for _, name := range []string{"game-local-tcp-32001", "game-local-tcp-32002", "game-local-udp-32101", "game-local-udp-32102"} {
				g.Expect(targetsOf(listeners[name])).To(BeEmpty(), name)
				g.Expect(network.Synced(listeners[name])).To(BeTrue(), name)
				g.Expect(slicesFor(ns, name)).To(BeEmpty(), name)
			}
			g.Expect(targetsOf(listeners["game-local-tcp-32000"])).To(HaveLen(1))
		}).Should(Succeed())
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gsts-local-32002"}, &corev1.Service{})).To(Succeed(),
			"the port of an ordinal without a pod stays allotted")

		By("deleting the mapping removes every Listener, Service and EndpointSlice and the pod's bindings")
		Expect(k8s.Delete(ctx, getMapping(ns, "game"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(listenersOf(ns, "game")).To(BeEmpty())
			var services corev1.ServiceList
			g.Expect(k8s.List(ctx, &services, client.InNamespace(ns), client.HasLabels{network.LocalServiceLabel})).To(Succeed())
			g.Expect(services.Items).To(BeEmpty())
			var slices discoveryv1.EndpointSliceList
			g.Expect(k8s.List(ctx, &slices, client.InNamespace(ns), client.HasLabels{network.LocalListenerLabel})).To(Succeed())
			g.Expect(slices.Items).To(BeEmpty())
			g.Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "game"}, &gstsv1alpha1.PortMapping{}))).To(BeTrue())
			g.Expect(podsOf(ns, "web")[0].Annotations).NotTo(HaveKey(network.BindingsAnnotation))
		}).Should(Succeed())
	})

	It("shares one Service between the TCP and UDP listeners of a TCP_UDP mapping, and says why a port cannot be had", func() {
		ns := newNamespace()
		both := gstsv1alpha1.IngressPortMapping{WorkloadKind: "GameStatefulSet", WorkloadName: "web", StartPort: 32200,
			EndIndex: 1, SegmentLength: 2, Protocol: "TCP_UDP"}
		Expect(k8s.Create(ctx, portMapping(ns, "both", gstsv1alpha1.LocalProvider, "local", both))).To(Succeed())
		Eventually(func(g Gomega) {
			svc := &corev1.Service{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gsts-local-32200-32201"}, svc)).To(Succeed())
			var ports []string
			for _, p := range svc.Spec.Ports {
				ports = append(ports, fmt.Sprintf("%s/%d", p.Protocol, p.NodePort))
			}
			g.Expect(ports).To(ConsistOf("TCP/32200", "TCP/32201", "UDP/32200", "UDP/32201"))
			g.Expect(getMapping(ns, "both").Status.SyncedListeners).To(Equal(int32(2)))
		}).Should(Succeed())

		outside := both
		outside.StartPort, outside.Protocol, outside.SegmentLength = 8000, "TCP", 0
		Expect(k8s.Create(ctx, portMapping(ns, "outside", gstsv1alpha1.LocalProvider, "local", outside))).To(Succeed())
		Eventually(func(g Gomega) {
			l := listenersOf(ns, "outside")["outside-local-tcp-8000"]
			g.Expect(l).NotTo(BeNil())
			g.Expect(l.Status.Status).To(Equal(gstsv1alpha1.ListenerNotSynced))
			g.Expect(l.Status.Msg).To(ContainSubstring("8000"))
			g.Expect(l.Status.Msg).To(ContainSubstring("range"))
			ready := meta.FindStatusCondition(getMapping(ns, "outside").Status.Conditions, "Ready")
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(ready.Message).To(ContainSubstring("range"))
		}).Should(Succeed())

		taken := both
		taken.Protocol = "TCP"
		Expect(k8s.Create(ctx, portMapping(ns, "taken", gstsv1alpha1.LocalProvider, "other", taken))).To(Succeed())
		Eventually(func(g Gomega) {
			l := listenersOf(ns, "taken")["taken-other-tcp-32200-32201"]
			g.Expect(l).NotTo(BeNil())
			g.Expect(l.Status.Msg).To(ContainSubstring("already allocated"))
		}).Should(Succeed())
	})

	It("refuses what the schema and the controller can tell is wrong", func() {
		ns := newNamespace()
		backwards := gstsv1alpha1.IngressPortMapping{WorkloadKind: "GameStatefulSet", WorkloadName: "web", StartPort: 32000,
			StartIndex: 3, EndIndex: 3, Protocol: "TCP"}
		expectRefused(k8s.Create(ctx, portMapping(ns, "backwards", "", "local", backwards)), "endIndex must be greater than startIndex")
		sctp := backwards
		sctp.StartIndex, sctp.Protocol = 0, "SCTP"
		expectRefused(k8s.Create(ctx, portMapping(ns, "sctp", "", "local", sctp)), "protocol must be TCP, UDP or TCP_UDP")
		beyond := backwards
		beyond.StartIndex, beyond.StartPort, beyond.SegmentLength = 0, 65530, 4
		expectRefused(k8s.Create(ctx, portMapping(ns, "beyond", "", "local", beyond)), "beyond 65535")

		a := backwards
		a.StartIndex = 0
		b := a
		b.StartPort = 32002
		Expect(k8s.Create(ctx, portMapping(ns, "overlap", "", "local", a, b))).To(Succeed())
		Eventually(func(g Gomega) {
			valid := meta.FindStatusCondition(getMapping(ns, "overlap").Status.Conditions, "Valid")
			g.Expect(valid).NotTo(BeNil())
			g.Expect(valid.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(valid.Message).To(ContainSubstring("both use TCP ports 32002-32002"))
		}).Should(Succeed())
		Expect(listenersOf(ns, "overlap")).To(BeEmpty())
		Expect(getMapping(ns, "overlap").Spec.Provider).To(Equal(gstsv1alpha1.LocalProvider), "the provider defaults to local")
	})

	It("creates segment listeners on CLB through the tencentcloud provider and moves targets by diff", func() {
		ns := newNamespace()
		seg := gstsv1alpha1.IngressPortMapping{WorkloadKind: "GameStatefulSet", WorkloadName: "web", StartPort: 40000,
			RsStartPort: 7000, EndIndex: 2, SegmentLength: 4, Protocol: "TCP"}
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel))).To(Succeed())
		fakeCLB.ResetCalls()
		Expect(k8s.Create(ctx, portMapping(ns, "clb", gstsv1alpha1.TencentCloudProvider, "ap-guangzhou:lb-game", seg))).To(Succeed())
		Eventually(func(g Gomega) {
			runWithIPs(ns, "web")
			pm := getMapping(ns, "clb")
			g.Expect(pm.Status.BoundPods).To(Equal(int32(2)))
			g.Expect(pm.Status.LoadBalancers).To(ConsistOf(gstsv1alpha1.LoadBalancerStatus{ID: "ap-guangzhou:lb-game", Address: "203.0.113.10"}))
		}).Should(Succeed())
		pods := podsOf(ns, "web")
		l1 := listenersOf(ns, "clb")["clb-ap-guangzhou-lb-game-tcp-40004-40007"]
		Expect(l1).NotTo(BeNil())
		Expect(l1.Status.ListenerID).To(HavePrefix("lbl-"))
		cloud := cloudListener(l1.Status.ListenerID)
		Expect(cloud).NotTo(BeNil())
		Expect(cloud.Port).To(BeEquivalentTo(40004))
		Expect(cloud.EndPort).To(BeEquivalentTo(40007))
		Expect(cloud.Targets).To(HaveLen(1))
		Expect(cloud.Targets[0].IP).To(Equal(pods[1].Status.PodIP))
		Expect(cloud.Targets[0].Port).To(BeEquivalentTo(7004))
		Expect(fakeCLB.CallsOf("CreateListener")).To(HaveLen(2))

		By("a recreated pod: deregistered, then registered on the same listener, no new listener; a throttled call heals")
		fakeCLB.ResetCalls()
		fakeCLB.FailNext("RegisterTargets", "RequestLimitExceeded", 2)
		Expect(k8s.Delete(ctx, pods[1])).To(Succeed())
		Eventually(func(g Gomega) {
			runWithIPs(ns, "web")
			cloud := cloudListener(l1.Status.ListenerID)
			g.Expect(cloud).NotTo(BeNil())
			g.Expect(cloud.Targets).To(HaveLen(1))
			g.Expect(cloud.Targets[0].IP).NotTo(Equal(pods[1].Status.PodIP))
			g.Expect(network.Synced(listenersOf(ns, "clb")[l1.Name])).To(BeTrue())
		}).Should(Succeed())
		var writes []string
		for _, c := range fakeCLB.Calls() {
			if !strings.HasPrefix(c.Action, "Describe") {
				Expect(c.ListenerID).To(Equal(l1.Status.ListenerID), "%s", c.Action)
				writes = append(writes, c.Action+c.ErrorCode)
			}
		}
		Expect(writes).To(ContainElement("RegisterTargetsRequestLimitExceeded"))
		Expect(writes).NotTo(ContainElement(HavePrefix("CreateListener")))
		Expect(strings.Join(writes, " ")).To(MatchRegexp(`^(DeregisterTargets )+.*RegisterTargets$`))

		By("deleting the mapping deletes its listeners on the load balancer")
		Expect(k8s.Delete(ctx, getMapping(ns, "clb"))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(cloudListener(l1.Status.ListenerID)).To(BeNil())
			g.Expect(listenersOf(ns, "clb")).To(BeEmpty())
		}).Should(Succeed())
	})
})

func cloudListener(id string) *fakeclb.ListenerState {
	for _, l := range fakeCLB.Listeners() {
		if l.ListenerID == id {
			return &l
		}
	}
	return nil
}

func slicesFor(ns, listener string) []string {
	var slices discoveryv1.EndpointSliceList
	ExpectWithOffset(1, k8s.List(ctx, &slices, client.InNamespace(ns),
		client.MatchingLabels{network.LocalListenerLabel: network.LocalListenerSelector(listener)})).To(Succeed())
	var out []string
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			out = append(out, fmt.Sprintf("%s:%d/%s", e.Addresses[0], *s.Ports[0].Port, *s.Ports[0].Protocol))
		}
	}
	return out
}

func conditionStatus(pod *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return corev1.ConditionUnknown
}
