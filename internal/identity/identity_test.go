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

package identity

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func TestOrdinalOf(t *testing.T) {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web"}}
	cases := map[string]struct {
		ordinal int32
		ok      bool
	}{
		"web-0": {0, true}, "web-12": {12, true}, "web-": {0, false}, "web-01": {0, false},
		"web-x": {0, false}, "web-1-2": {0, false}, "webby-1": {0, false}, "other-1": {0, false}, "web--1": {0, false},
	}
	for name, want := range cases {
		ord, ok := OrdinalOf(set, name)
		if ord != want.ordinal || ok != want.ok {
			t.Errorf("%s: got %d %v, want %d %v", name, ord, ok, want.ordinal, want.ok)
		}
	}
}

func TestNewPodCarriesIdentityAndClaims(t *testing.T) {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "uid"}}
	set.Spec.ServiceName = "web-svc"
	set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "data"}}}
	template := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}}
	template.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	pod := NewPod(set, template, "web-abc", 3)
	if pod.Name != "web-3" || pod.Spec.Hostname != "web-3" || pod.Spec.Subdomain != "web-svc" {
		t.Fatalf("identity: %s %s %s", pod.Name, pod.Spec.Hostname, pod.Spec.Subdomain)
	}
	if !IdentityMatches(set, pod, 3) || IdentityMatches(set, pod, 2) {
		t.Fatal("identity must match its own ordinal only")
	}
	if Revision(pod) != "web-abc" || pod.Labels["app"] != "web" || pod.Labels[GameSetOrdinalLabel] != "3" {
		t.Fatalf("labels %v", pod.Labels)
	}
	if len(pod.Spec.Volumes) != 1 || pod.Spec.Volumes[0].PersistentVolumeClaim == nil ||
		pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-web-3" {
		t.Fatalf("the template's volume of the claim's name is replaced by the claim: %+v", pod.Spec.Volumes)
	}
	if template.Spec.Volumes[0].EmptyDir == nil {
		t.Fatal("the template must not be modified")
	}
}

func TestOrdinalsSkipReserved(t *testing.T) {
	set := func(replicas int32, start int32, reserved ...intstr.IntOrString) *gstsv1alpha1.GameStatefulSet {
		s := &gstsv1alpha1.GameStatefulSet{}
		s.Spec.Replicas = &replicas
		s.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: start}
		s.Spec.ReserveOrders = reserved
		return s
	}
	for _, tc := range []struct {
		name string
		set  *gstsv1alpha1.GameStatefulSet
		want []int32
	}{
		{"none reserved", set(3, 0), []int32{0, 1, 2}},
		{"upstream's example: [1] of 3", set(3, 0, intstr.FromInt32(1)), []int32{0, 2, 3}},
		{"upstream's example: [1] of 2", set(2, 0, intstr.FromInt32(1)), []int32{0, 2}},
		{"a range, as Kruise writes it", set(4, 0, intstr.FromInt32(1), intstr.FromString("3-5")), []int32{0, 2, 6, 7}},
		{"overlapping and unordered", set(3, 0, intstr.FromString("4-6"), intstr.FromString("2-5")), []int32{0, 1, 7}},
		{"below the start ordinal", set(2, 5, intstr.FromInt32(1), intstr.FromInt32(5)), []int32{6, 7}},
		{"a huge range costs nothing", set(2, 0, intstr.FromString("1-2000000000")), []int32{0, 2000000001}},
		{"malformed entries are ignored (the webhook refuses them)", set(2, 0, intstr.FromString("x"), intstr.FromString("5-1")), []int32{0, 1}},
		{"scaled to zero", set(0, 0, intstr.FromInt32(0)), []int32{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Ordinals(tc.set); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("Ordinals = %v, want %v", got, tc.want)
			}
		})
	}
	for _, bad := range []string{"-1", "1-", "a-b", "01", "3-2", "99999999999"} {
		if _, err := ParseReserved(intstr.FromString(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
