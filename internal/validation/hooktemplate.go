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

package validation

import (
	"fmt"
	"regexp"

	"k8s.io/apimachinery/pkg/util/validation/field"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/hook"
)

var argReference = regexp.MustCompile(`\{\{\s*args\.([A-Za-z0-9_.\-]+)\s*\}\}`)

// HookTemplate checks what the schema cannot: that every condition is an expression that compiles, that a metric
// measuring more than once has an interval, and that no two metrics share a name. It warns about arguments the
// metrics use that the template does not declare: only a hook step that passes them makes such a template run.
func HookTemplate(spec *gstsv1alpha1.HookTemplateSpec) (warnings []string, errs field.ErrorList) {
	path := field.NewPath("spec", "metrics")
	names := map[string]bool{}
	declared := map[string]bool{}
	for _, a := range spec.Args {
		declared[a.Name] = true
	}
	for i := range spec.Metrics {
		m := &spec.Metrics[i]
		p := path.Index(i)
		if names[m.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), m.Name))
		}
		names[m.Name] = true
		for _, c := range []struct {
			name, expr string
		}{{"successCondition", m.SuccessCondition}, {"failureCondition", m.FailureCondition}} {
			if c.expr == "" {
				continue
			}
			if _, err := hook.CompileCondition(c.expr); err != nil {
				errs = append(errs, field.Invalid(p.Child(c.name), c.expr, err.Error()))
			}
		}
		for _, d := range []struct {
			name string
			v    gstsv1alpha1.DurationString
		}{{"interval", m.Interval}, {"initialDelay", m.InitialDelay}} {
			if _, err := d.v.Duration(); err != nil {
				errs = append(errs, field.Invalid(p.Child(d.name), string(d.v), err.Error()))
			}
		}
		if m.Count > 1 && m.Interval == "" {
			errs = append(errs, field.Required(p.Child("interval"), fmt.Sprintf("a metric that measures %d times needs an interval", m.Count)))
		}
		for _, ref := range referencedArgs(m) {
			if !declared[ref] {
				warnings = append(warnings, fmt.Sprintf("%s uses {{ args.%s }}, which spec.args does not declare: a hook step must pass it", p.String(), ref))
			}
		}
	}
	return warnings, errs
}

func referencedArgs(m *gstsv1alpha1.Metric) []string {
	var texts []string
	if w := m.Provider.Web; w != nil {
		texts = append(texts, w.URL)
		for _, h := range w.Headers {
			texts = append(texts, h.Value)
		}
	}
	if p := m.Provider.Prometheus; p != nil {
		texts = append(texts, p.Query)
	}
	var refs []string
	for _, t := range texts {
		for _, match := range argReference.FindAllStringSubmatch(t, -1) {
			refs = append(refs, match[1])
		}
	}
	return refs
}
