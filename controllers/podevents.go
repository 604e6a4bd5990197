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

package controllers

import (
	"context"
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// podEvents enqueues a pod's GameStatefulSet as owner handlers do, after telling the expectations what the
// event shows: the reconcile it starts must find the write already observed, or it would wait for an event
// that has come and gone. A pod without a controller that carries a set's name label (left by a set deleted with
// --cascade=orphan, or released) enqueues that set, which may adopt it or recreate its ordinal once it is gone.
// A change of a pod that stays its set's, while the set is settled, waits for the set's batch period.
func podEvents(owners handler.EventHandler, exp *expectations, batches *statusBatches) handler.EventHandler {
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	orphanOf := func(obj client.Object, q queue) {
		if metav1.GetControllerOf(obj) != nil {
			return
		}
		if name := obj.GetLabels()[identity.SetNameLabel]; name != "" {
			q.Add(reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: name}})
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q queue) {
			if pod, set, ok := managedPod(e.Object); ok {
				exp.observeCreated(set, pod)
			}
			owners.Create(ctx, e, q)
			orphanOf(e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q queue) {
			if pod, set, ok := managedPod(e.ObjectNew); ok {
				if pod.DeletionTimestamp != nil {
					exp.observeDeleted(set, pod)
				} else if old, ok := controllingSet(e.ObjectOld); !ok || old != set {
					// adopted: to the set it is as if it had been created
					exp.observeCreated(set, pod)
				} else if maps.Equal(e.ObjectOld.GetLabels(), pod.Labels) {
					// still the set's, and no label moved that could release it
					if period := batches.period(set); period > 0 {
						q.AddAfter(reconcile.Request{NamespacedName: set}, period)
						return
					}
				}
			}
			owners.Update(ctx, e, q)
			orphanOf(e.ObjectNew, q)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q queue) {
			if pod, set, ok := managedPod(e.Object); ok {
				exp.observeDeleted(set, pod)
			}
			owners.Delete(ctx, e, q)
			orphanOf(e.Object, q)
		},
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q queue) { owners.Generic(ctx, e, q) },
	}
}

// managedPod returns the pod and the GameStatefulSet that controls it.
func managedPod(obj client.Object) (*corev1.Pod, types.NamespacedName, bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, types.NamespacedName{}, false
	}
	set, ok := controllingSet(pod)
	return pod, set, ok
}

// controllingSet names the GameStatefulSet that controls obj, if one does.
func controllingSet(obj client.Object) (types.NamespacedName, bool) {
	ref := metav1.GetControllerOf(obj)
	if ref == nil || ref.Kind != identity.Kind || ref.APIVersion != gstsv1alpha1.GroupVersion.String() {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: obj.GetNamespace(), Name: ref.Name}, true
}
