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
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Batching of pod status changes. A reconcile walks every pod of its set, so a set of N pods whose pods turn
// ready one by one costs up to N reconciles of N pods each: CPU grows faster than N while nothing but the status
// moves. When the last reconcile of a set found nothing to do and nothing to wait for, a pod's status change only changes
// the set's status, and it may wait a little to be counted together with the next ones, as the Job and
// EndpointSlice controllers batch their pod events. When the set waits for a pod (OrderedReady, a rollout held
// by maxUnavailable, a hook), every event goes through at once: that wait is the rollout's pace.

// DefaultPodStatusBatchPerPod is how long a status change may wait per pod of its set. A reconcile costs 30 to
// 55 microseconds per pod of wall time on a busy 2-core machine; waiting four times that keeps the reconciles of a
// settled set to a bounded share of a core whatever its size (a 3000-pod scale-up took 30 reconciles, not 220),
// and a 1000-pod set's status at most 200 ms late. 50µs, the cost of one reconcile, halved the reconciles only.
const DefaultPodStatusBatchPerPod = 200 * time.Microsecond

const (
	// statusBatchMinimum is the shortest wait worth a timer; at the default it keeps sets under 200 pods, whose
	// reconciles are cheap, reconciling on every event, so that their status is never late.
	statusBatchMinimum = 40 * time.Millisecond
	// statusBatchMaximum bounds how late a huge set's status is, as the Job controller's one-second batch period.
	statusBatchMaximum = time.Second
)

// statusBatchPeriod is how long a pod status change of a set of pods may wait, perPod per pod, when the set's
// last reconcile settled it (no action taken, nothing waited for, no error); 0 sends it at once.
func statusBatchPeriod(pods int, settled bool, perPod time.Duration) time.Duration {
	period := time.Duration(pods) * perPod
	if !settled || period < statusBatchMinimum {
		return 0
	}
	return min(period, statusBatchMaximum)
}

// statusBatches remembers, per set, how long its pods' status changes may wait, from its last reconcile.
type statusBatches struct {
	perPod  time.Duration
	mu      sync.Mutex
	periods map[types.NamespacedName]time.Duration
}

func newStatusBatches(perPod time.Duration) *statusBatches {
	return &statusBatches{perPod: perPod, periods: map[types.NamespacedName]time.Duration{}}
}

// record is called by each reconcile that planned the set.
func (b *statusBatches) record(set types.NamespacedName, pods int, settled bool) {
	period := statusBatchPeriod(pods, settled, b.perPod)
	b.mu.Lock()
	defer b.mu.Unlock()
	if period == 0 {
		delete(b.periods, set)
		return
	}
	b.periods[set] = period
}

// period is how long a status change of one of the set's pods may wait now.
func (b *statusBatches) period(set types.NamespacedName) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.periods[set]
}

func (b *statusBatches) forget(set types.NamespacedName) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.periods, set)
}
