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

package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

func runWith(args map[string]string) *gstsv1alpha1.HookRun {
	run := &gstsv1alpha1.HookRun{}
	for name, value := range args {
		run.Spec.Args = append(run.Spec.Args, gstsv1alpha1.Argument{Name: name, Value: ptr.To(value)})
	}
	return run
}

func measure(t *testing.T, run *gstsv1alpha1.HookRun, metric gstsv1alpha1.Metric) gstsv1alpha1.Measurement {
	t.Helper()
	value, err := (&Measurer{}).Measure(context.Background(), run, &metric)
	return hook.Judge(&metric, value, err, time.Now(), time.Now())
}

func TestWeb(t *testing.T) {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("Authorization") != "Bearer s3cret":
			http.Error(w, "who are you", http.StatusUnauthorized)
		case r.URL.Path == "/players/web-0":
			fmt.Fprint(w, `{"players": 0, "state": "draining"}`)
		case r.URL.Path == "/players/web-1":
			fmt.Fprint(w, `{"players": 12, "state": "running"}`)
		case r.URL.Path == "/slow":
			time.Sleep(2 * time.Second)
			fmt.Fprint(w, `{}`)
		default:
			fmt.Fprint(w, `not json`)
		}
	}))
	defer server.Close()
	web := func(path, jsonPath string) gstsv1alpha1.Metric {
		return gstsv1alpha1.Metric{Name: "players", SuccessCondition: "asInt(result) == 0", Provider: gstsv1alpha1.MetricProvider{Web: &gstsv1alpha1.WebMetric{
			URL: server.URL + path, JSONPath: jsonPath, TimeoutSeconds: 1,
			Headers: []gstsv1alpha1.WebMetricHeader{{Key: "Authorization", Value: "Bearer {{ args.token }}"}}}}}
	}
	run := runWith(map[string]string{"PodName": "web-0", "token": "s3cret"})
	for _, tc := range []struct {
		name      string
		run       *gstsv1alpha1.HookRun
		metric    gstsv1alpha1.Metric
		want      gstsv1alpha1.HookPhase
		wantValue string
		message   string
	}{
		{"no players", run, web("/players/{{ args.PodName }}", "{$.players}"), gstsv1alpha1.HookPhaseSuccessful, "0", ""},
		{"players", runWith(map[string]string{"PodName": "web-1", "token": "s3cret"}), web("/players/{{ args.PodName }}", "{$.players}"), gstsv1alpha1.HookPhaseFailed, "12", ""},
		{"a string result", run, func() gstsv1alpha1.Metric {
			m := web("/players/web-0", "{$.state}")
			m.SuccessCondition = `result == "draining"`
			return m
		}(), gstsv1alpha1.HookPhaseSuccessful, "draining", ""},
		{"not authorised", runWith(map[string]string{"token": "guess"}), web("/players/web-0", "{$.players}"), gstsv1alpha1.HookPhaseError, "", "401"},
		{"not JSON", run, web("/other", "{$.players}"), gstsv1alpha1.HookPhaseError, "", "not JSON"},
		{"no such field", run, web("/players/web-0", "{$.nothing}"), gstsv1alpha1.HookPhaseError, "", "nothing"},
		{"timeout", run, web("/slow", "{$.players}"), gstsv1alpha1.HookPhaseError, "", "deadline"},
		{"unknown argument", run, web("/players/{{ args.PodIP }}", "{$.players}"), gstsv1alpha1.HookPhaseError, "", "PodIP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := measure(t, tc.run, tc.metric)
			if m.Phase != tc.want || m.Value != tc.wantValue || !strings.Contains(m.Message, tc.message) {
				t.Errorf("got %s %q %q, want %s %q containing %q", m.Phase, m.Value, m.Message, tc.want, tc.wantValue, tc.message)
			}
		})
	}
}

// prometheusServer answers /api/v1/query as Prometheus does, with the data of the query it is given.
func prometheusServer(t *testing.T, answers map[string]string) *httptest.Server {
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" {
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		data, ok := answers[r.Form.Get("query")]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"parse error"}`)
			return
		}
		fmt.Fprintf(w, `{"status":"success","data":%s}`, data)
	}))
	t.Cleanup(server.Close)
	return server
}

func TestPrometheus(t *testing.T) {
	server := prometheusServer(t, map[string]string{
		`sum(players{pod="web-0"})`: `{"resultType":"vector","result":[{"metric":{},"value":[1700000000,"3"]}]}`,
		`scalar(up)`:                `{"resultType":"scalar","result":[1700000000,"1"]}`,
		`nan`:                       `{"resultType":"scalar","result":[1700000000,"NaN"]}`,
		`series`:                    `{"resultType":"matrix","result":[]}`,
	})
	prom := func(query, condition string) gstsv1alpha1.Metric {
		return gstsv1alpha1.Metric{Name: "p", SuccessCondition: condition,
			Provider: gstsv1alpha1.MetricProvider{Prometheus: &gstsv1alpha1.PrometheusMetric{Address: server.URL, Query: query}}}
	}
	run := runWith(map[string]string{"PodName": "web-0"})
	for _, tc := range []struct {
		name      string
		metric    gstsv1alpha1.Metric
		want      gstsv1alpha1.HookPhase
		wantValue string
	}{
		{"vector", prom(`sum(players{pod="{{ args.PodName }}"})`, "result[0] < 5"), gstsv1alpha1.HookPhaseSuccessful, "[3]"},
		{"vector over the limit", prom(`sum(players{pod="{{ args.PodName }}"})`, "result[0] < 2"), gstsv1alpha1.HookPhaseFailed, "[3]"},
		{"scalar", prom("scalar(up)", "result == 1"), gstsv1alpha1.HookPhaseSuccessful, "1"},
		{"NaN is inconclusive", prom("nan", "result == 1"), gstsv1alpha1.HookPhaseInconclusive, "NaN"},
		{"a matrix is an error", prom("series", "true"), gstsv1alpha1.HookPhaseError, ""},
		{"a refused query is an error", prom("sum(", "true"), gstsv1alpha1.HookPhaseError, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := measure(t, run, tc.metric)
			if m.Phase != tc.want || m.Value != tc.wantValue {
				t.Errorf("got %s %q (%s), want %s %q", m.Phase, m.Value, m.Message, tc.want, tc.wantValue)
			}
		})
	}
}

func TestExecIsRefused(t *testing.T) {
	m := measure(t, runWith(nil), gstsv1alpha1.Metric{Name: "e", Provider: gstsv1alpha1.MetricProvider{Exec: &gstsv1alpha1.ExecMetric{Command: []string{"true"}}}})
	if m.Phase != gstsv1alpha1.HookPhaseError || !strings.Contains(m.Message, "not supported") {
		t.Errorf("got %s %q", m.Phase, m.Message)
	}
}
