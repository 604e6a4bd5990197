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
	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/canary"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

// CanaryState is the canary part of the status a plan leaves.
type CanaryState struct {
	Index           int32
	Hash            string
	Canary          gstsv1alpha1.CanaryStatus
	PauseConditions []gstsv1alpha1.PauseCondition
}

func canarySteps(set *gstsv1alpha1.GameStatefulSet) []gstsv1alpha1.CanaryStep {
	if set.Spec.UpdateStrategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType || set.Spec.UpdateStrategy.CanaryStrategy == nil {
		return nil
	}
	return set.Spec.UpdateStrategy.CanaryStrategy.Steps
}

// planCanary sets the partition of this plan: the canary step's, or rollingUpdate.partition without steps. It
// returns whether the canary update went back to its first step, and the HookRun a hook step needs, which the
// caller adds after the deletions of the runs the restart made moot: the new run may take an old one's name.
func planCanary(in *Input, plan *Plan) (restarted bool, stepRun *Action) {
	set := in.Set
	steps := canarySteps(set)
	if len(steps) == 0 {
		in.partition = PartitionOrdinal(set)
		plan.Partition = in.partition
		return false, nil
	}
	d := canary.Decide(canary.Input{
		Steps: steps, Replicas: identity.Replicas(set),
		CurrentRevision: in.CurrentRevision, UpdateRevision: in.UpdateRevision, PreviousUpdateRevision: set.Status.UpdateRevision,
		Status: &set.Status, Paused: set.Spec.UpdateStrategy.Paused, UpdatedReady: in.updatedReady(),
		RunPhase: func(name string) (gstsv1alpha1.HookPhase, bool) {
			run := in.runs[name]
			if run == nil || run.DeletionTimestamp != nil {
				return "", false
			}
			if hash := run.Labels[hook.StepsHashLabel]; hash != "" && hash != canary.StepsHash(steps) {
				// made for the steps before an edit, and deleted since: the cache has not seen it go
				return "", false
			}
			return run.Status.Phase, true
		},
		Now: in.Now,
	})
	in.partition = partitionOrdinalOf(set, d.Partition)
	plan.Partition = in.partition
	plan.Canary = &CanaryState{Index: d.Index, Hash: d.Hash, Canary: d.Canary, PauseConditions: d.PauseConditions}
	plan.CanaryWaiting = d.Waiting
	plan.requeue(d.RequeueAfter)
	if d.Pause && !set.Spec.UpdateStrategy.Paused {
		plan.add(Action{Type: PauseUpdates, Reason: d.Waiting})
	}
	if d.Resume {
		plan.add(Action{Type: ResumeUpdates, Reason: "the canary pause that set paused is over: a new revision or new steps"})
	}
	if d.Run != nil {
		stepRun = &Action{Type: CreateHookRun, Hook: &hook.Request{Kind: hook.KindCanaryStep, Name: d.Run.Name, Step: d.Run.Hook,
			Revision: in.UpdateRevision, StepIndex: d.Run.Index, StepsHash: d.Hash}, Reason: "canary hook step"}
	}
	return d.Restarted, stepRun
}

// updatedReady counts the pods of the set's ordinals (surge ones aside) that run the update revision, ready.
func (in *Input) updatedReady() int32 {
	index := newOrdinalIndex(identity.Ordinals(in.Set))
	n := int32(0)
	for _, pod := range in.Pods {
		ord, _ := identity.OrdinalOf(in.Set, pod.Name)
		if _, ok := index.of(ord); ok && !IsTerminating(pod) && identity.Revision(pod) == in.UpdateRevision &&
			!inplace.InProgress(pod, in.UpdateRevision) && IsRunningAndReady(pod) {
			n++
		}
	}
	return n
}
