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
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func TestStatusBatchPeriodGrowsWithTheSetOnlyWhenSettled(t *testing.T) {
	for _, tc := range []struct {
		pods    int
		settled bool
		want    time.Duration
	}{
		{pods: 3000, settled: false, want: 0},
		{pods: 0, settled: true, want: 0},
		{pods: 100, settled: true, want: 0},
		{pods: 199, settled: true, want: 0},
		{pods: 200, settled: true, want: 40 * time.Millisecond},
		{pods: 1000, settled: true, want: 200 * time.Millisecond},
		{pods: 3000, settled: true, want: 600 * time.Millisecond},
		{pods: 5000, settled: true, want: time.Second},
		{pods: 20000, settled: true, want: time.Second},
		{pods: 100000, settled: true, want: time.Second},
	} {
		if got := statusBatchPeriod(tc.pods, tc.settled, DefaultPodStatusBatchPerPod); got != tc.want {
			t.Errorf("statusBatchPeriod(%d, %v) = %v, want %v", tc.pods, tc.settled, got, tc.want)
		}
	}
}

// recordingQueue tells the requests added at once from those added after a delay.
type recordingQueue struct {
	workqueue.TypedRateLimitingInterface[reconcile.Request]
	now   []reconcile.Request
	after map[reconcile.Request]time.Duration
}

func (q *recordingQueue) Add(r reconcile.Request) { q.now = append(q.now, r) }
func (q *recordingQueue) AddAfter(r reconcile.Request, d time.Duration) {
	if q.after == nil {
		q.after = map[reconcile.Request]time.Duration{}
	}
	q.after[r] = d
}

func TestPodStatusChangesOfASettledLargeSetWaitForItsBatch(t *testing.T) {
	set := types.NamespacedName{Namespace: "ns", Name: "game"}
	request := reconcile.Request{NamespacedName: set}
	owned := func(mutate func(*corev1.Pod)) *corev1.Pod {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "game-7", UID: "u",
			Labels: map[string]string{identity.SetNameLabel: "game"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: gstsv1alpha1.GroupVersion.String(), Kind: identity.Kind,
				Name: "game", UID: "set", Controller: ptr.To(true)}}}}
		if mutate != nil {
			mutate(pod)
		}
		return pod
	}
	scheme := runtime.NewScheme()
	if err := gstsv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	mapper := meta.NewDefaultRESTMapper(nil)
	mapper.Add(gstsv1alpha1.GroupVersion.WithKind(identity.Kind), meta.RESTScopeNamespace)
	ready := func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	for _, tc := range []struct {
		name     string
		pods     int
		settled  bool
		old, new *corev1.Pod
		batched  bool
	}{
		{name: "a settled set of 3000 counts a pod turning ready with the next ones", pods: 3000, settled: true,
			old: owned(nil), new: owned(ready), batched: true},
		{name: "a set that waits for its pods hears at once", pods: 3000, settled: false, old: owned(nil), new: owned(ready)},
		{name: "a small set hears at once", pods: 100, settled: true, old: owned(nil), new: owned(ready)},
		{name: "a pod being deleted is heard at once", pods: 3000, settled: true, old: owned(nil),
			new: owned(func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: time.Unix(1, 0)} })},
		{name: "a relabelled pod is heard at once", pods: 3000, settled: true, old: owned(nil),
			new: owned(func(p *corev1.Pod) { p.Labels = map[string]string{"other": "x"} })},
		{name: "an adopted pod is heard at once", pods: 3000, settled: true,
			old: owned(func(p *corev1.Pod) { p.OwnerReferences = nil }), new: owned(nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batches := newStatusBatches(DefaultPodStatusBatchPerPod)
			batches.record(set, tc.pods, tc.settled)
			owners := handler.EnqueueRequestForOwner(scheme, mapper, &gstsv1alpha1.GameStatefulSet{}, handler.OnlyControllerOwner())
			q := &recordingQueue{}
			podEvents(owners, newExpectations(), batches).Update(context.Background(), event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}, q)
			if tc.batched {
				if len(q.now) != 0 || q.after[request] != statusBatchPeriod(tc.pods, true, DefaultPodStatusBatchPerPod) {
					t.Fatalf("want the set after its batch period %v: at once %v, after %v", statusBatchPeriod(tc.pods, true, DefaultPodStatusBatchPerPod), q.now, q.after)
				}
				return
			}
			if len(q.now) != 1 || q.now[0] != request || len(q.after) != 0 {
				t.Fatalf("want the set at once: at once %v, after %v", q.now, q.after)
			}
		})
	}
	batches := newStatusBatches(DefaultPodStatusBatchPerPod)
	batches.record(set, 3000, true)
	batches.record(set, 3000, false)
	if batches.period(set) != 0 {
		t.Fatal("a reconcile that did not settle the set must end its batching")
	}
	batches.record(set, 3000, true)
	batches.forget(set)
	if batches.period(set) != 0 {
		t.Fatal("a deleted set keeps no batch period")
	}
}
