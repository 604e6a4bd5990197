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

package integration

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func withData(whenDeleted, whenScaled gstsv1alpha1.PersistentVolumeClaimRetentionPolicyType) func(*gstsv1alpha1.GameStatefulSet) {
	return func(set *gstsv1alpha1.GameStatefulSet) {
		set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
			ObjectMeta: metav1.ObjectMeta{Name: "data"},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}}
		set.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
		set.Spec.PersistentVolumeClaimRetentionPolicy = &gstsv1alpha1.GameStatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: whenDeleted, WhenScaled: whenScaled,
		}
	}
}

func claimNames(ns string) []string {
	var list corev1.PersistentVolumeClaimList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, c := range list.Items {
		if c.DeletionTimestamp == nil {
			names = append(names, c.Name)
		}
	}
	return names
}

func claim(ns, name string) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, c)).To(Succeed())
	return c
}

const (
	retain = gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType
	del    = gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType
)

var _ = Describe("Volume claims", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("creates a claim per ordinal before its pod and mounts it", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, withData(retain, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		Expect(claimNames(ns)).To(ConsistOf("data-web-0", "data-web-1"))
		for ord, pod := range podsOf(ns, "web") {
			name := "data-web-" + itoa(ord)
			Expect(pod.Spec.Volumes).To(ContainElement(HaveField("VolumeSource.PersistentVolumeClaim.ClaimName", name)))
			c := claim(ns, name)
			Expect(c.CreationTimestamp.Time).NotTo(BeTemporally(">", pod.CreationTimestamp.Time))
			Expect(c.Labels).To(HaveKeyWithValue("app", "web"))
			Expect(c.Spec.Resources.Requests.Storage().String()).To(Equal("1Gi"))
		}
	})

	It("keeps the claims of removed ordinals with whenScaled Retain, and reuses them on scale-up", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel, withData(retain, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		kept := claim(ns, "data-web-2").UID
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })
		eventuallyAllReady(ns, "web", 1)
		Consistently(func() []string { return claimNames(ns) }).Should(ConsistOf("data-web-0", "data-web-1", "data-web-2"))
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](3) })
		eventuallyAllReady(ns, "web", 3)
		Expect(claim(ns, "data-web-2").UID).To(Equal(kept))
	})

	It("deletes the claims of removed ordinals with whenScaled Delete, once their pods are gone", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel, withData(retain, del)))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](1) })
		Eventually(func() []string { return claimNames(ns) }).Should(ConsistOf("data-web-0"))
		Expect(podNames(podsOf(ns, "web"))).To(ConsistOf("web-0"))
	})

	It("makes the set own its claims with whenDeleted Delete, and not with Retain", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, withData(del, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		set := getSet(ns, "web")
		Expect(claim(ns, "data-web-0").OwnerReferences).To(ContainElement(HaveField("UID", set.UID)))

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = retain
		})
		Eventually(func() []metav1.OwnerReference { return claim(ns, "data-web-0").OwnerReferences }).Should(BeEmpty())
		Expect(claim(ns, "data-web-0").Labels).To(HaveKeyWithValue(identity.SetNameLabel, "web"))
	})
})
