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
	"io"
	"math"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// unthrottledQPS is a client limit the operator never reaches: what it costs then is its own work and the API
// server's, not its rate limiter's.
const unthrottledQPS = 100000

// limitRows are one size's rows against the API server's limit, for an operator started at unthrottledQPS: the
// direct rows, then one set's Parallel scale-up, in-place update of every pod at once (maxUnavailable 100%, as
// the direct patching does) and scale-down, each held against its direct row.
func (b *bench) limitRows(ctx context.Context, n int) []row {
	rows := b.direct(ctx, n)
	c := b.gsts
	ns := b.namespace(ctx, fmt.Sprintf("bench-limit-%d", n), true)
	w := &gameStatefulSet{b: b, ns: ns, policy: appsv1.ParallelPodManagement}
	scaleUp := row{scenario: fmt.Sprintf("unthrottled: scale-up 0→%d Parallel", n), pods: n, results: map[string]result{},
		referenceName: "direct creation", kind: "unthrottled: scale-up Parallel"}
	inPlace := row{scenario: fmt.Sprintf("unthrottled: in-place update of %d, maxUnavailable 100%%", n), pods: n,
		results: map[string]result{}, referenceName: "direct patching", kind: "unthrottled: in-place update, maxUnavailable 100%"}
	scaleDown := row{scenario: fmt.Sprintf("unthrottled: scale-down %d→0 Parallel", n), pods: n, results: map[string]result{},
		kind: "unthrottled: scale-down Parallel"}
	fmt.Printf("%s unthrottled: scale-up to %d\n", c.name, n)
	scaleUp.results[c.name] = b.measure(ctx, c, n, func() { w.create(ctx, int32(n)) }, settledAt(ctx, w, int32(n)))
	w.update(ctx, func(_ *int32, _ *corev1.PodTemplateSpec, s *strategy) { s.maxUnavailable = intstr.FromString("100%") })
	inPlace.results[c.name] = b.inPlaceUpdate(ctx, c, w, ns, int32(n), "v2", inPlace.scenario)
	fmt.Printf("%s unthrottled: scale-down from %d\n", c.name, n)
	scaleDown.results[c.name] = b.measure(ctx, c, n, func() {
		w.update(ctx, func(replicas *int32, _ *corev1.PodTemplateSpec, _ *strategy) { *replicas = 0 })
	}, func() bool { return settledAt(ctx, w, 0)() && b.podCount(ctx, ns) == 0 })
	b.deleteNamespace(ctx, ns)
	return append(rows, scaleUp, inPlace, scaleDown)
}

// holdAgainstDirect sets each unthrottled row's reference to its size's direct row, once the runs are merged.
func holdAgainstDirect(rows []row) {
	direct := map[string]float64{}
	for _, r := range rows {
		if res, ok := r.results[apiServer]; ok {
			direct[r.scenario] = res.seconds
		}
	}
	for i := range rows {
		switch rows[i].referenceName {
		case "direct creation":
			rows[i].reference = direct[directCreation(rows[i].pods)]
		case "direct patching":
			rows[i].reference = direct[directInPlace(rows[i].pods)]
		}
	}
}

// printGrowth writes how the operator's unthrottled rows grow with the set: per pod at each size, and the
// exponent k of cost ∝ N^k fitted over the sizes (1 is linear: flat per pod).
func printGrowth(out io.Writer, rows []row, operator string) {
	byScenario := map[string][]row{}
	var order []string
	for _, r := range rows {
		if _, ok := r.results[operator]; !ok || r.kind == "" {
			continue
		}
		kind := r.kind
		if _, seen := byScenario[kind]; !seen {
			order = append(order, kind)
		}
		byScenario[kind] = append(byScenario[kind], r)
	}
	if len(order) == 0 {
		return
	}
	fmt.Fprintln(out, "\nGrowth of the unthrottled operator rows with the set's size:")
	fmt.Fprintln(out)
	fmt.Fprintln(out, "| scenario | pods | time s | ms/pod | CPU s | CPU ms/pod | peak RSS MiB | RSS KiB/pod over the smallest |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, kind := range order {
		rs := byScenario[kind]
		var ns, times, cpus []float64
		for _, r := range rs {
			res := r.results[operator]
			marginal := "—"
			if r.pods > rs[0].pods {
				marginal = fmt.Sprintf("%.1f", (res.peakRSS-rs[0].results[operator].peakRSS)*1024/float64(r.pods-rs[0].pods))
			}
			fmt.Fprintf(out, "| %s | %d | %.1f | %.2f | %.1f | %.2f | %.0f | %s |\n", kind, r.pods, res.seconds,
				res.seconds*1000/float64(r.pods), res.cpuSeconds, res.cpuSeconds*1000/float64(r.pods), res.peakRSS, marginal)
			ns, times, cpus = append(ns, float64(r.pods)), append(times, res.seconds), append(cpus, res.cpuSeconds)
		}
		if len(ns) > 1 {
			fmt.Fprintf(out, "| %s: fitted growth | | time ∝ N^%.2f | | CPU ∝ N^%.2f | | | |\n", kind, growthExponent(ns, times), growthExponent(ns, cpus))
		}
	}
}

// growthExponent is the least-squares slope of log(y) over log(x).
func growthExponent(x, y []float64) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(x))
	for i := range x {
		lx, ly := math.Log(x[i]), math.Log(math.Max(y[i], 1e-9))
		sx, sy, sxx, sxy = sx+lx, sy+ly, sxx+lx*lx, sxy+lx*ly
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}
