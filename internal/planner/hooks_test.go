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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/canary"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func preDelete(retry bool) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.PreDeleteUpdateStrategy = gstsv1alpha1.GameStatefulSetPreDeleteUpdateStrategy{
			Hook: &gstsv1alpha1.HookStep{TemplateName: "drain"}, RetryUnexpectedHooks: retry}
	}
}

// runFor is the pod hook run of a pod in a phase, as the HookRun controller leaves it.
func runFor(set *gstsv1alpha1.GameStatefulSet, kind hook.Kind, p *corev1.Pod, phase gstsv1alpha1.HookPhase) *gstsv1alpha1.HookRun {
	ordinal, _ := identity.OrdinalOf(set, p.Name)
	return &gstsv1alpha1.HookRun{
		ObjectMeta: metav1.ObjectMeta{Name: hook.PodRunName(kind, identity.Revision(p), ordinal, "drain"),
			CreationTimestamp: metav1.NewTime(now.Add(-time.Minute)),
			Labels: map[string]string{hook.TypeLabel: string(kind), hook.RevisionLabel: identity.Revision(p),
				hook.InstanceLabel: podOrdinal(set, p), hook.PodUIDLabel: string(p.UID)}},
		Status: gstsv1alpha1.HookRunStatus{Phase: phase},
	}
}

func withRuns(in Input, runs ...*gstsv1alpha1.HookRun) Input {
	in.HookRuns = runs
	return in
}

func TestPreDeleteHookGatesScaleDown(t *testing.T) {
	set := newSet(2, preDelete(false))
	pods := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready)}
	in := input(set, pods...)
	in.CurrentRevision = "rev-2"

	plan := Compute(in)
	expectActions(t, plan, "CreateHookRun 2", "MarkPodDeleting 2")
	if plan.Actions[0].Hook.Name != "predelete-rev-2-2-drain" || plan.Actions[0].Hook.Kind != hook.KindPreDelete {
		t.Errorf("run %+v", plan.Actions[0].Hook)
	}

	running := runFor(set, hook.KindPreDelete, pods[2], gstsv1alpha1.HookPhaseRunning)
	plan = Compute(withRuns(in, running))
	expectActions(t, plan)
	if !strings.Contains(plan.Waiting, "pre-delete-step hook of pod web-2") {
		t.Errorf("waiting %q", plan.Waiting)
	}
	if c := plan.Hooks.PreDelete; len(c) != 1 || c[0].PodName != "web-2" || c[0].HookPhase != gstsv1alpha1.HookPhaseRunning {
		t.Errorf("conditions %+v", c)
	}

	expectActions(t, Compute(withRuns(in, runFor(set, hook.KindPreDelete, pods[2], gstsv1alpha1.HookPhaseSuccessful))), "DeletePod 2")

	plan = Compute(withRuns(in, runFor(set, hook.KindPreDelete, pods[2], gstsv1alpha1.HookPhaseFailed)))
	expectActions(t, plan)
	if len(plan.HookFailed) != 1 || !strings.Contains(plan.HookFailed[0], "the pod is kept") {
		t.Errorf("hook failures %q", plan.HookFailed)
	}
}

func TestPreDeleteRetryWaitsThenRunsAgain(t *testing.T) {
	set := newSet(1, preDelete(true))
	pods := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready)}
	in := input(set, pods...)
	in.CurrentRevision = "rev-2"
	failed := runFor(set, hook.KindPreDelete, pods[1], gstsv1alpha1.HookPhaseFailed)
	ended := metav1.NewTime(now.Add(-3 * time.Second))
	failed.Status.MetricResults = []gstsv1alpha1.MetricResult{{Name: "m", Measurements: []gstsv1alpha1.Measurement{{FinishedAt: &ended}}}}
	plan := Compute(withRuns(in, failed))
	expectActions(t, plan)
	if plan.RequeueAfter != 7*time.Second {
		t.Errorf("requeue after %s, want the rest of the retry delay", plan.RequeueAfter)
	}
	in.Now = now.Add(8 * time.Second)
	expectActions(t, Compute(withRuns(in, failed)), "DeleteHookRun 1")
}

func TestAPodThatIsNotRunningPassesItsHook(t *testing.T) {
	set := newSet(1, preDelete(false))
	in := input(set, pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", pending))
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in), "DeletePod 1")
}

func TestPreDeleteHookGatesRollingUpdateWithinMaxUnavailable(t *testing.T) {
	set := newSet(3, parallel, preDelete(false))
	pods := []*corev1.Pod{pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready), pod(set, 2, "rev-1", ready)}
	// pod 2's hook runs: it counts against maxUnavailable 1, so pod 1 waits
	plan := Compute(withRuns(input(set, pods...), runFor(set, hook.KindPreDelete, pods[2], gstsv1alpha1.HookPhaseRunning)))
	expectActions(t, plan)
	set = newSet(3, parallel, preDelete(false), maxUnavailable(intstr.FromInt32(2)))
	plan = Compute(withRuns(input(set, pods...), runFor(set, hook.KindPreDelete, pods[2], gstsv1alpha1.HookPhaseRunning)))
	expectActions(t, plan, "CreateHookRun 1", "MarkPodDeleting 1")
}

func TestStaleRunOfAnEarlierPodIsDeleted(t *testing.T) {
	set := newSet(1, preDelete(false))
	pods := []*corev1.Pod{pod(set, 0, "rev-2", ready), pod(set, 1, "rev-2", ready)}
	in := input(set, pods...)
	in.CurrentRevision = "rev-2"
	stale := runFor(set, hook.KindPreDelete, pods[1], gstsv1alpha1.HookPhaseSuccessful)
	stale.Labels[hook.PodUIDLabel] = "an-earlier-pod"
	expectActions(t, Compute(withRuns(in, stale)), "DeleteHookRun 1")
}

func TestHookRunsOfGonePodsAreCleanedUp(t *testing.T) {
	set := newSet(1, preDelete(false))
	p := pod(set, 0, "rev-2", ready)
	in := input(set, p)
	in.CurrentRevision = "rev-2"
	gone := runFor(set, hook.KindPreDelete, pod(set, 1, "rev-2", ready), gstsv1alpha1.HookPhaseSuccessful)
	updated := runFor(set, hook.KindPreInplace, pod(set, 0, "rev-1", ready), gstsv1alpha1.HookPhaseSuccessful)
	oldCanary := &gstsv1alpha1.HookRun{ObjectMeta: metav1.ObjectMeta{Name: "canary-rev-1-step1-check",
		Labels: map[string]string{hook.TypeLabel: string(hook.KindCanaryStep), hook.RevisionLabel: "rev-1"}}}
	mine := runFor(set, hook.KindPreDelete, p, gstsv1alpha1.HookPhaseRunning)
	plan := Compute(withRuns(in, gone, updated, oldCanary, mine))
	var deleted []string
	for _, a := range plan.Actions {
		if a.Type == DeleteHookRun {
			deleted = append(deleted, a.HookRun.Name)
		}
	}
	if strings.Join(deleted, " ") != "predelete-rev-2-1-drain preinplace-rev-1-0-drain canary-rev-1-step1-check" {
		t.Errorf("deleted %q", deleted)
	}
}

func TestCanaryStepsSetThePartition(t *testing.T) {
	steps := []gstsv1alpha1.CanaryStep{{Partition: ptr.To(intstr.FromInt32(1))}, {Pause: &gstsv1alpha1.CanaryPause{}}}
	set := newSet(3, parallel, maxUnavailable(intstr.FromInt32(3)), partition(intstr.FromInt32(0)), func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: steps}
		set.Status.UpdateRevision = "rev-1"
	})
	pods := []*corev1.Pod{pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready), pod(set, 2, "rev-1", ready)}
	plan := Compute(input(set, pods...))
	// rollingUpdate.partition 0 is not used with steps: the first step's partition 1 keeps pod 0
	expectActions(t, plan, "DeletePod 2", "DeletePod 1")
	if plan.Canary == nil || plan.Canary.Index != 0 || plan.Partition != 1 {
		t.Errorf("canary %+v partition %d", plan.Canary, plan.Partition)
	}
	pods[1], pods[2] = pod(set, 1, "rev-2", ready), pod(set, 2, "rev-2", ready)
	set.Status.CurrentStepIndex, set.Status.CurrentStepHash, set.Status.UpdateRevision = ptr.To(int32(0)), plan.Canary.Hash, "rev-2"
	plan = Compute(input(set, pods...))
	expectActions(t, plan, "PauseUpdates 0")
	if plan.Canary.Index != 1 || len(plan.Canary.PauseConditions) != 1 {
		t.Errorf("canary %+v", plan.Canary)
	}
}

func TestPostInplaceHookAfterTheUpdateCompleted(t *testing.T) {
	set := newSet(1, func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.Type = gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType
		set.Spec.PostInplaceUpdateStrategy.Hook = &gstsv1alpha1.HookStep{TemplateName: "drain"}
	})
	p := pod(set, 0, "rev-2", ready)
	in := input(set, p)
	in.CurrentRevision = "rev-2"
	expectActions(t, Compute(in), "MarkInPlaceReady 0")

	p.Annotations = map[string]string{"inplace-update-state": `{"revision":"rev-2","updateTimestamp":"2026-11-27T11:00:00Z","lastContainerStatuses":{}}`}
	plan := Compute(in)
	var created []string
	for _, a := range plan.Actions {
		if a.Type == CreateHookRun {
			created = append(created, a.Hook.Name)
		}
	}
	if strings.Join(created, " ") != "postinplace-rev-2-0-drain" {
		t.Errorf("created %q (%v)", created, describe(plan))
	}
	expectNoCreate := Compute(withRuns(in, runFor(set, hook.KindPostInplace, p, gstsv1alpha1.HookPhaseSuccessful)))
	for _, a := range expectNoCreate.Actions {
		if a.Type == CreateHookRun {
			t.Errorf("the post-inplace hook runs once: %v", describe(expectNoCreate))
		}
	}
}

func TestEditedStepsDeleteTheOldRunsBeforeTheNewOnes(t *testing.T) {
	steps := []gstsv1alpha1.CanaryStep{{Hook: &gstsv1alpha1.HookStep{TemplateName: "check"}}}
	set := newSet(2, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: steps}
		set.Status.UpdateRevision, set.Status.CurrentStepIndex, set.Status.CurrentStepHash = "rev-2", ptr.To(int32(0)), "steps before the edit"
	})
	old := &gstsv1alpha1.HookRun{ObjectMeta: metav1.ObjectMeta{Name: "canary-rev-2-step0-check",
		Labels: map[string]string{hook.TypeLabel: string(hook.KindCanaryStep), hook.RevisionLabel: "rev-2"}},
		Status: gstsv1alpha1.HookRunStatus{Phase: gstsv1alpha1.HookPhaseSuccessful}}
	in := withRuns(input(set, pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready)), old)
	plan := Compute(in)
	expectActions(t, plan, "DeleteHookRun 0", "CreateHookRun 0")
	if plan.Actions[1].Hook.Name != old.Name {
		t.Errorf("the new run takes the old one's name: %s", plan.Actions[1].Hook.Name)
	}
}

func TestACanaryRunOfEditedStepsIsNotTheStepsRun(t *testing.T) {
	steps := []gstsv1alpha1.CanaryStep{{Hook: &gstsv1alpha1.HookStep{TemplateName: "check"}}}
	set := newSet(2, parallel, func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: steps}
		set.Status.UpdateRevision, set.Status.CurrentStepIndex = "rev-2", ptr.To(int32(0))
		set.Status.CurrentStepHash = canary.StepsHash(steps)
		set.Status.Canary = &gstsv1alpha1.CanaryStatus{CurrentStepHookRun: "canary-rev-2-step0-check"}
	})
	// deleted when the steps were edited; the cache still shows it, Successful
	cached := &gstsv1alpha1.HookRun{ObjectMeta: metav1.ObjectMeta{Name: "canary-rev-2-step0-check",
		Labels: map[string]string{hook.TypeLabel: string(hook.KindCanaryStep), hook.RevisionLabel: "rev-2", hook.StepsHashLabel: "before"}},
		Status: gstsv1alpha1.HookRunStatus{Phase: gstsv1alpha1.HookPhaseSuccessful}}
	plan := Compute(withRuns(input(set, pod(set, 0, "rev-1", ready), pod(set, 1, "rev-1", ready)), cached))
	expectActions(t, plan, "CreateHookRun 0")
	if plan.Canary.Index != 0 {
		t.Errorf("the step is not passed on the old run's word: index %d", plan.Canary.Index)
	}
}
