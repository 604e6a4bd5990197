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
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	scorecard "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

const (
	operatorNamespace = "gsts-olm-operator"
	targetA           = "gsts-olm-a"
	targetB           = "gsts-olm-b"
	outside           = "gsts-olm-outside"
	setName           = "game"
)

// A MultiNamespace install (the OperatorGroup targets two namespaces, the operator runs in a third): the hardest
// install mode, since the operator must watch exactly the namespaces OLM hands it with only the CSV's rules.
var _ = Describe("the bundle installed as OLM installs it", Ordered, func() {
	var in *installation
	var b bundle

	BeforeAll(func() {
		b = readBundle(bundleDir)
		in = install(b, operatorNamespace, []string{targetA, targetB})
		ensureNamespace(outside)
		DeferCleanup(func() {
			in.uninstall()
			Expect(client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: outside}}))).To(Succeed())
		})
	})

	AfterEach(func() {
		if CurrentSpecReport().Failed() {
			dumpOperator()
		}
	})

	It("runs the CSV's deployment, which elects a leader", func() {
		deployment := operatorDeployment(b)
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
			g.Expect(deployment.Status.ObservedGeneration).To(Equal(deployment.Generation))
			g.Expect(deployment.Status.UpdatedReplicas).To(Equal(*deployment.Spec.Replicas))
			g.Expect(deployment.Status.AvailableReplicas).To(Equal(*deployment.Spec.Replicas))
		}).Should(Succeed())
		Eventually(func(g Gomega) {
			lease, err := clientset.CoordinationV1().Leases(operatorNamespace).Get(ctx, "gamestatefulset-operator.tkex.tencent.com", metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ptr.Deref(lease.Spec.HolderIdentity, "")).NotTo(BeEmpty())
		}).Should(Succeed())
	})

	It("refuses a bad GameStatefulSet at admission in its target namespaces, through the webhook OLM wires", func() {
		bad := gameSet(targetA, "bad", 1)
		bad.Spec.Template.Labels = map[string]string{"app": "elsewhere"}
		// pods just Available are reached through the webhook Service once kube-proxy has their endpoints; until
		// then the API server's call is refused (failurePolicy Fail), so only the webhook's own answer ends this
		Eventually(func() string {
			if err := k8s.Create(ctx, bad.DeepCopy()); err != nil {
				return err.Error()
			}
			return "admitted"
		}).Should(ContainSubstring(`spec.selector: Invalid value: "app=bad": does not match spec.template.metadata.labels`))
	})

	It("scales a GameStatefulSet of a target namespace through the scale subresource, and updates it in place", func() {
		Expect(k8s.Create(ctx, gameSet(targetA, setName, 3))).To(Succeed())
		eventuallyReady(targetA, setName, 3)

		set := getSet(targetA, setName)
		scale := &autoscalingv1.Scale{}
		Expect(k8s.SubResource("scale").Get(ctx, set, scale)).To(Succeed())
		scale.Spec.Replicas = 4
		Expect(k8s.SubResource("scale").Update(ctx, set, client.WithSubResourceBody(scale))).To(Succeed())
		eventuallyReady(targetA, setName, 4)
		before := podsOf(targetA, setName)

		By("an image change: every container restarted in place, no pod recreated")
		set = getSet(targetA, setName)
		set.Spec.Template.Spec.Containers[0].Image = gameImage + ":v2"
		Expect(k8s.Update(ctx, set)).To(Succeed())
		Eventually(func(g Gomega) {
			current := getSet(targetA, setName)
			g.Expect(current.Status.ObservedGeneration).To(Equal(current.Generation))
			g.Expect(framework.StatusCounts(current)).To(Equal([4]int32{4, 4, 4, 4}))
			g.Expect(current.Status.CurrentRevision).To(Equal(current.Status.UpdateRevision))
		}).Should(Succeed())
		for ord, pod := range podsOf(targetA, setName) {
			Expect(pod.UID).To(Equal(before[ord].UID), "pod %d kept", ord)
			Expect(pod.Status.ContainerStatuses[0].RestartCount).To(Equal(int32(1)), "pod %d restarted once", ord)
		}

		By("a resources change: resized through pods/resize, no restart")
		set = getSet(targetA, setName)
		set.Spec.Template.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("20m")
		Expect(k8s.Update(ctx, set)).To(Succeed())
		Eventually(func(g Gomega) {
			for ord, pod := range podsOf(targetA, setName) {
				g.Expect(pod.UID).To(Equal(before[ord].UID))
				g.Expect(pod.Spec.Containers[0].Resources.Requests.Cpu().String()).To(Equal("20m"))
				g.Expect(pod.Status.ContainerStatuses[0].RestartCount).To(Equal(int32(1)))
			}
			current := getSet(targetA, setName)
			g.Expect(current.Status.ObservedGeneration).To(Equal(current.Generation))
			g.Expect(framework.StatusCounts(current)).To(Equal([4]int32{4, 4, 4, 4}))
		}).Should(Succeed())

		By("events a person reads in kubectl describe")
		Eventually(func(g Gomega) []string {
			events, err := clientset.EventsV1().Events(targetA).List(ctx, metav1.ListOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			var reasons []string
			for _, e := range events.Items {
				if e.Regarding.Kind == "GameStatefulSet" {
					reasons = append(reasons, e.Reason)
				}
			}
			return reasons
		}).Should(ContainElements("SuccessfulCreate", "SuccessfulUpdateInPlace", "SuccessfulResize"))
	})

	It("leaves a GameStatefulSet outside the OperatorGroup's namespaces alone", func() {
		Expect(k8s.Create(ctx, gameSet(outside, setName, 1))).To(Succeed())
		// the set in a target namespace is served meanwhile, so the operator is not merely slow
		set := getSet(targetA, setName)
		set.Spec.Replicas = ptr.To[int32](5)
		Expect(k8s.Update(ctx, set)).To(Succeed())
		eventuallyReady(targetA, setName, 5)
		Consistently(func(g Gomega) {
			g.Expect(getSet(outside, setName).Status.ObservedGeneration).To(BeZero())
			g.Expect(podsOf(outside, setName)).To(BeEmpty())
		}, 5*time.Second).Should(Succeed())
	})

	It("passes this project's scorecard tests, run as scorecard runs them, in the other target namespace", func() {
		tests := scorecardTests("gamestatefulset")
		Expect(tests).NotTo(BeEmpty())
		account := scorecardServiceAccount(targetB)
		bundle := bundleConfigMap(targetB)
		for _, test := range tests {
			status := runScorecardTest(targetB, account, bundle, test)
			Expect(status.Results).NotTo(BeEmpty())
			for _, result := range status.Results {
				Expect(result.State).To(Equal(scorecard.PassState), "%s: %v", result.Name, result.Errors)
			}
		}
	})

	It("upgrades as OLM does, the new CSV's deployment replacing the old, with no managed pod restarted", func() {
		before := podsOf(targetA, setName)
		revisions := revisionNames(targetA)
		deployment := operatorDeployment(b)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
		oldPods := operatorPods(deployment)

		next := b.csv.DeepCopy()
		next.Name = strings.Replace(b.csv.Name, ".v", ".v99.", 1)
		for _, d := range next.Spec.InstallStrategy.StrategySpec.DeploymentSpecs {
			createOrUpdate(in.deployment(d, next.Name))
		}
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
			g.Expect(deployment.Status.ObservedGeneration).To(Equal(deployment.Generation))
			g.Expect(deployment.Status.UpdatedReplicas).To(Equal(*deployment.Spec.Replicas))
			g.Expect(deployment.Status.AvailableReplicas).To(Equal(*deployment.Spec.Replicas))
			g.Expect(deployment.Status.Replicas).To(Equal(*deployment.Spec.Replicas))
			for _, p := range operatorPods(deployment) {
				g.Expect(oldPods).NotTo(HaveKey(p.UID), "an operator pod of the old release is still there")
			}
		}).Should(Succeed())

		By("the new release serves the set: a scale-up by one")
		set := getSet(targetA, setName)
		set.Spec.Replicas = ptr.To(*set.Spec.Replicas + 1)
		Expect(k8s.Update(ctx, set)).To(Succeed())
		eventuallyReady(targetA, setName, *set.Spec.Replicas)
		after := podsOf(targetA, setName)
		for ord, pod := range before {
			Expect(after[ord].UID).To(Equal(pod.UID), "pod %d kept", ord)
			Expect(after[ord].Status.ContainerStatuses[0].RestartCount).To(Equal(pod.Status.ContainerStatuses[0].RestartCount), "pod %d not restarted", ord)
		}
		Expect(revisionNames(targetA)).To(Equal(revisions), "no new revision")
	})

	It("never met a permission it lacks", func() {
		deployment := operatorDeployment(b)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
		for _, pod := range operatorPods(deployment) {
			log, err := clientset.CoreV1().Pods(operatorNamespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "manager"}).DoRaw(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(log)).NotTo(ContainSubstring("forbidden"), "operator pod %s", pod.Name)
		}
	})
})

func operatorDeployment(b bundle) *appsv1.Deployment {
	return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace,
		Name: b.csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Name}}
}

// operatorPods are the running pods of the operator's deployment, by UID.
func operatorPods(deployment *appsv1.Deployment) map[types.UID]corev1.Pod {
	var pods corev1.PodList
	ExpectWithOffset(1, k8s.List(ctx, &pods, client.InNamespace(operatorNamespace),
		client.MatchingLabels(deployment.Spec.Selector.MatchLabels))).To(Succeed())
	out := map[types.UID]corev1.Pod{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.UID] = p
		}
	}
	return out
}

func revisionNames(ns string) []string {
	var revisions appsv1.ControllerRevisionList
	ExpectWithOffset(1, k8s.List(ctx, &revisions, client.InNamespace(ns))).To(Succeed())
	var names []string
	for _, r := range revisions.Items {
		names = append(names, r.Name)
	}
	return names
}

// gameSet is an InplaceUpdate set of the e2e game server at v1, Parallel, with a CPU request so that a resize
// has something to change.
func gameSet(ns, name string, replicas int32) *gstsv1alpha1.GameStatefulSet {
	set := framework.GameServerSet(ns, name, gameImage+":v1", replicas)
	set.Spec.PodManagementPolicy = gstsv1alpha1.ParallelPodManagement
	set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{
		Type:          gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType,
		RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{MaxUnavailable: ptr.To(intstr.FromInt32(2))},
	}
	set.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m")},
	}
	return set
}

func getSet(ns, name string) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{}
	ExpectWithOffset(1, k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, set)).To(Succeed())
	return set
}

func podsOf(ns, name string) map[int32]*corev1.Pod {
	pods, err := framework.PodsOf(ctx, k8s, ns, name)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return pods
}

func eventuallyReady(ns, name string, replicas int32) {
	EventuallyWithOffset(1, func(g Gomega) { framework.ExpectReady(g, getSet(ns, name), replicas) }).Should(Succeed())
}

// dumpOperator prints the operator's pods and logs and the target namespaces' sets, pods and events.
func dumpOperator() {
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace(operatorNamespace)); err == nil {
		for _, p := range pods.Items {
			log, _ := clientset.CoreV1().Pods(operatorNamespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: "manager", TailLines: ptr.To[int64](80)}).DoRaw(ctx)
			GinkgoWriter.Printf("--- operator pod %s (%s)\n%s\n", p.Name, p.Status.Phase, log)
		}
	}
	for _, ns := range []string{targetA, targetB, outside} {
		var sets gstsv1alpha1.GameStatefulSetList
		_ = k8s.List(ctx, &sets, client.InNamespace(ns))
		for _, s := range sets.Items {
			GinkgoWriter.Printf("--- %s/%s status %+v\n", ns, s.Name, s.Status)
		}
		var nsPods corev1.PodList
		_ = k8s.List(ctx, &nsPods, client.InNamespace(ns))
		for _, p := range nsPods.Items {
			GinkgoWriter.Printf("--- pod %s/%s %s ready=%v\n", ns, p.Name, p.Status.Phase, framework.IsReady(&p))
		}
		events, _ := clientset.EventsV1().Events(ns).List(ctx, metav1.ListOptions{})
		for _, e := range events.Items {
			GinkgoWriter.Println(fmt.Sprintf("--- event %s %s %s: %s", e.Regarding.Name, e.Type, e.Reason, e.Note))
		}
	}
}
