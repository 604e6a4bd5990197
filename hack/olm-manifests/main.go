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

// Command olm-manifests writes OLM's release manifests as OLM's release does (scripts/package_release.sh, then
// package_quickstart.sh): `helm template -n olm -f deploy/upstream/values.yaml --include-crds` of deploy/chart
// with the image references set, the CRDs concatenated into one file and every other template, in file name
// order, into another. The quickstart folder of the module is not used: it is left from an old release (its
// packageserver says 0.18.3, its CRDs lack OLMConfig).
//
// usage: olm-manifests -chart DIR -values FILE -version V [-set key=value]... -crds FILE -out FILE [-drop NAME]...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/strvals"
)

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, ",") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	chartDir := flag.String("chart", "", "OLM's deploy/chart")
	valuesFile := flag.String("values", "", "OLM's deploy/upstream/values.yaml")
	version := flag.String("version", "", "the release version, written into Chart.yaml as the release script does")
	crdsOut := flag.String("crds", "", "file for the CRDs")
	out := flag.String("out", "", "file for every other manifest")
	var sets, drops repeated
	flag.Var(&sets, "set", "key=value, as helm --set (the image references)")
	flag.Var(&drops, "drop", "a template file name to leave out")
	flag.Parse()
	if *chartDir == "" || *valuesFile == "" || *crdsOut == "" || *out == "" {
		fail(fmt.Errorf("-chart, -values, -crds and -out are required"))
	}
	chart, err := loader.Load(*chartDir)
	if err != nil {
		fail(err)
	}
	if *version != "" {
		chart.Metadata.Version = strings.TrimPrefix(*version, "v")
	}
	values, err := chartutil.ReadValuesFile(*valuesFile)
	if err != nil {
		fail(err)
	}
	for _, s := range sets {
		if err := strvals.ParseInto(s, values); err != nil {
			fail(fmt.Errorf("-set %s: %w", s, err))
		}
	}
	options := chartutil.ReleaseOptions{Name: "olm", Namespace: "olm", IsInstall: true, Revision: 1}
	renderValues, err := chartutil.ToRenderValues(chart, values, options, chartutil.DefaultCapabilities)
	if err != nil {
		fail(err)
	}
	rendered, err := engine.Render(chart, renderValues)
	if err != nil {
		fail(err)
	}

	var crds bytes.Buffer
	crdFiles := chart.CRDObjects()
	sort.Slice(crdFiles, func(i, j int) bool { return crdFiles[i].Filename < crdFiles[j].Filename })
	for _, crd := range crdFiles {
		appendDocument(&crds, crd.File.Data)
	}
	dropped := map[string]bool{}
	for _, d := range drops {
		dropped[d] = true
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") || dropped[base] || strings.TrimSpace(rendered[name]) == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return filepath.Base(names[i]) < filepath.Base(names[j]) })
	var manifests bytes.Buffer
	for _, name := range names {
		appendDocument(&manifests, []byte(rendered[name]))
	}
	if err := os.WriteFile(*crdsOut, crds.Bytes(), 0o644); err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, manifests.Bytes(), 0o644); err != nil {
		fail(err)
	}
}

// appendDocument adds a file's documents without its comment lines, as package_quickstart.sh concatenates them.
func appendDocument(to *bytes.Buffer, content []byte) {
	lines := strings.Split(string(content), "\n")
	first := true
	for _, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if first {
			first = false
			if !strings.HasPrefix(line, "---") {
				to.WriteString("---\n")
			}
		}
		to.WriteString(line + "\n")
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "olm-manifests:", err)
	os.Exit(1)
}
