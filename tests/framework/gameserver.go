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

package framework

import (
	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// GameServerSet is a set of the e2e game server (tests/e2e/gameserver) at image, with a readiness probe so that
// Ready is the kubelet's word. The image exists only in the nodes' containerd: it is never pulled.
func GameServerSet(ns, name, image string, replicas int32) *gstsv1alpha1.GameStatefulSet {
	return &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			Replicas:    ptr.To(replicas),
			ServiceName: name,
			Selector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{{
						Name: "main", Image: image, ImagePullPolicy: corev1.PullNever,
						Ports: []corev1.ContainerPort{{Name: "game", ContainerPort: 8080}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
							PeriodSeconds: 1,
						},
					}},
				},
			},
		},
	}
}

// ExpectReady checks that the status of the set's latest generation shows replicas pods, all ready.
func ExpectReady(g gomega.Gomega, set *gstsv1alpha1.GameStatefulSet, replicas int32) {
	g.Expect(set.Status.ObservedGeneration).To(gomega.Equal(set.Generation))
	g.Expect(set.Status.Replicas).To(gomega.Equal(replicas))
	g.Expect(set.Status.ReadyReplicas).To(gomega.Equal(replicas))
}
