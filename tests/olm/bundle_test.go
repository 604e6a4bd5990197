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

package olm

import (
	"fmt"
	"os"
	"strings"

	"github.com/blang/semver/v4"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/api/pkg/validation"
	validationerrors "github.com/operator-framework/api/pkg/validation/errors"
	"sigs.k8s.io/yaml"
)

// problems runs validators over objects and returns every error and warning, one line each.
func problems(optionalValues map[string]string, objects []any) []string {
	if optionalValues != nil {
		objects = append(objects, optionalValues)
	}
	var found []string
	for _, v := range []struct {
		name      string
		validator func(...any) []validationerrors.ManifestResult
	}{
		{"csv", validation.ClusterServiceVersionValidator.Validate},
		{"crd", validation.CustomResourceDefinitionValidator.Validate},
		{"bundle", validation.BundleValidator.Validate},
		{"operatorhub", validation.OperatorHubV2Validator.Validate},
		{"categories", validation.StandardCategoriesValidator.Validate},
		{"capabilities", validation.StandardCapabilitiesValidator.Validate},
		{"objects", validation.ObjectValidator.Validate},
		{"good-practices", validation.GoodPracticesValidator.Validate},
		{"deprecated-apis", validation.AlphaDeprecatedAPIsValidator.Validate},
	} {
		for _, result := range v.validator(objects...) {
			for _, e := range result.Errors {
				found = append(found, fmt.Sprintf("%s: error: %s", v.name, e.Error()))
			}
			for _, w := range result.Warnings {
				found = append(found, fmt.Sprintf("%s: warning: %s", v.name, w.Error()))
			}
		}
	}
	return found
}

var _ = Describe("the bundle", func() {
	var bundle *manifests.Bundle
	var csv *v1alpha1.ClusterServiceVersion

	BeforeEach(func() {
		var err error
		bundle, err = manifests.GetBundleFromDir(repoPath("bundle"))
		Expect(err).NotTo(HaveOccurred())
		csv = bundle.CSV
		Expect(csv).NotTo(BeNil())
	})

	It("passes operator-framework's validators with no error and no warning, for the oldest and newest Kubernetes it names", func() {
		for _, k8sVersion := range []string{csv.Spec.MinKubeVersion, "1.37.0"} {
			Expect(problems(map[string]string{"k8s-version": k8sVersion}, []any{bundle})).To(BeEmpty(),
				"validating for Kubernetes %s", k8sVersion)
		}
	})

	It("is the release in VERSION, upgrading the previous one", func() {
		version := releaseVersion()
		Expect(csv.Name).To(Equal("gamestatefulset-operator.v" + version))
		Expect(csv.Spec.Version.String()).To(Equal(version))
		Expect(csv.Spec.Replaces).NotTo(BeEmpty())
		previous := semver.MustParse(strings.TrimPrefix(csv.Spec.Replaces, "gamestatefulset-operator.v"))
		Expect(previous.LT(csv.Spec.Version.Version)).To(BeTrue())
		skipRange, err := semver.ParseRange(csv.Annotations["olm.skipRange"])
		Expect(err).NotTo(HaveOccurred(), "olm.skipRange %q", csv.Annotations["olm.skipRange"])
		Expect(skipRange(previous)).To(BeTrue(), "the skipRange covers the replaced release")
		Expect(skipRange(csv.Spec.Version.Version)).To(BeFalse(), "the skipRange stops below this release")
	})

	It("carries what OperatorHub shows", func() {
		for _, key := range []string{"capabilities", "categories", "containerImage", "createdAt", "description",
			"repository", "support", "alm-examples"} {
			Expect(csv.Annotations).To(HaveKeyWithValue(key, Not(BeEmpty())), key)
		}
		Expect(csv.Spec.DisplayName).NotTo(BeEmpty())
		Expect(csv.Spec.Description).To(ContainSubstring("InplaceUpdate"))
		Expect(csv.Spec.Icon).To(HaveLen(1))
		Expect(csv.Spec.Keywords).NotTo(BeEmpty())
		Expect(csv.Spec.Maintainers).NotTo(BeEmpty())
		Expect(csv.Spec.Provider.Name).NotTo(BeEmpty())
		Expect(csv.Spec.Links).NotTo(BeEmpty())
		Expect(csv.Spec.Maturity).NotTo(BeEmpty())
		Expect(csv.Spec.MinKubeVersion).NotTo(BeEmpty())
		Expect(csv.Spec.RelatedImages).To(ContainElement(HaveField("Image", csv.Annotations["containerImage"])))

		Expect(csv.Spec.CustomResourceDefinitions.Owned).To(ConsistOf(HaveField("Kind", "GameStatefulSet"),
			HaveField("Kind", "HookTemplate"), HaveField("Kind", "HookRun"), HaveField("Kind", "PortMapping"), HaveField("Kind", "Listener")))
		owned := csv.Spec.CustomResourceDefinitions.Owned[0]
		Expect(owned.Kind).To(Equal("GameStatefulSet"))
		Expect(owned.Resources).NotTo(BeEmpty())
		for _, path := range []string{"replicas", "updateStrategy.type", "updateStrategy.rollingUpdate.partition",
			"updateStrategy.inPlaceUpdateStrategy.gracePeriodSeconds", "updateStrategy.canary", "updateStrategy.paused",
			"preDeleteUpdateStrategy.hook.templateName"} {
			Expect(owned.SpecDescriptors).To(ContainElement(HaveField("Path", path)))
		}
		for _, path := range []string{"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "conditions"} {
			Expect(owned.StatusDescriptors).To(ContainElement(HaveField("Path", path)))
		}
	})

	It("names every install mode as supported, because the operator watches the namespaces OLM hands it", func() {
		for _, mode := range []v1alpha1.InstallModeType{v1alpha1.InstallModeTypeOwnNamespace,
			v1alpha1.InstallModeTypeSingleNamespace, v1alpha1.InstallModeTypeMultiNamespace,
			v1alpha1.InstallModeTypeAllNamespaces} {
			Expect(csv.Spec.InstallModes).To(ContainElement(v1alpha1.InstallMode{Type: mode, Supported: true}))
		}
		deployments := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs
		Expect(deployments).To(HaveLen(1))
		manager := deployments[0].Spec.Template.Spec.Containers[0]
		Expect(manager.Env).To(ContainElement(And(HaveField("Name", "WATCH_NAMESPACE"),
			HaveField("ValueFrom.FieldRef.FieldPath", "metadata.annotations['olm.targetNamespaces']"))))
	})

	It("asks for no wildcard permission", func() {
		spec := csv.Spec.InstallStrategy.StrategySpec
		for _, permission := range append(spec.Permissions, spec.ClusterPermissions...) {
			for _, rule := range permission.Rules {
				for _, list := range [][]string{rule.Verbs, rule.Resources, rule.APIGroups, rule.NonResourceURLs} {
					Expect(list).NotTo(ContainElement(ContainSubstring("*")), "rule %+v", rule)
				}
			}
		}
	})

	It("names its channels as OLM recommends, the default among them", func() {
		raw, err := os.ReadFile(repoPath("bundle", "metadata", "annotations.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var metadata struct {
			Annotations map[string]string `json:"annotations"`
		}
		Expect(yaml.Unmarshal(raw, &metadata)).To(Succeed())
		channels := strings.Split(metadata.Annotations["operators.operatorframework.io.bundle.channels.v1"], ",")
		Expect(channels).To(HaveEach(MatchRegexp(`^(candidate|fast|stable)(-v\d+(\.\d+)?)?$`)))
		Expect(channels).To(ContainElement(metadata.Annotations["operators.operatorframework.io.bundle.channel.default.v1"]))

		dockerfile, err := os.ReadFile(repoPath("bundle.Dockerfile"))
		Expect(err).NotTo(HaveOccurred())
		for key, value := range metadata.Annotations {
			Expect(string(dockerfile)).To(ContainSubstring("LABEL %s=%s\n", key, value))
		}
	})

	It("configures the scorecard's basic and OLM suites and this project's own tests", func() {
		raw, err := os.ReadFile(repoPath("bundle", "tests", "scorecard", "config.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var config v1alpha3.Configuration
		Expect(yaml.UnmarshalStrict(raw, &config)).To(Succeed())
		Expect(config.Kind).To(Equal(v1alpha3.ConfigurationKind))
		suites := map[string][]string{}
		for _, stage := range config.Stages {
			for _, test := range stage.Tests {
				suites[test.Labels["suite"]] = append(suites[test.Labels["suite"]], test.Labels["test"])
			}
		}
		Expect(suites).To(HaveKey("basic"))
		Expect(suites).To(HaveKeyWithValue("olm", ContainElements("olm-bundle-validation-test",
			"olm-crds-have-validation-test", "olm-crds-have-resources-test", "olm-spec-descriptors-test",
			"olm-status-descriptors-test")))
		Expect(suites).To(HaveKeyWithValue("gamestatefulset", ContainElements("sample-ready-test",
			"scale-subresource-test", "status-descriptors-test")))
	})
})
