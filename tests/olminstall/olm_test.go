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

package olminstall

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	scorecard "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	operatorsv1 "github.com/operator-framework/api/pkg/operators/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	packageName   = "gamestatefulset-operator"
	catalogName   = "gamestatefulset-catalog"
	olmNamespace  = "olm"
	allNamespaces = "operators" // the quickstart's global OperatorGroup: AllNamespaces
	ownNamespace  = "gsts-olm-own"
	setName       = "game"
)

var (
	currentVersion = envOr("OLM_CURRENT_VERSION", "")
	nextVersion    = envOr("OLM_NEXT_VERSION", "")
	catalogImage   = envOr("OLM_CATALOG_IMAGE", "")
	nextCatalog    = envOr("OLM_NEXT_CATALOG_IMAGE", "")
	nextOperator   = envOr("OLM_NEXT_OPERATOR_IMAGE", "")
)

func csvName(version string) string { return packageName + ".v" + version }

// First the original project's install path, the four doc/deploy files created with kubectl and its sample.
// Then the real Operator Lifecycle Manager (hack/olm-local.sh install) installs the operator from a catalog image
// (hack/olm-local.sh publish): for one namespace with a manually approved InstallPlan, then for all namespaces,
// upgraded through the channel to a release added to the catalog, and uninstalled; game servers survive each step.
// One container, so that the two installs never overlap.
var _ = Describe("the operator installed the ways users install it", Ordered, func() {
	It("installs with the original project's four files, kubectl create -f each, and runs its sample", func() {
		for _, file := range []string{"01-resources.yaml", "02-namespace.yaml", "03-rbac.yaml", "04-operator-deployment.yaml"} {
			kubectl("create", "-f", filepath.Join(docDir, "deploy", file))
		}
		DeferCleanup(func() {
			for _, file := range []string{"04-operator-deployment.yaml", "03-rbac.yaml", "02-namespace.yaml", "01-resources.yaml"} {
				kubectl("delete", "--ignore-not-found", "--timeout=180s", "-f", filepath.Join(docDir, "deploy", file))
			}
		})
		deployment := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "gamestatefulset-system", Name: "gamestatefulset-controller-manager"}}
		Eventually(func(g Gomega) { expectDeploymentReady(g, deployment) }).Should(Succeed())

		By("the README's sample, its nginx swapped for the e2e game server (this machine pulls no image)")
		sample, err := os.ReadFile(filepath.Join(docDir, "example", "gamestatefulset-sample.yml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(string(sample)).To(ContainSubstring("image: nginx:1.27"))
		swapped := strings.NewReplacer("image: nginx:1.27", "image: "+gameImage+":v1", "containerPort: 80", "containerPort: 8080").Replace(string(sample))
		path := filepath.Join(GinkgoT().TempDir(), "sample.yaml")
		Expect(os.WriteFile(path, []byte(swapped), 0o644)).To(Succeed())
		kubectl("create", "-f", path)
		DeferCleanup(func() { kubectl("delete", "--ignore-not-found", "--timeout=180s", "-f", path) })
		eventuallyReady("test", "web", 1)
		kubectl("scale", "-n", "test", "gamestatefulset", "web", "--replicas=3")
		eventuallyReady("test", "web", 3)
		expectNoForbidden(deployment)
	})

	BeforeAll(removeInstalls)
	AfterAll(func() {
		removeInstalls()
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, &operatorsv1alpha1.CatalogSource{
			ObjectMeta: metav1.ObjectMeta{Name: catalogName, Namespace: olmNamespace}}))).To(Succeed())
	})

	AfterEach(func() {
		if CurrentSpecReport().Failed() {
			for _, ns := range []string{olmNamespace, allNamespaces, ownNamespace} {
				dump(ns, ownNamespace)
			}
			GinkgoWriter.Println(kubectlQuiet("get", "subscriptions,installplans,csv,catalogsources,operatorgroups", "-A", "-o", "wide"))
		}
	})

	It("serves the catalog: the CatalogSource READY, the packagemanifest listing the bundle's channels", func() {
		Expect(catalogImage).NotTo(BeEmpty(), "OLM_CATALOG_IMAGE: hack/olm-local.sh publish prints the suite's environment")
		createOrUpdate(&operatorsv1alpha1.CatalogSource{
			ObjectMeta: metav1.ObjectMeta{Name: catalogName, Namespace: olmNamespace},
			Spec: operatorsv1alpha1.CatalogSourceSpec{SourceType: operatorsv1alpha1.SourceTypeGrpc, Image: catalogImage,
				DisplayName: "GameStatefulSet (local)", Publisher: "local"},
		})
		Eventually(func(g Gomega) {
			source := &operatorsv1alpha1.CatalogSource{}
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: olmNamespace, Name: catalogName}, source)).To(Succeed())
			g.Expect(source.Status.GRPCConnectionState).NotTo(BeNil())
			g.Expect(source.Status.GRPCConnectionState.LastObservedState).To(Equal("READY"))
		}).Should(Succeed())
		// OLM runs two packageserver replicas, each with its own connection to the catalog, and the API server
		// sends each request to either: one that answered may be followed by one that has not caught up yet.
		// Ten answers in a row make it all but certain that both serve the package before a user asks.
		Eventually(func(g Gomega) {
			channels, defaultChannel := packageChannels(g)
			g.Expect(channels).To(ContainElements("candidate", "fast"))
			g.Expect(defaultChannel).To(Equal(bundleDefaultChannel()))
		}).MustPassRepeatedly(10).Should(Succeed())
		GinkgoWriter.Println(kubectl("get", "packagemanifests", "-n", olmNamespace, packageName))
	})

	It("installs for its own namespace (OwnNamespace) once the InstallPlan of a Manual Subscription is approved", func() {
		ensureNamespace(ownNamespace)
		createOrUpdate(&operatorsv1.OperatorGroup{ObjectMeta: metav1.ObjectMeta{Name: "gsts", Namespace: ownNamespace},
			Spec: operatorsv1.OperatorGroupSpec{TargetNamespaces: []string{ownNamespace}}})
		subscribe(ownNamespace, operatorsv1alpha1.ApprovalManual)

		By("the InstallPlan waits for approval, and nothing is installed meanwhile")
		plan := pendingInstallPlan(ownNamespace)
		Expect(plan.Spec.ClusterServiceVersionNames).To(ConsistOf(csvName(currentVersion)))
		Consistently(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: ownNamespace, Name: csvName(currentVersion)}, &operatorsv1alpha1.ClusterServiceVersion{}))
		}, 3*time.Second).Should(BeTrue())
		approve(plan)
		expectInstalled(ownNamespace, currentVersion)
		expectWebhookServed(ownNamespace, currentVersion)
		expectMonitoringInstalled(ownNamespace)

		By("a GameStatefulSet of the namespace scales through the scale subresource and updates in place")
		Expect(k8s.Create(ctx, gameSet(ownNamespace, setName, 3))).To(Succeed())
		eventuallyReady(ownNamespace, setName, 3)
		set := getSet(ownNamespace, setName)
		scale := &autoscalingv1.Scale{}
		Expect(k8s.SubResource("scale").Get(ctx, set, scale)).To(Succeed())
		scale.Spec.Replicas = 4
		Expect(k8s.SubResource("scale").Update(ctx, set, client.WithSubResourceBody(scale))).To(Succeed())
		eventuallyReady(ownNamespace, setName, 4)
		before := podsOf(ownNamespace, setName)
		set = getSet(ownNamespace, setName)
		set.Spec.Template.Spec.Containers[0].Image = gameImage + ":v2"
		Expect(k8s.Update(ctx, set)).To(Succeed())
		Eventually(func(g Gomega) {
			current := getSet(ownNamespace, setName)
			g.Expect(current.Status.ObservedGeneration).To(Equal(current.Generation))
			g.Expect(current.Status.UpdatedReplicas).To(Equal(int32(4)))
			g.Expect(current.Status.ReadyReplicas).To(Equal(int32(4)))
			g.Expect(current.Status.CurrentRevision).To(Equal(current.Status.UpdateRevision))
		}).Should(Succeed())
		for ord, pod := range podsOf(ownNamespace, setName) {
			Expect(pod.UID).To(Equal(before[ord].UID), "pod %d kept", ord)
			Expect(pod.Status.ContainerStatuses[0].RestartCount).To(Equal(int32(1)), "pod %d restarted once, in place", ord)
		}
	})

	It("passes this project's scorecard tests against the operator OLM installed", func() {
		tests := scorecardTests("gamestatefulset")
		Expect(tests).NotTo(BeEmpty())
		account := scorecardServiceAccount(ownNamespace)
		bundle := bundleConfigMap(ownNamespace)
		for _, test := range tests {
			status := runScorecardTest(ownNamespace, account, bundle, test)
			Expect(status.Results).NotTo(BeEmpty())
			for _, result := range status.Results {
				Expect(result.State).To(Equal(scorecard.PassState), "%s: %v", result.Name, result.Errors)
			}
		}
	})

	It("is uninstalled by deleting its Subscription and CSV, and the game servers keep running", func() {
		before := podStates(ownNamespace, setName)
		uninstall(ownNamespace, currentVersion)
		Consistently(func() map[int32]string { return podStates(ownNamespace, setName) }, 5*time.Second).Should(Equal(before))
		Expect(k8s.Delete(ctx, &operatorsv1.OperatorGroup{ObjectMeta: metav1.ObjectMeta{Name: "gsts", Namespace: ownNamespace}})).To(Succeed())
	})

	It("installs for all namespaces (AllNamespaces), takes over the running set, and upgrades through the channel with no game pod restarted", func() {
		subscribe(allNamespaces, operatorsv1alpha1.ApprovalManual)
		approve(pendingInstallPlan(allNamespaces))
		expectInstalled(allNamespaces, currentVersion)
		Eventually(func(g Gomega) {
			copied := &operatorsv1alpha1.ClusterServiceVersion{}
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ownNamespace, Name: csvName(currentVersion)}, copied)).To(Succeed())
			g.Expect(copied.Status.Reason).To(Equal(operatorsv1alpha1.CSVReasonCopied))
		}).Should(Succeed(), "OLM copies an AllNamespaces CSV into every namespace")

		By("the set left by the uninstalled operator is served again: a scale-up by one, the others untouched")
		kept := podStates(ownNamespace, setName)
		scaleBy(ownNamespace, 1)
		after := podStates(ownNamespace, setName)
		for ord, state := range kept {
			Expect(after[ord]).To(Equal(state), "pod %d", ord)
		}

		By("a new release in the catalog: the Subscription, now Automatic, upgrades through replaces and skipRange")
		before := podStates(ownNamespace, setName)
		revisions := revisionNames(ownNamespace)
		oldDeployment := operatorDeployment(allNamespaces, currentVersion)
		oldPods := operatorPods(oldDeployment)
		sub := &operatorsv1alpha1.Subscription{}
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: allNamespaces, Name: packageName}, sub)).To(Succeed())
		sub.Spec.InstallPlanApproval = operatorsv1alpha1.ApprovalAutomatic
		Expect(k8s.Update(ctx, sub)).To(Succeed())
		source := &operatorsv1alpha1.CatalogSource{}
		Expect(k8s.Get(ctx, types.NamespacedName{Namespace: olmNamespace, Name: catalogName}, source)).To(Succeed())
		source.Spec.Image = nextCatalog
		Expect(k8s.Update(ctx, source)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: allNamespaces, Name: packageName}, sub)).To(Succeed())
			g.Expect(sub.Status.InstalledCSV).To(Equal(csvName(nextVersion)))
		}, 5*time.Minute).Should(Succeed())
		expectInstalled(allNamespaces, nextVersion)
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Namespace: allNamespaces, Name: csvName(currentVersion)}, &operatorsv1alpha1.ClusterServiceVersion{}))
		}).Should(BeTrue(), "the replaced CSV is gone")
		expectWebhookServed(allNamespaces, nextVersion)
		expectInstalled(allNamespaces, nextVersion)
		deployment := operatorDeployment(allNamespaces, nextVersion)
		for _, p := range operatorPods(deployment) {
			Expect(oldPods).NotTo(HaveKey(p.UID), "an operator pod of the old release is still there")
			Expect(p.Spec.Containers[0].Image).To(Equal(nextOperator))
		}
		Eventually(func(g Gomega) {
			pods := operatorPods(deployment)
			for _, p := range pods {
				log, err := clientset.CoreV1().Pods(allNamespaces).GetLogs(p.Name, &corev1.PodLogOptions{Container: "manager"}).DoRaw(ctx)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(string(log)).To(ContainSubstring(`"version":"v%s+local"`, nextVersion), "the new release's binary runs")
			}
			lease, err := clientset.CoordinationV1().Leases(allNamespaces).Get(ctx, "gamestatefulset-operator.tkex.tencent.com", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			holder, _, _ := strings.Cut(ptr.Deref(lease.Spec.HolderIdentity, ""), "_")
			var names []string
			for _, p := range pods {
				names = append(names, p.Name)
			}
			g.Expect(names).To(ContainElement(holder), "a pod of the new release leads")
		}).Should(Succeed())

		By("no game pod restarted or recreated, no revision added, and the new release serves the set")
		Expect(podStates(ownNamespace, setName)).To(Equal(before))
		Expect(revisionNames(ownNamespace)).To(Equal(revisions))
		scaleBy(ownNamespace, 1)
		Expect(revisionNames(ownNamespace)).To(Equal(revisions))
		expectNoForbidden(deployment)
	})

	It("is uninstalled from all namespaces, and the game servers keep running", func() {
		before := podStates(ownNamespace, setName)
		uninstall(allNamespaces, nextVersion)
		Consistently(func() map[int32]string { return podStates(ownNamespace, setName) }, 5*time.Second).Should(Equal(before))
		deleteNamespace(ownNamespace)
	})
})

// removeInstalls leaves no install of an earlier or failed run: the own namespace gone, and no Subscription or
// CSV of the package in the all-namespaces group.
func removeInstalls() {
	ExpectWithOffset(1, client.IgnoreNotFound(k8s.Delete(ctx, &operatorsv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Name: packageName, Namespace: allNamespaces}}))).To(Succeed())
	var csvs operatorsv1alpha1.ClusterServiceVersionList
	ExpectWithOffset(1, k8s.List(ctx, &csvs, client.InNamespace(allNamespaces))).To(Succeed())
	for i := range csvs.Items {
		if strings.HasPrefix(csvs.Items[i].Name, packageName+".") {
			ExpectWithOffset(1, client.IgnoreNotFound(k8s.Delete(ctx, &csvs.Items[i]))).To(Succeed())
		}
	}
	deleteNamespace(ownNamespace)
	EventuallyWithOffset(1, func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, types.NamespacedName{Name: ownNamespace}, &corev1.Namespace{}))
	}).Should(BeTrue(), "namespace %s of an earlier run is gone", ownNamespace)
}

func subscribe(ns string, approval operatorsv1alpha1.Approval) {
	createOrUpdate(&operatorsv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: packageName, Namespace: ns},
		Spec: &operatorsv1alpha1.SubscriptionSpec{
			CatalogSource: catalogName, CatalogSourceNamespace: olmNamespace, Package: packageName,
			Channel: bundleDefaultChannel(), InstallPlanApproval: approval, StartingCSV: csvName(currentVersion),
		},
	})
}

// pendingInstallPlan is the Subscription's InstallPlan, waiting for approval.
func pendingInstallPlan(ns string) *operatorsv1alpha1.InstallPlan {
	plan := &operatorsv1alpha1.InstallPlan{}
	EventuallyWithOffset(1, func(g Gomega) {
		sub := &operatorsv1alpha1.Subscription{}
		g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: packageName}, sub)).To(Succeed())
		g.Expect(sub.Status.InstallPlanRef).NotTo(BeNil(), "conditions: %+v", sub.Status.Conditions)
		g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: sub.Status.InstallPlanRef.Name}, plan)).To(Succeed())
		g.Expect(plan.Status.Phase).To(Equal(operatorsv1alpha1.InstallPlanPhaseRequiresApproval))
		g.Expect(plan.Spec.Approved).To(BeFalse())
	}).Should(Succeed())
	return plan
}

func approve(plan *operatorsv1alpha1.InstallPlan) {
	patch := client.MergeFrom(plan.DeepCopy())
	plan.Spec.Approved = true
	ExpectWithOffset(1, k8s.Patch(ctx, plan, patch)).To(Succeed())
	EventuallyWithOffset(1, func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(plan), plan)).To(Succeed())
		g.Expect(plan.Status.Phase).To(Equal(operatorsv1alpha1.InstallPlanPhaseComplete), "conditions: %+v", plan.Status.Conditions)
	}, 5*time.Minute).Should(Succeed())
}

// expectInstalled waits for the CSV of version to succeed in ns and for its deployment to be ready and elected.
func expectInstalled(ns, version string) {
	EventuallyWithOffset(1, func(g Gomega) {
		csv := &operatorsv1alpha1.ClusterServiceVersion{}
		g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: csvName(version)}, csv)).To(Succeed())
		g.Expect(csv.Status.Phase).To(Equal(operatorsv1alpha1.CSVPhaseSucceeded), "%s: %s", csv.Status.Reason, csv.Status.Message)
	}, 5*time.Minute).Should(Succeed())
	deployment := operatorDeployment(ns, version)
	EventuallyWithOffset(1, func(g Gomega) { expectDeploymentReady(g, deployment) }).Should(Succeed())
	EventuallyWithOffset(1, func(g Gomega) {
		lease, err := clientset.CoordinationV1().Leases(ns).Get(ctx, "gamestatefulset-operator.tkex.tencent.com", metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ptr.Deref(lease.Spec.HolderIdentity, "")).NotTo(BeEmpty())
	}).Should(Succeed())
}

// expectMonitoringInstalled checks that OLM created the bundle's ServiceMonitor, alerts and dashboard with the
// operator (the cluster has the Prometheus Operator's CRDs: hack/deploy-local.sh installs them).
func expectMonitoringInstalled(ns string) {
	By("OLM created the bundle's ServiceMonitor, PrometheusRule and dashboard ConfigMap")
	for _, o := range []struct{ group, kind, name string }{
		{"monitoring.coreos.com", "ServiceMonitor", "gamestatefulset-controller-manager-metrics-monitor"},
		{"monitoring.coreos.com", "PrometheusRule", "gamestatefulset-alerts"},
		{"", "ConfigMap", "gamestatefulset-dashboard"},
	} {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(schema.GroupVersionKind{Group: o.group, Version: "v1", Kind: o.kind})
		EventuallyWithOffset(1, func() error {
			return k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: o.name}, u)
		}).Should(Succeed(), "%s %s/%s", o.kind, ns, o.name)
	}
}

// operatorDeployment is the deployment the CSV of version names, as it is now.
func operatorDeployment(ns, version string) *appsv1.Deployment {
	csv := &operatorsv1alpha1.ClusterServiceVersion{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: csvName(version)}, csv)).To(Succeed())
	deployment := &appsv1.Deployment{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Name}, deployment)).To(Succeed())
	return deployment
}

// expectWebhookServed checks the webhook OLM made from the CSV's webhookdefinitions: once what OLM made for it
// agrees (expectServingSettled), a bad set is refused with the operator's own message.
func expectWebhookServed(ns, version string) {
	EventuallyWithOffset(1, func(g Gomega) { expectServingSettled(g, ns, version) }).Should(Succeed())
	bad := gameSet(ns, "bad", 1)
	bad.Spec.Template.Labels = map[string]string{"app": "elsewhere"}
	// the API server reaches the webhook once kube-proxy has its endpoints; only the webhook's answer ends this
	EventuallyWithOffset(1, func() string {
		if err := k8s.Create(ctx, bad.DeepCopy()); err != nil {
			return err.Error()
		}
		return "admitted"
	}).Should(ContainSubstring(`spec.selector: Invalid value: "app=bad": does not match spec.template.metadata.labels`))
}

// expectServingSettled: the serving certificate OLM generated, its CA in every webhook configuration and the
// operator pods agree, and nothing is about to replace them.
//   - The Secret is owned by the CSV of version. OLM v0.42.0 reuses the Secret of the CSV an upgrade replaces
//     without adding the new CSV as an owner, so the garbage collector deletes it with the old CSV; OLM then
//     reinstalls with a new CA and rolls the Deployment again, and until that is over the webhook configuration
//     and the serving pods disagree (x509: certificate signed by unknown authority).
//   - The webhook configurations carry the CA that signed the Secret's certificate.
//   - The Deployment's pods are of that CA (OLM stamps its hash, olmcahash, on the Secret and the pod template)
//     and rolled out.
func expectServingSettled(g Gomega, ns, version string) {
	csv := &operatorsv1alpha1.ClusterServiceVersion{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: csvName(version)}, csv)).To(Succeed())
	var configs admissionregistrationv1.ValidatingWebhookConfigurationList
	g.Expect(k8s.List(ctx, &configs, client.MatchingLabels{"olm.owner.namespace": ns})).To(Succeed())
	g.Expect(configs.Items).NotTo(BeEmpty(), "one configuration per webhook definition of the CSV")
	caBundle := configs.Items[0].Webhooks[0].ClientConfig.CABundle
	for _, config := range configs.Items {
		for _, webhook := range config.Webhooks {
			g.Expect(webhook.ClientConfig.CABundle).To(Equal(caBundle), "OLM injects its CA into %s", webhook.Name)
		}
	}
	roots := x509.NewCertPool()
	g.Expect(roots.AppendCertsFromPEM(caBundle)).To(BeTrue(), "a CA in the webhook configuration")

	deployment := operatorDeployment(ns, version)
	secret := &corev1.Secret{}
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: deployment.Name + "-service-cert"}, secret)).To(Succeed())
	g.Expect(secret.OwnerReferences).To(ContainElement(HaveField("UID", csv.UID)), "the serving Secret is owned by %s", csv.Name)
	block, _ := pem.Decode(secret.Data["tls.crt"])
	g.Expect(block).NotTo(BeNil(), "a serving certificate in %s", secret.Name)
	cert, err := x509.ParseCertificate(block.Bytes)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = cert.Verify(x509.VerifyOptions{Roots: roots})
	g.Expect(err).NotTo(HaveOccurred(), "the serving certificate is signed by the CA in the webhook configuration")

	caHash := secret.Annotations["olmcahash"]
	g.Expect(caHash).NotTo(BeEmpty())
	g.Expect(deployment.Spec.Template.Annotations).To(HaveKeyWithValue("olmcahash", caHash), "the Deployment runs pods of this CA")
	expectDeploymentReady(g, deployment)
}

func uninstall(ns, version string) {
	deployment := operatorDeployment(ns, version)
	ExpectWithOffset(1, k8s.Delete(ctx, &operatorsv1alpha1.Subscription{ObjectMeta: metav1.ObjectMeta{Name: packageName, Namespace: ns}})).To(Succeed())
	ExpectWithOffset(1, k8s.Delete(ctx, &operatorsv1alpha1.ClusterServiceVersion{ObjectMeta: metav1.ObjectMeta{Name: csvName(version), Namespace: ns}})).To(Succeed())
	EventuallyWithOffset(1, func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment))
	}).Should(BeTrue(), "OLM removes the operator's deployment with its CSV")
	EventuallyWithOffset(1, func() map[types.UID]corev1.Pod { return operatorPods(deployment) }).Should(BeEmpty())
}

func scaleBy(ns string, delta int32) {
	set := getSet(ns, setName)
	set.Spec.Replicas = ptr.To(*set.Spec.Replicas + delta)
	ExpectWithOffset(1, k8s.Update(ctx, set)).To(Succeed())
	eventuallyReady(ns, setName, *set.Spec.Replicas)
}

// expectNoForbidden: the operator never met a permission it lacks under the RBAC OLM made from the CSV.
func expectNoForbidden(deployment *appsv1.Deployment) {
	EventuallyWithOffset(1, func(g Gomega) {
		// after a rollout settles: a pod still starting or going has no log to read
		expectDeploymentReady(g, deployment)
		for _, pod := range operatorPods(deployment) {
			log, err := clientset.CoreV1().Pods(deployment.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "manager"}).DoRaw(ctx)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(string(log)).NotTo(ContainSubstring("forbidden"), "operator pod %s", pod.Name)
		}
	}).Should(Succeed())
}

var packageManifestGVK = schema.GroupVersionKind{Group: "packages.operators.coreos.com", Version: "v1", Kind: "PackageManifest"}

// packageChannels are the channels and the default channel packageserver reports for the package.
func packageChannels(g Gomega) ([]string, string) {
	manifest := &unstructured.Unstructured{}
	manifest.SetGroupVersionKind(packageManifestGVK)
	g.Expect(k8s.Get(ctx, types.NamespacedName{Namespace: olmNamespace, Name: packageName}, manifest)).To(Succeed())
	channels, _, err := unstructured.NestedSlice(manifest.Object, "status", "channels")
	g.Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, c := range channels {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	defaultChannel, _, _ := unstructured.NestedString(manifest.Object, "status", "defaultChannel")
	return names, defaultChannel
}
