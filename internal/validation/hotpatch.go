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

	"k8s.io/apimachinery/pkg/util/validation/field"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/lossless"
)

// hotPatchStrategy checks a lossless HotPatchUpdate's containers and reload against the template: content
// containers that exist, a game container that is not one of them, exactly one way to reload.
func hotPatchStrategy(set *gstsv1alpha1.GameStatefulSet) (warnings []string, errs field.ErrorList) {
	s := set.Spec.UpdateStrategy.HotPatchUpdateStrategy
	if s == nil {
		return nil, nil
	}
	path := strategyPath.Child("hotPatchUpdateStrategy")
	if set.Spec.UpdateStrategy.Type != gstsv1alpha1.HotPatchGameStatefulSetStrategyType {
		warnings = append(warnings, fmt.Sprintf("%s is used by HotPatchUpdate only; it is ignored with %s", path, set.Spec.UpdateStrategy.Type))
	}
	containers := map[string]bool{}
	for _, c := range set.Spec.Template.Spec.Containers {
		containers[c.Name] = true
	}
	content := map[string]bool{}
	for i, name := range s.Containers {
		if !containers[name] {
			errs = append(errs, field.NotFound(path.Child("containers").Index(i), name))
		}
		content[name] = true
	}
	if len(content) >= len(containers) {
		errs = append(errs, field.Invalid(path.Child("containers"), s.Containers,
			"every container is a content container: the game must run in a container that is not, or it restarts with each update"))
	}
	if r := s.Reload; r != nil {
		switch {
		case (r.Exec == nil) == (r.HTTPGet == nil):
			errs = append(errs, field.Invalid(path.Child("reload"), "", "set exactly one of exec and httpGet"))
		case r.Exec != nil && !containers[r.Exec.Container]:
			errs = append(errs, field.NotFound(path.Child("reload", "exec", "container"), r.Exec.Container))
		}
	}
	return warnings, errs
}

// hotPatchChange warns that a template change a lossless HotPatchUpdate cannot make will not reach the pods.
func hotPatchChange(set *gstsv1alpha1.GameStatefulSet, change inplace.Change) []string {
	if !lossless.Enabled(set) || change.Restart {
		return nil
	}
	if why := lossless.Refused(set.Spec.UpdateStrategy.HotPatchUpdateStrategy, change); why != "" {
		return []string{fmt.Sprintf("%s: %s; existing pods will not be updated (condition Progressing=False, reason HotPatchRefused)",
			strategyPath.Child("hotPatchUpdateStrategy"), why)}
	}
	return nil
}
