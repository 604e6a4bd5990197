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

// Package adoption decides which pods, claims and ControllerRevisions a GameStatefulSet may take over, must let
// go, or must leave alone, with the rules of the StatefulSet controller's controller-reference manager: an orphan
// whose labels match the selector is adopted, an owned object whose labels stop matching is released, and an
// object another controller owns is never touched. It also tells which revision an adopted pod runs, so that a
// fleet moved onto the operator is relabelled instead of rolled.
package adoption

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// Verdict is what the set does with an existing object of one of its names.
type Verdict string

const (
	// Owned: the set controls the object and it carries the operator's label; nothing to do.
	Owned Verdict = "Owned"
	// Adopt: an orphan the set takes: its controller reference and the operator's labels are added.
	Adopt Verdict = "Adopt"
	// Relabel: the set controls the object but it lacks the operator's labels (objects written by the upstream
	// operator, or by this one before the label existed): the labels are added.
	Relabel Verdict = "Relabel"
	// Terminating: the object is being deleted; it is neither adopted nor replaced until it is gone.
	Terminating Verdict = "Terminating"
	// Foreign: another object controls it, or it refers to an earlier object of the set's name: never touched.
	Foreign Verdict = "Foreign"
	// NotMatching: an orphan whose labels do not match the set's selector: not adopted.
	NotMatching Verdict = "NotMatching"
)

// Adoptable tells whether the verdict lets the set write the object.
func (v Verdict) Adoptable() bool { return v == Adopt || v == Relabel }

// ForPod judges an existing pod that carries the name of one of the set's ordinals. why says, for a person, why
// a pod is not adopted.
func ForPod(set *gstsv1alpha1.GameStatefulSet, selector labels.Selector, pod *corev1.Pod) (v Verdict, why string) {
	if controller := metav1.GetControllerOf(pod); controller != nil {
		if controller.UID != set.UID {
			return Foreign, fmt.Sprintf("Pod %s is controlled by %s %s", pod.Name, controller.Kind, describeRef(set, controller))
		}
		if pod.DeletionTimestamp != nil {
			return Terminating, fmt.Sprintf("Pod %s is being deleted", pod.Name)
		}
		if pod.Labels[identity.SetNameLabel] != set.Name {
			return Relabel, ""
		}
		return Owned, ""
	}
	if pod.DeletionTimestamp != nil {
		return Terminating, fmt.Sprintf("Pod %s is being deleted", pod.Name)
	}
	if stale := staleReference(set, pod.OwnerReferences); stale != nil {
		return Foreign, fmt.Sprintf("Pod %s refers to an earlier GameStatefulSet %s (uid %s)", pod.Name, set.Name, stale.UID)
	}
	if !selector.Matches(labels.Set(pod.Labels)) {
		return NotMatching, fmt.Sprintf("Pod %s exists without a controller, but its labels do not match the selector %s", pod.Name, selector)
	}
	return Adopt, ""
}

// Mismatched tells whether a pod the set controls must be released: its labels no longer match the selector.
func Mismatched(selector labels.Selector, pod *corev1.Pod) bool {
	return !selector.Matches(labels.Set(pod.Labels))
}

// describeRef names the controller of an object, marking a stale reference to an earlier set of the same name.
func describeRef(set *gstsv1alpha1.GameStatefulSet, ref *metav1.OwnerReference) string {
	if ref.Kind == identity.Kind && ref.Name == set.Name {
		return fmt.Sprintf("%s (an earlier set of this name, uid %s)", ref.Name, ref.UID)
	}
	return ref.Name
}

// staleReference finds an owner reference to an earlier GameStatefulSet of the set's name: the StatefulSet
// controller leaves such objects alone, since the controller that owned them may still be deleting them.
func staleReference(set *gstsv1alpha1.GameStatefulSet, refs []metav1.OwnerReference) *metav1.OwnerReference {
	for i := range refs {
		ref := &refs[i]
		if ref.Kind == identity.Kind && ref.Name == set.Name && ref.UID != set.UID {
			return ref
		}
	}
	return nil
}

// ForClaim judges a claim of one of the set's names. A claim is the set's to manage when no other object controls
// it and it refers to no earlier set of the same name; the set then keeps its labels and owner references and may
// delete it under whenScaled: Delete. A claim of another controller is still mounted by the ordinal's pod, as a
// StatefulSet mounts it, but never changed or deleted.
func ForClaim(set *gstsv1alpha1.GameStatefulSet, claim *corev1.PersistentVolumeClaim) (v Verdict, why string) {
	if controller := metav1.GetControllerOf(claim); controller != nil && controller.UID != set.UID {
		return Foreign, fmt.Sprintf("Claim %s is controlled by %s %s", claim.Name, controller.Kind, describeRef(set, controller))
	}
	if stale := staleReference(set, claim.OwnerReferences); stale != nil {
		return Foreign, fmt.Sprintf("Claim %s refers to an earlier GameStatefulSet %s (uid %s)", claim.Name, set.Name, stale.UID)
	}
	if claim.DeletionTimestamp != nil {
		return Terminating, fmt.Sprintf("Claim %s is being deleted", claim.Name)
	}
	if claim.Labels[identity.SetNameLabel] != set.Name {
		if metav1.GetControllerOf(claim) != nil {
			return Relabel, ""
		}
		return Adopt, ""
	}
	return Owned, ""
}

// ClaimOwners is the owner references a claim the set manages must carry under the retention policy, as the
// StatefulSet controller keeps them: with whenDeleted: Delete the set is the claim's controller, beside any other
// (non-controller) owners; with Retain the set is not an owner. changed is false when the claim carries them
// already, or when the claim is not the set's to manage.
func ClaimOwners(set *gstsv1alpha1.GameStatefulSet, claim *corev1.PersistentVolumeClaim) (refs []metav1.OwnerReference, changed bool) {
	if v, _ := ForClaim(set, claim); v == Foreign || v == Terminating {
		return claim.OwnerReferences, false
	}
	others := make([]metav1.OwnerReference, 0, len(claim.OwnerReferences)+1)
	var current *metav1.OwnerReference
	for i := range claim.OwnerReferences {
		if claim.OwnerReferences[i].UID == set.UID {
			current = &claim.OwnerReferences[i]
			continue
		}
		others = append(others, claim.OwnerReferences[i])
	}
	if identity.RetainsClaimsOnDelete(set) {
		return others, current != nil
	}
	want := identity.ClaimOwnerReference(set)
	if current != nil && current.Controller != nil && *current.Controller && current.APIVersion == want.APIVersion &&
		current.Kind == want.Kind && current.Name == want.Name {
		return claim.OwnerReferences, false
	}
	return append(others, want), true
}

// ClaimDeletable tells whether whenScaled: Delete may delete the claim of a removed ordinal: the set manages it
// and no other object owns it (an owner that still wants the claim would lose it).
func ClaimDeletable(set *gstsv1alpha1.GameStatefulSet, claim *corev1.PersistentVolumeClaim) bool {
	if v, _ := ForClaim(set, claim); v == Foreign || v == Terminating {
		return false
	}
	for _, ref := range claim.OwnerReferences {
		if ref.UID != set.UID {
			return false
		}
	}
	return true
}

// ClaimLabels is the claim with the operator's labels for its ordinal added, for a claim the set adopts.
func ClaimLabels(set *gstsv1alpha1.GameStatefulSet, claim *corev1.PersistentVolumeClaim, ordinal int32) map[string]string {
	out := make(map[string]string, len(claim.Labels)+2)
	for k, v := range claim.Labels {
		out[k] = v
	}
	out[identity.SetNameLabel] = set.Name
	out[identity.GameSetOrdinalLabel] = fmt.Sprint(ordinal)
	return out
}

// ForRevision judges a ControllerRevision found in the set's namespace: one the set controls, one it may adopt
// (an orphan written by a GameStatefulSet of this name, whose labels match the selector, as after
// `kubectl delete gamestatefulset --cascade=orphan`), or one to leave alone. Revisions of other controllers, a
// StatefulSet's among them, are never adopted: their templates are recorded with the API server's defaults, so
// they would never equal the set's template and would turn every pod they name into an outdated one.
func ForRevision(set *gstsv1alpha1.GameStatefulSet, selector labels.Selector, rev metav1.Object) Verdict {
	if controller := metav1.GetControllerOf(rev); controller != nil {
		if controller.UID != set.UID {
			return Foreign
		}
		if rev.GetLabels()[identity.SetNameLabel] != set.Name {
			return Relabel
		}
		return Owned
	}
	if rev.GetDeletionTimestamp() != nil {
		return Terminating
	}
	if staleReference(set, rev.GetOwnerReferences()) != nil || rev.GetLabels()[identity.SetNameLabel] != set.Name ||
		!selector.Matches(labels.Set(rev.GetLabels())) {
		return Foreign
	}
	return Adopt
}
