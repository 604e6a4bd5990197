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
	"testing"
	"time"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func TestProgressOnly(t *testing.T) {
	since := metav1.NewTime(time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	scaling := func(replicas int32) gstsv1alpha1.GameStatefulSetStatus {
		return gstsv1alpha1.GameStatefulSetStatus{
			ObservedGeneration: 2, Replicas: replicas, ReadyReplicas: replicas, AvailableReplicas: replicas,
			CurrentReplicas: replicas, UpdatedReplicas: replicas, UpdatedReadyReplicas: replicas,
			CurrentRevision: "web-1", UpdateRevision: "web-1", LabelSelector: "app=web",
			Conditions: []metav1.Condition{
				{Type: gstsv1alpha1.ConditionReady, Status: metav1.ConditionFalse, Reason: "ReplicasNotReady", ObservedGeneration: 2,
					LastTransitionTime: since, Message: "pods are ready"},
				{Type: gstsv1alpha1.ConditionProgressing, Status: metav1.ConditionTrue, Reason: "Scaling", ObservedGeneration: 2,
					LastTransitionTime: since, Message: "scaling"},
			},
		}
	}
	withMessage := func(s gstsv1alpha1.GameStatefulSetStatus, i int, message string) gstsv1alpha1.GameStatefulSetStatus {
		s.Conditions[i].Message = message
		return s
	}
	paused := func(s gstsv1alpha1.GameStatefulSetStatus) gstsv1alpha1.GameStatefulSetStatus {
		s.Conditions[1].Status, s.Conditions[1].Reason = metav1.ConditionFalse, "Paused"
		return s
	}
	failing := func(s gstsv1alpha1.GameStatefulSetStatus, message string) gstsv1alpha1.GameStatefulSetStatus {
		s.Conditions = append(s.Conditions, metav1.Condition{Type: gstsv1alpha1.ConditionReplicaFailure, Status: metav1.ConditionTrue,
			Reason: "ChangeFailed", Message: message, ObservedGeneration: 2, LastTransitionTime: since})
		return s
	}
	changed := func(s gstsv1alpha1.GameStatefulSetStatus, change func(*gstsv1alpha1.GameStatefulSetStatus)) gstsv1alpha1.GameStatefulSetStatus {
		s.Conditions = append([]metav1.Condition(nil), s.Conditions...)
		change(&s)
		return s
	}
	for _, tc := range []struct {
		name          string
		before, after gstsv1alpha1.GameStatefulSetStatus
		want          bool
	}{
		{"no change", scaling(5), scaling(5), false},
		{"one pod fewer", scaling(5), scaling(4), true},
		{"one pod fewer, the messages say so", withMessage(scaling(5), 1, "scaling from 5 to 0 pods"),
			withMessage(scaling(4), 1, "scaling from 4 to 0 pods"), true},
		{"only a message", scaling(5), withMessage(scaling(5), 0, "4 of 5"), true},
		{"a count in place of none", gstsv1alpha1.GameStatefulSetStatus{}, gstsv1alpha1.GameStatefulSetStatus{Replicas: 1}, true},
		{"the observed generation", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.ObservedGeneration = 3 }), false},
		{"the current revision", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.CurrentRevision = "web-2" }), false},
		{"the update revision", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.UpdateRevision = "web-2" }), false},
		{"the collision count", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.CollisionCount = ptr.To[int32](1) }), false},
		{"Ready turns true with the counts", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[0].Status, s.Conditions[0].Reason = metav1.ConditionTrue, "AllReplicasReady"
			s.Conditions[0].LastTransitionTime = metav1.NewTime(since.Add(time.Minute))
		}), true},
		{"a pod being replaced: Scaling, then RolloutInProgress", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].Reason, s.Conditions[1].Message = ReasonRolloutInProgress, "3 of 5 pods on revision web-2"
		}), true},
		{"Ready's generation", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.Conditions[0].ObservedGeneration = 3 }), false},
		{"the rollout complete", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].Status, s.Conditions[1].Reason = metav1.ConditionFalse, "RolloutComplete"
			s.Conditions[1].LastTransitionTime = metav1.NewTime(since.Add(time.Minute))
		}), false},
		{"the deadline exceeded", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].Status, s.Conditions[1].Reason = metav1.ConditionFalse, ReasonProgressDeadlineExceeded
		}), false},
		{"Progressing for another reason", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].Reason = ReasonHookFailed
		}), false},
		{"Progressing's transition time", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].LastTransitionTime = metav1.NewTime(since.Add(time.Minute))
		}), false},
		{"a paused rollout's message", paused(scaling(5)), withMessage(paused(scaling(4)), 1, "paused with 4 of 5 pods"), true},
		{"a failure's message", failing(scaling(5), "quota"), failing(scaling(4), "timeout"), true},
		{"a failure's reason", failing(scaling(5), "quota"), changed(failing(scaling(5), "quota"), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[2].Reason = "Other"
		}), false},
		{"a condition's generation and message", scaling(5), changed(scaling(5), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions[1].ObservedGeneration, s.Conditions[1].Message = 3, "scaling to 7"
		}), false},
		{"a condition more", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.Conditions = append(s.Conditions, metav1.Condition{Type: gstsv1alpha1.ConditionReplicaFailure, Status: metav1.ConditionTrue})
		}), false},
		{"a condition less", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.Conditions = s.Conditions[:1] }), false},
		{"a canary step", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) { s.CurrentStepIndex = ptr.To[int32](1) }), false},
		{"a hook condition", scaling(5), changed(scaling(4), func(s *gstsv1alpha1.GameStatefulSetStatus) {
			s.PreDeleteHookConditions = []gstsv1alpha1.PodHookCondition{{PodName: "web-4"}}
		}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.before.DeepCopy()
			if got := ProgressOnly(tc.before, tc.after); got != tc.want {
				t.Errorf("ProgressOnly = %v, want %v", got, tc.want)
			}
			if !apiequality.Semantic.DeepEqual(*before, tc.before) {
				t.Errorf("ProgressOnly changed its input")
			}
		})
	}
}
