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

// maxConflictDelay bounds the back-off of a set whose writes keep meeting newer versions.
const maxConflictDelay = 5 * time.Second

// conflictBackoff spaces the retries of a set whose writes keep conflicting: the first retry comes after
// conflictRetryDelay, the watch having brought the newer version by then; each further conflict in a row doubles
// the delay up to maxConflictDelay. A reconcile without a conflict starts the count again.
type conflictBackoff struct {
	mu     sync.Mutex
	streak map[types.NamespacedName]int
}

func newConflictBackoff() *conflictBackoff {
	return &conflictBackoff{streak: map[types.NamespacedName]int{}}
}

// next counts a conflict of the set and returns how long to wait before its retry.
func (b *conflictBackoff) next(set types.NamespacedName) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.streak[set]
	b.streak[set] = n + 1
	if n >= 6 { // 100 ms << 6 is past the bound already
		return maxConflictDelay
	}
	return min(conflictRetryDelay<<n, maxConflictDelay)
}

// reset forgets the set's conflicts.
func (b *conflictBackoff) reset(set types.NamespacedName) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.streak, set)
}
