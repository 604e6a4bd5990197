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
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// A timeline splits a Parallel scale-up's time into the controller's part and the cluster's: when the last pod
// was created, when the last one turned ready (the scheduler and the kwok nodes), when the set's status said so.
// The rows of a large set end on the last pod's readiness, which trails the last creation by seconds that vary
// from run to run on a busy 2-core machine whoever created the pods; the timeline shows whether a controller
// was slower to create or to report, or only met a slower cluster.

// timelineRun is one scale-up, in seconds from the change.
type timelineRun struct {
	lastCreated, lastReady, reported float64
}

// podTimes records, from a watch of the namespace, when pods were first seen and first seen ready.
type podTimes struct {
	mu               sync.Mutex
	start            time.Time
	created, ready   map[string]bool
	lastCreated      time.Duration
	lastReady        time.Duration
	readyCount, want int
}

func (t *podTimes) see(pod *corev1.Pod, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.created[pod.Name] {
		t.created[pod.Name] = true
		t.lastCreated = at.Sub(t.start)
	}
	if !t.ready[pod.Name] && podReady(pod) {
		t.ready[pod.Name] = true
		t.readyCount++
		t.lastReady = at.Sub(t.start)
	}
}

func (t *podTimes) allReady() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.readyCount >= t.want
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// timeline scales a set of each controller, and the API server directly (32 unthrottled workers), from 0 to n
// pods, runs times in turn, and returns the runs by name with the names in the order they ran.
func (b *bench) timeline(ctx context.Context, n, runs int) (map[string][]timelineRun, []string) {
	cs := append([]*controllerUnderTest{nil}, b.controllers()...)
	out := map[string][]timelineRun{}
	var order []string
	for run := range runs {
		for _, c := range cs {
			name, short := apiServer, "direct"
			if c != nil {
				name, short = c.name, b.shortName(c)
			}
			if run == 0 {
				order = append(order, name)
			}
			ns := b.namespace(ctx, fmt.Sprintf("bench-timeline-%d-%s-%d", n, short, run), c != b.kruise)
			fmt.Printf("%s: timeline of a scale-up to %d, run %d\n", name, n, run+1)
			out[name] = append(out[name], b.timelineRun(ctx, c, ns, n))
			b.deleteNamespace(ctx, ns)
		}
	}
	return out, order
}

// timelineRun scales c's set (the API server's pods when c is nil) from 0 to n.
func (b *bench) timelineRun(ctx context.Context, c *controllerUnderTest, ns string, n int) timelineRun {
	// a watch the API server ends is resumed where it stopped: a run must not lose its last pods' events
	list, err := b.clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	must(err)
	w, err := watchtools.NewRetryWatcherWithContext(ctx, list.ResourceVersion, &cache.ListWatch{
		WatchFuncWithContext: func(ctx context.Context, options metav1.ListOptions) (watch.Interface, error) {
			return b.clientset.CoreV1().Pods(ns).Watch(ctx, options)
		},
	})
	must(err)
	defer w.Stop()
	times := &podTimes{created: map[string]bool{}, ready: map[string]bool{}, want: n}
	go func() {
		for ev := range w.ResultChan() {
			if pod, ok := ev.Object.(*corev1.Pod); ok && ev.Type != watch.Deleted {
				times.see(pod, time.Now())
			}
		}
	}()
	time.Sleep(bucketRefill(b.qps, b.burst))
	times.mu.Lock()
	times.start = time.Now()
	times.mu.Unlock()
	done := times.allReady
	if c == nil {
		b.createDirectly(ctx, ns, n)
	} else {
		wl := b.workload(c, ns, appsv1.ParallelPodManagement)
		wl.create(ctx, int32(n))
		done = settledAt(ctx, wl, int32(n))
	}
	for !done() {
		time.Sleep(20 * time.Millisecond)
	}
	reported := time.Since(times.start)
	times.mu.Lock()
	defer times.mu.Unlock()
	return timelineRun{lastCreated: times.lastCreated.Seconds(), lastReady: times.lastReady.Seconds(), reported: reported.Seconds()}
}

// printTimeline prints each run and each controller's medians.
func printTimeline(out io.Writer, n int, runs map[string][]timelineRun, order []string) {
	fmt.Fprintf(out, "\nParallel scale-up of %d pods, seconds from the change (medians of %d runs taken in turn):\n\n", n, len(runs[order[0]]))
	fmt.Fprintln(out, "| who | last pod created | last pod ready | status says so | runs (created / ready / status) |")
	fmt.Fprintln(out, "|---|---:|---:|---:|---|")
	for _, name := range order {
		rs := runs[name]
		if len(rs) == 0 {
			continue
		}
		each := ""
		for i, r := range rs {
			if i > 0 {
				each += "; "
			}
			each += fmt.Sprintf("%.1f / %.1f / %.1f", r.lastCreated, r.lastReady, r.reported)
		}
		fmt.Fprintf(out, "| %s | %.1f | %.1f | %.1f | %s |\n", name,
			medianOf(rs, func(r timelineRun) float64 { return r.lastCreated }),
			medianOf(rs, func(r timelineRun) float64 { return r.lastReady }),
			medianOf(rs, func(r timelineRun) float64 { return r.reported }), each)
	}
}

// medianOf is the median of one figure of the runs (the lower middle one for an even count).
func medianOf(runs []timelineRun, figure func(timelineRun) float64) float64 {
	values := make([]float64, len(runs))
	for i, r := range runs {
		values[i] = figure(r)
	}
	slices.Sort(values)
	return values[(len(values)-1)/2]
}
