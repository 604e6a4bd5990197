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

// Package controllers wires the GameStatefulSet reconciler: it observes a set's pods, claims and revisions from
// the cache, asks the planner what to do, lets the pod control do it and writes the status.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/adoption"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/podcontrol"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/revision"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/validation"
)

// ownerIndex indexes pods and revisions by the name of the GameStatefulSet that controls them.
const ownerIndex = ".metadata.gamestatefulset-controller"

// nodeIndex indexes the managed pods by the node they run on.
const nodeIndex = ".spec.nodeName"

// GameStatefulSetReconciler reconciles GameStatefulSets.
type GameStatefulSetReconciler struct {
	client.Client
	// APIReader reads from the API server what the cache does not hold: pods, claims and revisions of the set's
	// names that lack the operator's label (a StatefulSet's, the upstream operator's). It defaults to Client.
	APIReader client.Reader
	Recorder  events.EventRecorder
	// MaxConcurrentReconciles is how many sets are reconciled at once.
	MaxConcurrentReconciles int
	// LostNodeThreshold is how long a node may be lost before the pods on it move; 0 disables it.
	LostNodeThreshold time.Duration
	// PodStatusBatchPerPod is how long, per pod of its set, a pod's status change may wait to be counted with
	// the next ones while the set has nothing to do but count; 0 reconciles on every change.
	PodStatusBatchPerPod time.Duration
	// StatusProgressInterval is how often, at most, a set that scales or rolls out writes a status that only
	// shows its progress (counts, Ready, Progressing while on its way); 0 writes every change at once.
	StatusProgressInterval time.Duration
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// RestConfig reaches the API server for what the client cannot do: exec, for the reload of a lossless
	// HotPatchUpdate.
	RestConfig *rest.Config

	podControl   *podcontrol.PodControl
	expectations *expectations
	statusWrites *statusWrites
	conflicts    *conflictBackoff
	// statusBatches holds back the pod events of settled large sets
	statusBatches *statusBatches
	// statusPace spaces out the status writes that only show a changing set's progress
	statusPace *statusPace
}

// +kubebuilder:rbac:groups=tkex.tencent.com,resources=gamestatefulsets,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=gamestatefulsets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=gamestatefulsets/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=pods/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=pods/resize,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=pods/exec,verbs=get;create
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=apps,resources=controllerrevisions,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=hooktemplates,verbs=get;list;watch
// +kubebuilder:rbac:groups=tkex.tencent.com,resources=hookruns,verbs=get;list;watch;create;update;patch;delete

// conflictRetryDelay is how soon a reconcile that lost a write race with a newer version of an object runs again:
// long enough for the watch to bring the newer version, short enough not to hold a rollout up.
const conflictRetryDelay = 100 * time.Millisecond

// Reconcile brings one GameStatefulSet's pods, claims, revisions and status one step closer to its spec.
func (r *GameStatefulSetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	result, err := r.reconcile(ctx, req)
	if apierrors.IsConflict(err) {
		// the cache lagged behind a write; the retry reads the newer version, later each time the conflicts go on
		// (another writer fighting the operator), and the counter says so
		delay := r.conflicts.next(req.NamespacedName)
		metrics.ReconcileConflicts.WithLabelValues(req.Namespace, req.Name).Inc()
		log.FromContext(ctx).V(1).Info("conflict, retrying", "after", delay, "error", err.Error())
		return ctrl.Result{RequeueAfter: delay}, nil
	}
	r.conflicts.reset(req.NamespacedName)
	return result, err
}

func (r *GameStatefulSetReconciler) reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	logger := log.FromContext(ctx)
	set := &gstsv1alpha1.GameStatefulSet{}
	if err := r.Get(ctx, req.NamespacedName, set); err != nil {
		if apierrors.IsNotFound(err) {
			r.expectations.forget(req.NamespacedName)
			r.statusWrites.forget(req.NamespacedName)
			r.conflicts.reset(req.NamespacedName)
			r.statusBatches.forget(req.NamespacedName)
			r.statusPace.forget(req.NamespacedName)
			metrics.Forget(req.Namespace, req.Name)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	set = r.statusWrites.latest(set)
	if set.DeletionTimestamp != nil {
		// the garbage collector removes pods and revisions through their owner references
		return ctrl.Result{}, nil
	}
	now := r.Now()

	if problem := validation.SelectorError(set); problem != nil {
		msg := problem.Error()
		// nothing is created or deleted for a set whose pods could not be told apart
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, "InvalidSelector", "Reconcile", msg)
		return ctrl.Result{}, r.writeStatus(ctx, set, func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.ObservedGeneration = set.Generation
			meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: gstsv1alpha1.ConditionReplicaFailure,
				Status: metav1.ConditionTrue, Reason: "InvalidSelector", Message: msg, ObservedGeneration: set.Generation})
		})
	}

	// admitted selectors parse: SelectorError said so
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return ctrl.Result{}, err
	}
	pods, mismatched, err := r.listPods(ctx, set, selector)
	if err != nil {
		return ctrl.Result{}, err
	}
	waiting, stale := r.expectations.outstanding(req.NamespacedName, pods, now)
	if len(waiting) > 0 {
		logger.V(1).Info("waiting for the cache to show the last changes", "count", len(waiting), "first", waiting[0])
		return ctrl.Result{RequeueAfter: r.expectations.remaining(req.NamespacedName, now)}, nil
	}
	if stale {
		if pods, mismatched, err = r.listPods(ctx, set, selector); err != nil {
			return ctrl.Result{}, err
		}
	}

	history, err := r.revisionsOf(ctx, set, selector, pods)
	if err != nil {
		return ctrl.Result{}, err
	}
	current, update, history, err := r.syncRevisions(ctx, set, history)
	if errors.Is(err, revision.ErrCollision) {
		collisions := int32(1)
		if set.Status.CollisionCount != nil {
			collisions = *set.Status.CollisionCount + 1
		}
		logger.Info("revision name collision, raising collisionCount", "collisionCount", collisions)
		// the status write starts no reconcile (status-only changes are filtered out): ask for the next one
		return ctrl.Result{RequeueAfter: conflictRetryDelay},
			r.writeStatus(ctx, set, func(s *gstsv1alpha1.GameStatefulSetStatus) { s.CollisionCount = &collisions })
	}
	if err != nil {
		if apierrors.IsConflict(err) {
			return ctrl.Result{}, err
		}
		// without its update revision the set can neither create nor update a pod: say so where a person looks
		msg := err.Error()
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, "RevisionFailed", "SyncRevisions", "%s", msg)
		return ctrl.Result{}, errors.Join(err, r.writeStatus(ctx, set, func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.ObservedGeneration = set.Generation
			meta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: gstsv1alpha1.ConditionReplicaFailure,
				Status: metav1.ConditionTrue, Reason: "RevisionFailed", Message: msg, ObservedGeneration: set.Generation})
		}))
	}

	claims, err := r.listClaims(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}

	templates, err := templatesOf(history)
	if err != nil {
		return ctrl.Result{}, err
	}
	nodes, err := r.nodesOf(ctx, pods)
	if err != nil {
		return ctrl.Result{}, err
	}
	hookRuns, err := r.listHookRuns(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	portMappings, err := r.listPortMappings(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	input := planner.Input{Set: set, CurrentRevision: current.Name, UpdateRevision: update.Name, Pods: pods, Mismatched: mismatched, Claims: claims,
		Templates: templates, Nodes: nodes, HookRuns: hookRuns, PortMappings: portMappings, LostNodeThreshold: r.LostNodeThreshold, UpdateRevisionCreated: update.CreationTimestamp.Time, Now: now}
	plan := planner.Compute(input)
	hookActions, podActions := splitHookActions(plan.Actions)
	hooks, hookErr := r.executeHookActions(ctx, set, hookActions)
	statusBefore := set.Status
	set = hooks.set
	podActions = withoutMarks(podActions, hooks.failedPods)
	// expected before they are sent: their watch events may arrive before Execute returns
	creations, deletions := podWrites(set, podActions)
	r.expectations.expect(req.NamespacedName, creations, deletions, now)
	result, execErr := r.podControl.Execute(ctx, set, podActions, templates)
	execErr = errors.Join(hookErr, execErr)
	r.expectations.cancel(req.NamespacedName, unmadeCreations(creations, result.CreatedPods), unmadeDeletions(deletions, result.DeletedPods))
	settled := len(plan.Actions) == 0 && plan.Waiting == "" && execErr == nil
	r.statusBatches.record(req.NamespacedName, len(pods), settled)
	if plan.Waiting != "" {
		logger.V(1).Info("waiting", "reason", plan.Waiting)
	}
	if podcontrol.NamespaceTerminating(execErr) {
		// as the ReplicaSet controller does: nothing can be created there any more, and the set is deleted with
		// its namespace; not a failure to report, nor to retry with back-off
		logger.V(1).Info("creating nothing in a namespace being deleted", "refused", execErr.Error())
		execErr = nil
	}

	// the pods just created count at once, as the StatefulSet controller counts them: the status write their
	// watch events would otherwise cost each comes while the next pod of an OrderedReady rollout waits
	input.Pods = append(input.Pods[:len(input.Pods):len(input.Pods)], result.CreatedPods...)
	status := planner.Status(input, selector.String())
	failure := ""
	switch c := meta.FindStatusCondition(set.Status.Conditions, gstsv1alpha1.ConditionReplicaFailure); {
	case execErr != nil && !apierrors.IsConflict(execErr):
		failure = execErr.Error()
	case execErr != nil && c != nil:
		// a conflict is a cache behind a write, retried at once: it neither shows as a failure nor clears one
		failure = c.Message
	}
	planner.Conditions(set, &status, plan, failure)
	applyHookStatus(&status, plan)
	if hooks.pauseFailed {
		keepCanaryStatus(&status, &statusBefore)
	}
	metrics.RecordStatus(set, status, plan.Progress)
	if c := meta.FindStatusCondition(status.Conditions, gstsv1alpha1.ConditionProgressing); c != nil && c.Reason == planner.ReasonProgressDeadlineExceeded &&
		!hasConditionReason(set, gstsv1alpha1.ConditionProgressing, planner.ReasonProgressDeadlineExceeded) {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, planner.ReasonProgressDeadlineExceeded, "Rollout", "%s", c.Message)
	}
	if len(plan.HookFailed) > 0 && !hasConditionReason(set, gstsv1alpha1.ConditionProgressing, planner.ReasonHookFailed) {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, planner.ReasonHookFailed, "RunHook", "%s", strings.Join(plan.HookFailed, "; "))
	}
	if len(plan.Stuck) > 0 && !hasConditionReason(set, gstsv1alpha1.ConditionProgressing, planner.ReasonInPlaceUpdateStuck) {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, planner.ReasonInPlaceUpdateStuck, "UpdatePod", "%s", strings.Join(plan.Stuck, "; "))
	}
	if plan.MigrationHeld != "" && !hasConditionReason(set, gstsv1alpha1.ConditionProgressing, planner.ReasonMigrationHeld) {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, planner.ReasonMigrationHeld, "MigratePods", "%s", plan.MigrationHeld)
	}
	if len(plan.Refused) > 0 && !hasConditionReason(set, gstsv1alpha1.ConditionProgressing, planner.ReasonHotPatchRefused) {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, planner.ReasonHotPatchRefused, "UpdatePod", "%s", strings.Join(plan.Refused, "; "))
	}
	// a step of a changing set: the pod write's watch event, the pod waited for or the requeue brings the next
	// reconcile, which writes the newer counts
	changing := !settled && execErr == nil
	statusHold := r.statusPace.hold(req.NamespacedName, changing, changing && planner.ProgressOnly(set.Status, status), r.Now())
	if statusHold > 0 {
		logger.V(1).Info("progress written with a later step", "within", statusHold)
	} else if err := r.writeStatus(ctx, set, func(s *gstsv1alpha1.GameStatefulSetStatus) { *s = status }); err != nil {
		return ctrl.Result{}, errors.Join(execErr, err)
	}
	if err := r.pruneHistory(ctx, set, history, status, pods); err != nil {
		return ctrl.Result{}, errors.Join(execErr, err)
	}
	if execErr != nil {
		return ctrl.Result{}, execErr
	}
	requeue := plan.RequeueAfter
	for _, after := range []time.Duration{result.RetryAfter, statusHold} {
		if after > 0 && (requeue == 0 || after < requeue) {
			requeue = after
		}
	}
	return ctrl.Result{RequeueAfter: requeue}, nil
}

func hasConditionReason(set *gstsv1alpha1.GameStatefulSet, conditionType, reason string) bool {
	c := meta.FindStatusCondition(set.Status.Conditions, conditionType)
	return c != nil && c.Reason == reason
}

// selectorProblem says what is wrong with the set's selector, or "" when it selects the template's pods and
// nothing else could be confused with them.

// listPods returns the pods the set controls, split into those its selector matches and those it must release.
func (r *GameStatefulSetReconciler) listPods(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, selector labels.Selector) (pods, mismatched []*corev1.Pod, _ error) {
	var list corev1.PodList
	// Pods are read, never changed in place: the planner is pure and pod control copies a pod before it writes
	// one. Skipping the cache's deep copies makes a reconcile of a 1000-pod set several times cheaper.
	if err := r.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingFields{ownerIndex: set.Name},
		client.UnsafeDisableDeepCopy); err != nil {
		return nil, nil, fmt.Errorf("listing pods: %w", err)
	}
	pods = make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		pod := &list.Items[i]
		switch {
		case !identity.IsControlledBy(pod, set):
		case adoption.Mismatched(selector, pod):
			mismatched = append(mismatched, pod)
		default:
			pods = append(pods, pod)
		}
	}
	return pods, mismatched, nil
}

// nodesOf gets the nodes the pods run on, from the cache.
func (r *GameStatefulSetReconciler) nodesOf(ctx context.Context, pods []*corev1.Pod) (map[string]*corev1.Node, error) {
	nodes := map[string]*corev1.Node{}
	if r.LostNodeThreshold <= 0 {
		return nodes, nil
	}
	for _, pod := range pods {
		name := pod.Spec.NodeName
		if name == "" || nodes[name] != nil {
			continue
		}
		node := &corev1.Node{}
		if err := r.Get(ctx, client.ObjectKey{Name: name}, node); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("getting node %s: %w", name, err)
		}
		nodes[name] = node
	}
	return nodes, nil
}

func (r *GameStatefulSetReconciler) listClaims(ctx context.Context, set *gstsv1alpha1.GameStatefulSet) (map[string]*corev1.PersistentVolumeClaim, error) {
	claims := map[string]*corev1.PersistentVolumeClaim{}
	if len(set.Spec.VolumeClaimTemplates) == 0 {
		return claims, nil
	}
	var list corev1.PersistentVolumeClaimList
	if err := r.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingLabels{identity.SetNameLabel: set.Name}); err != nil {
		return nil, fmt.Errorf("listing claims: %w", err)
	}
	for i := range list.Items {
		claims[list.Items[i].Name] = &list.Items[i]
	}
	return claims, nil
}

// syncRevisions makes sure the update revision exists in the history and returns the current and update
// revisions with the history that now holds them.
func (r *GameStatefulSetReconciler) syncRevisions(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, history []*appsv1.ControllerRevision) (current, update *appsv1.ControllerRevision, _ []*appsv1.ControllerRevision, _ error) {
	d, err := revision.Decide(set, history)
	if err != nil {
		return nil, nil, nil, err
	}
	switch {
	case d.Create:
		err := r.Create(ctx, d.Update)
		if apierrors.IsAlreadyExists(err) {
			// the cache may not hold it: it may lack the operator's label
			existing := &appsv1.ControllerRevision{}
			if getErr := r.APIReader.Get(ctx, client.ObjectKeyFromObject(d.Update), existing); getErr != nil {
				return nil, nil, nil, getErr
			}
			if !identity.IsControlledBy(existing, set) || !revision.Equal(existing, d.Update) {
				return nil, nil, nil, revision.ErrCollision
			}
			if existing, err = r.takeRevision(ctx, set, existing, adoption.ForRevision(set, labels.Everything(), existing)); err != nil {
				return nil, nil, nil, err
			}
			d.Update = existing
		} else if err != nil {
			return nil, nil, nil, fmt.Errorf("creating controller revision: %w", err)
		}
		history = append(history, d.Update)
		if d.Current.Name == d.Update.Name {
			d.Current = d.Update
		}
	case d.Renumber:
		if err := r.Update(ctx, d.Update); err != nil {
			return nil, nil, nil, fmt.Errorf("renumbering controller revision %s: %w", d.Update.Name, err)
		}
		for i := range history {
			if history[i].Name == d.Update.Name {
				history[i] = d.Update
			}
		}
	}
	return d.Current, d.Update, history, nil
}

// pruneHistory deletes revisions beyond revisionHistoryLimit that no pod runs.
func (r *GameStatefulSetReconciler) pruneHistory(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, history []*appsv1.ControllerRevision, status gstsv1alpha1.GameStatefulSetStatus, pods []*corev1.Pod) error {
	inUse := map[string]bool{status.CurrentRevision: true, status.UpdateRevision: true}
	for _, pod := range pods {
		inUse[identity.Revision(pod)] = true
	}
	limit := int32(10)
	if set.Spec.RevisionHistoryLimit != nil {
		limit = *set.Spec.RevisionHistoryLimit
	}
	for _, old := range revision.ToPrune(history, limit, inUse) {
		if err := r.Delete(ctx, old, client.Preconditions{UID: &old.UID}); client.IgnoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			return fmt.Errorf("pruning controller revision %s: %w", old.Name, err)
		}
	}
	return nil
}

// writeStatus applies mutate to a copy of the status and writes it only when it changed.
func (r *GameStatefulSetReconciler) writeStatus(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, mutate func(*gstsv1alpha1.GameStatefulSetStatus)) error {
	updated := set.DeepCopy()
	mutate(&updated.Status)
	if apiequality.Semantic.DeepEqual(set.Status, updated.Status) {
		return nil
	}
	if err := r.Status().Update(ctx, updated); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	r.statusWrites.record(set, updated)
	r.statusPace.wrote(types.NamespacedName{Namespace: set.Namespace, Name: set.Name}, r.Now())
	return nil
}

// templatesOf decodes the pod template of every revision in the history, by revision name.
func templatesOf(history []*appsv1.ControllerRevision) (map[string]*corev1.PodTemplateSpec, error) {
	templates := make(map[string]*corev1.PodTemplateSpec, len(history))
	for _, rev := range history {
		t, err := revision.Template(rev)
		if err != nil {
			return nil, err
		}
		templates[rev.Name] = t
	}
	return templates, nil
}

// SetupWithManager registers the reconciler, its indexes and its watches.
func (r *GameStatefulSetReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if _, wrapped := r.Recorder.(versionlessEvents); !wrapped {
		r.Recorder = versionlessEvents{EventRecorder: r.Recorder, scheme: mgr.GetScheme()}
	}
	if r.APIReader == nil {
		r.APIReader = r.Client
	}
	r.podControl = &podcontrol.PodControl{Client: r.Client, Reader: r.APIReader, Recorder: r.Recorder,
		Reloader: &podcontrol.APIReloader{Config: r.RestConfig}}
	r.expectations = newExpectations()
	r.statusBatches = newStatusBatches(r.PodStatusBatchPerPod)
	r.statusWrites = newStatusWrites()
	r.statusPace = newStatusPace(r.StatusProgressInterval)
	r.conflicts = newConflictBackoff()
	indexOwner := func(obj client.Object) []string {
		if set, ok := controllingSet(obj); ok {
			return []string{set.Name}
		}
		return nil
	}
	ctx := context.Background()
	for _, obj := range []client.Object{&corev1.Pod{}, &appsv1.ControllerRevision{}, &gstsv1alpha1.HookRun{}} {
		if err := mgr.GetFieldIndexer().IndexField(ctx, obj, ownerIndex, indexOwner); err != nil {
			return err
		}
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &corev1.Pod{}, nodeIndex, func(obj client.Object) []string {
		if name := obj.(*corev1.Pod).Spec.NodeName; name != "" {
			return []string{name}
		}
		return nil
	}); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		For(&gstsv1alpha1.GameStatefulSet{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&corev1.Pod{}, podEvents(handler.EnqueueRequestForOwner(mgr.GetScheme(), mgr.GetRESTMapper(),
			&gstsv1alpha1.GameStatefulSet{}, handler.OnlyControllerOwner()), r.expectations, r.statusBatches)).
		Owns(&appsv1.ControllerRevision{}).
		// a run's measurements are the HookRun controller's business; the set acts when a run's phase changes
		Owns(&gstsv1alpha1.HookRun{}, builder.WithPredicates(hookRunPhaseChanged())).
		// a claim whose owners or labels someone changed is put right, as its retention policy says
		Watches(&corev1.PersistentVolumeClaim{}, handler.EnqueueRequestsFromMapFunc(claimSet), builder.WithPredicates(claimOwnershipChanged()))
	if r.LostNodeThreshold > 0 {
		b = b.Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.setsOnNode), builder.WithPredicates(nodeHealthChanged()))
	}
	return b.
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("gamestatefulset").
		Complete(countingErrors("gamestatefulset", r))
}

// hookRunPhaseChanged passes the HookRun events a set acts on: creation, deletion and a new phase.
func hookRunPhaseChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			before, okBefore := e.ObjectOld.(*gstsv1alpha1.HookRun)
			after, okAfter := e.ObjectNew.(*gstsv1alpha1.HookRun)
			return !okBefore || !okAfter || before.Status.Phase != after.Status.Phase
		},
	}
}

// claimSet maps a claim to the GameStatefulSet its label names.
func claimSet(_ context.Context, claim client.Object) []reconcile.Request {
	if name := claim.GetLabels()[identity.SetNameLabel]; name != "" {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: claim.GetNamespace(), Name: name}}}
	}
	return nil
}

// claimOwnershipChanged passes the claim events that can change what the set does with a claim: not its binding
// or resizing.
func claimOwnershipChanged() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !apiequality.Semantic.DeepEqual(e.ObjectOld.GetOwnerReferences(), e.ObjectNew.GetOwnerReferences()) ||
				!apiequality.Semantic.DeepEqual(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels()) ||
				!e.ObjectOld.GetDeletionTimestamp().Equal(e.ObjectNew.GetDeletionTimestamp())
		},
		CreateFunc:  func(event.CreateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// setsOnNode maps a node to the GameStatefulSets with pods on it.
func (r *GameStatefulSetReconciler) setsOnNode(ctx context.Context, node client.Object) []reconcile.Request {
	var pods corev1.PodList
	if err := r.List(ctx, &pods, client.MatchingFields{nodeIndex: node.GetName()}); err != nil {
		log.FromContext(ctx).Error(err, "listing pods of node", "node", node.GetName())
		return nil
	}
	seen := map[types.NamespacedName]bool{}
	var requests []reconcile.Request
	for i := range pods.Items {
		key, ok := controllingSet(&pods.Items[i])
		if !ok {
			continue
		}
		if !seen[key] {
			seen[key] = true
			requests = append(requests, reconcile.Request{NamespacedName: key})
		}
	}
	return requests
}

// nodeHealthChanged passes node events that can change whether the node is lost: not the heartbeats.
func nodeHealthChanged() predicate.Predicate {
	lost := func(obj client.Object) string {
		node, ok := obj.(*corev1.Node)
		if !ok {
			return ""
		}
		since, isLost := planner.NodeLostSince(node)
		return fmt.Sprint(isLost, since.Unix())
	}
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc:  func(e event.UpdateEvent) bool { return lost(e.ObjectOld) != lost(e.ObjectNew) },
	}
}
