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
	"os"
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
	// kruise is nil when the bench runs without OpenKruise (BENCH_KRUISE=0)
	kcm, gsts, kruise *controllerUnderTest
}

// result is one controller's figures for one row.
type result struct {
	seconds, writesPerPod, cpuSeconds, peakRSS, p50, p99 float64
	// reconciles is how many items of its queue the controller worked through
	reconciles uint64
	// verbs breaks writesPerPod down by request verb
	verbs string
}

type row struct {
	scenario string
	pods     int
	results  map[string]result
	note     string
	// reference, when set, is the time this row is held against instead of the StatefulSet controller's
	reference     float64
	referenceName string
	// kind is the scenario without its size, for the rows whose growth with the size is printed
	kind string
}

const (
	apiServer = "API server"
	image     = "bench/game"
	// rowDeadline is far above the slowest row measured (Advanced StatefulSet's rolling update of 1000 pods one
	// at a time: 65 s at 300 pods).
	rowDeadline = 20 * time.Minute
)

// measure runs change, waits for done to read true from the cluster, and returns what the controller spent.
func (b *bench) measure(ctx context.Context, c *controllerUnderTest, pods int, change func(), done func() bool) result {
	// Every row starts with the controllers' client rate limiters full, as after any quiet minute in a cluster.
	// Without the pause a row's time depended on the tokens the row before it had left: a scale-down of 1000
	// right after a rollout started from an empty bucket and took 10 s at QPS 100 where a full one takes 8, and a
	// controller with several clients (kruise-manager) had buckets the rollout had not drained.
	time.Sleep(bucketRefill(b.qps, b.burst))
	metricsBefore := c.metrics()
	c.process.resetPeakRSS()
	cpuBefore := c.process.cpuSeconds()
	start := time.Now()
	change()
	for !done() {
		if ctx.Err() != nil {
			must(ctx.Err())
		}
		if time.Since(start) > rowDeadline {
			// a stuck row (a controller that never gets there, or the harness fighting it) must not hang the
			// bench for ever: the sizes finished before it are on stderr, and the cluster is left as it is to look at
			must(fmt.Errorf("%s: %d pods not there after %v", c.name, pods, rowDeadline))
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
		reconciles:   after.GetSampleCount() - before.GetSampleCount(),
	}
}

// bucketRefill is how long an emptied client token bucket of qps and burst takes to fill again, with a margin.
func bucketRefill(qps, burst int) time.Duration {
	if qps <= 0 {
		return 0
	}
	return time.Duration(burst)*time.Second/time.Duration(qps) + 250*time.Millisecond
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

// controllers are the controllers each lifecycle row runs, in the table's order.
func (b *bench) controllers() []*controllerUnderTest {
	cs := []*controllerUnderTest{b.kcm}
	if b.kruise != nil {
		cs = append(cs, b.kruise)
	}
	return append(cs, b.gsts)
}

func (b *bench) workload(c *controllerUnderTest, ns string, policy appsv1.PodManagementPolicyType) workload {
	switch c {
	case b.kcm:
		return &statefulSet{b: b, ns: ns, policy: policy}
	case b.kruise:
		return &kruiseStatefulSet{b: b, ns: ns, policy: string(policy)}
	default:
		return &gameStatefulSet{b: b, ns: ns, policy: policy}
	}
}

func (b *bench) shortName(c *controllerUnderTest) string {
	switch c {
	case b.kcm:
		return "sts"
	case b.kruise:
		return "kruise"
	default:
		return "gsts"
	}
}

// lifecycle is a set's life for each controller in turn: scale-up, (Parallel:) rolling updates with
// maxUnavailable 1 and 25%, the in-place update of the controllers that have one, then scale-down.
func (b *bench) lifecycle(ctx context.Context, n int32, policy appsv1.PodManagementPolicyType) []row {
	scaleUp := row{scenario: fmt.Sprintf("scale-up 0→%d %s", n, policy), pods: int(n), results: map[string]result{}}
	roll1 := row{scenario: fmt.Sprintf("RollingUpdate of %d, maxUnavailable 1", n), pods: int(n), results: map[string]result{}}
	roll25 := row{scenario: fmt.Sprintf("RollingUpdate of %d, maxUnavailable 25%%", n), pods: int(n), results: map[string]result{}}
	inPlace := row{scenario: fmt.Sprintf("in-place update of %d, maxUnavailable 25%%", n), pods: int(n), results: map[string]result{},
		note: "GameStatefulSet InplaceUpdate, Advanced StatefulSet podUpdatePolicy InPlaceIfPossible; the StatefulSet controller has none"}
	if b.kruise == nil {
		inPlace.note = "GameStatefulSet only; compare with its RollingUpdate 25% row"
	}
	scaleDown := row{scenario: fmt.Sprintf("scale-down %d→0 %s", n, policy), pods: int(n), results: map[string]result{}}
	for _, c := range b.controllers() {
		ns := b.namespace(ctx, fmt.Sprintf("bench-%d-%s-%s", n, b.shortName(c), map[appsv1.PodManagementPolicyType]string{appsv1.ParallelPodManagement: "par", appsv1.OrderedReadyPodManagement: "ord"}[policy]), c != b.kruise)
		w := b.workload(c, ns, policy)
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
			if c != b.kcm {
				inPlace.results[c.name] = b.inPlaceUpdate(ctx, c, w, ns, n, "v4", inPlace.scenario)
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

// inPlaceUpdate switches the set to its in-place policy, waits for that to be observed, and measures a new image
// rolled out in place, with the bench playing the kubelet.
func (b *bench) inPlaceUpdate(ctx context.Context, c *controllerUnderTest, w workload, ns string, n int32, version, scenario string) result {
	w.update(ctx, func(_ *int32, _ *corev1.PodTemplateSpec, s *strategy) { s.inPlace = true })
	for !settledAt(ctx, w, n)() {
		time.Sleep(50 * time.Millisecond)
	}
	stop := b.restartContainersInPlace(ctx, ns)
	defer stop()
	fmt.Printf("%s: %s\n", c.name, scenario)
	return b.measure(ctx, c, int(n), func() {
		w.update(ctx, func(_ *int32, t *corev1.PodTemplateSpec, _ *strategy) {
			t.Spec.Containers[0].Image = image + ":" + version
		})
	}, settledAt(ctx, w, n))
}

func settledAt(ctx context.Context, w workload, n int32) func() bool {
	return func() bool {
		replicas, ready, updated, settled := w.status(ctx)
		return settled && replicas == n && ready == n && updated == n
	}
}

// direct is the API server's own limit: n pods created by 32 unthrottled workers, until all are ready; then the
// image of each patched in place by 32 unthrottled workers, with the bench playing the kubelet, until every pod
// runs it.
func (b *bench) direct(ctx context.Context, n int) []row {
	ns := b.namespace(ctx, fmt.Sprintf("bench-direct-%d", n), true)
	fmt.Printf("API server: %d pods created directly\n", n)
	start := time.Now()
	b.createDirectly(ctx, ns, n)
	created := time.Since(start)
	// listing every pod is heavier than reading a status: look less often
	for b.readyPods(ctx, ns, "") < n {
		time.Sleep(200 * time.Millisecond)
	}
	ready := time.Since(start)

	fmt.Printf("API server: %d pods patched in place directly\n", n)
	stop := b.restartContainersInPlace(ctx, ns)
	patch := client.RawPatch(types.StrategicMergePatchType,
		[]byte(`{"spec":{"containers":[{"name":"game","image":"`+image+`:v2"}]}}`))
	start = time.Now()
	b.eachOrdinal(n, func(i int) {
		must(b.k8s.Patch(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("direct-%d", i), Namespace: ns}}, patch))
	})
	patched := time.Since(start)
	for b.readyPods(ctx, ns, image+":v2") < n {
		time.Sleep(200 * time.Millisecond)
	}
	restarted := time.Since(start)
	stop()

	must(b.k8s.DeleteAllOf(ctx, &corev1.Pod{}, client.InNamespace(ns)))
	b.deleteNamespace(ctx, ns)
	apiOnly := func(seconds float64) map[string]result {
		return map[string]result{apiServer: {seconds: seconds, writesPerPod: 1, cpuSeconds: math.NaN(),
			peakRSS: math.NaN(), p50: math.NaN(), p99: math.NaN()}}
	}
	return []row{
		{scenario: directCreation(n), pods: n, results: apiOnly(ready.Seconds()),
			note: fmt.Sprintf("32 unthrottled workers; all created in %.1f s", created.Seconds())},
		{scenario: directInPlace(n), pods: n, results: apiOnly(restarted.Seconds()),
			note: fmt.Sprintf("32 unthrottled workers, the bench as the kubelet; all patched in %.1f s", patched.Seconds())},
	}
}

// createDirectly creates n pods direct-0..n-1 in ns by 32 unthrottled workers.
func (b *bench) createDirectly(ctx context.Context, ns string, n int) {
	b.eachOrdinal(n, func(i int) {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("direct-%d", i), Namespace: ns,
			Labels: map[string]string{"app": "direct"}}}
		kwokPod(&pod.Spec, image+":v1")
		must(b.k8s.Create(ctx, pod))
	})
}

func directCreation(n int) string { return fmt.Sprintf("%d pods created directly, until ready", n) }
func directInPlace(n int) string {
	return fmt.Sprintf("%d pods' image patched directly, until running it", n)
}

// eachOrdinal runs do for 0..n-1 on 32 workers.
func (b *bench) eachOrdinal(n int, do func(int)) {
	ordinals := make(chan int)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := range ordinals {
				do(i)
			}
		})
	}
	for i := range n {
		ordinals <- i
	}
	close(ordinals)
	wg.Wait()
}

// idle counts the operator's writes while nothing changes, with a set of 100 ready pods.
func (b *bench) idle(ctx context.Context, d time.Duration) row {
	ns := b.namespace(ctx, "bench-idle", true)
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
	ns := b.namespace(ctx, "bench-memory", true)
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
// reports the new image running with one more restart, as a kubelet does after an in-place update, and it marks
// the pod ready again once its readiness gates are (readyAgain).
func (b *bench) restartContainersInPlace(ctx context.Context, ns string) (stop func()) {
	var wg sync.WaitGroup
	work := make(chan *corev1.Pod, 1024)
	for range 16 {
		wg.Go(func() {
			for pod := range work {
				patched := pod.DeepCopy()
				patch := client.MergeFrom(pod)
				if imageChanged(pod) {
					s := &patched.Status.ContainerStatuses[0]
					s.Image, s.ImageID = pod.Spec.Containers[0].Image, "kwok://"+pod.Spec.Containers[0].Image
					s.RestartCount++
					s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}
				} else {
					// the conditions list is replaced whole: only over the version read
					patch = client.MergeFromWithOptions(pod, client.MergeFromWithOptimisticLock{})
					for i := range patched.Status.Conditions {
						if c := &patched.Status.Conditions[i]; c.Type == corev1.PodReady {
							c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionTrue, "", "", metav1.Now()
						}
					}
				}
				err := b.k8s.Status().Patch(ctx, patched, patch)
				if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
					must(err)
				}
			}
		})
	}
	watchCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// a watch may end at any time (the API server closes them): watch again, and the pods it lists first
		// are looked at again
		for watchCtx.Err() == nil {
			w, err := b.clientset.CoreV1().Pods(ns).Watch(watchCtx, metav1.ListOptions{})
			if err != nil {
				if watchCtx.Err() == nil {
					fmt.Fprintln(os.Stderr, "bench: pod watch:", err)
					time.Sleep(time.Second)
				}
				continue
			}
			for ev := range w.ResultChan() {
				if ev.Type == watch.Error && watchCtx.Err() == nil {
					fmt.Fprintln(os.Stderr, "bench: pod watch:", apierrors.FromObject(ev.Object))
					continue
				}
				pod, ok := ev.Object.(*corev1.Pod)
				if !ok || ev.Type == watch.Deleted || pod.DeletionTimestamp != nil || len(pod.Status.ContainerStatuses) == 0 {
					continue
				}
				if imageChanged(pod) || readyAgain(pod) {
					work <- pod
				}
			}
			w.Stop()
		}
	}()
	return func() { cancel(); <-done; close(work); wg.Wait() }
}

func imageChanged(pod *corev1.Pod) bool {
	return pod.Status.ContainerStatuses[0].Image != pod.Spec.Containers[0].Image
}

// readyAgain is a pod a kubelet would report ready again: its container runs the spec's image and every readiness
// gate is true, but it is not ready (Kruise marks a pod unready while it updates it in place, as the kubelet
// would, and leaves the kubelet to mark it ready once its gate is true again; kwok does not).
func readyAgain(pod *corev1.Pod) bool {
	if len(pod.Spec.ReadinessGates) == 0 {
		return false
	}
	status := map[corev1.PodConditionType]corev1.ConditionStatus{}
	for _, c := range pod.Status.Conditions {
		status[c.Type] = c.Status
	}
	for _, g := range pod.Spec.ReadinessGates {
		if status[g.ConditionType] != corev1.ConditionTrue {
			return false
		}
	}
	return status[corev1.PodReady] == corev1.ConditionFalse
}

// namespace creates a namespace for a row; exempt keeps Kruise's pod webhooks out of it (exemptFromKruise).
func (b *bench) namespace(ctx context.Context, name string, exempt bool) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if exempt {
		exemptFromKruise(ns)
	}
	must(client.IgnoreAlreadyExists(b.k8s.Create(ctx, ns)))
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

// readyPods counts the ready pods of a namespace, only those running image when it is set.
func (b *bench) readyPods(ctx context.Context, ns, image string) int {
	var pods corev1.PodList
	must(b.k8s.List(ctx, &pods, client.InNamespace(ns)))
	ready := 0
	for _, p := range pods.Items {
		if image != "" && (len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].Image != image) {
			continue
		}
		if podReady(&p) {
			ready++
		}
	}
	return ready
}

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

// printTable writes the rows as a Markdown table, with each controller's time over the StatefulSet controller's
// and the operator's over Advanced StatefulSet's.
func printTable(out io.Writer, rows []row, qps, burst, repeat, repeatUpTo int) {
	fmt.Fprintf(out, "\nThe controllers at client QPS %d, burst %d.", qps, burst)
	if repeat > 1 {
		fmt.Fprintf(out, " Each size's rows ran %d times; each line is that controller's median run.", repeat)
		if repeatUpTo > 0 {
			fmt.Fprintf(out, " Sizes above %d ran once.", repeatUpTo)
		}
	}
	fmt.Fprint(out, "\n\n")
	fmt.Fprintln(out, "| scenario | controller | time s | vs StatefulSet | vs Kruise | writes/pod | CPU s | peak RSS MiB | reconcile p50 ms | p99 ms | note |")
	fmt.Fprintln(out, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	ratio := func(r row, res result, against string, name string) string {
		other, ok := r.results[against]
		if !ok || name == against || name == apiServer || (against == advancedStatefulSet && name != "GameStatefulSet") {
			return "—"
		}
		return fmt.Sprintf("%.2f×", res.seconds/other.seconds)
	}
	for _, r := range rows {
		for _, name := range []string{apiServer, "StatefulSet", advancedStatefulSet, "GameStatefulSet"} {
			res, ok := r.results[name]
			if !ok {
				continue
			}
			note := r.note
			if r.reference > 0 {
				note = strings.TrimSuffix(fmt.Sprintf("%.2f× %s; %s", res.seconds/r.reference, r.referenceName, note), "; ")
			}
			if res.verbs != "" {
				note = strings.TrimPrefix(note+"; per pod: "+res.verbs, "; ")
			}
			if res.reconciles > 0 {
				note = strings.TrimPrefix(fmt.Sprintf("%s; %d reconciles", note, res.reconciles), "; ")
			}
			fmt.Fprintf(out, "| %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.scenario, name, res.seconds,
				ratio(r, res, "StatefulSet", name), ratio(r, res, advancedStatefulSet, name),
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
