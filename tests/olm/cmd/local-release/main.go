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

// Command local-release prepares what the real OLM installs on the local cluster: the release's bundle with its
// operator image in the local registry, the committed catalog with that release's entry rendered against the
// local bundle image, and a next release (one patch version up, replacing this one) in a second catalog, as a
// publisher adds one. The images are then built from these folders by hack/olm-local.sh.
//
// usage: local-release -bundle DIR -catalog DIR -registry HOST -operator-image REF -next-operator-image REF -out DIR
//
// writes OUT/bundle-vX.Y.Z and OUT/bundle-vX.Y.(Z+1) (bundle folders), OUT/catalog-vX.Y.Z and
// OUT/catalog-vX.Y.(Z+1) (file-based catalogs), and prints the two versions.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver/v4"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/sirupsen/logrus"
	"sigs.k8s.io/yaml"

	"github.com/gamestatefulset/gamestatefulset-operator/tests/olm/render"
)

// publishedRepository is where the release's images are published; the local copies keep the path under the
// local registry.
const publishedRepository = "ghcr.io/gamestatefulset/"

func main() {
	bundleDir := flag.String("bundle", "", "the release's bundle folder (bundle/)")
	catalogDir := flag.String("catalog", "", "the committed file-based catalog (catalog/)")
	registry := flag.String("registry", "localhost:5000", "the local registry")
	out := flag.String("out", "", "folder to write")
	currentOperator := flag.String("operator-image", "", "this release's operator image in the local registry, by digest")
	nextOperator := flag.String("next-operator-image", "", "the next release's operator image in the local registry, by digest")
	flag.Parse()
	logrus.SetLevel(logrus.WarnLevel)
	if *bundleDir == "" || *catalogDir == "" || *out == "" || *currentOperator == "" || *nextOperator == "" {
		fail(errors.New("-bundle, -catalog, -out, -operator-image and -next-operator-image are required"))
	}
	csvPath, csv, err := readCSV(*bundleDir)
	if err != nil {
		fail(err)
	}
	current := csv.Spec.Version.Version
	next := current
	next.Patch++
	next.Pre, next.Build = nil, nil
	published := publishedRepository + "gamestatefulset-operator:v" + current.String()
	local := func(raw []byte, operatorImage string) string {
		return strings.ReplaceAll(strings.ReplaceAll(string(raw), published, operatorImage), publishedRepository, *registry+"/gamestatefulset/")
	}
	bundleImage := func(v semver.Version) string {
		return fmt.Sprintf("%s/gamestatefulset/gamestatefulset-operator-bundle:v%s", *registry, v)
	}

	// this release, its images local
	currentBundle := filepath.Join(*out, "bundle-v"+current.String())
	if err := copyBundle(*bundleDir, currentBundle, csvPath, func(raw []byte) ([]byte, error) {
		return []byte(local(raw, *currentOperator)), nil
	}); err != nil {
		fail(err)
	}
	// the next release: the same manifests under the next version, replacing this one and skipping everything
	// older, with its own operator image tag
	nextBundle := filepath.Join(*out, "bundle-v"+next.String())
	if err := copyBundle(*bundleDir, nextBundle, csvPath, func(raw []byte) ([]byte, error) {
		raw = []byte(local(raw, *nextOperator))
		var c v1alpha1.ClusterServiceVersion
		if err := yaml.Unmarshal(raw, &c); err != nil {
			return nil, err
		}
		c.Spec.Replaces = c.Name
		c.Name = strings.TrimSuffix(c.Name, current.String()) + next.String()
		c.Spec.Version.Version = next
		c.Annotations["olm.skipRange"] = fmt.Sprintf(">=0.1.0 <%s", next)
		return yaml.Marshal(&c)
	}); err != nil {
		fail(err)
	}

	committed, err := declcfg.LoadFS(context.Background(), os.DirFS(*catalogDir))
	if err != nil {
		fail(fmt.Errorf("the catalog: %w", err))
	}
	currentEntry, err := render.Bundle(currentBundle, bundleImage(current))
	if err != nil {
		fail(err)
	}
	installCatalog := *committed
	installCatalog.Bundles = replaceBundle(committed.Bundles, currentEntry.Bundles[0])
	if err := writeCatalog(filepath.Join(*out, "catalog-v"+current.String()), installCatalog); err != nil {
		fail(err)
	}

	nextEntry, err := render.Bundle(nextBundle, bundleImage(next))
	if err != nil {
		fail(err)
	}
	upgradeCatalog := installCatalog
	upgradeCatalog.Bundles = append(append([]declcfg.Bundle{}, installCatalog.Bundles...), nextEntry.Bundles[0])
	upgradeCatalog.Channels = nil
	for _, ch := range installCatalog.Channels {
		ch.Entries = append(append([]declcfg.ChannelEntry{}, ch.Entries...), declcfg.ChannelEntry{
			Name: nextEntry.Bundles[0].Name, Replaces: currentEntry.Bundles[0].Name, SkipRange: fmt.Sprintf(">=0.1.0 <%s", next)})
		upgradeCatalog.Channels = append(upgradeCatalog.Channels, ch)
	}
	if err := writeCatalog(filepath.Join(*out, "catalog-v"+next.String()), upgradeCatalog); err != nil {
		fail(err)
	}
	fmt.Println(current.String())
	fmt.Println(next.String())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "local-release:", err)
	os.Exit(1)
}

func readCSV(bundleDir string) (string, *v1alpha1.ClusterServiceVersion, error) {
	paths, err := filepath.Glob(filepath.Join(bundleDir, "manifests", "*.clusterserviceversion.yaml"))
	if err != nil || len(paths) != 1 {
		return "", nil, fmt.Errorf("want one ClusterServiceVersion in %s/manifests, found %d (%v)", bundleDir, len(paths), err)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		return "", nil, err
	}
	var csv v1alpha1.ClusterServiceVersion
	if err := yaml.Unmarshal(raw, &csv); err != nil {
		return "", nil, fmt.Errorf("%s: %w", paths[0], err)
	}
	return paths[0], &csv, nil
}

// copyBundle copies the bundle folder, its ClusterServiceVersion through edit.
func copyBundle(from, to, csvPath string, edit func([]byte) ([]byte, error)) error {
	if err := os.RemoveAll(to); err != nil {
		return err
	}
	return filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		target := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if path == csvPath {
			if raw, err = edit(raw); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return os.WriteFile(target, raw, 0o644)
	})
}

func replaceBundle(bundles []declcfg.Bundle, replacement declcfg.Bundle) []declcfg.Bundle {
	out := make([]declcfg.Bundle, 0, len(bundles))
	for _, b := range bundles {
		if b.Name == replacement.Name {
			b = replacement
		}
		out = append(out, b)
	}
	return out
}

func writeCatalog(dir string, cfg declcfg.DeclarativeConfig) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	pkgDir := filepath.Join(dir, "gamestatefulset-operator")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := declcfg.WriteYAML(cfg, &buf); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(pkgDir, "catalog.yaml"), bytes.TrimPrefix(buf.Bytes(), []byte("---\n")), 0o644)
}
