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

package main

import (
	"testing"
	"time"
)

func TestBucketRefill(t *testing.T) {
	for _, c := range []struct {
		qps, burst int
		want       time.Duration
	}{
		{100, 200, 2250 * time.Millisecond},
		{100000, 100000, 1250 * time.Millisecond},
		{0, 0, 0},
	} {
		if got := bucketRefill(c.qps, c.burst); got != c.want {
			t.Errorf("bucketRefill(%d, %d) = %v, want %v", c.qps, c.burst, got, c.want)
		}
	}
}
