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
	"context"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// warningCollector keeps the API server's warnings, as kubectl prints them.
type warningCollector struct {
	mu       sync.Mutex
	warnings []string
}

func (w *warningCollector) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.warnings = append(w.warnings, text)
}

func (w *warningCollector) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.warnings
	w.warnings = nil
	return out
}

// clientWithWarnings is a client whose warnings the spec reads.
func clientWithWarnings() (client.Client, *warningCollector) {
	collector := &warningCollector{}
	config := rest.CopyConfig(cfg)
	config.WarningHandlerWithContext = collector
	c, err := client.New(config, client.Options{Scheme: k8s.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c, collector
}

var _ = Describe("The validating webhook", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("refuses what the schema cannot judge, naming the field",
		func(mutate func(*gstsv1alpha1.GameStatefulSet), message string) {
			expectRefused(k8s.Create(ctx, gameSet(ns, "web", 1, mutate)), message)
			Expect(podsOf(ns, "web")).To(BeEmpty())
		},
		Entry("a selector that does not select the template's labels", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Labels = map[string]string{"app": "other"}
		}, `spec.selector: Invalid value: "app=web": does not match spec.template.metadata.labels map[app:other]`),
		Entry("an empty selector", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Selector = &metav1.LabelSelector{}
		}, "spec.selector: Required value: an empty selector would select every pod in the namespace"),
		Entry("a malformed selector", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}}
		}, `spec.selector: Invalid value:`),
		Entry("a restart policy other than Always", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}, `spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"`),
		Entry("two claim templates of one name", func(s *gstsv1alpha1.GameStatefulSet) {
			withData(retain, retain)(s)
			s.Spec.VolumeClaimTemplates = append(s.Spec.VolumeClaimTemplates, s.Spec.VolumeClaimTemplates[0])
		}, `spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "data"`),
	)

	It("refuses an update that breaks the selector, and keeps the set as it was", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "web", 1))).To(Succeed())
		set := getSet(ns, "web")
		before := set.DeepCopy()
		set.Spec.Template.Labels = map[string]string{"app": "moved"}
		// a patch, not an update: the operator's status writes would make an update conflict now and then
		expectRefused(k8s.Patch(ctx, set, client.MergeFrom(before)), "spec.selector: Invalid value")
		Expect(getSet(ns, "web").Spec.Template.Labels).To(Equal(map[string]string{"app": "web"}))
	})

	It("warns about fields the chosen strategy ignores", func() {
		c, warnings := clientWithWarnings()
		Expect(c.Create(ctx, gameSet(ns, "rolling", 1, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.InPlaceUpdateStrategy = &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: 5}
		}))).To(Succeed())
		Expect(warnings.take()).To(ContainElement("spec.updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds is used by InplaceUpdate only; it is ignored with RollingUpdate"))
		Expect(c.Create(ctx, gameSet(ns, "ondelete", 1, func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.OnDeleteStatefulSetStrategyType,
				RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(1))}}
		}))).To(Succeed())
		Expect(warnings.take()).To(ContainElement(ContainSubstring("spec.updateStrategy.rollingUpdate is ignored with OnDelete")))
	})

	It("flags a change HotPatchUpdate cannot make, and one InplaceUpdate will make by recreating pods", func() {
		c, warnings := clientWithWarnings()
		for _, strategy := range []gstsv1alpha1.GameStatefulSetUpdateStrategyType{gstsv1alpha1.HotPatchGameStatefulSetStrategyType,
			gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType} {
			name := map[gstsv1alpha1.GameStatefulSetUpdateStrategyType]string{gstsv1alpha1.HotPatchGameStatefulSetStrategyType: "hot",
				gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType: "inplace"}[strategy]
			Expect(c.Create(ctx, gameSet(ns, name, 1, func(s *gstsv1alpha1.GameStatefulSet) {
				s.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: strategy}
			}))).To(Succeed())
			warnings.take()
			set := getSet(ns, name)
			before := set.DeepCopy()
			set.Spec.Template.Spec.Containers[0].Image = "game:v2"
			Expect(c.Patch(ctx, set, client.MergeFrom(before))).To(Succeed())
			Expect(warnings.take()).To(BeEmpty(), "%s: an image change is what it does", strategy)
			set = getSet(ns, name)
			before = set.DeepCopy()
			set.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "MODE", Value: "ranked"}}
			Expect(c.Patch(ctx, set, client.MergeFrom(before))).To(Succeed())
			if strategy == gstsv1alpha1.HotPatchGameStatefulSetStrategyType {
				Expect(warnings.take()).To(ContainElement(And(ContainSubstring("spec.updateStrategy.type: HotPatchUpdate changes container images only"),
					ContainSubstring("spec.containers"), ContainSubstring("HotPatchRefused"))))
			} else {
				Expect(warnings.take()).To(ContainElement(And(ContainSubstring("spec.updateStrategy.type: InplaceUpdate cannot apply this change in place"),
					ContainSubstring("recreated"))))
			}
		}
	})
})
