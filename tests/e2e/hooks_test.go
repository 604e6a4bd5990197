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
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

// setPlayers tells the game server of a pod how many players it has, as players joining or leaving would.
func setPlayers(pod *corev1.Pod, players int) {
	resp, err := http.Post(fmt.Sprintf("http://%s:8080/players?count=%d", pod.Status.PodIP, players), "", nil)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	var answer map[string]int
	ExpectWithOffset(1, json.NewDecoder(resp.Body).Decode(&answer)).To(Succeed())
	ExpectWithOffset(1, answer["players"]).To(Equal(players))
}

// drainedTemplate asks the game server of the hook's pod for its players every second until it has none.
func drainedTemplate(ns, name string, failureLimit int32) *gstsv1alpha1.HookTemplate {
	return &gstsv1alpha1.HookTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: gstsv1alpha1.HookTemplateSpec{
			Args: []gstsv1alpha1.Argument{{Name: "PodIP"}},
			Metrics: []gstsv1alpha1.Metric{{
				Name: "players", Interval: "1s", SuccessCondition: "asInt(result) == 0", FailureLimit: failureLimit, SuccessfulLimit: 1,
				Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: "http://{{ args.PodIP }}:8080/players", JSONPath: "{$.players}"}},
			}},
		},
	}
}

func hookRuns(ns string) []gstsv1alpha1.HookRun {
	var list gstsv1alpha1.HookRunList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}

func kubectlPatch(ns, name, patch string) {
	out, err := kubectl("-n", ns, "patch", "gamestatefulset", name, "--type=merge", "-p", patch)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
}

func updatedReadyCounts(ns, name string) [2]int32 {
	s := getSet(ns, name)
	return [2]int32{s.Status.UpdatedReplicas, s.Status.UpdatedReadyReplicas}
}

var _ = Describe("Canary steps", func() {
	It("goes through partition 3, pause, partition 1, a 10 s pause and a hook, resumed with kubectl patch", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, parallel, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 1, 0)))).To(Succeed())
		eventuallyReady(ns, name, 5)
		// the hook step asks pod 4, updated since the first step, whether it has players
		pod4 := podsOf(ns, name)[4]
		Expect(k8s.Create(ctx, &gstsv1alpha1.HookTemplate{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "canary-check"},
			Spec: gstsv1alpha1.HookTemplateSpec{
				Args: []gstsv1alpha1.Argument{{Name: "url"}},
				Metrics: []gstsv1alpha1.Metric{{Name: "canary-players", SuccessCondition: "asInt(result) == 0",
					Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: "{{ args.url }}", JSONPath: "{$.players}"}}}},
			},
		})).To(Succeed())
		steps := []gstsv1alpha1.CanaryStep{
			{Partition: ptr.To(intstr.FromInt32(3))},
			{Pause: &gstsv1alpha1.CanaryPause{}},
			{Partition: ptr.To(intstr.FromInt32(1))},
			{Pause: &gstsv1alpha1.CanaryPause{Duration: ptr.To(int32(10))}},
			{Hook: &gstsv1alpha1.HookStep{TemplateName: "canary-check", Args: []gstsv1alpha1.HookRunArgument{
				{Name: "url", Value: fmt.Sprintf("http://%s:8080/players", pod4.Status.PodIP)}}}},
		}
		raw, err := json.Marshal(map[string]any{"spec": map[string]any{"updateStrategy": map[string]any{"canary": map[string]any{"steps": steps}}}})
		Expect(err).NotTo(HaveOccurred())
		kubectlPatch(ns, name, string(raw))
		Eventually(func() *int32 { return getSet(ns, name).Status.CurrentStepIndex }).Should(HaveValue(Equal(int32(5))), "no canary for the current revision")

		patchImage(ns, name, "v2")
		By("partition 3: pods 3 and 4 update, then the pause step pauses")
		Eventually(func(g Gomega) {
			s := getSet(ns, name)
			g.Expect(updatedReadyCounts(ns, name)).To(Equal([2]int32{2, 2}))
			g.Expect(s.Spec.UpdateStrategy.Paused).To(BeTrue())
			g.Expect(s.Status.PauseConditions).To(ContainElement(HaveField("Reason", gstsv1alpha1.PauseReasonCanaryPauseStep)))
			g.Expect(s.Status.CurrentStepIndex).To(HaveValue(Equal(int32(1))))
		}).Should(Succeed())
		Consistently(func() [2]int32 { return updatedReadyCounts(ns, name) }).WithTimeout(5 * time.Second).Should(Equal([2]int32{2, 2}))

		By("resumed: partition 1 updates pods 1 and 2, then the timed pause holds pod 0 for 10 s")
		kubectlPatch(ns, name, `{"spec":{"updateStrategy":{"paused":false}}}`)
		Eventually(func(g Gomega) {
			s := getSet(ns, name)
			g.Expect(updatedReadyCounts(ns, name)).To(Equal([2]int32{4, 4}))
			g.Expect(s.Status.CurrentStepIndex).To(HaveValue(Equal(int32(3))))
			g.Expect(s.Status.Canary.PauseStartTime).NotTo(BeNil())
		}).Should(Succeed())
		pauseStart := getSet(ns, name).Status.Canary.PauseStartTime.Time
		Consistently(func() int32 { return getSet(ns, name).Status.UpdatedReplicas }).WithTimeout(5 * time.Second).Should(Equal(int32(4)))

		By("after the pause the hook asks pod 4, which has no players, and the update completes")
		eventuallyRolledOut(ns, name, 5)
		Expect(time.Since(pauseStart)).To(BeNumerically(">=", 10*time.Second))
		s := getSet(ns, name)
		Expect(s.Status.CurrentStepIndex).To(HaveValue(Equal(int32(5))))
		Expect(s.Status.PauseConditions).To(BeEmpty())
		runs := hookRuns(ns)
		Expect(runs).To(HaveLen(1))
		Expect(runs[0].Status.Phase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))
		Expect(runs[0].Status.MetricResults[0].Measurements[0].Value).To(Equal("0"))
		for _, pod := range podsOf(ns, name) {
			Expect(restarts(pod)).To(Equal(int32(1)), "pod %s updated in place", pod.Name)
		}
	})
})

var _ = Describe("Pod hooks", func() {
	It("holds a scale-down until the game server reports 0 players", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, drainedTemplate(ns, "drained", -1))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.PreDeleteUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drained"}
		}))).To(Succeed())
		eventuallyReady(ns, name, 3)
		last := podsOf(ns, name)[2]
		setPlayers(last, 4)

		out, err := kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=2")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func(g Gomega) {
			pod := podsOf(ns, name)[2]
			g.Expect(pod).NotTo(BeNil())
			g.Expect(pod.Annotations).To(HaveKeyWithValue(hook.DeletingAnnotation, "true"))
			conditions := getSet(ns, name).Status.PreDeleteHookConditions
			g.Expect(conditions).To(HaveLen(1))
			g.Expect(conditions[0].HookPhase).To(Equal(gstsv1alpha1.HookPhaseRunning))
		}).Should(Succeed())
		Consistently(func() *corev1.Pod { return podsOf(ns, name)[2] }).WithTimeout(5 * time.Second).ShouldNot(BeNil())
		Expect(podsOf(ns, name)[2].UID).To(Equal(last.UID))
		run := hookRuns(ns)[0]
		Expect(run.Status.MetricResults[0].Failed).To(BeNumerically(">=", 3), "it kept asking")

		setPlayers(last, 0)
		Eventually(func(g Gomega) {
			g.Expect(podNames(podsOf(ns, name))).To(Equal([]string{name + "-0", name + "-1"}))
			g.Expect(hookRuns(ns)).To(BeEmpty())
		}).Should(Succeed())
		eventuallyReady(ns, name, 2)
	})

	It("keeps the pod of a failing hook and says why", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, drainedTemplate(ns, "strict", 0))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 2, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.PreDeleteUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "strict"}
		}))).To(Succeed())
		eventuallyReady(ns, name, 2)
		kept := podsOf(ns, name)[1]
		setPlayers(kept, 9)
		out, err := kubectl("-n", ns, "scale", "gamestatefulset", name, "--replicas=1")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func(g Gomega) {
			c := meta.FindStatusCondition(getSet(ns, name).Status.Conditions, gstsv1alpha1.ConditionProgressing)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal("HookFailed"))
			g.Expect(c.Message).To(ContainSubstring("pod %s-1: pre-delete-step HookRun", name))
			g.Expect(c.Message).To(ContainSubstring("Failed"))
		}).Should(Succeed())
		described, err := kubectl("-n", ns, "describe", "gamestatefulset", name)
		Expect(err).NotTo(HaveOccurred())
		Expect(described).To(ContainSubstring("HookFailed"))
		Expect(described).To(ContainSubstring("the pod is kept"))
		Consistently(func() *corev1.Pod { return podsOf(ns, name)[1] }).WithTimeout(3 * time.Second).Should(HaveField("UID", kept.UID))
		Expect(getSet(ns, name).Status.PreDeleteHookConditions).To(ConsistOf(HaveField("HookPhase", gstsv1alpha1.HookPhaseFailed)))
	})

	It("runs pre-inplace before and post-inplace after an in-place update", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, drainedTemplate(ns, "drained", -1))).To(Succeed())
		Expect(k8s.Create(ctx, drainedTemplate(ns, "after", -1))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 1, 0),
			func(set *gstsv1alpha1.GameStatefulSet) {
				set.Spec.PreInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drained"}
				set.Spec.PostInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "after"}
			}))).To(Succeed())
		eventuallyReady(ns, name, 2)
		before := snapshot(ns, name)
		setPlayers(podsOf(ns, name)[1], 2)
		patchImage(ns, name, "v2")
		Eventually(func() []gstsv1alpha1.PodHookCondition { return getSet(ns, name).Status.PreInplaceHookConditions }).
			Should(ConsistOf(HaveField("PodName", name+"-1")))
		Consistently(func() string { return image(podsOf(ns, name)[1]) }).WithTimeout(4 * time.Second).Should(HaveSuffix(":v1"))
		Expect(image(podsOf(ns, name)[0])).To(HaveSuffix(":v1"), "maxUnavailable 1: pod 0 waits for pod 1")

		setPlayers(podsOf(ns, name)[1], 0)
		eventuallyRolledOut(ns, name, 2)
		Eventually(func(g Gomega) {
			conditions := getSet(ns, name).Status.PostInplaceHookConditions
			g.Expect(conditions).To(HaveLen(2))
			for _, c := range conditions {
				g.Expect(c.HookPhase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))
			}
		}).Should(Succeed())
		for ord, pod := range podsOf(ns, name) {
			Expect(pod.UID).To(Equal(before[ord].UID), "updated in place")
			Expect(restarts(pod)).To(Equal(int32(1)))
		}
	})
})
