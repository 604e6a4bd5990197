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

// Package podcontrol is the only place that writes pods and claims of a GameStatefulSet: it carries out a
// planner's actions and records events of them, as the StatefulSet controller's pod control does.
package podcontrol

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// Event reasons, as the StatefulSet controller names them where it has the same event.
const (
	ReasonSuccessfulCreate = "SuccessfulCreate"
	ReasonFailedCreate     = "FailedCreate"
	ReasonSuccessfulDelete = "SuccessfulDelete"
	ReasonFailedDelete     = "FailedDelete"
	ReasonSuccessfulUpdate = "SuccessfulUpdate"
	ReasonFailedUpdate     = "FailedUpdate"
	// ReasonInPlaceFallback: an InplaceUpdate pod is recreated because its change cannot be made in place.
	ReasonInPlaceFallback = "InPlaceUpdateFallback"
	// ReasonGracePeriod: a pod is taken out of service before its in-place update.
	ReasonGracePeriod = "InPlaceUpdateGracePeriod"
	// ReasonUpdatedInPlace: a pod's containers were patched in place.
	ReasonUpdatedInPlace = "SuccessfulUpdateInPlace"
	// ReasonHotPatched: a pod's images were hot-patched.
	ReasonHotPatched = "SuccessfulHotPatch"
	// ReasonResized: a pod's container resources were resized in place.
	ReasonResized = "SuccessfulResize"
	// ReasonResizeRefused: admission refused a resize that a recreation would meet too: the pod is kept.
	ReasonResizeRefused = "ResizeRefused"
	// ReasonNodeLost: a pod on a lost node was deleted so that it is recreated on a healthy node.
	ReasonNodeLost = "PodMigratedFromLostNode"
	// ReasonAdopted: an orphan pod or claim of one of the set's names became the set's.
	ReasonAdopted = "Adopted"
	// ReasonRelabelled: a pod or claim the set controls got the operator's labels (objects of the upstream
	// operator).
	ReasonRelabelled = "Relabelled"
	// ReasonReleased: a pod whose labels no longer match the selector was released.
	ReasonReleased = "Released"
	// ReasonNotAdopted: a pod or claim of one of the set's names belongs to another controller or does not
	// match the selector, and is left alone.
	ReasonNotAdopted = "NotAdopted"
)

// PodControl writes pods and claims.
type PodControl struct {
	Client client.Client
	// Reader reads from the API server, not the cache: objects the cache does not hold (the pods and claims of
	// a StatefulSet or of the upstream operator, which lack the operator's label) and the set itself before an
	// adoption, which must not act on a set being deleted.
	Reader   client.Reader
	Recorder events.EventRecorder
	// Reloader tells a game its content changed (lossless HotPatchUpdate).
	Reloader Reloader
}

// Result tells the reconciler what the executed actions changed.
type Result struct {
	// CreatedPods (as the API server returned them) and DeletedPods are the pods this execution created and
	// deleted: the watch events the next plan must wait for. A creation refused because the pod exists, or a
	// deletion of a pod already gone or replaced, made no change and is in neither.
	CreatedPods []*corev1.Pod
	DeletedPods []*corev1.Pod
	// RetryAfter, when not 0, is how soon the set must be looked at again for a change no watch event shows (a
	// pod of its name that someone else is deleting).
	RetryAfter time.Duration
}

// Execute carries out the actions in order and stops at the first failure, which it returns.
func (c *PodControl) Execute(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, actions []planner.Action, templates map[string]*corev1.PodTemplateSpec) (result Result, _ error) {
	var retry retryAfter
	defer func() { result.RetryAfter = retry.after }()
	for i := 0; i < len(actions); i++ {
		a := &actions[i]
		var err error
		switch a.Type {
		case planner.CreatePod, planner.DeletePod, planner.UpdateInPlace:
			// consecutive creations, deletions or in-place updates (a Parallel scale-up or -down, a wave of a
			// rolling update) are independent of each other and go out together
			run := i + 1
			for run < len(actions) && actions[run].Type == a.Type {
				run++
			}
			batch := actions[i:run]
			var done []int
			if a.Type == planner.CreatePod {
				created := make([]*corev1.Pod, len(batch))
				done, err = inSlowStartBatches(len(batch), func(j int) (bool, error) {
					pod, createErr := c.createPod(ctx, set, &batch[j], templates, &retry)
					created[j] = pod
					return pod != nil, createErr
				})
				for _, j := range done {
					result.CreatedPods = append(result.CreatedPods, created[j])
				}
			} else if a.Type == planner.DeletePod {
				done, err = inSlowStartBatches(len(batch), func(j int) (bool, error) { return c.deletePod(ctx, set, &batch[j]) })
				for _, j := range done {
					result.DeletedPods = append(result.DeletedPods, batch[j].Pod)
				}
				c.recordDeletions(set, batch, done)
			} else {
				done, err = inSlowStartBatches(len(batch), func(j int) (bool, error) { return c.updateInPlace(ctx, set, &batch[j]) })
				c.recordInPlaceUpdates(set, batch, done)
			}
			i = run - 1
		case planner.ForceDeletePod:
			var deleted bool
			if deleted, err = c.forceDeletePod(ctx, set, a); deleted {
				result.DeletedPods = append(result.DeletedPods, a.Pod)
			}
		case planner.CreateClaims:
			err = c.createClaims(ctx, set, a.Ordinal, a.Claims)
		case planner.RepairIdentity:
			err = c.repairIdentity(ctx, set, a)
		case planner.DeleteClaim:
			err = c.deleteClaim(ctx, set, a)
		case planner.AdoptClaim, planner.ReleaseClaim:
			err = c.setClaimOwnership(ctx, set, a)
		case planner.ReleasePod:
			err = c.releasePod(ctx, set, a)
		case planner.StartGracePeriod:
			err = c.setGate(ctx, set, a, corev1.ConditionFalse, inplace.ReasonGracePeriod,
				fmt.Sprintf("out of service before the in-place update to revision %s", a.Revision))
		case planner.MarkInPlaceReady:
			err = c.setGate(ctx, set, a, corev1.ConditionTrue, inplace.ReasonReady, "")
			if outOfService, ok := inPlaceUpdateOutOfService(a.Pod, time.Now()); err == nil && ok {
				metrics.InPlaceUpdateDuration.WithLabelValues(set.Namespace, set.Name).Observe(outOfService.Seconds())
			}
		case planner.ReloadGame:
			err = c.reloadGame(ctx, set, a)
		case planner.MarkPodDeleting:
			err = c.markDeleting(ctx, set, a)
		case planner.ResizeInPlace:
			var recreated bool
			if recreated, err = c.resizeInPlace(ctx, set, a); recreated {
				result.DeletedPods = append(result.DeletedPods, a.Pod)
			}
		default:
			err = fmt.Errorf("unknown action %q", a.Type)
		}
		if err != nil {
			return result, err
		}
	}
	return result, nil
}

func (c *PodControl) createClaims(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, ordinal int32, claims []*corev1.PersistentVolumeClaim) error {
	for _, claim := range claims {
		err := c.Client.Create(ctx, claim.DeepCopy())
		if apierrors.IsAlreadyExists(err) {
			if err := c.adoptClaim(ctx, set, ordinal, claim); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if !NamespaceTerminating(err) {
				c.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonFailedCreate, "CreateClaim",
					"create Claim %s in GameStatefulSet %s failed error: %v", claim.Name, set.Name, err)
			}
			return fmt.Errorf("creating claim %s: %w", claim.Name, err)
		}
		c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonSuccessfulCreate, "CreateClaim",
			"create Claim %s in GameStatefulSet %s success", claim.Name, set.Name)
	}
	return nil
}

// NamespaceTerminating tells whether err is the API server refusing a creation because the namespace is being
// deleted: the set goes with it, so the failure is expected and there is no one to tell (events cannot be created
// there either).
func NamespaceTerminating(err error) bool {
	return apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause)
}

// maxWritesInFlight bounds the requests of a batch in flight at once. The API server gives each HTTP/2 connection
// 100 streams (unless --http2-max-streams-per-connection says otherwise), the informers' watches hold some of
// them, and a request beyond them makes the client dial a connection of its own: an unthrottled scale-up of 3000
// pods (batches of up to 1024) held 890 connections to the API server at once, each a TLS handshake for both
// sides. 64 leaves the watches and the other requests their streams, and is twice the 32 workers that saturate
// the API server here (docs/performance.md); a client held to its QPS meets the bound only within its burst.
const maxWritesInFlight = 64

// inSlowStartBatches runs do for 0..n-1 in batches of 1, 2, 4, ... at once, as the StatefulSet and ReplicaSet
// controllers do: a failure that would hit every request (a quota, an admission refusal, a missing permission)
// stops it after one request instead of hundreds. do tells whether it changed anything; inSlowStartBatches
// returns the indexes that did and the errors of the batch that failed.
func inSlowStartBatches(n int, do func(i int) (changed bool, err error)) (changed []int, err error) {
	inFlight := make(chan struct{}, maxWritesInFlight)
	for start, batch := 0, 1; start < n; start, batch = start+batch, batch*2 {
		end := min(start+batch, n)
		errs := make([]error, end-start)
		made := make([]bool, end-start)
		var wg sync.WaitGroup
		for i := start; i < end; i++ {
			inFlight <- struct{}{}
			wg.Go(func() {
				defer func() { <-inFlight }()
				made[i-start], errs[i-start] = do(i)
			})
		}
		wg.Wait()
		for i := range made {
			if made[i] {
				changed = append(changed, start+i)
			}
		}
		if err := errors.Join(errs...); err != nil {
			return changed, err
		}
	}
	return changed, nil
}

// createPod creates the action's pod and returns it as created, or nil when a pod of that name exists already.
func (c *PodControl) createPod(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action, templates map[string]*corev1.PodTemplateSpec, retry *retryAfter) (*corev1.Pod, error) {
	if err := c.createClaims(ctx, set, a.Ordinal, a.Claims); err != nil {
		return nil, err
	}
	template := templates[a.Revision]
	if template == nil {
		return nil, fmt.Errorf("controller revision %s not found", a.Revision)
	}
	pod := identity.NewPod(set, template, a.Revision, a.Ordinal)
	network.Apply(pod, a.Network)
	err := c.Client.Create(ctx, pod)
	if apierrors.IsAlreadyExists(err) {
		// the cache had not seen it yet, or it holds no pod of this name: an orphan, or a pod without the
		// operator's label, which only the API server shows
		return c.adoptPod(ctx, set, a, templates, retry)
	}
	if err != nil {
		if !NamespaceTerminating(err) {
			c.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonFailedCreate, "CreatePod",
				"create Pod %s in GameStatefulSet %s failed error: %v", pod.Name, set.Name, err)
		}
		return nil, fmt.Errorf("creating pod %s: %w", pod.Name, err)
	}
	c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonSuccessfulCreate, "CreatePod",
		"create Pod %s in GameStatefulSet %s successful (revision %s)", pod.Name, set.Name, a.Revision)
	return pod, nil
}

// deletePod deletes the action's pod and tells whether it did: not when it was gone or replaced already.
func (c *PodControl) deletePod(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) (bool, error) {
	if a.FallbackReason != "" {
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonInPlaceFallback, "UpdatePod",
			"Pod %s cannot be updated in place (%s): recreating it", a.Pod.Name, a.FallbackReason)
	}
	// the UID precondition keeps a stale cache from deleting a newer pod of the same name
	err := c.Client.Delete(ctx, a.Pod, client.Preconditions{UID: &a.Pod.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return false, nil
	}
	if err != nil {
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedDelete, "DeletePod",
			"delete Pod %s in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return false, fmt.Errorf("deleting pod %s: %w", a.Pod.Name, err)
	}
	return true, nil
}

// maxNamedInEvent bounds the pod names one event lists (an Event's note holds at most 1 KB).
const maxNamedInEvent = 10

// recordDeletions tells of the pods a run of deletions deleted, one event per reason rather than one per pod.
// The events are about the set alone, so the events library folds them into one Event with a count, as it folds
// the creations: a scale-down of a thousand servers costs the API server two event writes instead of a thousand,
// and the StatefulSet controller's events are cut short by its spam filter after 25 anyway.
func (c *PodControl) recordDeletions(set *gstsv1alpha1.GameStatefulSet, batch []planner.Action, done []int) {
	for _, run := range foldRuns(batch, done, func(a *planner.Action) string { return a.Reason }) {
		c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonSuccessfulDelete, "DeletePod",
			"delete %s in GameStatefulSet %s successful: %s", podList(run.pods), set.Name, run.first.Reason)
	}
}

// recordInPlaceUpdates records a run of in-place updates as recordDeletions does deletions: one event per kind of
// update, reason and images, about the set alone, so that the events library folds it.
func (c *PodControl) recordInPlaceUpdates(set *gstsv1alpha1.GameStatefulSet, batch []planner.Action, done []int) {
	for _, run := range foldRuns(batch, done, func(a *planner.Action) string {
		return fmt.Sprint(a.HotPatch, a.Reason, a.Change.Images)
	}) {
		reason := ReasonUpdatedInPlace
		if run.first.HotPatch {
			reason = ReasonHotPatched
		}
		c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, reason, "UpdatePod",
			"update %s in place in GameStatefulSet %s: %s (images %v)", podList(run.pods), set.Name, run.first.Reason, run.first.Change.Images)
	}
}

// actionRun is the done actions of a batch that share a key: the first one and the names of all their pods.
type actionRun struct {
	first *planner.Action
	pods  []string
}

// foldRuns groups the done actions of a batch by key, in the order each key first appears.
func foldRuns(batch []planner.Action, done []int, key func(*planner.Action) string) []actionRun {
	var runs []actionRun
	index := map[string]int{}
	for _, j := range done {
		k := key(&batch[j])
		i, ok := index[k]
		if !ok {
			i = len(runs)
			index[k] = i
			runs = append(runs, actionRun{first: &batch[j]})
		}
		runs[i].pods = append(runs[i].pods, batch[j].Pod.Name)
	}
	return runs
}

// podList names pods for an event: "Pod a", "Pods a, b and c", "Pods a, ..., j and 5 more".
func podList(names []string) string {
	if len(names) == 1 {
		return "Pod " + names[0]
	}
	if len(names) > maxNamedInEvent {
		return fmt.Sprintf("Pods %s and %d more", strings.Join(names[:maxNamedInEvent], ", "), len(names)-maxNamedInEvent)
	}
	return fmt.Sprintf("Pods %s and %s", strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

func (c *PodControl) repairIdentity(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	pod := a.Pod.DeepCopy()
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	for k, v := range identity.IdentityLabelPatch(set, a.Ordinal) {
		pod.Labels[k] = v
	}
	// the resourceVersion precondition keeps a stale cache from relabelling a newer pod of the same name
	if err := c.Client.Patch(ctx, pod, client.MergeFromWithOptions(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return err
		}
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedUpdate, "UpdatePod",
			"update Pod %s in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return client.IgnoreNotFound(err)
	}
	c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonSuccessfulUpdate, "UpdatePod",
		"update Pod %s in GameStatefulSet %s successful: %s", a.Pod.Name, set.Name, a.Reason)
	return nil
}

// markDeleting annotates a pod whose pre-delete or pre-inplace hook runs, as upstream, so the game server can see
// through the downward API that it is about to go and stop taking players.
func (c *PodControl) markDeleting(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	pod := a.Pod.DeepCopy()
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[hook.DeletingAnnotation] = "true"
	if err := c.Client.Patch(ctx, pod, client.MergeFromWithOptions(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return err
		}
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedUpdate, "UpdatePod",
			"update Pod %s in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return client.IgnoreNotFound(err)
	}
	return nil
}

func (c *PodControl) deleteClaim(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	claim := a.Claims[0]
	err := c.Client.Delete(ctx, claim, client.Preconditions{UID: &claim.UID})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	if err != nil {
		c.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonFailedDelete, "DeleteClaim",
			"delete Claim %s in GameStatefulSet %s failed error: %v", claim.Name, set.Name, err)
		return fmt.Errorf("deleting claim %s: %w", claim.Name, err)
	}
	c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonSuccessfulDelete, "DeleteClaim",
		"delete Claim %s in GameStatefulSet %s successful: %s", claim.Name, set.Name, a.Reason)
	return nil
}

func (c *PodControl) setClaimOwnership(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	claim := a.Claims[0].DeepCopy()
	claim.OwnerReferences = a.Owners
	if err := c.Client.Patch(ctx, claim, client.MergeFromWithOptions(a.Claims[0], client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("updating owners of claim %s: %w", claim.Name, err))
	}
	return nil
}

// setGate writes the pod's InPlaceUpdateReady condition; the kubelet folds it into the pod's Ready condition.
func (c *PodControl) setGate(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action, status corev1.ConditionStatus, reason, message string) error {
	pod := withCondition(a.Pod, corev1.PodCondition{Type: inplace.ReadinessGate, Status: status, Reason: reason, Message: message,
		LastTransitionTime: metav1.Now()})
	// with the resourceVersion of the pod the plan saw, so that it never lands on a replacement of the same name
	if err := c.Client.Status().Patch(ctx, pod, client.StrategicMergeFrom(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("setting %s=%s on pod %s: %w", inplace.ReadinessGate, status, pod.Name, err))
	}
	if status == corev1.ConditionFalse {
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonGracePeriod, "UpdatePod",
			"Pod %s set not ready for its grace period: %s", pod.Name, a.Reason)
	}
	return nil
}

// updateInPlace patches the action's pod in place and tells whether it did; a pod gone meanwhile is no failure.
func (c *PodControl) updateInPlace(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) (bool, error) {
	stateKey := inplace.StateAnnotation
	if a.HotPatch {
		stateKey = inplace.HotPatchStateAnnotation
	}
	updated, err := inplace.Apply(a.Pod, a.Change, identity.RevisionLabel, a.Revision, stateKey, time.Now())
	if err != nil {
		return false, err
	}
	if a.HotPatch {
		updated.Annotations[inplace.HotPatchAnnotation] = "true"
	}
	if a.Lossless {
		if err := startLossless(updated, a.Pod, set); err != nil {
			return false, err
		}
	}
	// the resourceVersion precondition keeps a stale cache from recording stale container statuses
	if err := c.Client.Patch(ctx, updated, client.StrategicMergeFrom(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedUpdate, "UpdatePod",
			"update Pod %s in place in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return false, client.IgnoreNotFound(fmt.Errorf("updating pod %s in place: %w", a.Pod.Name, err))
	}
	return true, nil
}

// resizeInPlace resizes the pod's containers, or deletes the pod to be recreated where the API server or its node
// cannot resize; it tells whether it deleted the pod.
func (c *PodControl) resizeInPlace(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) (deleted bool, err error) {
	resized := a.Pod.DeepCopy()
	for i := range resized.Spec.Containers {
		if r, ok := a.Change.Resources[resized.Spec.Containers[i].Name]; ok {
			resized.Spec.Containers[i].Resources = r
		}
	}
	if err := c.Client.SubResource("resize").Patch(ctx, resized, client.StrategicMergeFrom(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsConflict(err) {
			return false, err
		}
		if deniedToOperator(err) {
			// a mis-packaged install (RBAC without pods/resize) must not cost players their game: keep the pod
			c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedUpdate, "ResizePod",
				"the operator may not resize Pod %s (its role lacks pods/resize; reinstall the operator's RBAC): %v", a.Pod.Name, err)
			return false, fmt.Errorf("resizing pod %s: %w", a.Pod.Name, err)
		}
		if recreationResolves(err) && (!apierrors.IsNotFound(err) || !podGone(ctx, c.Client, a.Pod)) {
			// the API server or the pod's node cannot resize: recreate the pod instead (the planner took it
			// through the availability budget)
			return c.deletePod(ctx, set, &planner.Action{Type: planner.DeletePod, Ordinal: a.Ordinal, Pod: a.Pod,
				FallbackReason: fmt.Sprintf("resize refused: %v", err), Reason: a.Reason + " by recreation"})
		}
		if apierrors.IsForbidden(err) {
			// a quota, a LimitRange or an admission webhook: a new pod would meet the same refusal, so the game
			// server keeps running with its resources and the resize is retried with back-off
			c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonResizeRefused, "ResizePod",
				"resize of Pod %s refused by admission, the pod keeps its resources (recreating it would meet the same refusal): %v", a.Pod.Name, err)
			return false, fmt.Errorf("resizing pod %s: %w", a.Pod.Name, err)
		}
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedUpdate, "ResizePod",
			"resize Pod %s in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return false, client.IgnoreNotFound(fmt.Errorf("resizing pod %s: %w", a.Pod.Name, err))
	}
	relabeled := resized.DeepCopy()
	for k, v := range a.Change.Labels {
		relabeled.Labels[k] = v
	}
	if relabeled.Annotations == nil {
		relabeled.Annotations = map[string]string{}
	}
	for k, v := range a.Change.Annotations {
		relabeled.Annotations[k] = v
	}
	relabeled.Labels[identity.RevisionLabel] = a.Revision
	// resized holds the pod as the resize left it: its resourceVersion is the precondition
	if err := c.Client.Patch(ctx, relabeled, client.MergeFromWithOptions(resized, client.MergeFromWithOptimisticLock{})); err != nil {
		return false, client.IgnoreNotFound(fmt.Errorf("labelling resized pod %s: %w", a.Pod.Name, err))
	}
	c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonResized, "ResizePod", "Pod %s: %s", a.Pod.Name, a.Reason)
	return false, nil
}

// recreationResolves tells a resize refusal that a new pod does not meet: the pod's node cannot resize ("Pod
// running on node without support for resize", Invalid), the resize itself is not allowed on a running pod (a
// change of QoS class, Invalid), or the API server has no resize subresource (NotFound). A Forbidden refusal
// comes from admission (quota, LimitRange, webhooks), which would refuse the new pod's resources as well.
func recreationResolves(err error) bool {
	return apierrors.IsInvalid(err) || apierrors.IsNotFound(err)
}

// deniedToOperator tells the authorizer refusing the operator itself from an admission plugin refusing the resize.
func deniedToOperator(err error) bool {
	var status apierrors.APIStatus
	return apierrors.IsForbidden(err) && errors.As(err, &status) &&
		strings.Contains(status.Status().Message, `cannot patch resource "pods/resize"`)
}

// podGone tells whether the pod no longer exists, to tell a missing pod from a missing resize subresource.
func podGone(ctx context.Context, c client.Client, pod *corev1.Pod) bool {
	return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(pod), &corev1.Pod{}))
}

// forceDeletePod removes a pod of a lost node without waiting for its kubelet, which will never confirm; it tells
// whether it did.
func (c *PodControl) forceDeletePod(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) (bool, error) {
	err := c.Client.Delete(ctx, a.Pod, client.Preconditions{UID: &a.Pod.UID}, client.GracePeriodSeconds(0))
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return false, nil
	}
	if err != nil {
		c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonFailedDelete, "DeletePod",
			"force-delete Pod %s of a lost node in GameStatefulSet %s failed error: %v", a.Pod.Name, set.Name, err)
		return false, fmt.Errorf("force-deleting pod %s: %w", a.Pod.Name, err)
	}
	c.Recorder.Eventf(set, a.Pod, corev1.EventTypeWarning, ReasonNodeLost, "DeletePod",
		"Pod %s deleted to be recreated on a healthy node: %s", a.Pod.Name, a.Reason)
	metrics.PodsMigrated.WithLabelValues(set.Namespace, set.Name).Inc()
	return true, nil
}

// inPlaceUpdateOutOfService is how long a pod about to be marked ready again has been out of service for an
// in-place update: since its gate went False, when its containers were patched after that. A gate cut short
// (partition raised, paused) or a new pod's first gate has no update to measure.
func inPlaceUpdateOutOfService(pod *corev1.Pod, now time.Time) (time.Duration, bool) {
	gate := inplace.GateCondition(pod)
	state := inplace.StateView(pod)
	if gate == nil || gate.Status != corev1.ConditionFalse || state == nil || state.Revision != identity.Revision(pod) ||
		state.UpdateTimestamp.Before(&gate.LastTransitionTime) {
		return 0, false
	}
	return now.Sub(gate.LastTransitionTime.Time), true
}
