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
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
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
})
