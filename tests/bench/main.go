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

// Command bench measures the GameStatefulSet operator against the StatefulSet controller of
// kube-controller-manager and OpenKruise's Advanced StatefulSet on the same cluster (hack/bench.sh brings up the
// local control plane with kwok nodes, every controller at one client QPS and burst) and prints one table: wall
// time to the end state read from the status, API writes per pod, the controller process's CPU seconds and peak
// RSS, and the reconcile latency p50/p99 from its metrics, with the ratio of each controller to the StatefulSet
// controller and of the operator to Advanced StatefulSet. A second table holds the operator at a client limit it
// never reaches against the API server's own limit (pods created and patched directly) at growing sizes, and the
// fitted growth of its cost.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the cluster")
	operatorBinary := flag.String("operator", "bin/bench-manager", "the operator binary to run")
	kcmPIDFile := flag.String("kcm-pid-file", "/run/gsts-cluster/kube-controller-manager.pid", "kube-controller-manager's pid file")
	qps := flag.Int("qps", 100, "client QPS of both controllers")
	burst := flag.Int("burst", 200, "client burst of both controllers")
	sizes := flag.String("sizes", "100,300,1000", "set sizes")
	memorySets := flag.Int("memory-sets", 100, "GameStatefulSets of the memory run (0: skip it)")
	memoryPods := flag.Int("memory-pods", 100, "pods per set of the memory run")
	idle := flag.Duration("idle", time.Minute, "how long to count writes of an idle operator")
	repeat := flag.Int("repeat", 1, "runs of each size's rows; the table shows each controller's median run")
	repeatUpTo := flag.Int("repeat-up-to", 0, "sizes above this run once (their rows last long enough not to need a median); 0: all repeat")
	kruise := flag.Bool("kruise", true, "also run OpenKruise's Advanced StatefulSet, deployed in kruise-system")
	limitSizes := flag.String("limit-sizes", "300,1000,3000", "sizes of the unthrottled operator rows against direct creation and patching, and of the growth fit")
	timelineSize := flag.Int("timeline", 0, "only time Parallel scale-ups of this many pods by each controller and directly, split into the last creation, the last readiness and the status (0: the tables)")
	timelineRuns := flag.Int("timeline-runs", 3, "runs of the timeline, taken in turn")
	flag.Parse()

	restConfig, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	must(err)
	// the bench's own client must never be what limits a row
	restConfig.QPS, restConfig.Burst = -1, 0
	scheme := clientgoscheme.Scheme
	must(gstsv1alpha1.AddToScheme(scheme))
	k8s, err := client.New(restConfig, client.Options{Scheme: scheme})
	must(err)
	b := &bench{k8s: k8s, clientset: kubernetes.NewForConfigOrDie(restConfig), kubeconfig: *kubeconfig, qps: *qps, burst: *burst}
	ctx := context.Background()

	kcm, err := processFromPIDFile(*kcmPIDFile)
	must(err)
	b.kcm = &controllerUnderTest{name: "StatefulSet", process: kcm, metrics: kcmMetrics(restConfig), queue: "statefulset"}
	if *kruise {
		b.kruise, err = findKruise(ctx, k8s)
		must(err)
	}
	operator, stop, err := startOperator(*operatorBinary, *kubeconfig, *qps, *burst)
	must(err)
	b.gsts = operator

	if *timelineSize > 0 {
		runs, order := b.timeline(ctx, *timelineSize, *timelineRuns)
		stop()
		printTimeline(os.Stdout, *timelineSize, runs, order)
		return
	}

	var rows []row
	for _, n := range parseSizes(*sizes) {
		runs := make([][]row, runsFor(n, *repeat, *repeatUpTo))
		for i := range runs {
			runs[i] = append(runs[i], b.direct(ctx, n)...)
			for _, policy := range []appsv1.PodManagementPolicyType{appsv1.ParallelPodManagement, appsv1.OrderedReadyPodManagement} {
				runs[i] = append(runs[i], b.lifecycle(ctx, int32(n), policy)...)
			}
		}
		sizeRows := medianRuns(runs)
		// a long run that is cut short keeps the sizes it finished
		printTable(os.Stderr, sizeRows, *qps, *burst, *repeat, *repeatUpTo)
		rows = append(rows, sizeRows...)
	}
	rows = append(rows, b.idle(ctx, *idle))
	if *memorySets > 0 {
		rows = append(rows, b.memory(ctx, *memorySets, int32(*memoryPods)))
	}
	stop()

	var limitRows []row
	if sizes := parseSizes(*limitSizes); len(sizes) > 0 {
		operator, stop, err := startOperator(*operatorBinary, *kubeconfig, unthrottledQPS, unthrottledQPS)
		must(err)
		b.gsts = operator
		for _, n := range sizes {
			runs := make([][]row, runsFor(n, *repeat, *repeatUpTo))
			for i := range runs {
				runs[i] = b.limitRows(ctx, n)
			}
			limitRows = append(limitRows, medianRuns(runs)...)
		}
		stop()
		holdAgainstDirect(limitRows)
	}
	printTable(os.Stdout, rows, *qps, *burst, *repeat, *repeatUpTo)
	if len(limitRows) > 0 {
		fmt.Printf("\nThe operator at client QPS and burst %d (unthrottled), against the API server's own limit:\n", unthrottledQPS)
		printTable(os.Stdout, limitRows, unthrottledQPS, unthrottledQPS, *repeat, *repeatUpTo)
		printGrowth(os.Stdout, limitRows, operator.name)
	}
}

func runsFor(n, repeat, upTo int) int {
	if upTo > 0 && n > upTo {
		return 1
	}
	return repeat
}

// parseSizes reads a comma-separated list of sizes; an empty one skips those rows.
func parseSizes(list string) []int {
	var out []int
	for _, field := range strings.Split(list, ",") {
		if strings.TrimSpace(field) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(field))
		must(err)
		out = append(out, n)
	}
	return out
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// kwokPod places a pod on the kwok fake nodes: no container runs, kwok reports it ready.
func kwokPod(spec *corev1.PodSpec, image string) {
	spec.NodeSelector = map[string]string{"type": "kwok"}
	spec.Tolerations = []corev1.Toleration{{Key: "kwok.x-k8s.io/node", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	spec.Containers = []corev1.Container{{Name: "game", Image: image}}
	spec.TerminationGracePeriodSeconds = new(int64)
}
