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

// Command manager runs the GameStatefulSet operator.
package main

import (
	"crypto/tls"
	"flag"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	_ "k8s.io/client-go/plugin/pkg/client/auth"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/controllers"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer/local"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/loadbalancer/tencentcloud"
	gstswebhook "github.com/gamestatefulset/gamestatefulset-operator/internal/webhook"
)

var (
	scheme   = runtime.NewScheme()
	setupLog = ctrl.Log.WithName("setup")
	// version is the release, set at build time (-ldflags "-X main.version=..."): the first line a person reads
	// in the operator's log after an upgrade.
	version = "dev"
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(gstsv1alpha1.AddToScheme(scheme))
}

// defaultGCPercent is the Go collector's target unless GOGC is set.
const defaultGCPercent = 50

func main() {
	var (
		metricsAddr             string
		probeAddr               string
		secureMetrics           bool
		enableHTTP2             bool
		enableWebhook           bool
		webhookCertDir          string
		enableLeaderElection    bool
		leaderElectionNamespace string
		concurrency             int
		qps                     float64
		burst                   int
		lostNodeThreshold       time.Duration
		podStatusBatchPerPod    time.Duration
		statusProgressInterval  time.Duration
		pprofAddr               string
		localLBAddress          string
		tencentCloudSecret      string
		tencentCloudQPS         float64
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint, e.g. :8443 (https) or :8080 (http); 0 disables it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the health and readiness probes.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "Address of Go's profiling endpoints (/debug/pprof), e.g. 127.0.0.1:6060; off when empty. Never expose it outside the pod.")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	flag.BoolVar(&enableHTTP2, "enable-http2", false, "Serve metrics and webhooks over HTTP/2 as well (off: HTTP/2 rapid reset attacks).")
	flag.BoolVar(&enableLeaderElection, "leader-elect", false, "Elect a leader on a Lease so that only one replica reconciles.")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease (default: the pod's namespace).")
	flag.IntVar(&concurrency, "max-concurrent-reconciles", 4, "How many GameStatefulSets are reconciled at once.")
	flag.Float64Var(&qps, "kube-api-qps", 100, "Queries per second the operator's client may send to the API server.")
	flag.IntVar(&burst, "kube-api-burst", 200, "Burst of queries above kube-api-qps.")
	flag.DurationVar(&podStatusBatchPerPod, "pod-status-batch-per-pod", controllers.DefaultPodStatusBatchPerPod,
		"How long, per pod of its GameStatefulSet, a pod's status change may wait to be counted with the next ones while the set has nothing else to do (none under 40ms, so sets under 200 pods at the default never wait; none over 1s); 0 reconciles on every change.")
	flag.DurationVar(&statusProgressInterval, "status-progress-interval", controllers.DefaultStatusProgressInterval,
		"How often, at most, a GameStatefulSet that scales or rolls out writes a status that only shows its progress: pod counts, Ready, Progressing while scaling or rolling out (revisions, pauses, failures and the end of a rollout are written at once); 0 writes every change at once.")
	flag.DurationVar(&lostNodeThreshold, "lost-node-threshold", 5*time.Minute,
		"How long a node may be NotReady, Unknown or unreachable before the GameStatefulSet pods on it are force-deleted "+
			"to be recreated on a healthy node (as long as Kubernetes waits before evicting from an unreachable node); 0 disables it.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.StringVar(&localLBAddress, "local-lb-address", "", "Address the local load-balancer provider reports to players (default: the InternalIP of the oldest Ready node).")
	flag.StringVar(&tencentCloudSecret, "tencentcloud-credentials-secret", "gsts-tencentcloud",
		"Secret in the operator's namespace with the Tencent Cloud keys secretId and secretKey (and optionally region, endpoint, scheme).")
	flag.Float64Var(&tencentCloudQPS, "tencentcloud-qps", 10, "Queries per second the tencentcloud provider may send to the CLB API.")
	flag.BoolVar(&enableWebhook, "enable-webhook", true, "Serve the validating admission webhook (its certificate comes from cert-manager or OLM).")
	flag.StringVar(&webhookCertDir, "webhook-cert-dir", "", "Folder of the webhook's tls.crt and tls.key (default: /tmp/k8s-webhook-server/serving-certs).")
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	if _, set := os.LookupEnv("GOGC"); !set {
		// Most of the heap is the informer cache, which lives as long as the process: collecting at 50% growth
		// instead of Go's 100% lowers the peak by a fifth for about 6% more CPU (docs/performance.md).
		// GOGC in the environment overrides it.
		debug.SetGCPercent(defaultGCPercent)
	}

	var tlsOpts []func(*tls.Config)
	if !enableHTTP2 {
		tlsOpts = append(tlsOpts, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} })
	}
	metricsOptions := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secureMetrics, TLSOpts: tlsOpts}
	if secureMetrics {
		metricsOptions.FilterProvider = filters.WithAuthenticationAndAuthorization
	}

	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS = float32(qps)
	restConfig.Burst = burst

	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOptions,
		HealthProbeBindAddress:        probeAddr,
		PprofBindAddress:              pprofAddr,
		LeaderElection:                enableLeaderElection,
		LeaderElectionID:              "gamestatefulset-operator.tkex.tencent.com",
		LeaderElectionNamespace:       leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Cache:                         controllers.CacheOptions(watchNamespaces()),
		WebhookServer:                 webhook.NewServer(webhook.Options{CertDir: webhookCertDir, TLSOpts: tlsOpts}),
	})
	if err != nil {
		setupLog.Error(err, "unable to create the manager")
		os.Exit(1)
	}

	if err := (&controllers.GameStatefulSetReconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Recorder:                mgr.GetEventRecorder("gamestatefulset-controller"),
		MaxConcurrentReconciles: concurrency,
		LostNodeThreshold:       lostNodeThreshold,
		PodStatusBatchPerPod:    podStatusBatchPerPod,
		StatusProgressInterval:  statusProgressInterval,
		RestConfig:              mgr.GetConfig(),
	}).SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "unable to create the controller", "controller", "GameStatefulSet")
		os.Exit(1)
	}
	if err := (&controllers.HookRunReconciler{
		Client:                  mgr.GetClient(),
		Recorder:                mgr.GetEventRecorder("hookrun-controller"),
		MaxConcurrentReconciles: 4,
	}).SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "unable to create the controller", "controller", "HookRun")
		os.Exit(1)
	}

	if err := (&controllers.PortMappingReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder("portmapping-controller"),
	}).SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "unable to create the controller", "controller", "PortMapping")
		os.Exit(1)
	}
	if err := (&controllers.ListenerReconciler{
		Client:   mgr.GetClient(),
		Recorder: mgr.GetEventRecorder("listener-controller"),
		Providers: map[gstsv1alpha1.LoadBalancerProvider]loadbalancer.Provider{
			gstsv1alpha1.LocalProvider: &local.Provider{Client: mgr.GetClient(), Address: localLBAddress},
			gstsv1alpha1.TencentCloudProvider: &tencentcloud.Provider{QPS: tencentCloudQPS, Config: tencentcloud.SecretConfig(mgr.GetAPIReader(),
				types.NamespacedName{Namespace: operatorNamespace(), Name: tencentCloudSecret}, 30*time.Second)},
		},
		MaxConcurrentReconciles: 4,
	}).SetupWithManager(mgr); err != nil {
		setupLog.Error(err, "unable to create the controller", "controller", "Listener")
		os.Exit(1)
	}

	// HookRuns by phase and listeners by state, counted from the cache at each scrape by the leader
	ctrlmetrics.Registry.MustRegister(&controllers.InventoryCollector{Reader: mgr.GetCache(), Elected: mgr.Elected()})

	readyz := healthz.Ping
	if enableWebhook {
		if err := gstswebhook.SetupWithManager(mgr); err != nil {
			setupLog.Error(err, "unable to set up the webhook")
			os.Exit(1)
		}
		// with failurePolicy Fail, a replica that cannot admit GameStatefulSets yet must not receive requests
		readyz = mgr.GetWebhookServer().StartedChecker()
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		setupLog.Error(err, "unable to set up the health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", readyz); err != nil {
		setupLog.Error(err, "unable to set up the ready check")
		os.Exit(1)
	}

	setupLog.Info("starting the manager", "version", version)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		setupLog.Error(err, "problem running the manager")
		os.Exit(1)
	}
}

// watchNamespaces reads WATCH_NAMESPACE: comma-separated namespaces as OLM sets it, empty for all.
func watchNamespaces() []string {
	var namespaces []string
	for _, ns := range strings.Split(os.Getenv("WATCH_NAMESPACE"), ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			namespaces = append(namespaces, ns)
		}
	}
	return namespaces
}

// operatorNamespace is the namespace the operator runs in, where its own Secrets are.
func operatorNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if data, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
		return strings.TrimSpace(string(data))
	}
	return "gamestatefulset-system"
}
