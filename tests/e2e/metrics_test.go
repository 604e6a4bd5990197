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
	"crypto/tls"
	"io"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// metricsReaderRole is config/rbac's ClusterRole for scraping the operator, as deployed with its name prefix.
const metricsReaderRole = "gamestatefulset-metrics-reader"

var _ = Describe("Metrics", func() {
	It("serves the operator's and controller-runtime's metrics over HTTPS to a scraper allowed to read them, and to no one else", func() {
		ns := newNamespace()
		Expect(k8s.Create(ctx, gameSet(ns, name, 2, parallel))).To(Succeed())
		eventuallyReady(ns, name, 2)

		tokenOf := func(account string) string {
			Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: account, Namespace: ns}})).To(Succeed())
			request, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, account,
				&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptrTo[int64](600)}}, metav1.CreateOptions{})
			Expect(err).NotTo(HaveOccurred())
			return request.Status.Token
		}
		scraper, stranger := tokenOf("scraper"), tokenOf("stranger")
		binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "e2e-metrics-scraper-" + ns},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: metricsReaderRole},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "scraper", Namespace: ns}}}
		Expect(k8s.Create(ctx, binding)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(k8s.Delete(ctx, binding))).To(Succeed()) })

		// the leader reconciles, so it is the replica with the sets' series; pods are reachable from the node
		pod, err := clientset.CoreV1().Pods(operatorNamespace).Get(ctx, leader(), metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		url := "https://" + pod.Status.PodIP + ":8443/metrics"
		// the serving certificate is self-signed unless cert-manager provides one (docs/operations.md)
		httpClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec
		scrape := func(token string) (int, string) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			Expect(err).NotTo(HaveOccurred())
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := httpClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			Expect(err).NotTo(HaveOccurred())
			return resp.StatusCode, string(body)
		}

		code, _ := scrape("")
		Expect(code).To(Equal(http.StatusUnauthorized), "no token")
		code, _ = scrape(stranger)
		Expect(code).To(Equal(http.StatusForbidden), "a token without the metrics-reader role")
		Eventually(func(g Gomega) {
			code, body := scrape(scraper)
			g.Expect(code).To(Equal(http.StatusOK))
			for _, series := range []string{
				`gamestatefulset_replicas{name="` + name + `",namespace="` + ns + `",state="ready"} 2`,
				`gamestatefulset_rollout_progress{name="` + name + `",namespace="` + ns + `"} 1`,
				`controller_runtime_reconcile_total{controller="gamestatefulset",result="success"}`,
				`workqueue_depth{controller="gamestatefulset"`,
				`rest_client_requests_total`,
			} {
				g.Expect(body).To(ContainSubstring(series))
			}
		}).Should(Succeed())
	})
})
