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

// Package olminstall installs the operator the ways users do, other than config/default: with the original
// project's four files (doc/deploy, kubectl create), and through the real Operator Lifecycle Manager from a catalog
// image, upgraded through its channel. It also runs the custom scorecard tests, as scorecard runs them, against
// the operator OLM installed. It needs a cluster (KUBECONFIG) with OLM installed and the releases published
// (hack/olm-local.sh), the images loaded and no other GameStatefulSet operator: hack/e2e-olm.sh prepares that.
package olminstall

import (
	"context"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	operatorsv1 "github.com/operator-framework/api/pkg/operators/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

var (
	ctx       = context.Background()
	k8s       client.Client
	clientset *kubernetes.Clientset

	bundleDir      = envOr("OLM_BUNDLE_DIR", "../../bundle")
	docDir         = envOr("DOC_DIR", "../../doc")
	scorecardImage = envOr("SCORECARD_IMAGE", "gamestatefulset-operator-scorecard-tests:local")
	gameImage      = envOr("GAME_IMAGE", "gsts-e2e/gameserver")
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestOLMInstall(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		if os.Getenv("GSTS_E2E_REQUIRED") != "" {
			// make test brought a cluster up for this suite: a missing one is a broken run, not a skip
			t.Fatal("KUBECONFIG is not set, but GSTS_E2E_REQUIRED says a cluster was brought up for this suite")
		}
		t.Skip("KUBECONFIG is not set: hack/e2e-local.sh runs this suite on the local cluster")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "Installs through OLM and doc/deploy (real cluster)")
}

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(500 * time.Millisecond)
	restConfig, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	Expect(err).NotTo(HaveOccurred())
	scheme := clientgoscheme.Scheme
	Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	Expect(gstsv1alpha1.AddToScheme(scheme)).To(Succeed())
	Expect(operatorsv1.AddToScheme(scheme)).To(Succeed())
	Expect(operatorsv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(restConfig, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset, err = kubernetes.NewForConfig(restConfig)
	Expect(err).NotTo(HaveOccurred())
})
