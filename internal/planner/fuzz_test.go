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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// maxFuzzOrdinals bounds the ordinals a fuzzed set spans, pods of removed ordinals included.
const maxFuzzOrdinals = 24

// fuzzInput builds a set and its pods from fuzzed bytes: replicas, partition and maxUnavailable (an integer or a
// percentage), pod management policy, strategy, paused, ordinals.start and, per ordinal, whether a pod exists,
// its revision and its state (pending, ready, terminating, failed; for in-place strategies ready pods may be in
// their grace period).
func fuzzInput(replicas, partitionByte, maxUnavailableByte, flags uint8, states []byte) Input {
	strategies := []gstsv1alpha1.GameStatefulSetUpdateStrategyType{gstsv1alpha1.RollingUpdateStatefulSetStrategyType,
		gstsv1alpha1.OnDeleteStatefulSetStrategyType, gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType,
		gstsv1alpha1.HotPatchGameStatefulSetStrategyType}
	intOrPercent := func(b uint8, limit int) intstr.IntOrString {
		if b&0x80 != 0 {
			return intstr.FromString(fmt.Sprintf("%d%%", int(b&0x7f)%101))
		}
		return intstr.FromInt(int(b) % limit)
	}
	n := int32(replicas % 20)
	set := newSet(n, strategy(strategies[flags>>1&3], int32(flags>>6&1)*30),
		partition(intOrPercent(partitionByte, 25)), maxUnavailable(intOrPercent(maxUnavailableByte, 8)))
	if set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Type == intstr.Int && set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.IntVal == 0 {
		// admission refuses 0
		set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr.To(intstr.FromInt(1))
	}
	if flags&1 != 0 {
		parallel(set)
	}
	set.Spec.UpdateStrategy.Paused = flags&0x08 != 0
	if start := int32(flags >> 4 & 3); start > 0 {
		set.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: start}
	}
	start := identity.StartOrdinal(set)
	var pods []*corev1.Pod
	for i, s := range states {
		if i >= maxFuzzOrdinals {
			break
		}
		if s&1 == 0 {
			continue
		}
		revision := "rev-1"
		if s&2 != 0 {
			revision = "rev-2"
		}
		var p *corev1.Pod
		switch state := podState(s >> 2 & 3); {
		case state == ready && s&0x10 != 0 && isInPlaceStrategy(set):
			p = gatedPod(set, start+int32(i), revision, corev1.ConditionFalse, 10e9)
		case state == ready && isInPlaceStrategy(set):
			p = gatedPod(set, start+int32(i), revision, corev1.ConditionTrue, 60e9)
		default:
			p = pod(set, start+int32(i), revision, state)
			if revision == "rev-1" {
				p.Spec.Containers[0].Image = "game:v1"
			}
		}
		// bits 5-6: the node the pod runs on
		p.Spec.NodeName = fmt.Sprintf("n%d", s>>5&3)
		pods = append(pods, p)
	}
	// replicas bit 4: minReadySeconds 30, with the pods of odd ordinals ready for 10 s only
	if replicas&0x10 != 0 {
		set.Spec.MinReadySeconds = 30
		for _, p := range pods {
			if ord, _ := identity.OrdinalOf(set, p.Name); ord%2 == 1 {
				for i := range p.Status.Conditions {
					if p.Status.Conditions[i].Type == corev1.PodReady {
						p.Status.Conditions[i].LastTransitionTime = metav1.NewTime(now.Add(-10 * time.Second))
					}
				}
			}
		}
	}
	in := inPlaceInput(set, pods...)
	// replicas bit 7: claims deleted with the set and on scale-down, one per fuzzed ordinal; bit 7 of an
	// ordinal's state gives its claim another controller
	if replicas&0x80 != 0 {
		withClaims(set)
		retention(gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType, gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType)(set)
		for i, st := range states {
			if i >= maxFuzzOrdinals {
				break
			}
			for _, claim := range identity.NewClaims(set, start+int32(i)) {
				if st&0x80 != 0 {
					claim.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "other", UID: "other", Controller: ptr.To(true)}}
				}
				in.Claims[claim.Name] = claim
			}
		}
	}
	// flags bit 7: lost-node migration on, with the first (replicas>>5 & 3) of the four nodes lost for an hour
	if flags&0x80 != 0 {
		in.LostNodeThreshold = time.Minute
		in.Nodes = map[string]*corev1.Node{}
		for k := range 4 {
			lostFor := time.Duration(0)
			if k < int(replicas>>5&3) {
				lostFor = time.Hour
			}
			in.Nodes[fmt.Sprintf("n%d", k)] = lostNode(fmt.Sprintf("n%d", k), lostFor)
		}
	}
	return in
}

// FuzzCompute checks the invariants every plan keeps, whatever the set and its pods: never two pods with one
// ordinal, never an update below the partition, never more pods taken out of service than maxUnavailable allows.
// A short run is part of `make test`; docs/operations.md has longer ones.
func FuzzCompute(f *testing.F) {
	f.Add(uint8(5), uint8(3), uint8(1), uint8(0), []byte{0x05, 0x05, 0x05, 0x05, 0x05})
	f.Add(uint8(10), uint8(0x80|50), uint8(0x80|25), uint8(0x01), []byte{5, 7, 5, 7, 5, 5, 1, 9, 13, 5, 5, 5})
	f.Add(uint8(6), uint8(0), uint8(2), uint8(0x04), []byte{5, 5, 0x15, 5, 7, 5, 5})
	f.Add(uint8(4), uint8(1), uint8(3), uint8(0x47), []byte{5, 5, 5, 5, 5, 5})
	f.Add(uint8(3), uint8(0), uint8(1), uint8(0x28), []byte{5, 5, 5, 5, 5, 5, 5})
	f.Fuzz(func(t *testing.T, replicas, partitionByte, maxUnavailableByte, flags uint8, states []byte) {
		in := fuzzInput(replicas, partitionByte, maxUnavailableByte, flags, states)
		checkPlan(t, in, Compute(in))
	})
}

// checkPlan checks the invariants every plan keeps: never two pods with one ordinal, none outside the set's
// ordinals (reserved ones included), never an update below the partition, never more pods taken out of service
// than maxUnavailable allows, never a claim deleted while its ordinal has a pod.
func checkPlan(t *testing.T, in Input, plan Plan) {
	t.Helper()
	checkProgress(t, in, plan)
	// a pod whose pre-delete or pre-inplace hook runs is out of service already: serving says so from the runs
	in.indexRuns()
	{
		set := in.Set
		desired := map[int32]bool{}
		for _, ord := range in.ordinalList() {
			desired[ord] = true
		}
		partitionOrdinal := PartitionOrdinal(set)

		existing := map[int32]*corev1.Pod{}
		for _, p := range in.Pods {
			ord, ok := identity.OrdinalOf(set, p.Name)
			if !ok {
				t.Fatalf("pod %s has no ordinal", p.Name)
			}
			existing[ord] = p
		}
		// pods out of service before the plan, among the ordinals the set keeps
		unavailable := 0
		for ord := range desired {
			p := existing[ord]
			if p == nil || !in.serving(p) {
				unavailable++
			}
		}

		// the same, leaving out the pods of lost nodes: the room moves off lost nodes have
		downOffLost := 0
		lostSince := map[string]time.Time{}
		for name, node := range in.Nodes {
			if since, lost := NodeLostSince(node); lost {
				lostSince[name] = since
			}
		}
		downOffLost = in.downOffLostNodes(lostSince)

		// a claim is never deleted while the plan saw a pod of its ordinal, even one it moves off a lost node:
		// that pod's process may still run there and write to it
		hadPod := map[int32]bool{}
		for ord := range existing {
			hadPod[ord] = true
		}
		created := map[int32]bool{}
		disrupted := map[int32]bool{}
		moves := 0
		for _, a := range plan.Actions {
			switch a.Type {
			case ReserveOrdinals:
				chosen := map[int32]bool{}
				allocatedChosen := false
				for _, ord := range a.Ordinals {
					chosen[ord] = true
					if p := existing[ord]; p != nil && p.Labels[StateLabel] == StateAllocated {
						allocatedChosen = true
					}
				}
				for ord, p := range existing {
					if allocatedChosen && !chosen[ord] && !IsTerminating(p) && !identity.IsReserved(set, ord) &&
						ord >= identity.StartOrdinal(set) && p.Labels[StateLabel] != StateAllocated {
						t.Fatalf("an Allocated server chosen while pod %s (%q) could go: %v", p.Name, p.Labels[StateLabel], describe(plan))
					}
				}
			case DeleteClaim, AdoptClaim, ReleaseClaim:
				claim := a.Claims[0]
				if ref := metav1.GetControllerOf(claim); ref != nil && ref.UID != set.UID {
					t.Fatalf("%s of claim %s, which %s %s controls: %v", a.Type, claim.Name, ref.Kind, ref.Name, describe(plan))
				}
				if a.Type == DeleteClaim && (hadPod[a.Ordinal] || desired[a.Ordinal]) {
					t.Fatalf("claim %s deleted while its ordinal has a pod or is kept: %v", claim.Name, describe(plan))
				}
			case ForceDeletePod:
				moves++
				// forced out: its ordinal is recreated in the same pass
				delete(existing, a.Ordinal)
				if _, lost := lostSince[a.Pod.Spec.NodeName]; !lost {
					t.Fatalf("pod %s moved off node %s, which is not lost: %v", a.Pod.Name, a.Pod.Spec.NodeName, describe(plan))
				}
				if plan.MigrationHeld != "" {
					t.Fatalf("pod %s moved while migrations are held: %v", a.Pod.Name, describe(plan))
				}
				if p := a.Pod; in.serving(p) && desired[a.Ordinal] {
					disrupted[a.Ordinal] = true
				}
			case CreatePod:
				if created[a.Ordinal] || existing[a.Ordinal] != nil {
					t.Fatalf("a second pod for ordinal %d: %v", a.Ordinal, describe(plan))
				}
				created[a.Ordinal] = true
				if !desired[a.Ordinal] {
					t.Fatalf("pod created for ordinal %d, not one of the set's %v: %v", a.Ordinal, in.ordinalList(), describe(plan))
				}
				// OnDelete has no partition: a pod a person deleted comes back at the update revision
				if onDelete := set.Spec.UpdateStrategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType; !onDelete &&
					a.Ordinal < partitionOrdinal && a.Revision != in.CurrentRevision {
					t.Fatalf("pod %d below the partition %d created at %s: %v", a.Ordinal, partitionOrdinal, a.Revision, describe(plan))
				}
			case DeletePod, UpdateInPlace, StartGracePeriod, ResizeInPlace:
				p := existing[a.Ordinal]
				if a.Pod != p {
					t.Fatalf("%s %d acts on a pod that is not the ordinal's", a.Type, a.Ordinal)
				}
				if !desired[a.Ordinal] || IsFailed(p) {
					continue // scale-down and recreation of failed pods are not updates
				}
				if a.Type == DeletePod && set.Spec.UpdateStrategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType {
					t.Fatalf("OnDelete deleted pod %d: %v", a.Ordinal, describe(plan))
				}
				if a.Ordinal < partitionOrdinal {
					t.Fatalf("%s of pod %d below the partition %d: %v", a.Type, a.Ordinal, partitionOrdinal, describe(plan))
				}
				if set.Spec.UpdateStrategy.Paused {
					t.Fatalf("%s of pod %d while paused: %v", a.Type, a.Ordinal, describe(plan))
				}
				if in.serving(p) {
					disrupted[a.Ordinal] = true
				}
			}
		}
		setOrdinals := map[int32]bool{}
		for _, ord := range identity.Ordinals(set) {
			setOrdinals[ord] = true
		}
		surged, createdNow := int32(0), 0
		for ord := range created {
			createdNow++
			if !setOrdinals[ord] {
				surged++
			}
		}
		for ord, p := range existing {
			if desired[ord] && !setOrdinals[ord] && !IsTerminating(p) {
				surged++
			}
		}
		if surged > MaxSurge(set) {
			t.Fatalf("%d surge pods with maxSurge %d: %v", surged, MaxSurge(set), describe(plan))
		}
		if set.Spec.PodManagementPolicy == gstsv1alpha1.ParallelPodManagement && createdNow > 0 {
			// the pods moved off lost nodes in this plan are gone: their ordinals are recreated
			// with the plan's ordinals: the surge is decided before the moves, from every pod
			remaining := in
			remaining.Pods, remaining.ordinals = nil, in.ordinalList()
			for _, p := range in.Pods {
				if ord, _ := identity.OrdinalOf(set, p.Name); existing[ord] == p {
					remaining.Pods = append(remaining.Pods, p)
				}
			}
			replicasNow, _ := remaining.slots()
			if starting := remaining.starting(replicasNow); starting+createdNow > CreateBatch(set) {
				t.Fatalf("%d pods created with %d starting and createBatch %d: %v", createdNow, starting, CreateBatch(set), describe(plan))
			}
		}
		if budget := max(0, MaxUnavailable(set)-downOffLost); moves > budget {
			t.Fatalf("%d pods moved off lost nodes with %d down otherwise and maxUnavailable %d: %v", moves, downOffLost, MaxUnavailable(set), describe(plan))
		}
		if budget := max(0, MaxUnavailable(set)-unavailable); len(disrupted) > budget {
			t.Fatalf("%d available pods taken out of service with %d unavailable and maxUnavailable %d: %v",
				len(disrupted), unavailable, MaxUnavailable(set), describe(plan))
		}
	}
}

// FuzzComputeWithHooks adds pre-delete and pre-inplace hooks to the fuzzed sets, with a run in any phase (or none)
// for each pod: a running pod is never deleted or updated in place before its hook succeeded, and the pods whose
// hooks run count against maxUnavailable.
func FuzzComputeWithHooks(f *testing.F) {
	f.Add(uint8(3), uint8(0), uint8(1), uint8(0x01), []byte{0x05, 0x07, 0x05, 0x05}, uint8(3), []byte{2, 1, 0, 3}, uint8(0))
	f.Add(uint8(4), uint8(0), uint8(2), uint8(0x05), []byte{0x05, 0x05, 0x05, 0x05}, uint8(1), []byte{1, 2, 2, 0}, uint8(0x0a))
	f.Add(uint8(5), uint8(0), uint8(2), uint8(0x01), []byte{0x05, 0x05, 0x07, 0x05, 0x05}, uint8(0), []byte{0, 0, 0, 0, 0}, uint8(0x12))
	f.Fuzz(func(t *testing.T, replicas, partitionByte, maxUnavailableByte, flags uint8, states []byte, hooks uint8, phases []byte, fleet uint8) {
		in := fuzzInput(replicas, partitionByte, maxUnavailableByte, flags, states)
		set := in.Set
		// fleet bits 0-2: maxSurge; 3-5: createBatch (0: unset); 6: the OrderedReady in-place policy; 7: no readiness gate
		set.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(int32(fleet & 7)))
		if b := int32(fleet >> 3 & 7); b > 0 {
			set.Spec.ScaleStrategy = &gstsv1alpha1.GameStatefulSetScaleStrategy{CreateBatch: ptr.To(intstr.FromInt32(b))}
		}
		if fleet&0x40 != 0 {
			set.Spec.UpdateStrategy.InPlaceUpdateStrategy = &gstsv1alpha1.InPlaceUpdateStrategy{Policy: gstsv1alpha1.OrderedReadyInplaceUpdatePolicy}
		}
		set.Spec.DisableReadinessGate = fleet&0x80 != 0
		// hooks bits 3-7: a reserved ordinal, or a range of two from it
		if r := int32(hooks >> 3); r != 0 {
			from := identity.StartOrdinal(set) + r%12
			set.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromInt32(from)}
			if r&0x10 != 0 {
				set.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromString(fmt.Sprintf("%d-%d", from, from+1))}
			}
		}
		if hooks&1 != 0 {
			set.Spec.PreDeleteUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drain"}
			set.Spec.PreDeleteUpdateStrategy.RetryUnexpectedHooks = hooks&4 != 0
		}
		if hooks&2 != 0 {
			set.Spec.PreInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drain"}
		}
		runPhases := []gstsv1alpha1.HookPhase{"", gstsv1alpha1.HookPhaseRunning, gstsv1alpha1.HookPhaseSuccessful, gstsv1alpha1.HookPhaseFailed}
		successful := map[string]bool{}
		for i, p := range in.Pods {
			if i >= len(phases) {
				break
			}
			// bits 2-3: the game server's state
			states := []string{"", StateWaitToBeDeleted, StateMaintaining, StateAllocated}
			if state := states[int(phases[i]>>2)%len(states)]; state != "" {
				p.Labels[StateLabel] = state
			}
			phase := runPhases[int(phases[i])%len(runPhases)]
			if phase == "" {
				continue
			}
			for _, kind := range []hook.Kind{hook.KindPreDelete, hook.KindPreInplace} {
				run := runFor(set, kind, p, phase)
				in.HookRuns = append(in.HookRuns, run)
				if phase == gstsv1alpha1.HookPhaseSuccessful {
					successful[run.Name] = true
				}
			}
		}
		plan := Compute(in)
		checkPlan(t, in, plan)
		gateOf := func(kind hook.Kind, p *corev1.Pod) string {
			ord, _ := identity.OrdinalOf(set, p.Name)
			return hook.PodRunName(kind, identity.Revision(p), ord, "drain")
		}
		for _, a := range plan.Actions {
			p := a.Pod
			if p == nil || p.Status.Phase != corev1.PodRunning {
				continue
			}
			switch {
			case a.Type == DeletePod && hooks&1 != 0:
				if !successful[gateOf(hook.KindPreDelete, p)] {
					t.Fatalf("running pod %s deleted before its pre-delete hook succeeded: %v", p.Name, describe(plan))
				}
			case (a.Type == StartGracePeriod || (a.Type == UpdateInPlace && !a.HotPatch)) && hooks&3 != 0:
				kind := hook.KindPreInplace
				if hooks&2 == 0 {
					kind = hook.KindPreDelete
				}
				if !successful[gateOf(kind, p)] && !(a.Type == UpdateInPlace && in.updating(p)) {
					t.Fatalf("running pod %s updated in place before its %s hook succeeded: %v", p.Name, kind, describe(plan))
				}
			}
		}
	})
}

// checkProgress: no more pods wait than there are, none since a time after now; the deadline is exceeded only when the last progress is that far back.
func checkProgress(t *testing.T, in Input, plan Plan) {
	t.Helper()
	progress, waiting := plan.Progress, 0
	for _, w := range progress.Waiting {
		waiting += w.Pods
		if w.Pods <= 0 || w.Since.After(in.Now) {
			t.Fatalf("waiting %+v at %s", w, in.Now)
		}
	}
	if waiting > len(in.Pods) {
		t.Fatalf("%d pods waiting of %d: %+v", waiting, len(in.Pods), progress.Waiting)
	}
	if progress.Exceeded != (!progress.Last.IsZero() && in.Now.Sub(progress.Last) > progress.Deadline) {
		t.Fatalf("exceeded %v with last progress %s, deadline %s, now %s", progress.Exceeded, progress.Last, progress.Deadline, in.Now)
	}
	if plan.RequeueAfter < 0 {
		t.Fatalf("requeue after %s", plan.RequeueAfter)
	}
}
