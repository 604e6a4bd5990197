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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

func ordinalsOf(ns, name string) []int32 {
	var ords []int32
	for ord, pod := range podsOf(ns, name) {
		if pod.DeletionTimestamp == nil {
			ords = append(ords, ord)
		}
	}
	return sortedOrdinals(ords)
}

func sortedOrdinals(ords []int32) []int32 {
	for i := range ords {
		for j := i + 1; j < len(ords); j++ {
			if ords[j] < ords[i] {
				ords[i], ords[j] = ords[j], ords[i]
			}
		}
	}
	return ords
}

func labelPod(ns, name string, ordinal int32, key, value string) {
	pod := podsOf(ns, name)[ordinal]
	ExpectWithOffset(1, pod).NotTo(BeNil())
	patch := client.MergeFrom(pod.DeepCopy())
	pod.Labels[key] = value
	ExpectWithOffset(1, k8s.Patch(ctx, pod, patch)).To(Succeed())
}

var _ = Describe("Fleet control", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("removes the pod of a reserved ordinal and creates the next ordinal, touching no other pod", func() {
		const name = "reserve"
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel))).To(Succeed())
		eventuallyAllReady(ns, name, 3)
		before := uids(ns, name)
		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromInt32(1)}
		})
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(ordinalsOf(ns, name)).To(Equal([]int32{0, 2, 3}))
			g.Expect(getSet(ns, name).Status.ReadyReplicas).To(Equal(int32(3)))
		}).Should(Succeed())
		after := uids(ns, name)
		Expect(after[0]).To(Equal(before[0]))
		Expect(after[2]).To(Equal(before[2]))
	})

	It("refuses a malformed reservation at admission", func() {
		expectRefused(k8s.Create(ctx, gameSet(ns, "bad-reserve", 1, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromString("5-2")}
		})), "spec.reserveOrders[0]")
	})

	It("spares Allocated servers and removes the WaitToBeDeleted one on a scale-down, reserving its ordinal", func() {
		const name = "spare"
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel))).To(Succeed())
		eventuallyAllReady(ns, name, 4)
		before := uids(ns, name)
		labelPod(ns, name, 3, planner.StateLabel, planner.StateAllocated)
		labelPod(ns, name, 2, planner.StateLabel, planner.StateAllocated)
		labelPod(ns, name, 0, planner.StateLabel, planner.StateWaitToBeDeleted)
		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.Replicas = ptr.To(int32(2)) })
		Eventually(func(g Gomega) {
			g.Expect(ordinalsOf(ns, name)).To(Equal([]int32{2, 3}))
			g.Expect(getSet(ns, name).Spec.ReserveOrders).To(ConsistOf(intstr.FromInt32(0), intstr.FromInt32(1)))
		}).Should(Succeed())
		after := uids(ns, name)
		Expect(after[2]).To(Equal(before[2]))
		Expect(after[3]).To(Equal(before[3]))
	})

	It("replaces a pod labelled for replacement at its ordinal", func() {
		const name = "replace"
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel))).To(Succeed())
		eventuallyAllReady(ns, name, 3)
		before := uids(ns, name)
		labelPod(ns, name, 1, planner.ReplaceLabel, "true")
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			now := uids(ns, name)
			g.Expect(now).To(HaveLen(3))
			g.Expect(now[1]).NotTo(Equal(before[1]))
			g.Expect(podsOf(ns, name)[1].Labels).NotTo(HaveKey(planner.ReplaceLabel))
		}).Should(Succeed())
		Consistently(func() map[int32]bool {
			now := uids(ns, name)
			return map[int32]bool{0: now[0] == before[0], 2: now[2] == before[2]}
		}).WithTimeout(2 * time.Second).Should(Equal(map[int32]bool{0: true, 2: true}))
	})

	It("surges updated pods above replicas during a Parallel update, then removes them", func() {
		const name = "surge"
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{
				MaxSurge: ptr.To(intstr.FromInt32(2)), MaxUnavailable: ptr.To(intstr.FromInt32(2))}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 3)
		patchImage(ns, name, "game:v2")
		Eventually(func() []int32 { return ordinalsOf(ns, name) }).Should(Equal([]int32{0, 1, 2, 3, 4}))
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			set := getSet(ns, name)
			g.Expect(ordinalsOf(ns, name)).To(Equal([]int32{0, 1, 2}))
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(3)))
			g.Expect(set.Status.CurrentRevision).To(Equal(set.Status.UpdateRevision))
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})

	It("creates at most createBatch pods before they are Ready", func() {
		const name = "batch"
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.ScaleStrategy = &gstsv1alpha1.GameStatefulSetScaleStrategy{CreateBatch: ptr.To(intstr.FromInt32(2))}
		}))).To(Succeed())
		Eventually(func() int { return len(podsOf(ns, name)) }).Should(Equal(2))
		Consistently(func() int { return len(podsOf(ns, name)) }).WithTimeout(2 * time.Second).Should(Equal(2))
		eventuallyAllReady(ns, name, 5)
	})

	It("leaves the readiness gate out with disableReadinessGate", func() {
		const name = "nogate"
		Expect(k8s.Create(ctx, gameSet(ns, name, 1, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.Type = gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType
			set.Spec.DisableReadinessGate = true
		}))).To(Succeed())
		Eventually(func() []corev1.PodReadinessGate {
			pod := podsOf(ns, name)[0]
			if pod == nil {
				return []corev1.PodReadinessGate{{}}
			}
			return pod.Spec.ReadinessGates
		}).Should(BeEmpty())
	})
})
