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

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// running is what must not change about a game server across a migration.
type running struct {
	uid         types.UID
	containerID string
	restarts    int32
}

// fleet lists the pods of app by name, whoever controls them.
func fleet(ns, app string) map[string]*corev1.Pod {
	var list corev1.PodList
	ExpectWithOffset(1, k8s.List(ctx, &list, client.InNamespace(ns), client.MatchingLabels{"app": app})).To(Succeed())
	pods := map[string]*corev1.Pod{}
	for i := range list.Items {
		pods[list.Items[i].Name] = &list.Items[i]
	}
	return pods
}

func runningFleet(ns, app string, replicas int) map[string]running {
	out := map[string]running{}
	EventuallyWithOffset(1, func(g Gomega) {
		pods := fleet(ns, app)
		g.Expect(pods).To(HaveLen(replicas))
		for name, p := range pods {
			g.Expect(p.Status.ContainerStatuses).To(HaveLen(1))
			cs := p.Status.ContainerStatuses[0]
			g.Expect(cs.Ready).To(BeTrue(), "pod %s ready", name)
			out[name] = running{uid: p.UID, containerID: cs.ContainerID, restarts: cs.RestartCount}
		}
	}).Should(Succeed())
	return out
}

// player is a client connected to one game server: one TCP connection, kept open, on which it asks the server
// for its name and version.
type player struct {
	conn   net.Conn
	reader *bufio.Reader
}

func connect(pod *corev1.Pod) *player {
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(pod.Status.PodIP, "8080"), 5*time.Second)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(conn.Close)
	return &player{conn: conn, reader: bufio.NewReader(conn)}
}

// ask sends a request on the player's connection and returns the answer; it fails when the connection broke.
func (p *player) ask() string {
	ExpectWithOffset(1, p.conn.SetDeadline(time.Now().Add(5*time.Second))).To(Succeed())
	_, err := fmt.Fprint(p.conn, "GET / HTTP/1.1\r\nHost: game\r\n\r\n")
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "the player's connection broke")
	resp, err := http.ReadResponse(p.reader, nil)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), "the player's connection broke")
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return strings.TrimSpace(string(body))
}

// expectUnchanged checks that every game server runs on as it did: same pod, same container, no restart.
func expectUnchanged(ns, app string, before map[string]running) {
	after := runningFleet(ns, app, len(before))
	for name, was := range before {
		ExpectWithOffset(1, after[name]).To(Equal(was), "pod %s was recreated or restarted", name)
	}
}

// expectUpdatedInPlace checks that an image update reached every pod of the set in place: same pod, one restart.
func expectUpdatedInPlace(ns, name, version string, before map[string]running) {
	EventuallyWithOffset(1, func(g Gomega) {
		pods := fleet(ns, name)
		for podName, was := range before {
			p := pods[podName]
			g.Expect(p).NotTo(BeNil())
			g.Expect(p.UID).To(Equal(was.uid), "pod %s recreated", podName)
			g.Expect(image(p)).To(Equal(gameImage + ":" + version))
			g.Expect(restarts(p)).To(Equal(was.restarts + 1))
		}
		set := getSet(ns, name)
		g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(len(before))))
		g.Expect(set.Status.ReadyReplicas).To(Equal(int32(len(before))))
	}).Should(Succeed())
}

func scaleOperator(replicas int32) {
	out, err := kubectl("-n", operatorNamespace, "scale", "deployment/"+operatorDeployment, fmt.Sprintf("--replicas=%d", replicas))
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
	EventuallyWithOffset(1, func(g Gomega) {
		var pods corev1.PodList
		g.Expect(k8s.List(ctx, &pods, client.InNamespace(operatorNamespace), client.MatchingLabels{"control-plane": "controller-manager"})).To(Succeed())
		g.Expect(pods.Items).To(HaveLen(int(replicas)))
		d := &appsv1.Deployment{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: operatorDeployment}, d)).To(Succeed())
		g.Expect(d.Status.AvailableReplicas).To(Equal(replicas))
	}).Should(Succeed())
}

// uninstallOperator stops the operator and removes its validating webhook configuration, as before a first
// install; the function it returns installs them again (once) and waits for the operator.
func uninstallOperator() (reinstall func()) {
	webhook := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	Expect(k8s.Get(ctx, client.ObjectKey{Name: webhookConfiguration}, webhook)).To(Succeed())
	scaleOperator(0)
	noLeader()
	Expect(k8s.Delete(ctx, webhook)).To(Succeed())
	done := false
	return func() {
		if done {
			return
		}
		done = true
		restored := webhook.DeepCopy()
		restored.ObjectMeta = metav1.ObjectMeta{Name: webhook.Name, Labels: webhook.Labels, Annotations: webhook.Annotations}
		Expect(k8s.Create(ctx, restored)).To(Succeed())
		scaleOperator(2)
		webhookAnswers()
	}
}

// noLeader waits until no operator process holds the Lease: a leader that stops releases it, and one that goes
// on renewing it after its pods are gone would reconcile what the spec sets up as the upstream operator's.
func noLeader() {
	EventuallyWithOffset(1, func(g Gomega) {
		lease, err := clientset.CoordinationV1().Leases(operatorNamespace).Get(ctx, leaseName, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		holder := ptr.Deref(lease.Spec.HolderIdentity, "")
		if holder == "" || lease.Spec.RenewTime == nil {
			return
		}
		expiry := lease.Spec.RenewTime.Add(time.Duration(ptr.Deref(lease.Spec.LeaseDurationSeconds, 15)) * time.Second)
		g.Expect(time.Now().After(expiry)).To(BeTrue(), "the Lease is held by %s, renewed at %s", holder, lease.Spec.RenewTime)
	}).Should(Succeed())
}

// webhookAnswers waits until admission reaches the webhook: pods just Available are reached through its Service
// once kube-proxy has their endpoints, and until then the API server's call is refused (failurePolicy Fail), so
// only the webhook's own refusal of a bad set ends the wait. The dry run creates nothing.
func webhookAnswers() {
	bad := gameSet("default", "webhook-probe", 1)
	bad.Spec.Template.Labels = map[string]string{"app": "elsewhere"}
	EventuallyWithOffset(1, func() string {
		if err := k8s.Create(ctx, bad.DeepCopy(), client.DryRunAll); err != nil {
			return err.Error()
		}
		return "admitted"
	}).Should(ContainSubstring("does not match spec.template.metadata.labels"))
}

const webhookConfiguration = "gamestatefulset-validating-webhook-configuration"

var _ = Describe("Migration of running fleets", Serial, func() {
	It("takes over a StatefulSet's pods after kubectl delete --cascade=orphan, with no restart, then updates and scales them", func() {
		ns := newNamespace()
		headlessService(ns, "web")
		template := gameSet(ns, "web", 3).Spec.Template
		sts := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
			Spec: appsv1.StatefulSetSpec{
				Replicas: ptr.To[int32](3), ServiceName: "web", PodManagementPolicy: appsv1.ParallelPodManagement,
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: template,
			},
		}
		Expect(k8s.Create(ctx, sts)).To(Succeed())
		before := runningFleet(ns, "web", 3)
		alice := connect(fleet(ns, "web")["web-0"])
		Expect(alice.ask()).To(Equal("web-0 v1"))

		By("deleting the StatefulSet with --cascade=orphan")
		out, err := kubectl("-n", ns, "delete", "statefulset", "web", "--cascade=orphan", "--wait")
		Expect(err).NotTo(HaveOccurred(), out)
		Eventually(func(g Gomega) {
			for name, p := range fleet(ns, "web") {
				g.Expect(p.OwnerReferences).To(BeEmpty(), "pod %s still owned", name)
			}
		}).Should(Succeed())

		By("creating a GameStatefulSet of the same name, selector, service and template")
		Expect(k8s.Create(ctx, gameSet(ns, "web", 3, parallel,
			strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 1, 0)))).To(Succeed())
		Eventually(func(g Gomega) {
			set := getSet(ns, "web")
			g.Expect(set.Status.ObservedGeneration).To(Equal(set.Generation))
			g.Expect(set.Status.Replicas).To(Equal(int32(3)))
			g.Expect(set.Status.ReadyReplicas).To(Equal(int32(3)))
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(3)), "pods running the template are relabelled, not rolled")
			for name, p := range fleet(ns, "web") {
				g.Expect(metav1.IsControlledBy(p, set)).To(BeTrue(), "pod %s adopted", name)
				g.Expect(identity.Revision(p)).To(Equal(set.Status.UpdateRevision))
			}
		}).Should(Succeed())
		expectUnchanged(ns, "web", before)
		Expect(alice.ask()).To(Equal("web-0 v1"), "the player stays connected through the migration")

		By("updating in place and scaling up under the GameStatefulSet")
		patchImage(ns, "web", "v2")
		expectUpdatedInPlace(ns, "web", "v2", before)
		out, err = kubectl("-n", ns, "scale", "gamestatefulset/web", "--replicas=4")
		Expect(err).NotTo(HaveOccurred(), out)
		eventuallyReady(ns, "web", 4)
		Expect(image(fleet(ns, "web")["web-3"])).To(Equal(gameImage + ":v2"))
	})

	It("takes over the sets, pods and revisions the upstream BCS operator left running, with no restart", func() {
		ns := newNamespace()
		headlessService(ns, "web")
		By("uninstalling the operator and its admission webhook: the upstream operator ran before this one is installed")
		reinstall := uninstallOperator()
		DeferCleanup(reinstall)

		set := gameSet(ns, "web", 3, parallel, strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 1, 0))
		Expect(k8s.Create(ctx, set)).To(Succeed())
		upstreamRevision := upstreamObjects(set)
		before := runningFleet(ns, "web", 3)
		bob := connect(fleet(ns, "web")["web-2"])
		Expect(bob.ask()).To(Equal("web-2 v1"))

		By("installing this operator")
		reinstall()
		Eventually(func(g Gomega) {
			s := getSet(ns, "web")
			g.Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))
			g.Expect(s.Status.ReadyReplicas).To(Equal(int32(3)))
			g.Expect(s.Status.UpdatedReplicas).To(Equal(int32(3)))
			g.Expect(s.Status.UpdateRevision).To(Equal(upstreamRevision), "the upstream revision is the set's, no new one")
			for name, p := range fleet(ns, "web") {
				g.Expect(p.Labels).To(HaveKeyWithValue(identity.SetNameLabel, "web"), "pod %s relabelled", name)
				g.Expect(p.Labels).To(HaveKeyWithValue(identity.StatefulSetPodName, name))
			}
		}).Should(Succeed())
		var revisions appsv1.ControllerRevisionList
		Expect(k8s.List(ctx, &revisions, client.InNamespace(ns))).To(Succeed())
		Expect(revisions.Items).To(HaveLen(1))
		expectUnchanged(ns, "web", before)
		Expect(bob.ask()).To(Equal("web-2 v1"), "the player stays connected through the migration")

		By("updating in place and scaling up under this operator")
		patchImage(ns, "web", "v2")
		expectUpdatedInPlace(ns, "web", "v2", before)
		out, err := kubectl("-n", ns, "scale", "gamestatefulset/web", "--replicas=4")
		Expect(err).NotTo(HaveOccurred(), out)
		eventuallyReady(ns, "web", 4)
	})
})

// upstreamObjects writes what the upstream BCS operator (bcs-gamestatefulset-operator) leaves for a set: a
// ControllerRevision in its format, named <set>-<hash>, labelled with the template's labels and its hash label;
// pods named <set>-<ordinal> with its labels (no StatefulSet labels, no set-name label), its controller
// reference, the InPlaceUpdateReady readiness gate set True; and the status it writes. It returns the revision's
// name.
func upstreamObjects(set *gstsv1alpha1.GameStatefulSet) string {
	template := map[string]any{}
	raw, err := json.Marshal(set.Spec.Template)
	Expect(err).NotTo(HaveOccurred())
	Expect(json.Unmarshal(raw, &template)).To(Succeed())
	template["$patch"] = "replace"
	data, err := json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
	Expect(err).NotTo(HaveOccurred())
	revisionName := set.Name + "-6c8f9d4b7"
	owner := metav1.OwnerReference{APIVersion: gstsv1alpha1.GroupVersion.String(), Kind: "GameStatefulSet", Name: set.Name,
		UID: set.UID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
	Expect(k8s.Create(ctx, &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Namespace: set.Namespace, Name: revisionName, OwnerReferences: []metav1.OwnerReference{owner},
			Labels: map[string]string{"app": set.Name, "controller.kubernetes.io/hash": "6c8f9d4b7"}},
		Data: runtime.RawExtension{Raw: data}, Revision: 1,
	})).To(Succeed())

	for ord := range 3 {
		name := fmt.Sprintf("%s-%d", set.Name, ord)
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: set.Namespace, Name: name, OwnerReferences: []metav1.OwnerReference{owner},
				Labels: map[string]string{"app": set.Name, "controller-revision-hash": revisionName,
					"gamestatefulset.kubernetes.io/pod-name": name, "gamestatefulset.kubernetes.io/pod-ordinal": fmt.Sprint(ord)}},
			Spec: *set.Spec.Template.Spec.DeepCopy(),
		}
		p.Spec.Hostname, p.Spec.Subdomain = name, set.Spec.ServiceName
		p.Spec.ReadinessGates = []corev1.PodReadinessGate{{ConditionType: identity.InPlaceUpdateReady}}
		Expect(k8s.Create(ctx, p)).To(Succeed())
		gate := []byte(fmt.Sprintf(`{"status":{"conditions":[{"type":%q,"status":"True","lastTransitionTime":%q}]}}`,
			identity.InPlaceUpdateReady, time.Now().UTC().Format(time.RFC3339)))
		Eventually(func() error { return k8s.Status().Patch(ctx, p, client.RawPatch(types.StrategicMergePatchType, gate)) }).Should(Succeed())
	}

	Eventually(func() error {
		s := getSet(set.Namespace, set.Name)
		s.Status = gstsv1alpha1.GameStatefulSetStatus{ObservedGeneration: s.Generation, Replicas: 3, CurrentRevision: revisionName,
			UpdateRevision: revisionName, CollisionCount: ptr.To[int32](0),
			Conditions: []metav1.Condition{{Type: "Progressing", Status: metav1.ConditionTrue}}}
		return k8s.Status().Update(ctx, s)
	}).Should(Succeed())
	return revisionName
}
