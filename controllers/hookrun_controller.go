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
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook/provider"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
)

// measureAgainSoon is how soon a metric due again at once (a count without an interval) is measured: the next
// reconcile, not a loop inside this one.
const measureAgainSoon = time.Second

// HookRunReconciler measures the metrics of HookRuns and decides their phase.
type HookRunReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Measurer *provider.Measurer
	// MaxConcurrentReconciles is how many runs measure at once: each waits on its providers.
	MaxConcurrentReconciles int
	Now                     func() time.Time
}

// +kubebuilder:rbac:groups=tkex.tencent.com,resources=hookruns,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=hookruns/status,verbs=get;update;patch

// Reconcile takes the measurements that are due and writes what they make of the run.
func (r *HookRunReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	run := &gstsv1alpha1.HookRun{}
	if err := r.Get(ctx, req.NamespacedName, run); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if run.DeletionTimestamp != nil || run.Status.Phase.Completed() {
		return ctrl.Result{}, nil
	}
	status := run.Status.DeepCopy()
	hook.Start(status, r.Now())
	if problem := invalidConditions(run); problem != "" {
		status.Phase, status.Message = gstsv1alpha1.HookPhaseError, problem
	} else {
		due, _ := hook.Due(&run.Spec, status, r.Now())
		for _, i := range due {
			metric := &run.Spec.Metrics[i]
			started := r.Now()
			value, err := r.Measurer.Measure(ctx, run, metric)
			hook.Record(status, metric, hook.Judge(metric, value, err, started, r.Now()))
		}
		hook.Settle(&run.Spec, status)
	}
	if !apiequality.Semantic.DeepEqual(&run.Status, status) {
		updated := run.DeepCopy()
		updated.Status = *status
		if err := r.Status().Update(ctx, updated); err != nil {
			if apierrors.IsConflict(err) {
				return ctrl.Result{RequeueAfter: conflictRetryDelay}, nil
			}
			return ctrl.Result{}, fmt.Errorf("writing HookRun status: %w", err)
		}
		if status.Phase.Completed() {
			kind := corev1.EventTypeNormal
			if status.Phase != gstsv1alpha1.HookPhaseSuccessful {
				kind = corev1.EventTypeWarning
			}
			r.Recorder.Eventf(updated, nil, kind, "HookRun"+string(status.Phase), "Measure", "%s", status.Message)
			metrics.HookRunsCompleted.WithLabelValues(run.Namespace, run.Labels[hook.SetLabel], run.Labels[hook.TypeLabel], string(status.Phase)).Inc()
		}
	}
	if status.Phase.Completed() {
		return ctrl.Result{}, nil
	}
	due, next := hook.Due(&run.Spec, status, r.Now())
	if len(due) > 0 {
		next = measureAgainSoon
	}
	return ctrl.Result{RequeueAfter: next}, nil
}

// invalidConditions says which condition of the run does not compile, or "".
func invalidConditions(run *gstsv1alpha1.HookRun) string {
	for _, m := range run.Spec.Metrics {
		for _, c := range []string{m.SuccessCondition, m.FailureCondition} {
			if c == "" {
				continue
			}
			if _, err := hook.CompileCondition(c); err != nil {
				return fmt.Sprintf("metric %s: %v", m.Name, err)
			}
		}
	}
	return ""
}

// SetupWithManager registers the reconciler; only spec changes (terminate) and new runs start it, its own
// status writes do not.
func (r *HookRunReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Measurer == nil {
		r.Measurer = &provider.Measurer{Client: r.Client}
	}
	if _, wrapped := r.Recorder.(versionlessEvents); !wrapped {
		r.Recorder = versionlessEvents{EventRecorder: r.Recorder, scheme: mgr.GetScheme()}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&gstsv1alpha1.HookRun{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("hookrun").
		Complete(countingErrors("hookrun", r))
}
