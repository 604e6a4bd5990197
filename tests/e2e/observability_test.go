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
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/dashboard"
)

// stuckNamespace holds a set whose pod never turns ready, created by process 1 right after Prometheus: its
// progress deadline and its alert's `for` run out while the other specs run, and the Observability spec, run
// last, finds the alert firing instead of waiting for it.
var stuckNamespace string

const stuckSet = "stuck"

func createStuckSet() string {
	name := fmt.Sprintf("e2e-stuck-%d", time.Now().Unix()%100000)
	Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	By("a set whose pod never turns ready, with a 20-second progress deadline, in " + name)
	Expect(k8s.Create(ctx, gameSet(name, stuckSet, 1, func(s *gstsv1alpha1.GameStatefulSet) {
		s.Spec.Template.Spec.Containers[0].Image = gameImage + ":never-built"
		s.Spec.ProgressDeadlineSeconds = ptr.To[int32](20)
	}))).To(Succeed())
	return name
}

var _ = Describe("Observability", SpecPriority(-1), func() {
	It("is scraped as its ServiceMonitor says: an in-place rollout and a stuck one show in the series, and the stuck one fires its alert", func() {
		if prometheusAddress == "" {
			Skip("no Prometheus image for this cluster (GSTS_E2E_PROMETHEUS_IMAGE)")
		}
		ns := newNamespace()
		By("an in-place rollout of two pods")
		Expect(k8s.Create(ctx, gameSet(ns, "inplace", 2, parallel,
			strategy(gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType, 0, 2, 1)))).To(Succeed())
		eventuallyReady(ns, "inplace", 2)
		patchImage(ns, "inplace", "v2")
		Eventually(func(g Gomega) {
			set := getSet(ns, "inplace")
			g.Expect(set.Status.UpdatedReplicas).To(Equal(int32(2)))
			g.Expect(set.Status.CurrentRevision).To(Equal(set.Status.UpdateRevision))
			g.Expect(set.Status.ReadyReplicas).To(Equal(int32(2)))
		}).Should(Succeed())

		By("the stuck set says so where a person looks")
		Eventually(func(g Gomega) {
			c := meta.FindStatusCondition(getSet(stuckNamespace, stuckSet).Status.Conditions, gstsv1alpha1.ConditionProgressing)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Reason).To(Equal("ProgressDeadlineExceeded"), c.Message)
			g.Expect(c.Message).To(ContainSubstring("1 waiting for readiness"))
		}).Should(Succeed())
		out, err := kubectl("-n", stuckNamespace, "describe", "gamestatefulset", stuckSet)
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("ProgressDeadlineExceeded"))

		inplace := `namespace="` + ns + `", name="inplace"`
		stuck := `namespace="` + stuckNamespace + `", name="` + stuckSet + `"`
		By("Prometheus has the series, under the sets' namespace (honorLabels), not the operator's")
		Eventually(func(g Gomega) {
			// summed as a dashboard sums it: a leader that changed in the middle of the rollout (a renewal of the
			// Lease that came too late on a loaded machine) counted part of the pods in its own series
			g.Expect(promValue(g, `sum(gamestatefulset_inplace_update_duration_seconds_count{`+inplace+`})`)).To(Equal(2.0))
			g.Expect(promValue(g, `gamestatefulset_pods_waiting{`+stuck+`, reason="readiness"}`)).To(Equal(1.0))
			g.Expect(promValue(g, `time() - gamestatefulset_oldest_waiting_pod_start_timestamp_seconds{`+stuck+`, reason="readiness"}`)).To(BeNumerically(">", 20))
			g.Expect(promValue(g, `gamestatefulset_rollout_progress_deadline_seconds{`+stuck+`}`)).To(Equal(20.0))
			g.Expect(promValue(g, `gamestatefulset_status_condition{`+stuck+`, type="Progressing", reason="ProgressDeadlineExceeded"}`)).To(Equal(1.0))
		}).Should(Succeed())

		By("the stuck-rollout alert fires for the stuck set, and not for the set that rolled out")
		Eventually(func(g Gomega) {
			var firing []string
			for _, a := range promAlerts(g, prometheusAddress) {
				if a.Labels["alertname"] == "GameStatefulSetRolloutStuck" && a.State == "firing" &&
					(a.Labels["namespace"] == ns || a.Labels["namespace"] == stuckNamespace) {
					firing = append(firing, a.Labels["namespace"]+"/"+a.Labels["name"]+"/"+a.Labels["reason"])
				}
			}
			g.Expect(firing).To(ConsistOf(stuckNamespace + "/" + stuckSet + "/ProgressDeadlineExceeded"))
		}).WithTimeout(4 * time.Minute).WithPolling(2 * time.Second).Should(Succeed())
	})
})

// promValue is the value of an instant query that answers one series.
func promValue(g Gomega, expr string) float64 {
	samples := promQuery(g, prometheusAddress, expr, time.Time{})
	g.Expect(samples).To(HaveLen(1), expr)
	g.Expect(samples[0].Value).To(HaveLen(2), expr)
	v, err := strconv.ParseFloat(samples[0].Value[1].(string), 64)
	g.Expect(err).NotTo(HaveOccurred())
	return v
}

// checkDashboardQueries runs each dashboard panel's queries over the suite's time, as the panel would over its
// range, and fails for a panel none of whose queries found a series: a panel empty by mistake.
func checkDashboardQueries() {
	By("every panel of the dashboard shows series from the suite's run")
	var empty []string
	var rendered []renderedPanel
	for _, p := range dashboard.Panels() {
		found := 0
		rp := renderedPanel{panel: p, series: map[string][]promSample{}}
		for _, q := range p.Queries {
			Eventually(func(g Gomega) {
				rp.series[q.Expr] = promQuery(g, prometheusAddress, dashboard.Resolved(q.Expr, "1m"), suiteStart)
			}).Should(Succeed())
			found += len(rp.series[q.Expr])
		}
		if found == 0 {
			empty = append(empty, p.Row+" / "+p.Title)
		}
		rendered = append(rendered, rp)
		GinkgoWriter.Printf("dashboard panel %s / %s: %d series\n", p.Row, p.Title, found)
	}
	// the screenshots of docs/observability.md: GSTS_E2E_RENDER_DIR=docs/observability make test-e2e
	if dir := os.Getenv("GSTS_E2E_RENDER_DIR"); dir != "" {
		Expect(renderRows(dir, rendered)).To(Succeed())
	}
	if len(empty) > 0 {
		GinkgoWriter.Print(scrapeHistory())
	}
	Expect(empty).To(BeEmpty(), "panels without a series over the suite's run")
}

// scrapeHistory says, for an empty panel, which operator processes Prometheus scraped over the suite and which one
// leads now: most panels are of series only the leader reports.
func scrapeHistory() string {
	var out strings.Builder
	fmt.Fprintf(&out, "the Lease is held by %q\n", leaderIdentity())
	var targets []promSample
	Eventually(func(g Gomega) {
		targets = promQuery(g, prometheusAddress, `up{namespace="`+operatorNamespace+`"}`, suiteStart)
	}).Should(Succeed())
	for _, t := range targets {
		up := 0
		for _, v := range t.Values {
			if v[1] == "1" {
				up++
			}
		}
		first, last := "", ""
		if len(t.Values) > 0 {
			first, last = fmt.Sprint(t.Values[0][0]), fmt.Sprint(t.Values[len(t.Values)-1][0])
		}
		fmt.Fprintf(&out, "target pod %s: up at %d of %d steps, from %s to %s\n", t.Metric["pod"], up, len(t.Values), first, last)
	}
	return out.String()
}
