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
