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

package framework

import (
	"fmt"
	"regexp"
	"sort"

	"sigs.k8s.io/yaml"
)

// RulesFile writes the groups of a PrometheusRule as a Prometheus rules file.
func RulesFile(prometheusRule []byte) ([]byte, error) {
	var rule struct {
		Kind string `json:"kind"`
		Spec struct {
			Groups []any `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(prometheusRule, &rule); err != nil {
		return nil, err
	}
	if rule.Kind != "PrometheusRule" || len(rule.Spec.Groups) == 0 {
		return nil, fmt.Errorf("not a PrometheusRule with rule groups (kind %q, %d groups)", rule.Kind, len(rule.Spec.Groups))
	}
	return yaml.Marshal(map[string]any{"groups": rule.Spec.Groups})
}

// ServiceMonitor is the part of a monitoring.coreos.com/v1 ServiceMonitor that a scrape of HTTPS metrics with a
// token uses.
type ServiceMonitor struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Endpoints []struct {
			Port            string `json:"port"`
			Path            string `json:"path"`
			Scheme          string `json:"scheme"`
			Interval        string `json:"interval"`
			HonorLabels     bool   `json:"honorLabels"`
			BearerTokenFile string `json:"bearerTokenFile"`
			TLSConfig       struct {
				InsecureSkipVerify bool   `json:"insecureSkipVerify"`
				ServerName         string `json:"serverName"`
			} `json:"tlsConfig"`
		} `json:"endpoints"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		NamespaceSelector struct {
			MatchNames []string `json:"matchNames"`
		} `json:"namespaceSelector"`
	} `json:"spec"`
}

var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// ScrapeConfigs are the Prometheus scrape configs the Prometheus Operator makes of a ServiceMonitor (one per
// endpoint): EndpointSlice discovery in the monitor's namespace, the Services its selector matches, the endpoint's
// port, scheme, path, token and TLS settings, and the target labels it gives (job is the Service's name).
// defaultInterval applies where the endpoint sets none.
func ScrapeConfigs(m ServiceMonitor, defaultInterval string) []map[string]any {
	namespaces := m.Spec.NamespaceSelector.MatchNames
	if len(namespaces) == 0 {
		namespaces = []string{m.Metadata.Namespace}
	}
	keys := make([]string, 0, len(m.Spec.Selector.MatchLabels))
	for k := range m.Spec.Selector.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var configs []map[string]any
	for i, e := range m.Spec.Endpoints {
		var relabel []map[string]any
		for _, k := range keys {
			relabel = append(relabel, map[string]any{"action": "keep",
				"source_labels": []string{"__meta_kubernetes_service_label_" + invalidLabelChars.ReplaceAllString(k, "_")},
				"regex":         regexp.QuoteMeta(m.Spec.Selector.MatchLabels[k])})
		}
		relabel = append(relabel,
			map[string]any{"action": "keep", "source_labels": []string{"__meta_kubernetes_endpointslice_port_name"}, "regex": regexp.QuoteMeta(e.Port)},
			map[string]any{"source_labels": []string{"__meta_kubernetes_namespace"}, "target_label": "namespace"},
			map[string]any{"source_labels": []string{"__meta_kubernetes_service_name"}, "target_label": "service"},
			map[string]any{"source_labels": []string{"__meta_kubernetes_pod_name"}, "target_label": "pod"},
			map[string]any{"source_labels": []string{"__meta_kubernetes_service_name"}, "target_label": "job"},
			map[string]any{"replacement": e.Port, "target_label": "endpoint"})
		config := map[string]any{
			"job_name":              fmt.Sprintf("serviceMonitor/%s/%s/%d", m.Metadata.Namespace, m.Metadata.Name, i),
			"honor_labels":          e.HonorLabels,
			"kubernetes_sd_configs": []map[string]any{{"role": "endpointslice", "namespaces": map[string]any{"names": namespaces}}},
			"relabel_configs":       relabel,
			"scrape_interval":       defaultInterval,
		}
		if e.Interval != "" {
			config["scrape_interval"] = e.Interval
		}
		if e.Path != "" {
			config["metrics_path"] = e.Path
		}
		if e.Scheme != "" {
			config["scheme"] = e.Scheme
		}
		if e.BearerTokenFile != "" {
			config["authorization"] = map[string]any{"type": "Bearer", "credentials_file": e.BearerTokenFile}
		}
		tls := map[string]any{"insecure_skip_verify": e.TLSConfig.InsecureSkipVerify}
		if e.TLSConfig.ServerName != "" {
			tls["server_name"] = e.TLSConfig.ServerName
		}
		config["tls_config"] = tls
		configs = append(configs, config)
	}
	return configs
}
