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

// Package e2e runs the product on a real cluster: the operator deployed from config/default, real kubelets
// running the game server image. It runs against the cluster of KUBECONFIG (`make test-e2e`); `make
// test-e2e-local` brings up the local cluster first, and kind works the same way where Docker runs.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

const (
	operatorNamespace  = "gamestatefulset-system"
	operatorDeployment = "gamestatefulset-controller-manager"
)

var (
	ctx       = context.Background()
	k8s       client.Client
	clientset *kubernetes.Clientset
	// gameImage is the game server image the suites run, built by hack/deploy-local.sh in versions v1, v2, v3.
	gameImage = envOr("GAME_IMAGE", "gsts-e2e/gameserver")
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestE2E(t *testing.T) {
	if os.Getenv("KUBECONFIG") == "" {
		if os.Getenv("GSTS_E2E_REQUIRED") != "" {
			// make test brought a cluster up for this suite: a missing one is a broken run, not a skip
			t.Fatal("KUBECONFIG is not set, but GSTS_E2E_REQUIRED says a cluster was brought up for this suite")
		}
		t.Skip("KUBECONFIG is not set: run `make test-e2e-local`, or `make test-e2e` against a cluster with the operator deployed")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "GameStatefulSet e2e suite (real cluster)")
}

var (
	// prometheusAddress is the e2e Prometheus's API, empty without one; suiteStart is when it began to scrape.
	prometheusAddress string
	suiteStart        time.Time
)

// Process 1 starts Prometheus before any spec, so that it scrapes the operator through the whole suite, and
// checks after the last spec of every process that each query of the dashboard found its series in that time.
var _ = SynchronizedBeforeSuite(func() []byte {
	connectClients()
	By("waiting for the operator deployed from config/default")
	Eventually(func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: operatorDeployment}, d)).To(Succeed())
		g.Expect(d.Status.AvailableReplicas).To(BeNumerically(">=", 1))
	}).Should(Succeed())
	if prometheusImage == "" {
		return nil
	}
	By("starting Prometheus, configured from the shipped ServiceMonitor and PrometheusRule")
	removePrometheus()
	Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Name: prometheusNamespace}, &corev1.Namespace{}))
	}).Should(BeTrue(), "an earlier run's Prometheus gone")
	address := deployPrometheus()
	return []byte(strings.Join([]string{address, time.Now().Format(time.RFC3339), createStuckSet()}, " "))
}, func(shared []byte) {
	connectClients()
	if len(shared) > 0 {
		fields := strings.Fields(string(shared))
		Expect(fields).To(HaveLen(3))
		prometheusAddress, stuckNamespace = fields[0], fields[2]
		var err error
		suiteStart, err = time.Parse(time.RFC3339, fields[1])
		Expect(err).NotTo(HaveOccurred())
	}
})

var _ = SynchronizedAfterSuite(func() {}, func() {
	if prometheusAddress == "" {
		return
	}
	// only the whole suite feeds every panel: a focused run checks what its specs show
	if suite, _ := GinkgoConfiguration(); len(suite.FocusStrings)+len(suite.SkipStrings)+len(suite.FocusFiles) == 0 && suite.LabelFilter == "" {
		checkDashboardQueries()
	}
	Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: stuckNamespace}}))).To(Succeed())
	removePrometheus()
})

func connectClients() {
	SetDefaultEventuallyTimeout(3 * time.Minute)
	SetDefaultEventuallyPollingInterval(250 * time.Millisecond)
	cfg, err := clientcmd.BuildConfigFromFlags("", os.Getenv("KUBECONFIG"))
	Expect(err).NotTo(HaveOccurred())
	cfg.QPS, cfg.Burst = 50, 100
	scheme := clientgoscheme.Scheme
	Expect(gstsv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset = kubernetes.NewForConfigOrDie(cfg)
}

var namespaceCounter atomic.Int32

// newNamespace creates a namespace for one spec; on failure it dumps pods, events and the operator's logs, then
// deletes the namespace.
func newNamespace() string {
	// the process number keeps the namespaces of parallel processes apart
	name := fmt.Sprintf("e2e-%d-%d-%d", time.Now().Unix()%100000, GinkgoParallelProcess(), namespaceCounter.Add(1))
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			dump(name)
		}
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))).To(Succeed())
	})
	return name
}

func dump(ns string) {
	for _, args := range [][]string{
		{"-n", ns, "get", "gamestatefulsets,pods,pvc,endpointslices", "-o", "wide"},
		{"-n", ns, "describe", "gamestatefulsets"},
		{"-n", ns, "get", "events", "--sort-by=.lastTimestamp"},
		// every replica, and the process before a restart: the leader, which did the work, may be any of them
		{"-n", operatorNamespace, "get", "pods,leases", "-o", "wide"},
		{"-n", operatorNamespace, "logs", "-l", "control-plane=controller-manager", "--prefix", "--tail=150"},
		{"-n", operatorNamespace, "logs", "-l", "control-plane=controller-manager", "--prefix", "--tail=50", "--previous"},
	} {
		out, _ := kubectl(args...)
		GinkgoWriter.Printf("\n$ kubectl %s\n%s\n", strings.Join(args, " "), out)
	}
}

// kubectl runs the kubectl built for the cluster's version, as a user would.
func kubectl(args ...string) (string, error) {
	cmd := exec.Command(envOr("KUBECTL", "kubectl"), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
