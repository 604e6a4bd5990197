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

package main

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

const setName = "game"

func template(name string) corev1.PodTemplateSpec {
	t := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}}}
	kwokPod(&t.Spec, image+":v1")
	return t
}

// statefulSet is a workload of kube-controller-manager's StatefulSet controller.
type statefulSet struct {
	b      *bench
	ns     string
	policy appsv1.PodManagementPolicyType
}

func (w *statefulSet) key() types.NamespacedName {
	return types.NamespacedName{Namespace: w.ns, Name: setName}
}

func (w *statefulSet) create(ctx context.Context, replicas int32) {
	must(w.b.k8s.Create(ctx, &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: setName, Namespace: w.ns},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(replicas), ServiceName: setName, PodManagementPolicy: w.policy,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": setName}},
			Template: template(setName),
			UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{MaxUnavailable: ptr.To(intstr.FromInt32(1))}},
		},
	}))
}

func (w *statefulSet) update(ctx context.Context, mutate func(*int32, *corev1.PodTemplateSpec, *strategy)) {
	must(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var set appsv1.StatefulSet
		if err := w.b.k8s.Get(ctx, w.key(), &set); err != nil {
			return err
		}
		s := strategy{maxUnavailable: *set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable}
		mutate(set.Spec.Replicas, &set.Spec.Template, &s)
		set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &s.maxUnavailable
		return w.b.k8s.Update(ctx, &set)
	}))
}

func (w *statefulSet) status(ctx context.Context) (replicas, ready, updated int32, settled bool) {
	var set appsv1.StatefulSet
	must(w.b.k8s.Get(ctx, w.key(), &set))
	s := set.Status
	return s.Replicas, s.ReadyReplicas, s.UpdatedReplicas,
		s.ObservedGeneration >= set.Generation && s.CurrentRevision == s.UpdateRevision
}

// gameStatefulSet is a workload of the operator.
type gameStatefulSet struct {
	b      *bench
	ns     string
	name   string
	policy appsv1.PodManagementPolicyType
}

func (w *gameStatefulSet) key() types.NamespacedName {
	if w.name == "" {
		w.name = setName
	}
	return types.NamespacedName{Namespace: w.ns, Name: w.name}
}

func (w *gameStatefulSet) create(ctx context.Context, replicas int32) {
	key := w.key()
	must(w.b.k8s.Create(ctx, &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: w.ns},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			Replicas: ptr.To(replicas), ServiceName: key.Name,
			PodManagementPolicy: gstsv1alpha1.PodManagementPolicyType(w.policy),
			Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": key.Name}},
			Template:            template(key.Name),
			UpdateStrategy: gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.RollingUpdateStatefulSetStrategyType,
				RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{MaxUnavailable: ptr.To(intstr.FromInt32(1))}},
		},
	}))
}

func (w *gameStatefulSet) update(ctx context.Context, mutate func(*int32, *corev1.PodTemplateSpec, *strategy)) {
	must(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var set gstsv1alpha1.GameStatefulSet
		if err := w.b.k8s.Get(ctx, w.key(), &set); err != nil {
			return err
		}
		s := strategy{maxUnavailable: *set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable,
			inPlace: set.Spec.UpdateStrategy.Type == gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType}
		mutate(set.Spec.Replicas, &set.Spec.Template, &s)
		set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &s.maxUnavailable
		if s.inPlace {
			set.Spec.UpdateStrategy.Type = gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType
		}
		return w.b.k8s.Update(ctx, &set)
	}))
}

func (w *gameStatefulSet) status(ctx context.Context) (replicas, ready, updated int32, settled bool) {
	var set gstsv1alpha1.GameStatefulSet
	must(w.b.k8s.Get(ctx, w.key(), &set))
	s := set.Status
	return s.Replicas, s.ReadyReplicas, s.UpdatedReplicas,
		s.ObservedGeneration >= set.Generation && s.CurrentRevision == s.UpdateRevision
}
