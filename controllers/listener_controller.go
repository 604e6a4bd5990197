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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// listenerResync is how often a synced listener is pushed again, so that a listener changed or deleted on the
// load balancer by hand comes back.
const listenerResync = 10 * time.Minute

// ListenerReconciler pushes Listeners to their providers and removes them there before the objects go.
type ListenerReconciler struct {
	client.Client
	Recorder  events.EventRecorder
	Providers map[gstsv1alpha1.LoadBalancerProvider]loadbalancer.Provider
	// MaxConcurrentReconciles is how many listeners sync at once: each waits on its cloud's tasks.
	MaxConcurrentReconciles int
	Now                     func() time.Time
}

// +kubebuilder:rbac:groups=tkex.tencent.com,resources=listeners,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=listeners/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=listeners/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=discovery.k8s.io,resources=endpointslices,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups="",namespace=gamestatefulset-system,resources=secrets,resourceNames=gsts-tencentcloud,verbs=get

// Reconcile makes the provider hold the listener's spec, or removes it there when the listener is deleted.
func (r *ListenerReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	l := &gstsv1alpha1.Listener{}
	if err := r.Get(ctx, req.NamespacedName, l); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	provider := r.Providers[l.Spec.Provider]
	if l.DeletionTimestamp != nil {
		if !controllerutil.ContainsFinalizer(l, listenerFinalizer) {
			return ctrl.Result{}, nil
		}
		if provider == nil {
			return r.failed(ctx, l, fmt.Errorf("provider %s is not configured: the listener cannot be removed from %s; configure it, or remove the finalizer %s by hand",
				l.Spec.Provider, l.Spec.LoadbalancerID, listenerFinalizer))
		}
		if err := provider.Delete(ctx, l); err != nil {
			return r.failed(ctx, l, fmt.Errorf("removing the listener: %w", err))
		}
		r.Recorder.Eventf(l, nil, corev1.EventTypeNormal, "Deleted", "DeleteListener", "removed %s port %s from %s",
			l.Spec.Protocol, portRange(l), l.Spec.LoadbalancerID)
		updated := l.DeepCopy()
		controllerutil.RemoveFinalizer(updated, listenerFinalizer)
		return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, updated, client.MergeFromWithOptions(l, client.MergeFromWithOptimisticLock{})))
	}
	if provider == nil {
		return r.failed(ctx, l, fmt.Errorf("provider %s is not configured in the operator", l.Spec.Provider))
	}
	if !controllerutil.ContainsFinalizer(l, listenerFinalizer) {
		updated := l.DeepCopy()
		controllerutil.AddFinalizer(updated, listenerFinalizer)
		if err := r.Patch(ctx, updated, client.MergeFromWithOptions(l, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, err
		}
		l = updated
	}
	if network.Synced(l) && l.Status.LastSyncTime != nil {
		if due := l.Status.LastSyncTime.Add(listenerResync).Sub(r.Now()); due > 0 {
			return ctrl.Result{RequeueAfter: due}, nil
		}
	}
	started := r.Now()
	observed, err := provider.Ensure(ctx, l)
	metrics.ListenerSyncDuration.WithLabelValues(string(l.Spec.Provider), syncResult(err)).Observe(r.Now().Sub(started).Seconds())
	if err != nil {
		if observed.ListenerID != "" {
			l.Status.ListenerID = observed.ListenerID
		}
		return r.failed(ctx, l, err)
	}
	status := l.Status.DeepCopy()
	wasSynced := network.Synced(l)
	now := metav1.NewTime(r.Now())
	status.Status, status.ObservedGeneration, status.Msg = gstsv1alpha1.ListenerSynced, l.Generation, ""
	status.ListenerID, status.Address, status.LastSyncTime = observed.ListenerID, observed.Address, &now
	if err := r.writeStatus(ctx, l, status); err != nil {
		return ctrl.Result{}, err
	}
	if !wasSynced {
		targets := 0
		if l.Spec.TargetGroup != nil {
			targets = len(l.Spec.TargetGroup.Backends)
		}
		r.Recorder.Eventf(l, nil, corev1.EventTypeNormal, "Synced", "SyncListener", "%s port %s on %s (%s) forwards to %d targets",
			l.Spec.Protocol, portRange(l), l.Spec.LoadbalancerID, observed.ListenerID, targets)
	}
	return ctrl.Result{RequeueAfter: listenerResync}, nil
}

func syncResult(err error) string {
	if err != nil {
		return "error"
	}
	return "success"
}

// failed records the error on the listener and hands it to the back-off of the work queue.
func (r *ListenerReconciler) failed(ctx context.Context, l *gstsv1alpha1.Listener, cause error) (ctrl.Result, error) {
	status := l.Status.DeepCopy()
	status.Status, status.Msg = gstsv1alpha1.ListenerNotSynced, cause.Error()
	if err := r.writeStatus(ctx, l, status); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	r.Recorder.Eventf(l, nil, corev1.EventTypeWarning, "SyncFailed", "SyncListener", "%v", cause)
	return ctrl.Result{}, cause
}

func (r *ListenerReconciler) writeStatus(ctx context.Context, l *gstsv1alpha1.Listener, status *gstsv1alpha1.ListenerStatus) error {
	if apiequality.Semantic.DeepEqual(&l.Status, status) {
		return nil
	}
	updated := l.DeepCopy()
	updated.Status = *status
	return r.Status().Update(ctx, updated)
}

func portRange(l *gstsv1alpha1.Listener) string {
	if l.Spec.EndPort == 0 {
		return fmt.Sprint(l.Spec.Port)
	}
	return fmt.Sprintf("%d-%d", l.Spec.Port, l.Spec.EndPort)
}

// SetupWithManager registers the reconciler. Spec changes and deletions start it, its status writes do not;
// failures back off from half a second to two minutes, so that a throttled cloud is not hammered.
func (r *ListenerReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if _, wrapped := r.Recorder.(versionlessEvents); !wrapped {
		r.Recorder = versionlessEvents{EventRecorder: r.Recorder, scheme: mgr.GetScheme()}
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&gstsv1alpha1.Listener{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{},
			predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool { return e.ObjectNew.GetDeletionTimestamp() != nil }}))).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles),
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](500*time.Millisecond, 2*time.Minute)}).
		Named("listener").
		Complete(countingErrors("listener", r))
}
