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

package webhook

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/validation"
)

// +kubebuilder:webhook:path=/validate-tkex-tencent-com-v1alpha1-hooktemplate,mutating=false,failurePolicy=fail,sideEffects=None,groups=tkex.tencent.com,resources=hooktemplates,verbs=create;update,versions=v1alpha1,name=vhooktemplate.tkex.tencent.com,admissionReviewVersions=v1

// HookTemplateValidator refuses templates whose conditions or durations the HookRun controller could not use,
// so that a hook fails at admission instead of when a pod waits on it.
type HookTemplateValidator struct{}

var _ admission.Validator[*gstsv1alpha1.HookTemplate] = HookTemplateValidator{}

func setupHookTemplate(mgr ctrl.Manager) error {
	return ctrl.NewWebhookManagedBy(mgr, &gstsv1alpha1.HookTemplate{}).WithValidator(HookTemplateValidator{}).Complete()
}

// ValidateCreate judges a new template.
func (HookTemplateValidator) ValidateCreate(_ context.Context, t *gstsv1alpha1.HookTemplate) (admission.Warnings, error) {
	return judgeTemplate(t)
}

// ValidateUpdate judges a change.
func (HookTemplateValidator) ValidateUpdate(_ context.Context, _, t *gstsv1alpha1.HookTemplate) (admission.Warnings, error) {
	return judgeTemplate(t)
}

// ValidateDelete lets every deletion through: runs already made keep their copy of the metrics.
func (HookTemplateValidator) ValidateDelete(context.Context, *gstsv1alpha1.HookTemplate) (admission.Warnings, error) {
	return nil, nil
}

func judgeTemplate(t *gstsv1alpha1.HookTemplate) (admission.Warnings, error) {
	warnings, errs := validation.HookTemplate(&t.Spec)
	if len(errs) == 0 {
		return warnings, nil
	}
	return warnings, apierrors.NewInvalid(gstsv1alpha1.GroupVersion.WithKind("HookTemplate").GroupKind(), t.Name, errs)
}
