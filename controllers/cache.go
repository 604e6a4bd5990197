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
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// CacheOptions limits the informer cache to what the operator manages: the pods, claims and revisions that
// carry its set-name label, the Services and EndpointSlices of local listeners, in the given namespaces (all
// when none).
func CacheOptions(namespaces []string) cache.Options {
	managed, err := labels.NewRequirement(identity.SetNameLabel, selection.Exists, nil)
	utilruntime.Must(err)
	onlyManaged := cache.ByObject{Label: labels.NewSelector().Add(*managed)}
	// the local load-balancer provider's Services and EndpointSlices, not the cluster's
	localService, err := labels.NewRequirement(network.LocalServiceLabel, selection.Exists, nil)
	utilruntime.Must(err)
	localSlice, err := labels.NewRequirement(network.LocalListenerLabel, selection.Exists, nil)
	utilruntime.Must(err)
	opts := cache.Options{
		// managedFields are half of a pod's weight in memory and nothing reads them
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}:                   {Label: onlyManaged.Label, Transform: trimPod},
			&corev1.PersistentVolumeClaim{}: onlyManaged,
			&appsv1.ControllerRevision{}:    onlyManaged,
			&corev1.Service{}:               {Label: labels.NewSelector().Add(*localService)},
			&discoveryv1.EndpointSlice{}:    {Label: labels.NewSelector().Add(*localSlice)},
			// nodes are only read for their health: their image lists would weigh most
			&corev1.Node{}: {Transform: func(obj any) (any, error) {
				// a ByObject transform replaces the default one
				if node, ok := obj.(*corev1.Node); ok {
					node.Status.Images = nil
					node.ManagedFields = nil
				}
				return obj, nil
			}},
		},
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// trimPod drops from a cached pod what the operator never reads: managedFields, the volumes and their mounts
// (admission adds a service account token volume to every pod), scheduling constraints and the pod's IPs. This is
// safe because the operator changes pods only with patches computed between two copies of the cached pod, so a
// field missing from both is missing from the patch and stays as it is on the server; the pods it creates come
// from the revision's template, not from the cache.
func trimPod(obj any) (any, error) {
	if pod, ok := obj.(*corev1.Pod); ok {
		pod.ManagedFields = nil
		pod.Spec.Volumes = nil
		for i := range pod.Spec.Containers {
			pod.Spec.Containers[i].VolumeMounts = nil
		}
		pod.Spec.Tolerations = nil
		pod.Spec.Affinity = nil
		pod.Spec.NodeSelector = nil
		pod.Spec.TopologySpreadConstraints = nil
		pod.Status.HostIPs = nil
		pod.Status.PodIPs = nil
	}
	return obj, nil
}
