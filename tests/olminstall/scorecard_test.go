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
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	scorecard "github.com/operator-framework/api/pkg/apis/scorecard/v1alpha3"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// scorecardTests are the tests of suite in the bundle's scorecard configuration.
func scorecardTests(suite string) []scorecard.TestConfiguration {
	raw, err := os.ReadFile(filepath.Join(bundleDir, "tests", "scorecard", "config.yaml"))
	Expect(err).NotTo(HaveOccurred())
	var config scorecard.Configuration
	Expect(yaml.Unmarshal(raw, &config)).To(Succeed())
	var tests []scorecard.TestConfiguration
	for _, stage := range config.Stages {
		for _, t := range stage.Tests {
			if t.Labels["suite"] == suite {
				tests = append(tests, t)
			}
		}
	}
	return tests
}

// scorecardServiceAccount is the account the custom tests run as, with what docs/olm.md tells users to grant.
func scorecardServiceAccount(ns string) string {
	const name = "gsts-scorecard"
	createOrUpdate(&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}})
	createOrUpdate(&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{"tkex.tencent.com"}, Resources: []string{"gamestatefulsets"}, Verbs: []string{"create", "get", "list", "watch", "delete"}},
		{APIGroups: []string{"tkex.tencent.com"}, Resources: []string{"gamestatefulsets/scale"}, Verbs: []string{"get", "update"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
	}})
	createOrUpdate(&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: name, Namespace: ns}}})
	return name
}

// bundleConfigMap holds the bundle as a gzipped tarball, as scorecard ships it to its test pods.
func bundleConfigMap(ns string) string {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	archive := tar.NewWriter(gz)
	Expect(filepath.WalkDir(bundleDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(bundleDir, path)
		if err != nil {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := archive.WriteHeader(&tar.Header{Name: rel, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		_, err = archive.Write(content)
		return err
	})).To(Succeed())
	Expect(archive.Close()).To(Succeed())
	Expect(gz.Close()).To(Succeed())
	const name = "scorecard-bundle"
	createOrUpdate(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		BinaryData: map[string][]byte{"bundle.tar.gz": buf.Bytes()}})
	return name
}

// runScorecardTest runs one test as scorecard does: a pod whose init container unpacks the bundle into /bundle,
// then the test's entrypoint with SCORECARD_NAMESPACE; the pod's log is the TestStatus.
func runScorecardTest(ns, serviceAccount, bundle string, test scorecard.TestConfiguration) scorecard.TestStatus {
	restricted := &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), RunAsNonRoot: ptr.To(true),
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
	mounts := []corev1.VolumeMount{{Name: "bundle", MountPath: "/bundle"}, {Name: "bundle-tarball", MountPath: "/scorecard-bundle"}}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "scorecard-" + test.Labels["test"] + "-", Namespace: ns},
		Spec: corev1.PodSpec{
			ServiceAccountName: serviceAccount,
			RestartPolicy:      corev1.RestartPolicyNever,
			InitContainers: []corev1.Container{{Name: "untar", Image: scorecardImage, ImagePullPolicy: corev1.PullNever,
				Command:      []string{test.Entrypoint[0], "untar", "/scorecard-bundle/bundle.tar.gz", "/bundle"},
				VolumeMounts: mounts, SecurityContext: restricted}},
			Containers: []corev1.Container{{Name: "test", Image: scorecardImage, ImagePullPolicy: corev1.PullNever,
				Command: test.Entrypoint, VolumeMounts: mounts, SecurityContext: restricted,
				Env: []corev1.EnvVar{{Name: "SCORECARD_NAMESPACE", Value: ns}}}},
			Volumes: []corev1.Volume{
				{Name: "bundle", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "bundle-tarball", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
					LocalObjectReference: corev1.LocalObjectReference{Name: bundle}}}},
			},
		},
	}
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod)).To(Succeed())
		g.Expect(pod.Status.Phase).To(BeElementOf(corev1.PodSucceeded, corev1.PodFailed))
	}).Should(Succeed(), "scorecard test %s finishes", test.Labels["test"])
	log, err := clientset.CoreV1().Pods(ns).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "test"}).DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred())
	GinkgoWriter.Printf("scorecard %s:\n%s\n", test.Labels["test"], log)
	var status scorecard.TestStatus
	Expect(json.Unmarshal(log, &status)).To(Succeed(), "the test prints a TestStatus: %s", log)
	return status
}
