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
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// leaseName is the operator's leader election Lease (cmd/main.go).
const leaseName = "gamestatefulset-operator.tkex.tencent.com"

// leaderIdentity is the Lease's holder, "<pod>_<uuid>": the uuid is new with every process.
func leaderIdentity() string {
	lease, err := clientset.CoordinationV1().Leases(operatorNamespace).Get(ctx, leaseName, metav1.GetOptions{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	return ptr.Deref(lease.Spec.HolderIdentity, "")
}

// leader is the operator pod holding the Lease.
func leader() string {
	holder, _, _ := strings.Cut(leaderIdentity(), "_")
	return holder
}

// containerdSocket is the local cluster's containerd (hack/local-cluster.sh), through which a spec can crash a
// container as the kernel's OOM killer would.
var containerdSocket = envOr("GSTS_CONTAINERD_SOCKET", "/run/gsts-cluster/containerd.sock")

// takeover is what the Lease showed after a spec ended the leader.
type takeover struct {
	// after is the time from the end of the leader to another process holding the Lease.
	after time.Duration
	// released tells whether the old holder gave the Lease up (an empty holder) before another took it.
	released bool
}

// killLeader ends the leader and follows the Lease until another process holds it. A crash SIGKILLs the leader's
// container, which then cannot release the Lease, so the others wait for it to expire (15 s); otherwise the
// leader's pod is deleted with a 1 s grace period, short enough to end it in the middle of the update: it releases
// the Lease as it stops. (Not 0: a force-deleted pod's service account token is refused at once, and its Lease
// can then only expire.)
func killLeader(crash bool) takeover {
	leases := clientset.CoordinationV1().Leases(operatorNamespace)
	lease, err := leases.Get(ctx, leaseName, metav1.GetOptions{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	oldIdentity := ptr.Deref(lease.Spec.HolderIdentity, "")
	old, _, _ := strings.Cut(oldIdentity, "_")
	ExpectWithOffset(1, old).NotTo(BeEmpty())
	// every write to the Lease from here on, so that a release followed at once by an acquisition is seen
	w, err := leases.Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + leaseName,
		ResourceVersion: lease.ResourceVersion})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	defer w.Stop()

	pod, err := clientset.CoreV1().Pods(operatorNamespace).Get(ctx, old, metav1.GetOptions{})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	killed := time.Now()
	if crash {
		var containerID string
		for _, c := range pod.Status.ContainerStatuses {
			if c.Name == "manager" {
				_, containerID, _ = strings.Cut(c.ContainerID, "://")
			}
		}
		ExpectWithOffset(1, containerID).NotTo(BeEmpty())
		out, err := exec.Command("ctr", "--address", containerdSocket, "--namespace", "k8s.io", "tasks", "kill",
			"--signal", "SIGKILL", containerID).CombinedOutput()
		ExpectWithOffset(1, err).NotTo(HaveOccurred(), string(out))
	} else {
		ExpectWithOffset(1, clientset.CoreV1().Pods(operatorNamespace).Delete(ctx, old,
			metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](1)})).To(Succeed())
	}

	var result takeover
	// a crashed leader may come back and win again: the holder's identity changes either way
	newIdentity := ""
	timeout := time.After(time.Minute)
	for newIdentity == "" {
		select {
		case ev, open := <-w.ResultChan():
			ExpectWithOffset(1, open).To(BeTrue(), "the watch on the Lease ended")
			l, ok := ev.Object.(*coordinationv1.Lease)
			ExpectWithOffset(1, ok).To(BeTrue(), "watch event %s: %v", ev.Type, ev.Object)
			switch holder := ptr.Deref(l.Spec.HolderIdentity, ""); holder {
			case "":
				result.released = true
			case oldIdentity:
			default:
				newIdentity = holder
			}
		case <-timeout:
			Fail("no other process held the Lease within a minute of ending the leader " + oldIdentity)
		}
	}
	result.after = time.Since(killed)
	GinkgoWriter.Printf("leader %s %s; %s leads after %s (Lease released: %t)\n", old,
		map[bool]string{true: "crashed (SIGKILL)", false: "deleted"}[crash], newIdentity,
		result.after.Round(100*time.Millisecond), result.released)
	return result
}

// expectStandby waits until every replica of the operator is ready, so that a standby is there to take over: a
// replica crashed by an earlier spec may still be restarting, or waiting out the kubelet's back-off.
func expectStandby() {
	Eventually(func(g Gomega) {
		d, err := clientset.AppsV1().Deployments(operatorNamespace).Get(ctx, operatorDeployment, metav1.GetOptions{})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ptr.Deref(d.Spec.Replicas, 1)).To(BeNumerically(">=", 2), "the shipped Deployment runs a standby")
		g.Expect(d.Status.ReadyReplicas).To(Equal(*d.Spec.Replicas))
		g.Expect(d.Status.Replicas).To(Equal(*d.Spec.Replicas), "no replica still terminating")
	}, 3*time.Minute, 500*time.Millisecond).Should(Succeed())
}

// canCrash tells whether this machine runs the cluster's containerd, so that a spec can SIGKILL a container.
func canCrash() bool {
	_, err := os.Stat(containerdSocket)
	_, lookErr := exec.LookPath("ctr")
	return err == nil && lookErr == nil
}

// podHistory follows a set's pods from their watch events: every UID each name had, how often each was deleted,
// the most pods alive at once, and names outside the set's ordinals.
type podHistory struct {
	mu        sync.Mutex
	uids      map[string]map[types.UID]bool
	deletions map[string]int
	alive     map[string]bool
	maxAlive  int
	strangers []string
}

func watchPods(ns, set string, names []string) *podHistory {
	h := &podHistory{uids: map[string]map[types.UID]bool{}, deletions: map[string]int{}, alive: map[string]bool{}}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	w, err := clientset.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: identity.SetNameLabel + "=" + set})
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	go func() {
		defer GinkgoRecover()
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			h.mu.Lock()
			if !known[pod.Name] {
				h.strangers = append(h.strangers, pod.Name)
			}
			if h.uids[pod.Name] == nil {
				h.uids[pod.Name] = map[types.UID]bool{}
			}
			h.uids[pod.Name][pod.UID] = true
			if ev.Type == watch.Deleted {
				h.deletions[pod.Name]++
				delete(h.alive, pod.Name)
			} else {
				h.alive[pod.Name] = true
			}
			h.maxAlive = max(h.maxAlive, len(h.alive))
			h.mu.Unlock()
		}
	}()
	return h
}

func (h *podHistory) counts() (uids map[string]int, deletions map[string]int, maxAlive int, strangers []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	uids = map[string]int{}
	for name, set := range h.uids {
		uids[name] = len(set)
	}
	deletions = map[string]int{}
	for name, n := range h.deletions {
		deletions[name] = n
	}
	return uids, deletions, h.maxAlive, append([]string(nil), h.strangers...)
}

// Leader election: the shipped Deployment runs two replicas; killing the leader in the middle of an update must
// cost the rollout a few seconds and nothing else.
var _ = Describe("High availability", Serial, func() {
	const replicas = 6
	BeforeEach(expectStandby)
	names := func() []string {
		var out []string
		for i := range replicas {
			out = append(out, fmt.Sprintf("%s-%d", name, i))
		}
		return out
	}

	It("finishes a rolling update under the new leader when the leader is killed, recreating each pod once", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, replicas, parallel,
			strategy(gstsv1alpha1.RollingUpdateStatefulSetStrategyType, 0, 2, 0)))).To(Succeed())
		eventuallyReady(ns, name, replicas)
		history := watchPods(ns, name, names())
		mostUnavailable := watchUnavailable(ns, name, replicas)

		patchImage(ns, name, "v2")
		Eventually(func() int32 { return getSet(ns, name).Status.UpdatedReplicas }).Should(BeNumerically(">=", 2))
		// a crash where this machine runs the cluster (the local cluster), a pod deletion elsewhere (kind)
		Expect(killLeader(canCrash()).after).To(BeNumerically("<", 30*time.Second), "the Lease lasts 15 s")
		eventuallyRolledOut(ns, name, replicas)

		uids, deletions, maxAlive, strangers := history.counts()
		Expect(strangers).To(BeEmpty(), "pods outside ordinals 0..5")
		Expect(maxAlive).To(BeNumerically("<=", replicas), "never more pods alive than replicas")
		// across the leader change: the new leader neither repeats the old one's deletions nor adds its own to them
		Expect(mostUnavailable()).To(BeNumerically("<=", 2), "never more than maxUnavailable (2) pods down")
		for _, n := range names() {
			Expect(deletions[n]).To(Equal(1), "pod %s deleted once", n)
			Expect(uids[n]).To(Equal(2), "pod %s: its v1 and its v2 pod, nothing more", n)
		}
	})

	It("finishes an in-place update under the new leader when the leader is killed, restarting each container once", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, replicas, parallel,
			strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 2, 2)))).To(Succeed())
		eventuallyReady(ns, name, replicas)
		before := snapshot(ns, name)
		history := watchPods(ns, name, names())
		mostUnavailable := watchUnavailable(ns, name, replicas)

		patchImage(ns, name, "v2")
		Eventually(func() int32 { return getSet(ns, name).Status.UpdatedReplicas }).Should(BeNumerically(">=", 1))
		ended := killLeader(false)
		Expect(ended.released).To(BeTrue(), "the leader releases the Lease as it stops")
		// released, the Lease is taken at the standby's next retry: 2 s, jittered up to 4.4 s (client-go's factor
		// 1.2); held, it would last 15 s
		Expect(ended.after).To(BeNumerically("<", 10*time.Second))
		eventuallyRolledOut(ns, name, replicas)

		uids, deletions, _, strangers := history.counts()
		Expect(strangers).To(BeEmpty())
		Expect(mostUnavailable()).To(BeNumerically("<=", 2), "never more than maxUnavailable (2) pods out of service")
		for ord, pod := range podsOf(ns, name) {
			Expect(pod.UID).To(Equal(before[ord].UID), "pod %d kept", ord)
			Expect(restarts(pod)).To(Equal(int32(1)), "pod %d restarted once", ord)
			Expect(deletions[pod.Name]).To(BeZero())
			Expect(uids[pod.Name]).To(Equal(1))
		}
	})
})
