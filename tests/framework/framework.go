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

// Package framework holds what the integration and e2e suites both need to look at a GameStatefulSet's pods.
package framework

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// PodsOf lists the pods of a set by ordinal.
func PodsOf(ctx context.Context, c client.Client, ns, set string) (map[int32]*corev1.Pod, error) {
	var list corev1.PodList
	if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{identity.SetNameLabel: set}); err != nil {
		return nil, err
	}
	owner := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Name: set}}
	pods := make(map[int32]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		if ord, ok := identity.OrdinalOf(owner, list.Items[i].Name); ok {
			pods[ord] = &list.Items[i]
		}
	}
	return pods, nil
}

// ListenersOf are the Listeners of a PortMapping, by name.
func ListenersOf(ctx context.Context, c client.Client, ns, mapping string) (map[string]*gstsv1alpha1.Listener, error) {
	var list gstsv1alpha1.ListenerList
	if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{network.MappingLabel: mapping}); err != nil {
		return nil, err
	}
	out := make(map[string]*gstsv1alpha1.Listener, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// PodNames are the pods' names, sorted.
func PodNames(pods map[int32]*corev1.Pod) []string {
	names := make([]string, 0, len(pods))
	for _, p := range pods {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	return names
}

// IsReady tells whether the pod runs and its Ready condition is True.
func IsReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue && pod.Status.Phase == corev1.PodRunning
		}
	}
	return false
}

// StatusCounts is what the status says of `kubectl get gsts`'s columns REPLICAS READYREPLICAS CURRENTREPLICAS
// UPDATEDREPLICAS, read from the status alone: status.replicas, not the spec's, and -1 for each count while the
// status is of an older generation, so that a check of the counts also checks that the operator saw the change.
func StatusCounts(set *gstsv1alpha1.GameStatefulSet) [4]int32 {
	if set.Status.ObservedGeneration != set.Generation {
		return [4]int32{-1, -1, -1, -1}
	}
	return [4]int32{set.Status.Replicas, set.Status.ReadyReplicas, set.Status.CurrentReplicas, set.Status.UpdatedReplicas}
}
