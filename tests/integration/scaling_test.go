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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

var _ = Describe("Scaling", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("creates OrderedReady pods one at a time, each after the previous one is Ready, and deletes them in reverse", func() {
		events := watchPods(ns, "web")
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3))).To(Succeed())

		for ordinal := range int32(3) {
			Expect(events.next()).To(Equal("ADDED web-" + itoa(ordinal)))
			// the next ordinal waits for this one to be Ready
			Consistently(func() []string { return podNames(podsOf(ns, "web")) }).WithTimeout(time.Second).
				Should(HaveLen(int(ordinal) + 1))
			Eventually(func() error { return kubeletRuns(podsOf(ns, "web")[ordinal]) }).Should(Succeed())
		}
		eventuallyAllReady(ns, "web", 3)

		pod := podsOf(ns, "web")[0]
		Expect(pod.Spec.Hostname).To(Equal("web-0"))
		Expect(pod.Spec.Subdomain).To(Equal("web"))
		Expect(pod.Labels).To(HaveKeyWithValue(identity.StatefulSetPodName, "web-0"))
		Expect(pod.Labels).To(HaveKeyWithValue(identity.GameSetPodNameLabel, "web-0"))
		Expect(pod.Labels).To(HaveKeyWithValue(identity.GameSetOrdinalLabel, "0"))
		Expect(pod.Labels).To(HaveKeyWithValue(identity.PodIndexLabel, "0"))
		Expect(pod.Labels).To(HaveKey(identity.RevisionLabel))
		Expect(metav1.IsControlledBy(pod, getSet(ns, "web"))).To(BeTrue())

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })
		Expect(events.next()).To(Equal("DELETED web-2"))
		Expect(events.next()).To(Equal("DELETED web-1"))
		eventuallyAllReady(ns, "web", 1)
	})

	It("halts OrderedReady scaling while a pod is not Ready", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		pod := podsOf(ns, "web")[0]
		pod.Status.Conditions[0].Status = corev1.ConditionFalse
		Expect(k8s.Status().Update(ctx, pod)).To(Succeed())
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](3) })
		Eventually(func() string {
			return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)
		}).Should(ContainSubstring("waiting for pod web-0 to be Running and Ready"))
		Consistently(func() []string { return podNames(podsOf(ns, "web")) }).WithTimeout(time.Second).Should(HaveLen(2))
	})

	It("creates and deletes Parallel pods without waiting", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 4, parallel))).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(ns, "web")) }).Should(ConsistOf("web-0", "web-1", "web-2", "web-3"))
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })
		// no pod was ever ready, yet all condemned pods go at once
		Eventually(func() []string { return podNames(podsOf(ns, "web")) }).Should(ConsistOf("web-0"))
	})

	It("numbers pods from ordinals.start", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: 10}
		}))).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(ns, "web")) }).Should(ConsistOf("web-10", "web-11"))
	})

	It("recreates failed and deleted pods with the same identity", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		failed := podsOf(ns, "web")[1]
		failed.Status.Phase = corev1.PodFailed
		Expect(k8s.Status().Update(ctx, failed)).To(Succeed())
		Eventually(func() types.UID { p := podsOf(ns, "web")[1]; return uidOf(p) }).ShouldNot(Or(Equal(failed.UID), BeEmpty()))

		deleted := podsOf(ns, "web")[0]
		Expect(k8s.Delete(ctx, deleted)).To(Succeed())
		Eventually(func() types.UID { return uidOf(podsOf(ns, "web")[0]) }).ShouldNot(Or(Equal(deleted.UID), BeEmpty()))
		eventuallyAllReady(ns, "web", 2)
	})

	It("creates nothing and reports no failure in a namespace being deleted", func() {
		// not newNamespace: deleting a namespace twice is a conflict while it terminates
		terminating := fmt.Sprintf("it-%d-terminating", GinkgoParallelProcess())
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: terminating}})).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(terminating, "web", 2, parallel))).To(Succeed())
		Eventually(func() []string { return podNames(podsOf(terminating, "web")) }).Should(HaveLen(2))
		// envtest runs no namespace controller: the namespace stays Terminating and refuses every creation
		Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: terminating}})).To(Succeed())
		Expect(k8s.Delete(ctx, podsOf(terminating, "web")[1])).To(Succeed())

		// the reconcile that saw the pod gone tried to recreate it, and wrote the status it counted
		Eventually(func() int32 { return getSet(terminating, "web").Status.Replicas }).Should(Equal(int32(1)))
		Expect(conditionMessage(getSet(terminating, "web"), gstsv1alpha1.ConditionReplicaFailure)).To(BeEmpty())
		Expect(podsOf(terminating, "web")).To(HaveLen(1))
	})

	It("serves the scale subresource for kubectl scale and the HPA", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, parallel))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)

		scale := &autoscalingv1.Scale{}
		Expect(k8s.SubResource("scale").Get(ctx, getSet(ns, "web"), scale)).To(Succeed())
		Expect(scale.Spec.Replicas).To(Equal(int32(1)))
		Expect(scale.Status.Replicas).To(Equal(int32(1)))
		Expect(scale.Status.Selector).To(Equal("app=web"))

		scale.Spec.Replicas = 3
		Expect(k8s.SubResource("scale").Update(ctx, getSet(ns, "web"), client.WithSubResourceBody(scale))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		Expect(*getSet(ns, "web").Spec.Replicas).To(Equal(int32(3)))
		Expect(k8s.SubResource("scale").Get(ctx, getSet(ns, "web"), scale)).To(Succeed())
		Expect(scale.Status.Replicas).To(Equal(int32(3)))
	})
})

func uidOf(p *corev1.Pod) types.UID {
	if p == nil {
		return ""
	}
	return p.UID
}

func conditionMessage(set *gstsv1alpha1.GameStatefulSet, conditionType string) string {
	for _, c := range set.Status.Conditions {
		if c.Type == conditionType {
			return c.Reason + ": " + c.Message
		}
	}
	return ""
}
