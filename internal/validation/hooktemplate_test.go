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

package validation

import (
	"strings"
	"testing"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func TestHookTemplate(t *testing.T) {
	web := func(url string) gstsv1alpha1.MetricProvider {
		return gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{URL: url, JSONPath: "{$.players}"}}
	}
	good := gstsv1alpha1.HookTemplateSpec{Args: []gstsv1alpha1.Argument{{Name: "PodIP"}},
		Metrics: []gstsv1alpha1.Metric{{Name: "players", Interval: "5s", Count: 3, SuccessCondition: "asInt(result) == 0", Provider: web("http://{{ args.PodIP }}/players")}}}
	if warnings, errs := HookTemplate(&good); len(errs) > 0 || len(warnings) > 0 {
		t.Fatalf("a good template: %v %v", warnings, errs)
	}
	for _, tc := range []struct {
		name    string
		metrics []gstsv1alpha1.Metric
		want    string
	}{
		{"two metrics of one name", []gstsv1alpha1.Metric{{Name: "a", Provider: web("http://x")}, {Name: "a", Provider: web("http://y")}}, "spec.metrics[1].name: Duplicate value"},
		{"a failure condition that does not compile", []gstsv1alpha1.Metric{{Name: "a", FailureCondition: "result ==", Provider: web("http://x")}}, "spec.metrics[0].failureCondition"},
		{"an initial delay that is no duration", []gstsv1alpha1.Metric{{Name: "a", InitialDelay: "soon", Provider: web("http://x")}}, "spec.metrics[0].initialDelay"},
		{"a count without an interval", []gstsv1alpha1.Metric{{Name: "a", Count: 2, Provider: web("http://x")}}, "spec.metrics[0].interval: Required value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errs := HookTemplate(&gstsv1alpha1.HookTemplateSpec{Metrics: tc.metrics})
			if !strings.Contains(errs.ToAggregate().Error(), tc.want) {
				t.Errorf("errors %v, want one with %q", errs, tc.want)
			}
		})
	}
	warnings, _ := HookTemplate(&gstsv1alpha1.HookTemplateSpec{Metrics: []gstsv1alpha1.Metric{{Name: "a", Provider: web("http://{{ args.PodIP }}/")}}})
	if len(warnings) != 1 || !strings.Contains(warnings[0], "args.PodIP") {
		t.Errorf("warnings %q", warnings)
	}
}
