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

package lossless

import (
	"errors"
	"testing"
	"time"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

// FuzzAttempted drives a reload through any sequence of outcomes and retry counts: it ends Reloaded at the first
// success, fails only after exactly retries+1 failures, never waits more than 30 s between attempts, and a
// failed reload is tried again only under another reload action.
func FuzzAttempted(f *testing.F) {
	f.Add(uint8(2), uint16(0b110), uint8(5))
	f.Add(uint8(0), uint16(0), uint8(1))
	f.Add(uint8(10), uint16(0xffff), uint8(16))
	f.Fuzz(func(t *testing.T, retries uint8, outcomes uint16, steps uint8) {
		reload := &gstsv1alpha1.ReloadAction{Retries: int32(retries % 11)}
		s := &inplace.State{Phase: PhasePatched}
		failures := int32(0)
		for i := 0; i < int(steps%17); i++ {
			if s.Phase != PhasePatched {
				break
			}
			var err error
			if outcomes&(1<<i) != 0 {
				err = errors.New("refused")
				failures++
			}
			phase := Attempted(s, reload, err, now.Add(time.Duration(i)*time.Second))
			switch {
			case err == nil && phase != PhaseReloaded:
				t.Fatalf("a success left phase %s", phase)
			case err != nil && failures > reload.Retries && phase != PhaseReloadFailed:
				t.Fatalf("%d failures with %d retries left phase %s", failures, reload.Retries, phase)
			case err != nil && failures <= reload.Retries && phase != PhasePatched:
				t.Fatalf("%d failures with %d retries gave phase %s", failures, reload.Retries, phase)
			}
			if wait := RetryIn(s, s.LastReload.Time); wait > 30*time.Second {
				t.Fatalf("waits %s", wait)
			}
		}
		if s.Phase == PhaseReloadFailed {
			other := &gstsv1alpha1.ReloadAction{Retries: reload.Retries + 1}
			if s.ReloadHash != Hash(reload) || s.ReloadHash == Hash(other) {
				t.Fatalf("the failed reload's hash %s does not tell the actions apart", s.ReloadHash)
			}
		}
	})
}
