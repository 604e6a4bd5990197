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
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

func created(p *corev1.Pod, ago time.Duration) *corev1.Pod {
	p.CreationTimestamp = metav1.NewTime(now.Add(-ago))
	return p
}

func deadline(seconds int32) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) { set.Spec.ProgressDeadlineSeconds = ptr.To(seconds) }
}

func TestProgress(t *testing.T) {
	inplaceSet := newSet(2, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 30))
	hookSet := newSet(2, preDelete(false))
	hookPod := created(pod(hookSet, 1, "rev-2", ready), 2*time.Hour)
	for _, tc := range []struct {
		name         string
		in           Input
		revisionAge  time.Duration
		wantLastAgo  time.Duration
		wantExceeded bool
		wantWaiting  []Waiting
	}{{
		name:        "a rollout just started: its revision is the last progress, nothing waits",
		in:          input(newSet(2), created(pod(newSet(2), 0, "rev-1", ready), 2*time.Hour), created(pod(newSet(2), 1, "rev-1", ready), 2*time.Hour)),
		revisionAge: 2 * time.Minute, wantLastAgo: 2 * time.Minute,
	}, {
		name: "a pod created 20 minutes ago that never turned ready: past the default deadline",
		in: input(newSet(2), created(pod(newSet(2), 0, "rev-2", ready), 2*time.Hour),
			created(pod(newSet(2), 1, "rev-2", pending), 20*time.Minute)),
		revisionAge: 30 * time.Minute, wantLastAgo: 20 * time.Minute, wantExceeded: true,
		wantWaiting: []Waiting{{Reason: WaitReadiness, Pods: 1, Since: now.Add(-20 * time.Minute)}},
	}, {
		name: "the same under a 30-minute deadline",
		in: input(newSet(2, deadline(1800)), created(pod(newSet(2), 0, "rev-2", ready), 2*time.Hour),
			created(pod(newSet(2), 1, "rev-2", pending), 20*time.Minute)),
		revisionAge: 30 * time.Minute, wantLastAgo: 20 * time.Minute,
		wantWaiting: []Waiting{{Reason: WaitReadiness, Pods: 1, Since: now.Add(-20 * time.Minute)}},
	}, {
		name: "a pod in its grace period waits for it since its gate turned False",
		in: inPlaceInput(inplaceSet, created(gatedPod(inplaceSet, 0, "rev-1", corev1.ConditionFalse, 10*time.Second), 2*time.Hour),
			created(gatedPod(inplaceSet, 1, "rev-1", corev1.ConditionTrue, time.Hour), 2*time.Hour)),
		revisionAge: time.Minute, wantLastAgo: 10 * time.Second,
		wantWaiting: []Waiting{{Reason: WaitGracePeriod, Pods: 1, Since: now.Add(-10 * time.Second)}},
	}, {
		name: "a pod whose pre-delete hook runs waits for the hook since the run was made",
		in: withRuns(input(hookSet, created(pod(hookSet, 0, "rev-2", ready), 2*time.Hour), hookPod),
			runFor(hookSet, hook.KindPreDelete, hookPod, gstsv1alpha1.HookPhaseRunning),
			runFor(hookSet, hook.KindPreDelete, created(pod(hookSet, 0, "rev-2", ready), time.Hour), gstsv1alpha1.HookPhaseSuccessful)),
		revisionAge: 3 * time.Hour, wantLastAgo: time.Hour, wantExceeded: true,
		wantWaiting: []Waiting{{Reason: WaitHook, Pods: 1, Since: now.Add(-time.Minute)}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.UpdateRevisionCreated = now.Add(-tc.revisionAge)
			got := progressOf(&tc.in)
			if ago := now.Sub(got.Last); ago != tc.wantLastAgo {
				t.Errorf("last progress %s ago, want %s", ago, tc.wantLastAgo)
			}
			if got.Exceeded != tc.wantExceeded {
				t.Errorf("exceeded %v, want %v", got.Exceeded, tc.wantExceeded)
			}
			if !reflect.DeepEqual(got.Waiting, tc.wantWaiting) {
				t.Errorf("waiting %+v, want %+v", got.Waiting, tc.wantWaiting)
			}
		})
	}
}

func TestProgressDeadlineExceededOnlyWhileRollingOut(t *testing.T) {
	for _, tc := range []struct {
		name       string
		set        *gstsv1alpha1.GameStatefulSet
		wantReason string
	}{
		{name: "rolling out", set: newSet(2, parallel), wantReason: ReasonProgressDeadlineExceeded},
		{name: "paused by a person", set: newSet(2, parallel, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Paused = true }), wantReason: "Paused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input(tc.set, created(pod(tc.set, 0, "rev-1", ready), 2*time.Hour), created(pod(tc.set, 1, "rev-2", pending), time.Hour))
			in.UpdateRevisionCreated = now.Add(-time.Hour)
			plan := Compute(in)
			status := Status(in, "app=web")
			Conditions(tc.set, &status, plan, "")
			c := meta.FindStatusCondition(status.Conditions, gstsv1alpha1.ConditionProgressing)
			if c.Reason != tc.wantReason {
				t.Fatalf("Progressing %s: %s, want reason %s", c.Reason, c.Message, tc.wantReason)
			}
			if tc.wantReason == ReasonProgressDeadlineExceeded && (c.Status != metav1.ConditionFalse ||
				!strings.Contains(c.Message, "for 10m0s (progressDeadlineSeconds)") || !strings.Contains(c.Message, "1 waiting for readiness")) {
				t.Errorf("Progressing %s %q", c.Status, c.Message)
			}
		})
	}
}

func TestProgressDeadlineIsRequeuedOnceWhilePodsWait(t *testing.T) {
	set := newSet(2, parallel, deadline(120))
	in := input(set, created(pod(set, 0, "rev-2", ready), 2*time.Hour), created(pod(set, 1, "rev-2", pending), 30*time.Second))
	in.CurrentRevision, in.UpdateRevisionCreated = "rev-2", now.Add(-time.Hour)
	if plan := Compute(in); plan.RequeueAfter != 91*time.Second {
		t.Errorf("requeue after %s, want the deadline's end and a second: 1m31s", plan.RequeueAfter)
	}
	in.Pods[1] = created(pod(set, 1, "rev-2", ready), 30*time.Second)
	if plan := Compute(in); plan.RequeueAfter != 0 {
		t.Errorf("nothing waits, yet requeued after %s", plan.RequeueAfter)
	}
}
