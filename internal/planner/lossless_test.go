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

package planner

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// contentSet is a lossless HotPatchUpdate set: a game container and a content container, rev-1 with content:v1,
// rev-2 (the set's template) with content:v2.
func contentSet(replicas int32, mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	return newSet(replicas, append([]func(*gstsv1alpha1.GameStatefulSet){func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.UpdateStrategy.Type = gstsv1alpha1.HotPatchGameStatefulSetStrategyType
		set.Spec.UpdateStrategy.HotPatchUpdateStrategy = &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"content"},
			Reload: &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: 8080, Path: "/reload"}, Retries: 1}}
		set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "game", Image: "game:v1"}, {Name: "content", Image: "content:v2"}}
	}}, mutate...)...)
}

func contentInput(set *gstsv1alpha1.GameStatefulSet, pods ...*corev1.Pod) Input {
	in := input(set, pods...)
	old := set.Spec.Template.DeepCopy()
	old.Spec.Containers[1].Image = "content:v1"
	in.Templates = map[string]*corev1.PodTemplateSpec{"rev-1": old, "rev-2": &set.Spec.Template}
	return in
}

// contentPod is a running, ready pod at rev-1 with both containers' statuses.
func contentPod(set *gstsv1alpha1.GameStatefulSet, ordinal int32) *corev1.Pod {
	p := pod(set, ordinal, "rev-1", ready)
	p.Spec.Containers[1].Image = "content:v1"
	running := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{
		{Name: "game", ContainerID: "containerd://game-1", ImageID: "sha-game", Ready: true, State: running},
		{Name: "content", ContainerID: "containerd://content-1", ImageID: "sha-content-v1", Ready: true, State: running}}
	return p
}

// hotPatched is the pod after the operator patched it to rev-2; contentRuns says whether the kubelet has
// restarted the content container with its new image (and it is ready).
func hotPatched(t *testing.T, set *gstsv1alpha1.GameStatefulSet, p *corev1.Pod, contentRuns bool) *corev1.Pod {
	t.Helper()
	change := inplace.Compare(&corev1.PodTemplateSpec{Spec: *p.Spec.DeepCopy()}, &set.Spec.Template)
	updated, err := inplace.Apply(p, change, identity.RevisionLabel, "rev-2", inplace.HotPatchStateAnnotation, now.Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	s := inplace.StateOf(updated)
	lossless.Patched(s, p, set.Spec.UpdateStrategy.HotPatchUpdateStrategy)
	raw, _ := lossless.Encode(s)
	updated.Annotations[inplace.HotPatchStateAnnotation] = raw
	if contentRuns {
		updated.Status.ContainerStatuses[1].ImageID, updated.Status.ContainerStatuses[1].RestartCount = "sha-content-v2", 1
		updated.Status.ContainerStatuses[1].ContainerID = "containerd://content-2"
	}
	return updated
}

func withState(t *testing.T, p *corev1.Pod, mutate func(*inplace.State)) *corev1.Pod {
	t.Helper()
	s := inplace.StateOf(p)
	mutate(s)
	raw, _ := lossless.Encode(s)
	p = p.DeepCopy()
	p.Annotations[inplace.HotPatchStateAnnotation] = raw
	return p
}

func TestLosslessPatchesOnlyContentAndRefusesAGameImage(t *testing.T) {
	set := contentSet(2, partition(intstr.FromInt32(1)))
	pods := []*corev1.Pod{contentPod(set, 0), contentPod(set, 1)}
	plan := Compute(contentInput(set, pods...))
	expectActions(t, plan, "UpdateInPlace 1")
	if a := plan.Actions[0]; !a.HotPatch || !a.Lossless || a.Change.Images["content"] != "content:v2" || len(a.Change.Images) != 1 {
		t.Fatalf("action %+v", a)
	}

	game := contentSet(2, func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:v2" })
	in := contentInput(game, contentPod(game, 0), contentPod(game, 1))
	in.Templates["rev-1"].Spec.Containers[0].Image = "game:v1"
	plan = Compute(in)
	expectActions(t, plan)
	if len(plan.Refused) != 2 || !strings.Contains(plan.Refused[0], "game") || !strings.Contains(plan.Refused[0], "not a content container") {
		t.Fatalf("refused %v", plan.Refused)
	}
}

func TestLosslessReloadsOnceTheContentRunsAndCountsThePodUpdatedAfter(t *testing.T) {
	set := contentSet(2, partition(intstr.FromInt32(1)))
	waiting := hotPatched(t, set, contentPod(set, 1), false)
	in := contentInput(set, contentPod(set, 0), waiting)
	expectActions(t, Compute(in))
	if s := Status(in, "app=web"); s.UpdatedReplicas != 0 {
		t.Errorf("a pod whose content container has not restarted counts as updated: %+v", s)
	}

	running := hotPatched(t, set, contentPod(set, 1), true)
	in = contentInput(set, contentPod(set, 0), running)
	expectActions(t, Compute(in), "ReloadGame 1")
	if s := Status(in, "app=web"); s.UpdatedReplicas != 0 {
		t.Errorf("a pod whose game has not reloaded counts as updated: %+v", s)
	}

	reloaded := withState(t, running, func(s *inplace.State) {
		lossless.Attempted(s, set.Spec.UpdateStrategy.HotPatchUpdateStrategy.Reload, nil, now)
	})
	in = contentInput(set, contentPod(set, 0), reloaded)
	expectActions(t, Compute(in))
	if s := Status(in, "app=web"); s.UpdatedReplicas != 1 {
		t.Errorf("the reloaded pod is not counted as updated: %+v", s)
	}
}

func TestLosslessRetriesAfterABackoffThenHoldsTheRollout(t *testing.T) {
	set := contentSet(3, partition(intstr.FromInt32(1)))
	reload := set.Spec.UpdateStrategy.HotPatchUpdateStrategy.Reload
	failedOnce := withState(t, hotPatched(t, set, contentPod(set, 2), true), func(s *inplace.State) {
		lossless.Attempted(s, reload, errString("connection refused"), now.Add(-time.Second))
	})
	plan := Compute(contentInput(set, contentPod(set, 0), contentPod(set, 1), failedOnce))
	expectActions(t, plan)
	if plan.RequeueAfter != time.Second {
		t.Fatalf("requeue %s, want the second of the 2 s back-off that remains", plan.RequeueAfter)
	}
	later := contentInput(set, contentPod(set, 0), contentPod(set, 1), failedOnce)
	later.Now = now.Add(2 * time.Second)
	expectActions(t, Compute(later), "ReloadGame 2")

	failed := withState(t, failedOnce, func(s *inplace.State) { lossless.Attempted(s, reload, errString("connection refused"), now) })
	if step, _ := lossless.Next(failed, reload); step != lossless.Failed {
		t.Fatalf("after 1 retry the reload did not fail: %v", step)
	}
	plan = Compute(contentInput(set, contentPod(set, 0), contentPod(set, 1), failed))
	// maxUnavailable 1: the failed pod holds pod 1's update
	expectActions(t, plan)
	if len(plan.Stuck) != 1 || !strings.Contains(plan.Stuck[0], "did not reload after 2 attempts") {
		t.Fatalf("stuck %v", plan.Stuck)
	}

	// a corrected reload action is tried again, from its first attempt
	set.Spec.UpdateStrategy.HotPatchUpdateStrategy.Reload = &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: 8081, Path: "/reload"}}
	expectActions(t, Compute(contentInput(set, contentPod(set, 0), contentPod(set, 1), failed)), "ReloadGame 2")
}

type errString string

func (e errString) Error() string { return string(e) }

func TestLosslessNotesRestartedGameContainers(t *testing.T) {
	set := contentSet(1)
	p := hotPatched(t, set, contentPod(set, 0), true)
	_, s := lossless.Next(p, lossless.ReloadOf(set))
	if got := lossless.Restarted(p, s); len(got) != 0 {
		t.Fatalf("restarted %v", got)
	}
	p.Status.ContainerStatuses[0].ContainerID = "containerd://game-2"
	if got := lossless.Restarted(p, s); len(got) != 1 || got[0] != "game" {
		t.Fatalf("restarted %v", got)
	}
}
