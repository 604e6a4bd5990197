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
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// HookRetryDelay is how long after a pod's hook ended without success it runs again, when retry is set: a hook
// that fails at once must not turn into a stream of HookRuns.
const HookRetryDelay = 10 * time.Second

// ReasonHookFailed is the Progressing reason while pod hooks keep their pods because they did not succeed.
const ReasonHookFailed = "HookFailed"

// HookConditions are the pod hooks of the set, for its status.
type HookConditions struct {
	PreDelete, PreInplace, PostInplace []gstsv1alpha1.PodHookCondition
}

// podHook is a pod lifecycle hook of the set: its kind and what the spec says about it.
type podHook struct {
	kind  hook.Kind
	step  *gstsv1alpha1.HookStep
	retry bool
}

func (in *Input) preDeleteHook() podHook {
	s := in.Set.Spec.PreDeleteUpdateStrategy
	return podHook{kind: hook.KindPreDelete, step: s.Hook, retry: s.RetryUnexpectedHooks}
}

// preInplaceHook gates in-place updates: the pre-inplace hook, or the pre-delete hook when there is none, as the
// upstream operator does, because an in-place update restarts the game server as a deletion would.
func (in *Input) preInplaceHook() podHook {
	if s := in.Set.Spec.PreInplaceUpdateStrategy; s.Hook != nil {
		return podHook{kind: hook.KindPreInplace, step: s.Hook, retry: s.RetryUnexpectedHooks}
	}
	h := in.preDeleteHook()
	return h
}

func (in *Input) postInplaceHook() podHook {
	s := in.Set.Spec.PostInplaceUpdateStrategy
	return podHook{kind: hook.KindPostInplace, step: s.Hook, retry: s.RetryUnexpectedHooks}
}

func (in *Input) indexRuns() {
	in.runs = make(map[string]*gstsv1alpha1.HookRun, len(in.HookRuns))
	for _, run := range in.HookRuns {
		in.runs[run.Name] = run
	}
}

// podRun is the run of the hook for the pod in its present revision, or nil. A run of an earlier pod of the same
// name and revision (one recreated since) is not the pod's.
func (in *Input) podRun(h podHook, pod *corev1.Pod) (run *gstsv1alpha1.HookRun, name string, stale bool) {
	ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
	name = hook.PodRunName(h.kind, identity.Revision(pod), ordinal, h.step.TemplateName)
	run = in.runs[name]
	if run == nil {
		return nil, name, false
	}
	if uid := run.Labels[hook.PodUIDLabel]; uid != "" && uid != string(pod.UID) {
		return nil, name, true
	}
	return run, name, false
}

// held tells whether a pre-delete or pre-inplace hook runs for the pod: it is leaving service, and counts against
// maxUnavailable until it is gone or updated.
func (in *Input) held(pod *corev1.Pod) bool {
	for _, h := range []podHook{in.preDeleteHook(), in.preInplaceHook()} {
		if h.step == nil {
			continue
		}
		if run, _, _ := in.podRun(h, pod); run != nil {
			return true
		}
	}
	return false
}

// gate tells whether the hook lets the pod go on (be deleted, be updated in place) now. Without a hook, and for a
// pod that is not running (no player is on it), it does at once. Otherwise it starts the pod's HookRun, marks the
// pod so the game server can drain, and lets the pod go once the run succeeded. A run that ended otherwise keeps
// the pod, is reported, and runs again after HookRetryDelay when retry is set.
func (in *Input) gate(plan *Plan, h podHook, pod *corev1.Pod, what string) bool {
	if h.step == nil || pod.Status.Phase != corev1.PodRunning {
		return true
	}
	ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
	run, name, stale := in.podRun(h, pod)
	switch {
	case stale:
		plan.add(Action{Type: DeleteHookRun, Ordinal: ordinal, HookRun: in.runs[name], Reason: "it was run for an earlier pod of the same name"})
		plan.wait(0, "waiting for the %s hook of pod %s", h.kind, pod.Name)
		return false
	case run == nil:
		plan.add(Action{Type: CreateHookRun, Ordinal: ordinal, Pod: pod, Hook: &hook.Request{Kind: h.kind, Name: name, Step: *h.step,
			Revision: identity.Revision(pod), Ordinal: ordinal, Pod: pod}, Reason: fmt.Sprintf("before the pod is %s", what)})
		if pod.Annotations[hook.DeletingAnnotation] != "true" {
			plan.add(Action{Type: MarkPodDeleting, Ordinal: ordinal, Pod: pod, Reason: fmt.Sprintf("its %s hook runs", h.kind)})
		}
		plan.wait(0, "waiting for the %s hook of pod %s", h.kind, pod.Name)
		return false
	case run.Status.Phase == gstsv1alpha1.HookPhaseSuccessful:
		return true
	case run.Status.Phase.Completed():
		in.reportFailedRun(plan, h, run, pod, what)
		return false
	default:
		plan.wait(0, "waiting for the %s hook of pod %s", h.kind, pod.Name)
		return false
	}
}

// reportFailedRun says that a pod's hook did not succeed and, with retry, runs it again after a delay.
func (in *Input) reportFailedRun(plan *Plan, h podHook, run *gstsv1alpha1.HookRun, pod *corev1.Pod, what string) {
	ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
	msg := fmt.Sprintf("pod %s: %s HookRun %s is %s", pod.Name, h.kind, run.Name, run.Status.Phase)
	if run.Status.Message != "" {
		msg += " (" + run.Status.Message + ")"
	}
	if !h.retry {
		plan.HookFailed = append(plan.HookFailed, fmt.Sprintf("%s; the pod is kept, not %s; delete the HookRun to run it again", msg, what))
		return
	}
	plan.HookFailed = append(plan.HookFailed, msg+"; it runs again (retry)")
	if wait := runEnded(run).Add(HookRetryDelay).Sub(in.Now); wait > 0 {
		plan.wait(wait, "the %s hook of pod %s runs again in %s", h.kind, pod.Name, wait.Round(time.Second))
		return
	}
	plan.add(Action{Type: DeleteHookRun, Ordinal: ordinal, HookRun: run, Reason: "retry: it did not succeed"})
}

// runEnded is when the run's last measurement finished, or when it was created.
func runEnded(run *gstsv1alpha1.HookRun) time.Time {
	ended := run.CreationTimestamp.Time
	for _, r := range run.Status.MetricResults {
		if n := len(r.Measurements); n > 0 && r.Measurements[n-1].FinishedAt != nil && r.Measurements[n-1].FinishedAt.After(ended) {
			ended = r.Measurements[n-1].FinishedAt.Time
		}
	}
	return ended
}

// planPostInplaceHooks starts the post-inplace hook of every pod whose in-place update to its revision completed,
// once; the update goes on meanwhile, as upstream. A failed run is reported and, with retry, runs again.
func planPostInplaceHooks(in *Input, plan *Plan, replicas []*corev1.Pod) {
	h := in.postInplaceHook()
	if h.step == nil {
		return
	}
	for _, pod := range replicas {
		if pod == nil || IsTerminating(pod) {
			continue
		}
		s := inplace.StateView(pod)
		if s == nil || s.Revision != identity.Revision(pod) || inplace.InProgress(pod, s.Revision) || lossless.Pending(pod) {
			continue
		}
		ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
		run, name, stale := in.podRun(h, pod)
		switch {
		case stale:
			plan.add(Action{Type: DeleteHookRun, Ordinal: ordinal, HookRun: in.runs[name], Reason: "it was run for an earlier pod of the same name"})
		case run == nil:
			plan.add(Action{Type: CreateHookRun, Ordinal: ordinal, Pod: pod, Hook: &hook.Request{Kind: h.kind, Name: name, Step: *h.step,
				Revision: identity.Revision(pod), Ordinal: ordinal, Pod: pod}, Reason: "its in-place update completed"})
		case run.Status.Phase.Completed() && run.Status.Phase != gstsv1alpha1.HookPhaseSuccessful:
			in.reportFailedRun(plan, h, run, pod, "updated further")
		}
	}
}

// planHookCleanup deletes the runs no pod or revision needs any more: pod hooks of pods (or pod revisions) that
// are gone, canary runs of other revisions than the update revision or of canary steps that were edited.
func planHookCleanup(in *Input, plan *Plan, restarted bool) {
	if len(in.HookRuns) == 0 {
		return
	}
	live := map[string]bool{}
	for _, pod := range in.Pods {
		ordinal, _ := identity.OrdinalOf(in.Set, pod.Name)
		live[identity.Revision(pod)+"/"+strconv.Itoa(int(ordinal))] = true
	}
	for _, run := range in.HookRuns {
		if run.DeletionTimestamp != nil {
			continue
		}
		switch hook.Kind(run.Labels[hook.TypeLabel]) {
		case hook.KindCanaryStep:
			if restarted || run.Labels[hook.RevisionLabel] != in.UpdateRevision {
				plan.add(Action{Type: DeleteHookRun, HookRun: run, Reason: "its canary steps are over"})
			}
		case hook.KindPreDelete, hook.KindPreInplace, hook.KindPostInplace:
			if !live[run.Labels[hook.RevisionLabel]+"/"+run.Labels[hook.InstanceLabel]] {
				plan.add(Action{Type: DeleteHookRun, HookRun: run, Reason: "its pod is gone or was updated"})
			}
		}
	}
}

// hookConditions lists, for the status, the pod hooks of the pods that exist, by pod name.
func hookConditions(in *Input) HookConditions {
	var c HookConditions
	if len(in.HookRuns) == 0 {
		return c
	}
	lists := map[hook.Kind]*[]gstsv1alpha1.PodHookCondition{
		hook.KindPreDelete: &c.PreDelete, hook.KindPreInplace: &c.PreInplace, hook.KindPostInplace: &c.PostInplace}
	pods := map[string]*corev1.Pod{}
	for _, pod := range in.Pods {
		pods[identity.Revision(pod)+"/"+podOrdinal(in.Set, pod)] = pod
	}
	for _, run := range in.HookRuns {
		list := lists[hook.Kind(run.Labels[hook.TypeLabel])]
		pod := pods[run.Labels[hook.RevisionLabel]+"/"+run.Labels[hook.InstanceLabel]]
		if list == nil || pod == nil {
			continue
		}
		phase := run.Status.Phase
		if phase == "" {
			phase = gstsv1alpha1.HookPhasePending
		}
		*list = append(*list, gstsv1alpha1.PodHookCondition{PodName: pod.Name, StartTime: run.CreationTimestamp, HookPhase: phase})
	}
	for _, list := range lists {
		sort.Slice(*list, func(i, j int) bool { return (*list)[i].PodName < (*list)[j].PodName })
	}
	return c
}

func podOrdinal(set *gstsv1alpha1.GameStatefulSet, pod *corev1.Pod) string {
	ordinal, _ := identity.OrdinalOf(set, pod.Name)
	return strconv.Itoa(int(ordinal))
}
