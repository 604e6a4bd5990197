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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// expectationTimeout bounds how long the reconciler trusts its own writes over the cache: a watch event that
// never comes must not stall a set forever.
const expectationTimeout = 30 * time.Second

// expectations remembers the pod creations and deletions a reconcile made until the informer cache shows them,
// so that a reconcile working from a cache that lags behind cannot create or delete the same pod twice, nor
// take down more pods than maxUnavailable allows.
type expectations struct {
	mu      sync.Mutex
	pending map[types.NamespacedName]*pendingWrites
}

type pendingWrites struct {
	created map[string]bool      // pod names that must appear
	deleted map[types.UID]string // pod UIDs that must disappear or terminate
	since   time.Time
}

func newExpectations() *expectations {
	return &expectations{pending: map[types.NamespacedName]*pendingWrites{}}
}

// expect records writes just made for a set.
func (e *expectations) expect(set types.NamespacedName, created []string, deleted []*corev1.Pod, now time.Time) {
	if len(created) == 0 && len(deleted) == 0 {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[set]
	if p == nil {
		p = &pendingWrites{created: map[string]bool{}, deleted: map[types.UID]string{}}
		e.pending[set] = p
	}
	p.since = now
	for _, name := range created {
		p.created[name] = true
	}
	for _, pod := range deleted {
		p.deleted[pod.UID] = pod.Name
	}
}

// satisfied tells whether the cached pods show every recorded write, forgetting those they show.
func (e *expectations) satisfied(set types.NamespacedName, pods []*corev1.Pod, now time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pending[set]
	if p == nil {
		return true
	}
	byName := make(map[string]*corev1.Pod, len(pods))
	for _, pod := range pods {
		byName[pod.Name] = pod
	}
	for name := range p.created {
		if byName[name] != nil {
			delete(p.created, name)
		}
	}
	for uid, name := range p.deleted {
		pod := byName[name]
		if pod == nil || pod.UID != uid || pod.DeletionTimestamp != nil {
			delete(p.deleted, uid)
		}
	}
	if len(p.created) == 0 && len(p.deleted) == 0 || now.Sub(p.since) > expectationTimeout {
		delete(e.pending, set)
		return true
	}
	return false
}

// forget drops what was recorded for a set that is gone.
func (e *expectations) forget(set types.NamespacedName) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.pending, set)
}
