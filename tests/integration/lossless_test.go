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
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/podcontrol"
)

// reloaderFunc is a podcontrol.Reloader of a function.
type reloaderFunc func(context.Context, *corev1.Pod, *gstsv1alpha1.ReloadAction) error

func (f reloaderFunc) Reload(ctx context.Context, pod *corev1.Pod, reload *gstsv1alpha1.ReloadAction) error {
	return f(ctx, pod, reload)
}

var _ = Describe("Lossless HotPatchUpdate", func() {
	It("patches only the content container, reloads the game once it runs, holds the rollout on a failed reload and refuses a game image", func() {
		ns := newNamespace()
		var reloads, failures atomic.Int32
		game := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/reload":
				reloads.Add(1)
			default:
				failures.Add(1)
				http.Error(w, "no such reload", http.StatusInternalServerError)
			}
		}))
		DeferCleanup(game.Close)
		_, portText, _ := net.SplitHostPort(game.Listener.Addr().String())
		port, _ := strconv.Atoi(portText)

		set := gameSet(ns, "web", 2, parallel, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers = append(s.Spec.Template.Spec.Containers, corev1.Container{Name: "content", Image: "content:v1"})
			s.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.HotPatchGameStatefulSetStrategyType,
				RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(1))},
				HotPatchUpdateStrategy: &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"content"},
					Reload: &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: int32(port), Path: "/reload"}, Retries: 1, TimeoutSeconds: 2}}}
		})
		Expect(k8s.Create(ctx, set)).To(Succeed())
		// the pods' IP is this process, where the game's reload endpoint listens
		runAt := func() {
			for _, pod := range podsOf(ns, "web") {
				if pod.DeletionTimestamp == nil {
					pod.Status.PodIP = "127.0.0.1"
					_ = kubeletRuns(pod)
				}
			}
		}
		Eventually(func(g Gomega) { runAt(); g.Expect(getSet(ns, "web").Status.ReadyReplicas).To(Equal(int32(2))) }).Should(Succeed())
		before := podsOf(ns, "web")

		By("a new content image: pod 1 alone is patched, its game reloaded once, then it counts as updated")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[1].Image = "content:v2" })
		Eventually(func(g Gomega) {
			runAt()
			s := getSet(ns, "web")
			g.Expect(s.Status.UpdatedReplicas).To(Equal(int32(1)))
			g.Expect(reloads.Load()).To(Equal(int32(1)))
		}).Should(Succeed())
		pods := podsOf(ns, "web")
		Expect(pods[1].UID).To(Equal(before[1].UID))
		Expect(pods[1].Spec.Containers[0].Image).To(Equal("game:v1"), "the game container is not patched")
		Expect(pods[1].Spec.Containers[1].Image).To(Equal("content:v2"))
		Expect(pods[1].Annotations).To(HaveKeyWithValue(inplace.HotPatchAnnotation, "true"))
		state := inplace.StateOf(pods[1])
		Expect(state.Phase).To(Equal(lossless.PhaseReloaded))
		Expect(state.ReloadAttempts).To(Equal(int32(1)))
		Expect(pods[0].Spec.Containers[1].Image).To(Equal("content:v1"), "partition 1 keeps pod 0")
		Expect(identity.Revision(pods[0])).To(Equal(identity.Revision(before[0])))
		Consistently(reloads.Load, "1s").Should(Equal(int32(1)), "exactly one reload")

		By("a reconcile that plans from a copy of pod 1 cached before its reload does not reload it again")
		stale := pods[1].DeepCopy()
		staleState := inplace.StateOf(stale)
		staleState.Phase, staleState.ReloadAttempts, staleState.LastReload = lossless.PhasePatched, 0, nil
		raw, err := lossless.Encode(staleState)
		Expect(err).NotTo(HaveOccurred())
		stale.Annotations[inplace.HotPatchStateAnnotation] = raw
		var sent atomic.Int32
		control := &podcontrol.PodControl{Client: k8s, Reader: k8s, Recorder: events.NewFakeRecorder(10),
			Reloader: reloaderFunc(func(context.Context, *corev1.Pod, *gstsv1alpha1.ReloadAction) error { sent.Add(1); return nil })}
		_, err = control.Execute(ctx, getSet(ns, "web"), []planner.Action{{Type: planner.ReloadGame, Ordinal: 1, Pod: stale,
			Revision: identity.Revision(stale)}}, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(sent.Load()).To(BeZero(), "the API server's pod says its game reloaded")
		Expect(inplace.StateOf(podsOf(ns, "web")[1]).ReloadAttempts).To(Equal(int32(1)))

		By("a reload that fails holds the pod, not updated, with a condition that says so")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.HotPatchUpdateStrategy.Reload.HTTPGet.Path = "/broken"
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To(intstr.FromInt32(0))
		})
		Eventually(func(g Gomega) {
			runAt()
			s := getSet(ns, "web")
			g.Expect(conditionMessage(s, gstsv1alpha1.ConditionProgressing)).To(And(HavePrefix("InPlaceUpdateStuck"),
				ContainSubstring("web-0: its game did not reload after 2 attempts"), ContainSubstring("500")))
			g.Expect(s.Status.UpdatedReplicas).To(Equal(int32(1)))
		}).Should(Succeed())
		Expect(failures.Load()).To(Equal(int32(2)))

		By("a corrected reload is tried again and completes the rollout")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.HotPatchUpdateStrategy.Reload.HTTPGet.Path = "/reload"
		})
		Eventually(func(g Gomega) {
			runAt()
			g.Expect(getSet(ns, "web").Status.UpdatedReplicas).To(Equal(int32(2)))
		}).Should(Succeed())
		Expect(reloads.Load()).To(Equal(int32(2)))

		By("a new image of the game container is refused, nothing recreated or patched")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:v2" })
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing) }).Should(
			And(HavePrefix("HotPatchRefused"), ContainSubstring("not a content container")))
		for ordinal, pod := range podsOf(ns, "web") {
			Expect(pod.UID).To(Equal(before[ordinal].UID))
			Expect(pod.Spec.Containers[0].Image).To(Equal("game:v1"))
		}
	})

	It("refuses at admission a strategy whose every container is content, or whose reload is ambiguous", func() {
		ns := newNamespace()
		allContent := gameSet(ns, "all", 1, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.HotPatchGameStatefulSetStrategyType
			s.Spec.UpdateStrategy.HotPatchUpdateStrategy = &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"main"}}
		})
		expectRefused(k8s.Create(ctx, allContent), "every container is a content container")
		both := gameSet(ns, "both", 1, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers = append(s.Spec.Template.Spec.Containers, corev1.Container{Name: "content", Image: "c:1"})
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.HotPatchGameStatefulSetStrategyType
			s.Spec.UpdateStrategy.HotPatchUpdateStrategy = &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"content"},
				Reload: &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: 80},
					Exec: &gstsv1alpha1.ReloadExec{Container: "main", Command: []string{"reload"}}}}
		})
		expectRefused(k8s.Create(ctx, both), "set exactly one of exec and httpGet")
		missing := gameSet(ns, "missing", 1, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers = append(s.Spec.Template.Spec.Containers, corev1.Container{Name: "content", Image: "c:1"})
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.HotPatchGameStatefulSetStrategyType
			s.Spec.UpdateStrategy.HotPatchUpdateStrategy = &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"assets"}}
		})
		expectRefused(k8s.Create(ctx, missing), "assets")
	})
})
