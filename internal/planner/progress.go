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
	"time"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// DefaultProgressDeadline is spec.progressDeadlineSeconds when it is not set: a Deployment's default.
const DefaultProgressDeadline = 600 * time.Second

// ReasonProgressDeadlineExceeded is the Progressing reason of a rollout or scale that went a progress deadline
// without a pod created, updated or turning ready.
const ReasonProgressDeadlineExceeded = "ProgressDeadlineExceeded"

// What pods wait for, as the metrics label them.
const (
	WaitGracePeriod   = "grace_period"
	WaitInPlace       = "inplace_update"
	WaitContentReload = "content_reload"
	WaitHook          = "hook"
	WaitReadiness     = "readiness"
)

// Waiting is how many pods wait for one thing, and since when the longest-waiting of them has.
type Waiting struct {
	Reason string
	Pods   int
	Since  time.Time
}

// Progress is what the set's pods say about how its rollout moves, derived from the objects alone so that it
// survives a restart or a failover of the operator.
type Progress struct {
	// Last is the latest of: the update revision's creation, a pod's creation, a pod's readiness changing, an
	// in-place change applied or seen through. Zero when nothing is known.
	Last time.Time
	// Deadline is spec.progressDeadlineSeconds.
	Deadline time.Duration
	// Exceeded tells whether Last is more than Deadline ago; Conditions reports it only while the set rolls out
	// or scales, not while it is paused or done.
	Exceeded bool
	// Waiting are the pods that wait, by reason, in the order of the reasons above.
	Waiting []Waiting
}

// ProgressDeadline is the set's progress deadline.
func ProgressDeadline(set *gstsv1alpha1.GameStatefulSet) time.Duration {
	if d := set.Spec.ProgressDeadlineSeconds; d != nil && *d > 0 {
		return time.Duration(*d) * time.Second
	}
	return DefaultProgressDeadline
}

// progressOf reads the progress from the input.
func progressOf(in *Input) Progress {
	p := Progress{Last: in.UpdateRevisionCreated, Deadline: ProgressDeadline(in.Set)}
	later := func(t time.Time) {
		if t.After(p.Last) {
			p.Last = t
		}
	}
	waiting := map[string]*Waiting{}
	wait := func(reason string, since time.Time) {
		w := waiting[reason]
		if w == nil {
			w = &Waiting{Reason: reason, Since: since}
			waiting[reason] = w
		}
		w.Pods++
		if since.Before(w.Since) {
			w.Since = since
		}
	}
	// a pod's hook run is found as hookConditions finds it: by the pod's revision and ordinal
	hookRunOf := map[string]*gstsv1alpha1.HookRun{}
	for _, run := range in.HookRuns {
		if hook.Kind(run.Labels[hook.TypeLabel]) == hook.KindCanaryStep || run.Status.Phase.Completed() {
			continue
		}
		key := run.Labels[hook.RevisionLabel] + "/" + run.Labels[hook.InstanceLabel]
		if prev := hookRunOf[key]; prev == nil || run.CreationTimestamp.Before(&prev.CreationTimestamp) {
			hookRunOf[key] = run
		}
	}
	for _, pod := range in.Pods {
		later(pod.CreationTimestamp.Time)
		// a pod leaving readiness starts the clock too: the set is then not done, and is stuck once the pod
		// stays out for the deadline
		if c := readyCondition(pod); c != nil {
			later(c.LastTransitionTime.Time)
		}
		if c := inplace.GateCondition(pod); c != nil {
			later(c.LastTransitionTime.Time)
		}
		state := inplace.StateView(pod)
		if state != nil {
			later(state.UpdateTimestamp.Time)
		}
		if IsTerminating(pod) {
			continue
		}
		revision := identity.Revision(pod)
		run := hookRunOf[revision+"/"+podOrdinal(in.Set, pod)]
		_, inGracePeriod := inplace.GraceRemaining(pod, 0, in.Now)
		switch {
		case run != nil:
			wait(WaitHook, run.CreationTimestamp.Time)
		case inGracePeriod:
			wait(WaitGracePeriod, inplace.GateCondition(pod).LastTransitionTime.Time)
		case lossless.Pending(pod) && state != nil:
			wait(WaitContentReload, state.UpdateTimestamp.Time)
		case inplace.InProgress(pod, revision) && state != nil:
			wait(WaitInPlace, state.UpdateTimestamp.Time)
		case !IsRunningAndReady(pod):
			since := pod.CreationTimestamp.Time
			if c := readyCondition(pod); c != nil && c.LastTransitionTime.After(since) {
				since = c.LastTransitionTime.Time
			}
			wait(WaitReadiness, since)
		}
	}
	for _, reason := range []string{WaitGracePeriod, WaitInPlace, WaitContentReload, WaitHook, WaitReadiness} {
		if w := waiting[reason]; w != nil {
			p.Waiting = append(p.Waiting, *w)
		}
	}
	p.Exceeded = !p.Last.IsZero() && in.Now.Sub(p.Last) > p.Deadline
	return p
}

// requeueForDeadline asks for the reconcile that reports the deadline when it passes, once, while pods wait.
func (p *Plan) requeueForDeadline(now time.Time) {
	if p.Progress.Last.IsZero() || p.Progress.Exceeded || len(p.Progress.Waiting) == 0 {
		return
	}
	// a second after, so the reconcile sees it passed
	p.requeue(p.Progress.Last.Add(p.Progress.Deadline).Sub(now) + time.Second)
}
