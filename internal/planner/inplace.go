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
	"time"

	corev1 "k8s.io/api/core/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// gracePeriod is the InplaceUpdate grace period of the set.
func gracePeriod(set *gstsv1alpha1.GameStatefulSet) time.Duration {
	if s := set.Spec.UpdateStrategy.InPlaceUpdateStrategy; s != nil {
		return time.Duration(s.GracePeriodSeconds) * time.Second
	}
	return 0
}

// inPlacePolicy is inPlaceUpdateStrategy.policy, DisOrdered when unset.
func inPlacePolicy(set *gstsv1alpha1.GameStatefulSet) gstsv1alpha1.InplaceUpdatePolicy {
	if s := set.Spec.UpdateStrategy.InPlaceUpdateStrategy; s != nil && s.Policy != "" {
		return s.Policy
	}
	return gstsv1alpha1.DisOrderedInplaceUpdatePolicy
}

func isInPlaceStrategy(set *gstsv1alpha1.GameStatefulSet) bool {
	t := set.Spec.UpdateStrategy.Type
	return t == gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType || t == gstsv1alpha1.HotPatchGameStatefulSetStrategyType
}

// updating tells whether the pod is out of service because of an in-place update: waiting out its grace period
// or restarting with new containers.
func (in *Input) updating(pod *corev1.Pod) bool {
	if inplace.InProgress(pod, identity.Revision(pod)) || lossless.Pending(pod) {
		return true
	}
	c := inplace.GateCondition(pod)
	return inplace.HasGate(pod) && c != nil && c.Status == corev1.ConditionFalse
}

// mayUpdate tells whether the strategy would move this pod to the update revision now.
func (in *Input) mayUpdate(pod *corev1.Pod, ordinal int32) bool {
	set := in.Set
	return isInPlaceStrategy(set) && !set.Spec.UpdateStrategy.Paused && ordinal >= in.partition &&
		identity.Revision(pod) != in.UpdateRevision
}

// planReadinessGates keeps the InPlaceUpdateReady condition True on every pod that is not in the middle of an
// in-place update: new pods, pods whose update completed, and pods whose grace period was cut short (partition
// raised, updates paused, rolled back).
func planReadinessGates(in *Input, plan *Plan, replicas []*corev1.Pod) {
	ordinals := in.ordinalList()
	for i, pod := range replicas {
		if pod == nil || IsTerminating(pod) || !inplace.HasGate(pod) {
			continue
		}
		c := inplace.GateCondition(pod)
		if c != nil && c.Status == corev1.ConditionTrue {
			continue
		}
		if inplace.InProgress(pod, identity.Revision(pod)) {
			continue
		}
		if _, inGrace := inplace.GraceRemaining(pod, 0, in.Now); inGrace && in.mayUpdate(pod, ordinals[i]) {
			continue
		}
		plan.add(Action{Type: MarkInPlaceReady, Ordinal: ordinals[i], Pod: pod, Reason: "no in-place update in flight"})
	}
}

// planInPlaceUpdate moves pods from the highest ordinal down to the partition to the update revision without
// recreating them, at most maxUnavailable at a time: InplaceUpdate takes each pod out of service for its grace
// period, then patches its images; HotPatchUpdate patches images at once and refuses any other change.
func planInPlaceUpdate(in *Input, plan *Plan, replicas []*corev1.Pod, availability *budget) {
	set := in.Set
	hotPatch := set.Spec.UpdateStrategy.Type == gstsv1alpha1.HotPatchGameStatefulSetStrategyType
	ordinals := in.ordinalList()
	partition := in.partition
	grace := gracePeriod(set)
	target := in.Templates[in.UpdateRevision]

	blocked := false
	// the ordered policies start one pod at a time: none while another is out of service (OrderedReady) or has
	// not got its new containers yet (OrderedUpdated)
	ordered := -1
	if policy := inPlacePolicy(set); policy != gstsv1alpha1.DisOrderedInplaceUpdatePolicy {
		ordered = 1
		for _, pod := range replicas {
			if pod != nil && ((policy == gstsv1alpha1.OrderedReadyInplaceUpdatePolicy && !in.serving(pod)) || in.updating(pod)) {
				ordered = 0
			}
		}
	}
	take := func(pod *corev1.Pod) bool {
		if ordered == 0 || !availability.take(in.serving(pod)) {
			blocked = true
			return false
		}
		if ordered > 0 {
			ordered--
		}
		return true
	}

	// pods of one revision share their change: compare each revision's template once
	changes := map[string]inplace.Change{}
	for _, i := range updateOrder(replicas, ordinals, partition) {
		pod := replicas[i]
		// a change in flight to a revision that is no longer the update revision is overtaken: the pod goes on to
		// the update revision, in place, even when the change never completes (an image that never pulls, a
		// crash loop), so that a rollback reaches it
		if pod == nil || IsTerminating(pod) || identity.Revision(pod) == in.UpdateRevision {
			continue
		}
		ordinal := ordinals[i]
		if target == nil {
			plan.wait(0, "the template of update revision %s is unknown", in.UpdateRevision)
			return
		}
		change, compared := changes[identity.Revision(pod)]
		if !compared {
			if from := in.Templates[identity.Revision(pod)]; from != nil {
				change = inplace.Compare(from, target)
			} else {
				change.NotInPlace = fmt.Sprintf("its revision %q is no longer in the history", identity.Revision(pod))
			}
			changes[identity.Revision(pod)] = change
		}

		if hotPatch && !change.Restart {
			if !change.ImagesOnly() {
				plan.Refused = append(plan.Refused, fmt.Sprintf("pod %s cannot be hot-patched to revision %s: %s",
					pod.Name, in.UpdateRevision, orDefault(change.NotInPlace, "container resources changed")))
				continue
			}
			contentOnly := lossless.Enabled(set)
			if contentOnly {
				if why := lossless.Refused(set.Spec.UpdateStrategy.HotPatchUpdateStrategy, change); why != "" {
					plan.Refused = append(plan.Refused, fmt.Sprintf("pod %s cannot be hot-patched to revision %s: %s", pod.Name, in.UpdateRevision, why))
					continue
				}
			}
			if take(pod) {
				plan.add(Action{Type: UpdateInPlace, Ordinal: ordinal, Pod: pod, Revision: in.UpdateRevision, Change: change,
					HotPatch: true, Lossless: contentOnly, Reason: fmt.Sprintf("hot-patch to revision %s", in.UpdateRevision)})
			}
			continue
		}

		if change.NotInPlace != "" {
			if take(pod) && in.gate(plan, in.preDeleteHook(), pod, "deleted") {
				plan.add(Action{Type: DeletePod, Ordinal: ordinal, Pod: pod, FallbackReason: change.NotInPlace,
					Reason: fmt.Sprintf("update to revision %s by recreation: %s", in.UpdateRevision, change.NotInPlace)})
			}
			continue
		}
		if change.ResourcesOnly() {
			if take(pod) {
				plan.add(Action{Type: ResizeInPlace, Ordinal: ordinal, Pod: pod, Revision: in.UpdateRevision, Change: change,
					Reason: fmt.Sprintf("resize to revision %s", in.UpdateRevision)})
			}
			continue
		}
		if grace > 0 && inplace.HasGate(pod) {
			if remaining, inGrace := inplace.GraceRemaining(pod, grace, in.Now); inGrace {
				if remaining > 0 {
					plan.wait(remaining, "pod %s is out of service for its grace period", pod.Name)
					continue
				}
				plan.add(Action{Type: UpdateInPlace, Ordinal: ordinal, Pod: pod, Revision: in.UpdateRevision, Change: change,
					Reason: fmt.Sprintf("in-place update to revision %s after a grace period of %s", in.UpdateRevision, grace)})
				continue
			}
			if take(pod) && in.gate(plan, in.preInplaceHook(), pod, "updated in place") {
				plan.add(Action{Type: StartGracePeriod, Ordinal: ordinal, Pod: pod, Revision: in.UpdateRevision,
					Reason: fmt.Sprintf("in-place update to revision %s in %s", in.UpdateRevision, grace)})
				plan.wait(grace, "pod %s is out of service for its grace period", pod.Name)
			}
			continue
		}
		if take(pod) && in.gate(plan, in.preInplaceHook(), pod, "updated in place") {
			plan.add(Action{Type: UpdateInPlace, Ordinal: ordinal, Pod: pod, Revision: in.UpdateRevision, Change: change,
				Reason: fmt.Sprintf("in-place update to revision %s", in.UpdateRevision)})
		}
	}
	if blocked {
		plan.wait(0, "in-place update: maxUnavailable (%d) pods are updating or unavailable", MaxUnavailable(set))
	}
}

// reportStuck names the pods whose in-place change cannot complete by itself.
func reportStuck(in *Input, plan *Plan, replicas []*corev1.Pod) {
	for _, pod := range replicas {
		if pod == nil || IsTerminating(pod) {
			continue
		}
		if why := inplace.Stuck(pod); why != "" {
			plan.Stuck = append(plan.Stuck, fmt.Sprintf("pod %s: %s", pod.Name, why))
		}
		if step, s := lossless.Next(pod, lossless.ReloadOf(in.Set)); step == lossless.Failed {
			plan.Stuck = append(plan.Stuck, fmt.Sprintf("pod %s: its game did not reload after %d attempts (%s); it holds the rollout until a new revision or its recreation",
				pod.Name, s.ReloadAttempts, s.ReloadError))
		}
	}
}

// planReloads tells the game of every pod whose content containers run their new images to reload.
func planReloads(in *Input, plan *Plan, replicas []*corev1.Pod) {
	if !lossless.Enabled(in.Set) {
		return
	}
	ordinals := in.ordinalList()
	for i, pod := range replicas {
		if pod == nil || IsTerminating(pod) {
			continue
		}
		step, s := lossless.Next(pod, lossless.ReloadOf(in.Set))
		if step != lossless.Reload {
			continue
		}
		if wait := lossless.RetryIn(s, in.Now); wait > 0 {
			plan.wait(wait, "pod %s: its game's reload failed (%s); attempt %d follows", pod.Name, s.ReloadError, s.ReloadAttempts+1)
			continue
		}
		plan.add(Action{Type: ReloadGame, Ordinal: ordinals[i], Pod: pod, Revision: identity.Revision(pod),
			Reason: "its content containers run their new images"})
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
