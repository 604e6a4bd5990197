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
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/gamestatefulset/gamestatefulset-operator/tests/framework"
)

// The e2e suite's Prometheus: built from source (hack/deploy-local.sh loads its image), configured from the
// ServiceMonitor and PrometheusRule that config/monitoring deployed, as the Prometheus Operator would configure it.
const (
	prometheusNamespace = "gsts-e2e-prometheus"
	prometheusName      = "prometheus"
	// the shipped objects, with config/monitoring's name prefix
	serviceMonitorName = "gamestatefulset-controller-manager-metrics-monitor"
	prometheusRuleName = "gamestatefulset-alerts"
	// scrapes and rule evaluations this often, so that the suite's minutes hold enough samples
	prometheusInterval = "5s"
)

// prometheusImage is the image deploy-local.sh built; empty when the cluster has none (a cluster of yours).
var prometheusImage = os.Getenv("GSTS_E2E_PROMETHEUS_IMAGE")

// deployPrometheus runs Prometheus in its own namespace with a token that may read the operator's metrics and
// discover its endpoints, and returns its API's address.
func deployPrometheus() string {
	objects := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prometheusNamespace}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: prometheusName, Namespace: prometheusNamespace}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-discovery"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"services", "pods", "endpoints"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list", "watch"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-discovery"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "gsts-e2e-prometheus-discovery"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: prometheusName, Namespace: prometheusNamespace}}},
		// the scraper's role that config/rbac ships for the metrics endpoint
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-metrics-reader"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: metricsReaderRole},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: prometheusName, Namespace: prometheusNamespace}}},
	}

	monitor := shipped("ServiceMonitor", serviceMonitorName)
	raw, err := json.Marshal(monitor.Object)
	Expect(err).NotTo(HaveOccurred())
	var sm framework.ServiceMonitor
	Expect(json.Unmarshal(raw, &sm)).To(Succeed())
	config, err := yaml.Marshal(map[string]any{
		"global":         map[string]any{"scrape_interval": prometheusInterval, "evaluation_interval": prometheusInterval},
		"rule_files":     []string{"/etc/prometheus/gamestatefulset.rules.yaml"},
		"scrape_configs": framework.ScrapeConfigs(sm, prometheusInterval),
	})
	Expect(err).NotTo(HaveOccurred())
	ruleYAML, err := yaml.Marshal(shipped("PrometheusRule", prometheusRuleName).Object)
	Expect(err).NotTo(HaveOccurred())
	rules, err := framework.RulesFile(ruleYAML)
	Expect(err).NotTo(HaveOccurred())
	objects = append(objects, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: prometheusName, Namespace: prometheusNamespace},
		Data: map[string]string{"prometheus.yml": string(config), "gamestatefulset.rules.yaml": string(rules)}})
	objects = append(objects, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: prometheusName, Namespace: prometheusNamespace, Labels: map[string]string{"app": prometheusName}},
		Spec: corev1.PodSpec{
			ServiceAccountName: prometheusName,
			Containers: []corev1.Container{{Name: "prometheus", Image: prometheusImage, ImagePullPolicy: corev1.PullNever,
				Args: []string{"--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus",
					"--web.listen-address=:9090", "--storage.tsdb.retention.time=2h"},
				Ports:          []corev1.ContainerPort{{Name: "web", ContainerPort: 9090}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/-/ready", Port: intstr.FromInt32(9090)}}},
				VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: "/etc/prometheus"}, {Name: "data", MountPath: "/prometheus"}}}},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: prometheusName}}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
		},
	})
	for _, o := range objects {
		Expect(k8s.Create(ctx, o)).To(Succeed(), "creating %T %s", o, o.GetName())
	}
	address := ""
	Eventually(func(g Gomega) {
		pod := &corev1.Pod{}
		g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: prometheusNamespace, Name: prometheusName}, pod)).To(Succeed())
		g.Expect(framework.IsReady(pod)).To(BeTrue(), "Prometheus ready")
		address = "http://" + pod.Status.PodIP + ":9090"
	}).Should(Succeed())
	return address
}

// removePrometheus deletes what deployPrometheus made.
func removePrometheus() {
	for _, o := range []client.Object{
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-discovery"}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-metrics-reader"}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "gsts-e2e-prometheus-discovery"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prometheusNamespace}},
	} {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, o))).To(Succeed())
	}
}

// shipped reads one of config/monitoring's objects from the cluster.
func shipped(kind, name string) *unstructured.Unstructured {
	o := &unstructured.Unstructured{}
	o.SetGroupVersionKind(schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: kind})
	ExpectWithOffset(1, k8s.Get(ctx, client.ObjectKey{Namespace: operatorNamespace, Name: name}, o)).To(Succeed(), "the shipped %s %s", kind, name)
	return o
}

// promSample is one series of an API answer: its labels, and its values (one for an instant query).
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`
	Values [][]any           `json:"values"`
}

// promQuery asks Prometheus's HTTP API: /api/v1/query (instant) or, with a start, /api/v1/query_range up to now.
func promQuery(g Gomega, address, expr string, start time.Time) []promSample {
	params := url.Values{"query": {expr}}
	path := "/api/v1/query"
	if !start.IsZero() {
		path = "/api/v1/query_range"
		params.Set("start", fmt.Sprint(start.Unix()))
		params.Set("end", fmt.Sprint(time.Now().Unix()))
		params.Set("step", "15")
	}
	var answer struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
	}
	promGet(g, address+path+"?"+params.Encode(), &answer)
	g.Expect(answer.Status).To(Equal("success"), "%s: %s", expr, answer.Error)
	return answer.Data.Result
}

// promAlert is an alert as /api/v1/alerts lists it.
type promAlert struct {
	Labels map[string]string `json:"labels"`
	State  string            `json:"state"`
}

func promAlerts(g Gomega, address string) []promAlert {
	var answer struct {
		Data struct {
			Alerts []promAlert `json:"alerts"`
		} `json:"data"`
	}
	promGet(g, address+"/api/v1/alerts", &answer)
	return answer.Data.Alerts
}

func promGet(g Gomega, address string, into any) {
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(address)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(json.Unmarshal(body, into)).To(Succeed(), string(body))
}
