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

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

const benchPods = 10000

// benchInput is a Parallel set of 10k ready pods, half of them on the update revision.
func benchInput(b *testing.B, mutate ...func(*gstsv1alpha1.GameStatefulSet)) Input {
	b.Helper()
	set := newSet(benchPods, append([]func(*gstsv1alpha1.GameStatefulSet){parallel, maxUnavailable(intstr.FromString("10%"))}, mutate...)...)
	set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main", Image: "game:v2"}}
	pods := make([]*corev1.Pod, benchPods)
	for i := range int32(benchPods) {
		revision := "rev-1"
		if i >= benchPods/2 {
			revision = "rev-2"
		}
		pods[i] = pod(set, i, revision, ready)
	}
	return inPlaceInput(set, pods...)
}

// BenchmarkComputeRollingUpdate10k plans one step of a rolling update over 10k pods.
func BenchmarkComputeRollingUpdate10k(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if plan := Compute(in); len(plan.Actions) != benchPods/10 {
			b.Fatalf("%d actions", len(plan.Actions))
		}
	}
}

// BenchmarkComputeInplaceUpdate10k plans one step of an in-place update over 10k pods (template comparison included).
func BenchmarkComputeInplaceUpdate10k(b *testing.B) {
	in := benchInput(b, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0))
	for _, p := range in.Pods {
		p.Spec.ReadinessGates = nil
	}
	b.ReportAllocs()
	for b.Loop() {
		if plan := Compute(in); len(plan.Actions) != benchPods/10 {
			b.Fatalf("%d actions", len(plan.Actions))
		}
	}
}

// BenchmarkStatus10k counts the status of 10k pods.
func BenchmarkStatus10k(b *testing.B) {
	in := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if s := Status(in, "app=web"); s.Replicas != benchPods {
			b.Fatalf("replicas %d", s.Replicas)
		}
	}
}

// BenchmarkComputeScaleDown10k plans one step of an OrderedReady scale-down of 10k pods by one, which orders the
// removal candidates on every reconcile.
func BenchmarkComputeScaleDown10k(b *testing.B) {
	in := benchInput(b)
	in.Set.Spec.Replicas = ptr.To(int32(benchPods - 1))
	in.Set.Spec.PodManagementPolicy = gstsv1alpha1.OrderedReadyPodManagement
	b.ReportAllocs()
	for b.Loop() {
		if plan := Compute(in); len(plan.Actions) != 1 {
			b.Fatalf("%d actions", len(plan.Actions))
		}
	}
}

// BenchmarkComputeInplaceUpdateInFlight10k plans a reconcile in the middle of an in-place update of 10k pods: the
// upper half patched (each with its state annotation, patched a second apart) and waiting for the kubelet to run
// the new image, the lower half still to go, as the reconciles that follow a wave of patches see the set.
func BenchmarkComputeInplaceUpdateInFlight10k(b *testing.B) {
	in := benchInput(b, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0))
	for i, p := range in.Pods {
		p.Spec.ReadinessGates = nil
		if i < benchPods/2 {
			continue
		}
		p.Labels[identity.RevisionLabel] = "rev-1"
		p.Spec.Containers[0].Image = "game:v1"
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", ImageID: "sha-v1", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		change := inplace.Compare(&corev1.PodTemplateSpec{Spec: *p.Spec.DeepCopy()}, &in.Set.Spec.Template)
		updated, err := inplace.Apply(p, change, identity.RevisionLabel, "rev-2", inplace.StateAnnotation, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		in.Pods[i] = updated
	}
	b.ReportAllocs()
	for b.Loop() {
		if plan := Compute(in); len(plan.Actions) != 0 || plan.Waiting == "" {
			b.Fatalf("%d actions, waiting %q", len(plan.Actions), plan.Waiting)
		}
	}
}
