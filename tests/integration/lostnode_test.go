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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

var nodeCounter int

// newNode registers a Ready node; the test plays its kubelet.
func newNode() string {
	nodeCounter++
	name := "node-" + itoa(int32(nodeCounter))
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	Expect(k8s.Create(ctx, node)).To(Succeed())
	DeferCleanup(func() { _ = k8s.Delete(ctx, node) })
	setNodeReady(name, corev1.ConditionTrue)
	return name
}

func setNodeReady(name string, status corev1.ConditionStatus) {
	EventuallyWithOffset(1, func() error {
		node := &corev1.Node{}
		if err := k8s.Get(ctx, types.NamespacedName{Name: name}, node); err != nil {
			return err
		}
		node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: status, LastTransitionTime: metav1.Now(),
			LastHeartbeatTime: metav1.Now()}}
		return k8s.Status().Update(ctx, node)
	}).Should(Succeed())
}

// bindAll schedules every unscheduled pod of the set to node, as the scheduler would.
func bindAll(ns, name, node string) {
	for _, pod := range podsOf(ns, name) {
		if pod.Spec.NodeName == "" {
			ExpectWithOffset(1, clientset.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{
				ObjectMeta: metav1.ObjectMeta{Name: pod.Name},
				Target:     corev1.ObjectReference{Kind: "Node", Name: node},
			}, metav1.CreateOptions{})).To(Succeed())
		}
	}
}

var _ = Describe("Lost nodes", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	lostNodeSet := func(annotations map[string]string) {
		set := gameSet(ns, "web", 2, parallel)
		set.Annotations = annotations
		Expect(k8s.Create(ctx, set)).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(ns, "web")) }).Should(HaveLen(2))
	}

	It("moves the pods of a node lost longer than the threshold to a healthy node, one at a time within maxUnavailable", func() {
		lost, healthy := newNode(), newNode()
		lostNodeSet(map[string]string{planner.LostNodeThresholdAnnotation: "1s"})
		bindAll(ns, "web", lost)
		eventuallyAllReady(ns, "web", 2)
		before := uids(ns, "web")
		moved := func() int {
			n := 0
			for ord, uid := range uids(ns, "web") {
				if uid != before[ord] {
					n++
				}
			}
			return n
		}

		setNodeReady(lost, corev1.ConditionUnknown)
		// maxUnavailable 1: the second pod waits while the first one's replacement is not available
		Eventually(moved).Should(Equal(1))
		Consistently(moved).WithTimeout(2 * time.Second).Should(Equal(1))
		Eventually(func(g Gomega) {
			bindAll(ns, "web", healthy)
			readyPods(ns, "web")
			g.Expect(moved()).To(Equal(2))
		}).Should(Succeed())
		for _, pod := range podsOf(ns, "web") {
			Expect(pod.Spec.NodeName).NotTo(Equal(lost))
		}
		Eventually(func() []string { return eventReasons(ns, "web") }).Should(ContainElement("PodMigratedFromLostNode"))
		Expect(getSet(ns, "web").Status.UpdateRevision).NotTo(BeEmpty())
		Expect(testutil.ToFloat64(metrics.PodsMigrated.WithLabelValues(ns, "web"))).To(Equal(2.0))
	})

	It("moves nothing off a node whose kubelet reports Ready False, nor when most of the set's nodes are lost at once", func() {
		nodes := []string{newNode(), newNode(), newNode()}
		set := gameSet(ns, "web", 3, parallel)
		set.Annotations = map[string]string{planner.LostNodeThresholdAnnotation: "3s"}
		set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{MaxUnavailable: ptr.To(intstr.FromInt(3))}
		Expect(k8s.Create(ctx, set)).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(ns, "web")) }).Should(HaveLen(3))
		for ord, pod := range podsOf(ns, "web") {
			Expect(clientset.CoreV1().Pods(ns).Bind(ctx, &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: pod.Name},
				Target: corev1.ObjectReference{Kind: "Node", Name: nodes[ord]}}, metav1.CreateOptions{})).To(Succeed())
		}
		eventuallyAllReady(ns, "web", 3)
		before := uids(ns, "web")

		setNodeReady(nodes[0], corev1.ConditionFalse)
		Consistently(func() map[int32]types.UID { return uids(ns, "web") }).WithTimeout(2 * time.Second).Should(Equal(before))

		for _, node := range nodes {
			setNodeReady(node, corev1.ConditionUnknown)
		}
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing) }).
			Should(HavePrefix(planner.ReasonMigrationHeld + ": 3 of the 3 nodes running the set's pods are lost at once"))
		Expect(eventReasons(ns, "web")).To(ContainElement(planner.ReasonMigrationHeld))
		Consistently(func() map[int32]types.UID { return uids(ns, "web") }).WithTimeout(2 * time.Second).Should(Equal(before))

		// one node back: two of three lost is below the outage rule's three nodes, and both move
		setNodeReady(nodes[0], corev1.ConditionTrue)
		Eventually(func(g Gomega) {
			after := uids(ns, "web")
			g.Expect(after[0]).To(Equal(before[0]))
			g.Expect(after[1]).NotTo(Equal(before[1]))
			g.Expect(after[2]).NotTo(Equal(before[2]))
		}).Should(Succeed())
	})

	It("leaves the pods of a node that comes back before the threshold, and of sets that opted out", func() {
		node := newNode()
		lostNodeSet(map[string]string{planner.LostNodeThresholdAnnotation: "1h"})
		optedOut := gameSet(ns, "kept", 1, parallel)
		optedOut.Annotations = map[string]string{planner.LostNodeMigrationAnnotation: "disabled", planner.LostNodeThresholdAnnotation: "1s"}
		Expect(k8s.Create(ctx, optedOut)).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(ns, "kept")) }).Should(HaveLen(1))
		bindAll(ns, "web", node)
		bindAll(ns, "kept", node)
		eventuallyAllReady(ns, "web", 2)
		eventuallyAllReady(ns, "kept", 1)
		web, kept := uids(ns, "web"), uids(ns, "kept")

		setNodeReady(node, corev1.ConditionUnknown)
		Eventually(func() string {
			return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)
		}).Should(ContainSubstring("is lost; the pod moves to another node if it is not back within 1h0m0s"))
		Consistently(func() map[int32]types.UID { return uids(ns, "kept") }).WithTimeout(2 * time.Second).Should(Equal(kept))
		setNodeReady(node, corev1.ConditionTrue)
		Consistently(func() map[int32]types.UID { return uids(ns, "web") }).WithTimeout(time.Second).Should(Equal(web))
	})
})
