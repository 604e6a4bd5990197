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

package inplace

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func template(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "main", Image: image},
			{Name: "sidecar", Image: "patch:v1"},
		}},
	}
}

func TestCompare(t *testing.T) {
	from := template("game:v1")

	to := template("game:v2")
	to.Labels["tier"] = "gold"
	c := Compare(from, to)
	if !c.ImagesOnly() || c.Images["main"] != "game:v2" || len(c.Images) != 1 || c.Labels["tier"] != "gold" {
		t.Fatalf("image and label change: %+v", c)
	}

	to = template("game:v1")
	to.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "1"}}
	if c := Compare(from, to); c.NotInPlace == "" || !strings.Contains(c.NotInPlace, "spec.containers") {
		t.Fatalf("an env change is not in place: %+v", c)
	}

	to = template("game:v1")
	to.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
	if c := Compare(from, to); !c.ResourcesOnly() || c.ImagesOnly() {
		t.Fatalf("a resources change is a resize: %+v", c)
	}

	to.Spec.Containers[0].Image = "game:v2"
	if c := Compare(from, to); c.NotInPlace == "" {
		t.Fatalf("images and resources together are not in place: %+v", c)
	}

	to = template("game:v2")
	to.Spec.Containers = append(to.Spec.Containers, corev1.Container{Name: "extra", Image: "x"})
	if c := Compare(from, to); c.NotInPlace == "" {
		t.Fatalf("an added container is not in place: %+v", c)
	}
}

func runningPod(image, imageID string, restarts int32) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Generation: 1,
		Labels: map[string]string{"controller-revision-hash": "web-1"}}}
	pod.Spec.Containers = []corev1.Container{{Name: "main", Image: image}, {Name: "sidecar", Image: "patch:v1"}}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{
		{Name: "main", Image: image, ImageID: imageID, RestartCount: restarts,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
		{Name: "sidecar", Image: "patch:v1", ImageID: "sha-patch", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
	}
	return pod
}

func TestApplyAndCompletion(t *testing.T) {
	pod := runningPod("game:v1", "sha-1", 0)
	change := Compare(template("game:v1"), template("game:v2"))
	updated, err := Apply(pod, change, "controller-revision-hash", "web-2", StateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if updated.Spec.Containers[0].Image != "game:v2" || updated.Spec.Containers[1].Image != "patch:v1" ||
		updated.Labels["controller-revision-hash"] != "web-2" || pod.Spec.Containers[0].Image != "game:v1" {
		t.Fatalf("apply: %+v", updated.Spec.Containers)
	}
	var state State
	if err := json.Unmarshal([]byte(updated.Annotations[StateAnnotation]), &state); err != nil {
		t.Fatal(err)
	}
	if len(state.LastContainerStatuses) != 1 || state.LastContainerStatuses["main"].ImageID != "sha-1" {
		t.Fatalf("only the changed container is recorded: %+v", state)
	}
	if !InProgress(updated, "web-2") {
		t.Fatal("the kubelet has not reported the new container yet")
	}

	// the spec generation moved on and the kubelet has not observed it
	updated.Generation = 2
	updated.Status.ObservedGeneration = 1
	updated.Status.ContainerStatuses[0].ImageID, updated.Status.ContainerStatuses[0].RestartCount = "sha-2", 1
	if !InProgress(updated, "web-2") {
		t.Fatal("observedGeneration behind generation: still in progress")
	}
	updated.Status.ObservedGeneration = 2
	if InProgress(updated, "web-2") {
		t.Fatal("new image ID and a restart reported: complete")
	}
	// a customised kubelet swaps the image without a restart
	updated.Status.ContainerStatuses[0].RestartCount = 0
	if InProgress(updated, "web-2") {
		t.Fatal("a new image ID alone completes a hot patch")
	}
	// a same-digest retag restarts the container with the same image ID
	updated.Status.ContainerStatuses[0].ImageID, updated.Status.ContainerStatuses[0].RestartCount = "sha-1", 1
	if InProgress(updated, "web-2") {
		t.Fatal("a restart with the same image ID completes an in-place update")
	}
	updated.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}
	if !InProgress(updated, "web-2") {
		t.Fatal("a container that does not run yet is not done")
	}
	if InProgress(updated, "web-3") {
		t.Fatal("a state of another revision is not in progress for this one")
	}
}

func TestGraceRemaining(t *testing.T) {
	now := time.Now()
	pod := runningPod("game:v1", "sha-1", 0)
	if _, ok := GraceRemaining(pod, time.Minute, now); ok {
		t.Fatal("no gate condition: not in a grace period")
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: ReadinessGate, Status: corev1.ConditionFalse, Reason: ReasonGracePeriod,
		LastTransitionTime: metav1.NewTime(now.Add(-20 * time.Second))}}
	if r, ok := GraceRemaining(pod, 30*time.Second, now); !ok || r != 10*time.Second {
		t.Fatalf("remaining %s %v", r, ok)
	}
	if r, ok := GraceRemaining(pod, 10*time.Second, now); !ok || r != 0 {
		t.Fatalf("an elapsed grace period has nothing left: %s %v", r, ok)
	}
}

func TestAHotPatchAfterAnInPlaceUpdateIsNotReadAsDone(t *testing.T) {
	pod := runningPod("game:v1", "sha-1", 0)
	inPlace, err := Apply(pod, Compare(template("game:v1"), template("game:v2")), "controller-revision-hash", "web-2", StateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	inPlace.Annotations[HotPatchAnnotation] = "true" // left by an earlier hot patch
	inPlace.Status.ContainerStatuses[0].ImageID, inPlace.Status.ContainerStatuses[0].RestartCount = "sha-2", 1
	if InProgress(inPlace, "web-2") {
		t.Fatal("the in-place update is done")
	}
	if _, ok := inPlace.Annotations[HotPatchAnnotation]; !ok {
		t.Fatal("setup")
	}
	hotPatched, err := Apply(inPlace, Compare(template("game:v2"), template("game:v3")), "controller-revision-hash", "web-3", HotPatchStateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, stale := hotPatched.Annotations[StateAnnotation]; stale {
		t.Fatal("the finished in-place state is left beside the hot patch's")
	}
	if !InProgress(hotPatched, "web-3") {
		t.Fatal("a hot patch the kubelet has not reported reads as done")
	}
	// a pod of an older operator carrying both states: the one of its revision counts
	both := hotPatched.DeepCopy()
	both.Annotations[StateAnnotation] = inPlace.Annotations[StateAnnotation]
	if s := StateOf(both); s.Revision != "web-3" || !InProgress(both, "web-3") {
		t.Fatalf("state read: %+v", s)
	}
	// an in-place update after a hot patch drops the customised kubelet's hot-swap annotation
	again, err := Apply(hotPatched, Compare(template("game:v3"), template("game:v4")), "controller-revision-hash", "web-4", StateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, kept := again.Annotations[HotPatchAnnotation]; kept {
		t.Fatal("the hot-patch annotation outlives the switch to InplaceUpdate")
	}
}

func TestStateOfGivesACopyOfTheStateItDecodedOnce(t *testing.T) {
	pod := runningPod("game:v1", "sha-1", 0)
	updated, err := Apply(pod, Compare(template("game:v1"), template("game:v2")), "controller-revision-hash", "web-2", StateAnnotation, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	view := StateView(updated)
	if view == nil || view != StateView(updated.DeepCopy()) {
		t.Fatalf("the same annotation decodes to the state already decoded: %p", view)
	}
	mine := StateOf(updated)
	mine.Phase = "Patched"
	mine.LastContainerStatuses["main"] = ContainerStatus{ImageID: "changed"}
	mine.GameContainers = map[string]string{"main": "id"}
	if again := StateOf(updated); again.Phase != "" || again.LastContainerStatuses["main"].ImageID != "sha-1" || again.GameContainers != nil {
		t.Fatalf("a caller's change reached the cache: %+v", again)
	}

	updated.Annotations[StateAnnotation] = `{"revision": `
	if s := StateOf(updated); s != nil {
		t.Fatalf("an annotation that does not parse has no state: %+v", s)
	}
	updated.Annotations[HotPatchStateAnnotation] = `{"revision":"web-2"}`
	if s := StateOf(updated); s == nil || s.Revision != "web-2" {
		t.Fatalf("the other kind's state is read when the first does not parse: %+v", s)
	}
}

func TestTheStateCacheStartsAgainWhenFull(t *testing.T) {
	c := stateCache{states: map[string]*State{}}
	for i := range maxCachedStates + 1 {
		if s := c.decode(`{"revision":"r` + strconv.Itoa(i) + `"}`); s == nil || s.Revision != "r"+strconv.Itoa(i) {
			t.Fatalf("state %d: %+v", i, s)
		}
	}
	if len(c.states) != 1 {
		t.Fatalf("%d states cached after the cache filled up", len(c.states))
	}
}
