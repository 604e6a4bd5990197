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

// Command trimcrd removes the descriptions that controller-gen copies from the embedded Kubernetes types (the
// pod template and the claim templates) out of a CRD file. They are documented by `kubectl explain pod.spec`
// already, and without them the CRD stays well below the size limits of client-side `kubectl apply` (256 KiB of
// annotations) and of an OLM bundle, while our own fields keep their documentation.
//
// It also relaxes status.conditions to what the StatefulSet's and the upstream GameStatefulSet's condition types
// require, type and status only: other clients (the upstream operator before a migration, tools and tests written
// for StatefulSets) write conditions without a reason, message or transition time through the status
// subresource, and the API server would refuse them under metav1.Condition's schema. The operator itself keeps
// writing every field.
//
// usage: trimcrd FILE...
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

var embeddedFields = []string{"template", "volumeClaimTemplates"}

func main() {
	for _, path := range os.Args[1:] {
		if err := trim(path); err != nil {
			fmt.Fprintf(os.Stderr, "trimcrd: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func trim(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var crd map[string]any
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return err
	}
	versions, _ := dig(crd, "spec", "versions").([]any)
	for _, v := range versions {
		specProps, _ := dig(v, "schema", "openAPIV3Schema", "properties", "spec", "properties").(map[string]any)
		relaxConditions(dig(v, "schema", "openAPIV3Schema", "properties", "status", "properties", "conditions", "items"))
		for _, field := range embeddedFields {
			if schema, ok := specProps[field].(map[string]any); ok {
				description := schema["description"]
				stripDescriptions(schema)
				if description != nil {
					schema["description"] = description
				}
			}
		}
	}
	out, err := yaml.Marshal(crd)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte("---\n"), out...), 0o644)
}

func dig(node any, keys ...string) any {
	for _, k := range keys {
		m, ok := node.(map[string]any)
		if !ok {
			return nil
		}
		node = m[k]
	}
	return node
}

func relaxConditions(node any) {
	items, ok := node.(map[string]any)
	if !ok {
		return
	}
	items["required"] = []any{"type", "status"}
	if reason, ok := dig(items, "properties", "reason").(map[string]any); ok {
		delete(reason, "minLength")
		delete(reason, "pattern")
	}
}

func stripDescriptions(node any) {
	switch n := node.(type) {
	case map[string]any:
		delete(n, "description")
		for k, v := range n {
			if k == "properties" {
				// property names may be "description" themselves: only strip inside their schemas
				if props, ok := v.(map[string]any); ok {
					for _, schema := range props {
						stripDescriptions(schema)
					}
				}
				continue
			}
			stripDescriptions(v)
		}
	case []any:
		for _, v := range n {
			stripDescriptions(v)
		}
	}
}
