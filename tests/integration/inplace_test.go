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
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
)

func inPlaceUpdate(partition int32, graceSeconds int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{
			Type:                  gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType,
			RollingUpdate:         &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(partition))},
			InPlaceUpdateStrategy: &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: graceSeconds},
		}
	}
}

func hotPatchUpdate(partition int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{
			Type:          gstsv1alpha1.HotPatchGameStatefulSetStrategyType,
			RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(partition))},
		}
	}
}

// gate is the pod's InPlaceUpdateReady condition, empty while the pod or the condition does not exist.
func gate(pod *corev1.Pod) *corev1.PodCondition {
	if pod == nil || inplace.GateCondition(pod) == nil {
		return &corev1.PodCondition{}
	}
	return inplace.GateCondition(pod)
}

func restarts(pod *corev1.Pod) int32 {
	if len(pod.Status.ContainerStatuses) == 0 {
		return -1
	}
	return pod.Status.ContainerStatuses[0].RestartCount
}

// podHistory records what one pod looked like at each change the API server reported.
type podSnapshot struct {
	image      string
	gateStatus corev1.ConditionStatus
	gateSince  time.Time
	state      string
}

func watchPod(ns, name string) (stop func() []podSnapshot) {
	w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	done := make(chan []podSnapshot)
	go func() {
		var seen []podSnapshot
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			snap := podSnapshot{image: pod.Spec.Containers[0].Image, state: pod.Annotations[inplace.StateAnnotation]}
			if c := gate(pod); c != nil {
				snap.gateStatus, snap.gateSince = c.Status, c.LastTransitionTime.Time
			}
			seen = append(seen, snap)
		}
		done <- seen
	}()
	return func() []podSnapshot { w.Stop(); return <-done }
}

var _ = Describe("InplaceUpdate", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("follows the reference walkthrough: takes each pod out of service for the grace period, then restarts it in place", func() {
		const name = "test-gamestatefulset"
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, inPlaceUpdate(3, 2)))).To(Succeed())
		eventuallyAllReady(ns, name, 5)
		Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 5, 5}))
		for _, pod := range podsOf(ns, name) {
			Expect(pod.Spec.ReadinessGates).To(ContainElement(corev1.PodReadinessGate{ConditionType: inplace.ReadinessGate}))
			Expect(gate(pod).Status).To(Equal(corev1.ConditionTrue))
		}
		before := uids(ns, name)
		stop := watchPod(ns, name+"-4")

		patchImage(ns, name, "python:latest")
		// pod 4 leaves service first, with its old image
		Eventually(func() corev1.ConditionStatus { return gate(podsOf(ns, name)[4]).Status }).Should(Equal(corev1.ConditionFalse))
		Expect(images(ns, name)[4]).To(Equal("game:v1"))
		// the kubelet folds the gate into Ready, so Services drop the pod
		readyPods(ns, name)
		Expect(isReady(podsOf(ns, name)[4])).To(BeFalse())

		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 3, 2}))
			g.Expect(images(ns, name)).To(Equal(map[int32]string{0: "game:v1", 1: "game:v1", 2: "game:v1", 3: "python:latest", 4: "python:latest"}))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(uids(ns, name)).To(Equal(before), "no pod was recreated")
		pods := podsOf(ns, name)
		for ord, want := range map[int32]int32{0: 0, 1: 0, 2: 0, 3: 1, 4: 1} {
			Expect(restarts(pods[ord])).To(Equal(want), "RESTARTS of pod %d", ord)
			Expect(gate(pods[ord]).Status).To(Equal(corev1.ConditionTrue))
		}
		Expect(pods[4].Status.ContainerStatuses[0].ImageID).To(Equal("sha256:python-latest"))

		// the image changed only after a grace period spent out of service
		history := stop()
		var outOfService time.Time
		for _, snap := range history {
			if snap.gateStatus == corev1.ConditionFalse && outOfService.IsZero() {
				outOfService = snap.gateSince
				Expect(snap.image).To(Equal("game:v1"))
			}
			if snap.image == "python:latest" {
				Expect(outOfService.IsZero()).To(BeFalse(), "the image changed before the pod left service")
				var state inplace.State
				Expect(json.Unmarshal([]byte(snap.state), &state)).To(Succeed())
				Expect(state.UpdateTimestamp.Sub(outOfService)).To(BeNumerically(">=", 2*time.Second-time.Millisecond))
				Expect(state.LastContainerStatuses).To(HaveKeyWithValue("main", inplace.ContainerStatus{ImageID: "sha256:game-v1"}))
				break
			}
		}

		By("the metrics a dashboard reads")
		Eventually(func(g Gomega) {
			g.Expect(testutil.ToFloat64(metrics.Replicas.WithLabelValues(ns, name, "updated"))).To(Equal(2.0))
			g.Expect(testutil.ToFloat64(metrics.Replicas.WithLabelValues(ns, name, "ready"))).To(Equal(5.0))
			g.Expect(testutil.ToFloat64(metrics.RolloutProgress.WithLabelValues(ns, name))).To(BeNumerically("~", 0.4))
		}).Should(Succeed())
		var durations dto.Metric
		Expect(metrics.InPlaceUpdateDuration.WithLabelValues(ns, name).(prometheus.Histogram).Write(&durations)).To(Succeed())
		Expect(durations.GetHistogram().GetSampleCount()).To(Equal(uint64(2)), "pods 3 and 4")
		Expect(durations.GetHistogram().GetSampleSum()).To(BeNumerically(">=", 2*2), "each out of service for its 2 s grace period at least")
	})

	It("updates at once without a grace period", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, inPlaceUpdate(0, 0)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		before := uids(ns, "web")
		patchImage(ns, "web", "game:v2")
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{2, 2, 2, 2}))
			g.Expect(images(ns, "web")).To(Equal(map[int32]string{0: "game:v2", 1: "game:v2"}))
			s := getSet(ns, "web")
			g.Expect(s.Status.CurrentRevision).To(Equal(s.Status.UpdateRevision))
		}).Should(Succeed())
		Expect(uids(ns, "web")).To(Equal(before))
	})

	It("moves straight to a revision that arrives during the grace period, restarting once", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, inPlaceUpdate(0, 3)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		stop := watchPod(ns, "web-0")
		patchImage(ns, "web", "game:v2")
		Eventually(func() corev1.ConditionStatus { return gate(podsOf(ns, "web")[0]).Status }).Should(Equal(corev1.ConditionFalse))
		patchImage(ns, "web", "game:v3")
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(images(ns, "web")[0]).To(Equal("game:v3"))
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{1, 1, 1, 1}))
		}).Should(Succeed())
		Expect(restarts(podsOf(ns, "web")[0])).To(Equal(int32(1)))
		for _, snap := range stop() {
			Expect(snap.image).NotTo(Equal("game:v2"))
		}
	})

	It("falls back to recreating a pod when more than images changed, and says why", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, inPlaceUpdate(0, 0)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		before := uids(ns, "web")[0]
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "ranked"}}
		})
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			g.Expect(uids(ns, "web")[0]).NotTo(Or(Equal(before), BeEmpty()))
			pod := podsOf(ns, "web")[0]
			g.Expect(pod).NotTo(BeNil())
			g.Expect(pod.Spec.Containers[0].Env).To(HaveLen(1))
		}).Should(Succeed())
		Eventually(func() []string { return eventReasons(ns, "web") }).Should(ContainElement("InPlaceUpdateFallback"))
	})

	It("gives a pod whose grace period was cut short by a raised partition its readiness back", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, inPlaceUpdate(1, 3600)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		patchImage(ns, "web", "game:v2")
		Eventually(func() corev1.ConditionStatus { return gate(podsOf(ns, "web")[1]).Status }).Should(Equal(corev1.ConditionFalse))
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr.To(intstr.FromInt32(2))
		})
		Eventually(func() corev1.ConditionStatus { return gate(podsOf(ns, "web")[1]).Status }).Should(Equal(corev1.ConditionTrue))
		Expect(images(ns, "web")[1]).To(Equal("game:v1"))
	})

	It("changes resources alone through the resize subresource, recreating the pod where the node cannot resize", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, inPlaceUpdate(0, 0), func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		}))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")}
		})
		// no node here declares resize support, so the API server refuses the resize and the pod is recreated;
		// the e2e suite on a real kubelet sees it resized in place
		Eventually(func(g Gomega) {
			readyPods(ns, "web")
			pod := podsOf(ns, "web")[0]
			g.Expect(pod).NotTo(BeNil())
			g.Expect(pod.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal("200m"))
			g.Expect(statusCounts(ns, "web")).To(Equal([4]int32{1, 1, 1, 1}))
		}).Should(Succeed())
		Expect(eventMessages(ns, "web")).To(ContainElement(ContainSubstring("cannot be updated in place (resize refused")))
	})
})

var _ = Describe("HotPatchUpdate", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("follows the reference walkthrough: patches images of pods 4 and 3 without recreating or restarting them", func() {
		const name = "test-gamestatefulset"
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, hotPatchUpdate(3), func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Image = "main:v1"
		}))).To(Succeed())
		eventuallyAllReady(ns, name, 5)
		before := uids(ns, name)
		patchImage(ns, name, "main:v2")
		// pod 4 is patched but its kubelet has not reported the new image: it counts as neither current nor
		// updated, and pod 3 waits for it (maxUnavailable 1)
		Eventually(func(g Gomega) {
			g.Expect(images(ns, name)[4]).To(Equal("main:v2"))
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 4, 0}))
		}).Should(Succeed())
		Expect(images(ns, name)[3]).To(Equal("main:v1"))

		Eventually(func(g Gomega) {
			readyPods(ns, name)
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 3, 2}))
		}).Should(Succeed())
		Expect(uids(ns, name)).To(Equal(before))
		pods := podsOf(ns, name)
		for ord := range int32(5) {
			Expect(restarts(pods[ord])).To(Equal(int32(0)), "the customised kubelet swaps images without a restart")
		}
		for _, ord := range []int32{3, 4} {
			Expect(pods[ord].Annotations).To(HaveKeyWithValue(inplace.HotPatchAnnotation, "true"))
			var state inplace.State
			Expect(json.Unmarshal([]byte(pods[ord].Annotations[inplace.HotPatchStateAnnotation]), &state)).To(Succeed())
			Expect(state.LastContainerStatuses).To(HaveKeyWithValue("main", inplace.ContainerStatus{ImageID: "sha256:main-v1"}))
			Expect(pods[ord].Status.ContainerStatuses[0].ImageID).To(Equal("sha256:main-v2"))
		}
		Expect(pods[2].Annotations).NotTo(HaveKey(inplace.HotPatchAnnotation))
	})

	It("refuses a change that is not only images, with a condition and an event, and recreates nothing", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, hotPatchUpdate(0)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		before := uids(ns, "web")
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "ranked"}}
		})
		Eventually(func() string {
			return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionProgressing)
		}).Should(And(HavePrefix("HotPatchRefused"), ContainSubstring("spec.containers")))
		Eventually(func() []string { return eventReasons(ns, "web") }).Should(ContainElement("HotPatchRefused"))
		Consistently(func() map[int32]types.UID { return uids(ns, "web") }).WithTimeout(time.Second).Should(Equal(before))
	})
})

// eventReasons lists the reasons of the events about a set.
func eventReasons(ns, name string) []string {
	var reasons []string
	for _, e := range eventsAbout(ns, name) {
		reasons = append(reasons, e.Reason)
	}
	return reasons
}

// eventMessages lists the messages of the events about a set.
func eventMessages(ns, name string) []string {
	var messages []string
	for _, e := range eventsAbout(ns, name) {
		messages = append(messages, e.Message)
	}
	return messages
}

func eventsAbout(ns, name string) []corev1.Event {
	var list corev1.EventList
	ExpectWithOffset(2, k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var about []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name {
			about = append(about, e)
		}
	}
	return about
}
