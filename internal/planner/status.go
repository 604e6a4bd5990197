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

package planner

import (
	"fmt"
	"strings"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// ReasonHotPatchRefused is the Progressing reason while HotPatchUpdate refuses a change it cannot make.
const ReasonHotPatchRefused = "HotPatchRefused"

// ReasonCanaryPaused is the Progressing reason while a canary pause step or a failed canary hook holds the update.
const ReasonCanaryPaused = "CanaryPaused"

// ReasonScaling and ReasonRolloutInProgress are the Progressing reasons of a set on its way: pods to create or
// delete, pods to update or to become ready.
const (
	ReasonScaling           = "Scaling"
	ReasonRolloutInProgress = "RolloutInProgress"
)

// ReasonInPlaceUpdateStuck is the Progressing reason while in-place changes cannot complete by themselves.
const ReasonInPlaceUpdateStuck = "InPlaceUpdateStuck"

// Status counts the pods as the StatefulSet controller does and moves the current revision to the update
// revision once every pod runs it and is ready. The conditions are left to Conditions.
func Status(in Input, selector string) gstsv1alpha1.GameStatefulSetStatus {
	set := in.Set
	status := gstsv1alpha1.GameStatefulSetStatus{
		ObservedGeneration: set.Generation,
		CurrentRevision:    in.CurrentRevision,
		UpdateRevision:     in.UpdateRevision,
		CollisionCount:     set.Status.CollisionCount,
		LabelSelector:      selector,
		Conditions:         set.Status.Conditions,
	}
	for _, pod := range in.Pods {
		status.Replicas++
		ready := IsRunningAndReady(pod)
		if ready {
			status.ReadyReplicas++
			if IsAvailable(pod, set.Spec.MinReadySeconds, in.Now) {
				status.AvailableReplicas++
			}
		}
		if IsTerminating(pod) {
			continue
		}
		revision := identity.Revision(pod)
		if inplace.InProgress(pod, revision) || lossless.Pending(pod) {
			// between revisions until the kubelet reports the new containers (and, losslessly, the game reloaded)
			continue
		}
		if revision == in.CurrentRevision {
			status.CurrentReplicas++
		}
		if revision == in.UpdateRevision {
			status.UpdatedReplicas++
			if ready {
				status.UpdatedReadyReplicas++
			}
		}
	}
	if status.UpdatedReplicas == status.Replicas && status.ReadyReplicas == status.Replicas &&
		status.Replicas == identity.Replicas(set) {
		status.CurrentRevision = status.UpdateRevision
		status.CurrentReplicas = status.UpdatedReplicas
	}
	return status
}

// waitingText says what the pods wait for: ", 2 pods waiting for readiness".
func waitingText(waiting []Waiting) string {
	text := ""
	for _, w := range waiting {
		text += fmt.Sprintf(", %d waiting for %s", w.Pods, strings.ReplaceAll(w.Reason, "_", " "))
	}
	return text
}

func reservedText(reserved []intstr.IntOrString) string {
	parts := make([]string, len(reserved))
	for i, r := range reserved {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

// Conditions sets Ready and Progressing on status from the counts and the plan, keeping transition times of
// unchanged conditions. failure, when not empty, is why the last change to the cluster failed.
func Conditions(set *gstsv1alpha1.GameStatefulSet, status *gstsv1alpha1.GameStatefulSetStatus, plan Plan, failure string) {
	desired := identity.Replicas(set)
	gen := set.Generation
	conditions := append([]metav1.Condition(nil), status.Conditions...)
	for _, t := range []string{gstsv1alpha1.ConditionReady, gstsv1alpha1.ConditionProgressing, gstsv1alpha1.ConditionReplicaFailure} {
		// written by another client (the upstream operator before a migration) without a transition time: the
		// operator's own conditions carry every field, so it is set anew
		if c := meta.FindStatusCondition(conditions, t); c != nil && c.LastTransitionTime.IsZero() {
			meta.RemoveStatusCondition(&conditions, t)
		}
	}

	ready := metav1.Condition{Type: gstsv1alpha1.ConditionReady, ObservedGeneration: gen}
	if status.AvailableReplicas >= desired && status.Replicas >= desired && status.Replicas <= desired+plan.Surge {
		ready.Status, ready.Reason = metav1.ConditionTrue, "AllReplicasReady"
		ready.Message = fmt.Sprintf("%d of %d pods are ready and available", status.AvailableReplicas, desired)
	} else {
		ready.Status, ready.Reason = metav1.ConditionFalse, "ReplicasNotReady"
		ready.Message = fmt.Sprintf("%d of %d pods are ready and available, %d exist", status.AvailableReplicas, desired, status.Replicas)
	}
	meta.SetStatusCondition(&conditions, ready)

	progressing := metav1.Condition{Type: gstsv1alpha1.ConditionProgressing, ObservedGeneration: gen}
	partition := int32(0)
	for _, ord := range identity.Ordinals(set) {
		if ord < plan.Partition {
			partition++
		}
	}
	toUpdate := desired - partition
	switch {
	case plan.MigrationHeld != "":
		progressing.Status, progressing.Reason, progressing.Message = metav1.ConditionFalse, ReasonMigrationHeld, plan.MigrationHeld
	case len(plan.Stuck) > 0:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, ReasonInPlaceUpdateStuck
		progressing.Message = fmt.Sprintf("in-place updates that cannot complete: %s; a new revision (a rollback too) reaches these pods in place",
			strings.Join(plan.Stuck, "; "))
	case plan.Canary != nil && len(plan.Canary.PauseConditions) > 0 && (set.Spec.UpdateStrategy.Paused || plan.pausing()):
		progressing.Status, progressing.Reason = metav1.ConditionFalse, ReasonCanaryPaused
		progressing.Message = fmt.Sprintf("the canary update is paused at step %d of %d with %d of %d pods on revision %s (%s); resume it with: kubectl patch gamestatefulset %s --type merge -p '{\"spec\":{\"updateStrategy\":{\"paused\":false}}}'",
			plan.Canary.Index+1, len(set.Spec.UpdateStrategy.CanaryStrategy.Steps), status.UpdatedReplicas, desired, status.UpdateRevision,
			plan.Canary.PauseConditions[len(plan.Canary.PauseConditions)-1].Reason, set.Name)
	case len(plan.HookFailed) > 0:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, ReasonHookFailed
		progressing.Message = fmt.Sprintf("hooks that did not succeed: %s", strings.Join(plan.HookFailed, "; "))
	case status.Replicas != desired+plan.Surge:
		progressing.Status, progressing.Reason = metav1.ConditionTrue, ReasonScaling
		progressing.Message = fmt.Sprintf("scaling from %d to %d pods", status.Replicas, desired+plan.Surge)
	case len(plan.Refused) > 0:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, ReasonHotPatchRefused
		progressing.Message = fmt.Sprintf("HotPatchUpdate only changes container images; change the strategy to update these pods: %s",
			strings.Join(plan.Refused, "; "))
	case set.Spec.UpdateStrategy.Paused && status.UpdatedReplicas < toUpdate:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, "Paused"
		progressing.Message = fmt.Sprintf("updates are paused with %d of %d pods on revision %s", status.UpdatedReplicas, desired, status.UpdateRevision)
	case set.Spec.UpdateStrategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType && status.UpdatedReplicas < desired:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, "WaitingForPodDeletion"
		progressing.Message = fmt.Sprintf("OnDelete: %d of %d pods on revision %s; delete a pod to update it", status.UpdatedReplicas, desired, status.UpdateRevision)
	case status.UpdatedReplicas < toUpdate || status.ReadyReplicas < desired || status.AvailableReplicas < desired:
		progressing.Status, progressing.Reason = metav1.ConditionTrue, ReasonRolloutInProgress
		progressing.Message = fmt.Sprintf("%d of %d pods on revision %s (partition %d), %d ready", status.UpdatedReplicas, desired, status.UpdateRevision, partition, status.ReadyReplicas)
	case status.UpdatedReplicas < desired:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, "PartitionReached"
		progressing.Message = fmt.Sprintf("%d of %d pods on revision %s; pods below ordinal %d stay on %s", status.UpdatedReplicas, desired, status.UpdateRevision, plan.Partition, status.CurrentRevision)
	default:
		progressing.Status, progressing.Reason = metav1.ConditionFalse, "RolloutComplete"
		progressing.Message = fmt.Sprintf("all %d pods run revision %s", desired, status.UpdateRevision)
	}
	if progress := plan.Progress; progress.Exceeded && progressing.Status == metav1.ConditionTrue {
		progressing.Status, progressing.Reason = metav1.ConditionFalse, ReasonProgressDeadlineExceeded
		progressing.Message = fmt.Sprintf("no pod was created, updated or changed readiness for %s (progressDeadlineSeconds) since %s%s; %s",
			progress.Deadline, progress.Last.UTC().Format(time.RFC3339), waitingText(progress.Waiting), progressing.Message)
	}
	if plan.CanaryWaiting != "" {
		progressing.Message += "; " + plan.CanaryWaiting
	}
	if plan.Waiting != "" && !strings.Contains(progressing.Message, plan.Waiting) {
		progressing.Message += "; " + plan.Waiting
	}
	if len(plan.Mismatched) > 0 {
		progressing.Message += "; " + strings.Join(plan.Mismatched, "; ")
	}
	if plan.Surge > 0 {
		progressing.Message += fmt.Sprintf("; %d surge pods above replicas for the update (maxSurge)", plan.Surge)
	}
	if reserved := set.Spec.ReserveOrders; len(reserved) > 0 {
		progressing.Message += fmt.Sprintf("; reserved ordinals %s", reservedText(reserved))
	}
	meta.SetStatusCondition(&conditions, progressing)

	if failure != "" {
		meta.SetStatusCondition(&conditions, metav1.Condition{Type: gstsv1alpha1.ConditionReplicaFailure, Status: metav1.ConditionTrue,
			Reason: "ChangeFailed", Message: failure, ObservedGeneration: gen})
	} else {
		meta.RemoveStatusCondition(&conditions, gstsv1alpha1.ConditionReplicaFailure)
	}
	status.Conditions = conditions
}

// ProgressOnly tells whether after differs from before only in what every step of a scale or a rollout changes:
// the pod counts, the Ready condition (computed from them), the Progressing condition while it stays True for
// scaling or rolling out, and the messages of conditions that otherwise stay as they were. Anything else, a
// revision, the observed generation, the collision count, canary or hook state, a condition that appears, goes
// or takes another reason (paused, stuck, deadline exceeded, complete), is not, nor is no change at all.
func ProgressOnly(before, after gstsv1alpha1.GameStatefulSetStatus) bool {
	if apiequality.Semantic.DeepEqual(before, after) {
		return false
	}
	b, a := withoutProgress(before), withoutProgress(after)
	if len(b.Conditions) != len(a.Conditions) {
		return false
	}
	for i := range a.Conditions {
		bc, ac := &b.Conditions[i], &a.Conditions[i]
		if bc.Type == ac.Type && bc.Status == ac.Status && bc.Reason == ac.Reason {
			bc.Message, ac.Message = "", ""
		}
	}
	return apiequality.Semantic.DeepEqual(b, a)
}

// progressingReasons are the Progressing reasons a rollout moves between from one pod to the next: a pod being
// replaced is one pod fewer (Scaling) until its successor exists (RolloutInProgress).
var progressingReasons = map[string]bool{ReasonScaling: true, ReasonRolloutInProgress: true}

// withoutProgress is the status without what ProgressOnly lets change, on a copy of its conditions.
func withoutProgress(s gstsv1alpha1.GameStatefulSetStatus) gstsv1alpha1.GameStatefulSetStatus {
	s.Replicas, s.ReadyReplicas, s.AvailableReplicas = 0, 0, 0
	s.CurrentReplicas, s.UpdatedReplicas, s.UpdatedReadyReplicas = 0, 0, 0
	s.Conditions = append([]metav1.Condition(nil), s.Conditions...)
	for i := range s.Conditions {
		c := &s.Conditions[i]
		switch {
		case c.Type == gstsv1alpha1.ConditionReady:
			c.Status, c.Reason, c.Message, c.LastTransitionTime = "", "", "", metav1.Time{}
		case c.Type == gstsv1alpha1.ConditionProgressing && c.Status == metav1.ConditionTrue && progressingReasons[c.Reason]:
			c.Reason, c.Message = "", ""
		}
	}
	return s
}
