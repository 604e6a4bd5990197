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
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

func testPod(name, uid string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID(uid)}}
}

func TestExpectationsWaitForTheCacheToShowWrites(t *testing.T) {
	set := types.NamespacedName{Namespace: "ns", Name: "game"}
	now := time.Unix(1000, 0)
	e := newExpectations()
	old := testPod("game-1", "old")
	e.expect(set, []string{"game-0"}, []*corev1.Pod{old}, now)

	waiting, _ := e.outstanding(set, []*corev1.Pod{old}, now)
	if want := []string{"created game-0", "deleted game-1"}; !reflect.DeepEqual(waiting, want) {
		t.Fatalf("nothing shown yet: waiting %v, want %v", waiting, want)
	}
	terminating := old.DeepCopy()
	terminating.DeletionTimestamp = &metav1.Time{Time: now}
	created := testPod("game-0", "new")
	// the events came before the list was taken: the list shows them, nothing needs listing again
	e.observeCreated(set, created)
	e.observeDeleted(set, terminating)
	waiting, stale := e.outstanding(set, []*corev1.Pod{created, terminating}, now)
	if len(waiting) != 0 || stale {
		t.Fatalf("both shown by the list: waiting %v, stale %v", waiting, stale)
	}
}

func TestExpectationsTakeWatchEventsTheListMissed(t *testing.T) {
	set := types.NamespacedName{Namespace: "ns", Name: "game"}
	now := time.Unix(1000, 0)
	e := newExpectations()
	old := testPod("game-1", "old")
	e.expect(set, []string{"game-0"}, []*corev1.Pod{old}, now)
	// game-0 was created and removed again before any list showed it
	e.observeCreated(set, testPod("game-0", "short-lived"))
	e.observeDeleted(set, old)
	waiting, stale := e.outstanding(set, []*corev1.Pod{old}, now)
	if len(waiting) != 0 || !stale {
		t.Fatalf("waiting %v, stale %v: the events satisfy it and the list taken before them must be redone", waiting, stale)
	}
	if waiting, stale := e.outstanding(set, nil, now); len(waiting) != 0 || stale {
		t.Fatalf("forgotten once satisfied: waiting %v, stale %v", waiting, stale)
	}
}

func TestExpectationsOfWritesNotMadeOrNeverShown(t *testing.T) {
	set := types.NamespacedName{Namespace: "ns", Name: "game"}
	now := time.Unix(1000, 0)
	e := newExpectations()
	e.expect(set, []string{"game-0", "game-1"}, nil, now)
	e.cancel(set, []string{"game-1"}, nil)
	if waiting, _ := e.outstanding(set, nil, now); !reflect.DeepEqual(waiting, []string{"created game-0"}) {
		t.Fatalf("a cancelled creation is not waited for: %v", waiting)
	}
	if got := e.remaining(set, now.Add(10*time.Second)); got != 20*time.Second {
		t.Fatalf("remaining %v", got)
	}
	// another set's pod of the same name says nothing about this set
	e.observeCreated(types.NamespacedName{Namespace: "ns", Name: "other"}, testPod("game-0", "x"))
	if waiting, _ := e.outstanding(set, nil, now.Add(expectationTimeout)); len(waiting) != 1 {
		t.Fatalf("still waiting at the timeout: %v", waiting)
	}
	if waiting, _ := e.outstanding(set, nil, now.Add(expectationTimeout+time.Millisecond)); len(waiting) != 0 {
		t.Fatalf("given up after the timeout: %v", waiting)
	}
}

func TestStatusWritesAreReadBackUntilTheCacheShowsANewerVersion(t *testing.T) {
	w := newStatusWrites()
	cached := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "game", UID: "u", ResourceVersion: "10"}}
	written := cached.DeepCopy()
	written.ResourceVersion = "11"
	written.Status.Replicas = 3
	w.record(cached, written)

	if got := w.latest(cached); got.ResourceVersion != "11" || got.Status.Replicas != 3 {
		t.Fatalf("cache behind the write: got version %s", got.ResourceVersion)
	}
	newer := cached.DeepCopy()
	newer.ResourceVersion = "12"
	if got := w.latest(newer); got != newer {
		t.Fatalf("cache past the write: got version %s", got.ResourceVersion)
	}
	if got := w.latest(cached); got != cached {
		t.Fatalf("forgotten once passed: got version %s", got.ResourceVersion)
	}
	recreated := cached.DeepCopy()
	recreated.UID = "other"
	w.record(cached, written)
	if got := w.latest(recreated); got != recreated {
		t.Fatal("a set recreated under the same name is not the one written")
	}
}

func TestAResizeIsExpectedAsADeletionUntilItIsMadeInPlace(t *testing.T) {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "game"}}
	resized, recreated, kept := testPod("game-0", "a"), testPod("game-1", "b"), testPod("game-2", "c")
	created, deleted := podWrites(set, []planner.Action{
		{Type: planner.ResizeInPlace, Ordinal: 0, Pod: resized},
		{Type: planner.ResizeInPlace, Ordinal: 1, Pod: recreated},
		{Type: planner.UpdateInPlace, Ordinal: 2, Pod: kept},
		{Type: planner.CreatePod, Ordinal: 3},
	})
	if !reflect.DeepEqual(created, []string{"game-3"}) || !reflect.DeepEqual(deleted, []*corev1.Pod{resized, recreated}) {
		t.Fatalf("created %v, deleted %v", created, deleted)
	}
	// the node refused game-1's resize, so it was deleted to be recreated; game-0 was resized
	if unmade := unmadeDeletions(deleted, []*corev1.Pod{recreated}); !reflect.DeepEqual(unmade, []*corev1.Pod{resized}) {
		t.Fatalf("unmade %v", unmade)
	}
}
