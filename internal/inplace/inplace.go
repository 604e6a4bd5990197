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

// Package inplace decides whether a pod can move to a new revision without being recreated, builds that change,
// and tracks it on the pod: the InPlaceUpdateReady readiness gate for the grace period of InplaceUpdate, and a
// state annotation with the containers' statuses before the change so that completion can be recognised, even
// by an operator that restarted in between.
package inplace

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

const (
	// ReadinessGate is the pod condition the operator owns: False takes the pod out of Services' endpoints
	// before its containers restart, True lets it back in once the new containers run.
	ReadinessGate = identity.InPlaceUpdateReady
	// StateAnnotation records an InplaceUpdate in flight (State, as JSON).
	StateAnnotation = "inplace-update-state"
	// HotPatchStateAnnotation records a HotPatchUpdate in flight (State, as JSON), as the original operator does.
	HotPatchStateAnnotation = "hotpatch-update-state"
	// HotPatchAnnotation tells the customised kubelet of the original operator to swap the image of a container
	// without restarting it.
	HotPatchAnnotation = "io.kubernetes.hotpatch.container"

	// ReasonGracePeriod is the reason of a False readiness gate while the pod waits out its grace period.
	ReasonGracePeriod = "GracePeriod"
	// ReasonReady is the reason of a True readiness gate.
	ReasonReady = "InPlaceUpdateReady"
)

// ContainerStatus is what a container reported before an in-place change.
type ContainerStatus struct {
	ImageID      string `json:"imageID"`
	RestartCount int32  `json:"restartCount"`
}

// State records an in-place change in flight on the pod.
type State struct {
	// Revision is the revision the pod was moved to.
	Revision string `json:"revision"`
	// UpdateTimestamp is when the containers were patched.
	UpdateTimestamp metav1.Time `json:"updateTimestamp"`
	// LastContainerStatuses are the changed containers' statuses before the change.
	LastContainerStatuses map[string]ContainerStatus `json:"lastContainerStatuses"`
	// The rest is a lossless HotPatchUpdate's (internal/lossless): Phase is Patched until the game reloaded
	// (Reloaded) or gave up (ReloadFailed); GameContainers are the ids of the containers that must not restart.
	Phase          string            `json:"phase,omitempty"`
	GameContainers map[string]string `json:"gameContainers,omitempty"`
	ReloadAttempts int32             `json:"reloadAttempts,omitempty"`
	ReloadError    string            `json:"reloadError,omitempty"`
	LastReload     *metav1.Time      `json:"lastReload,omitempty"`
	// ReloadHash identifies the reload that failed, so that a corrected one is tried again.
	ReloadHash string `json:"reloadHash,omitempty"`
}

// Completed tells whether the kubelet runs the new containers of the state's change.
func Completed(pod *corev1.Pod, s *State) bool { return completed(pod, s) }

// Change is the difference between two revisions' templates as an in-place update sees it.
type Change struct {
	// Images are the new images of changed containers, by container name.
	Images map[string]string
	// Resources are the new resources of containers whose resources alone changed, by container name.
	Resources map[string]corev1.ResourceRequirements
	// Labels and Annotations are the new template's, to merge into the pod.
	Labels, Annotations map[string]string
	// NotInPlace says why the change cannot be made in place; empty when it can.
	NotInPlace string
	// Restart is set when the template asks for the pods to be restarted: `kubectl gamestatefulset rollout
	// restart`. Every strategy recreates them, HotPatchUpdate included.
	Restart bool
}

// RestartAnnotation on the pod template asks for every pod to be restarted; `rollout restart` sets it to the time.
const RestartAnnotation = "tkex.tencent.com/restartedAt"

// ImagesOnly tells whether the change touches container images (and pod metadata) only.
func (c Change) ImagesOnly() bool {
	return c.NotInPlace == "" && len(c.Resources) == 0
}

// ResourcesOnly tells whether the change touches container resources (and pod metadata) only, which the
// kubelet applies through the resize subresource without a restart.
func (c Change) ResourcesOnly() bool {
	return c.NotInPlace == "" && len(c.Images) == 0 && len(c.Resources) > 0
}

// Compare finds what changed from one template to the other and whether it can be applied in place.
func Compare(from, to *corev1.PodTemplateSpec) Change {
	change := Change{Images: map[string]string{}, Resources: map[string]corev1.ResourceRequirements{},
		Labels: to.Labels, Annotations: to.Annotations}
	patched := from.DeepCopy()
	patched.Labels, patched.Annotations = to.Labels, to.Annotations
	if len(patched.Spec.Containers) == len(to.Spec.Containers) {
		for i := range to.Spec.Containers {
			want, have := &to.Spec.Containers[i], &patched.Spec.Containers[i]
			if want.Name != have.Name {
				break
			}
			if want.Image != have.Image {
				change.Images[want.Name] = want.Image
				have.Image = want.Image
			}
			if !apiequality.Semantic.DeepEqual(want.Resources, have.Resources) {
				change.Resources[want.Name] = want.Resources
				have.Resources = want.Resources
			}
		}
	}
	if from.Annotations[RestartAnnotation] != to.Annotations[RestartAnnotation] {
		// a stock kubelet restarts a container for a new image only: a restart is a recreation, within the
		// partition and maxUnavailable, under every strategy
		change.NotInPlace = "a restart was requested (" + RestartAnnotation + ")"
		change.Restart = true
	} else if !apiequality.Semantic.DeepEqual(patched, to) {
		change.NotInPlace = "fields other than container images and resources changed: " + strings.Join(changedFields(patched, to), ", ")
	} else if len(change.Images) > 0 && len(change.Resources) > 0 {
		change.NotInPlace = "container images and resources changed together"
	}
	return change
}

// changedFields names the top-level pod spec fields that differ, for messages a person can act on.
func changedFields(a, b *corev1.PodTemplateSpec) []string {
	var ja, jb map[string]any
	ra, _ := json.Marshal(a.Spec)
	rb, _ := json.Marshal(b.Spec)
	_ = json.Unmarshal(ra, &ja)
	_ = json.Unmarshal(rb, &jb)
	var fields []string
	for k := range ja {
		if !apiequality.Semantic.DeepEqual(ja[k], jb[k]) {
			fields = append(fields, "spec."+k)
		}
	}
	for k := range jb {
		if _, ok := ja[k]; !ok {
			fields = append(fields, "spec."+k)
		}
	}
	sort.Strings(fields)
	if len(fields) == 0 {
		fields = []string{"metadata"}
	}
	return fields
}

// HasGate tells whether the pod was created with the InPlaceUpdateReady readiness gate.
func HasGate(pod *corev1.Pod) bool {
	return identity.HasReadinessGate(pod, ReadinessGate)
}

// GateCondition is the pod's InPlaceUpdateReady condition, or nil.
func GateCondition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == ReadinessGate {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// GraceRemaining is how long the pod's grace period still runs; ok is false when the pod is not in one.
func GraceRemaining(pod *corev1.Pod, grace time.Duration, now time.Time) (remaining time.Duration, ok bool) {
	c := GateCondition(pod)
	if c == nil || c.Status != corev1.ConditionFalse || c.Reason != ReasonGracePeriod {
		return 0, false
	}
	return max(0, c.LastTransitionTime.Add(grace).Sub(now)), true
}

// StateOf reads the state of the pod's last in-place change, of either kind; nil when there is none. A pod
// updated before Apply cleared the other kind's annotation may carry both: the one of its revision is its last.
// The state is the caller's to change.
func StateOf(pod *corev1.Pod) *State {
	if s := StateView(pod); s != nil {
		return s.clone()
	}
	return nil
}

// StateView is StateOf's state as the cache holds it, shared by every caller: read it, never change it. The
// planner reads each pod's state several times in every reconcile.
func StateView(pod *corev1.Pod) *State {
	var found *State
	for _, key := range []string{StateAnnotation, HotPatchStateAnnotation} {
		raw, ok := pod.Annotations[key]
		if !ok {
			continue
		}
		s := decodedStates.decode(raw)
		if s == nil {
			continue
		}
		if s.Revision == identity.Revision(pod) {
			return s
		}
		if found == nil {
			found = s
		}
	}
	return found
}

// decodedStates keeps the states read from annotations: a reconcile asks for each pod's state several times, every
// reconcile of a set asks again for pods that have not changed, and decoding the JSON was a third of the
// operator's CPU in an in-place update of 3000 pods (docs/performance.md).
var decodedStates = stateCache{states: map[string]*State{}}

// maxCachedStates bounds the cache; when full it starts again empty, which costs one decode per pod.
const maxCachedStates = 1 << 16

type stateCache struct {
	mu sync.RWMutex
	// states holds nil for an annotation that does not parse
	states map[string]*State
}

// decode is the state an annotation holds, nil when it does not parse.
func (c *stateCache) decode(raw string) *State {
	c.mu.RLock()
	s, hit := c.states[raw]
	c.mu.RUnlock()
	if hit {
		return s
	}
	s = &State{}
	if json.Unmarshal([]byte(raw), s) != nil {
		s = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.states) >= maxCachedStates {
		clear(c.states)
	}
	c.states[raw] = s
	return s
}

// clone copies the state deeply enough that changing the copy leaves the cached one alone.
func (s *State) clone() *State {
	c := *s
	c.LastContainerStatuses = maps.Clone(s.LastContainerStatuses)
	c.GameContainers = maps.Clone(s.GameContainers)
	if s.LastReload != nil {
		c.LastReload = s.LastReload.DeepCopy()
	}
	return &c
}

// InProgress tells whether an in-place change of the pod to its current revision label has not been seen
// through yet: the kubelet has not reported the new containers.
func InProgress(pod *corev1.Pod, revision string) bool {
	s := StateView(pod)
	return s != nil && s.Revision == revision && !completed(pod, s)
}

// stuckReasons are the waiting reasons of a container the kubelet will not get running by waiting longer.
var stuckReasons = map[string]bool{"ErrImagePull": true, "ImagePullBackOff": true, "InvalidImageName": true,
	"ErrImageNeverPull": true, "CrashLoopBackOff": true, "CreateContainerConfigError": true, "CreateContainerError": true}

// Stuck says why an in-place change in flight cannot complete by itself (a changed container whose image does not
// pull, or that crashes), or "" when it can.
func Stuck(pod *corev1.Pod) string {
	s := StateView(pod)
	if s == nil || s.Revision != identity.Revision(pod) || completed(pod, s) {
		return ""
	}
	for name := range s.LastContainerStatuses {
		cs := containerStatus(pod, name)
		if cs == nil || cs.State.Waiting == nil || !stuckReasons[cs.State.Waiting.Reason] {
			continue
		}
		why := fmt.Sprintf("container %s is %s", name, cs.State.Waiting.Reason)
		if m := cs.State.Waiting.Message; m != "" {
			why += ": " + m
		}
		return why
	}
	return ""
}

// completed tells whether every changed container reports a new image or a restart since the change, and the
// kubelet has observed the pod's latest spec where it says so.
func completed(pod *corev1.Pod, s *State) bool {
	if pod.Status.ObservedGeneration != 0 && pod.Status.ObservedGeneration < pod.Generation {
		return false
	}
	for name, before := range s.LastContainerStatuses {
		now := containerStatus(pod, name)
		if now == nil || now.State.Running == nil {
			return false
		}
		if (now.ImageID == "" || now.ImageID == before.ImageID) && now.RestartCount <= before.RestartCount {
			return false
		}
	}
	return true
}

func containerStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// Apply returns a copy of pod changed in place to revision: new images, the template's labels and annotations,
// the revision label, and the state annotation (stateKey) that lets completion be recognised.
func Apply(pod *corev1.Pod, change Change, revisionLabel, revision, stateKey string, now time.Time) (*corev1.Pod, error) {
	updated := pod.DeepCopy()
	if updated.Labels == nil {
		updated.Labels = map[string]string{}
	}
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	for k, v := range change.Labels {
		updated.Labels[k] = v
	}
	for k, v := range change.Annotations {
		updated.Annotations[k] = v
	}
	updated.Labels[revisionLabel] = revision
	state := State{Revision: revision, UpdateTimestamp: metav1.NewTime(now), LastContainerStatuses: map[string]ContainerStatus{}}
	for i := range updated.Spec.Containers {
		c := &updated.Spec.Containers[i]
		image, ok := change.Images[c.Name]
		if !ok {
			continue
		}
		c.Image = image
		before := ContainerStatus{}
		if cs := containerStatus(pod, c.Name); cs != nil {
			before = ContainerStatus{ImageID: cs.ImageID, RestartCount: cs.RestartCount}
		}
		state.LastContainerStatuses[c.Name] = before
	}
	raw, err := json.Marshal(state)
	if err != nil {
		return nil, fmt.Errorf("encoding in-place update state: %w", err)
	}
	// one state at a time: a finished change of the other kind must not read as this one's
	delete(updated.Annotations, StateAnnotation)
	delete(updated.Annotations, HotPatchStateAnnotation)
	updated.Annotations[stateKey] = string(raw)
	if stateKey != HotPatchStateAnnotation {
		// a customised kubelet would otherwise hot-swap what this change restarts
		delete(updated.Annotations, HotPatchAnnotation)
	}
	return updated, nil
}
