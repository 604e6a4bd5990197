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

// Package webhook serves the validating admission webhooks of GameStatefulSets and HookTemplates.
package webhook

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/validation"
)

// +kubebuilder:webhook:path=/validate-tkex-tencent-com-v1alpha1-gamestatefulset,mutating=false,failurePolicy=fail,sideEffects=None,groups=tkex.tencent.com,resources=gamestatefulsets,verbs=create;update,versions=v1alpha1,name=vgamestatefulset.tkex.tencent.com,admissionReviewVersions=v1

// Validator refuses GameStatefulSets the schema and CEL rules let through but the operator could not run safely,
// and warns about changes that will not do what their author may expect.
type Validator struct{}

// SetupWithManager serves the webhooks of GameStatefulSets and HookTemplates on the manager's webhook server.
func SetupWithManager(mgr ctrl.Manager) error {
	if err := ctrl.NewWebhookManagedBy(mgr, &gstsv1alpha1.GameStatefulSet{}).WithValidator(Validator{}).Complete(); err != nil {
		return err
	}
	return setupHookTemplate(mgr)
}

var _ admission.Validator[*gstsv1alpha1.GameStatefulSet] = Validator{}

// ValidateCreate judges a new set.
func (Validator) ValidateCreate(_ context.Context, set *gstsv1alpha1.GameStatefulSet) (admission.Warnings, error) {
	warnings, errs := validation.Create(set)
	return warnings, invalid(set, errs)
}

// ValidateUpdate judges a change.
func (Validator) ValidateUpdate(_ context.Context, old, set *gstsv1alpha1.GameStatefulSet) (admission.Warnings, error) {
	warnings, errs := validation.Update(old, set)
	return warnings, invalid(set, errs)
}

// ValidateDelete lets every deletion through.
func (Validator) ValidateDelete(context.Context, *gstsv1alpha1.GameStatefulSet) (admission.Warnings, error) {
	return nil, nil
}

func invalid(set *gstsv1alpha1.GameStatefulSet, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(gstsv1alpha1.GroupVersion.WithKind("GameStatefulSet").GroupKind(), set.Name, errs)
}
