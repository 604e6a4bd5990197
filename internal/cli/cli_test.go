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

package cli

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func set(mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	s := &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "game", Generation: 2, CreationTimestamp: metav1.NewTime(now.Add(-90 * time.Minute))},
		Spec: gstsv1alpha1.GameStatefulSetSpec{Replicas: ptr.To(int32(5)),
			UpdateStrategy: gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType,
				RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(3))}}},
		Status: gstsv1alpha1.GameStatefulSetStatus{ObservedGeneration: 2, Replicas: 5, ReadyReplicas: 5, CurrentReplicas: 3, UpdatedReplicas: 2,
			UpdatedReadyReplicas: 2, CurrentRevision: "web-a", UpdateRevision: "web-b"},
	}
	s.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main", Image: "game:v2"}}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func TestRowAndTable(t *testing.T) {
	out := Table(Columns, [][]string{Row(set(), false, now)})
	want := "NAME   REPLICAS   READY   CURRENT   UPDATED   STRATEGY        PARTITION   PAUSED   STEP   HELD   AGE\n" +
		"web    5          5/5     3         2         InplaceUpdate   3           false    -      0      90m\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	canary := set(func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: make([]gstsv1alpha1.CanaryStep, 4)}
		s.Status.CurrentStepIndex = ptr.To(int32(1))
		s.Status.PreDeleteHookConditions = []gstsv1alpha1.PodHookCondition{{PodName: "web-4", HookPhase: gstsv1alpha1.HookPhaseRunning},
			{PodName: "web-3", HookPhase: gstsv1alpha1.HookPhaseSuccessful}}
		s.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromInt32(1), intstr.FromString("7-9")}
	})
	row := Row(canary, true, now)
	if got := strings.Join(row, " "); !strings.Contains(got, " canary false 2/4 1 90m web-b ") || !strings.HasSuffix(got, " 1,7-9 game:v2") {
		t.Errorf("row %q", got)
	}
}

func TestRollout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		set     *gstsv1alpha1.GameStatefulSet
		done    bool
		message string
	}{
		{"partition reached", set(), true, "partitioned rollout complete: 2 new pods"},
		{"spec not observed", set(func(s *gstsv1alpha1.GameStatefulSet) { s.Generation = 3 }), false, "observe the latest spec"},
		{"pods still updating", set(func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = nil
			s.Status.Conditions = []metav1.Condition{{Type: gstsv1alpha1.ConditionProgressing, Reason: "RolloutInProgress", Message: "pod web-2 is out of service for its grace period"}}
		}), false, "2 of 5 pods updated, 2 updated and ready (RolloutInProgress: pod web-2 is out of service for its grace period)"},
		{"all updated, revision not yet current", set(func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = nil
			s.Status.UpdatedReplicas, s.Status.UpdatedReadyReplicas = 5, 5
		}), false, "waiting for revision web-b to become current"},
		{"done", set(func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.Partition = nil
			s.Status.UpdatedReplicas, s.Status.UpdatedReadyReplicas, s.Status.CurrentRevision = 5, 5, "web-b"
		}), true, "successfully rolled out: 5 pods on revision web-b"},
		{"a canary waits on its steps, not on rollingUpdate.partition", set(func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.CanaryStrategy = &gstsv1alpha1.CanaryStrategy{Steps: make([]gstsv1alpha1.CanaryStep, 2)}
		}), false, "2 of 5 pods updated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done, msg := Rollout(tc.set)
			if done != tc.done || !strings.Contains(msg, tc.message) {
				t.Errorf("got %v %q, want %v containing %q", done, msg, tc.done, tc.message)
			}
		})
	}
}

func TestHistoryAndUndo(t *testing.T) {
	s := set()
	rev := func(n int64, name, image string) *appsv1.ControllerRevision {
		return &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Name: name}, Revision: n, Data: runtimeRaw(image)}
	}
	revisions := []*appsv1.ControllerRevision{rev(3, "web-b", "game:v2"), rev(1, "web-z", "game:v0"), rev(2, "web-a", "game:v1")}
	templateOf := func(r *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
		return &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: string(r.Data.Raw)}}}}, nil
	}
	history, err := History(s, revisions, templateOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 3 || history[0].Number != 1 || !history[1].Current || !history[2].Update || history[2].Images != "game:v2" {
		t.Fatalf("history %+v", history)
	}
	target, err := UndoTarget(history, 0)
	if err != nil || target.Name != "web-a" {
		t.Errorf("undo goes to %+v, %v; want web-a, the one before the update revision", target, err)
	}
	if target, err := UndoTarget(history, 1); err != nil || target.Name != "web-z" {
		t.Errorf("undo --to-revision=1: %+v %v", target, err)
	}
	if _, err := UndoTarget(history, 9); err == nil {
		t.Error("an unknown revision is an error")
	}
	if _, err := UndoTarget(history[:1], 0); err == nil {
		t.Error("nothing before the first revision")
	}
}

func TestPodLine(t *testing.T) {
	s := set(func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.ReserveOrders = []intstr.IntOrString{intstr.FromInt32(1)}
	})
	if got := strings.Join(PodLine(s, 1, nil), " "); !strings.HasPrefix(got, "1 web-1 reserved") {
		t.Errorf("reserved ordinal: %q", got)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-4", Labels: map[string]string{"controller-revision-hash": "web-b",
		"tkex.tencent.com/game-server-state": "Allocated"}},
		Spec: corev1.PodSpec{NodeName: "node-1"},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.244.0.9",
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "main", RestartCount: 1}}}}
	if got := strings.Join(PodLine(s, 4, pod), " "); got != "4 web-4 Running/true web-b (update) node-1 10.244.0.9 1 - Allocated" {
		t.Errorf("pod line %q", got)
	}
}

func runtimeRaw(s string) runtime.RawExtension { return runtime.RawExtension{Raw: []byte(s)} }
