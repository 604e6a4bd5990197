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
	"sort"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/revision"
)

// revisions lists a set's ControllerRevisions by revision number, as "name:number".
func revisions(ns, name string) []*appsv1.ControllerRevision {
	var list appsv1.ControllerRevisionList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{identity.SetNameLabel: name})).To(Succeed())
	out := make([]*appsv1.ControllerRevision, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Revision < out[j].Revision })
	return out
}

var _ = Describe("Revision history", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("records each template as a ControllerRevision, reuses one on rollback and prunes to revisionHistoryLimit", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 2, parallel, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.RevisionHistoryLimit = ptr.To[int32](2)
		}))).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		first := getSet(ns, "web").Status.UpdateRevision
		Expect(first).To(HavePrefix("web-"))
		Expect(revisions(ns, "web")).To(HaveLen(1))
		Expect(revisions(ns, "web")[0].OwnerReferences[0].Name).To(Equal("web"))
		for _, pod := range podsOf(ns, "web") {
			Expect(pod.Labels[identity.RevisionLabel]).To(Equal(first))
		}

		rollTo := func(image string) string {
			patchImage(ns, "web", image)
			var rev string
			Eventually(func(g Gomega) {
				readyPods(ns, "web")
				s := getSet(ns, "web")
				g.Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))
				g.Expect(s.Status.CurrentRevision).To(Equal(s.Status.UpdateRevision))
				g.Expect(s.Status.UpdatedReplicas).To(Equal(int32(2)))
				rev = s.Status.UpdateRevision
			}).Should(Succeed())
			return rev
		}
		second := rollTo("game:v2")
		Expect(second).NotTo(Equal(first))
		third := rollTo("game:v3")
		rollTo("game:v4")
		// in use (v4) plus the two most recent others; v1's revision is pruned
		Eventually(func() []string {
			var names []string
			for _, r := range revisions(ns, "web") {
				names = append(names, r.Name)
			}
			return names
		}).Should(HaveLen(3))
		Expect(revisions(ns, "web")[0].Name).To(Equal(second))

		// back to v3: its revision is reused (same object) and becomes the newest
		thirdUID := revisions(ns, "web")[1].UID
		Expect(rollTo("game:v3")).To(Equal(third))
		history := revisions(ns, "web")
		Expect(history[len(history)-1].Name).To(Equal(third))
		Expect(history[len(history)-1].UID).To(Equal(thirdUID))
		Expect(history[len(history)-1].Revision).To(BeNumerically("==", 5))

		// back to v1, whose revision was pruned: recreated under its old name, the hash of its template
		Expect(rollTo("game:v1")).To(Equal(first))
	})

	It("raises collisionCount when another object holds the revision's name, and goes on with the new name", func() {
		set := gameSet(ns, "web", 2, parallel)
		taken, err := revision.New(set, 1, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(k8s.Create(ctx, &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: taken.Name},
			Data: runtime.RawExtension{Raw: []byte(`{"spec":{"template":{"$patch":"replace"}}}`)}, Revision: 1})).To(Succeed())

		Expect(k8s.Create(ctx, set)).To(Succeed())
		eventuallyAllReady(ns, "web", 2)
		s := getSet(ns, "web")
		Expect(s.Status.CollisionCount).To(HaveValue(BeNumerically("==", 1)))
		Expect(s.Status.UpdateRevision).NotTo(Equal(taken.Name))
	})

	It("refuses at admission a name too long for its revisions' label", func() {
		long := gameSet(ns, "a23456789-123456789-123456789-123456789-123456789-123", 1)
		expectRefused(k8s.Create(ctx, long), "metadata.name may have at most 52 characters")
		Expect(k8s.Create(ctx, gameSet(ns, "a23456789-123456789-123456789-123456789-123456789-12", 1))).To(Succeed())
		eventuallyAllReady(ns, "a23456789-123456789-123456789-123456789-123456789-12", 1)
	})

	It("says in a condition and an event when it cannot write its revision, and goes on once it can", func() {
		// an admission policy of the cluster refuses revisions in this namespace
		policy := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "no-revisions-" + ns},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
				FailurePolicy: ptr.To(admissionregistrationv1.Fail),
				MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
						Rule: admissionregistrationv1.Rule{APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"controllerrevisions"}}}}}},
				Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: "no revisions in this namespace"}},
			}}
		binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
					MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}}}}}
		Expect(k8s.Create(ctx, policy)).To(Succeed())
		Expect(k8s.Create(ctx, binding)).To(Succeed())
		probe := &appsv1.ControllerRevision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "probe"}, Revision: 1,
			Data: runtime.RawExtension{Raw: []byte(`{}`)}}
		Eventually(func() error { return k8s.Create(ctx, probe.DeepCopy(), client.DryRunAll) }).Should(MatchError(ContainSubstring("no revisions in this namespace")))
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1))).To(Succeed())
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionReplicaFailure) }).
			Should(And(HavePrefix("RevisionFailed: creating controller revision"), ContainSubstring("no revisions in this namespace")))
		Expect(eventReasons(ns, "web")).To(ContainElement("RevisionFailed"))
		Expect(podNames(podsOf(ns, "web"))).To(BeEmpty())

		Expect(k8s.Delete(ctx, binding)).To(Succeed())
		Expect(k8s.Delete(ctx, policy)).To(Succeed())
		eventuallyAllReady(ns, "web", 1)
		Eventually(func() string { return conditionMessage(getSet(ns, "web"), gstsv1alpha1.ConditionReplicaFailure) }).Should(BeEmpty())
	})
})
