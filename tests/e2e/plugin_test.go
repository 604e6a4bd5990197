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
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// pluginDir holds the plugin built for the suite: kubectl finds it on PATH, as after `make plugin` or a krew install.
var pluginDir string

// gsts runs `kubectl <args>` with the plugin on PATH: kubectl's own plugin discovery starts it.
func gsts(args ...string) (string, error) {
	cmd := exec.Command(envOr("KUBECTL", "kubectl"), args...)
	cmd.Env = append(os.Environ(), "PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	GinkgoWriter.Printf("$ kubectl %s\n%s", strings.Join(args, " "), out.String())
	return out.String(), err
}

func imagesOf(ns, name string) map[int32]string {
	out := map[int32]string{}
	for ord, pod := range podsOf(ns, name) {
		out[ord] = image(pod)
	}
	return out
}

var _ = Describe("kubectl gamestatefulset", Ordered, func() {
	var ns string
	BeforeAll(func() {
		pluginDir = GinkgoT().TempDir()
		build := exec.Command("go", "build", "-o", filepath.Join(pluginDir, "kubectl-gamestatefulset"), "./cmd/kubectl-gamestatefulset")
		build.Dir = filepath.Join("..", "..")
		out, err := build.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(os.Symlink("kubectl-gamestatefulset", filepath.Join(pluginDir, "kubectl-gsts"))).To(Succeed())
		listed, err := gsts("plugin", "list")
		Expect(err).NotTo(HaveOccurred(), listed)
		Expect(listed).To(ContainSubstring("kubectl-gamestatefulset"))
		Expect(listed).To(ContainSubstring("kubectl-gsts"))

		ns = newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 4, parallel, strategy(gstsv1alpha1.RollingUpdateStatefulSetStrategyType, 0, 2, 0)))).To(Succeed())
		eventuallyReady(ns, name, 4)
	})

	It("gets and describes the set with the right numbers", func() {
		out, err := gsts("gamestatefulset", "-n", ns, "get", name)
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(2))
		Expect(strings.Fields(lines[0])).To(Equal([]string{"NAME", "REPLICAS", "READY", "CURRENT", "UPDATED", "STRATEGY", "PARTITION", "PAUSED", "STEP", "HELD", "AGE"}))
		Expect(strings.Fields(lines[1])[:10]).To(Equal([]string{name, "4", "4/4", "4", "4", "RollingUpdate", "0", "false", "-", "0"}))
		out, err = gsts("gsts", "-n", ns, "get", "-o", "name")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(Equal("gamestatefulset.tkex.tencent.com/" + name + "\n"))
		out, err = gsts("gsts", "-n", ns, "get", name, "-o", "json")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring(`"kind": "GameStatefulSet"`))

		out, err = gsts("gsts", "-n", ns, "describe", name)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring("Replicas:             4 desired | 4 total | 4 ready | 4 current | 4 updated"))
		for ord, pod := range podsOf(ns, name) {
			Expect(out).To(MatchRegexp(`(?m)^\s+%d\s+%s\s+Running/true\s+\S+ \(update\)\s+%s\s+%s\s+0`, ord, pod.Name, pod.Spec.NodeName, pod.Status.PodIP))
		}
	})

	It("scales, and changes nothing when --current-replicas does not hold", func() {
		out, err := gsts("gsts", "-n", ns, "scale", name, "--replicas=2", "--current-replicas=7")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("expected replicas to be 7, was 4"))
		Expect(*getSet(ns, name).Spec.Replicas).To(Equal(int32(4)))
		_, err = gsts("gsts", "-n", ns, "scale", name, "--replicas=3", "--current-replicas=4")
		Expect(err).NotTo(HaveOccurred())
		eventuallyReady(ns, name, 3)
	})

	It("sets an image and waits for the rollout; times out on an image that never runs", func() {
		_, err := gsts("gsts", "-n", ns, "set", "image", name, "main="+gameImage+":v2")
		Expect(err).NotTo(HaveOccurred())
		out, err := gsts("gsts", "-n", ns, "rollout", "status", name, "--timeout=3m")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("successfully rolled out"))
		Expect(imagesOf(ns, name)).To(HaveEach(gameImage + ":v2"))

		_, err = gsts("gsts", "-n", ns, "set", "image", name, "main="+gameImage+":never-built")
		Expect(err).NotTo(HaveOccurred())
		out, err = gsts("gsts", "-n", ns, "rollout", "status", name, "--timeout=15s")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("timed out after 15s"))
	})

	It("lists the history and undoes to the previous template", func() {
		out, err := gsts("gsts", "-n", ns, "rollout", "history", name)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(ContainSubstring(gameImage + ":v1"))
		Expect(out).To(ContainSubstring(gameImage + ":v2"))
		Expect(out).To(MatchRegexp(`never-built\s+update`))
		_, err = gsts("gsts", "-n", ns, "rollout", "undo", name)
		Expect(err).NotTo(HaveOccurred())
		Expect(getSet(ns, name).Spec.Template.Spec.Containers[0].Image).To(Equal(gameImage + ":v2"))
		out, err = gsts("gsts", "-n", ns, "rollout", "status", name, "--timeout=3m")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(imagesOf(ns, name)).To(HaveEach(gameImage + ":v2"))
	})

	It("sets the partition", func() {
		_, err := gsts("gsts", "-n", ns, "set", "partition", name, "2")
		Expect(err).NotTo(HaveOccurred())
		Expect(getSet(ns, name).Spec.UpdateStrategy.RollingUpdate.Partition.String()).To(Equal("2"))
		out, err := gsts("gsts", "-n", ns, "get", name, "-o", "wide")
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Fields(strings.Split(out, "\n")[1])[6]).To(Equal("2"))
		_, err = gsts("gsts", "-n", ns, "set", "partition", name, "0")
		Expect(err).NotTo(HaveOccurred())
	})

	It("pauses a template change and resumes it", func() {
		_, err := gsts("gsts", "-n", ns, "rollout", "pause", name)
		Expect(err).NotTo(HaveOccurred())
		_, err = gsts("gsts", "-n", ns, "set", "image", name, "main="+gameImage+":v3")
		Expect(err).NotTo(HaveOccurred())
		Consistently(func() map[int32]string { return imagesOf(ns, name) }).WithTimeout(5 * time.Second).Should(HaveEach(gameImage + ":v2"))
		_, err = gsts("gsts", "-n", ns, "rollout", "resume", name)
		Expect(err).NotTo(HaveOccurred())
		out, err := gsts("gsts", "-n", ns, "rollout", "status", name, "--timeout=3m")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(imagesOf(ns, name)).To(HaveEach(gameImage + ":v3"))
	})

	It("restarts every pod, in order, and runs a command by ordinal", func() {
		before := snapshot(ns, name)
		_, err := gsts("gsts", "-n", ns, "rollout", "restart", name)
		Expect(err).NotTo(HaveOccurred())
		out, err := gsts("gsts", "-n", ns, "rollout", "status", name, "--timeout=3m")
		Expect(err).NotTo(HaveOccurred(), out)
		for ord, pod := range podsOf(ns, name) {
			Expect(pod.UID).NotTo(Equal(before[ord].UID), "pod %d restarted", ord)
		}
		out, err = gsts("gsts", "-n", ns, "exec", name, "--ordinal=1", "--", "/app", "version")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("v3\n"))
		out, err = gsts("gsts", "version")
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(HavePrefix("kubectl-gamestatefulset "))
	})
})
