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

// Package planner decides, without talking to the API server, what a GameStatefulSet needs next: which pods and
// claims to create, delete or repair, in which order, and why it waits. It follows the StatefulSet controller
// where a user would notice a difference.
package planner

import (
	"fmt"
	"math"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/adoption"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/network"
)

// ActionType names one change to the cluster.
type ActionType string

const (
	// CreatePod creates the pod of an ordinal at a revision, after its missing claims.
	CreatePod ActionType = "CreatePod"
	// DeletePod deletes a pod: a failed one, one of a removed ordinal, or one to recreate at the update revision.
	DeletePod ActionType = "DeletePod"
	// CreateClaims creates the missing claims of an existing pod.
	CreateClaims ActionType = "CreateClaims"
	// RepairIdentity puts back the identity labels a pod lost.
	RepairIdentity ActionType = "RepairIdentity"
	// DeleteClaim deletes the claim of a removed ordinal (whenScaled: Delete).
	DeleteClaim ActionType = "DeleteClaim"
	// AdoptClaim makes the set the controller of a claim (whenDeleted: Delete), so it goes with the set.
	AdoptClaim ActionType = "AdoptClaim"
	// ReleaseClaim removes the set from a claim's owners (whenDeleted: Retain).
	ReleaseClaim ActionType = "ReleaseClaim"
	// ReleasePod removes the set's controller reference from a pod whose labels no longer match the selector, as
	// the StatefulSet controller releases it: the pod runs on, unmanaged, and its ordinal waits until it is gone.
	ReleasePod ActionType = "ReleasePod"
	// StartGracePeriod sets the pod's InPlaceUpdateReady condition False so Services drop it before its update.
	StartGracePeriod ActionType = "StartGracePeriod"
	// UpdateInPlace patches the pod's images, metadata and revision (InplaceUpdate, or HotPatchUpdate when
	// HotPatch is set).
	UpdateInPlace ActionType = "UpdateInPlace"
	// ResizeInPlace changes the pod's container resources through the resize subresource.
	ResizeInPlace ActionType = "ResizeInPlace"
	// MarkInPlaceReady sets the pod's InPlaceUpdateReady condition True.
	MarkInPlaceReady ActionType = "MarkInPlaceReady"
	// ForceDeletePod deletes a pod of a lost node at once, so that its ordinal comes back on a healthy node.
	ForceDeletePod ActionType = "ForceDeletePod"
	// CreateHookRun creates a HookRun from its template: for a canary hook step, or a pod's lifecycle hook.
	CreateHookRun ActionType = "CreateHookRun"
	// DeleteHookRun deletes a HookRun no pod or step needs any more, or one to run again.
	DeleteHookRun ActionType = "DeleteHookRun"
	// MarkPodDeleting annotates a pod whose pre-delete or pre-inplace hook runs, so the game server can drain.
	MarkPodDeleting ActionType = "MarkPodDeleting"
	// PauseUpdates sets spec.updateStrategy.paused: a canary pause step, or a canary hook that did not succeed.
	PauseUpdates ActionType = "PauseUpdates"
	// ResumeUpdates clears spec.updateStrategy.paused that a canary pause of an earlier update set.
	ResumeUpdates ActionType = "ResumeUpdates"
	// ReserveOrdinals adds ordinals to spec.reserveOrders: the game servers a scale-down chose to remove.
	ReserveOrdinals ActionType = "ReserveOrdinals"
	// ReloadGame tells a pod's game that its content containers run their new images (a lossless
	// HotPatchUpdate), and records the outcome.
	ReloadGame ActionType = "ReloadGame"
)

// Action is one change to the cluster, with what it applies to.
type Action struct {
	Type    ActionType
	Ordinal int32
	// Pod is the existing pod for DeletePod, CreateClaims and RepairIdentity.
	Pod *corev1.Pod
	// Revision is the revision of the pod CreatePod creates.
	Revision string
	// Claims are the claims CreatePod and CreateClaims create, or the one claim of the claim actions.
	Claims []*corev1.PersistentVolumeClaim
	// Owners are the owner references AdoptClaim and ReleaseClaim give the claim.
	Owners []metav1.OwnerReference
	// Change is what UpdateInPlace and ResizeInPlace apply.
	Change inplace.Change
	// HotPatch marks an UpdateInPlace of the HotPatchUpdate strategy; Lossless one of its content containers
	// only, after which the game reloads.
	HotPatch bool
	Lossless bool
	// FallbackReason, on a DeletePod of an in-place strategy, says why the pod could not be updated in place.
	FallbackReason string
	// Hook is the HookRun CreateHookRun creates.
	Hook *hook.Request
	// HookRun is the run DeleteHookRun deletes.
	HookRun *gstsv1alpha1.HookRun
	// Ordinals are the ordinals ReserveOrdinals reserves.
	Ordinals []int32
	// Network is what CreatePod gives the pod of its external addresses: environment and readiness gate.
	Network *network.PodNetwork
	// Reason says why, for events and logs.
	Reason string
}

// Input is everything a decision depends on.
type Input struct {
	Set             *gstsv1alpha1.GameStatefulSet
	CurrentRevision string
	UpdateRevision  string
	// Pods are the pods the set controls whose labels match its selector.
	Pods []*corev1.Pod
	// Mismatched are the pods the set controls whose labels no longer match its selector: they are released.
	Mismatched []*corev1.Pod
	// Claims are the claims of the set that exist, by name.
	Claims map[string]*corev1.PersistentVolumeClaim
	// Templates are the pod templates of the revisions in the history, by revision name.
	Templates map[string]*corev1.PodTemplateSpec
	// Nodes are the nodes the pods run on, by name.
	Nodes map[string]*corev1.Node
	// HookRuns are the HookRuns the set controls.
	HookRuns []*gstsv1alpha1.HookRun
	// PortMappings are the namespace's PortMappings; those that map the set give its new pods their addresses.
	PortMappings []*gstsv1alpha1.PortMapping
	// LostNodeThreshold is how long a node may be lost before its pods move; 0 disables moving them.
	LostNodeThreshold time.Duration
	// UpdateRevisionCreated is when the update revision was made: a rollout's start.
	UpdateRevisionCreated time.Time
	Now                   time.Time

	// runs indexes HookRuns by name; partition is the lowest ordinal the update moves: both set by Compute.
	runs      map[string]*gstsv1alpha1.HookRun
	partition int32
	// ordinals are the ordinals the plan keeps pods at: the set's and the surge ones (ordinalList).
	ordinals []int32
}

// Plan is the ordered list of changes to make now, and why the rest waits.
type Plan struct {
	Actions []Action
	// Waiting says what the set waits for before it can go on; empty when nothing blocks.
	Waiting string
	// RequeueAfter is set when only time ends the wait (minReadySeconds, a grace period).
	RequeueAfter time.Duration
	// Refused lists the pods the strategy will not update, and why (HotPatchUpdate of a non-image change).
	Refused []string
	// MigrationHeld says why pods of lost nodes are not moved: too many of the set's nodes are lost at once.
	MigrationHeld string
	// Mismatched lists the pods whose hostname or subdomain is not their ordinal's, which no patch can fix.
	Mismatched []string
	// Stuck lists the pods whose in-place change cannot complete by itself, and why.
	Stuck []string
	// Partition is the lowest ordinal the update moves to the update revision now: rollingUpdate.partition, or
	// the current canary step's.
	Partition int32
	// Canary is the canary status to write; nil without canary steps.
	Canary *CanaryState
	// CanaryWaiting says what the canary update waits for.
	CanaryWaiting string
	// Hooks are the pod hooks for the status.
	Hooks HookConditions
	// HookFailed lists the pod hooks that did not succeed, and what that means for their pods.
	HookFailed []string
	// Surge is how many pods above replicas the update runs now (maxSurge).
	Surge int32
	// Progress is how the rollout moves: when it last did, and what its pods wait for.
	Progress Progress
}

func (p *Plan) add(a Action) { p.Actions = append(p.Actions, a) }

// pausing tells whether the plan sets spec.updateStrategy.paused.
func (p *Plan) pausing() bool {
	for _, a := range p.Actions {
		if a.Type == PauseUpdates {
			return true
		}
	}
	return false
}

func (p *Plan) requeue(after time.Duration) {
	if after > 0 && (p.RequeueAfter == 0 || after < p.RequeueAfter) {
		p.RequeueAfter = after
	}
}

func (p *Plan) wait(after time.Duration, format string, args ...any) Plan {
	p.Waiting = fmt.Sprintf(format, args...)
	p.requeue(after)
	return *p
}

// PartitionOrdinal is the lowest ordinal that the update strategy moves to the update revision.
func PartitionOrdinal(set *gstsv1alpha1.GameStatefulSet) int32 {
	replicas := identity.Replicas(set)
	var count int
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		// a malformed percentage is refused at admission; should one get through, update nothing
		n, err := intstr.GetScaledValueFromIntOrPercent(ru.Partition, int(replicas), true)
		if err != nil {
			n = int(replicas)
		}
		count = n
	}
	return partitionOrdinalOf(set, int32(count))
}

// partitionOrdinalOf turns a partition, a count of pods that keep the current revision, into the lowest ordinal
// the update moves: with reserved ordinals the partition counts the set's pods, not ordinal positions, so that
// "partition 3" keeps three game servers whatever gaps lie below them.
func partitionOrdinalOf(set *gstsv1alpha1.GameStatefulSet, count int32) int32 {
	if len(set.Spec.ReserveOrders) == 0 {
		// no gaps: the StatefulSet's arithmetic, without listing the ordinals
		return identity.StartOrdinal(set) + max(0, min(count, identity.Replicas(set)))
	}
	ordinals := identity.Ordinals(set)
	switch {
	case count <= 0 && len(ordinals) > 0:
		return ordinals[0]
	case count <= 0:
		return identity.StartOrdinal(set)
	case int(count) < len(ordinals):
		return ordinals[count]
	case len(ordinals) > 0:
		return ordinals[len(ordinals)-1] + 1
	}
	return identity.StartOrdinal(set)
}

// DefaultParallelMaxUnavailable is maxUnavailable of a Parallel set that does not say: the upstream operator's
// default, its "automatic parallel rolling update". An OrderedReady set updates one pod at a time, as a
// StatefulSet and the upstream operator do.
var DefaultParallelMaxUnavailable = intstr.FromString("25%")

// MaxUnavailable is how many pods an update may take down at once: at least 1. Percentages round up, as for a
// StatefulSet and in the upstream operator.
func MaxUnavailable(set *gstsv1alpha1.GameStatefulSet) int {
	ru := set.Spec.UpdateStrategy.RollingUpdate
	value := ru.MaxUnavailableOrNil()
	if value == nil {
		if set.Spec.PodManagementPolicy != gstsv1alpha1.ParallelPodManagement {
			return 1
		}
		value = &DefaultParallelMaxUnavailable
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(value, int(identity.Replicas(set)), true)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// slots splits the pods into those of the plan's ordinals, aligned with ordinalList, and the condemned ones of
// removed or reserved ordinals, highest ordinal first.
func (in *Input) slots() (replicas []*corev1.Pod, condemned []*corev1.Pod) {
	set, pods := in.Set, in.Pods
	ordinals := in.ordinalList()
	index := newOrdinalIndex(ordinals)
	replicas = make([]*corev1.Pod, len(ordinals))
	for _, pod := range pods {
		ord, ok := identity.OrdinalOf(set, pod.Name)
		if !ok {
			continue
		}
		if i, desired := index.of(ord); desired {
			replicas[i] = pod
		} else {
			condemned = append(condemned, pod)
		}
	}
	sort.Slice(condemned, func(i, j int) bool {
		a, _ := identity.OrdinalOf(set, condemned[i].Name)
		b, _ := identity.OrdinalOf(set, condemned[j].Name)
		return a > b
	})
	return replicas, condemned
}

func (in *Input) ordered() bool {
	return in.Set.Spec.PodManagementPolicy != gstsv1alpha1.ParallelPodManagement
}

// revisionForNewPod keeps pods below the partition on the current revision when they are recreated.
func (in *Input) revisionForNewPod(ordinal int32) string {
	if in.Set.Spec.UpdateStrategy.Type != gstsv1alpha1.OnDeleteStatefulSetStrategyType && ordinal < in.partition {
		return in.CurrentRevision
	}
	return in.UpdateRevision
}

func (in *Input) missingClaims(ordinal int32) []*corev1.PersistentVolumeClaim {
	if len(in.Set.Spec.VolumeClaimTemplates) == 0 {
		return nil
	}
	var missing []*corev1.PersistentVolumeClaim
	for _, claim := range identity.NewClaims(in.Set, ordinal) {
		if _, ok := in.Claims[claim.Name]; !ok {
			if !identity.RetainsClaimsOnDelete(in.Set) {
				claim.OwnerReferences = append(claim.OwnerReferences, identity.ClaimOwnerReference(in.Set))
			}
			missing = append(missing, claim)
		}
	}
	return missing
}

// Compute decides the next changes for a set, in the order they must be made.
func Compute(in Input) Plan {
	plan := compute(in)
	if in.Set.DeletionTimestamp == nil {
		plan.Progress = progressOf(&in)
		plan.requeueForDeadline(in.Now)
	}
	return plan
}

func compute(in Input) Plan {
	var plan Plan
	set := in.Set
	if set.DeletionTimestamp != nil {
		return plan
	}
	in.indexRuns()
	restarted, stepRun := planCanary(&in, &plan)
	// the surge depends on the partition the canary set
	in.ordinals = nil
	plan.Surge = max(0, int32(len(in.ordinalList()))-identity.Replicas(set))
	planHookCleanup(&in, &plan, restarted)
	if stepRun != nil {
		plan.add(*stepRun)
	}
	plan.Hooks = hookConditions(&in)
	for _, pod := range in.Mismatched {
		ordinal, _ := identity.OrdinalOf(set, pod.Name)
		plan.add(Action{Type: ReleasePod, Ordinal: ordinal, Pod: pod, Reason: "its labels no longer match the selector"})
	}
	availability := newBudget(&in)
	moved := planLostNodes(&in, &plan, availability)
	if len(moved) > 0 {
		// the moved pods are gone once forced out: their ordinals are planned as missing
		remaining := make([]*corev1.Pod, 0, len(in.Pods))
		for _, pod := range in.Pods {
			if !moved[pod] {
				remaining = append(remaining, pod)
			}
		}
		in.Pods = remaining
	}
	replicas, condemned := in.slots()
	ordered := in.ordered()
	minReady := set.Spec.MinReadySeconds

	planClaimOwnership(&in, &plan)
	planReadinessGates(&in, &plan, replicas)
	reportStuck(&in, &plan, replicas)
	planPostInplaceHooks(&in, &plan, replicas)
	planReloads(&in, &plan, replicas)

	ordinals := in.ordinalList()
	createBatch, starting := CreateBatch(set), in.starting(replicas)
	for i, pod := range replicas {
		ordinal := ordinals[i]
		name := identity.PodName(set, ordinal)
		if pod == nil {
			if !ordered && starting >= createBatch {
				plan.wait(0, "createBatch: %d pods are starting; the next ones are created once they are Running and Ready", starting)
				continue
			}
			starting++
			plan.add(Action{Type: CreatePod, Ordinal: ordinal, Revision: in.revisionForNewPod(ordinal),
				Claims: in.missingClaims(ordinal), Network: network.ForOrdinal(in.PortMappings, set.Name, ordinal), Reason: "missing"})
			if ordered {
				// worded as the next reconcile, which sees the pod, words it: an unchanged message costs no status write
				return plan.wait(0, "waiting for pod %s to be Running and Ready", name)
			}
			continue
		}
		if IsFailed(pod) && !IsTerminating(pod) {
			plan.add(Action{Type: DeletePod, Ordinal: ordinal, Pod: pod, Reason: fmt.Sprintf("pod is %s", pod.Status.Phase)})
			if ordered {
				return plan.wait(0, "waiting for failed pod %s to be recreated", name)
			}
			continue
		}
		if IsTerminating(pod) {
			if ordered {
				return plan.wait(0, "waiting for pod %s to terminate", name)
			}
			continue
		}
		if claims := in.missingClaims(ordinal); len(claims) > 0 {
			plan.add(Action{Type: CreateClaims, Ordinal: ordinal, Pod: pod, Claims: claims, Reason: "missing"})
		}
		if !identity.IdentityMatches(set, pod, ordinal) {
			plan.add(Action{Type: RepairIdentity, Ordinal: ordinal, Pod: pod, Reason: "identity labels changed"})
		}
		if mismatch := identity.HostnameMismatch(set, pod); mismatch != "" {
			plan.Mismatched = append(plan.Mismatched, mismatch)
		}
		if !ordered {
			continue
		}
		if in.updating(pod) {
			// out of service on purpose: the update step below follows it
			continue
		}
		if !IsRunningAndReady(pod) {
			return plan.wait(0, "waiting for pod %s to be Running and Ready", name)
		}
		if remaining := AvailableIn(pod, minReady, in.Now); remaining > 0 {
			return plan.wait(remaining, "waiting for pod %s to be ready for minReadySeconds (%d)", name, minReady)
		}
	}

	if planScaleDownChoice(&in, &plan) {
		return plan
	}
	if done := planScaleDown(&in, &plan, replicas, condemned, ordered); !done {
		return plan
	}
	planClaimDeletion(&in, &plan, condemned, moved)

	planReplacements(&in, &plan, replicas, availability)
	if set.Spec.UpdateStrategy.Paused {
		return plan.wait(0, "updates are paused")
	}
	switch set.Spec.UpdateStrategy.Type {
	case gstsv1alpha1.OnDeleteStatefulSetStrategyType:
	case gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, gstsv1alpha1.HotPatchGameStatefulSetStrategyType:
		planInPlaceUpdate(&in, &plan, replicas, availability)
	default:
		planRollingUpdate(&in, &plan, replicas, availability)
	}
	return plan
}

// planScaleDown deletes the pods of removed ordinals from the highest down; under OrderedReady one at a time and
// only while every other pod is healthy. It returns false when the rest of the plan must wait.
func planScaleDown(in *Input, plan *Plan, replicas, condemned []*corev1.Pod, ordered bool) bool {
	var firstUnhealthy *corev1.Pod
	lowest := int32(math.MaxInt32)
	for _, pod := range append(append([]*corev1.Pod(nil), replicas...), condemned...) {
		if pod == nil || IsHealthy(pod) {
			continue
		}
		if ord, _ := identity.OrdinalOf(in.Set, pod.Name); ord < lowest {
			lowest, firstUnhealthy = ord, pod
		}
	}
	for _, pod := range condemned {
		ord, _ := identity.OrdinalOf(in.Set, pod.Name)
		if IsTerminating(pod) {
			if ordered {
				plan.wait(0, "waiting for pod %s to terminate", pod.Name)
				return false
			}
			continue
		}
		if ordered && firstUnhealthy != nil && firstUnhealthy != pod {
			plan.wait(0, "waiting for unhealthy pod %s before scaling down", firstUnhealthy.Name)
			return false
		}
		if !in.gate(plan, in.preDeleteHook(), pod, "deleted") {
			if ordered {
				return false
			}
			continue
		}
		plan.add(Action{Type: DeletePod, Ordinal: ord, Pod: pod, Reason: "scale down"})
		if ordered {
			plan.wait(0, "waiting for pod %s to terminate", pod.Name)
			return false
		}
	}
	return true
}

// planClaimOwnership makes the owner references of the claims the set manages follow whenDeleted: with Delete
// the set controls its claims so the garbage collector removes them with it; with Retain it owns none. A claim
// another object controls is left as it is.
func planClaimOwnership(in *Input, plan *Plan) {
	retain := identity.RetainsClaimsOnDelete(in.Set)
	for _, name := range sortedClaimNames(in.Claims) {
		claim := in.Claims[name]
		owners, changed := adoption.ClaimOwners(in.Set, claim)
		switch {
		case !changed:
		case retain:
			plan.add(Action{Type: ReleaseClaim, Claims: []*corev1.PersistentVolumeClaim{claim}, Owners: owners, Reason: "whenDeleted is Retain"})
		default:
			plan.add(Action{Type: AdoptClaim, Claims: []*corev1.PersistentVolumeClaim{claim}, Owners: owners, Reason: "whenDeleted is Delete"})
		}
	}
}

// planClaimDeletion deletes, when whenScaled is Delete, the claims of removed ordinals whose pod is gone: a
// claim is never deleted while a pod may still use it, nor when another object controls or owns it.
func planClaimDeletion(in *Input, plan *Plan, condemned []*corev1.Pod, moved map[*corev1.Pod]bool) {
	if identity.RetainsClaimsOnScaleDown(in.Set) || len(in.Set.Spec.VolumeClaimTemplates) == 0 {
		return
	}
	desired := map[int32]bool{}
	for _, ord := range in.ordinalList() {
		desired[ord] = true
	}
	podExists := make(map[int32]bool, len(condemned)+len(moved))
	for _, pod := range condemned {
		ord, _ := identity.OrdinalOf(in.Set, pod.Name)
		podExists[ord] = true
	}
	// a pod forced off a lost node in this pass may still run there and write to its claim: the claim waits for
	// a later pass at least
	for pod := range moved {
		ord, _ := identity.OrdinalOf(in.Set, pod.Name)
		podExists[ord] = true
	}
	for _, name := range sortedClaimNames(in.Claims) {
		claim := in.Claims[name]
		ord, ok := claimOrdinal(in.Set, claim)
		if !ok || desired[ord] || podExists[ord] || claim.DeletionTimestamp != nil || !adoption.ClaimDeletable(in.Set, claim) {
			continue
		}
		plan.add(Action{Type: DeleteClaim, Ordinal: ord, Claims: []*corev1.PersistentVolumeClaim{claim}, Reason: "whenScaled is Delete"})
	}
}

// claimOrdinal finds which ordinal a claim belongs to from its name <template>-<set>-<ordinal>.
func claimOrdinal(set *gstsv1alpha1.GameStatefulSet, claim *corev1.PersistentVolumeClaim) (int32, bool) {
	for i := range set.Spec.VolumeClaimTemplates {
		prefix := set.Spec.VolumeClaimTemplates[i].Name + "-"
		if len(claim.Name) > len(prefix) && claim.Name[:len(prefix)] == prefix {
			if ord, ok := identity.OrdinalOf(set, claim.Name[len(prefix):]); ok {
				return ord, true
			}
		}
	}
	return 0, false
}

func sortedClaimNames(claims map[string]*corev1.PersistentVolumeClaim) []string {
	names := make([]string, 0, len(claims))
	for name := range claims {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// planRollingUpdate recreates outdated pods from the highest ordinal down to the partition, keeping at most
// maxUnavailable pods unavailable: the StatefulSet's rolling update, in parallel when maxUnavailable > 1.
func planRollingUpdate(in *Input, plan *Plan, replicas []*corev1.Pod, availability *budget) {
	set := in.Set
	ordinals := in.ordinalList()
	partition := in.partition
	blocked := false
	for _, i := range updateOrder(replicas, ordinals, partition) {
		pod := replicas[i]
		if pod == nil || IsTerminating(pod) || identity.Revision(pod) == in.UpdateRevision {
			continue
		}
		// a pod already out of service costs nothing: a broken outdated pod must not block the rollout
		if !availability.take(in.serving(pod)) {
			blocked = true
			continue
		}
		if !in.gate(plan, in.preDeleteHook(), pod, "deleted") {
			continue
		}
		plan.add(Action{Type: DeletePod, Ordinal: ordinals[i], Pod: pod, Reason: fmt.Sprintf("update to revision %s", in.UpdateRevision)})
	}
	if blocked {
		plan.wait(0, "rolling update: maxUnavailable (%d) pods are unavailable", MaxUnavailable(set))
	}
}
