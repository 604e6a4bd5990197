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

// Package validation holds the checks the API server cannot make with the CRD's schema and CEL rules: they run in
// the validating webhook, and the reconciler repeats the ones that keep it from acting on a set it would harm.
package validation

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
)

var (
	specPath     = field.NewPath("spec")
	selectorPath = specPath.Child("selector")
	strategyPath = specPath.Child("updateStrategy")
	templatePath = specPath.Child("template")
)

// SelectorError says why the set's pods could not be told apart from others, or nil.
func SelectorError(set *gstsv1alpha1.GameStatefulSet) *field.Error {
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	switch {
	case err != nil:
		return field.Invalid(selectorPath, set.Spec.Selector, err.Error())
	case selector.Empty():
		return field.Required(selectorPath, "an empty selector would select every pod in the namespace")
	case !selector.Matches(labels.Set(set.Spec.Template.Labels)):
		return field.Invalid(selectorPath, selector.String(),
			fmt.Sprintf("does not match spec.template.metadata.labels %v", set.Spec.Template.Labels))
	}
	return nil
}

// Create is what a new set must satisfy beyond its schema, and the warnings about fields it sets in vain.
func Create(set *gstsv1alpha1.GameStatefulSet) (warnings []string, errs field.ErrorList) {
	if err := SelectorError(set); err != nil {
		errs = append(errs, err)
	}
	if policy := set.Spec.Template.Spec.RestartPolicy; policy != "" && policy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(templatePath.Child("spec", "restartPolicy"), policy,
			[]corev1.RestartPolicy{corev1.RestartPolicyAlways}))
	}
	claimNames := map[string]bool{}
	for i, claim := range set.Spec.VolumeClaimTemplates {
		path := specPath.Child("volumeClaimTemplates").Index(i).Child("metadata", "name")
		switch {
		case claim.Name == "":
			errs = append(errs, field.Required(path, "each claim template needs a name: it names the claims <name>-<pod>"))
		case claimNames[claim.Name]:
			errs = append(errs, field.Duplicate(path, claim.Name))
		}
		claimNames[claim.Name] = true
	}
	for i, v := range set.Spec.ReserveOrders {
		if _, err := identity.ParseReserved(v); err != nil {
			errs = append(errs, field.Invalid(specPath.Child("reserveOrders").Index(i), v.String(),
				"a reserved ordinal is a non-negative integer or an inclusive range \"a-b\": "+err.Error()))
		}
	}
	hotPatchWarnings, hotPatchErrs := hotPatchStrategy(set)
	return append(append(warnings, ignoredFields(set)...), hotPatchWarnings...), append(errs, hotPatchErrs...)
}

// Update is what a change must satisfy, and the warnings about what it will do to running pods.
func Update(old, set *gstsv1alpha1.GameStatefulSet) (warnings []string, errs field.ErrorList) {
	warnings, errs = Create(set)
	if old.Spec.Template.Spec.RestartPolicy != "" && set.Spec.Template.Spec.RestartPolicy == old.Spec.Template.Spec.RestartPolicy {
		// a set admitted before this rule keeps working; only a change to the field is judged
		errs = withoutField(errs, templatePath.Child("spec", "restartPolicy").String())
	}
	change := inplace.Compare(&old.Spec.Template, &set.Spec.Template)
	inPlaceChange := len(change.Images) > 0 || len(change.Resources) > 0 || change.NotInPlace != ""
	switch set.Spec.UpdateStrategy.Type {
	case gstsv1alpha1.HotPatchGameStatefulSetStrategyType:
		if !change.Restart && (change.NotInPlace != "" || len(change.Resources) > 0) {
			why := change.NotInPlace
			if why == "" {
				why = "resources changed"
			}
			warnings = append(warnings, fmt.Sprintf("%s: HotPatchUpdate changes container images only, and this change "+
				"(%s) is not one: existing pods will not be updated (condition Progressing=False, reason HotPatchRefused). "+
				"Use InplaceUpdate or RollingUpdate to roll it out", strategyPath.Child("type"), why))
		}
		warnings = append(warnings, hotPatchChange(set, change)...)
	case gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType:
		if inPlaceChange && change.NotInPlace != "" {
			warnings = append(warnings, fmt.Sprintf("%s: InplaceUpdate cannot apply this change in place (%s): "+
				"pods will be deleted and recreated, highest ordinal first", strategyPath.Child("type"), change.NotInPlace))
		}
	}
	return warnings, errs
}

// ignoredFields warns about settings the chosen strategy does not use.
func ignoredFields(set *gstsv1alpha1.GameStatefulSet) []string {
	strategy := set.Spec.UpdateStrategy
	var warnings []string
	if strategy.InPlaceUpdateStrategy != nil && strategy.InPlaceUpdateStrategy.GracePeriodSeconds > 0 &&
		strategy.Type != gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType {
		warnings = append(warnings, fmt.Sprintf("%s is used by InplaceUpdate only; it is ignored with %s",
			strategyPath.Child("inPlaceUpdateStrategy", "gracePeriodSeconds"), strategy.Type))
	}
	if strategy.Type == gstsv1alpha1.OnDeleteStatefulSetStrategyType && strategy.RollingUpdate != nil &&
		(strategy.RollingUpdate.Partition != nil || strategy.RollingUpdate.MaxUnavailable != nil) {
		warnings = append(warnings, fmt.Sprintf("%s is ignored with OnDelete: pods move to the new revision when you delete them",
			strategyPath.Child("rollingUpdate")))
	}
	parallel := set.Spec.PodManagementPolicy == gstsv1alpha1.ParallelPodManagement
	if ru := strategy.RollingUpdate; ru != nil && ru.MaxSurge != nil && ru.MaxSurge.String() != "0" && ru.MaxSurge.String() != "0%" && !parallel {
		warnings = append(warnings, fmt.Sprintf("%s applies to Parallel sets only, as upstream; it is ignored with %s",
			strategyPath.Child("rollingUpdate", "maxSurge"), gstsv1alpha1.OrderedReadyPodManagement))
	}
	if s := set.Spec.ScaleStrategy; s != nil && s.CreateBatch != nil && !parallel {
		warnings = append(warnings, fmt.Sprintf("%s applies to Parallel sets only: OrderedReady creates one pod at a time",
			specPath.Child("scaleStrategy", "createBatch")))
	}
	return warnings
}

func withoutField(errs field.ErrorList, path string) field.ErrorList {
	var kept field.ErrorList
	for _, e := range errs {
		if e.Field != path {
			kept = append(kept, e)
		}
	}
	return kept
}
