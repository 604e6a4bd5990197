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

// Package olm checks what OLM users receive: the bundle with operator-framework/api's validators (what
// `operator-sdk bundle validate --select-optional suite=operatorframework` and the scorecard's basic and OLM
// suites check), and the file-based catalog with operator-registry's library (what `opm validate` runs) plus the
// upgrade graph. It is its own Go module so that operator-registry's dependencies stay out of the operator's.
package olm

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestOLM(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "OLM bundle and catalog")
}

// repo is the repository root, from this package's folder.
const repo = "../.."

func repoPath(parts ...string) string { return filepath.Join(append([]string{repo}, parts...)...) }

// releaseVersion is the VERSION file: the release the bundle describes.
func releaseVersion() string {
	raw, err := os.ReadFile(repoPath("VERSION"))
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimSpace(string(raw))
}
