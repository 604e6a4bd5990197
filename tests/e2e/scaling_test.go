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

package e2e

import (
	"fmt"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

var _ = Describe("Scaling", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("scales with kubectl scale: OrderedReady creates each pod after the previous is Ready and deletes in reverse", func() {
		headlessService(ns, "web")
		w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: identity.SetNameLabel + "=web"})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(w.Stop)
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1))).To(Succeed())
		eventuallyReady(ns, "web", 1)

		out, err := kubectl("-n", ns, "scale", "--replicas=3", "gamestatefulset/web")
		Expect(err).NotTo(HaveOccurred(), out)
		eventuallyReady(ns, "web", 3)
		pods := podsOf(ns, "web")
		for ord := int32(1); ord < 3; ord++ {
			previousReady := readySince(pods[ord-1])
			Expect(pods[ord].CreationTimestamp.Time).NotTo(BeTemporally("<", previousReady.Truncate(1e9)),
				"pod %d was created before pod %d was Ready", ord, ord-1)
		}

		out, err = kubectl("-n", ns, "scale", "--replicas=1", "gamestatefulset/web")
		Expect(err).NotTo(HaveOccurred(), out)
		var deleted []string
		Eventually(func() []string {
			for {
				select {
				case ev := <-w.ResultChan():
					if ev.Type == watch.Deleted {
						deleted = append(deleted, ev.Object.(*corev1.Pod).Name)
					}
				default:
					return deleted
				}
			}
		}).Should(Equal([]string{"web-2", "web-1"}))
		eventuallyReady(ns, "web", 1)
		out, _ = kubectl("-n", ns, "get", "gamestatefulset", "web")
		Expect(out).To(MatchRegexp(`NAME\s+REPLICAS\s+READYREPLICAS\s+CURRENTREPLICAS\s+UPDATEDREPLICAS\s+AGE`))
	})

	It("creates and deletes Parallel pods without waiting", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 4, parallel))).To(Succeed())
		eventuallyReady(ns, "web", 4)
		pods := podsOf(ns, "web")
		// all four were created before the first one could be Ready
		var latest metav1.Time
		for _, p := range pods {
			if latest.Before(&p.CreationTimestamp) {
				latest = p.CreationTimestamp
			}
		}
		earliestReady := readySince(pods[0])
		for _, p := range pods {
			if r := readySince(p); r.Before(&earliestReady) {
				earliestReady = r
			}
		}
		Expect(latest.Time).NotTo(BeTemporally(">", earliestReady.Time))
		out, err := kubectl("-n", ns, "scale", "--replicas=0", "gamestatefulset/web")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func() map[int32]*corev1.Pod { return podsOf(ns, "web") }).Should(BeEmpty())
	})

	It("gives each ordinal its claim and honours whenScaled", func() {
		storageClass := "gsts-e2e-" + ns
		for i := range 4 {
			hostPV(fmt.Sprintf("%s-pv-%d", ns, i), storageClass)
		}
		withData := func(whenScaled gstsv1alpha1.PersistentVolumeClaimRetentionPolicyType) func(*gstsv1alpha1.GameStatefulSet) {
			return func(set *gstsv1alpha1.GameStatefulSet) {
				set.Spec.VolumeClaimTemplates = []corev1.PersistentVolumeClaim{{
					ObjectMeta: metav1.ObjectMeta{Name: "data"},
					Spec: corev1.PersistentVolumeClaimSpec{
						AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
						StorageClassName: &storageClass,
						Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")}},
					},
				}}
				set.Spec.Template.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}
				set.Spec.PersistentVolumeClaimRetentionPolicy = &gstsv1alpha1.GameStatefulSetPersistentVolumeClaimRetentionPolicy{
					WhenDeleted: gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: whenScaled}
			}
		}
		Expect(k8s.Create(ctx, gameSet(ns, "keep", 2, parallel, withData(gstsv1alpha1.RetainPersistentVolumeClaimRetentionPolicyType)))).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, "drop", 2, parallel, withData(gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType)))).To(Succeed())
		eventuallyReady(ns, "keep", 2)
		eventuallyReady(ns, "drop", 2)
		Expect(claimPhases(ns)).To(Equal(map[string]corev1.PersistentVolumeClaimPhase{
			"data-keep-0": corev1.ClaimBound, "data-keep-1": corev1.ClaimBound, "data-drop-0": corev1.ClaimBound, "data-drop-1": corev1.ClaimBound}))
		for _, name := range []string{"keep", "drop"} {
			out, err := kubectl("-n", ns, "scale", "--replicas=1", "gamestatefulset/"+name)
			Expect(err).NotTo(HaveOccurred(), out)
		}
		eventuallyReady(ns, "keep", 1)
		Eventually(func() []string {
			var names []string
			for name := range claimPhases(ns) {
				names = append(names, name)
			}
			return names
		}).Should(ConsistOf("data-keep-0", "data-keep-1", "data-drop-0"))
	})
})

// readySince is when the pod's Ready condition last turned True.
func readySince(pod *corev1.Pod) metav1.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime
		}
	}
	Fail(fmt.Sprintf("pod %s is not Ready", pod.Name))
	return metav1.Time{}
}

// hostPV is a statically provisioned volume on the node for one claim of the suite's storage class.
func hostPV(name, storageClass string) {
	dir := filepath.Join(os.TempDir(), "gsts-e2e-volumes", name)
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Mi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName:              storageClass,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{
				Path: dir, Type: ptrTo(corev1.HostPathDirectoryOrCreate)}},
		},
	}
	ExpectWithOffset(1, k8s.Create(ctx, pv)).To(Succeed())
	DeferCleanup(func() { _ = k8s.Delete(ctx, pv); _ = os.RemoveAll(dir) })
}

func ptrTo[T any](v T) *T { return &v }

func claimPhases(ns string) map[string]corev1.PersistentVolumeClaimPhase {
	var list corev1.PersistentVolumeClaimList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	out := map[string]corev1.PersistentVolumeClaimPhase{}
	for _, c := range list.Items {
		if c.DeletionTimestamp == nil {
			out[c.Name] = c.Status.Phase
		}
	}
	return out
}
