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
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/blang/semver/v4"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/operator-framework/api/pkg/manifests"
	operatorsv1 "github.com/operator-framework/api/pkg/operators/v1"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/alpha/property"
	"github.com/operator-framework/operator-registry/pkg/lib/config"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const packageName = "gamestatefulset-operator"

var _ = Describe("the file-based catalog", func() {
	var catalog *declcfg.DeclarativeConfig
	versions := map[string]semver.Version{}

	BeforeEach(func() {
		var err error
		catalog, err = declcfg.LoadFS(context.Background(), os.DirFS(repoPath("catalog")))
		Expect(err).NotTo(HaveOccurred())
		for _, b := range catalog.Bundles {
			props, err := property.Parse(b.Properties)
			Expect(err).NotTo(HaveOccurred(), b.Name)
			Expect(props.Packages).To(HaveLen(1), b.Name)
			versions[b.Name] = semver.MustParse(props.Packages[0].Version)
		}
	})

	It("passes opm validate", func() {
		Expect(config.Validate(context.Background(), os.DirFS(repoPath("catalog")))).To(Succeed())
	})

	It("holds at least two releases in at least two channels, the default among them", func() {
		Expect(catalog.Packages).To(HaveLen(1))
		Expect(catalog.Packages[0].Name).To(Equal(packageName))
		Expect(len(catalog.Bundles)).To(BeNumerically(">=", 2))
		Expect(len(catalog.Channels)).To(BeNumerically(">=", 2))
		Expect(catalog.Channels).To(ContainElement(HaveField("Name", catalog.Packages[0].DefaultChannel)))
		for _, ch := range catalog.Channels {
			Expect(ch.Name).To(MatchRegexp(`^(candidate|fast|stable)(-v\d+(\.\d+)?)?$`))
		}
	})

	It("has upgrade graphs where every entry exists, no replaces dangles, and every release reaches the one head", func() {
		for _, ch := range catalog.Channels {
			inChannel := map[string]declcfg.ChannelEntry{}
			for _, e := range ch.Entries {
				Expect(versions).To(HaveKey(e.Name), "channel %s names %s, which has no olm.bundle", ch.Name, e.Name)
				inChannel[e.Name] = e
			}
			// upgrades[X] are the entries a subscription on X may move to
			upgrades := map[string][]string{}
			replaced := map[string]bool{}
			for _, e := range ch.Entries {
				if e.Replaces != "" {
					Expect(inChannel).To(HaveKey(e.Replaces), "channel %s: %s replaces %s, which is not in the channel", ch.Name, e.Name, e.Replaces)
					upgrades[e.Replaces] = append(upgrades[e.Replaces], e.Name)
					replaced[e.Replaces] = true
				}
				for _, skipped := range e.Skips {
					upgrades[skipped] = append(upgrades[skipped], e.Name)
					replaced[skipped] = true
				}
				if e.SkipRange != "" {
					inRange, err := semver.ParseRange(e.SkipRange)
					Expect(err).NotTo(HaveOccurred(), "channel %s: skipRange of %s", ch.Name, e.Name)
					for other := range inChannel {
						if other != e.Name && inRange(versions[other]) {
							upgrades[other] = append(upgrades[other], e.Name)
							replaced[other] = true
						}
					}
				}
			}
			var heads []string
			for name := range inChannel {
				if !replaced[name] {
					heads = append(heads, name)
				}
			}
			Expect(heads).To(HaveLen(1), "channel %s has one head", ch.Name)
			for name := range inChannel {
				Expect(reachable(upgrades, name)).To(HaveKey(heads[0]), "channel %s: %s upgrades to the head", ch.Name, name)
			}
			for name := range inChannel {
				Expect(versions[heads[0]].GTE(versions[name])).To(BeTrue(), "channel %s: the head is its newest release", ch.Name)
			}
		}
	})

	It("has this release at the head of the channels its bundle names, with the bundle's upgrade edge", func() {
		bundle, err := manifests.GetBundleFromDir(repoPath("bundle"))
		Expect(err).NotTo(HaveOccurred())
		Expect(bundle.Channels).NotTo(BeEmpty())
		Expect(catalog.Packages[0].DefaultChannel).To(Equal(bundle.DefaultChannel))
		csv := bundle.CSV
		for _, name := range bundle.Channels {
			var channel *declcfg.Channel
			for i := range catalog.Channels {
				if catalog.Channels[i].Name == name {
					channel = &catalog.Channels[i]
				}
			}
			Expect(channel).NotTo(BeNil(), "the bundle names channel %s", name)
			Expect(channel.Entries).To(ContainElement(declcfg.ChannelEntry{Name: csv.Name, Replaces: csv.Spec.Replaces,
				SkipRange: csv.Annotations["olm.skipRange"]}), "channel %s", name)
		}
		Expect(catalog.Bundles).To(ContainElement(And(HaveField("Name", csv.Name),
			HaveField("Image", HaveSuffix("-bundle:v"+releaseVersion())))))
	})

	It("is installed by the CatalogSource, OperatorGroups and Subscription of config/olm", func() {
		objects := decodeFiles(repoPath("config", "olm"))
		var sources []v1alpha1.CatalogSource
		var groups []operatorsv1.OperatorGroup
		var subscriptions []v1alpha1.Subscription
		for _, raw := range objects {
			var meta struct{ Kind string }
			Expect(yaml.Unmarshal(raw, &meta)).To(Succeed())
			switch meta.Kind {
			case "CatalogSource":
				var o v1alpha1.CatalogSource
				Expect(yaml.UnmarshalStrict(raw, &o)).To(Succeed())
				sources = append(sources, o)
			case "OperatorGroup":
				var o operatorsv1.OperatorGroup
				Expect(yaml.UnmarshalStrict(raw, &o)).To(Succeed())
				groups = append(groups, o)
			case "Subscription":
				var o v1alpha1.Subscription
				Expect(yaml.UnmarshalStrict(raw, &o)).To(Succeed())
				subscriptions = append(subscriptions, o)
			}
		}
		Expect(sources).To(HaveLen(1))
		Expect(sources[0].Spec.SourceType).To(Equal(v1alpha1.SourceTypeGrpc))
		Expect(sources[0].Spec.Image).To(HaveSuffix("-catalog:latest"))
		Expect(groups).NotTo(BeEmpty())
		Expect(subscriptions).To(HaveLen(1))
		sub := subscriptions[0].Spec
		Expect(sub.CatalogSource).To(Equal(sources[0].Name))
		Expect(sub.CatalogSourceNamespace).To(Equal(sources[0].Namespace))
		Expect(sub.Package).To(Equal(packageName))
		Expect(catalog.Channels).To(ContainElement(HaveField("Name", sub.Channel)))
		Expect(sub.InstallPlanApproval).To(Equal(v1alpha1.ApprovalManual))
		Expect(groups).To(ContainElement(HaveField("Namespace", subscriptions[0].Namespace)))
	})
})

// reachable is every entry a subscription on from can reach by upgrades.
func reachable(upgrades map[string][]string, from string) map[string]bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		next := queue[0]
		queue = queue[1:]
		for _, to := range upgrades[next] {
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	return seen
}

// decodeFiles reads every YAML document of every file in dir, as JSON.
func decodeFiles(dir string) [][]byte {
	entries, err := os.ReadDir(dir)
	Expect(err).NotTo(HaveOccurred())
	var docs [][]byte
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".yaml") || entry.Name() == "kustomization.yaml" {
			continue
		}
		f, err := os.Open(dir + "/" + entry.Name())
		Expect(err).NotTo(HaveOccurred())
		reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			Expect(err).NotTo(HaveOccurred(), entry.Name())
			if strings.TrimSpace(string(doc)) != "" {
				docs = append(docs, doc)
			}
		}
		Expect(f.Close()).To(Succeed())
	}
	return docs
}
