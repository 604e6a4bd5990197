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
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

const name = "test-gamestatefulset"

var _ = Describe("RollingUpdate", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("follows the reference walkthrough: partition 3 of 5 recreates pods 4 and 3, then partition 0 finishes", func() {
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, strategy(gstsv1alpha1.RollingUpdateStatefulSetStrategyType, 3, 1, 0)))).To(Succeed())
		eventuallyReady(ns, name, 5)
		Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 5, 5}))
		before := snapshot(ns, name)

		patchImage(ns, name, "v2")
		Eventually(func() [4]int32 { return statusCounts(ns, name) }).Should(Equal([4]int32{5, 5, 3, 2}))
		after := snapshot(ns, name)
		for ord := range int32(5) {
			if ord < 3 {
				Expect(after[ord].UID).To(Equal(before[ord].UID), "pod %d is below the partition", ord)
				Expect(image(ptr.To(after[ord]))).To(HaveSuffix(":v1"))
			} else {
				Expect(after[ord].UID).NotTo(Equal(before[ord].UID), "pod %d is recreated", ord)
				Expect(image(ptr.To(after[ord]))).To(HaveSuffix(":v2"))
			}
		}

		setPartition(ns, name, 0)
		eventuallyRolledOut(ns, name, 5)
	})

	It("updates maxUnavailable pods at once", func() {
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel, strategy(gstsv1alpha1.RollingUpdateStatefulSetStrategyType, 0, 2, 0)))).To(Succeed())
		eventuallyReady(ns, name, 4)
		unavailable := watchUnavailable(ns, name, 4)
		patchImage(ns, name, "v2")
		eventuallyRolledOut(ns, name, 4)
		worst := unavailable()
		Expect(worst).To(BeNumerically("<=", 2), "never more than maxUnavailable pods down")
		Expect(worst).To(Equal(2), "the update ran two pods at a time")
	})
})

// eventuallyRolledOut waits until the status of the latest spec shows every pod updated to v2 and ready.
func eventuallyRolledOut(ns, name string, replicas int32) {
	eventuallyRolledOutTo(ns, name, replicas)
	for _, pod := range podsOf(ns, name) {
		ExpectWithOffset(1, image(pod)).To(HaveSuffix(":v2"))
	}
}

// eventuallyRolledOutTo waits until the status of the latest spec shows every pod updated and ready.
func eventuallyRolledOutTo(ns, name string, replicas int32) {
	EventuallyWithOffset(1, func(g Gomega) {
		s := getSet(ns, name)
		g.Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))
		g.Expect([4]int32{*s.Spec.Replicas, s.Status.ReadyReplicas, s.Status.CurrentReplicas, s.Status.UpdatedReplicas}).
			To(Equal([4]int32{replicas, replicas, replicas, replicas}))
		g.Expect(s.Status.CurrentRevision).To(Equal(s.Status.UpdateRevision))
	}).Should(Succeed())
}

// watchUnavailable follows the set's pods from their watch events and returns the most pods that were missing,
// terminating or not Ready at any one time.
func watchUnavailable(ns, set string, replicas int) func() int {
	w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app=" + set})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var mu sync.Mutex
	available := map[string]bool{}
	worst := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			mu.Lock()
			available[pod.Name] = ev.Type != watch.Deleted && pod.DeletionTimestamp == nil && framework.IsReady(pod)
			GinkgoWriter.Printf("%s %s %s available=%v\n", time.Now().Format("15:04:05.000"), ev.Type, pod.Name, available[pod.Name])
			up := 0
			for _, a := range available {
				if a {
					up++
				}
			}
			worst = max(worst, replicas-up)
			mu.Unlock()
		}
	}()
	// the watch starts with every pod ready: forget the ADDED events of the initial list
	Eventually(func() int { mu.Lock(); defer mu.Unlock(); return len(available) }).Should(Equal(replicas))
	mu.Lock()
	worst = 0
	mu.Unlock()
	return func() int {
		w.Stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		return worst
	}
}

// endpointReadiness follows a pod's endpoint in its Service's EndpointSlices and remembers when it was seen
// not ready and ready again.
type endpointReadiness struct {
	mu                sync.Mutex
	notReady, readyAt time.Time
}

func watchEndpoint(ns, service, pod string) *endpointReadiness {
	w, err := clientset.DiscoveryV1().EndpointSlices(ns).Watch(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	e := &endpointReadiness{}
	go func() {
		for ev := range w.ResultChan() {
			slice, ok := ev.Object.(*discoveryv1.EndpointSlice)
			if !ok {
				continue
			}
			ready, present := false, false
			for _, ep := range slice.Endpoints {
				if ep.TargetRef != nil && ep.TargetRef.Name == pod {
					present = true
					ready = ep.Conditions.Ready != nil && *ep.Conditions.Ready
				}
			}
			if !present {
				// a slice without the pod (another slice, or the pod not listed yet) says nothing about it
				continue
			}
			e.mu.Lock()
			switch {
			case !ready && e.notReady.IsZero():
				e.notReady = time.Now()
			case ready && !e.notReady.IsZero() && e.readyAt.IsZero():
				e.readyAt = time.Now()
			}
			e.mu.Unlock()
		}
	}()
	return e
}

func (e *endpointReadiness) times() (notReady, readyAgain time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.notReady, e.readyAt
}

var _ = Describe("InplaceUpdate", func() {
	It("takes each pod out of its Service's endpoints for the grace period, restarts its container in place, and brings it back", func() {
		ns := newNamespace()
		headlessService(ns, name)
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 3, 1, 5), func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.ServiceName = name
		}))).To(Succeed())
		eventuallyReady(ns, name, 5)
		// the endpoints of the pods to update are ready before the update starts
		updated := []int32{3, 4}
		endpoints := map[int32]*endpointReadiness{}
		outOfService := map[int32]func() time.Time{}
		for _, ord := range updated {
			pod := fmt.Sprintf("%s-%d", name, ord)
			Eventually(func() bool { return endpointReady(ns, name, pod) }).Should(BeTrue())
			endpoints[ord] = watchEndpoint(ns, name, pod)
			outOfService[ord] = watchGateFalse(ns, pod)
		}
		before := snapshot(ns, name)

		patchImage(ns, name, "v2")
		Eventually(func(g Gomega) {
			g.Expect(statusCounts(ns, name)).To(Equal([4]int32{5, 5, 3, 2}))
			g.Expect(restarts(podsOf(ns, name)[3])).To(Equal(int32(1)))
		}).Should(Succeed())
		after := snapshot(ns, name)
		for ord := range int32(5) {
			b, a := before[ord], after[ord]
			Expect(a.UID).To(Equal(b.UID), "pod %d keeps its identity", ord)
			Expect(a.Spec.NodeName).To(Equal(b.Spec.NodeName))
			Expect(a.Status.PodIP).To(Equal(b.Status.PodIP))
			if ord < 3 {
				Expect(restarts(ptr.To(a))).To(Equal(int32(0)), "pod %d is below the partition", ord)
				Expect(a.Status.ContainerStatuses[0].ImageID).To(Equal(b.Status.ContainerStatuses[0].ImageID))
				continue
			}
			Expect(restarts(ptr.To(a))).To(Equal(int32(1)), "RESTARTS of pod %d", ord)
			Expect(a.Status.ContainerStatuses[0].ImageID).NotTo(Equal(b.Status.ContainerStatuses[0].ImageID))
			Expect(image(ptr.To(a))).To(HaveSuffix(":v2"))
		}
		out, _ := kubectl("-n", ns, "get", "pods")
		GinkgoWriter.Println(out)

		for _, ord := range updated {
			endpoint := endpoints[ord]
			Eventually(func() bool { _, ready := endpoint.times(); return !ready.IsZero() }).Should(BeTrue(), "pod %d is back in its endpoints", ord)
			notReady, _ := endpoint.times()
			Expect(notReady.IsZero()).To(BeFalse(), "pod %d was seen not ready in its endpoints", ord)
			pod := podsOf(ns, name)[ord]
			Expect(pod.Status.ContainerStatuses[0].State.Running).NotTo(BeNil())
			restarted := pod.Status.ContainerStatuses[0].State.Running.StartedAt.Time
			Expect(notReady).To(BeTemporally("<", restarted), "pod %d left the endpoints before its container restarted", ord)
			// the pod's condition and the container's startedAt are both server times with a precision of a second
			Expect(restarted.Sub(outOfService[ord]())).To(BeNumerically(">=", 4*time.Second), "pod %d stayed out for the grace period of 5s", ord)
			Eventually(func() corev1.ConditionStatus { return inplace.GateCondition(podsOf(ns, name)[ord]).Status }).Should(Equal(corev1.ConditionTrue))
		}
	})
})

// watchGateFalse returns when the pod's InPlaceUpdateReady condition turned False, as the pod records it.
func watchGateFalse(ns, pod string) func() time.Time {
	w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + pod})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	var mu sync.Mutex
	var since time.Time
	go func() {
		for ev := range w.ResultChan() {
			if p, ok := ev.Object.(*corev1.Pod); ok {
				if c := inplace.GateCondition(p); c != nil && c.Status == corev1.ConditionFalse {
					mu.Lock()
					if since.IsZero() {
						since = c.LastTransitionTime.Time
					}
					mu.Unlock()
				}
			}
		}
	}()
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		ExpectWithOffset(1, since.IsZero()).To(BeFalse(), "the pod never left service")
		return since
	}
}

func endpointReady(ns, service, pod string) bool {
	slices, err := clientset.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=" + service})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	for _, s := range slices.Items {
		for _, ep := range s.Endpoints {
			if ep.TargetRef != nil && ep.TargetRef.Name == pod {
				return ep.Conditions.Ready != nil && *ep.Conditions.Ready
			}
		}
	}
	return false
}

var _ = Describe("InplaceUpdate of resources", func() {
	It("resizes a container through the resize subresource, without a restart", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 1, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 1, 0), func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")},
				Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")},
			}
		}))).To(Succeed())
		eventuallyReady(ns, name, 1)
		before := podsOf(ns, name)[0]
		out, err := kubectl("-n", ns, "patch", "gamestatefulset", name, "--type=json", "-p",
			`[{"op": "replace", "path": "/spec/template/spec/containers/0/resources/requests/cpu", "value": "100m"}]`)
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func(g Gomega) {
			pod := podsOf(ns, name)[0]
			g.Expect(pod.UID).To(Equal(before.UID))
			g.Expect(pod.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal("100m"))
			g.Expect(pod.Status.ContainerStatuses[0].Resources).NotTo(BeNil())
			g.Expect(pod.Status.ContainerStatuses[0].Resources.Requests.Cpu().String()).To(Equal("100m"), "the kubelet applied it")
			g.Expect(restarts(pod)).To(Equal(int32(0)))
		}).Should(Succeed())
		eventuallyRolledOutTo(ns, name, 1)
	})
})

var _ = Describe("HotPatchUpdate", func() {
	It("patches images of pods 4 and 3 in place; a stock kubelet restarts the changed container", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 5, strategy(gstsv1alpha1.HotPatchGameStatefulSetStrategyType, 3, 1, 0)))).To(Succeed())
		eventuallyReady(ns, name, 5)
		before := snapshot(ns, name)
		patchImage(ns, name, "v2")
		Eventually(func() [4]int32 { return statusCounts(ns, name) }).Should(Equal([4]int32{5, 5, 3, 2}))
		after := snapshot(ns, name)
		for ord := range int32(5) {
			Expect(after[ord].UID).To(Equal(before[ord].UID), "pod %d is not recreated", ord)
			if ord < 3 {
				Expect(after[ord].Annotations).NotTo(HaveKey(inplace.HotPatchAnnotation))
				continue
			}
			Expect(after[ord].Annotations).To(HaveKeyWithValue(inplace.HotPatchAnnotation, "true"))
			Expect(after[ord].Annotations).To(HaveKey(inplace.HotPatchStateAnnotation))
			Expect(after[ord].Status.ContainerStatuses[0].ImageID).NotTo(Equal(before[ord].Status.ContainerStatuses[0].ImageID))
			// The original operator's customised kubelet swaps the image without a restart. This cluster runs a
			// stock kubelet, which restarts a container whose image changed: RESTARTS 1.
			Expect(restarts(ptr.To(after[ord]))).To(Equal(int32(1)))
		}
	})
})

var _ = Describe("HorizontalPodAutoscaler", func() {
	It("scales a GameStatefulSet through its scale subresource", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 1, parallel))).To(Succeed())
		eventuallyReady(ns, name, 1)
		// minReplicas above the current count: the HPA scales up without a metrics pipeline
		Expect(k8s.Create(ctx, &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: gstsv1alpha1.GroupVersion.String(), Kind: "GameStatefulSet", Name: name},
				MinReplicas:    ptr.To[int32](3),
				MaxReplicas:    5,
				Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
					Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](80)}}}},
			},
		})).To(Succeed())
		eventuallyReady(ns, name, 3)
		Expect(*getSet(ns, name).Spec.Replicas).To(Equal(int32(3)))
	})
})
