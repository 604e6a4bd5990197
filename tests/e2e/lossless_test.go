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
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// contentImage is the lossless suite's content container, built by hack/deploy-local.sh in v1 and v2.
var contentImage = envOr("CONTENT_IMAGE", "gsts-e2e/content")

// contentGame is a game server whose content comes from a content container through a shared volume, updated
// losslessly: HotPatchUpdate of the content container, then a reload over HTTP.
func contentGame(ns, name string, replicas int32) *gstsv1alpha1.GameStatefulSet {
	set := gameSet(ns, name, replicas, parallel)
	mount := []corev1.VolumeMount{{Name: "content", MountPath: "/content"}}
	set.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "content", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	game := &set.Spec.Template.Spec.Containers[0]
	game.VolumeMounts = mount
	game.Env = append(game.Env, corev1.EnvVar{Name: "CONTENT_FILE", Value: "/content/version"})
	set.Spec.Template.Spec.Containers = append(set.Spec.Template.Spec.Containers, corev1.Container{Name: "content",
		Image: contentImage + ":v1", ImagePullPolicy: corev1.PullNever, VolumeMounts: mount})
	set.Spec.UpdateStrategy = gstsv1alpha1.GameStatefulSetUpdateStrategy{Type: gstsv1alpha1.HotPatchGameStatefulSetStrategyType,
		RollingUpdate: &gstsv1alpha1.RollingUpdateStatefulSetStrategy{Partition: ptr.To(intstr.FromInt32(1))},
		HotPatchUpdateStrategy: &gstsv1alpha1.HotPatchUpdateStrategy{Containers: []string{"content"},
			Reload: &gstsv1alpha1.ReloadAction{HTTPGet: &gstsv1alpha1.ReloadHTTPGet{Port: 8080, Path: "/reload"}, TimeoutSeconds: 5, Retries: 1}}}
	return set
}

// served asks a pod's game server for one of its pages.
func served(pod *corev1.Pod, path string) (string, error) {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + net.JoinHostPort(pod.Status.PodIP, "8080") + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(body)), err
}

func containerOf(pod *corev1.Pod, name string) corev1.ContainerStatus {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == name {
			return cs
		}
	}
	Fail(fmt.Sprintf("pod %s has no container %s", pod.Name, name))
	return corev1.ContainerStatus{}
}

// readyBlinks follows a pod's Ready condition until stopped and says how long it was not Ready in all.
func readyBlinks(ns, name string) (stop func() (blinks int, notReady time.Duration)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var blinks int
	var total time.Duration
	wg.Add(1)
	go func() {
		defer wg.Done()
		var since time.Time
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			pod := &corev1.Pod{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, pod); err != nil {
				continue
			}
			ready := false
			for _, c := range pod.Status.Conditions {
				if c.Type == corev1.PodReady {
					ready = c.Status == corev1.ConditionTrue
				}
			}
			switch {
			case !ready && since.IsZero():
				since = time.Now()
				blinks++
			case ready && !since.IsZero():
				total += time.Since(since)
				since = time.Time{}
			}
		}
	}()
	return func() (int, time.Duration) {
		close(done)
		wg.Wait()
		return blinks, total
	}
}

var _ = Describe("Lossless update", func() {
	It("updates a game's content without restarting its process, reloads it once, and holds a failed reload", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, contentGame(ns, name, 2))).To(Succeed())
		eventuallyReady(ns, name, 2)
		var before map[int32]*corev1.Pod
		Eventually(func(g Gomega) {
			before = podsOf(ns, name)
			for _, pod := range before {
				g.Expect(served(pod, "/content")).To(Equal("content v1"))
			}
		}).Should(Succeed())
		boot, err := served(before[1], "/boot")
		Expect(err).NotTo(HaveOccurred())
		player := connect(before[1])
		Expect(player.ask()).To(HavePrefix(name + "-1 "))
		gameBefore := containerOf(before[1], "main")

		By("content v2: pod 1 alone, its content container restarted, its game untouched and reloaded once")
		blinks := readyBlinks(ns, before[1].Name)
		jsonPatch(ns, name, `[{"op":"replace","path":"/spec/template/spec/containers/1/image","value":"`+contentImage+`:v2"}]`)
		Eventually(func(g Gomega) {
			set := getSet(ns, name)
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(1)))
			g.Expect(served(podsOf(ns, name)[1], "/content")).To(Equal("content v2"))
			g.Expect(served(podsOf(ns, name)[1], "/reloads")).To(Equal("1"))
		}).Should(Succeed())
		count, notReady := blinks()
		AddReportEntry("lossless update", fmt.Sprintf("pod %s was not Ready %d time(s), %s in all", before[1].Name, count, notReady))
		after := podsOf(ns, name)
		Expect(after[1].UID).To(Equal(before[1].UID))
		Expect(after[1].Status.PodIP).To(Equal(before[1].Status.PodIP))
		game := containerOf(after[1], "main")
		Expect(game.ContainerID).To(Equal(gameBefore.ContainerID), "the game container is the same")
		Expect(game.RestartCount).To(BeZero())
		Expect(game.State.Running.StartedAt).To(Equal(gameBefore.State.Running.StartedAt))
		content := containerOf(after[1], "content")
		Expect(content.RestartCount).To(Equal(int32(1)))
		Expect(content.Image).To(ContainSubstring(":v2"))
		Expect(served(after[1], "/boot")).To(Equal(boot), "the game process did not restart")
		Expect(player.ask()).To(HavePrefix(name+"-1 "), "the player's connection outlived the update")
		Consistently(func() (string, error) { return served(podsOf(ns, name)[1], "/reloads") }, "3s").Should(Equal("1"), "exactly one reload")
		Expect(served(after[0], "/content")).To(Equal("content v1"), "partition 1 leaves pod 0")
		Expect(identity.Revision(after[0])).To(Equal(identity.Revision(before[0])))
		Expect(containerOf(after[0], "content").RestartCount).To(BeZero())

		By("a reload command that fails (exec through the API server) holds pod 0 with a clear condition")
		kubectlPatch(ns, name, `{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0},"hotPatchUpdateStrategy":{"reload":{"httpGet":null,"exec":{"container":"main","command":["/app","fail"]}}}}}}`)
		Eventually(func(g Gomega) {
			set := getSet(ns, name)
			g.Expect(conditionOf(set, gstsv1alpha1.ConditionProgressing)).To(And(HavePrefix("InPlaceUpdateStuck"),
				ContainSubstring(name+"-0: its game did not reload after 2 attempts")))
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(1)))
		}).Should(Succeed())
		out, _ := kubectl("-n", ns, "describe", "gamestatefulset", name)
		Expect(out).To(ContainSubstring("GameReloadFailed"))
		Expect(served(podsOf(ns, name)[0], "/reloads")).To(Equal("0"))

		By("the corrected command, still an exec, reloads pod 0 and the rollout completes")
		kubectlPatch(ns, name, `{"spec":{"updateStrategy":{"hotPatchUpdateStrategy":{"reload":{"exec":{"container":"main","command":["/app","reload"]}}}}}}`)
		Eventually(func(g Gomega) {
			g.Expect(getSet(ns, name).Status.UpdatedReplicas).To(Equal(int32(2)))
			g.Expect(served(podsOf(ns, name)[0], "/reloads")).To(Equal("1"))
		}).Should(Succeed())
		Expect(containerOf(podsOf(ns, name)[0], "main").RestartCount).To(BeZero())

		By("a new image of the game container is refused: nothing recreated, nothing restarted")
		jsonPatch(ns, name, `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"`+gameImage+`:v2"}]`)
		Eventually(func() string { return conditionOf(getSet(ns, name), gstsv1alpha1.ConditionProgressing) }).Should(HavePrefix("HotPatchRefused"))
		Consistently(func(g Gomega) {
			for ordinal, pod := range podsOf(ns, name) {
				g.Expect(pod.UID).To(Equal(before[ordinal].UID))
				g.Expect(containerOf(pod, "main").RestartCount).To(BeZero())
			}
		}, "3s").Should(Succeed())
	})
})

func jsonPatch(ns, name, patch string) {
	out, err := kubectl("-n", ns, "patch", "gamestatefulset", name, "--type=json", "-p", patch)
	ExpectWithOffset(1, err).NotTo(HaveOccurred(), out)
}

func conditionOf(set *gstsv1alpha1.GameStatefulSet, conditionType string) string {
	for _, c := range set.Status.Conditions {
		if c.Type == conditionType {
			return c.Reason + ": " + c.Message
		}
	}
	return ""
}
