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

package podcontrol

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// The PortMapping controller's writes to pods: their bindings annotation and listeners-synced condition. They
// live with the other pod writes so that every change to a pod is made in one place, by patches of the copy
// the caller read, with its resourceVersion: a pod replaced since never gets another pod's addresses.

// WriteBindings sets the pod's bindings annotation to value; an empty value removes it.
func WriteBindings(ctx context.Context, c client.Client, pod *corev1.Pod, value string) error {
	if pod.Annotations[network.BindingsAnnotation] == value {
		return nil
	}
	updated := pod.DeepCopy()
	if value == "" {
		delete(updated.Annotations, network.BindingsAnnotation)
	} else {
		if updated.Annotations == nil {
			updated.Annotations = map[string]string{}
		}
		updated.Annotations[network.BindingsAnnotation] = value
	}
	if err := c.Patch(ctx, updated, client.MergeFromWithOptions(pod, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("writing the port bindings of pod %s: %w", pod.Name, err))
	}
	return nil
}

// WriteListenersSynced sets the pod's listeners-synced condition, which its readiness gate waits on.
func WriteListenersSynced(ctx context.Context, c client.Client, pod *corev1.Pod, synced bool, message string) error {
	status := corev1.ConditionFalse
	reason := "ListenersNotSynced"
	if synced {
		status, reason = corev1.ConditionTrue, "ListenersSynced"
	}
	for _, existing := range pod.Status.Conditions {
		if existing.Type == network.ReadinessGate && existing.Status == status && existing.Message == message {
			return nil
		}
	}
	updated := withCondition(pod, corev1.PodCondition{Type: network.ReadinessGate, Status: status, Reason: reason, Message: message,
		LastTransitionTime: metav1.Now()})
	if err := c.Status().Patch(ctx, updated, client.StrategicMergeFrom(pod, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("writing %s on pod %s: %w", network.ReadinessGate, pod.Name, err))
	}
	return nil
}

// withCondition is a copy of the pod with condition in place of the one of its type.
func withCondition(pod *corev1.Pod, condition corev1.PodCondition) *corev1.Pod {
	updated := pod.DeepCopy()
	for i := range updated.Status.Conditions {
		if updated.Status.Conditions[i].Type == condition.Type {
			updated.Status.Conditions[i] = condition
			return updated
		}
	}
	updated.Status.Conditions = append(updated.Status.Conditions, condition)
	return updated
}
