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

package podcontrol

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
)

func TestInSlowStartBatchesStopsAfterTheBatchThatFailed(t *testing.T) {
	var calls atomic.Int32
	changed, err := inSlowStartBatches(100, func(i int) (bool, error) {
		calls.Add(1)
		if i == 5 {
			return false, errors.New("quota exceeded")
		}
		return true, nil
	})
	// batches 0 | 1-2 | 3-6: index 5 fails in the third, nothing after it starts
	if err == nil || calls.Load() != 7 || len(changed) != 6 {
		t.Fatalf("calls %d, changed %v, err %v", calls.Load(), changed, err)
	}
	// a pod that existed already is no change and no failure
	changed, err = inSlowStartBatches(100, func(i int) (bool, error) { return i%2 == 0, nil })
	if err != nil || len(changed) != 50 || changed[1] != 2 {
		t.Fatalf("all: changed %v, err %v", changed, err)
	}
}

func TestInSlowStartBatchesKeepsAtMostMaxWritesInFlight(t *testing.T) {
	var inFlight, most atomic.Int32
	release := make(chan struct{})
	done := make(chan []int)
	go func() {
		changed, _ := inSlowStartBatches(1000, func(i int) (bool, error) {
			now := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
			}
			// the last batch (indexes 511-999, 489 requests) holds every request it starts
			if i >= 511 {
				<-release
			}
			return true, nil
		})
		done <- changed
	}()
	for inFlight.Load() < maxWritesInFlight {
		runtime.Gosched()
	}
	close(release)
	if changed := <-done; len(changed) != 1000 {
		t.Fatalf("%d of 1000 done", len(changed))
	}
	if most.Load() != maxWritesInFlight {
		t.Fatalf("at most %d in flight, want %d", most.Load(), maxWritesInFlight)
	}
}
