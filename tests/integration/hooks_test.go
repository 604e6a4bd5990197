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
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook/provider"
)

// gameServers answers /players/<pod> with the player count a spec sets, as a game server's status endpoint.
type gameServers struct {
	mu      sync.Mutex
	players map[string]int
	server  *httptest.Server
}

func newGameServers() *gameServers {
	g := &gameServers{players: map[string]int{}}
	g.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]int{"players": g.players[strings.TrimPrefix(r.URL.Path, "/players/")]})
	}))
	DeferCleanup(g.server.Close)
	return g
}

func (g *gameServers) set(pod string, players int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.players[pod] = players
}

// playersTemplate asks the game server of the hook's pod for its player count every second until it is 0.
func playersTemplate(ns, name, url string) *gstsv1alpha1.HookTemplate {
	return &gstsv1alpha1.HookTemplate{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: gstsv1alpha1.HookTemplateSpec{
			Args: []gstsv1alpha1.Argument{{Name: "PodName"}},
			Metrics: []gstsv1alpha1.Metric{{
				Name: "players", Interval: "1s", SuccessCondition: "asInt(result) == 0", FailureLimit: -1, SuccessfulLimit: 1,
				Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: url + "/players/{{ args.PodName }}", JSONPath: "{$.players}"}},
			}},
		},
	}
}

func hookRun(ns, name string) *gstsv1alpha1.HookRun {
	run := &gstsv1alpha1.HookRun{}
	if err := k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, run); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		Expect(err).NotTo(HaveOccurred())
	}
	return run
}

func hookRunsOf(ns string) []gstsv1alpha1.HookRun {
	var list gstsv1alpha1.HookRunList
	Expect(k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}

var _ = Describe("Canary steps", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("updates 2 pods, pauses until resumed, updates 4, pauses 2 s, runs a hook, then updates all", func() {
		const name = "canary"
		servers := newGameServers()
		Expect(k8s.Create(ctx, playersTemplate(ns, "check", servers.server.URL))).To(Succeed())
		Expect(k8s.Create(ctx, &gstsv1alpha1.HookTemplate{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "fleet-ok"},
			Spec: gstsv1alpha1.HookTemplateSpec{Metrics: []gstsv1alpha1.Metric{{Name: "fleet", SuccessCondition: "asInt(result) == 0",
				Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: servers.server.URL + "/players/none", JSONPath: "{$.players}"}}}}},
		})).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{
				{Partition: ptr.To(intstr.FromInt32(3))},
				{Pause: &gstsv1alpha1.CanaryPause{}},
				{Partition: ptr.To(intstr.FromInt32(1))},
				{Pause: &gstsv1alpha1.CanaryPause{Duration: ptr.To(int32(2))}},
				{Hook: &gstsv1alpha1.HookStep{TemplateName: "fleet-ok"}},
			}}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 5)
		Expect(*getSet(ns, name).Status.CurrentStepIndex).To(Equal(int32(5)), "a new set has no canary to run")

		patchImage(ns, name, "game:v2")
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			set := getSet(ns, name)
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 3, 2}))
			g.Expect(set.Spec.UpdateStrategy.Paused).To(BeTrue())
			g.Expect(set.Status.PauseConditions).To(HaveLen(1))
			g.Expect(set.Status.PauseConditions[0].Reason).To(Equal(gstsv1alpha1.PauseReasonCanaryPauseStep))
			g.Expect(*set.Status.CurrentStepIndex).To(Equal(int32(1)))
			c := meta.FindStatusCondition(set.Status.Conditions, gstsv1alpha1.ConditionProgressing)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal("CanaryPaused"))
			g.Expect(c.Message).To(ContainSubstring("paused at step 2 of 5"))
		}).Should(Succeed())
		Consistently(func() [4]int32 { readyPods(ns, name); return statusCounts(ns, name) }).WithTimeout(2 * time.Second).Should(Equal([4]int32{5, 5, 3, 2}))

		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.UpdateStrategy.Paused = false })
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 1, 4}))
			set := getSet(ns, name)
			g.Expect(*set.Status.CurrentStepIndex).To(Equal(int32(3)))
			g.Expect(set.Status.Canary.PauseStartTime).NotTo(BeNil())
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			set := getSet(ns, name)
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(5)))
			g.Expect(*set.Status.CurrentStepIndex).To(Equal(int32(5)))
			g.Expect(set.Status.CurrentRevision).To(Equal(set.Status.UpdateRevision))
		}).Should(Succeed())
		runs := hookRunsOf(ns)
		Expect(runs).To(HaveLen(1))
		Expect(runs[0].Name).To(HavePrefix("canary-" + name + "-"))
		Expect(runs[0].Status.Phase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))
		Expect(runs[0].Labels).To(HaveKeyWithValue(hook.TypeLabel, string(hook.KindCanaryStep)))
	})

	It("pauses when a hook step fails and passes the step over once resumed", func() {
		const name = "canary-fail"
		servers := newGameServers()
		servers.set("busy", 7)
		Expect(k8s.Create(ctx, &gstsv1alpha1.HookTemplate{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "busy"},
			Spec: gstsv1alpha1.HookTemplateSpec{Metrics: []gstsv1alpha1.Metric{{Name: "busy", SuccessCondition: "asInt(result) == 0",
				Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: servers.server.URL + "/players/busy", JSONPath: "{$.players}"}}}}},
		})).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{
				{Partition: ptr.To(intstr.FromInt32(2))},
				{Hook: &gstsv1alpha1.HookStep{TemplateName: "busy"}},
			}}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 3)
		patchImage(ns, name, "game:v2")
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			set := getSet(ns, name)
			g.Expect(set.Spec.UpdateStrategy.Paused).To(BeTrue())
			g.Expect(set.Status.PauseConditions).To(ContainElement(HaveField("Reason", gstsv1alpha1.PauseReasonStepBasedHook)))
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(1)))
		}).Should(Succeed())
		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.UpdateStrategy.Paused = false })
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(getSet(ns, name).Status.UpdatedReplicas).To(Equal(int32(3)))
		}).Should(Succeed())
	})
})

var _ = Describe("Pod hooks", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("keeps a pod a scale-down removes until its pre-delete hook sees no players", func() {
		const name = "predelete"
		servers := newGameServers()
		servers.set(name+"-2", 3)
		Expect(k8s.Create(ctx, playersTemplate(ns, "drain", servers.server.URL))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 3, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.PreDeleteUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drain"}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 3)

		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.Replicas = ptr.To(int32(2)) })
		Eventually(func(g Gomega) {
			pod := podsOf(ns, name)[2]
			g.Expect(pod).NotTo(BeNil())
			g.Expect(pod.Annotations).To(HaveKeyWithValue(hook.DeletingAnnotation, "true"))
			set := getSet(ns, name)
			g.Expect(set.Status.PreDeleteHookConditions).To(HaveLen(1))
			g.Expect(set.Status.PreDeleteHookConditions[0].PodName).To(Equal(name + "-2"))
			g.Expect(set.Status.PreDeleteHookConditions[0].HookPhase).To(Equal(gstsv1alpha1.HookPhaseRunning))
		}).Should(Succeed())
		Consistently(func() *corev1.Pod { return podsOf(ns, name)[2] }).WithTimeout(3 * time.Second).ShouldNot(BeNil())

		servers.set(name+"-2", 0)
		Eventually(func(g Gomega) {
			g.Expect(podsOf(ns, name)).NotTo(HaveKey(int32(2)))
			g.Expect(hookRunsOf(ns)).To(BeEmpty(), "the run of the gone pod is cleaned up")
			g.Expect(getSet(ns, name).Status.PreDeleteHookConditions).To(BeEmpty())
		}).Should(Succeed())
	})

	It("keeps the pod of a failed pre-delete hook, says why, and runs it again with retry", func() {
		const name = "predelete-fail"
		servers := newGameServers()
		servers.set(name+"-1", 5)
		template := playersTemplate(ns, "strict", servers.server.URL)
		template.Spec.Metrics[0].FailureLimit = 0
		Expect(k8s.Create(ctx, template)).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 2, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.PreDeleteUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "strict"}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 2)
		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.Replicas = ptr.To(int32(1)) })
		Eventually(func(g Gomega) {
			set := getSet(ns, name)
			c := meta.FindStatusCondition(set.Status.Conditions, gstsv1alpha1.ConditionProgressing)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal("HookFailed"))
			g.Expect(c.Message).To(ContainSubstring("pod " + name + "-1"))
			g.Expect(c.Message).To(ContainSubstring("the pod is kept"))
		}).Should(Succeed())
		Expect(podsOf(ns, name)).To(HaveKey(int32(1)))
		failed := hookRunsOf(ns)
		Expect(failed).To(HaveLen(1))
		Expect(failed[0].Status.Phase).To(Equal(gstsv1alpha1.HookPhaseFailed))

		servers.set(name+"-1", 0)
		updateSet(ns, name, func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.PreDeleteUpdateStrategy.RetryUnexpectedHooks = true })
		Eventually(func(g Gomega) {
			g.Expect(podsOf(ns, name)).NotTo(HaveKey(int32(1)))
		}).WithTimeout(40 * time.Second).Should(Succeed())
	})

	It("runs pre-inplace before and post-inplace after each in-place update", func() {
		const name = "inplace-hooks"
		servers := newGameServers()
		servers.set(name+"-1", 2)
		Expect(k8s.Create(ctx, playersTemplate(ns, "drain", servers.server.URL))).To(Succeed())
		Expect(k8s.Create(ctx, playersTemplate(ns, "after", servers.server.URL))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, name, 2, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.Type = gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType
			set.Spec.PreInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drain"}
			set.Spec.PostInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "after"}
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 2)
		before := uids(ns, name)
		patchImage(ns, name, "game:v2")
		// pod 1 is first and has players: it waits, and maxUnavailable 1 holds pod 0 too
		Eventually(func(g Gomega) {
			g.Expect(getSet(ns, name).Status.PreInplaceHookConditions).To(ContainElement(HaveField("PodName", name+"-1")))
		}).Should(Succeed())
		Consistently(func() map[int32]string { readyPods(ns, name); return images(ns, name) }).WithTimeout(3 * time.Second).
			Should(Equal(map[int32]string{0: "game:v1", 1: "game:v1"}))

		servers.set(name+"-1", 0)
		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(images(ns, name)).To(Equal(map[int32]string{0: "game:v2", 1: "game:v2"}))
			set := getSet(ns, name)
			g.Expect(set.Status.PostInplaceHookConditions).To(HaveLen(2))
			for _, c := range set.Status.PostInplaceHookConditions {
				g.Expect(c.HookPhase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))
			}
		}).Should(Succeed())
		Expect(uids(ns, name)).To(Equal(before), "updated in place, not recreated")
	})
})

var _ = Describe("The kubernetes hook provider", func() {
	It("patches the annotations of the hook's pod, then reads them back", func() {
		ns := newNamespace()
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "server-0"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "game:v1"}}}}
		Expect(k8s.Create(ctx, pod)).To(Succeed())
		run := &gstsv1alpha1.HookRun{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "r"},
			Spec: gstsv1alpha1.HookRunSpec{Args: []gstsv1alpha1.Argument{{Name: "PodName", Value: ptr.To("server-0")}}}}
		measurer := &provider.Measurer{Client: k8s}
		fields := []gstsv1alpha1.Field{{Path: "metadata.annotations.game.example.com/state", Value: "draining"}}
		patch := gstsv1alpha1.Metric{Name: "mark", Provider: gstsv1alpha1.MetricProvider{Kubernetes: &gstsv1alpha1.KubernetesMetric{Function: "patch", Fields: fields}}}
		get := gstsv1alpha1.Metric{Name: "check", Provider: gstsv1alpha1.MetricProvider{Kubernetes: &gstsv1alpha1.KubernetesMetric{Function: "get", Fields: fields}}}
		judge := func(metric gstsv1alpha1.Metric) gstsv1alpha1.Measurement {
			value, err := measurer.Measure(ctx, run, &metric)
			return hook.Judge(&metric, value, err, time.Now(), time.Now())
		}

		Expect(judge(get).Phase).To(Equal(gstsv1alpha1.HookPhaseFailed), "not yet annotated")
		Expect(judge(patch).Phase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
		Expect(pod.Annotations).To(HaveKeyWithValue("game.example.com/state", "draining"))
		Expect(judge(get).Phase).To(Equal(gstsv1alpha1.HookPhaseSuccessful))

		run.Spec.Args[0].Value = ptr.To("server-9")
		Expect(judge(get).Phase).To(Equal(gstsv1alpha1.HookPhaseError), "no such pod")
	})
})

var _ = Describe("HookTemplate admission", func() {
	DescribeTable("refuses a template the HookRun controller could not run, naming the field",
		func(mutate func(*gstsv1alpha1.HookTemplate), message string) {
			ns := newNamespace()
			t := playersTemplate(ns, "bad", "http://127.0.0.1:1")
			mutate(t)
			expectRefused(k8s.Create(ctx, t), message)
		},
		Entry("a condition that does not compile", func(t *gstsv1alpha1.HookTemplate) { t.Spec.Metrics[0].SuccessCondition = "asInt(result) <" },
			"spec.metrics[0].successCondition"),
		Entry("a malformed interval", func(t *gstsv1alpha1.HookTemplate) { t.Spec.Metrics[0].Interval = "5 minutes" },
			"spec.metrics[0].interval"),
		Entry("a count without an interval", func(t *gstsv1alpha1.HookTemplate) {
			t.Spec.Metrics[0].Interval, t.Spec.Metrics[0].Count = "", 3
		}, "spec.metrics[0].interval: Required value"),
		Entry("two providers", func(t *gstsv1alpha1.HookTemplate) {
			t.Spec.Metrics[0].Provider.Prometheus = &gstsv1alpha1.PrometheusMetric{Address: "http://p", Query: "up"}
		}, "exactly one provider"),
		Entry("an unknown policy", func(t *gstsv1alpha1.HookTemplate) { t.Spec.Policy = "Random" }, `spec.policy: Unsupported value: "Random"`),
	)

	It("refuses a canary step with two kinds at once", func() {
		ns := newNamespace()
		expectRefused(k8s.Create(ctx, gameSet(ns, "two-kinds", 1, func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{
				{Partition: ptr.To(intstr.FromInt32(1)), Pause: &gstsv1alpha1.CanaryPause{}}}}
		})), "a canary step has exactly one of partition, pause and hook")
	})
})
