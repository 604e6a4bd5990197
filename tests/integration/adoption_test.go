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
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

func pod(ns, name string) *corev1.Pod {
	p := &corev1.Pod{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, p)).To(Succeed())
	return p
}

// orphan removes the owner references of an object, as the garbage collector does for the dependents of an
// object deleted with --cascade=orphan (envtest runs no garbage collector).
func orphan(obj client.Object) {
	ExpectWithOffset(1, k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"ownerReferences":null}}`)))).To(Succeed())
}

// deleteWithOrphans deletes a set as `kubectl delete --cascade=orphan` does, playing the garbage collector that
// envtest lacks: the set is marked deleted and keeps the orphan finalizer while its pods and revisions lose their
// owner references, then the finalizer goes and the set with it.
func deleteWithOrphans(set *gstsv1alpha1.GameStatefulSet) {
	ExpectWithOffset(1, k8s.Delete(ctx, set, client.PropagationPolicy(metav1.DeletePropagationOrphan))).To(Succeed())
	EventuallyWithOffset(1, func() *metav1.Time { return getSet(set.Namespace, set.Name).DeletionTimestamp }).ShouldNot(BeNil())
	var pods corev1.PodList
	ExpectWithOffset(1, k8s.List(ctx, &pods, client.InNamespace(set.Namespace))).To(Succeed())
	for i := range pods.Items {
		orphan(&pods.Items[i])
	}
	var revisions appsv1.ControllerRevisionList
	ExpectWithOffset(1, k8s.List(ctx, &revisions, client.InNamespace(set.Namespace))).To(Succeed())
	for i := range revisions.Items {
		orphan(&revisions.Items[i])
	}
	ExpectWithOffset(1, k8s.Patch(ctx, getSet(set.Namespace, set.Name), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))).To(Succeed())
	EventuallyWithOffset(1, func() error { return k8s.Get(ctx, client.ObjectKeyFromObject(set), &gstsv1alpha1.GameStatefulSet{}) }).ShouldNot(Succeed())
}

func controllerUID(obj metav1.Object) types.UID {
	if ref := metav1.GetControllerOf(obj); ref != nil {
		return ref.UID
	}
	return ""
}

func ownerConfigMap(ns string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "another-controller"}}
	ExpectWithOffset(1, k8s.Create(ctx, cm)).To(Succeed())
	return cm
}

func controllerRef(cm *corev1.ConfigMap, controller bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: cm.Name, UID: cm.UID, Controller: ptr.To(controller)}
}

func setOwners(obj client.Object, refs ...metav1.OwnerReference) {
	raw, err := json.Marshal(map[string]any{"metadata": map[string]any{"ownerReferences": refs}})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	ExpectWithOffset(1, k8s.Patch(ctx, obj, client.RawPatch(types.MergePatchType, raw))).To(Succeed())
}

func revisionNames(ns string) []string {
	var list appsv1.ControllerRevisionList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	return names
}

func condition(ns, name, conditionType string) *metav1.Condition {
	return meta.FindStatusCondition(getSet(ns, name).Status.Conditions, conditionType)
}

var _ = Describe("Adoption and release", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("re-adopts a pod whose controller reference was removed, without recreating it", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel))).To(Succeed())
		eventuallyAllReady(ns, "web", 3)
		set := getSet(ns, "web")
		before := pod(ns, "web-1")
		orphan(before)

		Eventually(func() types.UID { return controllerUID(pod(ns, "web-1")) }).Should(Equal(set.UID))
		Expect(pod(ns, "web-1").UID).To(Equal(before.UID))
		Expect(eventMessages(ns, "web")).To(ContainElement(ContainSubstring("adopted Pod web-1, an orphan whose labels match the selector: it runs revision " + set.Status.UpdateRevision)))
		eventuallyAllReady(ns, "web", 3)
	})

	It("takes back the pods, claims and revisions of a set deleted with --cascade=orphan when it is recreated", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, withData(retain, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		old := getSet(ns, "web")
		uids := map[string]types.UID{}
		for _, p := range podsOf(ns, "web") {
			uids[p.Name] = p.UID
		}
		deleteWithOrphans(old)

		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, withData(retain, retain)))).To(Succeed())
		set := getSet(ns, "web")
		Expect(set.UID).NotTo(Equal(old.UID))
		eventuallyAllReady(ns, "web", 2)
		for name, uid := range uids {
			p := pod(ns, name)
			Expect(p.UID).To(Equal(uid), "pod %s was recreated", name)
			Expect(controllerUID(p)).To(Equal(set.UID))
			Expect(identity.Revision(p)).To(Equal(old.Status.UpdateRevision))
		}
		// the old revision is the set's again: no new one for the same template
		Expect(revisionNames(ns)).To(ConsistOf(old.Status.UpdateRevision))
		Eventually(func() string { return getSet(ns, "web").Status.UpdateRevision }).Should(Equal(old.Status.UpdateRevision))
		Expect(claimNames(ns)).To(ConsistOf("data-web-0", "data-web-1"))

		// and it serves the set: a scale-up creates the next ordinal
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](3) })
		eventuallyAllReady(ns, "web", 3)
	})

	It("releases a pod whose labels stop matching the selector, says why the ordinal waits, and takes it back", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		set := getSet(ns, "web")
		before := pod(ns, "web-1")
		Expect(k8s.Patch(ctx, before, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"debug"}}}`)))).To(Succeed())

		Eventually(func() types.UID { return controllerUID(pod(ns, "web-1")) }).Should(BeEmpty())
		Expect(pod(ns, "web-1").UID).To(Equal(before.UID), "a released pod runs on")
		Eventually(func() string {
			return ptr.Deref(condition(ns, "web", gstsv1alpha1.ConditionReplicaFailure), metav1.Condition{}).Message
		}).
			Should(ContainSubstring("Pod web-1 exists without a controller, but its labels do not match the selector app=web"))
		Expect(getSet(ns, "web").Status.Replicas).To(Equal(int32(1)))
		Expect(eventReasons(ns, "web")).To(ContainElements("Released", "NotAdopted"))

		Expect(k8s.Patch(ctx, pod(ns, "web-1"), client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"labels":{"app":"web"}}}`)))).To(Succeed())
		Eventually(func() types.UID { return controllerUID(pod(ns, "web-1")) }).Should(Equal(set.UID))
		Expect(pod(ns, "web-1").UID).To(Equal(before.UID))
		eventuallyAllReady(ns, "web", 2)
		Eventually(func() *metav1.Condition { return condition(ns, "web", gstsv1alpha1.ConditionReplicaFailure) }).Should(BeNil())
	})

	It("leaves a pod of its name that another controller owns alone, and says so", func() {
		cm := ownerConfigMap(ns)
		foreign := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-0", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{controllerRef(cm, true)}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: "game:v1"}}}}
		Expect(k8s.Create(ctx, foreign)).To(Succeed())
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1))).To(Succeed())

		Eventually(func() string {
			return ptr.Deref(condition(ns, "web", gstsv1alpha1.ConditionReplicaFailure), metav1.Condition{}).Message
		}).
			Should(ContainSubstring("Pod web-0 is controlled by ConfigMap another-controller"))
		Consistently(func() types.UID { return controllerUID(pod(ns, "web-0")) }, 2*time.Second).Should(Equal(cm.UID))
		Expect(pod(ns, "web-0").Labels).NotTo(HaveKey(identity.SetNameLabel))
	})

	It("adopts the pods and claims of a StatefulSet deleted with --cascade=orphan, relabelled to the revision they run", func() {
		template := gameSet(ns, "web", 2, withData(retain, retain)).Spec.Template
		for ord := range 2 {
			name := "web-" + itoa(int32(ord))
			// as the StatefulSet controller makes them: its labels, its own revision hash, claims without ours
			Expect(k8s.Create(ctx, &corev1.PersistentVolumeClaim{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "data-" + name, Labels: map[string]string{"app": "web"}},
				Spec:       withDataClaimSpec(),
			})).To(Succeed())
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{
				"app": "web", "controller-revision-hash": "web-7c9d5b8f6d", "statefulset.kubernetes.io/pod-name": name,
				"apps.kubernetes.io/pod-index": itoa(int32(ord))}},
				Spec: *template.Spec.DeepCopy()}
			p.Spec.Hostname, p.Spec.Subdomain = name, "web"
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-" + name}}}}
			Expect(k8s.Create(ctx, p)).To(Succeed())
			Expect(kubeletRuns(p)).To(Succeed())
		}
		uids := map[string]types.UID{"web-0": pod(ns, "web-0").UID, "web-1": pod(ns, "web-1").UID}

		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, withData(retain, retain)))).To(Succeed())
		set := getSet(ns, "web")
		Eventually(func(g Gomega) {
			s := getSet(ns, "web")
			g.Expect(s.Status.ReadyReplicas).To(Equal(int32(2)))
			g.Expect(s.Status.UpdatedReplicas).To(Equal(int32(2)), "the adopted pods run the template: relabelled, not rolled")
		}).Should(Succeed())
		set = getSet(ns, "web")
		for name, uid := range uids {
			p := pod(ns, name)
			Expect(p.UID).To(Equal(uid))
			Expect(controllerUID(p)).To(Equal(set.UID))
			Expect(identity.Revision(p)).To(Equal(set.Status.UpdateRevision))
			Expect(p.Labels).To(HaveKeyWithValue(identity.SetNameLabel, "web"))
			Expect(claim(ns, "data-"+name).Labels).To(HaveKeyWithValue(identity.SetNameLabel, "web"))
		}
		Expect(eventReasons(ns, "web")).NotTo(ContainElement("SuccessfulCreate"))
		Expect(eventReasons(ns, "web")).To(ContainElement("Adopted"))

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](3) })
		eventuallyAllReady(ns, "web", 3)
		Expect(pod(ns, "web-0").UID).To(Equal(uids["web-0"]))
	})

	It("accepts conditions that other clients write with only a type and a status, and keeps them", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		Eventually(func() error {
			set := getSet(ns, "web")
			set.Status.Conditions = append(set.Status.Conditions,
				metav1.Condition{Type: "TestCondition", Status: metav1.ConditionTrue, Reason: "E2E", Message: "set by e2e test"},
				metav1.Condition{Type: "Bare", Status: metav1.ConditionFalse})
			return k8s.Status().Update(ctx, set)
		}).Should(Succeed())
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](2) })
		eventuallyAllReady(ns, "web", 2)
		Expect(condition(ns, "web", "TestCondition")).To(HaveField("Message", "set by e2e test"))
		Expect(condition(ns, "web", "Bare")).To(HaveField("Status", metav1.ConditionFalse))
		Expect(condition(ns, "web", gstsv1alpha1.ConditionReady)).To(HaveField("Reason", "AllReplicasReady"))
	})
})

func withDataClaimSpec() corev1.PersistentVolumeClaimSpec {
	set := gameSet("", "web", 1, withData(retain, retain))
	return *set.Spec.VolumeClaimTemplates[0].Spec.DeepCopy()
}

var _ = Describe("Claims of other controllers", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("never deletes a claim another controller owns when whenScaled is Delete", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, withData(retain, del)))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		cm := ownerConfigMap(ns)
		setOwners(claim(ns, "data-web-1"), controllerRef(cm, true))

		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](0) })
		Eventually(func() []string { return claimNames(ns) }).Should(ConsistOf("data-web-1"))
		Consistently(func() []string { return claimNames(ns) }, 2*time.Second).Should(ConsistOf("data-web-1"))
		Expect(controllerUID(claim(ns, "data-web-1"))).To(Equal(cm.UID))
	})

	It("keeps claim owners as the StatefulSet controller does under whenDeleted", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, withData(del, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		set := getSet(ns, "web")
		Eventually(func() types.UID { return controllerUID(claim(ns, "data-web-0")) }).Should(Equal(set.UID))

		// another, non-controller owner stays beside the set
		cm := ownerConfigMap(ns)
		setOwners(claim(ns, "data-web-0"), controllerRef(cm, false))
		Eventually(func() types.UID { return controllerUID(claim(ns, "data-web-0")) }).Should(Equal(set.UID))
		Expect(claim(ns, "data-web-0").OwnerReferences).To(ContainElement(HaveField("UID", cm.UID)))

		// a reference to the set without the controller flag is put right
		notController := identity.OwnerReference(set)
		notController.Controller = nil
		setOwners(claim(ns, "data-web-0"), notController)
		Eventually(func() types.UID { return controllerUID(claim(ns, "data-web-0")) }).Should(Equal(set.UID))

		// back to Retain: the set lets go, other owners stay
		setOwners(claim(ns, "data-web-0"), identity.OwnerReference(set), controllerRef(cm, false))
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = retain
		})
		Eventually(func() []metav1.OwnerReference { return claim(ns, "data-web-0").OwnerReferences }).
			Should(ConsistOf(HaveField("UID", cm.UID)))
	})

	It("leaves a claim with a stale reference to an earlier set of its name alone", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1, withData(del, retain)))).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		stale := identity.OwnerReference(getSet(ns, "web"))
		stale.UID = "0a0a0a0a-0000-0000-0000-000000000000"
		setOwners(claim(ns, "data-web-0"), stale)
		updateSet(ns, "web", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](2) })
		eventuallyAllReady(ns, "web", 2)
		Consistently(func() []metav1.OwnerReference { return claim(ns, "data-web-0").OwnerReferences }, 2*time.Second).
			Should(ConsistOf(HaveField("UID", stale.UID)))
	})
})
