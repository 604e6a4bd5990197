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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

var now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newSet(replicas int32, mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "set-uid"},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			Replicas:            ptr.To(replicas),
			Selector:            &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			ServiceName:         "web",
			PodManagementPolicy: gstsv1alpha1.OrderedReadyPodManagement,
			UpdateStrategy:      gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.RollingUpdateStatefulSetStrategyType},
		},
	}
	set.Spec.Template.Labels = map[string]string{"app": "web"}
	for _, m := range mutate {
		m(set)
	}
	return set
}

func parallel(set *gstsv1alpha1.GameStatefulSet) {
	set.Spec.PodManagementPolicy = gstsv1alpha1.ParallelPodManagement
}

func partition(p intstr.IntOrString) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		if set.Spec.UpdateStrategy.RollingUpdate == nil {
			set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{}
		}
		set.Spec.UpdateStrategy.RollingUpdate.Partition = &p
	}
}

func maxUnavailable(m intstr.IntOrString) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		if set.Spec.UpdateStrategy.RollingUpdate == nil {
			set.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{}
		}
		set.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = &m
	}
}

type podState int

const (
	pending podState = iota
	ready
	terminating
	failed
)

func pod(set *gstsv1alpha1.GameStatefulSet, ordinal int32, revision string, state podState) *corev1.Pod {
	p := identity.NewPod(set, &set.Spec.Template, revision, ordinal)
	p.UID = types.UID("uid-" + p.Name)
	switch state {
	case ready, terminating:
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(now.Add(-time.Hour))}}
		if state == terminating {
			p.DeletionTimestamp = &metav1.Time{Time: now}
		}
	case failed:
		p.Status.Phase = corev1.PodFailed
	default:
		p.Status.Phase = corev1.PodPending
	}
	return p
}

func input(set *gstsv1alpha1.GameStatefulSet, pods ...*corev1.Pod) Input {
	return Input{Set: set, CurrentRevision: "rev-1", UpdateRevision: "rev-2", Pods: pods, Claims: map[string]*corev1.PersistentVolumeClaim{}, Now: now}
}

// describe renders a plan as "CreatePod 0 rev-2" lines, for compact expectations.
func describe(plan Plan) []string {
	var out []string
	for _, a := range plan.Actions {
		switch a.Type {
		case CreatePod:
			out = append(out, fmt.Sprintf("%s %d %s", a.Type, a.Ordinal, a.Revision))
		case DeleteClaim, AdoptClaim, ReleaseClaim:
			out = append(out, fmt.Sprintf("%s %s", a.Type, a.Claims[0].Name))
		default:
			out = append(out, fmt.Sprintf("%s %d", a.Type, a.Ordinal))
		}
	}
	return out
}

func expectActions(t *testing.T, plan Plan, want ...string) {
	t.Helper()
	got := describe(plan)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("actions:\n got  %q\n want %q\n(waiting: %q)", got, want, plan.Waiting)
	}
}

func TestOrderedReadyCreatesOnePodAtATime(t *testing.T) {
	set := newSet(3)
	expectActions(t, Compute(input(set)), "CreatePod 0 rev-2")
	plan := Compute(input(set, pod(set, 0, "rev-2", pending)))
	expectActions(t, plan)
	if plan.Waiting == "" {
		t.Fatal("a pending pod must make OrderedReady wait")
	}
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", ready))), "CreatePod 1 rev-2")
}

func TestParallelCreatesAllMissingPods(t *testing.T) {
	set := newSet(3, parallel)
	expectActions(t, Compute(input(set, pod(set, 1, "rev-2", pending))), "CreatePod 0 rev-2", "CreatePod 2 rev-2")
}

func TestOrdinalsStartShiftsNames(t *testing.T) {
	set := newSet(2, parallel, func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: 5}
	})
	expectActions(t, Compute(input(set)), "CreatePod 5 rev-2", "CreatePod 6 rev-2")
	// pod 0 is outside [5, 7): it is removed
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", ready), pod(set, 5, "rev-2", ready), pod(set, 6, "rev-2", ready))), "DeletePod 0")
}

func TestOrderedReadyScaleDownIsReverseAndOneAtATime(t *testing.T) {
	set := newSet(1)
	pods := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready)}
	expectActions(t, Compute(input(set, pods...)), "DeletePod 2")
	pods[2] = pod(set, 2, "rev-2", terminating)
	expectActions(t, Compute(input(set, pods...)))
}

func TestOrderedReadyScaleDownHaltsOnUnhealthyPod(t *testing.T) {
	set := newSet(1)
	plan := Compute(input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", pending), pod(set, 2, "rev-2", ready)))
	expectActions(t, plan)
	if plan.Waiting == "" {
		t.Fatal("expected a wait on the unhealthy pod")
	}
}

func TestParallelScaleDownDeletesAllCondemned(t *testing.T) {
	set := newSet(1, parallel)
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", pending), pod(set, 2, "rev-2", ready))),
		"DeletePod 2", "DeletePod 1")
}

func TestFailedPodIsDeletedForRecreation(t *testing.T) {
	set := newSet(2)
	expectActions(t, Compute(input(set, pod(set, 0, "rev-2", failed), pod(set, 1, "rev-2", ready))), "DeletePod 0")
}

func TestRecreatedPodBelowPartitionKeepsCurrentRevision(t *testing.T) {
	set := newSet(5, parallel, partition(intstr.FromInt32(3)))
	plan := Compute(input(set, pod(set, 1, "rev-1", ready), pod(set, 2, "rev-1", ready), pod(set, 3, "rev-2", ready), pod(set, 4, "rev-2", ready)))
	expectActions(t, plan, "CreatePod 0 rev-1")
}

func readyPods(set *gstsv1alpha1.GameStatefulSet, revision string, n int32) []*corev1.Pod {
	pods := make([]*corev1.Pod, n)
	for i := range n {
		pods[i] = pod(set, i, revision, ready)
	}
	return pods
}

func TestRollingUpdateFromHighestOrdinalDownToPartition(t *testing.T) {
	set := newSet(5, partition(intstr.FromInt32(3)))
	pods := readyPods(set, "rev-1", 5)
	expectActions(t, Compute(input(set, pods...)), "DeletePod 4")
	// while pod 4 is recreated, nothing else moves (maxUnavailable 1)
	pods[4] = pod(set, 4, "rev-2", pending)
	expectActions(t, Compute(input(set, pods...)))
	pods[4] = pod(set, 4, "rev-2", ready)
	expectActions(t, Compute(input(set, pods...)), "DeletePod 3")
	pods[3] = pod(set, 3, "rev-2", ready)
	// partition 3: pods 0..2 stay
	plan := Compute(input(set, pods...))
	expectActions(t, plan)
	status := Status(input(set, pods...), "app=web")
	if status.CurrentReplicas != 3 || status.UpdatedReplicas != 2 || status.ReadyReplicas != 5 {
		t.Fatalf("the reference walkthrough shows CURRENT 3 / UPDATED 2 / READY 5, got %d / %d / %d",
			status.CurrentReplicas, status.UpdatedReplicas, status.ReadyReplicas)
	}
}

func TestPartitionPercentageRoundsUp(t *testing.T) {
	cases := []struct {
		replicas  int32
		partition intstr.IntOrString
		want      int32
	}{
		{5, intstr.FromString("40%"), 2},
		{5, intstr.FromString("50%"), 3},
		{5, intstr.FromString("0%"), 0},
		{5, intstr.FromString("100%"), 5},
		{5, intstr.FromInt32(7), 5},
		{4, intstr.FromInt32(0), 0},
	}
	for _, c := range cases {
		if got := PartitionOrdinal(newSet(c.replicas, partition(c.partition))); got != c.want {
			t.Errorf("replicas %d partition %s: got %d, want %d", c.replicas, c.partition.String(), got, c.want)
		}
	}
	withStart := newSet(4, partition(intstr.FromInt32(1)), func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: 10}
	})
	if got := PartitionOrdinal(withStart); got != 11 {
		t.Errorf("partition is counted from ordinals.start: got %d, want 11", got)
	}
}

func TestMaxUnavailable(t *testing.T) {
	cases := []struct {
		replicas int32
		max      *intstr.IntOrString
		want     int
	}{
		{10, nil, 1},
		{10, ptr.To(intstr.FromInt32(3)), 3},
		{10, ptr.To(intstr.FromString("25%")), 3},
		{10, ptr.To(intstr.FromString("20%")), 2},
		{3, ptr.To(intstr.FromString("10%")), 1},
		{10, ptr.To(intstr.FromString("100%")), 10},
	}
	for _, c := range cases {
		set := newSet(c.replicas)
		if c.max != nil {
			maxUnavailable(*c.max)(set)
		}
		if got := MaxUnavailable(set); got != c.want {
			t.Errorf("replicas %d maxUnavailable %v: got %d, want %d", c.replicas, c.max, got, c.want)
		}
	}
	// unset, a Parallel set rolls as upstream's default 25%, rounded up; OrderedReady one at a time
	for replicas, want := range map[int32]int{1: 1, 4: 1, 5: 2, 10: 3} {
		if got := MaxUnavailable(newSet(replicas, parallel)); got != want {
			t.Errorf("Parallel, replicas %d, maxUnavailable unset: got %d, want %d", replicas, got, want)
		}
	}
}

func TestParallelRollingUpdateHonoursMaxUnavailable(t *testing.T) {
	set := newSet(6, parallel, maxUnavailable(intstr.FromInt32(3)))
	pods := readyPods(set, "rev-1", 6)
	expectActions(t, Compute(input(set, pods...)), "DeletePod 5", "DeletePod 4", "DeletePod 3")
	// one of them back and ready: one more may go
	pods[5] = pod(set, 5, "rev-2", ready)
	pods[4] = pod(set, 4, "rev-2", pending)
	pods[3] = pod(set, 3, "rev-1", terminating)
	expectActions(t, Compute(input(set, pods...)), "DeletePod 2")
}

func TestRollingUpdateReplacesUnavailableOutdatedPodsWithoutBudget(t *testing.T) {
	set := newSet(3, parallel)
	pods := []*corev1.Pod{pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", pending), pod(set, 2, "rev-1", ready)}
	// pod 1 is already down: it is replaced; budget 1 is spent by pod 1's unavailability, so pod 2 waits
	expectActions(t, Compute(input(set, pods...)), "DeletePod 1")
}

func TestOnDeleteNeverDeletesForUpdate(t *testing.T) {
	set := newSet(3, func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.UpdateStrategy.Type = gstsv1alpha1.OnDeleteStatefulSetStrategyType
	})
	expectActions(t, Compute(input(set, readyPods(set, "rev-1", 3)...)))
	// a pod deleted by the user comes back at the update revision
	pods := readyPods(set, "rev-1", 3)[:2]
	expectActions(t, Compute(input(set, pods...)), "CreatePod 2 rev-2")
}

func TestPausedStopsUpdatesButNotScaling(t *testing.T) {
	set := newSet(3, parallel, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Paused = true })
	pods := readyPods(set, "rev-1", 2)
	expectActions(t, Compute(input(set, pods...)), "CreatePod 2 rev-2")
}

func TestMinReadySecondsDelaysOrderedCreation(t *testing.T) {
	set := newSet(2, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.MinReadySeconds = 30 })
	p := pod(set, 0, "rev-2", ready)
	p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(now.Add(-10 * time.Second))
	plan := Compute(input(set, p))
	expectActions(t, plan)
	if plan.RequeueAfter != 20*time.Second {
		t.Fatalf("requeue after %s, want 20s", plan.RequeueAfter)
	}
}

func withClaims(set *gstsv1alpha1.GameStatefulSet) {
	set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
}

func retention(whenDeleted, whenScaled gstsv1alpha1.PersistentVolumeClaimRetentionPolicyType) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.PersistentVolumeClaimRetentionPolicy = &gstsv1alpha1.GameStatefulSetPersistentVolumeClaimRetentionPolicy{WhenDeleted: whenDeleted, WhenScaled: whenScaled}
	}
}

func claimsFor(set *gstsv1alpha1.GameStatefulSet, ordinals ...int32) map[string]*corev1.PersistentVolumeClaim {
	claims := map[string]*corev1.PersistentVolumeClaim{}
	for _, o := range ordinals {
		for _, c := range identity.NewClaims(set, o) {
			claims[c.Name] = c
		}
	}
	return claims
}

func TestPodCreationBringsItsClaims(t *testing.T) {
	set := newSet(1, withClaims)
	plan := Compute(input(set))
	expectActions(t, plan, "CreatePod 0 rev-2")
	if len(plan.Actions[0].Claims) != 1 || plan.Actions[0].Claims[0].Name != "data-web-0" {
		t.Fatalf("claims of the new pod: %+v", plan.Actions[0].Claims)
	}
}

func TestClaimsOfRemovedOrdinalsFollowWhenScaled(t *testing.T) {
	retain := newSet(1, parallel, withClaims)
	in := input(retain, pod(retain, 0, "rev-2", ready))
	in.Claims = claimsFor(retain, 0, 1)
	expectActions(t, Compute(in))

	del := newSet(1, parallel, withClaims, retention(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType, gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType))
	in = input(del, pod(del, 0, "rev-2", ready), pod(del, 1, "rev-2", ready))
	in.Claims = claimsFor(del, 0, 1)
	// the pod goes first; its claim only once the pod is gone
	expectActions(t, Compute(in), "DeletePod 1")
	in = input(del, pod(del, 0, "rev-2", ready))
	in.Claims = claimsFor(del, 0, 1)
	expectActions(t, Compute(in), "DeleteClaim data-web-1")
}

func TestClaimOwnershipFollowsWhenDeleted(t *testing.T) {
	set := newSet(1, withClaims, retention(gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType, gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType))
	in := input(set, pod(set, 0, "rev-2", ready))
	in.Claims = claimsFor(set, 0)
	expectActions(t, Compute(in), "AdoptClaim data-web-0")

	retained := newSet(1, withClaims)
	in = input(retained, pod(retained, 0, "rev-2", ready))
	in.Claims = claimsFor(retained, 0)
	in.Claims["data-web-0"].OwnerReferences = []metav1.OwnerReference{identity.ClaimOwnerReference(retained)}
	expectActions(t, Compute(in), "ReleaseClaim data-web-0")
}

func TestStatusMovesCurrentRevisionWhenRolloutCompletes(t *testing.T) {
	set := newSet(3)
	status := Status(input(set, readyPods(set, "rev-2", 3)...), "app=web")
	if status.CurrentRevision != "rev-2" || status.CurrentReplicas != 3 || status.UpdatedReplicas != 3 {
		t.Fatalf("status %+v", status)
	}
	status = Status(input(set, readyPods(set, "rev-1", 3)...), "app=web")
	if status.CurrentRevision != "rev-1" || status.CurrentReplicas != 3 || status.UpdatedReplicas != 0 {
		t.Fatalf("status %+v", status)
	}
}

func TestConditionsDescribeProgress(t *testing.T) {
	set := newSet(5, partition(intstr.FromInt32(3)))
	pods := readyPods(set, "rev-1", 5)
	pods[3] = pod(set, 3, "rev-2", ready)
	pods[4] = pod(set, 4, "rev-2", ready)
	in := input(set, pods...)
	status := Status(in, "app=web")
	Conditions(set, &status, Compute(in), "")
	got := map[string]string{}
	for _, c := range status.Conditions {
		got[c.Type] = string(c.Status) + "/" + c.Reason
	}
	if got["Ready"] != "True/AllReplicasReady" || got["Progressing"] != "False/PartitionReached" {
		t.Fatalf("conditions %v", got)
	}
}

func TestDeletedSetPlansNothing(t *testing.T) {
	set := newSet(3, func(s *gstsv1alpha1.GameStatefulSet) { s.DeletionTimestamp = &metav1.Time{Time: now} })
	expectActions(t, Compute(input(set)))
}

func TestClaimsOtherControllersOwnAreNeverDeletedNorTaken(t *testing.T) {
	set := newSet(1, parallel, withClaims, retention(gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType, gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType))
	in := input(set, pod(set, 0, "rev-2", ready))
	in.Claims = claimsFor(set, 0, 1, 2)
	owned := identity.ClaimOwnerReference(set)
	in.Claims["data-web-0"].OwnerReferences = []metav1.OwnerReference{owned}
	in.Claims["data-web-1"].OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "cm", UID: "cm", Controller: ptr.To(true)}}
	in.Claims["data-web-2"].OwnerReferences = []metav1.OwnerReference{owned, {APIVersion: "v1", Kind: "ConfigMap", Name: "cm", UID: "cm"}}
	// data-web-1 is another controller's: neither taken nor deleted; data-web-2 has another owner that wants it
	expectActions(t, Compute(in))
}

func TestPodsWhoseLabelsStopMatchingAreReleased(t *testing.T) {
	set := newSet(2, parallel)
	released := pod(set, 1, "rev-2", ready)
	released.Labels["app"] = "debug"
	in := input(set, pod(set, 0, "rev-2", ready))
	in.Mismatched = []*corev1.Pod{released}
	// released first; its ordinal is then planned as missing, and a creation finds the released pod in its way
	expectActions(t, Compute(in), "ReleasePod 1", "CreatePod 1 rev-2")
}

func TestConditionsWrittenByOthersWithoutATimeGetOne(t *testing.T) {
	set := newSet(1)
	status := Status(input(set, readyPods(set, "rev-2", 1)...), "app=web")
	status.Conditions = []metav1.Condition{{Type: gstsv1alpha1.ConditionProgressing, Status: metav1.ConditionFalse},
		{Type: "Bare", Status: metav1.ConditionTrue}}
	Conditions(set, &status, Plan{}, "")
	for _, c := range status.Conditions {
		if c.Type != "Bare" && (c.LastTransitionTime.IsZero() || c.Reason == "") {
			t.Fatalf("condition %s without a transition time or reason: %+v", c.Type, c)
		}
	}
	if len(status.Conditions) != 3 {
		t.Fatalf("conditions %+v, want Bare kept beside Ready and Progressing", status.Conditions)
	}
}

func TestAHostnameNoPatchCanFixIsReportedNotRepaired(t *testing.T) {
	set := newSet(1)
	p := pod(set, 0, "rev-2", ready)
	p.Spec.Subdomain = "old-service"
	plan := Compute(input(set, p))
	expectActions(t, plan)
	status := Status(input(set, p), "app=web")
	Conditions(set, &status, plan, "")
	if c := meta.FindStatusCondition(status.Conditions, gstsv1alpha1.ConditionProgressing); !strings.Contains(c.Message,
		`pod web-0 has hostname "web-0" and subdomain "old-service", not "web-0" and "web" (serviceName)`) {
		t.Fatalf("Progressing %q", c.Message)
	}
	p.Spec.Subdomain = "web"
	p.Labels[identity.PodIndexLabel] = "7"
	expectActions(t, Compute(input(set, p)), "RepairIdentity 0")
}
