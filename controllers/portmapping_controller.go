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
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/podcontrol"
)

const (
	// portMappingFinalizer holds a mapping until its listeners are gone from the load balancers and its pods'
	// annotations are cleared.
	portMappingFinalizer = "tkex.tencent.com/port-mapping"
	// listenerFinalizer holds a Listener until its provider removed it.
	listenerFinalizer = "tkex.tencent.com/listener"
	// statefulSetPoll is how often a StatefulSet's mapping looks at its pods: the operator's cache holds only
	// its own sets' pods, so no watch tells it.
	statefulSetPoll = 15 * time.Second
	// Condition types and reasons of a PortMapping.
	conditionValid = "Valid"
	conditionReady = "Ready"
)

// PortMappingReconciler keeps a PortMapping's Listener objects (one per port or segment of each ordinal) and
// tells each mapped pod its addresses.
type PortMappingReconciler struct {
	client.Client
	// APIReader reads StatefulSets and their pods, which the cache does not hold.
	APIReader client.Reader
	Recorder  events.EventRecorder
}

// +kubebuilder:rbac:groups=tkex.tencent.com,resources=portmappings,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=portmappings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=portmappings/finalizers,verbs=update
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=listeners,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=pods/status,verbs=patch

// Reconcile derives the mapping's listeners from its spec and pods, writes them, and writes back to the pods.
func (r *PortMappingReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pm := &gstsv1alpha1.PortMapping{}
	if err := r.Get(ctx, req.NamespacedName, pm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if pm.DeletionTimestamp != nil {
		return r.finalize(ctx, pm)
	}
	if !controllerutil.ContainsFinalizer(pm, portMappingFinalizer) {
		updated := pm.DeepCopy()
		controllerutil.AddFinalizer(updated, portMappingFinalizer)
		if err := r.Patch(ctx, updated, client.MergeFromWithOptions(pm, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, err
		}
		pm = updated
	}
	listeners, err := network.Listeners(pm)
	if err != nil {
		r.Recorder.Eventf(pm, nil, corev1.EventTypeWarning, "InvalidMapping", "Validate", "%v", err)
		return ctrl.Result{}, r.writeStatus(ctx, pm, func(s *gstsv1alpha1.PortMappingStatus) {
			meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: conditionValid, Status: metav1.ConditionFalse,
				Reason: "InvalidMapping", Message: err.Error(), ObservedGeneration: pm.Generation})
			meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: conditionReady, Status: metav1.ConditionFalse,
				Reason: "InvalidMapping", Message: "no listener is written while the mapping is invalid", ObservedGeneration: pm.Generation})
		})
	}
	pods, err := r.podsOf(ctx, pm)
	if err != nil {
		return ctrl.Result{}, err
	}
	observed, err := r.writeListeners(ctx, pm, listeners, pods)
	if err != nil {
		return ctrl.Result{}, err
	}
	bound, writeErr := r.writeBack(ctx, pm, listeners, pods, observed)
	synced, addresses := 0, map[string]string{}
	for _, l := range listeners {
		if o := observed[l.Name]; o != nil && network.Synced(o) {
			synced++
			if o.Status.Address != "" && addresses[l.LoadBalancerID] == "" {
				addresses[l.LoadBalancerID] = o.Status.Address
			}
		}
	}
	statusErr := r.writeStatus(ctx, pm, func(s *gstsv1alpha1.PortMappingStatus) {
		s.Listeners, s.SyncedListeners, s.BoundPods = int32(len(listeners)), int32(synced), int32(bound)
		s.LoadBalancers = nil
		for _, lb := range pm.Spec.LoadBalancerIDs {
			s.LoadBalancers = append(s.LoadBalancers, gstsv1alpha1.LoadBalancerStatus{ID: lb, Address: addresses[lb]})
		}
		meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: conditionValid, Status: metav1.ConditionTrue,
			Reason: "Valid", Message: fmt.Sprintf("%d listeners on %d load balancers", len(listeners), len(pm.Spec.LoadBalancerIDs)),
			ObservedGeneration: pm.Generation})
		ready := metav1.Condition{Type: conditionReady, Status: metav1.ConditionTrue, Reason: "ListenersSynced",
			Message: fmt.Sprintf("all %d listeners synced; %d pods bound", len(listeners), bound), ObservedGeneration: pm.Generation}
		if synced < len(listeners) {
			ready.Status, ready.Reason = metav1.ConditionFalse, "ListenersNotSynced"
			ready.Message = fmt.Sprintf("%d of %d listeners synced%s", synced, len(listeners), firstProblem(listeners, observed))
		}
		meta.SetStatusCondition(&s.Conditions, ready)
	})
	if err := errors.Join(writeErr, statusErr); err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{RequeueAfter: conflictRetryDelay}, nil
		}
		return ctrl.Result{}, err
	}
	for _, m := range pm.Spec.PortMappings {
		if strings.EqualFold(m.WorkloadKind, gstsv1alpha1.WorkloadKindStatefulSet) {
			return ctrl.Result{RequeueAfter: statefulSetPoll}, nil
		}
	}
	return ctrl.Result{}, nil
}

// firstProblem names a listener that is not synced and why, for the Ready condition.
func firstProblem(listeners []network.Listener, observed map[string]*gstsv1alpha1.Listener) string {
	for _, l := range listeners {
		o := observed[l.Name]
		if o == nil || network.Synced(o) {
			continue
		}
		if o.Status.Msg != "" {
			return fmt.Sprintf(": %s: %s", l.Name, o.Status.Msg)
		}
		return fmt.Sprintf(": %s is being pushed to its load balancer", l.Name)
	}
	return ""
}

// podsOf are the pods of each mapping, by mapping index and ordinal.
func (r *PortMappingReconciler) podsOf(ctx context.Context, pm *gstsv1alpha1.PortMapping) (map[int]map[int32]*corev1.Pod, error) {
	out := map[int]map[int32]*corev1.Pod{}
	for i, m := range pm.Spec.PortMappings {
		var list corev1.PodList
		if strings.EqualFold(m.WorkloadKind, gstsv1alpha1.WorkloadKindStatefulSet) {
			sts := &appsv1.StatefulSet{}
			if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: pm.Namespace, Name: m.WorkloadName}, sts); err != nil {
				if apierrors.IsNotFound(err) {
					continue
				}
				return nil, err
			}
			selector, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector)
			if err != nil {
				continue
			}
			if err := r.APIReader.List(ctx, &list, client.InNamespace(pm.Namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
				return nil, err
			}
		} else if err := r.List(ctx, &list, client.InNamespace(pm.Namespace), client.MatchingLabels{identity.SetNameLabel: m.WorkloadName}); err != nil {
			return nil, err
		}
		out[i] = map[int32]*corev1.Pod{}
		for j := range list.Items {
			kind, name, ordinal, ok := network.WorkloadOf(&list.Items[j])
			if ok && strings.EqualFold(kind, m.WorkloadKind) && name == m.WorkloadName {
				out[i][ordinal] = &list.Items[j]
			}
		}
	}
	return out, nil
}

// writeListeners creates, updates and deletes the mapping's Listener objects; it answers them by name.
func (r *PortMappingReconciler) writeListeners(ctx context.Context, pm *gstsv1alpha1.PortMapping, listeners []network.Listener,
	pods map[int]map[int32]*corev1.Pod) (map[string]*gstsv1alpha1.Listener, error) {
	var list gstsv1alpha1.ListenerList
	if err := r.List(ctx, &list, client.InNamespace(pm.Namespace), client.MatchingLabels{network.MappingLabel: pm.Name}); err != nil {
		return nil, err
	}
	existing := map[string]*gstsv1alpha1.Listener{}
	for i := range list.Items {
		if metav1.IsControlledBy(&list.Items[i], pm) {
			existing[list.Items[i].Name] = &list.Items[i]
		}
	}
	provider := network.ProviderOf(pm)
	observed := map[string]*gstsv1alpha1.Listener{}
	created := 0
	var errs []error
	for _, l := range listeners {
		spec := network.Spec(provider, l, pods[l.Mapping][l.Ordinal])
		labels := map[string]string{network.MappingLabel: pm.Name, network.OrdinalLabel: strconv.Itoa(int(l.Ordinal))}
		if provider == gstsv1alpha1.LocalProvider {
			labels[network.LocalServiceLabel] = network.LocalServiceName(network.ForwardOf(l.Name, spec))
		}
		current := existing[l.Name]
		delete(existing, l.Name)
		if current == nil {
			obj := &gstsv1alpha1.Listener{ObjectMeta: metav1.ObjectMeta{Name: l.Name, Namespace: pm.Namespace, Labels: labels,
				Finalizers: []string{listenerFinalizer}}, Spec: spec}
			if err := controllerutil.SetControllerReference(pm, obj, r.Scheme()); err != nil {
				return nil, err
			}
			if err := r.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
				errs = append(errs, fmt.Errorf("creating listener %s: %w", l.Name, err))
				continue
			}
			created++
			observed[l.Name] = obj
			continue
		}
		observed[l.Name] = current
		if apiequality.Semantic.DeepEqual(current.Spec, spec) && labelsInclude(current.Labels, labels) {
			continue
		}
		updated := current.DeepCopy()
		updated.Spec = spec
		for k, v := range labels {
			metav1.SetMetaDataLabel(&updated.ObjectMeta, k, v)
		}
		if err := r.Update(ctx, updated); err != nil {
			errs = append(errs, fmt.Errorf("updating listener %s: %w", l.Name, err))
			continue
		}
		observed[l.Name] = updated
	}
	if created > 0 {
		r.Recorder.Eventf(pm, nil, corev1.EventTypeNormal, "CreatedListeners", "CreateListener", "created %d listeners", created)
	}
	// listeners the spec no longer asks for: their ports are given up
	for _, stale := range existing {
		if stale.DeletionTimestamp != nil {
			continue
		}
		if err := r.Delete(ctx, stale); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("deleting listener %s: %w", stale.Name, err))
			continue
		}
		r.Recorder.Eventf(pm, stale, corev1.EventTypeNormal, "DeletedListener", "DeleteListener",
			"deleted listener %s (%s port %d): no longer mapped", stale.Name, stale.Spec.Protocol, stale.Spec.Port)
	}
	return observed, errors.Join(errs...)
}

func labelsInclude(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// writeBack gives each mapped pod its bindings annotation and, on pods with the gate, its listeners-synced
// condition; it answers how many pods all their listeners forward to and know it.
func (r *PortMappingReconciler) writeBack(ctx context.Context, pm *gstsv1alpha1.PortMapping, listeners []network.Listener,
	pods map[int]map[int32]*corev1.Pod, observed map[string]*gstsv1alpha1.Listener) (int, error) {
	type podBindings struct {
		pod      *corev1.Pod
		bindings []network.Binding
	}
	byPod := map[string]*podBindings{}
	var order []string
	for mi, ordinals := range pods {
		var own []network.Listener
		for _, l := range listeners {
			if l.Mapping == mi {
				own = append(own, l)
			}
		}
		for ordinal, pod := range ordinals {
			found := network.BindingsOf(pm, own, ordinal, observed, pod)
			if len(found) == 0 {
				continue
			}
			pb := byPod[pod.Name]
			if pb == nil {
				pb = &podBindings{pod: pod}
				byPod[pod.Name] = pb
				order = append(order, pod.Name)
			}
			pb.bindings = append(pb.bindings, found...)
		}
	}
	bound := 0
	var errs []error
	for _, name := range order {
		pb := byPod[name]
		if pb.pod.DeletionTimestamp != nil {
			continue
		}
		value := network.Merge(pb.pod.Annotations[network.BindingsAnnotation], pm.Name, pb.bindings)
		if err := podcontrol.WriteBindings(ctx, r.Client, pb.pod, value); err != nil {
			errs = append(errs, err)
			continue
		}
		if identity.HasReadinessGate(pb.pod, network.ReadinessGate) {
			all := network.Parse(value)
			message := fmt.Sprintf("%d listeners forward to the pod", len(all))
			if !network.AllSynced(all) {
				message = "waiting for its listeners to forward to it"
			}
			if err := podcontrol.WriteListenersSynced(ctx, r.Client, pb.pod, network.AllSynced(all), message); err != nil {
				errs = append(errs, err)
				continue
			}
		}
		// a pod counts as bound only once it has been told so: status must not run ahead of the pod's gate
		if network.AllSynced(pb.bindings) {
			bound++
		}
	}
	return bound, errors.Join(errs...)
}

// finalize deletes the mapping's listeners, waits for their providers to remove them, clears the pods'
// bindings and lets the mapping go.
func (r *PortMappingReconciler) finalize(ctx context.Context, pm *gstsv1alpha1.PortMapping) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(pm, portMappingFinalizer) {
		return ctrl.Result{}, nil
	}
	var list gstsv1alpha1.ListenerList
	if err := r.List(ctx, &list, client.InNamespace(pm.Namespace), client.MatchingLabels{network.MappingLabel: pm.Name}); err != nil {
		return ctrl.Result{}, err
	}
	remaining := 0
	for i := range list.Items {
		l := &list.Items[i]
		if !metav1.IsControlledBy(l, pm) {
			continue
		}
		remaining++
		if l.DeletionTimestamp == nil {
			if err := r.Delete(ctx, l); client.IgnoreNotFound(err) != nil {
				return ctrl.Result{}, err
			}
		}
	}
	if remaining > 0 {
		// the Listener deletions wake this mapping up (it owns them); the poll covers a missed event
		return ctrl.Result{RequeueAfter: 10 * time.Second}, nil
	}
	pods, err := r.podsOf(ctx, pm)
	if err != nil {
		return ctrl.Result{}, err
	}
	for _, ordinals := range pods {
		for _, pod := range ordinals {
			if err := podcontrol.WriteBindings(ctx, r.Client, pod, network.Merge(pod.Annotations[network.BindingsAnnotation], pm.Name, nil)); err != nil {
				return ctrl.Result{}, err
			}
		}
	}
	updated := pm.DeepCopy()
	controllerutil.RemoveFinalizer(updated, portMappingFinalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, updated, client.MergeFromWithOptions(pm, client.MergeFromWithOptimisticLock{})))
}

func (r *PortMappingReconciler) writeStatus(ctx context.Context, pm *gstsv1alpha1.PortMapping, mutate func(*gstsv1alpha1.PortMappingStatus)) error {
	status := pm.Status.DeepCopy()
	mutate(status)
	status.ObservedGeneration = pm.Generation
	if apiequality.Semantic.DeepEqual(&pm.Status, status) {
		return nil
	}
	updated := pm.DeepCopy()
	updated.Status = *status
	return r.Status().Update(ctx, updated)
}

// mappingsOfPod wakes the mappings of the pod's workload.
func (r *PortMappingReconciler) mappingsOfPod(ctx context.Context, obj client.Object) []reconcile.Request {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil
	}
	kind, name, _, ok := network.WorkloadOf(pod)
	if !ok {
		return nil
	}
	var list gstsv1alpha1.PortMappingList
	if err := r.List(ctx, &list, client.InNamespace(pod.Namespace)); err != nil {
		return nil
	}
	var out []reconcile.Request
	for i := range list.Items {
		if network.Selects(&list.Items[i], kind, name) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return out
}

// SetupWithManager registers the reconciler: its mappings, the Listeners they own (their status is what the
// pods are told) and the pods of the mapped GameStatefulSets.
func (r *PortMappingReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if _, wrapped := r.Recorder.(versionlessEvents); !wrapped {
		r.Recorder = versionlessEvents{EventRecorder: r.Recorder, scheme: mgr.GetScheme()}
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&gstsv1alpha1.PortMapping{}).
		Owns(&gstsv1alpha1.Listener{}).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.mappingsOfPod)).
		Named("portmapping").
		Complete(countingErrors("portmapping", r))
}

// listPortMappings are the PortMappings of the set's namespace, for the addresses of the pods it creates.
func (r *GameStatefulSetReconciler) listPortMappings(ctx context.Context, set *gstsv1alpha1.GameStatefulSet) ([]*gstsv1alpha1.PortMapping, error) {
	var list gstsv1alpha1.PortMappingList
	if err := r.List(ctx, &list, client.InNamespace(set.Namespace)); err != nil {
		return nil, fmt.Errorf("listing port mappings: %w", err)
	}
	out := make([]*gstsv1alpha1.PortMapping, 0, len(list.Items))
	for i := range list.Items {
		if network.Selects(&list.Items[i], gstsv1alpha1.WorkloadKindGameStatefulSet, set.Name) {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}
