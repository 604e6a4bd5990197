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

import corev1 "k8s.io/api/core/v1"

// budget is the one availability budget of a plan: how many more serving pods it may take out of service, that
// is maxUnavailable less the set's ordinals out of service when the plan starts. Every path that takes a pod out
// spends from it: moves off lost nodes, rolling deletions, in-place updates and resizes (whose fallback to a
// recreation is the same pod going out).
type budget struct{ left int }

func newBudget(in *Input) *budget { return &budget{left: MaxUnavailable(in.Set) - in.unavailable()} }

// take spends the budget for taking a serving pod out of service and tells whether there was room; a pod out of
// service already costs nothing.
func (b *budget) take(serving bool) bool {
	if !serving {
		return true
	}
	if b.left <= 0 {
		return false
	}
	b.left--
	return true
}

// serving tells whether the pod is in service, as far as the API server knows: available, not terminating and
// not in the middle of an in-place update, and not leaving service through a pre-delete or pre-inplace hook.
func (in *Input) serving(pod *corev1.Pod) bool {
	return !IsTerminating(pod) && IsAvailable(pod, in.Set.Spec.MinReadySeconds, in.Now) && !in.updating(pod) && !in.held(pod)
}

// unavailable counts the set's ordinals out of service: without a pod, or with one that is not serving.
func (in *Input) unavailable() int {
	replicas, _ := in.slots()
	n := 0
	for _, pod := range replicas {
		if pod == nil || !in.serving(pod) {
			n++
		}
	}
	return n
}
