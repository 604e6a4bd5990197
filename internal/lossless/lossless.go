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

// Package lossless decides a HotPatchUpdate that keeps the game process running on a stock kubelet: only the
// content containers take new images (the kubelet restarts those alone), and once they run and are ready the
// game is told to reload. Its phases live in the pod's hotpatch-update-state annotation, so that an operator
// restarted in the middle resumes where it was.
package lossless

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

// Phases of a lossless update, in the state annotation.
const (
	PhasePatched      = "Patched"
	PhaseReloaded     = "Reloaded"
	PhaseReloadFailed = "ReloadFailed"
)

// Enabled tells whether the set's HotPatchUpdate is lossless.
func Enabled(set *gstsv1alpha1.GameStatefulSet) bool {
	return set.Spec.UpdateStrategy.Type == gstsv1alpha1.HotPatchGameStatefulSetStrategyType &&
		set.Spec.UpdateStrategy.HotPatchUpdateStrategy != nil
}

// ReloadOf is the set's reload action, nil without one.
func ReloadOf(set *gstsv1alpha1.GameStatefulSet) *gstsv1alpha1.ReloadAction {
	if s := set.Spec.UpdateStrategy.HotPatchUpdateStrategy; s != nil {
		return s.Reload
	}
	return nil
}

// Refused says why a change cannot be made losslessly (an image of a game container changed), or "".
func Refused(strategy *gstsv1alpha1.HotPatchUpdateStrategy, change inplace.Change) string {
	content := map[string]bool{}
	for _, c := range strategy.Containers {
		content[c] = true
	}
	var game []string
	for name := range change.Images {
		if !content[name] {
			game = append(game, name)
		}
	}
	if len(game) == 0 {
		return ""
	}
	sort.Strings(game)
	return fmt.Sprintf("the image of %s changed, which is not a content container of hotPatchUpdateStrategy (%s): its process would restart",
		strings.Join(game, ", "), strings.Join(strategy.Containers, ", "))
}

// Patched writes into a state the start of a lossless update: the ids of the game containers that must keep
// running.
func Patched(state *inplace.State, pod *corev1.Pod, strategy *gstsv1alpha1.HotPatchUpdateStrategy) {
	content := map[string]bool{}
	for _, c := range strategy.Containers {
		content[c] = true
	}
	state.Phase = PhasePatched
	state.GameContainers = map[string]string{}
	for _, cs := range pod.Status.ContainerStatuses {
		if !content[cs.Name] {
			state.GameContainers[cs.Name] = cs.ContainerID
		}
	}
}

// Step is what a pod's lossless update needs now.
type Step int

const (
	// None: no lossless update in flight for the pod's revision, or it is done.
	None Step = iota
	// WaitContent: the content containers do not run their new images, or are not ready, yet.
	WaitContent
	// Reload: the game must be told to reload.
	Reload
	// Failed: the reload gave up; the pod stays not updated until a new revision or a recreation.
	Failed
)

// Next is the step of the pod's lossless update under the set's reload action. A reload that failed is tried
// again, from its first attempt, once the set's reload action is changed.
func Next(pod *corev1.Pod, reload *gstsv1alpha1.ReloadAction) (Step, *inplace.State) {
	s := inplace.StateOf(pod)
	if s == nil || s.Revision != identity.Revision(pod) || s.Phase == "" || s.Phase == PhaseReloaded {
		return None, s
	}
	if s.Phase == PhaseReloadFailed {
		if s.ReloadHash == Hash(reload) {
			return Failed, s
		}
		s.Phase, s.ReloadAttempts, s.LastReload = PhasePatched, 0, nil
	}
	if !inplace.Completed(pod, s) || !contentReady(pod, s) {
		return WaitContent, s
	}
	return Reload, s
}

// RetryIn is how long a failed reload waits before its next attempt: 2 s, doubling, at most 30 s.
func RetryIn(s *inplace.State, now time.Time) time.Duration {
	if s == nil || s.ReloadAttempts == 0 || s.LastReload == nil {
		return 0
	}
	backoff := min(2*time.Second<<min(s.ReloadAttempts-1, 4), 30*time.Second)
	return max(0, s.LastReload.Add(backoff).Sub(now))
}

// Pending tells whether the pod has moved to its revision label but its game has not reloaded: it is neither
// updated nor in service as far as the rollout counts.
func Pending(pod *corev1.Pod) bool {
	s := inplace.StateView(pod)
	return s != nil && s.Revision == identity.Revision(pod) && s.Phase != "" && s.Phase != PhaseReloaded
}

// Hash identifies a reload action.
func Hash(reload *gstsv1alpha1.ReloadAction) string {
	raw, _ := json.Marshal(reload)
	sum := fnv.New32a()
	_, _ = sum.Write(raw)
	return fmt.Sprintf("%08x", sum.Sum32())
}

func contentReady(pod *corev1.Pod, s *inplace.State) bool {
	for name := range s.LastContainerStatuses {
		ready := false
		for _, cs := range pod.Status.ContainerStatuses {
			if cs.Name == name {
				ready = cs.Ready
			}
		}
		if !ready {
			return false
		}
	}
	return true
}

// Restarted names the game containers whose id changed since the update began: the update was not lossless.
func Restarted(pod *corev1.Pod, s *inplace.State) []string {
	var out []string
	for _, cs := range pod.Status.ContainerStatuses {
		if before, ok := s.GameContainers[cs.Name]; ok && before != "" && cs.ContainerID != before {
			out = append(out, cs.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Attempted records one reload attempt's outcome in the state and tells the phase it leads to: Reloaded on
// success, Patched while retries remain, ReloadFailed after the last.
func Attempted(s *inplace.State, reload *gstsv1alpha1.ReloadAction, err error, now time.Time) string {
	s.ReloadAttempts++
	at := metav1.NewTime(now)
	s.LastReload = &at
	if err == nil {
		s.Phase, s.ReloadError = PhaseReloaded, ""
		return s.Phase
	}
	s.ReloadError = err.Error()
	if s.ReloadAttempts > retries(reload) {
		s.Phase, s.ReloadHash = PhaseReloadFailed, Hash(reload)
	}
	return s.Phase
}

func retries(reload *gstsv1alpha1.ReloadAction) int32 {
	if reload == nil {
		return 0
	}
	return reload.Retries
}

// Encode is the state as the annotation holds it.
func Encode(s *inplace.State) (string, error) {
	raw, err := json.Marshal(s)
	return string(raw), err
}
