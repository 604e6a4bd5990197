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
	"context"
	"errors"

	"github.com/prometheus/client_golang/prometheus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
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
	// LastProgress is when the set's rollout or scale last moved.
	LastProgress = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_rollout_last_progress_timestamp_seconds",
		Help: "Unix time a GameStatefulSet last moved: its update revision made, a pod created, a pod's readiness changed, an in-place change applied or seen through.",
	}, []string{"namespace", "name"})
	// ProgressDeadline is spec.progressDeadlineSeconds, defaulted.
	ProgressDeadline = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_rollout_progress_deadline_seconds",
		Help: "A GameStatefulSet's progress deadline (spec.progressDeadlineSeconds, default 600): Progressing turns False with reason ProgressDeadlineExceeded when it passes without progress.",
	}, []string{"namespace", "name"})
	// Condition is 1 for each of a set's conditions with its current status and reason.
	Condition = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_status_condition",
		Help: "1 for each condition of a GameStatefulSet (Ready, Progressing, ReplicaFailure) with its current status and reason; the series of earlier reasons are removed.",
	}, []string{"namespace", "name", "type", "status", "reason"})
	// PodsWaiting counts a set's pods by what they wait for.
	PodsWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_pods_waiting",
		Help: "Pods of a GameStatefulSet that wait, by reason: grace_period (out of Services before an in-place update), inplace_update (new containers not running yet), content_reload (a lossless update's game reload), hook (a pre-delete, pre-inplace or post-inplace hook run), readiness (not ready).",
	}, []string{"namespace", "name", "reason"})
	// OldestWaiting is when the longest-waiting pod of each reason started to wait.
	OldestWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "gamestatefulset_oldest_waiting_pod_start_timestamp_seconds",
		Help: "Unix time the longest-waiting pod of a GameStatefulSet started to wait, by reason (see gamestatefulset_pods_waiting); time() minus it is the age.",
	}, []string{"namespace", "name", "reason"})
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
	// ReconcileErrors counts failed reconciles by controller and reason.
	ReconcileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gamestatefulset_reconcile_errors_total",
		Help: "Reconciles that failed, by controller and reason: the API server's status reason (Conflict, Forbidden, Invalid, NotFound, Timeout, ...), Timeout for a deadline, Canceled, or Other (a cloud API, a provider). Retried with back-off.",
	}, []string{"controller", "reason"})
	// HookRunsCompleted counts hook runs that reached a final phase.
	HookRunsCompleted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "gamestatefulset_hookruns_completed_total",
		Help: "HookRuns that reached a final phase (Successful, Failed, Error, Inconclusive), by namespace, GameStatefulSet, hook type (canary-step, pre-delete-step, pre-inplace-step, post-inplace-step) and phase.",
	}, []string{"namespace", "name", "type", "phase"})
	// ListenerSyncDuration is how long a provider takes to make a listener hold its spec.
	ListenerSyncDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "gamestatefulset_listener_sync_duration_seconds",
		Help:    "Seconds a load-balancer provider took to make a listener hold its spec (a cloud API round trip, or the local provider's Service), by provider and result (success, error).",
		Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"provider", "result"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(Replicas, RolloutProgress, LastProgress, ProgressDeadline, Condition, PodsWaiting, OldestWaiting,
		InPlaceUpdateDuration, PodsMigrated, ReconcileConflicts, ReconcileErrors, HookRunsCompleted, ListenerSyncDuration)
}

// RecordStatus publishes a set's status and what its plan found about its progress.
func RecordStatus(set *gstsv1alpha1.GameStatefulSet, status gstsv1alpha1.GameStatefulSetStatus, progress planner.Progress) {
	desired := int32(1)
	if set.Spec.Replicas != nil {
		desired = *set.Spec.Replicas
	}
	for state, n := range map[string]int32{"desired": desired, "current": status.Replicas, "ready": status.ReadyReplicas,
		"available": status.AvailableReplicas, "updated": status.UpdatedReplicas} {
		Replicas.WithLabelValues(set.Namespace, set.Name, state).Set(float64(n))
	}
	rollout := 1.0
	if desired > 0 && status.UpdateRevision != status.CurrentRevision {
		rollout = float64(min(status.UpdatedReplicas, desired)) / float64(desired)
	}
	RolloutProgress.WithLabelValues(set.Namespace, set.Name).Set(rollout)
	if !progress.Last.IsZero() {
		LastProgress.WithLabelValues(set.Namespace, set.Name).Set(float64(progress.Last.UnixMilli()) / 1000)
	}
	ProgressDeadline.WithLabelValues(set.Namespace, set.Name).Set(progress.Deadline.Seconds())
	// present at 0 before the first migration, so that increase() counts that one too
	PodsMigrated.WithLabelValues(set.Namespace, set.Name)
	// likewise for the runs its hooks can make: a run may complete, and its set be deleted, between two scrapes
	for _, kind := range hook.KindsOf(&set.Spec) {
		for _, phase := range gstsv1alpha1.CompletedHookPhases {
			HookRunsCompleted.WithLabelValues(set.Namespace, set.Name, string(kind), string(phase))
		}
	}

	labels := prometheus.Labels{"namespace": set.Namespace, "name": set.Name}
	Condition.DeletePartialMatch(labels)
	for _, c := range status.Conditions {
		Condition.WithLabelValues(set.Namespace, set.Name, c.Type, string(c.Status), c.Reason).Set(1)
	}
	PodsWaiting.DeletePartialMatch(labels)
	OldestWaiting.DeletePartialMatch(labels)
	for _, w := range progress.Waiting {
		PodsWaiting.WithLabelValues(set.Namespace, set.Name, w.Reason).Set(float64(w.Pods))
		OldestWaiting.WithLabelValues(set.Namespace, set.Name, w.Reason).Set(float64(w.Since.UnixMilli()) / 1000)
	}
}

// Forget drops a deleted set's series, so that dashboards do not show sets that are gone.
func Forget(namespace, name string) {
	labels := prometheus.Labels{"namespace": namespace, "name": name}
	for _, vec := range []interface {
		DeletePartialMatch(prometheus.Labels) int
	}{Replicas, RolloutProgress, LastProgress, ProgressDeadline, Condition, PodsWaiting, OldestWaiting, InPlaceUpdateDuration,
		PodsMigrated, ReconcileConflicts, HookRunsCompleted} {
		vec.DeletePartialMatch(labels)
	}
}

// ErrorReason is the reason label of a failed reconcile.
func ErrorReason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.Is(err, context.Canceled):
		return "Canceled"
	}
	if reason := apierrors.ReasonForError(err); reason != metav1.StatusReasonUnknown {
		return string(reason)
	}
	return "Other"
}
