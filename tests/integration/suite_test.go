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

// Package integration runs the operator against a real kube-apiserver and etcd (envtest, built from source by
// `make envtest`). No kubelet runs: the tests play its part by setting pod status.
package integration

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/controllers"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer/local"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer/tencentcloud"
	gstswebhook "github.com/gamestatefulset/gamestatefulset-operator/internal/webhook"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/fakeclb"
)

var (
	cfg       *rest.Config
	k8s       client.Client
	clientset *kubernetes.Clientset
	testEnv   *envtest.Environment
	ctx       context.Context
	cancel    context.CancelFunc
	// fakeCLB is the CLB API the tencentcloud provider talks to
	fakeCLB *fakeclb.Server
)

// localAddress is what the local provider reports players connect to.
const localAddress = "192.0.2.10"

func TestIntegration(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "GameStatefulSet integration suite (real kube-apiserver)")
}

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	ctx, cancel = context.WithCancel(context.Background())
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: envtestAssets(),
		// the webhook configuration `make manifests` generates, pointed at this process with a certificate of its own
		WebhookInstallOptions: envtest.WebhookInstallOptions{Paths: []string{filepath.Join("..", "..", "config", "webhook")}},
	}
	var err error
	cfg, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred(), "starting kube-apiserver and etcd; run `make envtest` and set KUBEBUILDER_ASSETS")

	scheme := clientgoscheme.Scheme
	Expect(gstsv1alpha1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	clientset = kubernetes.NewForConfigOrDie(cfg)

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: controllers.CacheOptions(nil),
		WebhookServer: webhook.NewServer(webhook.Options{Host: testEnv.WebhookInstallOptions.LocalServingHost,
			Port: testEnv.WebhookInstallOptions.LocalServingPort, CertDir: testEnv.WebhookInstallOptions.LocalServingCertDir})})
	Expect(err).NotTo(HaveOccurred())
	Expect((&controllers.GameStatefulSetReconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Recorder:                mgr.GetEventRecorder("gamestatefulset-controller"),
		MaxConcurrentReconciles: 2,
		LostNodeThreshold:       5 * time.Minute,
		// far above the default, so that the pod events of the specs' sets of two pods and more are batched too
		// (40 ms is the shortest batch): every spec checks its status with the batching in the way
		PodStatusBatchPerPod: 20 * time.Millisecond,
		// as deployed: every spec reads its status with the progress held back while its set changes
		StatusProgressInterval: controllers.DefaultStatusProgressInterval,
		RestConfig:             cfg,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&controllers.HookRunReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("hookrun-controller"),
		MaxConcurrentReconciles: 2,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect((&controllers.PortMappingReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("portmapping-controller"),
	}).SetupWithManager(mgr)).To(Succeed())
	fakeCLB = fakeclb.New("AKID-integration", "integration-secret")
	fakeCLB.AddLoadBalancer("lb-game", "203.0.113.10")
	endpoint, stopCLB, err := fakeCLB.Start("127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(stopCLB)
	Expect((&controllers.ListenerReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("listener-controller"),
		Providers: map[gstsv1alpha1.LoadBalancerProvider]loadbalancer.Provider{
			gstsv1alpha1.LocalProvider: &local.Provider{Client: mgr.GetClient(), Address: localAddress},
			gstsv1alpha1.TencentCloudProvider: &tencentcloud.Provider{QPS: 100, TaskPoll: 20 * time.Millisecond, RetryPause: 20 * time.Millisecond,
				Config: func(context.Context) (tencentcloud.Config, error) {
					return tencentcloud.Config{SecretID: "AKID-integration", SecretKey: "integration-secret", Region: "ap-guangzhou",
						Endpoint: endpoint, Scheme: "http"}, nil
				}},
		},
		MaxConcurrentReconciles: 2,
	}).SetupWithManager(mgr)).To(Succeed())
	Expect(gstswebhook.SetupWithManager(mgr)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	// admission answers before any spec creates a set
	Eventually(func() error { return mgr.GetWebhookServer().StartedChecker()(nil) }).Should(Succeed())
})

// envtestAssets finds etcd and kube-apiserver: KUBEBUILDER_ASSETS when set (the Makefile sets it), otherwise the
// cache `make envtest` builds into, so that a plain `go test ./...` works after one `make envtest`.
func envtestAssets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	cache := os.Getenv("GSTS_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		Expect(err).NotTo(HaveOccurred())
		cache = filepath.Join(base, "gamestatefulset-operator")
	}
	version := os.Getenv("KUBE_VERSION")
	if version == "" {
		version = "v1.37.2" // keep in step with KUBE_VERSION in the Makefile
	}
	return filepath.Join(cache, "kubernetes-"+version, "bin")
}

var _ = AfterSuite(func() {
	cancel()
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})
