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
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PolicyType says how the metrics of a hook run.
// +kubebuilder:validation:Enum=Parallel;Ordered
type PolicyType string

const (
	// ParallelPolicy measures every metric at once.
	ParallelPolicy PolicyType = "Parallel"
	// OrderedPolicy measures each metric after the one before it succeeded.
	OrderedPolicy PolicyType = "Ordered"
)

// Argument is a named value a template's metrics use as {{ args.<name> }}.
type Argument struct {
	// Name is the argument's name.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Value is the default; an argument without one must be given by the hook step or the operator.
	// +optional
	Value *string `json:"value,omitempty"`
}

// DurationString is a Go duration: "30s", "5m", "1h30m".
// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
type DurationString string

// Duration parses the string; an empty one is 0.
func (d DurationString) Duration() (time.Duration, error) {
	if d == "" {
		return 0, nil
	}
	return time.ParseDuration(string(d))
}

// Metric is one check of a hook: a provider measured count times, interval apart, each measurement judged by the
// success and failure conditions.
type Metric struct {
	// Name names the metric in the run's results.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Interval is the time between measurements; without it the metric measures once (or count times at once).
	// +optional
	Interval DurationString `json:"interval,omitempty"`
	// InitialDelay is how long after the run starts the first measurement waits.
	// +optional
	InitialDelay DurationString `json:"initialDelay,omitempty"`
	// Count is how many measurements to take; 0 is one without an interval and unbounded with one.
	// +kubebuilder:validation:Minimum=0
	// +optional
	Count int32 `json:"count,omitempty"`
	// SuccessCondition is an expression over the measured value, `result`, true when the measurement succeeded:
	// `asInt(result) == 0`, `asFloat(result) > 0.95`, `result == "ok"`.
	// +optional
	SuccessCondition string `json:"successCondition,omitempty"`
	// FailureCondition is an expression true when the measurement failed. With both conditions, a measurement
	// that meets neither is inconclusive.
	// +optional
	FailureCondition string `json:"failureCondition,omitempty"`
	// FailureLimit is how many failed measurements the metric tolerates; one more fails it. See docs/hooks.md for
	// how 0 differs from the upstream operator.
	// +kubebuilder:validation:Minimum=-1
	// +optional
	FailureLimit int32 `json:"failureLimit,omitempty"`
	// SuccessfulLimit, when above 0, makes the metric succeed once that many measurements succeeded, even before
	// count is reached.
	// +kubebuilder:validation:Minimum=0
	// +optional
	SuccessfulLimit int32 `json:"successfulLimit,omitempty"`
	// InconclusiveLimit is how many inconclusive measurements the metric tolerates; one more makes it
	// Inconclusive.
	// +kubebuilder:validation:Minimum=0
	// +optional
	InconclusiveLimit int32 `json:"inconclusiveLimit,omitempty"`
	// ConsecutiveErrorLimit is how many measurements in a row may fail to be taken (default 4) before the metric
	// is in Error.
	// +kubebuilder:validation:Minimum=0
	// +optional
	ConsecutiveErrorLimit *int32 `json:"consecutiveErrorLimit,omitempty"`
	// ConsecutiveSuccessfulLimit, when set, makes the metric succeed once that many measurements in a row
	// succeeded.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ConsecutiveSuccessfulLimit *int32 `json:"consecutiveSuccessfulLimit,omitempty"`
	// Provider takes the measurement.
	Provider MetricProvider `json:"provider"`
}

// MetricProvider is where a measurement comes from: exactly one provider.
// +kubebuilder:validation:XValidation:rule="(has(self.web) ? 1 : 0) + (has(self.prometheus) ? 1 : 0) + (has(self.kubernetes) ? 1 : 0) + (has(self.exec) ? 1 : 0) == 1",message="a metric has exactly one provider: web, prometheus, kubernetes or exec"
type MetricProvider struct {
	// Web GETs a URL and takes a value from its JSON answer.
	// +optional
	Web *WebMetric `json:"web,omitempty"`
	// Prometheus runs an instant query.
	// +optional
	Prometheus *PrometheusMetric `json:"prometheus,omitempty"`
	// Kubernetes reads or patches fields of the hook's pod.
	// +optional
	Kubernetes *KubernetesMetric `json:"kubernetes,omitempty"`
	// Exec runs a command in a container of the pod. Accepted so that upstream templates apply; every
	// measurement of it is an error (docs/hooks.md).
	// +optional
	Exec *ExecMetric `json:"exec,omitempty"`
}

// WebMetric is a GET of a URL whose JSON answer holds the value.
type WebMetric struct {
	// URL may use {{ args.<name> }}: http://{{ args.PodIP }}:8080/players.
	// +kubebuilder:validation:MinLength=1
	URL string `json:"url"`
	// Headers are sent with the request; their values may use {{ args.<name> }}.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Headers []WebMetricHeader `json:"headers,omitempty"`
	// TimeoutSeconds bounds the request (default 10).
	// +kubebuilder:validation:Minimum=0
	// +optional
	TimeoutSeconds int `json:"timeoutSeconds,omitempty"`
	// JSONPath picks the value out of the answer, as kubectl's -o jsonpath does: "{$.players}".
	JSONPath string `json:"jsonPath"`
}

// WebMetricHeader is a header of a web metric's request.
type WebMetricHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// PrometheusMetric is an instant query of a Prometheus server.
type PrometheusMetric struct {
	// Address is the server's URL: http://prometheus.monitoring:9090.
	Address string `json:"address,omitempty"`
	// Query may use {{ args.<name> }}; a vector answer gives its first sample's value.
	Query string `json:"query,omitempty"`
}

// KubernetesMetric reads (get) or writes (patch) fields of the hook's pod, the one named by the PodName argument.
type KubernetesMetric struct {
	// Fields are the paths, metadata.annotations.<key> or metadata.labels.<key>, with the values patch writes.
	// +kubebuilder:validation:MaxItems=32
	// +listType=atomic
	// +optional
	Fields []Field `json:"fields,omitempty"`
	// Function is get or patch.
	// +kubebuilder:validation:Enum=get;patch
	// +optional
	Function string `json:"function,omitempty"`
}

// Field is a path of the pod and, for patch, its value.
type Field struct {
	// Path is metadata.annotations.<key> or metadata.labels.<key>.
	Path string `json:"path"`
	// Value is what patch writes there.
	// +optional
	Value string `json:"value,omitempty"`
}

// ExecMetric is a command run in a container of the pod.
type ExecMetric struct {
	// Container is the container's name.
	// +optional
	Container string `json:"container,omitempty"`
	// Command is the command and its arguments.
	// +listType=atomic
	// +optional
	Command []string `json:"command,omitempty"`
}

// HookTemplateSpec is what a HookRun made from the template measures.
type HookTemplateSpec struct {
	// Metrics are the checks.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	Metrics []Metric `json:"metrics"`
	// Args are the arguments the metrics use, with their defaults.
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	// +optional
	Args []Argument `json:"args,omitempty"`
	// Policy is Parallel (the default) or Ordered.
	// +kubebuilder:default=Parallel
	// +optional
	Policy PolicyType `json:"policy,omitempty"`
}

// HookTemplate is a reusable check that canary steps and pod lifecycle hooks run as HookRuns.
// +kubebuilder:object:root=true
// +kubebuilder:resource:categories=all
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
type HookTemplate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec HookTemplateSpec `json:"spec"`
}

// HookTemplateList is a list of HookTemplates.
// +kubebuilder:object:root=true
type HookTemplateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []HookTemplate `json:"items"`
}

func init() {
	SchemeBuilder.Register(&HookTemplate{}, &HookTemplateList{})
}
