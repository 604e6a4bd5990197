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
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	advancedStatefulSet = "Advanced StatefulSet"
	kruiseNamespace     = "kruise-system"
	// kruiseWorkQueue is the Advanced StatefulSet controller's name in controller-runtime's metrics
	kruiseWorkQueue = "statefulset-controller"
)

var kruiseStatefulSetKind = schema.GroupVersionKind{Group: "apps.kruise.io", Version: "v1beta1", Kind: "StatefulSet"}

// kruiseStatefulSet is a workload of OpenKruise's Advanced StatefulSet controller, written as unstructured
// objects so that the bench does not pull Kruise's Kubernetes version into the operator's module.
type kruiseStatefulSet struct {
	b      *bench
	ns     string
	policy string
}

func (w *kruiseStatefulSet) key() types.NamespacedName {
	return types.NamespacedName{Namespace: w.ns, Name: setName}
}

func (w *kruiseStatefulSet) create(ctx context.Context, replicas int32) {
	t := template(setName)
	// Kruise refuses InPlaceIfPossible without this gate in the template (its docs ask for it from the start, as
	// adding it later is a template change that recreates every pod)
	t.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: "InPlaceUpdateReady"}}
	templateObject, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&t)
	must(err)
	set := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": setName, "namespace": w.ns},
		"spec": map[string]any{
			"replicas": int64(replicas), "serviceName": setName, "podManagementPolicy": w.policy,
			"selector": map[string]any{"matchLabels": map[string]any{"app": setName}},
			"template": templateObject,
			"updateStrategy": map[string]any{"type": "RollingUpdate",
				"rollingUpdate": map[string]any{"maxUnavailable": int64(1), "podUpdatePolicy": "ReCreate"}},
		},
	}}
	set.SetGroupVersionKind(kruiseStatefulSetKind)
	must(w.b.k8s.Create(ctx, set))
}

func (w *kruiseStatefulSet) get(ctx context.Context) *unstructured.Unstructured {
	set := &unstructured.Unstructured{}
	set.SetGroupVersionKind(kruiseStatefulSetKind)
	must(w.b.k8s.Get(ctx, w.key(), set))
	return set
}

func (w *kruiseStatefulSet) update(ctx context.Context, mutate func(*int32, *corev1.PodTemplateSpec, *strategy)) {
	must(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		set := w.get(ctx)
		spec := set.Object["spec"].(map[string]any)
		var t corev1.PodTemplateSpec
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(spec["template"].(map[string]any), &t); err != nil {
			return err
		}
		rolling := spec["updateStrategy"].(map[string]any)["rollingUpdate"].(map[string]any)
		s := strategy{maxUnavailable: intOrString(rolling["maxUnavailable"]), inPlace: rolling["podUpdatePolicy"] == "InPlaceIfPossible"}
		replicas := int32(spec["replicas"].(int64))
		mutate(&replicas, &t, &s)
		templateObject, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&t)
		if err != nil {
			return err
		}
		spec["template"], spec["replicas"] = templateObject, int64(replicas)
		if s.maxUnavailable.Type == intstr.String {
			rolling["maxUnavailable"] = s.maxUnavailable.StrVal
		} else {
			rolling["maxUnavailable"] = int64(s.maxUnavailable.IntVal)
		}
		if s.inPlace {
			rolling["podUpdatePolicy"] = "InPlaceIfPossible"
		}
		return w.b.k8s.Update(ctx, set)
	}))
}

func intOrString(v any) intstr.IntOrString {
	if s, ok := v.(string); ok {
		return intstr.FromString(s)
	}
	n, _ := v.(int64)
	return intstr.FromInt32(int32(n))
}

func (w *kruiseStatefulSet) status(ctx context.Context) (replicas, ready, updated int32, settled bool) {
	set := w.get(ctx)
	field := func(name string) int64 { v, _, _ := unstructured.NestedInt64(set.Object, "status", name); return v }
	current, _, _ := unstructured.NestedString(set.Object, "status", "currentRevision")
	update, _, _ := unstructured.NestedString(set.Object, "status", "updateRevision")
	return int32(field("replicas")), int32(field("readyReplicas")), int32(field("updatedReplicas")),
		field("observedGeneration") >= set.GetGeneration() && current == update && current != ""
}

// findKruise finds kruise-manager, deployed by hack/bench.sh with Kruise's own manifests: its pod's metrics
// endpoint (plain HTTP on :8080, as its manifests serve it) and its process on this machine, which runs the
// local cluster's only kubelet.
func findKruise(ctx context.Context, k8s client.Client) (*controllerUnderTest, error) {
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace(kruiseNamespace), client.MatchingLabels{"control-plane": "controller-manager"}); err != nil {
		return nil, err
	}
	var podIP string
	for _, p := range pods.Items {
		if podReady(&p) && p.DeletionTimestamp == nil {
			podIP = p.Status.PodIP
		}
	}
	if podIP == "" {
		return nil, fmt.Errorf("no ready kruise-manager pod in %s", kruiseNamespace)
	}
	pid, err := pidOf(func(args []string) bool {
		return len(args) > 0 && args[0] == "/manager" && strings.Contains(strings.Join(args, " "), "--rest-config-qps=")
	})
	if err != nil {
		return nil, err
	}
	url := "http://" + net.JoinHostPort(podIP, "8080") + "/metrics"
	httpClient := &http.Client{Timeout: 30 * time.Second}
	scrape := func() map[string]*dto.MetricFamily { return scrapeMetrics(httpClient, url, "") }
	return &controllerUnderTest{name: advancedStatefulSet, process: process{pid: pid}, queue: kruiseWorkQueue, metrics: scrape}, nil
}

// pidOf is the one process on this machine whose command line matches.
func pidOf(match func(args []string) bool) (int, error) {
	entries, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return 0, err
	}
	var found []int
	for _, path := range entries {
		raw, err := os.ReadFile(path)
		if err != nil || len(raw) == 0 {
			continue
		}
		if match(strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("%d kruise-manager processes on this machine (%v), want 1", len(found), found)
	}
	return found[0], nil
}

// exemptFromKruise labels a namespace as Kruise's manifests exempt their own (`control-plane`): Kruise's pod
// webhooks then leave its pods alone, so that the other controllers' rows do not pay for a webhook that a
// cluster without Kruise would not run. Kruise's own rows run in namespaces without the label.
func exemptFromKruise(ns *corev1.Namespace) {
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels["control-plane"] = "bench"
}
