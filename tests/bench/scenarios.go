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
	"sort"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

type bench struct {
	k8s        client.Client
	clientset  *kubernetes.Clientset
	kubeconfig string
	qps, burst int
	kcm, gsts  *controllerUnderTest
}

// result is one controller's figures for one row.
type result struct {
	seconds, writesPerPod, cpuSeconds, peakRSS, p50, p99 float64
	// verbs breaks writesPerPod down by request verb
	verbs string
}

type row struct {
	scenario string
	pods     int
	results  map[string]result
	note     string
}

const (
	apiServer = "API server"
	image     = "bench/game"
)

// measure runs change, waits for done to read true from the cluster, and returns what the controller spent.
func (b *bench) measure(ctx context.Context, c *controllerUnderTest, pods int, change func(), done func() bool) result {
	metricsBefore := c.metrics()
	c.process.resetPeakRSS()
	cpuBefore := c.process.cpuSeconds()
	start := time.Now()
	change()
	for !done() {
		if ctx.Err() != nil {
			must(ctx.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(start)
	metricsAfter := c.metrics()
	before, after := workDurations(metricsBefore, c.queue), workDurations(metricsAfter, c.queue)
	verbsBefore, verbsAfter := writesByVerb(metricsBefore), writesByVerb(metricsAfter)
	var verbs []string
	for _, verb := range writeVerbs {
		if n := (verbsAfter[verb] - verbsBefore[verb]) / float64(max(pods, 1)); n > 0 {
			verbs = append(verbs, fmt.Sprintf("%s %.2f", verb, n))
		}
	}
	return result{
		verbs:        strings.Join(verbs, ", "),
		seconds:      elapsed.Seconds(),
		writesPerPod: (writes(metricsAfter) - writes(metricsBefore)) / float64(max(pods, 1)),
		cpuSeconds:   c.process.cpuSeconds() - cpuBefore,
		peakRSS:      c.process.peakRSS(),
		p50:          quantile(0.5, before, after) * 1000,
		p99:          quantile(0.99, before, after) * 1000,
	}
}

// workload is a set of either kind, seen through what both share.
type workload interface {
	create(ctx context.Context, replicas int32)
	update(ctx context.Context, mutate func(replicas *int32, template *corev1.PodTemplateSpec, strategy *strategy))
	// status is replicas, ready, updated, and whether the rollout is complete for the latest spec
	status(ctx context.Context) (replicas, ready, updated int32, settled bool)
}

// strategy is the update strategy fields both kinds have.
type strategy struct {
	maxUnavailable intstr.IntOrString
	inPlace        bool
}

// lifecycle is a set's life for each controller in turn: scale-up, (Parallel:) rolling updates with
// maxUnavailable 1 and 25%, the operator's in-place update, then scale-down.
func (b *bench) lifecycle(ctx context.Context, n int32, policy appsv1.PodManagementPolicyType) []row {
	scaleUp := row{scenario: fmt.Sprintf("scale-up 0→%d %s", n, policy), pods: int(n), results: map[string]result{}}
	roll1 := row{scenario: fmt.Sprintf("RollingUpdate of %d, maxUnavailable 1", n), pods: int(n), results: map[string]result{}}
	roll25 := row{scenario: fmt.Sprintf("RollingUpdate of %d, maxUnavailable 25%%", n), pods: int(n), results: map[string]result{}}
	inPlace := row{scenario: fmt.Sprintf("InplaceUpdate of %d, maxUnavailable 25%%", n), pods: int(n), results: map[string]result{},
		note: "GameStatefulSet only; compare with its RollingUpdate 25% row"}
	scaleDown := row{scenario: fmt.Sprintf("scale-down %d→0 %s", n, policy), pods: int(n), results: map[string]result{}}
	for _, c := range []*controllerUnderTest{b.kcm, b.gsts} {
		ns := b.namespace(ctx, fmt.Sprintf("bench-%d-%s-%s", n, map[bool]string{true: "gsts", false: "sts"}[c == b.gsts], map[appsv1.PodManagementPolicyType]string{appsv1.ParallelPodManagement: "par", appsv1.OrderedReadyPodManagement: "ord"}[policy]))
		var w workload = &statefulSet{b: b, ns: ns, policy: policy}
		if c == b.gsts {
			w = &gameStatefulSet{b: b, ns: ns, policy: policy}
		}
		fmt.Printf("%s %s: scale-up to %d\n", c.name, policy, n)
		scaleUp.results[c.name] = b.measure(ctx, c, int(n), func() { w.create(ctx, n) }, settledAt(ctx, w, n))
		if policy == appsv1.ParallelPodManagement {
			for _, roll := range []struct {
				r              *row
				maxUnavailable intstr.IntOrString
				version        string
			}{{&roll1, intstr.FromInt32(1), "v2"}, {&roll25, intstr.FromString("25%"), "v3"}} {
				fmt.Printf("%s: %s\n", c.name, roll.r.scenario)
				roll.r.results[c.name] = b.measure(ctx, c, int(n), func() {
					w.update(ctx, func(_ *int32, t *corev1.PodTemplateSpec, s *strategy) {
						t.Spec.Containers[0].Image = image + ":" + roll.version
						s.maxUnavailable = roll.maxUnavailable
					})
				}, settledAt(ctx, w, n))
			}
			if c == b.gsts {
				w.update(ctx, func(_ *int32, _ *corev1.PodTemplateSpec, s *strategy) { s.inPlace = true })
				stop := b.restartContainersInPlace(ctx, ns)
				fmt.Printf("%s: %s\n", c.name, inPlace.scenario)
				inPlace.results[c.name] = b.measure(ctx, c, int(n), func() {
					w.update(ctx, func(_ *int32, t *corev1.PodTemplateSpec, _ *strategy) { t.Spec.Containers[0].Image = image + ":v4" })
				}, settledAt(ctx, w, n))
				stop()
			}
		}
		fmt.Printf("%s %s: scale-down from %d\n", c.name, policy, n)
		scaleDown.results[c.name] = b.measure(ctx, c, int(n), func() {
			w.update(ctx, func(replicas *int32, _ *corev1.PodTemplateSpec, _ *strategy) { *replicas = 0 })
		}, func() bool { return settledAt(ctx, w, 0)() && b.podCount(ctx, ns) == 0 })
		b.deleteNamespace(ctx, ns)
	}
	if policy == appsv1.ParallelPodManagement {
		return []row{scaleUp, roll1, roll25, inPlace, scaleDown}
	}
	return []row{scaleUp, scaleDown}
}

func settledAt(ctx context.Context, w workload, n int32) func() bool {
	return func() bool {
		replicas, ready, updated, settled := w.status(ctx)
		return settled && replicas == n && ready == n && updated == n
	}
}

// direct is the API server's own limit: n pods created by 32 unthrottled workers, until all are ready.
func (b *bench) direct(ctx context.Context, n int) row {
	ns := b.namespace(ctx, fmt.Sprintf("bench-direct-%d", n))
	fmt.Printf("API server: %d pods created directly\n", n)
	start := time.Now()
	ordinals := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range ordinals {
				pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("direct-%d", i), Namespace: ns,
					Labels: map[string]string{"app": "direct"}}}
				kwokPod(&pod.Spec, image+":v1")
				must(b.k8s.Create(ctx, pod))
			}
		})
	}
	for i := range n {
		ordinals <- i
	}
	close(ordinals)
	wg.Wait()
	created := time.Since(start)
	// listing every pod is heavier than reading a status: look less often
	for b.readyPods(ctx, ns) < n {
		time.Sleep(200 * time.Millisecond)
	}
	ready := time.Since(start)
	must(b.k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns)))
	b.deleteNamespace(ctx, ns)
	return row{scenario: fmt.Sprintf("%d pods created directly, until ready", n), pods: n,
		results: map[string]result{apiServer: {seconds: ready.Seconds(), writesPerPod: 1, cpuSeconds: math.NaN(),
			peakRSS: math.NaN(), p50: math.NaN(), p99: math.NaN()}},
		note: fmt.Sprintf("32 unthrottled workers; all created in %.1f s", created.Seconds())}
}

// idle counts the operator's writes while nothing changes, with a set of 100 ready pods.
func (b *bench) idle(ctx context.Context, d time.Duration) row {
	ns := b.namespace(ctx, "bench-idle")
	w := &gameStatefulSet{b: b, ns: ns, policy: appsv1.ParallelPodManagement}
	w.create(ctx, 100)
	for !settledAt(ctx, w, 100)() {
		time.Sleep(100 * time.Millisecond)
	}
	// the last status write may still be in flight
	time.Sleep(5 * time.Second)
	fmt.Printf("GameStatefulSet: idle for %s\n", d)
	before := writes(b.gsts.metrics())
	cpu := b.gsts.process.cpuSeconds()
	time.Sleep(d)
	perMinute := (writes(b.gsts.metrics()) - before) / d.Minutes()
	b.deleteNamespace(ctx, ns)
	return row{scenario: fmt.Sprintf("idle for %s, 100 ready pods", d), pods: 100,
		results: map[string]result{b.gsts.name: {seconds: d.Seconds(), writesPerPod: math.NaN(),
			cpuSeconds: b.gsts.process.cpuSeconds() - cpu, peakRSS: b.gsts.process.peakRSS(), p50: math.NaN(), p99: math.NaN()}},
		note: fmt.Sprintf("%.1f writes per minute", perMinute)}
}

// memory is the operator's peak RSS while it creates and manages sets×pods pods.
func (b *bench) memory(ctx context.Context, sets int, pods int32) row {
	ns := b.namespace(ctx, "bench-memory")
	fmt.Printf("GameStatefulSet: %d sets of %d pods\n", sets, pods)
	var workloads []*gameStatefulSet
	for i := range sets {
		workloads = append(workloads, &gameStatefulSet{b: b, ns: ns, name: fmt.Sprintf("game-%d", i), policy: appsv1.ParallelPodManagement})
	}
	r := b.measure(ctx, b.gsts, sets*int(pods), func() {
		for _, w := range workloads {
			w.create(ctx, pods)
		}
	}, func() bool {
		for _, w := range workloads {
			if !settledAt(ctx, w, pods)() {
				return false
			}
		}
		return true
	})
	return row{scenario: fmt.Sprintf("%d GameStatefulSets × %d pods: create and manage", sets, pods), pods: sets * int(pods),
		results: map[string]result{b.gsts.name: r}, note: "peak RSS while managing them all"}
}

// restartContainersInPlace plays the kubelet's part that kwok does not: when a pod's container image changes, it
// reports the new image running with one more restart, as a kubelet does after an in-place update.
func (b *bench) restartContainersInPlace(ctx context.Context, ns string) (stop func()) {
	w, err := b.clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	must(err)
	var wg sync.WaitGroup
	work := make(chan *corev1.Pod, 1024)
	for range 16 {
		wg.Go(func() {
			for pod := range work {
				patched := pod.DeepCopy()
				s := &patched.Status.ContainerStatuses[0]
				s.Image, s.ImageID = pod.Spec.Containers[0].Image, "kwok://"+pod.Spec.Containers[0].Image
				s.RestartCount++
				s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
				err := b.k8s.Status().Patch(ctx, patched, client.MergeFrom(pod))
				if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
					must(err)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok || ev.Type == watch.Deleted || pod.DeletionTimestamp != nil || len(pod.Status.ContainerStatuses) == 0 {
				continue
			}
			if pod.Status.ContainerStatuses[0].Image != pod.Spec.Containers[0].Image {
				work <- pod
			}
		}
	}()
	return func() { w.Stop(); <-done; close(work); wg.Wait() }
}

func (b *bench) namespace(ctx context.Context, name string) string {
	must(client.IgnoreAlreadyExists(b.k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})))
	return name
}

func (b *bench) deleteNamespace(ctx context.Context, name string) {
	must(client.IgnoreNotFound(b.k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})))
	for {
		err := b.k8s.Get(ctx, types.NamespacedName{Name: name}, &corev1.Namespace{})
		if apierrors.IsNotFound(err) {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *bench) podCount(ctx context.Context, ns string) int {
	var pods corev1.PodList
	must(b.k8s.List(ctx, &pods, client.InNamespace(ns)))
	return len(pods.Items)
}

func (b *bench) readyPods(ctx context.Context, ns string) int {
	var pods corev1.PodList
	must(b.k8s.List(ctx, &pods, client.InNamespace(ns)))
	ready := 0
	for _, p := range pods.Items {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready
}

// printTable writes the rows as a Markdown table, with the operator's time over the StatefulSet controller's.
// medianRuns merges repeated runs of the same rows: for each row and controller, the run with the median time
// (the lower of the two middle ones for an even count), with that run's other figures.
func medianRuns(runs [][]row) []row {
	merged := make([]row, len(runs[0]))
	for i := range merged {
		merged[i] = runs[0][i]
		merged[i].results = map[string]result{}
		for name := range runs[0][i].results {
			var results []result
			for _, run := range runs {
				results = append(results, run[i].results[name])
			}
			sort.Slice(results, func(a, b int) bool { return results[a].seconds < results[b].seconds })
			merged[i].results[name] = results[(len(results)-1)/2]
		}
	}
	return merged
}

func printTable(out io.Writer, rows []row, qps, burst, repeat int) {
	fmt.Fprintf(out, "\nBoth controllers at client QPS %d, burst %d.", qps, burst)
	if repeat > 1 {
		fmt.Fprintf(out, " Each size's rows ran %d times; each line is that controller's median run.", repeat)
	}
	fmt.Fprint(out, "\n\n")
	fmt.Fprintln(out, "| scenario | controller | time s | ratio | writes/pod | CPU s | peak RSS MiB | reconcile p50 ms | p99 ms | note |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rows {
		for _, name := range []string{apiServer, "StatefulSet", "GameStatefulSet"} {
			res, ok := r.results[name]
			if !ok {
				continue
			}
			ratio := "—"
			if sts, ok := r.results["StatefulSet"]; ok && name == "GameStatefulSet" {
				ratio = fmt.Sprintf("%.2f×", res.seconds/sts.seconds)
			}
			note := r.note
			if res.verbs != "" {
				note = strings.TrimPrefix(note+"; per pod: "+res.verbs, "; ")
			}
			fmt.Fprintf(out, "| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |\n", r.scenario, name, res.seconds, ratio,
				num(res.writesPerPod, 2), num(res.cpuSeconds, 1), num(res.peakRSS, 0), num(res.p50, 1), num(res.p99, 1), note)
		}
	}
}

func num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return fmt.Sprintf("%.*f", decimals, v)
}
