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
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// applyFile creates every namespaced object of a YAML file in ns and returns the GameStatefulSets' names.
func applyFile(path, ns string) []string {
	raw, err := os.ReadFile(path)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	decoder := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	var sets []string
	for {
		obj := &unstructured.Unstructured{}
		err := decoder.Decode(&obj.Object)
		if errors.Is(err, io.EOF) {
			break
		}
		ExpectWithOffset(1, err).NotTo(HaveOccurred(), path)
		if len(obj.Object) == 0 || obj.GetKind() == "Namespace" {
			continue
		}
		obj.SetNamespace(ns)
		// as kubectl apply: a field the schema does not know is refused, not dropped
		ExpectWithOffset(1, k8s.Create(ctx, obj, client.FieldValidation("Strict"))).To(Succeed(), "%s: %s %s", path, obj.GetKind(), obj.GetName())
		if obj.GetKind() == "GameStatefulSet" {
			sets = append(sets, obj.GetName())
		}
	}
	return sets
}

var _ = Describe("The API", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("accepts the samples and the reference's examples as they are written", func() {
		files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "tkex_*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		examples, err := filepath.Glob(filepath.Join("..", "..", "doc", "example", "*.y*ml"))
		Expect(err).NotTo(HaveOccurred())
		upstream, err := filepath.Glob(filepath.Join("..", "..", "docs", "examples", "upstream-*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(upstream).To(HaveLen(3))
		Expect(examples).To(ConsistOf(HaveSuffix("gamestatefulset-sample.yml"), HaveSuffix("rolling-update.yaml"),
			HaveSuffix("inplace-update.yaml"), HaveSuffix("hotpatch-update.yaml")))
		for _, file := range append(append(files, examples...), upstream...) {
			exampleNS := newNamespace()
			for _, name := range applyFile(file, exampleNS) {
				Eventually(func() []string { return podNames(podsOf(exampleNS, name)) }).ShouldNot(BeEmpty(), file)
			}
		}
	})

	It("fills in the defaults of a minimal set", func() {
		set := gameSet(ns, "web", 1)
		set.Spec.Replicas = nil
		Expect(k8s.Create(ctx, set)).To(Succeed())
		got := getSet(ns, "web")
		Expect(*got.Spec.Replicas).To(Equal(int32(1)))
		Expect(got.Spec.PodManagementPolicy).To(Equal(gstsv1alpha1.OrderedReadyPodManagement))
		Expect(got.Spec.UpdateStrategy.Type).To(Equal(gstsv1alpha1.RollingUpdateStatefulSetStrategyType))
		Expect(*got.Spec.RevisionHistoryLimit).To(Equal(int32(10)))
	})

	DescribeTable("refuses bad input at admission with a message naming the field",
		func(mutate func(*gstsv1alpha1.GameStatefulSet), message string) {
			expectRefused(k8s.Create(ctx, gameSet(ns, "bad", 1, mutate)), message)
		},
		Entry("unknown strategy", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.UpdateStrategy.Type = "Recreate" },
			`spec.updateStrategy.type: Unsupported value: "Recreate"`),
		Entry("unknown pod management policy", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.PodManagementPolicy = "Random" },
			`spec.podManagementPolicy: Unsupported value: "Random"`),
		Entry("negative replicas", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.Replicas = ptr.To[int32](-1) },
			"spec.replicas: Invalid value: -1"),
		Entry("negative partition", rollingUpdate(ptr.To(intstr.FromInt32(-1)), nil),
			"partition must be a non-negative integer or a percentage"),
		Entry("malformed partition", rollingUpdate(ptr.To(intstr.FromString("half")), nil),
			"partition must be a non-negative integer or a percentage"),
		Entry("zero maxUnavailable", rollingUpdate(nil, ptr.To(intstr.FromInt32(0))),
			"maxUnavailable must be an integer of at least 1 or a percentage"),
		Entry("malformed maxUnavailable", rollingUpdate(nil, ptr.To(intstr.FromString("0%"))),
			"maxUnavailable must be an integer of at least 1 or a percentage"),
		Entry("negative grace period", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.UpdateStrategy.InPlaceUpdateStrategy = &gstsv1alpha1.InPlaceUpdateStrategy{GracePeriodSeconds: -5}
		}, "spec.updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds"),
		Entry("negative start ordinal", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Ordinals = &gstsv1alpha1.GameStatefulSetOrdinals{Start: -1}
		}, "spec.ordinals.start"),
		Entry("unknown retention policy", withData("Keep", retain), `whenDeleted: Unsupported value: "Keep"`),
	)

	DescribeTable("keeps the fields a StatefulSet keeps immutable",
		func(mutate func(*gstsv1alpha1.GameStatefulSet), message string) {
			Expect(k8s.Create(ctx, gameSet(ns, "web", 1, withData(retain, retain)))).To(Succeed())
			set := getSet(ns, "web")
			before := set.DeepCopy()
			mutate(set)
			// a patch carries no resourceVersion: the operator's status writes cannot make it conflict
			expectRefused(k8s.Patch(ctx, set, client.MergeFrom(before)), message)
		},
		Entry("selector", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.Selector.MatchLabels["tier"] = "x"
			s.Spec.Template.Labels["tier"] = "x"
		}, "selector is immutable"),
		Entry("serviceName", func(s *gstsv1alpha1.GameStatefulSet) { s.Spec.ServiceName = "other" }, "serviceName is immutable"),
		Entry("podManagementPolicy", parallel, "podManagementPolicy is immutable"),
		Entry("volumeClaimTemplates", func(s *gstsv1alpha1.GameStatefulSet) {
			s.Spec.VolumeClaimTemplates[0].Name = "other"
		}, "volumeClaimTemplates is immutable"),
	)

	It("prints the reference's columns for kubectl get gsts", func() {
		Expect(k8s.Create(ctx, gameSet(ns, "test-gamestatefulset", 2, parallel))).To(Succeed())
		eventuallyAllReady(ns, "test-gamestatefulset", 2)
		raw, err := clientset.RESTClient().Get().AbsPath("/apis/tkex.tencent.com/v1alpha1/namespaces", ns, "gamestatefulsets").
			SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(ctx)
		Expect(err).NotTo(HaveOccurred())
		var table metav1.Table
		Expect(json.Unmarshal(raw, &table)).To(Succeed())
		var columns []string
		for _, c := range table.ColumnDefinitions {
			columns = append(columns, c.Name)
		}
		Expect(columns).To(Equal([]string{"Name", "REPLICAS", "READYREPLICAS", "CURRENTREPLICAS", "UPDATEDREPLICAS", "AGE"}))
		Expect(table.Rows).To(HaveLen(1))
		Expect(table.Rows[0].Cells[:5]).To(Equal([]any{"test-gamestatefulset", 2.0, 2.0, 2.0, 2.0}))
	})
})
