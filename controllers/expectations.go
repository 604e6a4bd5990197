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
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// expectationTimeout bounds how long the reconciler trusts its own writes over the cache: a watch event that
// never comes (a relist that skipped a pod created and deleted in between) must not stall a set forever.
const expectationTimeout = 30 * time.Second

// expectations remembers the pod creations and deletions a reconcile makes until the informer has shown them,
// so that a reconcile working from a cache that lags behind cannot create or delete the same pod twice, nor
// take down more pods than maxUnavailable allows.
//
// A write counts as shown when its watch event was observed or when a snapshot of the cache shows its result.
// The snapshot alone is not enough: a pod can be created and removed again (its node agent deleting by name,
// an eviction) between two snapshots, and a creation waited for by name would then never be seen.
type expectations struct {
	mu      sync.Mutex
	pending map[types.NamespacedName]*pendingWrites
}

type pendingWrites struct {
	// created are the names of pods that must appear, deleted the UIDs of pods that must terminate or disappear;
	// each is true once its watch event arrived: the cache shows it then, a list taken earlier may not
	created map[string]bool
	deleted map[types.UID]pendingDeletion
	since   time.Time
}

type pendingDeletion struct {
	name     string
	observed bool
}

func newExpectations() *expectations {
	return &expectations{pending: map[types.NamespacedName]*pendingWrites{}}
}

// expect records writes about to be made (or just made) for a set.
func (e *expectations) expect(set types.NamespacedName, created []string, deleted []*corev1.Pod, now time.Time) {
	if len(created) == 0 && len(deleted) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[set]
	if p == nil {
		p = &pendingWrites{created: map[string]bool{}, deleted: map[types.UID]pendingDeletion{}}
		e.pending[set] = p
	}
	p.since = now
	for _, name := range created {
		p.created[name] = false
	}
	for _, pod := range deleted {
		p.deleted[pod.UID] = pendingDeletion{name: pod.Name}
	}
}

// cancel forgets writes that were expected but not made.
func (e *expectations) cancel(set types.NamespacedName, created []string, deleted []*corev1.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[set]
	if p == nil {
		return
	}
	for _, name := range created {
		delete(p.created, name)
	}
	for _, pod := range deleted {
		delete(p.deleted, pod.UID)
	}
}

// observeCreated is told of every managed pod the informer adds.
func (e *expectations) observeCreated(set types.NamespacedName, pod *corev1.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.pending[set]; p != nil {
		if _, ok := p.created[pod.Name]; ok {
			p.created[pod.Name] = true
		}
	}
}

// observeDeleted is told of every managed pod the informer sees terminating or removed.
func (e *expectations) observeDeleted(set types.NamespacedName, pod *corev1.Pod) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.pending[set]; p != nil {
		if d, ok := p.deleted[pod.UID]; ok {
			p.deleted[pod.UID] = pendingDeletion{name: d.name, observed: true}
		}
	}
}

// outstanding forgets the recorded writes the cached pods show and returns those not shown yet, as
// "created <pod>" and "deleted <pod>"; none when the plan can go on. stale says that some writes were seen only
// as watch events after pods was listed: the pods must be listed again before they are planned from.
func (e *expectations) outstanding(set types.NamespacedName, pods []*corev1.Pod, now time.Time) (waiting []string, stale bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[set]
	if p == nil {
		return nil, false
	}
	byName := make(map[string]*corev1.Pod, len(pods))
	for _, pod := range pods {
		byName[pod.Name] = pod
	}
	for name, observed := range p.created {
		if byName[name] != nil {
			delete(p.created, name)
		} else if observed {
			delete(p.created, name)
			stale = true
		}
	}
	for uid, d := range p.deleted {
		if pod := byName[d.name]; pod == nil || pod.UID != uid || pod.DeletionTimestamp != nil {
			delete(p.deleted, uid)
		} else if d.observed {
			delete(p.deleted, uid)
			stale = true
		}
	}
	if len(p.created) == 0 && len(p.deleted) == 0 || now.Sub(p.since) > expectationTimeout {
		delete(e.pending, set)
		return nil, stale
	}
	waiting = make([]string, 0, len(p.created)+len(p.deleted))
	for name := range p.created {
		waiting = append(waiting, "created "+name)
	}
	for _, d := range p.deleted {
		waiting = append(waiting, "deleted "+d.name)
	}
	sort.Strings(waiting)
	return waiting, false
}

// remaining is how long the set's pending writes are still trusted over the cache.
func (e *expectations) remaining(set types.NamespacedName, now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.pending[set]; p != nil {
		return max(p.since.Add(expectationTimeout).Sub(now), time.Second)
	}
	return 0
}

// forget drops what was recorded for a set that is gone.
func (e *expectations) forget(set types.NamespacedName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pending, set)
}

// podWrites are the pod creations and deletions the actions may make, moves off lost nodes included. A resize
// counts as a deletion: where the
// API server or the node refuses it, the pod is recreated; when it is resized instead, the deletion is cancelled
// as any other that was not made.
func podWrites(set *gstsv1alpha1.GameStatefulSet, actions []planner.Action) (created []string, deleted []*corev1.Pod) {
	for i := range actions {
		switch actions[i].Type {
		case planner.CreatePod:
			created = append(created, identity.PodName(set, actions[i].Ordinal))
		case planner.DeletePod, planner.ForceDeletePod, planner.ResizeInPlace:
			deleted = append(deleted, actions[i].Pod)
		}
	}
	return created, deleted
}

// unmadeCreations are the planned creations that were not made.
func unmadeCreations(planned []string, made []*corev1.Pod) []string {
	done := make(map[string]bool, len(made))
	for _, pod := range made {
		done[pod.Name] = true
	}
	var unmade []string
	for _, name := range planned {
		if !done[name] {
			unmade = append(unmade, name)
		}
	}
	return unmade
}

// unmadeDeletions are the planned deletions that were not made.
func unmadeDeletions(planned, made []*corev1.Pod) []*corev1.Pod {
	done := make(map[types.UID]bool, len(made))
	for _, pod := range made {
		done[pod.UID] = true
	}
	var unmade []*corev1.Pod
	for _, pod := range planned {
		if !done[pod.UID] {
			unmade = append(unmade, pod)
		}
	}
	return unmade
}
