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

package controllers

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/metrics"
)

// errorCounting counts a reconciler's failures by reason (controller-runtime's own counter has no reason).
type errorCounting struct {
	name  string
	inner reconcile.Reconciler
}

func countingErrors(name string, inner reconcile.Reconciler) reconcile.Reconciler {
	return errorCounting{name: name, inner: inner}
}

func (c errorCounting) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	result, err := c.inner.Reconcile(ctx, req)
	if err != nil {
		metrics.ReconcileErrors.WithLabelValues(c.name, metrics.ErrorReason(err)).Inc()
	}
	return result, err
}

const (
	hookRunsHelp  = "HookRuns that exist, by namespace, GameStatefulSet, hook type (canary-step, pre-delete-step, pre-inplace-step, post-inplace-step) and phase (Pending, Running, Successful, Failed, Error, Inconclusive)."
	listenersHelp = "Load-balancer listeners, by namespace, provider and state (Synced, NotSynced, Pending: not tried yet)."
)

var (
	hookRunsDesc  = prometheus.NewDesc("gamestatefulset_hookruns", hookRunsHelp, []string{"namespace", "name", "type", "phase"}, nil)
	listenersDesc = prometheus.NewDesc("gamestatefulset_listeners", listenersHelp, []string{"namespace", "provider", "state"}, nil)
)

// InventoryCollector counts HookRuns by phase and listeners by state from the cache when Prometheus scrapes, so
// that no series outlives its objects. Only the leader reports, as only it reconciles: the replicas' sums do not
// double.
type InventoryCollector struct {
	Reader  client.Reader
	Elected <-chan struct{}
}

// Describe sends the descriptions of the collected series.
func (c *InventoryCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- hookRunsDesc
	ch <- listenersDesc
}

// Collect lists the objects and sends their counts.
func (c *InventoryCollector) Collect(ch chan<- prometheus.Metric) {
	select {
	case <-c.Elected:
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var runs gstsv1alpha1.HookRunList
	if err := c.Reader.List(ctx, &runs); err == nil {
		counts := map[[4]string]int{}
		for i := range runs.Items {
			run := &runs.Items[i]
			phase := run.Status.Phase
			if phase == "" {
				phase = gstsv1alpha1.HookPhasePending
			}
			counts[[4]string{run.Namespace, run.Labels[hook.SetLabel], run.Labels[hook.TypeLabel], string(phase)}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(hookRunsDesc, prometheus.GaugeValue, float64(n), k[:]...)
		}
	}
	var listeners gstsv1alpha1.ListenerList
	if err := c.Reader.List(ctx, &listeners); err == nil {
		counts := map[[3]string]int{}
		for i := range listeners.Items {
			l := &listeners.Items[i]
			state := l.Status.Status
			if state == "" {
				state = "Pending"
			}
			counts[[3]string{l.Namespace, string(l.Spec.Provider), state}]++
		}
		for k, n := range counts {
			ch <- prometheus.MustNewConstMetric(listenersDesc, prometheus.GaugeValue, float64(n), k[:]...)
		}
	}
}
