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
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

func TestStatusHoldOnlyForCountsOfAChangingSetWithinTheInterval(t *testing.T) {
	for _, tc := range []struct {
		name                                string
		interval, since                     time.Duration
		wroteBefore, changing, progressOnly bool
		want                                time.Duration
	}{
		{"counts of a changing set 300ms after a write", time.Second, 300 * time.Millisecond, true, true, true, 700 * time.Millisecond},
		{"just written", time.Second, 0, true, true, true, time.Second},
		{"the interval is over", time.Second, time.Second, true, true, true, 0},
		{"long ago", time.Second, time.Hour, true, true, true, 0},
		{"never written by this process", time.Second, 300 * time.Millisecond, false, true, true, 0},
		{"the set is settled: the end of a rollout shows at once", time.Second, 300 * time.Millisecond, true, false, true, 0},
		{"more than counts changed", time.Second, 300 * time.Millisecond, true, true, false, 0},
		{"pacing off", 0, 300 * time.Millisecond, true, true, true, 0},
		{"a clock that went back", time.Second, -time.Minute, true, true, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := statusHold(tc.interval, tc.since, tc.wroteBefore, tc.changing, tc.progressOnly); got != tc.want {
				t.Errorf("statusHold = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStatusPaceRemembersEachSetsLastWrite(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	web, db := types.NamespacedName{Namespace: "games", Name: "web"}, types.NamespacedName{Namespace: "games", Name: "db"}
	p := newStatusPace(time.Second)
	if got := p.hold(web, true, true, now); got != 0 {
		t.Fatalf("before any write: hold %v, want 0", got)
	}
	p.wrote(web, now)
	if got := p.hold(web, true, true, now.Add(250*time.Millisecond)); got != 750*time.Millisecond {
		t.Errorf("250ms after its write: hold %v, want 750ms", got)
	}
	if got := p.hold(db, true, true, now.Add(250*time.Millisecond)); got != 0 {
		t.Errorf("another set: hold %v, want 0", got)
	}
	p.forget(web)
	if got := p.hold(web, true, true, now.Add(250*time.Millisecond)); got != 0 {
		t.Errorf("forgotten: hold %v, want 0", got)
	}
}
