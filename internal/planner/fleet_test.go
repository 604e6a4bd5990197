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
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func reserve(ordinals ...intstr.IntOrString) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.ReserveOrders = ordinals }
}

func TestReservingARunningOrdinalRemovesItsPodAndCreatesTheNext(t *testing.T) {
	set := newSet(3, reserve(intstr.FromInt32(1)))
	pods := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready)}
	in := input(set, pods...)
	in.CurrentRevision = "rev-2"
	// OrderedReady: the missing ordinal 3 first, as a StatefulSet creates before it deletes
	expectActions(t, Compute(in), "CreatePod 3 rev-2")
	in.Pods = append(in.Pods, pod(set, 3, "rev-2", ready))
	expectActions(t, Compute(in), "DeletePod 1")

	parallelSet := newSet(3, parallel, reserve(intstr.FromInt32(1)))
	in = input(parallelSet, pod(parallelSet, 0, "rev-2", ready), pod(parallelSet, 1, "rev-2", ready), pod(parallelSet, 2, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in), "CreatePod 3 rev-2", "DeletePod 1")
}

func TestAReservedOrdinalGoesThroughThePreDeleteHook(t *testing.T) {
	set := newSet(2, parallel, reserve(intstr.FromInt32(0)), preDelete(false))
	in := input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in), "CreateHookRun 0", "MarkPodDeleting 0")
}

func TestReservationsAboveTheRangeWaitForAScaleUp(t *testing.T) {
	set := newSet(2, parallel, reserve(intstr.FromString("3-4")))
	in := input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in))
	set.Spec.Replicas = ptr.To(int32(4))
	expectActions(t, Compute(in), "CreatePod 2 rev-2", "CreatePod 5 rev-2")
}

func TestPartitionCountsTheSetsPodsAcrossGaps(t *testing.T) {
	// ordinals 0, 2, 3: partition 1 keeps pod 0, the one pod below it, and updates 2 and 3
	set := newSet(3, parallel, reserve(intstr.FromInt32(1)), partition(intstr.FromInt32(1)), maxUnavailable(intstr.FromInt32(3)))
	in := input(set, pod(set, 0, "rev-1", ready), pod(set, 2, "rev-1", ready), pod(set, 3, "rev-1", ready))
	expectActions(t, Compute(in), "DeletePod 3", "DeletePod 2")
	if got := PartitionOrdinal(set); got != 2 {
		t.Errorf("partition ordinal %d, want 2", got)
	}
}

func TestClaimsOfReservedOrdinalsFollowWhenScaled(t *testing.T) {
	set := newSet(2, parallel, reserve(intstr.FromInt32(1)))
	withClaims(set)
	retention(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType, gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType)(set)
	in := input(set, pod(set, 0, "rev-2", ready), pod(set, 2, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	for _, ord := range []int32{0, 1, 2} {
		for _, claim := range identity.NewClaims(set, ord) {
			in.Claims[claim.Name] = claim
		}
	}
	expectActions(t, Compute(in), "DeleteClaim data-web-1")
}

func labelled(p *corev1.Pod, kv ...string) *corev1.Pod {
	for i := 0; i+1 < len(kv); i += 2 {
		p.Labels[kv[i]] = kv[i+1]
	}
	return p
}

func reserved(plan Plan) []int32 {
	for _, a := range plan.Actions {
		if a.Type == ReserveOrdinals {
			return a.Ordinals
		}
	}
	return nil
}

func TestScaleDownRemovesTheChosenServers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		labels map[int32][]string
		from   int32
		to     int32
		want   []int32 // reserved; nil: the plain scale-down of the highest ordinals
	}{
		{"no states: the highest ordinal", nil, 4, 3, nil},
		{"WaitToBeDeleted first", map[int32][]string{1: {StateLabel, StateWaitToBeDeleted}}, 4, 3, []int32{1}},
		{"two chosen servers", map[int32][]string{0: {StateLabel, StateWaitToBeDeleted}, 2: {StateLabel, StateWaitToBeDeleted}}, 4, 2, []int32{0, 2}},
		{"Allocated servers are spared", map[int32][]string{3: {StateLabel, StateAllocated}, 2: {StateLabel, StateAllocated}}, 4, 3, []int32{1}},
		{"Maintaining before Allocated", map[int32][]string{0: {StateLabel, StateMaintaining}, 1: {StateLabel, StateAllocated},
			2: {StateLabel, StateAllocated}, 3: {StateLabel, StateAllocated}}, 4, 3, []int32{0}},
		{"all Allocated: the highest ordinal", map[int32][]string{0: {StateLabel, StateAllocated}, 1: {StateLabel, StateAllocated},
			2: {StateLabel, StateAllocated}, 3: {StateLabel, StateAllocated}}, 4, 3, nil},
		{"deletion priority within a state", map[int32][]string{1: {DeletionPriorityLabel, "10"}, 2: {DeletionPriorityLabel, "5"}}, 4, 2, []int32{1, 2}},
		{"a chosen server beyond the kept range too", map[int32][]string{1: {StateLabel, StateWaitToBeDeleted}, 3: {DeletionPriorityLabel, "1"}}, 4, 2, []int32{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := newSet(tc.to, parallel)
			var pods []*corev1.Pod
			for ord := range tc.from {
				pods = append(pods, labelled(pod(set, ord, "rev-2", ready), tc.labels[ord]...))
			}
			in := input(set, pods...)
			in.CurrentRevision = "rev-2"
			plan := Compute(in)
			got := reserved(plan)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("reserved %v, want %v (%v)", got, tc.want, describe(plan))
			}
			if tc.want == nil {
				return
			}
			for _, a := range plan.Actions {
				if a.Type == DeletePod {
					t.Fatalf("deleted before the reservation: %v", describe(plan))
				}
			}
			// once reserved, exactly the chosen servers go
			for _, ord := range got {
				set.Spec.ReserveOrders = append(set.Spec.ReserveOrders, intstr.FromInt32(ord))
			}
			var deleted []int32
			for _, a := range Compute(in).Actions {
				if a.Type == DeletePod {
					deleted = append(deleted, a.Ordinal)
				}
			}
			sort.Slice(deleted, func(i, j int) bool { return deleted[i] < deleted[j] })
			if fmt.Sprint(deleted) != fmt.Sprint(tc.want) {
				t.Errorf("deleted %v, want %v", deleted, tc.want)
			}
		})
	}
}

func TestAMissingPodIsCreatedBeforeAChosenScaleDown(t *testing.T) {
	set := newSet(2, parallel)
	in := input(set, labelled(pod(set, 0, "rev-2", ready), StateLabel, StateWaitToBeDeleted), pod(set, 2, "rev-2", ready), pod(set, 3, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	plan := Compute(in)
	if got := reserved(plan); got != nil {
		t.Errorf("reserved %v around the missing pod 1", got)
	}
	// the missing pod is created, and no server goes before the choice can be made
	expectActions(t, plan, "CreatePod 1 rev-2")
}

func TestReplaceLabelRecreatesThePodWithinMaxUnavailable(t *testing.T) {
	set := newSet(3, parallel)
	in := input(set, labelled(pod(set, 0, "rev-2", ready), ReplaceLabel, "true"), labelled(pod(set, 1, "rev-2", ready), ReplaceLabel, "true"),
		pod(set, 2, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in), "DeletePod 0")
	gated := newSet(3, parallel, preDelete(false))
	in.Set = gated
	expectActions(t, Compute(in), "CreateHookRun 0", "MarkPodDeleting 0")
}

func TestUpdatePriorityOrdersTheUpdate(t *testing.T) {
	set := newSet(4, parallel)
	in := input(set, pod(set, 0, "rev-1", ready), labelled(pod(set, 1, "rev-1", ready), UpdatePriorityLabel, "100"),
		pod(set, 2, "rev-1", ready), pod(set, 3, "rev-1", ready))
	expectActions(t, Compute(in), "DeletePod 1")
	// the partition still holds: pod 1 is below partition 2
	set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(2))}
	expectActions(t, Compute(in), "DeletePod 3")
}

func surge(n int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		if set.Spec.UpdateStrategy.RollingUpdate == nil {
			set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{}
		}
		set.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr.To(intstr.FromInt32(n))
	}
}

func TestMaxSurgeCreatesUpdatedPodsBeforeOldOnesGo(t *testing.T) {
	set := newSet(3, parallel, surge(2), maxUnavailable(intstr.FromInt32(2)))
	old := []*corev1.Pod{pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready), pod(set, 2, "rev-1", ready)}
	// the two surge pods first: while they start, the budget is spent
	plan := Compute(input(set, old...))
	expectActions(t, plan, "CreatePod 3 rev-2", "CreatePod 4 rev-2")
	if plan.Surge != 2 {
		t.Errorf("surge %d", plan.Surge)
	}
	// surge pods ready: two old pods go
	withSurge := append(append([]*corev1.Pod(nil), old...), pod(set, 3, "rev-2", ready), pod(set, 4, "rev-2", ready))
	expectActions(t, Compute(input(set, withSurge...)), "DeletePod 2", "DeletePod 1")
	// one old pod left to update: one surge pod is enough, the other goes
	oneLeft := []*corev1.Pod{pod(set, 0, "rev-1", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready), pod(set, 3, "rev-2", ready), pod(set, 4, "rev-2", ready)}
	expectActions(t, Compute(input(set, oneLeft...)), "DeletePod 4", "DeletePod 0")
	// all updated: the surge pods go, and only then does the current revision move
	done := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready), pod(set, 3, "rev-2", ready)}
	expectActions(t, Compute(input(set, done...)), "DeletePod 3")
	if s := Status(input(set, done...), ""); s.CurrentRevision != "rev-1" {
		t.Errorf("current revision %s while a surge pod exists", s.CurrentRevision)
	}
}

func TestMaxSurgeOnlyForParallelUpdates(t *testing.T) {
	ordered := newSet(3, surge(2))
	expectActions(t, Compute(input(ordered, pod(ordered, 0, "rev-1", ready), pod(ordered, 1, "rev-1", ready), pod(ordered, 2, "rev-1", ready))), "DeletePod 2")
	settled := newSet(3, parallel, surge(2))
	in := input(settled, pod(settled, 0, "rev-2", ready), pod(settled, 1, "rev-2", ready), pod(settled, 2, "rev-2", ready))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in))
}

func TestCreateBatchLimitsStartingPods(t *testing.T) {
	set := newSet(5, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.ScaleStrategy = &gstsv1alpha1.GameStatefulSetScaleStrategy{CreateBatch: ptr.To(intstr.FromInt32(2))}
	})
	expectActions(t, Compute(input(set)), "CreatePod 0 rev-2", "CreatePod 1 rev-2")
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", pending), pod(set, 1, "rev-2", ready))), "CreatePod 2 rev-2")
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready))), "CreatePod 2 rev-2", "CreatePod 3 rev-2")
	set.Spec.ScaleStrategy.CreateBatch = ptr.To(intstr.FromString("100%"))
	expectActions(t, Compute(input(set)), "CreatePod 0 rev-2", "CreatePod 1 rev-2", "CreatePod 2 rev-2", "CreatePod 3 rev-2", "CreatePod 4 rev-2")
}

func TestOrderedInPlacePolicyUpdatesOnePodAtATime(t *testing.T) {
	set := newSet(3, parallel, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0), maxUnavailable(intstr.FromInt32(3)),
		func(set *gstsv1alpha1.GameStatefulSet) {
			set.Spec.UpdateStrategy.InPlaceUpdateStrategy.Policy = gstsv1alpha1.OrderedReadyInplaceUpdatePolicy
		})
	in := inPlaceInput(set, gatedPod(set, 0, "rev-1", corev1.ConditionTrue, 60e9), gatedPod(set, 1, "rev-1", corev1.ConditionTrue, 60e9),
		gatedPod(set, 2, "rev-1", corev1.ConditionTrue, 60e9))
	expectActions(t, Compute(in), "UpdateInPlace 2")
	set.Spec.UpdateStrategy.InPlaceUpdateStrategy.Policy = gstsv1alpha1.DisOrderedInplaceUpdatePolicy
	expectActions(t, Compute(in), "UpdateInPlace 2", "UpdateInPlace 1", "UpdateInPlace 0")
}

func TestDisableReadinessGateLeavesTheGateOut(t *testing.T) {
	for _, disable := range []func(*gstsv1alpha1.GameStatefulSet){
		func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.DisableReadinessGate = true },
		func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.WithoutReadiness = true },
	} {
		set := newSet(1, disable, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType
		})
		if p := identity.NewPod(set, &set.Spec.Template, "rev-1", 0); len(p.Spec.ReadinessGates) != 0 {
			t.Errorf("readiness gates %v", p.Spec.ReadinessGates)
		}
	}
}

func TestARestartRecreatesPodsUnderEveryStrategy(t *testing.T) {
	for _, strategyType := range []gstsv1alpha1.GameStatefulSetUpdateStrategyType{gstsv1alpha1.RollingUpdateStatefulSetStrategyType,
		gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, gstsv1alpha1.HotPatchGameStatefulSetStrategyType} {
		set := newSet(2, strategy(strategyType, 0))
		set.Spec.Template.Spec.Containers[0].Image = "game:v1"
		set.Spec.Template.Annotations = map[string]string{"tkex.tencent.com/restartedAt": "2026-12-01T12:00:00Z"}
		in := inPlaceInput(set, pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready))
		in.Templates["rev-1"].Annotations = nil
		plan := Compute(in)
		var updates []string
		for _, line := range describe(plan) {
			if line != "MarkInPlaceReady 0" && line != "MarkInPlaceReady 1" {
				updates = append(updates, line)
			}
		}
		if fmt.Sprint(updates) != "[DeletePod 1]" {
			t.Errorf("%s: %v, want the highest pod recreated", strategyType, describe(plan))
		}
		if len(plan.Refused) > 0 {
			t.Errorf("%s refused the restart: %v", strategyType, plan.Refused)
		}
	}
}
