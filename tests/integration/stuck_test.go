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
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// imageNeverPulls plays a kubelet that cannot pull the pod's new image: the container waits in ImagePullBackOff
// and the pod is not ready.
func imageNeverPulls(pod *corev1.Pod) error {
	pod.Status.ContainerStatuses[0].Ready = false
	pod.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
		Reason: "ImagePullBackOff", Message: `Back-off pulling image "` + pod.Spec.Containers[0].Image + `"`}}
	setPodCondition(pod, corev1.PodReady, corev1.ConditionFalse, metav1.Now())
	return k8s.Status().Update(ctx, pod)
}

var _ = Describe("In-place updates that cannot complete", func() {
	It("says which pod is stuck and why, and a rollback reaches it in place", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, inPlaceUpdate(0, 0)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		uid := podsOf(ns, "web")[0].UID

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:missing" })
		Eventually(func(g Gomega) {
			pod := podsOf(ns, "web")[0]
			g.Expect(pod.Spec.Containers[0].Image).To(Equal("game:missing"))
			g.Expect(imageNeverPulls(pod)).To(Succeed())
		}).Should(Succeed())
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing) }).Should(And(
			HavePrefix(planner.ReasonInPlaceUpdateStuck+": in-place updates that cannot complete: pod web-0: container main is ImagePullBackOff"),
			ContainSubstring(`Back-off pulling image "game:missing"`)))
		Expect(eventReasons(ns, "web")).To(ContainElement(planner.ReasonInPlaceUpdateStuck))

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:v1" })
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			pod := podsOf(ns, "web")[0]
			g.Expect(pod.UID).To(Equal(uid), "rolled back in place, not recreated")
			g.Expect(pod.Spec.Containers[0].Image).To(Equal("game:v1"))
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{1, 1, 1, 1}))
		}).Should(Succeed())
		Expect(conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)).To(HavePrefix("RolloutComplete"))
	})
})

var _ = Describe("The progress deadline", func() {
	It("turns Progressing False once a rollout goes progressDeadlineSeconds without a pod turning ready, and counts the pod as waiting", func() {
		ns := newNamespace()
		expectRefused(k8s.Create(ctx, gameSet(ns, "zero", 1, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.ProgressDeadlineSeconds = ptr.To[int32](0) })),
			"spec.progressDeadlineSeconds")
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.ProgressDeadlineSeconds = ptr.To[int32](3) }))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		Expect(conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)).To(HavePrefix("RolloutComplete"))

		By("a new revision whose recreated pod no kubelet runs")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:v2" })
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing) }).
			WithTimeout(30 * time.Second).Should(And(
			HavePrefix(planner.ReasonProgressDeadlineExceeded+": no pod was created, updated or changed readiness for 3s (progressDeadlineSeconds)"),
			ContainSubstring("1 waiting for readiness")))
		Expect(eventReasons(ns, "web")).To(ContainElement(planner.ReasonProgressDeadlineExceeded))
		Expect(testutil.ToFloat64(metrics.PodsWaiting.WithLabelValues(ns, "web", planner.WaitReadiness))).To(Equal(1.0))
		Expect(testutil.ToFloat64(metrics.Condition.WithLabelValues(ns, "web", gstsv1alpha1.ConditionProgressing, "False",
			planner.ReasonProgressDeadlineExceeded))).To(Equal(1.0))

		By("the pod turning ready ends it")
		eventuallyAllReady(ns, "web", 2)
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)).To(HavePrefix("RolloutComplete"))
		}).Should(Succeed())
	})
})
