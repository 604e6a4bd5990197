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

import "testing"

func TestMedianRunsPicksEachControllersMedianRun(t *testing.T) {
	run := func(sts, gsts float64) []row {
		return []row{{scenario: "scale-up", results: map[string]result{
			"StatefulSet": {seconds: sts, cpuSeconds: sts * 10}, "GameStatefulSet": {seconds: gsts, cpuSeconds: gsts * 10}}}}
	}
	merged := medianRuns([][]row{run(3, 1), run(1, 9), run(2, 5)})
	if got := merged[0].results["StatefulSet"]; got.seconds != 2 || got.cpuSeconds != 20 {
		t.Fatalf("StatefulSet %+v", got)
	}
	if got := merged[0].results["GameStatefulSet"]; got.seconds != 5 || got.cpuSeconds != 50 {
		t.Fatalf("GameStatefulSet %+v", got)
	}
}
