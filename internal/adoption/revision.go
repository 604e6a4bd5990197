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

package adoption

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// Candidate is a revision of the set's history an adopted pod may run.
type Candidate struct {
	Name     string
	Template *corev1.PodTemplateSpec
}

// RevisionOf tells which revision an adopted pod runs: the one its controller-revision-hash label names when the
// history holds it (pods of this operator or of the upstream one), otherwise the first candidate whose template
// the pod runs (pods of a StatefulSet, whose label names the StatefulSet's own revision); "" when it runs none,
// and the update strategy then updates it.
func RevisionOf(set *gstsv1alpha1.GameStatefulSet, pod *corev1.Pod, ordinal int32, candidates []Candidate) string {
	label := identity.Revision(pod)
	for _, c := range candidates {
		if c.Name == label {
			return label
		}
	}
	for _, c := range candidates {
		if c.Template != nil && Runs(pod, identity.NewPod(set, c.Template, c.Name, ordinal).Spec, c.Template) {
			return c.Name
		}
	}
	return ""
}

// Runs tells whether a live pod runs what the spec of a pod made from template (want) describes, with the
// template's labels and annotations. The live pod carries
// what the API server and its admission added (defaults, a service account token volume and its mounts, default
// tolerations, image pull secrets) and what the scheduler and kubelet set, so every field want sets must be equal
// in the pod, and the pod may hold more only in maps (defaults) and in the lists admission extends. Readiness
// gates are left out: they cannot change on a running pod, and an adopted pod keeps the ones it was made with.
func Runs(pod *corev1.Pod, want corev1.PodSpec, template *corev1.PodTemplateSpec) bool {
	if !covers(toJSON(want), toJSON(pod.Spec), "spec") {
		return false
	}
	return subsetOf(template.Labels, pod.Labels) && subsetOf(template.Annotations, pod.Annotations)
}

// ignoredSpecFields are set by the operator on every pod it makes, from the pod's name and the set, or cannot
// change on a running pod.
var ignoredSpecFields = map[string]bool{"readinessGates": true}

// extensibleLists are the lists into which admission adds items of its own: the pod may carry items the
// template lacks, and the template's items are found by name (or, unnamed, by value).
var extensibleLists = map[string]bool{"volumes": true, "volumeMounts": true, "tolerations": true, "imagePullSecrets": true}

func covers(want, have any, key string) bool {
	if have == nil {
		return empty(want)
	}
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if key == "spec" && ignoredSpecFields[k] {
				continue
			}
			if !covers(wv, h[k], k) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok {
			return false
		}
		if extensibleLists[key] {
			for _, wi := range w {
				if !containsItem(h, wi, key) {
					return false
				}
			}
			return true
		}
		if len(w) != len(h) {
			return false
		}
		for i := range w {
			if !covers(w[i], h[i], key) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, have)
	}
}

func containsItem(items []any, want any, key string) bool {
	name, named := nameOf(want)
	for _, item := range items {
		if named {
			if n, ok := nameOf(item); !ok || n != name {
				continue
			}
		}
		if covers(want, item, key) {
			return true
		}
	}
	return false
}

func nameOf(item any) (string, bool) {
	m, ok := item.(map[string]any)
	if !ok {
		return "", false
	}
	name, ok := m["name"].(string)
	return name, ok
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	case bool:
		return !x
	case float64:
		return x == 0
	}
	return false
}

func toJSON(v any) any {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil
	}
	return out
}

func subsetOf(want, have map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}
