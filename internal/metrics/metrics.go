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

// Package metrics holds the operator's own Prometheus metrics, served with controller-runtime's on the manager's
// secure metrics endpoint.
package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

var (
	// Replicas counts a set's pods by state, as its status reports them.
	Replicas = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_replicas",
		Help: "Pods of a GameStatefulSet by state: desired (spec.replicas), current (pods that exist), ready, available (ready for minReadySeconds), updated (on the update revision).",
	}, []string{"namespace", "name", "state"})
	// RolloutProgress is the fraction of desired pods that run the update revision.
	RolloutProgress = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_rollout_progress",
		Help: "Fraction of a GameStatefulSet's desired pods on its update revision; 1 when no rollout is in flight.",
	}, []string{"namespace", "name"})
	// InPlaceUpdateDuration is how long pods are out of service for an in-place update.
	InPlaceUpdateDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gamestatefulset_inplace_update_duration_seconds",
		Help:    "Seconds from a pod leaving service for an in-place update (its InPlaceUpdateReady gate set False, grace period included) to its gate set True with the new containers running.",
		Buckets: []float64{1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
	}, []string{"namespace", "name"})
	// PodsMigrated counts pods moved off lost nodes.
	PodsMigrated = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gamestatefulset_pods_migrated_total",
		Help: "Pods of a GameStatefulSet force-deleted from a lost node so that they are recreated on a healthy one.",
	}, []string{"namespace", "name"})
	// ReconcileConflicts counts reconciles of a set that met a newer version of an object they wrote.
	ReconcileConflicts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gamestatefulset_reconcile_conflicts_total",
		Help: "Reconciles of a GameStatefulSet whose write met a newer version of the object (the cache behind the API server); retried with back-off. A steady rise means another writer fights the operator.",
	}, []string{"namespace", "name"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(Replicas, RolloutProgress, InPlaceUpdateDuration, PodsMigrated, ReconcileConflicts)
}

// RecordStatus publishes a set's status.
func RecordStatus(set *gstsv1alpha1.GameStatefulSet, status gstsv1alpha1.GameStatefulSetStatus) {
	desired := int32(1)
	if set.Spec.Replicas != nil {
		desired = *set.Spec.Replicas
	}
	for state, n := range map[string]int32{"desired": desired, "current": status.Replicas, "ready": status.ReadyReplicas,
		"available": status.AvailableReplicas, "updated": status.UpdatedReplicas} {
		Replicas.WithLabelValues(set.Namespace, set.Name, state).Set(float64(n))
	}
	progress := 1.0
	if desired > 0 && status.UpdateRevision != status.CurrentRevision {
		progress = float64(min(status.UpdatedReplicas, desired)) / float64(desired)
	}
	RolloutProgress.WithLabelValues(set.Namespace, set.Name).Set(progress)
}

// Forget drops a deleted set's series, so that dashboards do not show sets that are gone.
func Forget(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	Replicas.DeletePartialMatch(labels)
	RolloutProgress.DeletePartialMatch(labels)
	InPlaceUpdateDuration.DeletePartialMatch(labels)
	PodsMigrated.DeletePartialMatch(labels)
	ReconcileConflicts.DeletePartialMatch(labels)
}
