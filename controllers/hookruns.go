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

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// Event reasons of the set's hooks.
const (
	ReasonHookRunCreated      = "HookRunCreated"
	ReasonHookRunFailedCreate = "FailedCreateHookRun"
	ReasonCanaryPaused        = "CanaryPaused"
	ReasonCanaryResumed       = "CanaryResumed"
	ReasonOrdinalsReserved    = "OrdinalsReserved"
)

// listHookRuns returns the HookRuns the set controls.
func (r *GameStatefulSetReconciler) listHookRuns(ctx context.Context, set *gstsv1alpha1.GameStatefulSet) ([]*gstsv1alpha1.HookRun, error) {
	var list gstsv1alpha1.HookRunList
	if err := r.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingFields{ownerIndex: set.Name}); err != nil {
		return nil, fmt.Errorf("listing hook runs: %w", err)
	}
	runs := make([]*gstsv1alpha1.HookRun, 0, len(list.Items))
	for i := range list.Items {
		if identity.IsControlledBy(&list.Items[i], set) {
			runs = append(runs, &list.Items[i])
		}
	}
	return runs, nil
}

// splitHookActions separates the actions on HookRuns and on the set's spec from those on pods and claims.
func splitHookActions(actions []planner.Action) (hooks, pods []planner.Action) {
	for _, a := range actions {
		switch a.Type {
		case planner.CreateHookRun, planner.DeleteHookRun, planner.PauseUpdates, planner.ResumeUpdates, planner.ReserveOrdinals:
			hooks = append(hooks, a)
		default:
			pods = append(pods, a)
		}
	}
	return hooks, pods
}

// hookResult is what executeHookActions did.
type hookResult struct {
	// set is the set as last written.
	set *gstsv1alpha1.GameStatefulSet
	// failedPods are the pods whose run could not be created: they are not marked as leaving.
	failedPods map[string]bool
	// pauseFailed is set when the paused flag could not be written.
	pauseFailed bool
}

// executeHookActions writes the HookRuns and the set's paused flag the plan asks for. It goes on after a failure
// (a missing template must not stop the other pods' hooks) and returns every failure.
func (r *GameStatefulSetReconciler) executeHookActions(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, actions []planner.Action) (hookResult, error) {
	var errs []error
	res := hookResult{set: set, failedPods: map[string]bool{}}
	for i := range actions {
		a := &actions[i]
		var err error
		switch a.Type {
		case planner.CreateHookRun:
			err = r.createHookRun(ctx, set, a.Hook)
			if err != nil && a.Hook.Pod != nil {
				res.failedPods[a.Hook.Pod.Name] = true
			}
		case planner.DeleteHookRun:
			run := a.HookRun
			err = client.IgnoreNotFound(r.Delete(ctx, run, client.Preconditions{UID: &run.UID}))
			if apierrors.IsConflict(err) {
				err = nil
			}
		case planner.PauseUpdates, planner.ResumeUpdates:
			var updated *gstsv1alpha1.GameStatefulSet
			if updated, err = r.setPaused(ctx, res.set, a.Type == planner.PauseUpdates, a.Reason); err == nil {
				res.set = updated
			} else {
				res.pauseFailed = true
			}
		case planner.ReserveOrdinals:
			var updated *gstsv1alpha1.GameStatefulSet
			if updated, err = r.reserveOrdinals(ctx, res.set, a.Ordinals, a.Reason); err == nil {
				res.set = updated
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return res, errors.Join(errs...)
}

// withoutMarks drops the marks of pods whose hook could not start: a game server told to drain for a hook that
// never runs would stay empty.
func withoutMarks(actions []planner.Action, failedPods map[string]bool) []planner.Action {
	if len(failedPods) == 0 {
		return actions
	}
	kept := actions[:0:0]
	for _, a := range actions {
		if a.Type == planner.MarkPodDeleting && failedPods[a.Pod.Name] {
			continue
		}
		kept = append(kept, a)
	}
	return kept
}

// createHookRun creates a run from its template; one that exists already (a cache behind) is no failure.
func (r *GameStatefulSetReconciler) createHookRun(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, req *hook.Request) error {
	template := &gstsv1alpha1.HookTemplate{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: set.Namespace, Name: req.Step.TemplateName}, template); err != nil {
		err = fmt.Errorf("HookTemplate %s for %s: %w", req.Step.TemplateName, req.Name, err)
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonHookRunFailedCreate, "CreateHookRun", "%s", err.Error())
		return err
	}
	run, err := hook.NewRun(set, template, *req, *metav1.NewControllerRef(set, gstsv1alpha1.GroupVersion.WithKind(identity.Kind)))
	if err != nil {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonHookRunFailedCreate, "CreateHookRun", "HookRun %s: %s", req.Name, err.Error())
		return err
	}
	if err := r.Create(ctx, run); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonHookRunFailedCreate, "CreateHookRun", "HookRun %s: %s", req.Name, err.Error())
		return fmt.Errorf("creating HookRun %s: %w", req.Name, err)
	}
	r.Recorder.Eventf(set, run, corev1.EventTypeNormal, ReasonHookRunCreated, "CreateHookRun", "created HookRun %s (%s)", run.Name, req.Kind)
	return nil
}

// setPaused is the one writer of the set's spec: a canary pause step sets spec.updateStrategy.paused, a new
// revision clears the pause an earlier one set. The resourceVersion precondition keeps it from undoing a
// person's edit it has not seen.
func (r *GameStatefulSetReconciler) setPaused(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, paused bool, reason string) (*gstsv1alpha1.GameStatefulSet, error) {
	updated := set.DeepCopy()
	updated.Spec.UpdateStrategy.Paused = paused
	if err := r.Patch(ctx, updated, client.MergeFromWithOptions(set, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("setting spec.updateStrategy.paused to %t: %w", paused, err)
	}
	// the status write that follows must carry what the patch left: the cache shows it later
	updated.Status = set.Status
	if paused {
		r.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonCanaryPaused, "PauseUpdate", "%s", reason)
	} else {
		r.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonCanaryResumed, "ResumeUpdate", "%s", reason)
	}
	return updated, nil
}

// reserveOrdinals adds ordinals to spec.reserveOrders, as a person would, so that a scale-down removes the game
// servers it chose and every other one keeps its ordinal. Like setPaused it never overwrites an edit it has not
// seen.
func (r *GameStatefulSetReconciler) reserveOrdinals(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, ordinals []int32, reason string) (*gstsv1alpha1.GameStatefulSet, error) {
	updated := set.DeepCopy()
	for _, ord := range ordinals {
		if !identity.IsReserved(updated, ord) {
			updated.Spec.ReserveOrders = append(updated.Spec.ReserveOrders, intstr.FromInt32(ord))
		}
	}
	if err := r.Patch(ctx, updated, client.MergeFromWithOptions(set, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("reserving ordinals %v: %w", ordinals, err)
	}
	updated.Status = set.Status
	r.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonOrdinalsReserved, "ScaleDown", "reserved ordinals %v: %s", ordinals, reason)
	return updated, nil
}

// applyHookStatus writes the canary and pod hook parts of the plan into the status.
func applyHookStatus(status *gstsv1alpha1.GameStatefulSetStatus, plan planner.Plan) {
	if c := plan.Canary; c != nil {
		index := c.Index
		canary := c.Canary
		status.CurrentStepIndex, status.CurrentStepHash, status.Canary, status.PauseConditions = &index, c.Hash, &canary, c.PauseConditions
	} else {
		status.CurrentStepIndex, status.CurrentStepHash, status.Canary, status.PauseConditions = nil, "", nil, nil
	}
	status.PreDeleteHookConditions = plan.Hooks.PreDelete
	status.PreInplaceHookConditions = plan.Hooks.PreInplace
	status.PostInplaceHookConditions = plan.Hooks.PostInplace
}

// keepCanaryStatus keeps the canary status as it was when the spec write it depends on failed: a pause
// condition without the pause it stands for would read as a resume.
func keepCanaryStatus(status *gstsv1alpha1.GameStatefulSetStatus, before *gstsv1alpha1.GameStatefulSetStatus) {
	status.CurrentStepIndex, status.CurrentStepHash, status.Canary, status.PauseConditions =
		before.CurrentStepIndex, before.CurrentStepHash, before.Canary, before.PauseConditions
}
