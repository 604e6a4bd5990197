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
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestFinishable(t *testing.T) {
	fake := func(name string) bool { return name == "kwok-node-0" }
	now := metav1.Now()
	for _, c := range []struct {
		name string
		pod  corev1.Pod
		want bool
	}{
		{"terminating on a fake node", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Spec: corev1.PodSpec{NodeName: "kwok-node-0"}}, true},
		{"running on a fake node", corev1.Pod{Spec: corev1.PodSpec{NodeName: "kwok-node-0"}}, false},
		{"terminating on a real node (its kubelet finishes it)", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Spec: corev1.PodSpec{NodeName: "gsts-node"}}, false},
		{"terminating on a fake node kwok no longer runs (lost)", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Spec: corev1.PodSpec{NodeName: "kwok-node-1"}}, false},
		{"terminating before it was scheduled (the API server deletes it)", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}, false},
	} {
		if got := finishable(&c.pod, fake); got != c.want {
			t.Errorf("%s: finishable = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestDeleteOptionsDeleteOnlyThatPodAtOnce(t *testing.T) {
	options := deleteOptions(podRef{Namespace: "ns", Name: "gs-0", UID: "uid-1"})
	if options.GracePeriodSeconds == nil || *options.GracePeriodSeconds != 0 {
		t.Errorf("grace period = %v, want 0", options.GracePeriodSeconds)
	}
	if options.Preconditions == nil || options.Preconditions.UID == nil || *options.Preconditions.UID != "uid-1" {
		t.Errorf("preconditions = %+v, want UID uid-1", options.Preconditions)
	}
}

func TestSuperseded(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"gone", apierrors.NewNotFound(pods, "gs-0"), true},
		{"name holds a replacement", apierrors.NewConflict(pods, "gs-0", errors.New("precondition failed: UID in precondition: uid-1, UID in object meta: uid-2")), true},
		{"API server overloaded", apierrors.NewTooManyRequests("slow down", 1), false},
		{"network", errors.New("connection refused"), false},
	} {
		if got := superseded(c.err); got != c.want {
			t.Errorf("%s: superseded = %v, want %v", c.name, got, c.want)
		}
	}
}
