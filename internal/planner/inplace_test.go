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
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

func strategy(t gstsv1alpha1.GameStatefulSetUpdateStrategyType, graceSeconds int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.Type = t
		set.Spec.UpdateStrategy.InPlaceUpdateStrategy = &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: graceSeconds}
		set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main", Image: "game:v2"}}
	}
}

// inPlaceInput has rev-1 run game:v1 and rev-2 the set's template.
func inPlaceInput(set *gstsv1alpha1.GameStatefulSet, pods ...*corev1.Pod) Input {
	in := input(set, pods...)
	old := set.Spec.Template.DeepCopy()
	old.Spec.Containers[0].Image = "game:v1"
	in.Templates = map[string]*corev1.PodTemplateSpec{"rev-1": old, "rev-2": &set.Spec.Template}
	return in
}

// gatedPod is a ready pod of an InplaceUpdate set at a revision, with its gate condition.
func gatedPod(set *gstsv1alpha1.GameStatefulSet, ordinal int32, revision string, gate corev1.ConditionStatus, since time.Duration) *corev1.Pod {
	p := pod(set, ordinal, revision, ready)
	if revision == "rev-1" {
		p.Spec.Containers[0].Image = "game:v1"
	}
	if gate != "" {
		c := corev1.PodCondition{Type: inplace.ReadinessGate, Status: gate, LastTransitionTime: metav1.NewTime(now.Add(-since))}
		if gate == corev1.ConditionFalse {
			c.Reason = inplace.ReasonGracePeriod
			p.Status.Conditions[0].Status = corev1.ConditionFalse
		}
		p.Status.Conditions = append(p.Status.Conditions, c)
	}
	return p
}

func TestInplacePodsAreCreatedWithTheReadinessGateAndMarkedReady(t *testing.T) {
	set := newSet(1, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30))
	p := pod(set, 0, "rev-2", pending)
	if !inplace.HasGate(p) {
		t.Fatal("InplaceUpdate pods carry the InPlaceUpdateReady readiness gate")
	}
	expectActions(t, Compute(inPlaceInput(set, p)), "MarkInPlaceReady 0")
	if inplace.HasGate(pod(newSet(1), 0, "rev-2", pending)) {
		t.Fatal("RollingUpdate pods do not")
	}
}

func TestInplaceStartsTheGracePeriodFromTheHighestOrdinal(t *testing.T) {
	set := newSet(3, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30), partition(intstr.FromInt32(1)))
	pods := []*corev1.Pod{gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour), gatedPod(set, 1, "rev-1", corev1.ConditionTrue, time.Hour),
		gatedPod(set, 2, "rev-1", corev1.ConditionTrue, time.Hour)}
	plan := Compute(inPlaceInput(set, pods...))
	expectActions(t, plan, "StartGracePeriod 2")
	if plan.RequeueAfter != 30*time.Second {
		t.Fatalf("requeue after %s", plan.RequeueAfter)
	}
}

func TestInplaceGracePeriodIsReadFromThePod(t *testing.T) {
	// what an operator that just restarted sees: the pod's gate went False 10s ago
	set := newSet(2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30))
	pods := []*corev1.Pod{gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour), gatedPod(set, 1, "rev-1", corev1.ConditionFalse, 10*time.Second)}
	plan := Compute(inPlaceInput(set, pods...))
	expectActions(t, plan)
	if plan.RequeueAfter != 20*time.Second {
		t.Fatalf("the rest of the grace period: requeue after %s", plan.RequeueAfter)
	}
	pods[1] = gatedPod(set, 1, "rev-1", corev1.ConditionFalse, 31*time.Second)
	plan = Compute(inPlaceInput(set, pods...))
	expectActions(t, plan, "UpdateInPlace 1")
	if plan.Actions[0].Change.Images["main"] != "game:v2" {
		t.Fatalf("change %+v", plan.Actions[0].Change)
	}
}

func TestInplaceWaitsForTheRestartedPodBeforeTheNext(t *testing.T) {
	set := newSet(2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0))
	updated, err := inplace.Apply(gatedPod(set, 1, "rev-1", corev1.ConditionTrue, time.Hour),
		inplace.Compare(inPlaceInput(set).Templates["rev-1"], &set.Spec.Template), identity.RevisionLabel, "rev-2", inplace.StateAnnotation, now)
	if err != nil {
		t.Fatal(err)
	}
	pods := []*corev1.Pod{gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour), updated}
	expectActions(t, Compute(inPlaceInput(set, pods...)))
	status := Status(inPlaceInput(set, pods...), "app=web")
	if status.UpdatedReplicas != 0 || status.CurrentReplicas != 1 {
		t.Fatalf("a pod whose new container is not reported counts as neither: %+v", status)
	}
}

func TestInplaceFallsBackToRecreateForOtherChanges(t *testing.T) {
	set := newSet(1, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0))
	in := inPlaceInput(set, gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour))
	set.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "ranked"}}
	plan := Compute(in)
	expectActions(t, plan, "DeletePod 0")
	if !strings.Contains(plan.Actions[0].FallbackReason, "spec.containers") {
		t.Fatalf("fallback reason %q", plan.Actions[0].FallbackReason)
	}
}

func TestInplaceHonoursMaxUnavailable(t *testing.T) {
	set := newSet(4, parallel, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0), maxUnavailable(intstr.FromInt32(2)))
	var pods []*corev1.Pod
	for i := range int32(4) {
		pods = append(pods, gatedPod(set, i, "rev-1", corev1.ConditionTrue, time.Hour))
	}
	expectActions(t, Compute(inPlaceInput(set, pods...)), "UpdateInPlace 3", "UpdateInPlace 2")
}

func TestGracePeriodCutShortGivesReadinessBack(t *testing.T) {
	set := newSet(2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30), partition(intstr.FromInt32(2)))
	pods := []*corev1.Pod{gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour), gatedPod(set, 1, "rev-1", corev1.ConditionFalse, time.Second)}
	expectActions(t, Compute(inPlaceInput(set, pods...)), "MarkInPlaceReady 1")

	paused := newSet(2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30), func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Paused = true })
	expectActions(t, Compute(inPlaceInput(paused, pods...)), "MarkInPlaceReady 1")
}

func TestHotPatchPatchesImagesAndRefusesOtherChanges(t *testing.T) {
	set := newSet(2, strategy(gstsv1alpha1.HotPatchGameStatefulSetStrategyType, 0), partition(intstr.FromInt32(1)))
	pods := []*corev1.Pod{gatedPod(set, 0, "rev-1", "", 0), gatedPod(set, 1, "rev-1", "", 0)}
	plan := Compute(inPlaceInput(set, pods...))
	expectActions(t, plan, "UpdateInPlace 1")
	if !plan.Actions[0].HotPatch || inplace.HasGate(pods[0]) {
		t.Fatalf("hot patch without a readiness gate: %+v", plan.Actions[0])
	}

	in := inPlaceInput(set, pods...)
	set.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "ranked"}}
	plan = Compute(in)
	expectActions(t, plan)
	if len(plan.Refused) != 1 || !strings.Contains(plan.Refused[0], "web-1") {
		t.Fatalf("refused %v", plan.Refused)
	}
	status := Status(inPlaceInput(set, pods...), "app=web")
	Conditions(set, &status, plan, "")
	if c := status.Conditions[1]; c.Reason != ReasonHotPatchRefused {
		t.Fatalf("condition %+v", c)
	}
}

// stuckPod is a pod updated in place from rev-1 to rev-2 whose new image never pulls.
func stuckPod(t *testing.T, set *gstsv1alpha1.GameStatefulSet, ordinal int32) *corev1.Pod {
	t.Helper()
	p := gatedPod(set, ordinal, "rev-1", corev1.ConditionTrue, time.Hour)
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", ImageID: "sha-v1", Ready: true,
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
	change := inplace.Compare(&corev1.PodTemplateSpec{Spec: *p.Spec.DeepCopy()}, &set.Spec.Template)
	updated, err := inplace.Apply(p, change, identity.RevisionLabel, "rev-2", inplace.StateAnnotation, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	updated.Status.ContainerStatuses[0].Ready = false
	updated.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
		Message: `Back-off pulling image "game:v2"`}}
	updated.Status.Conditions[0].Status = corev1.ConditionFalse
	return updated
}

func TestAStuckInPlaceUpdateIsReportedAndARollbackReachesIt(t *testing.T) {
	set := newSet(2, parallel, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0), partition(intstr.FromInt(1)))
	stuck := stuckPod(t, set, 1)
	in := inPlaceInput(set, gatedPod(set, 0, "rev-1", corev1.ConditionTrue, time.Hour), stuck)
	plan := Compute(in)
	expectActions(t, plan)
	if len(plan.Stuck) != 1 || !strings.Contains(plan.Stuck[0], `pod web-1: container main is ImagePullBackOff: Back-off pulling image "game:v2"`) {
		t.Fatalf("stuck: %q", plan.Stuck)
	}
	status := Status(in, "app=web")
	Conditions(set, &status, plan, "")
	if c := meta.FindStatusCondition(status.Conditions, gstsv1alpha1.ConditionProgressing); c.Reason != ReasonInPlaceUpdateStuck {
		t.Fatalf("Progressing %+v", c)
	}

	// the template is rolled back: rev-1 is the update revision again, and reaches the stuck pod in place
	in.CurrentRevision, in.UpdateRevision = "rev-1", "rev-1"
	expectActions(t, Compute(in), "UpdateInPlace 1")
	// a newer revision reaches it too
	in.Templates["rev-3"] = set.Spec.Template.DeepCopy()
	in.Templates["rev-3"].Spec.Containers[0].Image = "game:v3"
	in.CurrentRevision, in.UpdateRevision = "rev-1", "rev-3"
	expectActions(t, Compute(in), "UpdateInPlace 1")
}
