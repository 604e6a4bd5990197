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
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func strategy() *gstsv1alpha1.HotPatchUpdateStrategy {
	return &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"content", "assets"},
		Reload: &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: 8080}, Retries: 2}}
}

func TestRefused(t *testing.T) {
	tests := []struct {
		images map[string]string
		want   string
	}{
		{map[string]string{"content": "c:v2"}, ""},
		{map[string]string{"content": "c:v2", "assets": "a:v2"}, ""},
		{map[string]string{"game": "g:v2"}, "the image of game changed"},
		{map[string]string{"content": "c:v2", "sidecar": "s:2", "game": "g:2"}, "the image of game, sidecar changed"},
	}
	for _, tt := range tests {
		got := Refused(strategy(), inplace.Change{Images: tt.images})
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%v: %q, want %q", tt.images, got, tt.want)
		}
	}
}

// patchedPod is a pod at rev-2 whose content container the operator patched; restarted says whether the kubelet
// has run it anew, ready whether it is ready.
func patchedPod(t *testing.T, restarted, ready bool) *corev1.Pod {
	t.Helper()
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Labels: map[string]string{identity.RevisionLabel: "rev-1"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "game", Image: "g:1"}, {Name: "content", Image: "c:1"}}},
		Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{
			{Name: "game", ContainerID: "cri://g1", ImageID: "g1", Ready: true, State: running},
			{Name: "content", ContainerID: "cri://c1", ImageID: "c1", Ready: true, State: running}}}}
	patched, err := inplace.Apply(pod, inplace.Change{Images: map[string]string{"content": "c:2"}}, identity.RevisionLabel, "rev-2",
		inplace.HotPatchStateAnnotation, now)
	if err != nil {
		t.Fatal(err)
	}
	s := inplace.StateOf(patched)
	Patched(s, pod, strategy())
	raw, _ := Encode(s)
	patched.Annotations[inplace.HotPatchStateAnnotation] = raw
	if restarted {
		patched.Status.ContainerStatuses[1] = corev1.ContainerStatus{Name: "content", ContainerID: "cri://c2", ImageID: "c2",
			RestartCount: 1, Ready: ready, State: running}
	}
	return patched
}

func TestNext(t *testing.T) {
	reload := strategy().Reload
	tests := []struct {
		name string
		pod  *corev1.Pod
		want Step
	}{
		{"the content container has not restarted", patchedPod(t, false, false), WaitContent},
		{"it runs the new image but is not ready", patchedPod(t, true, false), WaitContent},
		{"it runs and is ready", patchedPod(t, true, true), Reload},
		{"a pod without a lossless update", &corev1.Pod{}, None},
	}
	for _, tt := range tests {
		if got, _ := Next(tt.pod, reload); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
	pod := patchedPod(t, true, true)
	if !Pending(pod) {
		t.Error("a pod waiting for its reload is not pending")
	}
	_, s := Next(pod, reload)
	if s.GameContainers["game"] != "cri://g1" || len(s.GameContainers) != 1 {
		t.Errorf("game containers %v", s.GameContainers)
	}
}

func TestAttemptedRetriesThenFailsAndBacksOff(t *testing.T) {
	reload := strategy().Reload
	s := &inplace.State{Phase: PhasePatched}
	var phases []string
	for i := 0; i < 3; i++ {
		phases = append(phases, Attempted(s, reload, errors.New("refused"), now.Add(time.Duration(i)*time.Minute)))
	}
	if strings.Join(phases, " ") != "Patched Patched ReloadFailed" || s.ReloadAttempts != 3 {
		t.Fatalf("phases %v after %d attempts", phases, s.ReloadAttempts)
	}
	if s.ReloadHash != Hash(reload) || s.ReloadError != "refused" {
		t.Errorf("state %+v", s)
	}
	s = &inplace.State{Phase: PhasePatched}
	Attempted(s, reload, errors.New("refused"), now)
	if got := RetryIn(s, now.Add(500*time.Millisecond)); got != 1500*time.Millisecond {
		t.Errorf("retry in %s", got)
	}
	Attempted(s, reload, errors.New("refused"), now)
	if got := RetryIn(s, now); got != 4*time.Second {
		t.Errorf("second retry in %s", got)
	}
	if Attempted(s, reload, nil, now) != PhaseReloaded || s.ReloadError != "" {
		t.Errorf("a success does not end the update: %+v", s)
	}
	for i := int32(1); i < 10; i++ {
		if got := RetryIn(&inplace.State{ReloadAttempts: i, LastReload: &metav1.Time{Time: now}}, now); got > 30*time.Second {
			t.Errorf("attempt %d waits %s", i, got)
		}
	}
}
