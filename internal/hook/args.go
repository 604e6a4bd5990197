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

package hook

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// argPattern is a reference to an argument, `{{ args.PodIP }}` or `{{args.PodIP}}`, as upstream templates write it.
var argPattern = regexp.MustCompile(`\{\{\s*args\.([A-Za-z0-9_.\-]+)\s*\}\}`)

// ResolveArgs gives each of the template's arguments its value: the hook step's, else the operator's (the pod's
// name, namespace and IP), else the template's default. An argument left without a value is an error. Step
// arguments the template does not declare are kept, after the declared ones, for the metrics to use.
func ResolveArgs(declared []gstsv1alpha1.Argument, given []gstsv1alpha1.HookRunArgument, operator map[string]string) ([]gstsv1alpha1.Argument, error) {
	values := map[string]string{}
	known := map[string]bool{}
	var resolved []gstsv1alpha1.Argument
	for _, a := range declared {
		known[a.Name] = true
		if a.Value != nil {
			values[a.Name] = *a.Value
		}
	}
	for name, value := range operator {
		if known[name] {
			values[name] = value
		}
	}
	var extra []string
	for _, a := range given {
		if !known[a.Name] {
			known[a.Name] = true
			extra = append(extra, a.Name)
		}
		values[a.Name] = a.Value
	}
	var missing []string
	for _, a := range declared {
		v, ok := values[a.Name]
		if !ok {
			missing = append(missing, a.Name)
			continue
		}
		resolved = append(resolved, gstsv1alpha1.Argument{Name: a.Name, Value: &v})
	}
	for _, name := range extra {
		v := values[name]
		resolved = append(resolved, gstsv1alpha1.Argument{Name: name, Value: &v})
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("arguments without a value: %s", strings.Join(missing, ", "))
	}
	return resolved, nil
}

// Substitute replaces each {{ args.<name> }} in s with the argument's value.
func Substitute(s string, args []gstsv1alpha1.Argument) (string, error) {
	values := make(map[string]string, len(args))
	for _, a := range args {
		if a.Value != nil {
			values[a.Name] = *a.Value
		}
	}
	var missing []string
	out := argPattern.ReplaceAllStringFunc(s, func(ref string) string {
		name := argPattern.FindStringSubmatch(ref)[1]
		v, ok := values[name]
		if !ok {
			missing = append(missing, name)
			return ref
		}
		return v
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("%q refers to unknown arguments: %s", s, strings.Join(missing, ", "))
	}
	return out, nil
}

// ArgValue is the value of the named argument, or "".
func ArgValue(args []gstsv1alpha1.Argument, name string) string {
	for _, a := range args {
		if a.Name == name && a.Value != nil {
			return *a.Value
		}
	}
	return ""
}
