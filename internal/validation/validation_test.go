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

package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func set(mutate ...func(*gstsv1alpha1.GameStatefulSet)) *gstsv1alpha1.GameStatefulSet {
	s := &gstsv1alpha1.GameStatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: gstsv1alpha1.GameStatefulSetSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "game"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "game:v1"}}},
			},
			UpdateStrategy: gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.RollingUpdateStatefulSetStrategyType},
		},
	}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func TestCreate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*gstsv1alpha1.GameStatefulSet)
		errs   []string
		warns  []string
	}{
		{name: "valid", mutate: func(*gstsv1alpha1.GameStatefulSet) {}},
		{name: "selector misses the template", mutate: func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Labels = nil },
			errs: []string{"spec.selector: Invalid value"}},
		{name: "empty selector", mutate: func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			errs: []string{"spec.selector: Required value"}},
		{name: "restart policy", mutate: func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		},
			errs: []string{"spec.template.spec.restartPolicy: Unsupported value"}},
		{name: "claim names", mutate: func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{}, {ObjectMeta: metav1.ObjectMeta{Name: "d"}}, {ObjectMeta: metav1.ObjectMeta{Name: "d"}}}
		}, errs: []string{"spec.volumeClaimTemplates[0].metadata.name: Required value", "spec.volumeClaimTemplates[2].metadata.name: Duplicate value"}},
		{name: "grace period without InplaceUpdate", mutate: func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.Type = gstsv1alpha1.HotPatchGameStatefulSetStrategyType
			s.Spec.UpdateStrategy.InPlaceUpdateStrategy = &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: 3}
		}, warns: []string{"gracePeriodSeconds is used by InplaceUpdate only; it is ignored with HotPatchUpdate"}},
		{name: "partition with OnDelete", mutate: func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.OnDeleteStatefulSetStrategyType,
				RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{MaxUnavailable: ptr.To(intstr.FromInt32(2))}}
		}, warns: []string{"spec.updateStrategy.rollingUpdate is ignored with OnDelete"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			warns, errs := Create(set(tc.mutate))
			expectMessages(t, "errors", errs.ToAggregate(), tc.errs)
			expectStrings(t, "warnings", warns, tc.warns)
		})
	}
}

func TestUpdateFlagsChangesTheStrategyCannotMakeInPlace(t *testing.T) {
	env := func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "A", Value: "b"}}
	}
	image := func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.Containers[0].Image = "game:v2" }
	for _, tc := range []struct {
		strategy gstsv1alpha1.GameStatefulSetUpdateStrategyType
		change   func(*gstsv1alpha1.GameStatefulSet)
		warn     string
	}{
		{gstsv1alpha1.HotPatchGameStatefulSetStrategyType, image, ""},
		{gstsv1alpha1.HotPatchGameStatefulSetStrategyType, env, "HotPatchUpdate changes container images only"},
		{gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, image, ""},
		{gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, env, "pods will be deleted and recreated"},
		{gstsv1alpha1.RollingUpdateStatefulSetStrategyType, env, ""},
	} {
		strategy := func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Type = tc.strategy }
		warns, errs := Update(set(strategy), set(strategy, tc.change))
		if len(errs) > 0 {
			t.Fatalf("%s: errors %v", tc.strategy, errs)
		}
		var want []string
		if tc.warn != "" {
			want = []string{tc.warn}
		}
		expectStrings(t, string(tc.strategy)+" warnings", warns, want)
	}
}

func TestUpdateKeepsAdmittingAnOldRestartPolicy(t *testing.T) {
	never := func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever }
	replicas := func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](5) }
	if _, errs := Update(set(never), set(never, replicas)); len(errs) > 0 {
		t.Fatalf("scaling a set admitted before the rule: %v", errs)
	}
	if _, errs := Update(set(), set(never)); len(errs) != 1 {
		t.Fatalf("changing the policy to Never: %v", errs)
	}
}

func expectMessages(t *testing.T, what string, err error, want []string) {
	t.Helper()
	var got []string
	if err != nil {
		got = strings.Split(err.Error(), ", ")
	}
	expectStrings(t, what, got, want)
}

// expectStrings wants each of want in a distinct element of got, and nothing more.
func expectStrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %q, want %d containing %q", what, got, len(want), want)
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Fatalf("%s: %q does not contain %q", what, got[i], want[i])
		}
	}
}
