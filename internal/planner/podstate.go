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

	corev1 "k8s.io/api/core/v1"
)

// IsTerminating tells whether the pod is being deleted.
func IsTerminating(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp != nil
}

// IsFailed tells whether the pod's containers ended for good, so the ordinal needs a new pod.
func IsFailed(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

// readyCondition is the pod's Ready condition, or nil.
func readyCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodReady {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// IsRunningAndReady tells whether the pod runs and passes its readiness checks.
func IsRunningAndReady(pod *corev1.Pod) bool {
	c := readyCondition(pod)
	return pod.Status.Phase == corev1.PodRunning && c != nil && c.Status == corev1.ConditionTrue
}

// IsHealthy is running, ready and not terminating: the state OrderedReady waits for.
func IsHealthy(pod *corev1.Pod) bool {
	return IsRunningAndReady(pod) && !IsTerminating(pod)
}

// AvailableIn is how long until the pod has been ready for minReadySeconds: zero when it is available now,
// negative when it is not ready at all.
func AvailableIn(pod *corev1.Pod, minReadySeconds int32, now time.Time) time.Duration {
	if !IsRunningAndReady(pod) {
		return -1
	}
	if minReadySeconds == 0 {
		return 0
	}
	c := readyCondition(pod)
	remaining := c.LastTransitionTime.Add(time.Duration(minReadySeconds) * time.Second).Sub(now)
	if remaining <= 0 {
		return 0
	}
	return remaining
}

// IsAvailable tells whether the pod has been ready for at least minReadySeconds.
func IsAvailable(pod *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	return AvailableIn(pod, minReadySeconds, now) == 0
}
