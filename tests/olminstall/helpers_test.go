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
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

// ensureNamespace creates ns, waiting first for a namespace of that name left by an earlier run to go.
func ensureNamespace(name string) {
	EventuallyWithOffset(1, func(g Gomega) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		err := k8s.Get(ctx, client.ObjectKeyFromObject(ns), ns)
		if apierrors.IsNotFound(err) {
			err = k8s.Create(ctx, ns)
		}
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ns.Status.Phase).NotTo(Equal(corev1.NamespaceTerminating), "namespace %s from an earlier run is going", name)
	}).Should(Succeed())
}

func deleteNamespace(name string) {
	ExpectWithOffset(1, client.IgnoreNotFound(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}))).To(Succeed())
}

func createOrUpdate(o client.Object) {
	err := k8s.Create(ctx, o)
	if apierrors.IsAlreadyExists(err) {
		current := o.DeepCopyObject().(client.Object)
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), current)).To(Succeed())
		o.SetResourceVersion(current.GetResourceVersion())
		err = k8s.Update(ctx, o)
	}
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "%T %s", o, o.GetName())
}

// kubectl runs the kubectl of the cluster's version, as a user types it, and returns its output.
func kubectl(args ...string) string {
	cmd := exec.Command(envOr("KUBECTL", "kubectl"), args...)
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "kubectl %s:\n%s", strings.Join(args, " "), out)
	GinkgoWriter.Printf("$ kubectl %s\n%s", strings.Join(args, " "), out)
	return string(out)
}

// operatorPods are the running pods of a deployment of the operator, by UID.
func operatorPods(deployment *appsv1.Deployment) map[types.UID]corev1.Pod {
	var pods corev1.PodList
	ExpectWithOffset(1, k8s.List(ctx, &pods, client.InNamespace(deployment.Namespace),
		client.MatchingLabels(deployment.Spec.Selector.MatchLabels))).To(Succeed())
	out := map[types.UID]corev1.Pod{}
	for _, p := range pods.Items {
		if p.DeletionTimestamp == nil {
			out[p.UID] = p
		}
	}
	return out
}

func expectDeploymentReady(g Gomega, deployment *appsv1.Deployment) {
	g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(deployment), deployment)).To(Succeed())
	g.Expect(deployment.Status.ObservedGeneration).To(Equal(deployment.Generation))
	g.Expect(deployment.Status.UpdatedReplicas).To(Equal(*deployment.Spec.Replicas))
	g.Expect(deployment.Status.AvailableReplicas).To(Equal(*deployment.Spec.Replicas))
	g.Expect(deployment.Status.Replicas).To(Equal(*deployment.Spec.Replicas))
}

// podStates are what a restart or a recreation changes: the UID and the restart count, per ordinal.
func podStates(ns, name string) map[int32]string {
	out := map[int32]string{}
	for ord, pod := range podsOf(ns, name) {
		var restarts int32
		for _, c := range pod.Status.ContainerStatuses {
			restarts += c.RestartCount
		}
		out[ord] = fmt.Sprintf("%s restarts=%d ready=%v", pod.UID, restarts, framework.IsReady(pod))
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

// dump prints the operator pods of operatorNamespace with their logs, and the namespaces' sets, pods and events.
func dump(operatorNamespace string, namespaces ...string) {
	var pods corev1.PodList
	if err := k8s.List(ctx, &pods, client.InNamespace(operatorNamespace)); err == nil {
		for _, p := range pods.Items {
			container := p.Spec.Containers[0].Name
			log, _ := clientset.CoreV1().Pods(operatorNamespace).GetLogs(p.Name, &corev1.PodLogOptions{Container: container, TailLines: ptr.To[int64](80)}).DoRaw(ctx)
			GinkgoWriter.Printf("--- pod %s/%s (%s)\n%s\n", operatorNamespace, p.Name, p.Status.Phase, log)
		}
	}
	for _, ns := range namespaces {
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

// kubectlQuiet is kubectl for diagnostics: its error is part of what it prints.
func kubectlQuiet(args ...string) string {
	out, err := exec.Command(envOr("KUBECTL", "kubectl"), args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// bundleDefaultChannel is the default channel the bundle's metadata names.
func bundleDefaultChannel() string {
	raw, err := os.ReadFile(filepath.Join(bundleDir, "metadata", "annotations.yaml"))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var metadata struct {
		Annotations map[string]string `json:"annotations"`
	}
	ExpectWithOffset(1, yaml.Unmarshal(raw, &metadata)).To(Succeed())
	channel := metadata.Annotations["operators.operatorframework.io.bundle.channel.default.v1"]
	ExpectWithOffset(1, channel).NotTo(BeEmpty())
	return channel
}
