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
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestGrowthExponent(t *testing.T) {
	for _, tc := range []struct {
		name string
		y    func(n float64) float64
		want float64
	}{
		{"flat per pod", func(n float64) float64 { return 0.01 * n }, 1},
		{"quadratic", func(n float64) float64 { return 1e-6 * n * n }, 2},
		{"constant", func(float64) float64 { return 3 }, 0},
	} {
		x := []float64{300, 1000, 3000}
		var y []float64
		for _, n := range x {
			y = append(y, tc.y(n))
		}
		if got := growthExponent(x, y); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("%s: exponent %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestUnthrottledRowsAreHeldAgainstTheirSizesDirectRows(t *testing.T) {
	api := func(s float64) map[string]result { return map[string]result{apiServer: {seconds: s}} }
	gsts := func(s float64) map[string]result { return map[string]result{"GameStatefulSet": {seconds: s}} }
	rows := []row{
		{scenario: directCreation(300), pods: 300, results: api(2)},
		{scenario: directInPlace(300), pods: 300, results: api(4)},
		{scenario: "up 300", pods: 300, results: gsts(3), referenceName: "direct creation", kind: "up"},
		{scenario: "in place 300", pods: 300, results: gsts(5), referenceName: "direct patching", kind: "in place"},
		{scenario: directCreation(1000), pods: 1000, results: api(6)},
		{scenario: "up 1000", pods: 1000, results: gsts(6.6), referenceName: "direct creation", kind: "up"},
	}
	holdAgainstDirect(rows)
	if rows[2].reference != 2 || rows[3].reference != 4 || rows[5].reference != 6 {
		t.Fatalf("references %v %v %v", rows[2].reference, rows[3].reference, rows[5].reference)
	}
	var out bytes.Buffer
	printTable(&out, rows, 1, 1, 1, 0)
	if !strings.Contains(out.String(), "| up 1000 | GameStatefulSet | 6.6 | — | — |") || !strings.Contains(out.String(), "1.10× direct creation") {
		t.Fatalf("table:\n%s", out.String())
	}
	out.Reset()
	printGrowth(&out, rows, "GameStatefulSet")
	if !strings.Contains(out.String(), "| up | 1000 | 6.6 | 6.60 |") || !strings.Contains(out.String(), "up: fitted growth") {
		t.Fatalf("growth:\n%s", out.String())
	}
}

func TestTheOperatorIsHeldAgainstBothControllers(t *testing.T) {
	rows := []row{{scenario: "scale-up", pods: 10, results: map[string]result{
		"StatefulSet": {seconds: 2}, advancedStatefulSet: {seconds: 4}, "GameStatefulSet": {seconds: 1}}}}
	var out bytes.Buffer
	printTable(&out, rows, 1, 1, 1, 0)
	for _, want := range []string{"| scale-up | StatefulSet | 2.0 | — | — |", "| scale-up | Advanced StatefulSet | 4.0 | 2.00× | — |",
		"| scale-up | GameStatefulSet | 1.0 | 0.50× | 0.25× |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}
