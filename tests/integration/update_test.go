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
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

func rollingUpdate(partition, maxUnavailable *intstr.IntOrString) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{
			Type:          gstsv1alpha1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: partition, MaxUnavailable: maxUnavailable},
		}
	}
}

// patchImage changes the image of the first container, as the reference's `kubectl patch` does.
func patchImage(ns, name, image string) {
	patch := []byte(`[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "` + image + `"}]`)
	ExpectWithOffset(1, k8s.Patch(ctx, getSet(ns, name), client.RawPatch(types.JSONPatchType, patch))).To(Succeed())
}

func uids(ns, name string) map[int32]types.UID {
	out := map[int32]types.UID{}
	for ord, pod := range podsOf(ns, name) {
		out[ord] = pod.UID
	}
	return out
}

func images(ns, name string) map[int32]string {
	out := map[int32]string{}
	for ord, pod := range podsOf(ns, name) {
		out[ord] = pod.Spec.Containers[0].Image
	}
	return out
}

func statusCounts(ns, name string) [4]int32 { return framework.StatusCounts(getSet(ns, name)) }

var _ = Describe("RollingUpdate", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("follows the reference walkthrough: partition 3 of 5 updates pods 4 and 3, then partition 0 finishes", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "test-gamestatefulset", 5, rollingUpdate(ptr.To(intstr.FromInt32(3)), nil)))).To(Succeed())
		eventuallyAllReady(ns, "test-gamestatefulset", 5)
		Expect(statusCounts(ns, "test-gamestatefulset")).To(Equal([4]int32{5, 5, 5, 5}))
		before := uids(ns, "test-gamestatefulset")
		firstRevision := getSet(ns, "test-gamestatefulset").Status.CurrentRevision

		patchImage(ns, "test-gamestatefulset", "python:latest")
		Eventually(func(g Gomega) {
			readyPods(ns, "test-gamestatefulset")
			g.Expect(statusCounts(ns, "test-gamestatefulset")).To(Equal([4]int32{5, 5, 3, 2}))
			g.Expect(images(ns, "test-gamestatefulset")).To(Equal(map[int32]string{
				0: "game:v1", 1: "game:v1", 2: "game:v1", 3: "python:latest", 4: "python:latest"}))
		}).Should(Succeed())
		after := uids(ns, "test-gamestatefulset")
		for ord := range int32(3) {
			Expect(after[ord]).To(Equal(before[ord]), "pod %d is below the partition", ord)
		}
		Expect(after[3]).NotTo(Equal(before[3]))
		Expect(after[4]).NotTo(Equal(before[4]))
		set := getSet(ns, "test-gamestatefulset")
		Expect(set.Status.CurrentRevision).To(Equal(firstRevision))
		Expect(set.Status.UpdateRevision).NotTo(Equal(firstRevision))
		Expect(conditionMessage(set, gstsv1alpha1.ConditionProgressing)).To(HavePrefix("PartitionReached"))

		updateSet(ns, "test-gamestatefulset", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To(intstr.FromInt32(0))
		})
		Eventually(func(g Gomega) {
			readyPods(ns, "test-gamestatefulset")
			g.Expect(statusCounts(ns, "test-gamestatefulset")).To(Equal([4]int32{5, 5, 5, 5}))
			s := getSet(ns, "test-gamestatefulset")
			g.Expect(s.Status.CurrentRevision).To(Equal(s.Status.UpdateRevision))
			g.Expect(s.Status.UpdatedReadyReplicas).To(Equal(int32(5)))
			g.Expect(conditionMessage(s, gstsv1alpha1.ConditionProgressing)).To(HavePrefix("RolloutComplete"))
			g.Expect(conditionMessage(s, gstsv1alpha1.ConditionReady)).To(HavePrefix("AllReplicasReady"))
		}).WithTimeout(60 * time.Second).Should(Succeed())
		for _, image := range images(ns, "test-gamestatefulset") {
			Expect(image).To(Equal("python:latest"))
		}
	})

	It("updates one pod at a time by default, waiting for it to be Ready", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, rollingUpdate(nil, nil)))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		patchImage(ns, "web", "game:v2")
		Eventually(func() string { return images(ns, "web")[2] }).Should(Equal("game:v2"))
		// pod 2 is back but not Ready: pod 1 keeps its old image
		Consistently(func() string { return images(ns, "web")[1] }).WithTimeout(time.Second).Should(Equal("game:v1"))
		Expect(kubeletRuns(podsOf(ns, "web")[2])).To(Succeed())
		Eventually(func() string { return images(ns, "web")[1] }).Should(Equal("game:v2"))
	})

	It("updates maxUnavailable pods at once in parallel", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 6, parallel, rollingUpdate(nil, ptr.To(intstr.FromInt32(3)))))).To(Succeed())
		eventuallyAllReady(ns, "web", 6)
		patchImage(ns, "web", "game:v2")
		updated := func() []int32 {
			var out []int32
			for ord, image := range images(ns, "web") {
				if image == "game:v2" {
					out = append(out, ord)
				}
			}
			return out
		}
		Eventually(updated).Should(ConsistOf(int32(3), int32(4), int32(5)))
		// nobody plays the kubelet: the three new pods stay unready, so no fourth pod goes down
		Consistently(updated).WithTimeout(time.Second).Should(HaveLen(3))
		eventuallyAllReady(ns, "web", 6)
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(updated()).To(HaveLen(6))
		}).Should(Succeed())
	})

	It("accepts a percentage partition", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 5, parallel, rollingUpdate(ptr.To(intstr.FromString("40%")), ptr.To(intstr.FromString("100%")))))).To(Succeed())
		eventuallyAllReady(ns, "web", 5)
		patchImage(ns, "web", "game:v2")
		// 40% of 5 rounded up keeps 2 pods on the current revision
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{5, 5, 2, 3}))
		}).Should(Succeed())
	})

	It("pauses updates but not scaling", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, rollingUpdate(nil, nil)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.Paused = true
			s.Spec.Template.Spec.Containers[0].Image = "game:v2"
			s.Spec.Replicas = ptr.To[int32](3)
		})
		eventuallyAllReady(ns, "web", 3)
		Consistently(func() map[int32]string { return images(ns, "web") }).WithTimeout(time.Second).
			Should(Equal(map[int32]string{0: "game:v1", 1: "game:v1", 2: "game:v2"}))
		Expect(conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)).To(HavePrefix("Paused"))
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Paused = false })
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(images(ns, "web")).To(Equal(map[int32]string{0: "game:v2", 1: "game:v2", 2: "game:v2"}))
		}).Should(Succeed())
	})
})

var _ = Describe("OnDelete", func() {
	It("updates a pod only when it is deleted", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.OnDeleteStatefulSetStrategyType
		}))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		before := uids(ns, "web")
		patchImage(ns, "web", "game:v2")
		Eventually(func() string {
			return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)
		}).Should(HavePrefix("WaitingForPodDeletion"))
		Consistently(func() map[int32]types.UID { return uids(ns, "web") }).WithTimeout(time.Second).Should(Equal(before))

		Expect(k8s.Delete(ctx, podsOf(ns, "web")[1])).To(Succeed())
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(images(ns, "web")).To(Equal(map[int32]string{0: "game:v1", 1: "game:v2", 2: "game:v1"}))
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{3, 3, 2, 1}))
		}).Should(Succeed())
		Expect(podsOf(ns, "web")[1].Labels[identity.RevisionLabel]).To(Equal(getSet(ns, "web").Status.UpdateRevision))
	})
})
