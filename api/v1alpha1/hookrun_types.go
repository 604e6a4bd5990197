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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// HookRunSpec is a HookTemplate's spec with its arguments resolved.
type HookRunSpec struct {
	// Metrics are the checks.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Metrics []Metric `json:"metrics"`
	// Args are the resolved arguments.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Args []Argument `json:"args,omitempty"`
	// Terminate stops the run: metrics still running end as Successful.
	// +optional
	Terminate bool `json:"terminate,omitempty"`
	// Policy is Parallel (the default) or Ordered.
	// +optional
	Policy PolicyType `json:"policy,omitempty"`
}

// Measurement is one value a metric's provider returned, and how it was judged.
type Measurement struct {
	Phase HookPhase `json:"phase"`
	// +optional
	Message string `json:"message,omitempty"`
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
	// +optional
	FinishedAt *metav1.Time `json:"finishedAt,omitempty"`
	// ResumeAt is when the next measurement is due.
	// +optional
	ResumeAt *metav1.Time `json:"resumeAt,omitempty"`
	// +optional
	Value string `json:"value,omitempty"`
}

// MetricResult is where one metric stands: its phase, its counts and its latest measurements.
type MetricResult struct {
	Name  string    `json:"name"`
	Phase HookPhase `json:"phase"`
	// Measurements are the latest ones, oldest first (at most 10 are kept).
	// +listType=atomic
	// +optional
	Measurements []Measurement `json:"measurements,omitempty"`
	// +optional
	Message string `json:"message,omitempty"`
	// +optional
	Count int32 `json:"count,omitempty"`
	// +optional
	Successful int32 `json:"successful,omitempty"`
	// +optional
	Failed int32 `json:"failed,omitempty"`
	// +optional
	Inconclusive int32 `json:"inconclusive,omitempty"`
	// +optional
	Error int32 `json:"error,omitempty"`
	// +optional
	ConsecutiveError int32 `json:"consecutiveError,omitempty"`
	// +optional
	ConsecutiveSuccessful int32 `json:"consecutiveSuccessful,omitempty"`
}

// HookRunStatus is where a run stands.
type HookRunStatus struct {
	// Phase is Pending, Running, or final: Successful, Failed, Error or Inconclusive.
	// +optional
	Phase HookPhase `json:"phase,omitempty"`
	// Message says why the run ended as it did.
	// +optional
	Message string `json:"message,omitempty"`
	// MetricResults has one entry per metric that started.
	// +listType=atomic
	// +optional
	MetricResults []MetricResult `json:"metricResults,omitempty"`
	// StartedAt is when the first measurement began.
	// +optional
	StartedAt *metav1.Time `json:"startedAt,omitempty"`
}

// HookRun is one run of a HookTemplate: for a canary step, or for one pod before its deletion or around its
// in-place update.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=all
// +kubebuilder:printcolumn:name="PHASE",type=string,JSONPath=`.status.phase`,description="The phase of the run"
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
type HookRun struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   HookRunSpec   `json:"spec"`
	Status HookRunStatus `json:"status,omitempty"`
}

// HookRunList is a list of HookRuns.
// +kubebuilder:object:root=true
type HookRunList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HookRun `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HookRun{}, &HookRunList{})
}
