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

	"k8s.io/apimachinery/pkg/types"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// statusWrites lets a reconcile read the set as its own last status write left it while the informer cache
// still shows the version before that write. Pod events arrive by the hundred during a rollout and start the
// next reconcile within milliseconds, before the watch delivers the set's new resourceVersion; a status update
// from the older version would be refused with a conflict and cost the set a retry.
type statusWrites struct {
	mu      sync.Mutex
	written map[types.NamespacedName]statusWrite
}

type statusWrite struct {
	replaced string // the resourceVersion the write replaced
	set      *gstsv1alpha1.GameStatefulSet
}

func newStatusWrites() *statusWrites {
	return &statusWrites{written: map[types.NamespacedName]statusWrite{}}
}

// record remembers that a status write turned the version before into after.
func (w *statusWrites) record(before, after *gstsv1alpha1.GameStatefulSet) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.written[types.NamespacedName{Namespace: after.Namespace, Name: after.Name}] =
		statusWrite{replaced: before.ResourceVersion, set: after.DeepCopy()}
}

// latest returns the set as last written when the cached one is the version that write replaced, and the cached
// one otherwise: once the cache shows any other version, it is at least as new as the write.
func (w *statusWrites) latest(cached *gstsv1alpha1.GameStatefulSet) *gstsv1alpha1.GameStatefulSet {
	key := types.NamespacedName{Namespace: cached.Namespace, Name: cached.Name}
	w.mu.Lock()
	defer w.mu.Unlock()
	last, ok := w.written[key]
	if !ok {
		return cached
	}
	if last.replaced == cached.ResourceVersion && last.set.UID == cached.UID {
		return last.set.DeepCopy()
	}
	delete(w.written, key)
	return cached
}

// forget drops what was recorded for a set that is gone.
func (w *statusWrites) forget(set types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.written, set)
}
