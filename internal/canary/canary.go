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

// Package canary decides where a canary update stands: which step the update revision is at, the partition that
// step allows, and whether the update pauses, waits for time or for a HookRun, or moves on. It is pure: the
// planner gives it the counts and the HookRun phases, and turns its decision into actions.
package canary

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// Input is what a canary decision depends on.
type Input struct {
	Steps    []gstsv1alpha1.CanaryStep
	Replicas int32
	// CurrentRevision and UpdateRevision are the set's revisions now; PreviousUpdateRevision is the update
	// revision the status describes, "" for a set never reconciled.
	CurrentRevision, UpdateRevision, PreviousUpdateRevision string
	// Status is the set's status as last written: the step index, hash, canary status and pause conditions.
	Status *gstsv1alpha1.GameStatefulSetStatus
	// Paused is spec.updateStrategy.paused.
	Paused bool
	// UpdatedReady counts the pods of the desired ordinals on the update revision that are ready.
	UpdatedReady int32
	// RunPhase is the phase of a HookRun of the set, by name; ok is false when there is none.
	RunPhase func(name string) (phase gstsv1alpha1.HookPhase, ok bool)
	Now      time.Time
}

// StepRun is the HookRun a hook step needs.
type StepRun struct {
	Name  string
	Index int32
	Hook  gstsv1alpha1.HookStep
}

// Decision is where the canary update stands after this pass.
type Decision struct {
	// Partition is how many pods, from ordinals.start, stay on the current revision.
	Partition int32
	// Index, Hash, Canary and PauseConditions are the status to write.
	Index           int32
	Hash            string
	Canary          gstsv1alpha1.CanaryStatus
	PauseConditions []gstsv1alpha1.PauseCondition
	// Pause asks for spec.updateStrategy.paused to be set: a pause step without a duration, or a failed hook.
	Pause bool
	// Resume asks for spec.updateStrategy.paused to be cleared: a new revision or new steps made the pause that
	// set it moot.
	Resume bool
	// Run is the HookRun to create for the current hook step.
	Run *StepRun
	// Restarted is set when the update went back to the first step: the runs of earlier steps are moot.
	Restarted bool
	// Waiting says what the update waits for; RequeueAfter when only time ends it.
	Waiting      string
	RequeueAfter time.Duration
}

// StepsHash identifies the steps: when it changes mid-update the update starts again at the first step.
func StepsHash(steps []gstsv1alpha1.CanaryStep) string {
	raw, _ := json.Marshal(steps)
	h := fnv.New32a()
	_, _ = h.Write(raw)
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// RunName names the HookRun of a hook step as the upstream operator does.
func RunName(updateRevision string, index int32, templateName string) string {
	return fmt.Sprintf("canary-%s-step%d-%s", updateRevision, index, templateName)
}

// PartitionOf is a partition step's count of pods kept back: a percentage of replicas rounds down, as in the
// upstream operator, and the count stays within [0, replicas].
func PartitionOf(p *intstr.IntOrString, replicas int32) int32 {
	n, err := intstr.GetScaledValueFromIntOrPercent(p, int(replicas), false)
	if err != nil {
		// refused at admission; should one get through, update nothing
		return replicas
	}
	return int32(max(0, min(n, int(replicas))))
}

// partitionAt is the partition of the last partition step at or before index: replicas before any, so that
// nothing updates until the first partition step.
func (in *Input) partitionAt(index int) int32 {
	for i := min(index, len(in.Steps)-1); i >= 0; i-- {
		if p := in.Steps[i].Partition; p != nil {
			return PartitionOf(p, in.Replicas)
		}
	}
	return in.Replicas
}

func hasPause(conditions []gstsv1alpha1.PauseCondition, reason gstsv1alpha1.PauseReason) bool {
	for _, c := range conditions {
		if c.Reason == reason {
			return true
		}
	}
	return false
}

func withoutPause(conditions []gstsv1alpha1.PauseCondition, reason gstsv1alpha1.PauseReason) []gstsv1alpha1.PauseCondition {
	var kept []gstsv1alpha1.PauseCondition
	for _, c := range conditions {
		if c.Reason != reason {
			kept = append(kept, c)
		}
	}
	return kept
}

// Decide walks the steps from the current one as far as the pods and the HookRuns allow.
func Decide(in Input) Decision {
	d := decide(in)
	if d.Pause && d.Resume {
		// the pause of the earlier update carries over into a pause of this one
		d.Resume = false
	}
	return d
}

func decide(in Input) Decision {
	d := Decision{Hash: StepsHash(in.Steps)}
	st := in.Status
	if st.Canary != nil {
		d.Canary = *st.Canary
	}
	d.PauseConditions = append([]gstsv1alpha1.PauseCondition(nil), st.PauseConditions...)
	done := func() Decision {
		d.Index, d.Partition = int32(len(in.Steps)), 0
		d.Canary = gstsv1alpha1.CanaryStatus{Revision: in.UpdateRevision}
		if len(d.PauseConditions) > 0 {
			d.Resume = in.Paused
			d.PauseConditions = nil
		}
		return d
	}
	switch {
	case in.CurrentRevision == in.UpdateRevision:
		// nothing to release: a new set, or a rollout that completed
		return done()
	case st.CurrentStepIndex == nil || st.CurrentStepHash != d.Hash || in.PreviousUpdateRevision != in.UpdateRevision:
		if d.Canary.Revision == in.UpdateRevision {
			// back to the revision whose steps completed: a rollback does not go through the steps again
			return done()
		}
		if len(d.PauseConditions) > 0 {
			d.Resume = in.Paused
		}
		d.Index, d.PauseConditions, d.Restarted = 0, nil, true
		d.Canary = gstsv1alpha1.CanaryStatus{Revision: d.Canary.Revision}
		// runs of the steps before the restart are deleted in this pass; none of them stands for a step now
		in.RunPhase = func(string) (gstsv1alpha1.HookPhase, bool) { return "", false }
	default:
		// written by another client out of range: the nearest step
		d.Index = max(0, min(*st.CurrentStepIndex, int32(len(in.Steps))))
	}

	for int(d.Index) < len(in.Steps) {
		step := in.Steps[d.Index]
		partition := in.partitionAt(int(d.Index))
		d.Partition = partition
		wanted := in.Replicas - partition
		if in.UpdatedReady < wanted {
			d.Waiting = fmt.Sprintf("canary step %d of %d: %d of %d pods updated and ready", d.Index+1, len(in.Steps), in.UpdatedReady, wanted)
			return d
		}
		switch {
		case step.Partition != nil:
		case step.Pause != nil && step.Pause.Duration == nil:
			if !hasPause(d.PauseConditions, gstsv1alpha1.PauseReasonCanaryPauseStep) {
				d.PauseConditions = append(d.PauseConditions, gstsv1alpha1.PauseCondition{
					Reason: gstsv1alpha1.PauseReasonCanaryPauseStep, StartTime: metav1.NewTime(in.Now)})
				d.Pause = true
			}
			if d.Pause || in.Paused {
				d.Waiting = fmt.Sprintf("canary step %d of %d: paused; set spec.updateStrategy.paused to false to go on", d.Index+1, len(in.Steps))
				return d
			}
			d.PauseConditions = withoutPause(d.PauseConditions, gstsv1alpha1.PauseReasonCanaryPauseStep)
		case step.Pause != nil:
			if d.Canary.PauseStartTime == nil {
				t := metav1.NewTime(in.Now)
				d.Canary.PauseStartTime = &t
			}
			end := d.Canary.PauseStartTime.Add(time.Duration(*step.Pause.Duration) * time.Second)
			if in.Now.Before(end) {
				d.Waiting = fmt.Sprintf("canary step %d of %d: pausing for %ds", d.Index+1, len(in.Steps), *step.Pause.Duration)
				d.RequeueAfter = end.Sub(in.Now)
				return d
			}
			d.Canary.PauseStartTime = nil
		case step.Hook != nil:
			if hasPause(d.PauseConditions, gstsv1alpha1.PauseReasonStepBasedHook) {
				if in.Paused {
					d.Waiting = fmt.Sprintf("canary step %d of %d: HookRun %s did not succeed; set spec.updateStrategy.paused to false to go on without it",
						d.Index+1, len(in.Steps), d.Canary.CurrentStepHookRun)
					return d
				}
				// resumed by a person who saw the failure: the step is passed over, as upstream does
				d.PauseConditions = withoutPause(d.PauseConditions, gstsv1alpha1.PauseReasonStepBasedHook)
				break
			}
			name := RunName(in.UpdateRevision, d.Index, step.Hook.TemplateName)
			phase, exists := in.RunPhase(name)
			if d.Canary.CurrentStepHookRun != name || !exists {
				d.Canary.CurrentStepHookRun = name
				if !exists {
					d.Run = &StepRun{Name: name, Index: d.Index, Hook: *step.Hook}
				}
				d.Waiting = fmt.Sprintf("canary step %d of %d: waiting for HookRun %s", d.Index+1, len(in.Steps), name)
				return d
			}
			switch {
			case phase == gstsv1alpha1.HookPhaseSuccessful:
			case phase.Completed():
				d.PauseConditions = append(d.PauseConditions, gstsv1alpha1.PauseCondition{
					Reason: gstsv1alpha1.PauseReasonStepBasedHook, StartTime: metav1.NewTime(in.Now)})
				d.Pause = true
				d.Waiting = fmt.Sprintf("canary step %d of %d: HookRun %s is %s; the update is paused", d.Index+1, len(in.Steps), name, phase)
				return d
			default:
				d.Waiting = fmt.Sprintf("canary step %d of %d: waiting for HookRun %s (%s)", d.Index+1, len(in.Steps), name, phase)
				return d
			}
		}
		d.Index++
		d.Canary.CurrentStepHookRun = ""
	}
	d.Partition = 0
	d.Canary.Revision = in.UpdateRevision
	return d
}
