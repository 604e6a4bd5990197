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

// Package provider takes the measurements of HookRun metrics: a web endpoint's JSON, a Prometheus query, the
// fields of the hook's pod. The judging of the values is the hook package's.
package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

// DefaultWebTimeout bounds a web measurement whose metric gives no timeoutSeconds, as upstream.
const DefaultWebTimeout = 10 * time.Second

// PrometheusTimeout bounds a Prometheus query, as upstream.
const PrometheusTimeout = 30 * time.Second

// maxBody is how much of a web answer is read: a game server's status, not a download.
const maxBody = 1 << 20

// Measurer takes measurements for the HookRuns of one namespace.
type Measurer struct {
	// HTTP is the client of web metrics and Prometheus; nil is http.DefaultClient.
	HTTP *http.Client
	// Client reads and patches the pods of kubernetes metrics.
	Client client.Client
}

// Measure takes one measurement of the metric of a run.
func (m *Measurer) Measure(ctx context.Context, run *gstsv1alpha1.HookRun, metric *gstsv1alpha1.Metric) (hook.Value, error) {
	p := metric.Provider
	switch {
	case p.Web != nil:
		return m.web(ctx, run, p.Web)
	case p.Prometheus != nil:
		return m.prometheus(ctx, run, p.Prometheus)
	case p.Kubernetes != nil:
		return m.kubernetes(ctx, run, metric)
	case p.Exec != nil:
		return hook.Value{}, errors.New("the exec provider is not supported: use a web metric served by the game server (docs/hooks.md)")
	}
	return hook.Value{}, errors.New("the metric has no provider")
}

func (m *Measurer) httpClient() *http.Client {
	if m.HTTP != nil {
		return m.HTTP
	}
	return http.DefaultClient
}

// web GETs the URL and gives the text the JSON path picks out of the answer, as a string, as upstream does.
func (m *Measurer) web(ctx context.Context, run *gstsv1alpha1.HookRun, w *gstsv1alpha1.WebMetric) (hook.Value, error) {
	url, err := hook.Substitute(w.URL, run.Spec.Args)
	if err != nil {
		return hook.Value{}, err
	}
	timeout := DefaultWebTimeout
	if w.TimeoutSeconds > 0 {
		timeout = time.Duration(w.TimeoutSeconds) * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return hook.Value{}, err
	}
	for _, h := range w.Headers {
		v, err := hook.Substitute(h.Value, run.Spec.Args)
		if err != nil {
			return hook.Value{}, err
		}
		req.Header.Set(h.Key, v)
	}
	resp, err := m.httpClient().Do(req)
	if err != nil {
		return hook.Value{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return hook.Value{}, fmt.Errorf("reading %s: %w", url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return hook.Value{}, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return hook.Value{}, fmt.Errorf("GET %s: the answer is not JSON: %w", url, err)
	}
	text, err := JSONPath(w.JSONPath, doc)
	if err != nil {
		return hook.Value{}, err
	}
	return hook.Value{Result: text, Text: text}, nil
}

// JSONPath evaluates a kubectl-style JSON path ("{$.players}") over a decoded JSON document.
func JSONPath(path string, doc any) (string, error) {
	jp := jsonpath.New("metric")
	if err := jp.Parse(path); err != nil {
		return "", fmt.Errorf("jsonPath %q: %w", path, err)
	}
	var out bytes.Buffer
	if err := jp.Execute(&out, doc); err != nil {
		return "", fmt.Errorf("jsonPath %q: %w", path, err)
	}
	return out.String(), nil
}

// prometheus runs an instant query: a scalar gives a float64, a vector a []float64 (result[0] in a condition);
// a NaN is inconclusive, as upstream.
func (m *Measurer) prometheus(ctx context.Context, run *gstsv1alpha1.HookRun, p *gstsv1alpha1.PrometheusMetric) (hook.Value, error) {
	query, err := hook.Substitute(p.Query, run.Spec.Args)
	if err != nil {
		return hook.Value{}, err
	}
	c, err := promapi.NewClient(promapi.Config{Address: p.Address, Client: m.httpClient()})
	if err != nil {
		return hook.Value{}, fmt.Errorf("prometheus address %q: %w", p.Address, err)
	}
	ctx, cancel := context.WithTimeout(ctx, PrometheusTimeout)
	defer cancel()
	answer, _, err := promv1.NewAPI(c).Query(ctx, query, time.Now())
	if err != nil {
		return hook.Value{}, fmt.Errorf("prometheus query %q: %w", query, err)
	}
	switch v := answer.(type) {
	case *model.Scalar:
		f := float64(v.Value)
		value := hook.Value{Result: f, Text: v.Value.String()}
		if math.IsNaN(f) {
			value.Phase, value.Message = gstsv1alpha1.HookPhaseInconclusive, "the query returned NaN"
		}
		return value, nil
	case model.Vector:
		values := make([]float64, 0, len(v))
		texts := make([]string, 0, len(v))
		nan := false
		for _, sample := range v {
			f := float64(sample.Value)
			nan = nan || math.IsNaN(f)
			values = append(values, f)
			texts = append(texts, sample.Value.String())
		}
		value := hook.Value{Result: values, Text: "[" + strings.Join(texts, ",") + "]"}
		if nan {
			value.Phase, value.Message = gstsv1alpha1.HookPhaseInconclusive, "the query returned NaN"
		}
		return value, nil
	default:
		return hook.Value{}, fmt.Errorf("prometheus query %q returned a %s; a scalar or a vector is needed", query, answer.Type())
	}
}

// kubernetes reads (get) or writes (patch) the annotations and labels of the pod named by the PodName argument.
// A get without conditions succeeds when every field has its value; with conditions, they judge the value of
// the first field.
func (m *Measurer) kubernetes(ctx context.Context, run *gstsv1alpha1.HookRun, metric *gstsv1alpha1.Metric) (hook.Value, error) {
	k := metric.Provider.Kubernetes
	name := hook.ArgValue(run.Spec.Args, hook.ArgPodName)
	namespace := hook.ArgValue(run.Spec.Args, hook.ArgPodNamespace)
	if namespace == "" {
		namespace = run.Namespace
	}
	if name == "" {
		return hook.Value{}, errors.New("the kubernetes provider needs the PodName argument: declare it in the template")
	}
	if namespace != run.Namespace {
		return hook.Value{}, fmt.Errorf("the kubernetes provider acts on pods of the run's namespace %s only, not %s", run.Namespace, namespace)
	}
	pod := &corev1.Pod{}
	if err := m.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, pod); err != nil {
		return hook.Value{}, err
	}
	fields := make([]podField, 0, len(k.Fields))
	for _, f := range k.Fields {
		pf, err := parseField(f.Path)
		if err != nil {
			return hook.Value{}, err
		}
		pf.value = f.Value
		fields = append(fields, pf)
	}
	switch k.Function {
	case "patch":
		patch := map[string]map[string]string{}
		for _, f := range fields {
			if patch[f.kind] == nil {
				patch[f.kind] = map[string]string{}
			}
			patch[f.kind][f.key] = f.value
		}
		raw, err := json.Marshal(map[string]any{"metadata": patch})
		if err != nil {
			return hook.Value{}, err
		}
		if err := m.Client.Patch(ctx, pod, client.RawPatch(types.MergePatchType, raw)); err != nil {
			return hook.Value{}, err
		}
		return hook.Value{Result: "patched", Text: "patched"}, nil
	case "get", "":
		var mismatched []string
		first := ""
		for i, f := range fields {
			got := f.read(pod)
			if i == 0 {
				first = got
			}
			if got != f.value {
				mismatched = append(mismatched, fmt.Sprintf("%s is %q, not %q", f.path, got, f.value))
			}
		}
		value := hook.Value{Result: first, Text: first}
		if metric.SuccessCondition == "" && metric.FailureCondition == "" {
			value.Phase = gstsv1alpha1.HookPhaseSuccessful
			if len(mismatched) > 0 {
				value.Phase, value.Message = gstsv1alpha1.HookPhaseFailed, strings.Join(mismatched, "; ")
			}
		}
		return value, nil
	}
	return hook.Value{}, fmt.Errorf("kubernetes function %q is neither get nor patch", k.Function)
}

type podField struct {
	path, kind, key, value string
}

// parseField reads metadata.annotations.<key> or metadata.labels.<key>; the key may hold dots and slashes.
func parseField(path string) (podField, error) {
	for _, kind := range []string{"annotations", "labels"} {
		prefix := "metadata." + kind + "."
		if strings.HasPrefix(path, prefix) && len(path) > len(prefix) {
			return podField{path: path, kind: kind, key: path[len(prefix):]}, nil
		}
	}
	return podField{}, fmt.Errorf("field path %q: only metadata.annotations.<key> and metadata.labels.<key> are supported", path)
}

func (f podField) read(pod *corev1.Pod) string {
	if f.kind == "labels" {
		return pod.Labels[f.key]
	}
	return pod.Annotations[f.key]
}
