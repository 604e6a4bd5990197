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
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

var namespaceCounter atomic.Int32

// newNamespace creates a namespace for one spec and deletes it afterwards.
func newNamespace() string {
	name := fmt.Sprintf("it-%d-%d", GinkgoParallelProcess(), namespaceCounter.Add(1))
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	DeferCleanup(func() {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))).To(Succeed())
	})
	return name
}

// gameSet builds a GameStatefulSet like the reference's examples: one container "main".
func gameSet(ns, name string, replicas int32, mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "main", Image: "game:v1", ImagePullPolicy: corev1.PullIfNotPresent,
				}}},
			},
		},
	}
	for _, m := range mutate {
		m(set)
	}
	return set
}

func parallel(set *gstsv1alpha1.GameStatefulSet) {
	set.Spec.PodManagementPolicy = gstsv1alpha1.ParallelPodManagement
}

func getSet(ns, name string) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, set)).To(Succeed())
	return set
}

// updateSet applies mutate to the latest version of a set, retrying on conflicts.
func updateSet(ns, name string, mutate func(*gstsv1alpha1.GameStatefulSet)) {
	EventuallyWithOffset(1, func() error {
		set := getSet(ns, name)
		mutate(set)
		return k8s.Update(ctx, set)
	}).Should(Succeed())
}

// podsOf lists the pods of a set by ordinal.
func podsOf(ns, name string) map[int32]*corev1.Pod {
	pods, err := framework.PodsOf(ctx, k8s, ns, name)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return pods
}

func podNames(pods map[int32]*corev1.Pod) []string { return framework.PodNames(pods) }

func isReady(pod *corev1.Pod) bool { return framework.IsReady(pod) }

// kubeletRuns plays the kubelet for one pod: every container runs its spec's image (a container whose image
// changed is restarted, or swapped without a restart when the pod carries the hot-patch annotation, as the
// original operator's customised kubelet does), and the pod is Ready when its readiness gates are True.
func kubeletRuns(pod *corev1.Pod) error {
	if pod == nil {
		return fmt.Errorf("no such pod")
	}
	now := metav1.Now()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.ObservedGeneration = pod.Generation
	hotPatch := pod.Annotations["io.kubernetes.hotpatch.container"] == "true"
	statuses := map[string]corev1.ContainerStatus{}
	for _, cs := range pod.Status.ContainerStatuses {
		statuses[cs.Name] = cs
	}
	pod.Status.ContainerStatuses = nil
	for _, c := range pod.Spec.Containers {
		cs, seen := statuses[c.Name]
		if !seen {
			cs = corev1.ContainerStatus{Name: c.Name, State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}}
		}
		if cs.State.Running == nil {
			// waiting (an image that did not pull): started anew, with the spec's image
			cs.RestartCount++
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
			cs.Image, cs.ImageID = c.Image, "sha256:"+strings.ReplaceAll(c.Image, ":", "-")
		}
		if cs.Image != c.Image {
			if seen && !hotPatch {
				cs.RestartCount++
				cs.State.Running.StartedAt = now
			}
			cs.Image, cs.ImageID = c.Image, "sha256:"+strings.ReplaceAll(c.Image, ":", "-")
		}
		cs.Ready = true
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, cs)
	}
	ready := corev1.ConditionTrue
	for _, gate := range pod.Spec.ReadinessGates {
		status := corev1.ConditionFalse
		for _, c := range pod.Status.Conditions {
			if c.Type == gate.ConditionType {
				status = c.Status
			}
		}
		if status != corev1.ConditionTrue {
			ready = corev1.ConditionFalse
		}
	}
	setPodCondition(pod, corev1.PodReady, ready, now)
	return k8s.Status().Update(ctx, pod)
}

func setPodCondition(pod *corev1.Pod, conditionType corev1.PodConditionType, status corev1.ConditionStatus, now metav1.Time) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == conditionType {
			if pod.Status.Conditions[i].Status != status {
				pod.Status.Conditions[i].Status, pod.Status.Conditions[i].LastTransitionTime = status, now
			}
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: conditionType, Status: status, LastTransitionTime: now})
}

// inSync tells whether the pod's status already shows what kubeletRuns would report.
func inSync(pod *corev1.Pod) bool {
	if !isReady(pod) || pod.Status.ObservedGeneration != pod.Generation || len(pod.Status.ContainerStatuses) != len(pod.Spec.Containers) {
		return false
	}
	for i, c := range pod.Spec.Containers {
		if pod.Status.ContainerStatuses[i].Image != c.Image {
			return false
		}
	}
	for _, gate := range pod.Spec.ReadinessGates {
		for _, c := range pod.Status.Conditions {
			if c.Type == gate.ConditionType && c.Status != corev1.ConditionTrue {
				return false
			}
		}
	}
	return true
}

// readyPods plays the kubelet for every pod of the set whose status is behind its spec, and tells how many
// pods are ready.
func readyPods(ns, name string) int {
	ready := 0
	for _, pod := range podsOf(ns, name) {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if !inSync(pod) {
			if err := kubeletRuns(pod); err != nil || !isReady(pod) {
				continue
			}
		}
		ready++
	}
	return ready
}

// eventuallyAllReady plays the kubelet until the set's status shows want ready pods, all on one revision when
// settled is true.
func eventuallyAllReady(ns, name string, want int32) {
	EventuallyWithOffset(1, func(g Gomega) {
		readyPods(ns, name)
		set := getSet(ns, name)
		g.Expect(set.Status.ReadyReplicas).To(Equal(want))
		g.Expect(set.Status.Replicas).To(Equal(want))
		g.Expect(set.Status.ObservedGeneration).To(Equal(set.Generation))
	}).WithTimeout(60 * time.Second).Should(Succeed())
}

// podEvents records the order in which a set's pods are added and deleted.
type podEvents struct {
	w      watch.Interface
	events chan string
}

func watchPods(ns, name string) *podEvents {
	w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: identity.SetNameLabel + "=" + name})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	pe := &podEvents{w: w, events: make(chan string, 1000)}
	go func() {
		for ev := range w.ResultChan() {
			if pod, ok := ev.Object.(*corev1.Pod); ok && (ev.Type == watch.Added || ev.Type == watch.Deleted) {
				pe.events <- fmt.Sprintf("%s %s", ev.Type, pod.Name)
			}
		}
		close(pe.events)
	}()
	DeferCleanup(w.Stop)
	return pe
}

// next waits for the next pod event.
func (pe *podEvents) next() string {
	var ev string
	EventuallyWithOffset(1, pe.events).Should(Receive(&ev))
	return ev
}

func expectRefused(err error, message string) {
	ExpectWithOffset(1, err).To(HaveOccurred())
	ExpectWithOffset(1, apierrors.IsInvalid(err)).To(BeTrue(), "expected an Invalid error, got %v", err)
	ExpectWithOffset(1, err.Error()).To(ContainSubstring(message))
}

func itoa(n int32) string { return fmt.Sprint(n) }
