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

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// CanaryStrategy releases a new revision in steps: partitions that let more pods update, pauses and hooks that
// check the pods updated so far. With steps, rollingUpdate.partition is not used.
type CanaryStrategy struct {
	// Steps run in order for every new revision, and again from the first when they are edited mid-update.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Steps []CanaryStep `json:"steps,omitempty"`
}

// CanaryStep is one of: a partition, a pause or a hook.
// +kubebuilder:validation:XValidation:rule="(has(self.partition) ? 1 : 0) + (has(self.pause) ? 1 : 0) + (has(self.hook) ? 1 : 0) == 1",message="a canary step has exactly one of partition, pause and hook"
type CanaryStep struct {
	// Partition keeps the pods below it on the current revision, as rollingUpdate.partition does: an integer
	// offset from ordinals.start or a percentage of replicas, rounded up. The step completes when the pods
	// above it run the update revision and are ready.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=4
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')",message="partition must be a non-negative integer or a percentage from 0% to 100%"
	// +optional
	Partition *intstr.IntOrString `json:"partition,omitempty"`
	// Pause waits: for duration seconds, or without one until spec.updateStrategy.paused, which it sets, is set
	// back to false.
	// +optional
	Pause *CanaryPause `json:"pause,omitempty"`
	// Hook runs a HookRun from a HookTemplate; the update goes on when it succeeds and pauses when it does not.
	// +optional
	Hook *HookStep `json:"hook,omitempty"`
}

// CanaryPause is a pause step.
type CanaryPause struct {
	// Duration is how many seconds to wait before the next step; without it the update waits to be resumed.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Duration *int32 `json:"duration,omitempty"`
}

// CanaryStatus is where the canary update of a revision stands.
type CanaryStatus struct {
	// Revision is the update revision the steps run for.
	// +optional
	Revision string `json:"revision,omitempty"`
	// PauseStartTime is when the current timed pause step began.
	// +optional
	PauseStartTime *metav1.Time `json:"pauseStartTime,omitempty"`
	// CurrentStepHookRun is the HookRun of the current hook step.
	// +optional
	CurrentStepHookRun string `json:"currentStepHookRun,omitempty"`
}

// StepsOrNil is the steps, or nil when there is no canary strategy.
func (c *CanaryStrategy) StepsOrNil() []CanaryStep {
	if c == nil {
		return nil
	}
	return c.Steps
}
