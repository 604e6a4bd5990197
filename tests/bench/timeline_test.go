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

package main

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodTimesKeepTheLastFirstSightings(t *testing.T) {
	start := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	times := &podTimes{start: start, created: map[string]bool{}, ready: map[string]bool{}, want: 2}
	pod := func(name string, ready bool) *corev1.Pod {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}}}
	}
	times.see(pod("a", false), start.Add(1*time.Second))
	times.see(pod("b", false), start.Add(2*time.Second))
	times.see(pod("a", true), start.Add(3*time.Second))
	if times.allReady() {
		t.Fatal("all ready with one of two")
	}
	times.see(pod("b", true), start.Add(4*time.Second))
	// later updates of pods already seen ready change nothing
	times.see(pod("a", true), start.Add(9*time.Second))
	if !times.allReady() || times.lastCreated != 2*time.Second || times.lastReady != 4*time.Second {
		t.Errorf("all ready %v, last created %v, last ready %v; want true, 2s, 4s", times.allReady(), times.lastCreated, times.lastReady)
	}
}

func TestPrintTimelineShowsMediansAndEachRun(t *testing.T) {
	runs := map[string][]timelineRun{
		apiServer:         {{5, 9, 9}, {5, 12, 12}, {6, 10, 10}},
		"GameStatefulSet": {{4, 11, 11.2}, {4, 8, 8.1}, {4, 9, 9.1}},
	}
	var out strings.Builder
	printTimeline(&out, 1000, runs, []string{apiServer, "GameStatefulSet"})
	for _, want := range []string{
		"| API server | 5.0 | 10.0 | 10.0 | 5.0 / 9.0 / 9.0; 5.0 / 12.0 / 12.0; 6.0 / 10.0 / 10.0 |",
		"| GameStatefulSet | 4.0 | 9.0 | 9.1 |",
		"medians of 3 runs",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("timeline lacks %q:\n%s", want, out.String())
		}
	}
}
