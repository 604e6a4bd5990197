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

package e2e

import (
	"sort"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

func runningOrdinals(ns, name string) []int32 {
	var ords []int32
	for ord, pod := range podsOf(ns, name) {
		if pod.DeletionTimestamp == nil {
			ords = append(ords, ord)
		}
	}
	sort.Slice(ords, func(i, j int) bool { return ords[i] < ords[j] })
	return ords
}

func label(ns, pod, kv string) {
	out, err := kubectl("-n", ns, "label", "pod", pod, kv, "--overwrite")
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
}

var _ = Describe("Fleet control", func() {
	It("removes a reserved ordinal's server, creates the next ordinal, and removes two chosen servers", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel))).To(Succeed())
		eventuallyReady(ns, name, 3)
		before := snapshot(ns, name)

		kubectlPatch(ns, name, `{"spec":{"reserveOrders":[1]}}`)
		Eventually(func() []int32 { return runningOrdinals(ns, name) }).Should(Equal([]int32{0, 2, 3}))
		eventuallyReady(ns, name, 3)
		after := snapshot(ns, name)
		Expect(after[0].UID).To(Equal(before[0].UID))
		Expect(after[2].UID).To(Equal(before[2].UID))

		By("two chosen servers: labelled WaitToBeDeleted, then a scale-down by two")
		label(ns, name+"-0", planner.StateLabel+"="+planner.StateWaitToBeDeleted)
		label(ns, name+"-2", planner.StateLabel+"="+planner.StateWaitToBeDeleted)
		out, err := kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=1")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func() []int32 { return runningOrdinals(ns, name) }).Should(Equal([]int32{3}))
		Expect(podsOf(ns, name)[3].UID).To(Equal(after[3].UID), "the server nobody chose is untouched")
		Expect(getSet(ns, name).Spec.ReserveOrders).To(ConsistOf(intstr.FromInt32(0), intstr.FromInt32(1), intstr.FromInt32(2)))
		eventuallyReady(ns, name, 1)
	})

	It("spares the Allocated servers on a scale-down and replaces a chosen one", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel))).To(Succeed())
		eventuallyReady(ns, name, 4)
		before := snapshot(ns, name)
		label(ns, name+"-2", planner.StateLabel+"="+planner.StateAllocated)
		label(ns, name+"-3", planner.StateLabel+"="+planner.StateAllocated)
		out, err := kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=2")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func() []int32 { return runningOrdinals(ns, name) }).Should(Equal([]int32{2, 3}))
		for _, ord := range []int32{2, 3} {
			Expect(podsOf(ns, name)[ord].UID).To(Equal(before[ord].UID), "Allocated server %d kept", ord)
		}

		By("the replace label: pod 2 is recreated at its ordinal, pod 3 untouched")
		label(ns, name+"-2", planner.ReplaceLabel+"=true")
		Eventually(func() bool { p := podsOf(ns, name)[2]; return p != nil && p.UID != before[2].UID }).Should(BeTrue())
		eventuallyReady(ns, name, 2)
		Expect(podsOf(ns, name)[3].UID).To(Equal(before[3].UID))
		Expect(runningOrdinals(ns, name)).To(Equal([]int32{2, 3}))
	})

	It("surges 2 updated pods during a rolling update, never with fewer than replicas ready", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{
				MaxSurge: ptr.To(intstr.FromInt32(2)), MaxUnavailable: ptr.To(intstr.FromInt32(2))}
		}))).To(Succeed())
		eventuallyReady(ns, name, 4)
		unavailable := watchUnavailable(ns, name, 4)
		patchImage(ns, name, "v2")
		Eventually(func() []int32 { return runningOrdinals(ns, name) }).Should(ContainElements(int32(4), int32(5)))
		eventuallyRolledOut(ns, name, 4)
		Eventually(func() []int32 { return runningOrdinals(ns, name) }).Should(Equal([]int32{0, 1, 2, 3}))
		Expect(unavailable()).To(Equal(0), "at least 4 pods were ready at every moment")
	})

	It("creates createBatch pods at a time", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.ScaleStrategy = &gstsv1alpha1.GameStatefulSetScaleStrategy{CreateBatch: ptr.To(intstr.FromInt32(2))}
			// the game server takes a while to be ready: a batch is seen waiting
			set.Spec.Template.Spec.Containers[0].ReadinessProbe.InitialDelaySeconds = 3
		}))).To(Succeed())
		Eventually(func() int { return len(podsOf(ns, name)) }).Should(Equal(2))
		Consistently(func() int { return len(podsOf(ns, name)) }).WithTimeout(2 * time.Second).Should(Equal(2))
		eventuallyReady(ns, name, 4)
	})
})
