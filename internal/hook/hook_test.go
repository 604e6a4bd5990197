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
	"errors"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func TestEvaluateCondition(t *testing.T) {
	for _, tc := range []struct {
		condition string
		result    any
		want      bool
		err       bool
	}{
		{"asInt(result) < 30", "12", true, false},
		{"asInt(result) < 30", "42", false, false},
		{"asInt(result) == 0", " 0 ", true, false},
		{"asFloat(result) >= 0.9", "0.95", true, false},
		{`result == "ok"`, "ok", true, false},
		{"result[0] > 1", []float64{2.5}, true, false},
		{"result > 0.5", 0.7, true, false},
		{"asInt(result) < 30", "many", false, true},
		{"asInt(result) < 30", "1.5", false, true},
		{"result +", "1", false, true},
		{"asInt(result)", "1", false, true}, // not a boolean
	} {
		got, err := EvaluateCondition(tc.condition, tc.result)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("EvaluateCondition(%q, %v) = %v, %v; want %v, error %v", tc.condition, tc.result, got, err, tc.want, tc.err)
		}
	}
}

func TestJudge(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct {
		name             string
		success, failure string
		value            Value
		measureErr       error
		want             gstsv1alpha1.HookPhase
	}{
		{"no conditions", "", "", Value{Result: "x"}, nil, gstsv1alpha1.HookPhaseSuccessful},
		{"success met", "asInt(result) == 0", "", Value{Result: "0"}, nil, gstsv1alpha1.HookPhaseSuccessful},
		{"success not met, no failure condition", "asInt(result) == 0", "", Value{Result: "3"}, nil, gstsv1alpha1.HookPhaseFailed},
		{"failure only, not met", "", "asInt(result) > 10", Value{Result: "3"}, nil, gstsv1alpha1.HookPhaseSuccessful},
		{"failure only, met", "", "asInt(result) > 10", Value{Result: "30"}, nil, gstsv1alpha1.HookPhaseFailed},
		{"neither met", "asInt(result) == 0", "asInt(result) > 10", Value{Result: "3"}, nil, gstsv1alpha1.HookPhaseInconclusive},
		{"both met fails", "asInt(result) >= 0", "asInt(result) > 10", Value{Result: "30"}, nil, gstsv1alpha1.HookPhaseFailed},
		{"not measured", "asInt(result) == 0", "", Value{}, errors.New("connection refused"), gstsv1alpha1.HookPhaseError},
		{"condition cannot be evaluated", "asInt(result) == 0", "", Value{Result: "n/a"}, nil, gstsv1alpha1.HookPhaseError},
		{"provider decides", "asInt(result) == 0", "", Value{Result: 0.0, Phase: gstsv1alpha1.HookPhaseInconclusive}, nil, gstsv1alpha1.HookPhaseInconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Judge(&gstsv1alpha1.Metric{SuccessCondition: tc.success, FailureCondition: tc.failure}, tc.value, tc.measureErr, now, now)
			if m.Phase != tc.want {
				t.Errorf("phase %s, want %s (%s)", m.Phase, tc.want, m.Message)
			}
		})
	}
}

func measurements(metric gstsv1alpha1.Metric, phases ...gstsv1alpha1.HookPhase) *gstsv1alpha1.MetricResult {
	status := &gstsv1alpha1.HookRunStatus{}
	at := time.Unix(1000, 0)
	for _, p := range phases {
		finished := metav1.NewTime(at)
		Record(status, &metric, gstsv1alpha1.Measurement{Phase: p, FinishedAt: &finished})
		at = at.Add(time.Second)
	}
	return &status.MetricResults[0]
}

func TestMetricPhase(t *testing.T) {
	const (
		S = gstsv1alpha1.HookPhaseSuccessful
		F = gstsv1alpha1.HookPhaseFailed
		I = gstsv1alpha1.HookPhaseInconclusive
		E = gstsv1alpha1.HookPhaseError
		R = gstsv1alpha1.HookPhaseRunning
	)
	for _, tc := range []struct {
		name   string
		metric gstsv1alpha1.Metric
		seen   []gstsv1alpha1.HookPhase
		want   gstsv1alpha1.HookPhase
	}{
		{"one shot succeeds", gstsv1alpha1.Metric{}, []gstsv1alpha1.HookPhase{S}, S},
		// upstream calls this Successful: failureLimit 0 never fails there
		{"one shot fails with failureLimit 0", gstsv1alpha1.Metric{}, []gstsv1alpha1.HookPhase{F}, F},
		{"failures within the limit", gstsv1alpha1.Metric{Count: 3, Interval: "1s", FailureLimit: 2}, []gstsv1alpha1.HookPhase{F, F}, R},
		{"failures beyond the limit", gstsv1alpha1.Metric{Count: 5, Interval: "1s", FailureLimit: 2}, []gstsv1alpha1.HookPhase{F, F, F}, F},
		{"count reached within the limit", gstsv1alpha1.Metric{Count: 3, Interval: "1s", FailureLimit: 2}, []gstsv1alpha1.HookPhase{F, S, F}, S},
		// upstream calls this Successful too: no measurement succeeded, so it is no success here
		{"count reached without one success", gstsv1alpha1.Metric{Count: 2, Interval: "1s", FailureLimit: 5}, []gstsv1alpha1.HookPhase{F, F}, F},
		{"wait until success: failureLimit -1", gstsv1alpha1.Metric{Interval: "1s", FailureLimit: -1, SuccessfulLimit: 1}, []gstsv1alpha1.HookPhase{F, F, F, F, F, F, F}, R},
		{"wait until success, then success", gstsv1alpha1.Metric{Interval: "1s", FailureLimit: -1, SuccessfulLimit: 1}, []gstsv1alpha1.HookPhase{F, F, S}, S},
		{"successful limit short of count", gstsv1alpha1.Metric{Count: 10, Interval: "1s", SuccessfulLimit: 2}, []gstsv1alpha1.HookPhase{S, S}, S},
		{"count reached short of the successful limit", gstsv1alpha1.Metric{Count: 3, Interval: "1s", FailureLimit: 3, SuccessfulLimit: 3}, []gstsv1alpha1.HookPhase{S, F, S}, F},
		{"consecutive successes", gstsv1alpha1.Metric{Interval: "1s", FailureLimit: -1, ConsecutiveSuccessfulLimit: ptr.To(int32(2))}, []gstsv1alpha1.HookPhase{S, F, S, S}, S},
		{"errors within the default limit", gstsv1alpha1.Metric{Interval: "1s"}, []gstsv1alpha1.HookPhase{E, E, E, E}, R},
		{"errors beyond the default limit", gstsv1alpha1.Metric{Interval: "1s"}, []gstsv1alpha1.HookPhase{E, E, E, E, E}, E},
		{"a success resets the errors", gstsv1alpha1.Metric{Interval: "1s", SuccessfulLimit: 3}, []gstsv1alpha1.HookPhase{E, E, E, E, S, E, E, E, E}, R},
		{"consecutive error limit 0", gstsv1alpha1.Metric{Interval: "1s", ConsecutiveErrorLimit: ptr.To(int32(0))}, []gstsv1alpha1.HookPhase{E}, E},
		{"inconclusive beyond its limit", gstsv1alpha1.Metric{Count: 4, Interval: "1s", InconclusiveLimit: 1}, []gstsv1alpha1.HookPhase{I, I}, I},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := measurements(tc.metric, tc.seen...).Phase; got != tc.want {
				t.Errorf("phase %s, want %s", got, tc.want)
			}
		})
	}
}

func TestRecordKeepsTheLatestMeasurements(t *testing.T) {
	phases := make([]gstsv1alpha1.HookPhase, 25)
	for i := range phases {
		phases[i] = gstsv1alpha1.HookPhaseFailed
	}
	r := measurements(gstsv1alpha1.Metric{Interval: "1s", FailureLimit: -1}, phases...)
	if len(r.Measurements) != MaxMeasurements || r.Count != 25 || r.Failed != 25 {
		t.Fatalf("kept %d measurements, count %d, failed %d", len(r.Measurements), r.Count, r.Failed)
	}
	if got := r.Measurements[MaxMeasurements-1].FinishedAt.Unix(); got != 1024 {
		t.Errorf("the last measurement kept finished at %d, want the 25th (1024)", got)
	}
	if r.Measurements[0].ResumeAt == nil {
		t.Error("a metric with an interval says when it measures next")
	}
}

func TestDue(t *testing.T) {
	start := time.Unix(1000, 0)
	started := metav1.NewTime(start)
	finishedAt := func(sec int64) *metav1.Time { t := metav1.NewTime(time.Unix(sec, 0)); return &t }
	for _, tc := range []struct {
		name     string
		spec     gstsv1alpha1.HookRunSpec
		results  []gstsv1alpha1.MetricResult
		now      time.Time
		wantDue  []int
		wantNext time.Duration
	}{
		{"first measurements at once", gstsv1alpha1.HookRunSpec{Metrics: []gstsv1alpha1.Metric{{Name: "a"}, {Name: "b"}}}, nil, start, []int{0, 1}, 0},
		{"initial delay", gstsv1alpha1.HookRunSpec{Metrics: []gstsv1alpha1.Metric{{Name: "a", InitialDelay: "5s"}}}, nil, start.Add(2 * time.Second), nil, 3 * time.Second},
		{"interval", gstsv1alpha1.HookRunSpec{Metrics: []gstsv1alpha1.Metric{{Name: "a", Interval: "10s"}}},
			[]gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseRunning, Measurements: []gstsv1alpha1.Measurement{{FinishedAt: finishedAt(1004)}}}},
			start.Add(6 * time.Second), nil, 8 * time.Second},
		{"ordered: the second waits for the first", gstsv1alpha1.HookRunSpec{Policy: gstsv1alpha1.OrderedPolicy, Metrics: []gstsv1alpha1.Metric{{Name: "a"}, {Name: "b"}}},
			nil, start, []int{0}, 0},
		{"ordered: the second after the first succeeded", gstsv1alpha1.HookRunSpec{Policy: gstsv1alpha1.OrderedPolicy, Metrics: []gstsv1alpha1.Metric{{Name: "a"}, {Name: "b"}}},
			[]gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseSuccessful}}, start, []int{1}, 0},
		{"terminated", gstsv1alpha1.HookRunSpec{Terminate: true, Metrics: []gstsv1alpha1.Metric{{Name: "a"}}}, nil, start, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := &gstsv1alpha1.HookRunStatus{Phase: gstsv1alpha1.HookPhaseRunning, StartedAt: &started, MetricResults: tc.results}
			due, next := Due(&tc.spec, status, tc.now)
			if len(due) != len(tc.wantDue) || next != tc.wantNext {
				t.Fatalf("due %v next %s, want %v next %s", due, next, tc.wantDue, tc.wantNext)
			}
			for i := range due {
				if due[i] != tc.wantDue[i] {
					t.Fatalf("due %v, want %v", due, tc.wantDue)
				}
			}
		})
	}
}

func TestSettle(t *testing.T) {
	spec := &gstsv1alpha1.HookRunSpec{Metrics: []gstsv1alpha1.Metric{{Name: "a"}, {Name: "b"}}}
	for _, tc := range []struct {
		name    string
		results []gstsv1alpha1.MetricResult
		want    gstsv1alpha1.HookPhase
	}{
		{"one still running", []gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseSuccessful}, {Name: "b", Phase: gstsv1alpha1.HookPhaseRunning}}, gstsv1alpha1.HookPhaseRunning},
		{"all succeeded", []gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseSuccessful}, {Name: "b", Phase: gstsv1alpha1.HookPhaseSuccessful}}, gstsv1alpha1.HookPhaseSuccessful},
		{"a failure ends the run at once", []gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseFailed}, {Name: "b", Phase: gstsv1alpha1.HookPhaseRunning}}, gstsv1alpha1.HookPhaseFailed},
		{"an error", []gstsv1alpha1.MetricResult{{Name: "b", Phase: gstsv1alpha1.HookPhaseError}}, gstsv1alpha1.HookPhaseError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := &gstsv1alpha1.HookRunStatus{Phase: gstsv1alpha1.HookPhaseRunning, MetricResults: tc.results}
			Settle(spec, status)
			if status.Phase != tc.want {
				t.Errorf("phase %s, want %s", status.Phase, tc.want)
			}
		})
	}
	terminated := &gstsv1alpha1.HookRunStatus{Phase: gstsv1alpha1.HookPhaseRunning, MetricResults: []gstsv1alpha1.MetricResult{{Name: "a", Phase: gstsv1alpha1.HookPhaseRunning}}}
	Settle(&gstsv1alpha1.HookRunSpec{Terminate: true, Metrics: spec.Metrics}, terminated)
	if terminated.Phase != gstsv1alpha1.HookPhaseSuccessful || terminated.MetricResults[0].Phase != gstsv1alpha1.HookPhaseSuccessful {
		t.Errorf("a terminated run ends Successful: %+v", terminated)
	}
}

func TestResolveArgsAndSubstitute(t *testing.T) {
	declared := []gstsv1alpha1.Argument{{Name: "PodIP"}, {Name: "port", Value: ptr.To("8080")}, {Name: "PodName"}}
	args, err := ResolveArgs(declared, []gstsv1alpha1.HookRunArgument{{Name: "port", Value: "9091"}, {Name: "service-name", Value: "lobby"}},
		map[string]string{ArgPodIP: "10.0.0.7", ArgPodName: "web-3", ArgHostIP: "192.168.1.2"})
	if err != nil {
		t.Fatal(err)
	}
	url, err := Substitute("http://{{ args.PodIP }}:{{args.port}}/players?pod={{ args.PodName }}&svc={{ args.service-name }}", args)
	if err != nil || url != "http://10.0.0.7:9091/players?pod=web-3&svc=lobby" {
		t.Errorf("Substitute = %q, %v", url, err)
	}
	if ArgValue(args, ArgHostIP) != "" {
		t.Error("an operator argument the template does not declare is not passed")
	}
	if _, err := Substitute("{{ args.missing }}", args); err == nil {
		t.Error("an unknown argument is an error")
	}
	if _, err := ResolveArgs([]gstsv1alpha1.Argument{{Name: "token"}}, nil, nil); err == nil {
		t.Error("an argument without a value is an error")
	}
}

// FuzzRecord drives a metric through any sequence of measurements: the counts add up, a final phase stays final,
// and no metric succeeds without a successful measurement.
func FuzzRecord(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, int32(0), int32(0), int32(0), int32(2))
	f.Add([]byte{1, 1, 1, 1, 1, 1}, int32(-1), int32(1), int32(0), int32(0))
	f.Fuzz(func(t *testing.T, seq []byte, failureLimit, successfulLimit, inconclusiveLimit, count int32) {
		if failureLimit < -1 || successfulLimit < 0 || inconclusiveLimit < 0 || count < 0 || count > 50 {
			return
		}
		metric := gstsv1alpha1.Metric{Name: "m", Interval: "1s", FailureLimit: failureLimit, SuccessfulLimit: successfulLimit,
			InconclusiveLimit: inconclusiveLimit, Count: count}
		phases := []gstsv1alpha1.HookPhase{gstsv1alpha1.HookPhaseSuccessful, gstsv1alpha1.HookPhaseFailed, gstsv1alpha1.HookPhaseInconclusive, gstsv1alpha1.HookPhaseError}
		status := &gstsv1alpha1.HookRunStatus{}
		var final gstsv1alpha1.HookPhase
		for i, b := range seq {
			if final != "" {
				break
			}
			at := metav1.NewTime(time.Unix(int64(1000+i), 0))
			Record(status, &metric, gstsv1alpha1.Measurement{Phase: phases[int(b)%len(phases)], FinishedAt: &at})
			r := status.MetricResults[0]
			if r.Successful+r.Failed+r.Inconclusive+r.Error != r.Count {
				t.Fatalf("counts do not add up: %+v", r)
			}
			if r.Phase == gstsv1alpha1.HookPhaseSuccessful && r.Successful == 0 {
				t.Fatalf("succeeded without a successful measurement: %+v", r)
			}
			if r.Phase.Completed() {
				final = r.Phase
			}
		}
	})
}

func TestKindsOf(t *testing.T) {
	step := &gstsv1alpha1.HookStep{TemplateName: "check"}
	pause := gstsv1alpha1.CanaryStep{Pause: &gstsv1alpha1.CanaryPause{}}
	for name, tc := range map[string]struct {
		spec gstsv1alpha1.GameStatefulSetSpec
		want []Kind
	}{
		"no hooks": {},
		"canary steps without a hook": {spec: gstsv1alpha1.GameStatefulSetSpec{UpdateStrategy: gstsv1alpha1.GameStatefulSetUpdateStrategy{
			CanaryStrategy: &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{pause}}}}},
		"two canary hook steps count once": {spec: gstsv1alpha1.GameStatefulSetSpec{UpdateStrategy: gstsv1alpha1.GameStatefulSetUpdateStrategy{
			CanaryStrategy: &gstsv1alpha1.CanaryStrategy{Steps: []gstsv1alpha1.CanaryStep{{Hook: step}, pause, {Hook: step}}}}},
			want: []Kind{KindCanaryStep}},
		"every pod hook": {spec: gstsv1alpha1.GameStatefulSetSpec{
			PreDeleteUpdateStrategy:   gstsv1alpha1.GameStatefulSetPreDeleteUpdateStrategy{Hook: step},
			PreInplaceUpdateStrategy:  gstsv1alpha1.GameStatefulSetPreInplaceUpdateStrategy{Hook: step},
			PostInplaceUpdateStrategy: gstsv1alpha1.GameStatefulSetPostInplaceUpdateStrategy{Hook: step}},
			want: []Kind{KindPreDelete, KindPreInplace, KindPostInplace}},
		"post-inplace only": {spec: gstsv1alpha1.GameStatefulSetSpec{
			PostInplaceUpdateStrategy: gstsv1alpha1.GameStatefulSetPostInplaceUpdateStrategy{Hook: step}},
			want: []Kind{KindPostInplace}},
	} {
		if got := KindsOf(&tc.spec); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", name, got, tc.want)
		}
	}
}
