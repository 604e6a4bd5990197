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

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

// gameSet is a set of the e2e game server at v1.
func gameSet(ns, name string, replicas int32, mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	set := framework.GameServerSet(ns, name, gameImage+":v1", replicas)
	for _, m := range mutate {
		m(set)
	}
	return set
}

func parallel(set *gstsv1alpha1.GameStatefulSet) {
	set.Spec.PodManagementPolicy = gstsv1alpha1.ParallelPodManagement
}

func strategy(t gstsv1alpha1.GameStatefulSetUpdateStrategyType, partition, maxUnavailable int32, graceSeconds int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{
			Type: t,
			RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{
				Partition: ptr.To(intstr.FromInt32(partition)), MaxUnavailable: ptr.To(intstr.FromInt32(maxUnavailable)),
			},
			InPlaceUpdateStrategy: &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: graceSeconds},
		}
	}
}

// headlessService gives the set's pods their identity and an EndpointSlice to watch.
func headlessService(ns, name string) {
	ExpectWithOffset(1, k8s.Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, Selector: map[string]string{"app": name},
			Ports: []corev1.ServicePort{{Name: "game", Port: 8080}}, PublishNotReadyAddresses: false},
	})).To(Succeed())
}

func getSet(ns, name string) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, set)).To(Succeed())
	return set
}

func podsOf(ns, name string) map[int32]*corev1.Pod {
	pods, err := framework.PodsOf(ctx, k8s, ns, name)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return pods
}

func podNames(pods map[int32]*corev1.Pod) []string { return framework.PodNames(pods) }

func statusCounts(ns, name string) [4]int32 { return framework.StatusCounts(getSet(ns, name)) }

func eventuallyReady(ns, name string, replicas int32) {
	EventuallyWithOffset(1, func(g Gomega) { framework.ExpectReady(g, getSet(ns, name), replicas) }).Should(Succeed())
}

func snapshot(ns, name string) map[int32]corev1.Pod {
	out := map[int32]corev1.Pod{}
	for ord, p := range podsOf(ns, name) {
		out[ord] = *p
	}
	return out
}

func patchImage(ns, name, version string) {
	out, err := kubectl("-n", ns, "patch", "gamestatefulset", name, "--type=json", "-p",
		fmt.Sprintf(`[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "%s:%s"}]`, gameImage, version))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
}

func setPartition(ns, name string, partition int32) {
	out, err := kubectl("-n", ns, "patch", "gamestatefulset", name, "--type=merge", "-p",
		fmt.Sprintf(`{"spec":{"updateStrategy":{"rollingUpdate":{"partition":%d}}}}`, partition))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
}

func image(pod *corev1.Pod) string { return pod.Spec.Containers[0].Image }

func restarts(pod *corev1.Pod) int32 {
	if len(pod.Status.ContainerStatuses) == 0 {
		return -1
	}
	return pod.Status.ContainerStatuses[0].RestartCount
}
