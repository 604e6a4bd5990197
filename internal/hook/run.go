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

package hook

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// DefaultConsecutiveErrorLimit is how many measurements in a row may fail to be taken when a metric does not say.
const DefaultConsecutiveErrorLimit = 4

// MaxMeasurements is how many measurements of a metric the status keeps.
const MaxMeasurements = 10

// effectiveCount is how many measurements the metric takes, or 0 when it measures until its limits decide.
func effectiveCount(m *gstsv1alpha1.Metric) int32 {
	if m.Count == 0 && m.Interval == "" {
		return 1
	}
	return m.Count
}

func resultOf(status *gstsv1alpha1.HookRunStatus, name string) *gstsv1alpha1.MetricResult {
	for i := range status.MetricResults {
		if status.MetricResults[i].Name == name {
			return &status.MetricResults[i]
		}
	}
	return nil
}

// Start marks a new run Running.
func Start(status *gstsv1alpha1.HookRunStatus, now time.Time) {
	if status.Phase == "" || status.Phase == gstsv1alpha1.HookPhasePending {
		status.Phase = gstsv1alpha1.HookPhaseRunning
	}
	if status.StartedAt == nil {
		t := metav1.NewTime(now)
		status.StartedAt = &t
	}
}

// Due lists the metrics to measure now, by index, and how long until the next one is due otherwise (0: none).
// Under the Ordered policy a metric starts only once the one before it succeeded.
func Due(spec *gstsv1alpha1.HookRunSpec, status *gstsv1alpha1.HookRunStatus, now time.Time) (due []int, next time.Duration) {
	if status.Phase.Completed() || spec.Terminate {
		return nil, 0
	}
	started := now
	if status.StartedAt != nil {
		started = status.StartedAt.Time
	}
	soonest := func(d time.Duration) {
		if d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	for i := range spec.Metrics {
		metric := &spec.Metrics[i]
		result := resultOf(status, metric.Name)
		if result != nil && result.Phase.Completed() {
			if spec.Policy == gstsv1alpha1.OrderedPolicy && result.Phase != gstsv1alpha1.HookPhaseSuccessful {
				return due, next
			}
			continue
		}
		at := dueAt(metric, result, started)
		if !at.After(now) {
			due = append(due, i)
		} else {
			soonest(at.Sub(now))
		}
		if spec.Policy == gstsv1alpha1.OrderedPolicy {
			return due, next
		}
	}
	return due, next
}

// dueAt is when the metric's next measurement is due: after the initial delay for the first, an interval after
// the last one otherwise. Invalid durations are refused at admission, and read as 0 should one get through.
func dueAt(metric *gstsv1alpha1.Metric, result *gstsv1alpha1.MetricResult, started time.Time) time.Time {
	if result == nil || len(result.Measurements) == 0 {
		delay, _ := metric.InitialDelay.Duration()
		return started.Add(delay)
	}
	last := result.Measurements[len(result.Measurements)-1]
	interval, _ := metric.Interval.Duration()
	if last.FinishedAt == nil {
		return started
	}
	return last.FinishedAt.Add(interval)
}

// Judge turns a measured value, or the error that kept it from being measured, into a measurement: Successful,
// Failed or Inconclusive by the metric's conditions, Error when there was no value or a condition could not be
// evaluated on it.
func Judge(metric *gstsv1alpha1.Metric, v Value, measureErr error, startedAt, now time.Time) gstsv1alpha1.Measurement {
	started, finished := metav1.NewTime(startedAt), metav1.NewTime(now)
	m := gstsv1alpha1.Measurement{StartedAt: &started, FinishedAt: &finished, Value: v.Text}
	if measureErr != nil {
		m.Phase, m.Message = gstsv1alpha1.HookPhaseError, measureErr.Error()
		return m
	}
	if v.Phase != "" {
		m.Phase, m.Message = v.Phase, v.Message
		return m
	}
	phase, err := judge(metric, v.Result)
	if err != nil {
		m.Phase, m.Message = gstsv1alpha1.HookPhaseError, err.Error()
		return m
	}
	m.Phase = phase
	return m
}

// Value is what a provider measured: the result the conditions see, its text for the status, and the phase when
// the provider decides it itself (a NaN from Prometheus is inconclusive, a kubernetes get without conditions
// compares the fields).
type Value struct {
	Result  any
	Text    string
	Phase   gstsv1alpha1.HookPhase
	Message string
}

func judge(metric *gstsv1alpha1.Metric, value any) (gstsv1alpha1.HookPhase, error) {
	var failed, succeeded bool
	var err error
	if metric.FailureCondition != "" {
		if failed, err = EvaluateCondition(metric.FailureCondition, value); err != nil {
			return "", err
		}
	}
	if metric.SuccessCondition != "" {
		if succeeded, err = EvaluateCondition(metric.SuccessCondition, value); err != nil {
			return "", err
		}
	}
	switch {
	case failed:
		// a value that meets both conditions is a failure: a hook guards players, and doubt keeps the pod
		return gstsv1alpha1.HookPhaseFailed, nil
	case metric.SuccessCondition == "" || succeeded:
		return gstsv1alpha1.HookPhaseSuccessful, nil
	case metric.FailureCondition == "":
		return gstsv1alpha1.HookPhaseFailed, nil
	default:
		return gstsv1alpha1.HookPhaseInconclusive, nil
	}
}

// Record adds a measurement to its metric's result and decides the metric's phase from the counts.
func Record(status *gstsv1alpha1.HookRunStatus, metric *gstsv1alpha1.Metric, m gstsv1alpha1.Measurement) {
	result := resultOf(status, metric.Name)
	if result == nil {
		status.MetricResults = append(status.MetricResults, gstsv1alpha1.MetricResult{Name: metric.Name, Phase: gstsv1alpha1.HookPhaseRunning})
		result = &status.MetricResults[len(status.MetricResults)-1]
	}
	if interval, _ := metric.Interval.Duration(); interval > 0 && m.FinishedAt != nil {
		resume := metav1.NewTime(m.FinishedAt.Add(interval))
		m.ResumeAt = &resume
	}
	result.Measurements = append(result.Measurements, m)
	if n := len(result.Measurements); n > MaxMeasurements {
		result.Measurements = append([]gstsv1alpha1.Measurement(nil), result.Measurements[n-MaxMeasurements:]...)
	}
	result.Count++
	switch m.Phase {
	case gstsv1alpha1.HookPhaseSuccessful:
		result.Successful++
		result.ConsecutiveSuccessful++
		result.ConsecutiveError = 0
	case gstsv1alpha1.HookPhaseFailed:
		result.Failed++
		result.ConsecutiveSuccessful, result.ConsecutiveError = 0, 0
	case gstsv1alpha1.HookPhaseInconclusive:
		result.Inconclusive++
		result.ConsecutiveSuccessful, result.ConsecutiveError = 0, 0
	case gstsv1alpha1.HookPhaseError:
		result.Error++
		result.ConsecutiveError++
		result.ConsecutiveSuccessful = 0
	}
	result.Phase, result.Message = metricPhase(metric, result)
	if result.Message == "" && m.Message != "" {
		result.Message = m.Message
	}
}

// metricPhase decides a metric from its counts: a limit crossed ends it, as does its count reached.
func metricPhase(metric *gstsv1alpha1.Metric, r *gstsv1alpha1.MetricResult) (gstsv1alpha1.HookPhase, string) {
	errorLimit := int32(DefaultConsecutiveErrorLimit)
	if metric.ConsecutiveErrorLimit != nil {
		errorLimit = *metric.ConsecutiveErrorLimit
	}
	switch {
	case FailsMetric(metric, r.Failed):
		return gstsv1alpha1.HookPhaseFailed, fmt.Sprintf("%d measurements failed, more than failureLimit %d", r.Failed, metric.FailureLimit)
	case r.ConsecutiveError > errorLimit:
		return gstsv1alpha1.HookPhaseError, fmt.Sprintf("%d measurements in a row could not be taken, more than consecutiveErrorLimit %d", r.ConsecutiveError, errorLimit)
	case r.Inconclusive > metric.InconclusiveLimit:
		return gstsv1alpha1.HookPhaseInconclusive, fmt.Sprintf("%d measurements were inconclusive, more than inconclusiveLimit %d", r.Inconclusive, metric.InconclusiveLimit)
	case metric.SuccessfulLimit > 0 && r.Successful >= metric.SuccessfulLimit:
		return gstsv1alpha1.HookPhaseSuccessful, fmt.Sprintf("%d measurements succeeded (successfulLimit)", r.Successful)
	case metric.ConsecutiveSuccessfulLimit != nil && r.ConsecutiveSuccessful >= *metric.ConsecutiveSuccessfulLimit:
		return gstsv1alpha1.HookPhaseSuccessful, fmt.Sprintf("%d measurements in a row succeeded (consecutiveSuccessfulLimit)", r.ConsecutiveSuccessful)
	case effectiveCount(metric) > 0 && r.Count >= effectiveCount(metric):
		return countReached(metric, r)
	}
	return gstsv1alpha1.HookPhaseRunning, ""
}

// countReached decides a metric that took all its measurements within its limits. Measuring to a limit of
// successes that was not reached is no success.
func countReached(metric *gstsv1alpha1.Metric, r *gstsv1alpha1.MetricResult) (gstsv1alpha1.HookPhase, string) {
	switch {
	case (metric.SuccessfulLimit > 0 || metric.ConsecutiveSuccessfulLimit != nil) || r.Successful == 0:
		return gstsv1alpha1.HookPhaseFailed, fmt.Sprintf("%d of %d measurements succeeded, not enough", r.Successful, r.Count)
	default:
		return gstsv1alpha1.HookPhaseSuccessful, fmt.Sprintf("%d of %d measurements succeeded", r.Successful, r.Count)
	}
}

// FailsMetric tells whether so many failed measurements fail the metric. A failureLimit of -1 never fails it:
// the metric then measures until it succeeds, as upstream templates with failureLimit 0 behave in the upstream
// operator (docs/hooks.md).
func FailsMetric(metric *gstsv1alpha1.Metric, failed int32) bool {
	return metric.FailureLimit >= 0 && failed > metric.FailureLimit
}

// Settle decides the run from its metrics: the first metric that ends other than Successful ends the run with
// its phase; the run succeeds when every metric did. Terminate ends it at once, Successful.
func Settle(spec *gstsv1alpha1.HookRunSpec, status *gstsv1alpha1.HookRunStatus) {
	if status.Phase.Completed() {
		return
	}
	if spec.Terminate {
		status.Phase, status.Message = gstsv1alpha1.HookPhaseSuccessful, "terminated"
		for i := range status.MetricResults {
			if !status.MetricResults[i].Phase.Completed() {
				status.MetricResults[i].Phase = gstsv1alpha1.HookPhaseSuccessful
			}
		}
		return
	}
	succeeded := 0
	for i := range spec.Metrics {
		r := resultOf(status, spec.Metrics[i].Name)
		if r == nil || !r.Phase.Completed() {
			continue
		}
		if r.Phase != gstsv1alpha1.HookPhaseSuccessful {
			status.Phase = r.Phase
			status.Message = fmt.Sprintf("metric %s: %s", r.Name, r.Message)
			return
		}
		succeeded++
	}
	if succeeded == len(spec.Metrics) {
		status.Phase, status.Message = gstsv1alpha1.HookPhaseSuccessful, fmt.Sprintf("all %d metrics succeeded", succeeded)
	}
}
