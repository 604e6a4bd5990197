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

package canary

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

var now = time.Unix(10_000, 0)

func partition(n int32) gstsv1alpha1.CanaryStep {
	return gstsv1alpha1.CanaryStep{Partition: ptr.To(intstr.FromInt32(n))}
}

func pause(seconds ...int32) gstsv1alpha1.CanaryStep {
	p := &gstsv1alpha1.CanaryPause{}
	if len(seconds) > 0 {
		p.Duration = &seconds[0]
	}
	return gstsv1alpha1.CanaryStep{Pause: p}
}

func hookStep(template string) gstsv1alpha1.CanaryStep {
	return gstsv1alpha1.CanaryStep{Hook: &gstsv1alpha1.HookStep{TemplateName: template}}
}

// the example: partition 3, pause {}, partition 1, pause 10 s, hook
var steps = []gstsv1alpha1.CanaryStep{partition(3), pause(), partition(1), pause(10), hookStep("check")}

// at builds an input in the middle of an update from A to B at the given step.
func at(index int32, updatedReady int32, mutate ...func(*Input)) Input {
	in := Input{
		Steps: steps, Replicas: 5, CurrentRevision: "A", UpdateRevision: "B", PreviousUpdateRevision: "B",
		Status: &gstsv1alpha1.GameStatefulSetStatus{CurrentStepIndex: ptr.To(index), CurrentStepHash: StepsHash(steps),
			Canary: &gstsv1alpha1.CanaryStatus{Revision: "A"}},
		UpdatedReady: updatedReady,
		RunPhase:     func(string) (gstsv1alpha1.HookPhase, bool) { return "", false },
		Now:          now,
	}
	for _, m := range mutate {
		m(&in)
	}
	return in
}

func TestDecide(t *testing.T) {
	runName := RunName("B", 4, "check")
	for _, tc := range []struct {
		name          string
		in            Input
		wantIndex     int32
		wantPartition int32
		wantPause     bool
		wantResume    bool
		wantRun       bool
		wantRequeue   time.Duration
		wantRestart   bool
	}{
		{"a new set runs no steps", at(0, 0, func(in *Input) {
			in.CurrentRevision, in.PreviousUpdateRevision, in.Status = "B", "", &gstsv1alpha1.GameStatefulSetStatus{}
		}), 5, 0, false, false, false, 0, false},
		{"a new revision starts at the first step", at(5, 0, func(in *Input) { in.PreviousUpdateRevision = "A" }), 0, 3, false, false, false, 0, true},
		{"edited steps start again", at(3, 1, func(in *Input) { in.Status.CurrentStepHash = "old" }), 0, 3, false, false, false, 0, true},
		{"edited steps start again, past what is updated already", at(3, 4, func(in *Input) { in.Status.CurrentStepHash = "old" }), 1, 3, true, false, false, 0, true},
		{"a rollback to the revision whose steps completed skips them", at(2, 0, func(in *Input) {
			in.PreviousUpdateRevision = "C"
			in.Status.Canary.Revision = "B"
		}), 5, 0, false, false, false, 0, false},
		{"partition 3 waits for 2 updated ready pods", at(0, 1), 0, 3, false, false, false, 0, false},
		{"partition 3 reached: the pause step pauses", at(0, 2), 1, 3, true, false, false, 0, false},
		{"paused: stays", at(1, 2, func(in *Input) {
			in.Paused = true
			in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(now)}}
		}), 1, 3, false, false, false, 0, false},
		{"resumed: on to partition 1", at(1, 2, func(in *Input) {
			in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(now)}}
		}), 2, 1, false, false, false, 0, false},
		{"partition 1 reached: the timed pause begins", at(2, 4), 3, 1, false, false, false, 10 * time.Second, false},
		{"the timed pause runs", at(3, 4, func(in *Input) {
			in.Status.Canary.PauseStartTime = ptr.To(metav1.NewTime(now.Add(-4 * time.Second)))
		}), 3, 1, false, false, false, 6 * time.Second, false},
		{"the timed pause ends: the hook starts", at(3, 4, func(in *Input) {
			in.Status.Canary.PauseStartTime = ptr.To(metav1.NewTime(now.Add(-10 * time.Second)))
		}), 4, 1, false, false, true, 0, false},
		{"the hook runs", at(4, 4, func(in *Input) {
			in.Status.Canary.CurrentStepHookRun = runName
			in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return gstsv1alpha1.HookPhaseRunning, true }
		}), 4, 1, false, false, false, 0, false},
		{"the hook succeeded: everything updates", at(4, 4, func(in *Input) {
			in.Status.Canary.CurrentStepHookRun = runName
			in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return gstsv1alpha1.HookPhaseSuccessful, true }
		}), 5, 0, false, false, false, 0, false},
		{"the hook failed: paused", at(4, 4, func(in *Input) {
			in.Status.Canary.CurrentStepHookRun = runName
			in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return gstsv1alpha1.HookPhaseFailed, true }
		}), 4, 1, true, false, false, 0, false},
		{"resumed after a failed hook: the step is passed over", at(4, 4, func(in *Input) {
			in.Status.Canary.CurrentStepHookRun = runName
			in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonStepBasedHook, StartTime: metav1.NewTime(now)}}
			in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return gstsv1alpha1.HookPhaseFailed, true }
		}), 5, 0, false, false, false, 0, false},
		{"a deleted hook run is created again", at(4, 4, func(in *Input) { in.Status.Canary.CurrentStepHookRun = runName }), 4, 1, false, false, true, 0, false},
		{"a new revision while paused by a step clears the pause", at(1, 0, func(in *Input) {
			in.Paused, in.PreviousUpdateRevision = true, "A"
			in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(now)}}
		}), 0, 3, false, true, false, 0, true},
		{"a new revision while paused by a step, pausing again at once", at(1, 2, func(in *Input) {
			in.Paused, in.PreviousUpdateRevision = true, "A"
			in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(now)}}
		}), 1, 3, true, false, false, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := Decide(tc.in)
			if d.Index != tc.wantIndex || d.Partition != tc.wantPartition || d.Pause != tc.wantPause || d.Resume != tc.wantResume ||
				(d.Run != nil) != tc.wantRun || d.RequeueAfter != tc.wantRequeue || d.Restarted != tc.wantRestart {
				t.Errorf("got index %d partition %d pause %t resume %t run %v requeue %s restarted %t (%s)",
					d.Index, d.Partition, d.Pause, d.Resume, d.Run, d.RequeueAfter, d.Restarted, d.Waiting)
			}
		})
	}
}

func TestNothingUpdatesBeforeTheFirstPartitionStep(t *testing.T) {
	in := at(0, 0, func(in *Input) {
		in.Steps = []gstsv1alpha1.CanaryStep{pause(), partition(2)}
		in.Status.CurrentStepHash = StepsHash(in.Steps)
	})
	if d := Decide(in); d.Partition != 5 || !d.Pause {
		t.Errorf("partition %d pause %t; want 5 (nothing updates) and a pause", d.Partition, d.Pause)
	}
}

func TestPercentagePartitionsRoundDown(t *testing.T) {
	if got := PartitionOf(ptr.To(intstr.FromString("50%")), 5); got != 2 {
		t.Errorf("50%% of 5 = %d, want 2 as upstream", got)
	}
	if got := PartitionOf(ptr.To(intstr.FromInt32(9)), 5); got != 5 {
		t.Errorf("a partition above replicas is replicas, got %d", got)
	}
}

// FuzzDecide: whatever the status and counts, the partition stays within [0, replicas], the index within the
// steps, and a set paused by a person is never unpaused unless a step's pause is what kept it.
func FuzzDecide(f *testing.F) {
	f.Add(int32(2), int32(3), int32(5), true, false, byte(0))
	f.Fuzz(func(t *testing.T, index, updatedReady, replicas int32, paused, conditions bool, phase byte) {
		if replicas < 0 || replicas > 1000 {
			return
		}
		phases := []gstsv1alpha1.HookPhase{"", gstsv1alpha1.HookPhaseRunning, gstsv1alpha1.HookPhaseSuccessful, gstsv1alpha1.HookPhaseFailed}
		in := at(index, updatedReady, func(in *Input) {
			in.Replicas, in.Paused = replicas, paused
			if conditions {
				in.Status.PauseConditions = []gstsv1alpha1.PauseCondition{{Reason: gstsv1alpha1.PauseReasonCanaryPauseStep}}
			}
			p := phases[int(phase)%len(phases)]
			in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return p, p != "" }
		})
		d := Decide(in)
		if d.Partition < 0 || d.Partition > replicas {
			t.Fatalf("partition %d of %d replicas", d.Partition, replicas)
		}
		if d.Index < 0 || int(d.Index) > len(steps) {
			t.Fatalf("index %d of %d steps", d.Index, len(steps))
		}
		if d.Resume && !conditions {
			t.Fatalf("resumed a set no step paused")
		}
	})
}
