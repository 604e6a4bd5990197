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
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// HookPhase is the phase of a HookRun, of one of its metrics or of one measurement.
// +kubebuilder:validation:Enum=Pending;Running;Successful;Failed;Error;Inconclusive
type HookPhase string

const (
	// HookPhasePending is a run or metric that has not measured yet.
	HookPhasePending HookPhase = "Pending"
	// HookPhaseRunning is a run or metric that measures and has not decided.
	HookPhaseRunning HookPhase = "Running"
	// HookPhaseSuccessful is a run whose metrics all succeeded.
	HookPhaseSuccessful HookPhase = "Successful"
	// HookPhaseFailed is a run with a metric that failed more often than its failureLimit.
	HookPhaseFailed HookPhase = "Failed"
	// HookPhaseError is a run with a metric that could not be measured consecutiveErrorLimit times in a row.
	HookPhaseError HookPhase = "Error"
	// HookPhaseInconclusive is a run with a metric that was inconclusive more often than its inconclusiveLimit.
	HookPhaseInconclusive HookPhase = "Inconclusive"
)

// CompletedHookPhases are the final phases of a run.
var CompletedHookPhases = []HookPhase{HookPhaseSuccessful, HookPhaseFailed, HookPhaseError, HookPhaseInconclusive}

// Completed tells whether the phase is final.
func (p HookPhase) Completed() bool {
	return slices.Contains(CompletedHookPhases, p)
}

// HookStep names the HookTemplate a canary step or a pod's lifecycle hook runs, with the arguments it passes.
type HookStep struct {
	// TemplateName is the HookTemplate in the set's namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	TemplateName string `json:"templateName"`
	// Args are given to the template's arguments of the same names, over their defaults.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Args []HookRunArgument `json:"args,omitempty"`
}

// HookRunArgument is the value a hook step gives to an argument of its template.
type HookRunArgument struct {
	// Name is the argument's name in the template.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Value is the argument's value.
	// +optional
	Value string `json:"value,omitempty"`
}

// PodHookCondition is where a pod's lifecycle hook stands: the phase of its HookRun and when it started.
type PodHookCondition struct {
	// PodName is the pod the hook runs for.
	PodName string `json:"podName"`
	// StartTime is when its HookRun was created.
	StartTime metav1.Time `json:"startTime"`
	// HookPhase is the phase of its HookRun.
	HookPhase HookPhase `json:"phase"`
}

// PauseReason says why a canary update paused.
type PauseReason string

const (
	// PauseReasonCanaryPauseStep is a pause step without a duration: it waits until spec.updateStrategy.paused is
	// set back to false.
	PauseReasonCanaryPauseStep PauseReason = "PausedByCanaryPauseStep"
	// PauseReasonStepBasedHook is a hook step whose HookRun did not succeed.
	PauseReasonStepBasedHook PauseReason = "PausedByStepBasedHook"
)

// PauseCondition is a reason the canary update is paused, since when.
type PauseCondition struct {
	// Reason is PausedByCanaryPauseStep or PausedByStepBasedHook.
	Reason PauseReason `json:"reason"`
	// StartTime is when the pause began.
	StartTime metav1.Time `json:"startTime"`
}

// GameStatefulSetPreDeleteUpdateStrategy runs a hook for each running pod before it is deleted, by a scale-down
// or a RollingUpdate; the pod goes only once the hook succeeds.
type GameStatefulSetPreDeleteUpdateStrategy struct {
	// Hook is the template to run and its arguments.
	// +optional
	Hook *HookStep `json:"hook,omitempty"`
	// RetryUnexpectedHooks runs a hook that did not succeed again, instead of keeping the pod until someone acts.
	// +optional
	RetryUnexpectedHooks bool `json:"retry,omitempty"`
}

// GameStatefulSetPreInplaceUpdateStrategy runs a hook for each running pod before it is updated in place; the
// update starts only once the hook succeeds.
type GameStatefulSetPreInplaceUpdateStrategy struct {
	// Hook is the template to run and its arguments.
	// +optional
	Hook *HookStep `json:"hook,omitempty"`
	// RetryUnexpectedHooks runs a hook that did not succeed again, instead of keeping the pod until someone acts.
	// +optional
	RetryUnexpectedHooks bool `json:"retry,omitempty"`
}

// GameStatefulSetPostInplaceUpdateStrategy runs a hook for each pod after its in-place update completed; the
// update goes on to further pods once the hook succeeds.
type GameStatefulSetPostInplaceUpdateStrategy struct {
	// Hook is the template to run and its arguments.
	// +optional
	Hook *HookStep `json:"hook,omitempty"`
	// RetryUnexpectedHooks runs a hook that did not succeed again, instead of holding the update until someone acts.
	// +optional
	RetryUnexpectedHooks bool `json:"retry,omitempty"`
}
