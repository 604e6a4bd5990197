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

// Package identity holds what makes a pod of a GameStatefulSet the pod of one ordinal: its name, labels,
// hostname, claims and owner, and builds new pods from a revision's template.
package identity

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// Labels the operator sets on the objects it creates. The StatefulSet ones keep tools written for StatefulSets
// working; the gamestatefulset.kubernetes.io ones are those of the original operator.
const (
	RevisionLabel       = "controller-revision-hash"
	StatefulSetPodName  = "statefulset.kubernetes.io/pod-name"
	PodIndexLabel       = "apps.kubernetes.io/pod-index"
	GameSetPodNameLabel = "gamestatefulset.kubernetes.io/pod-name"
	GameSetOrdinalLabel = "gamestatefulset.kubernetes.io/pod-ordinal"
	// SetNameLabel marks pods, claims and revisions managed by the operator with the name of their set; the
	// informer cache only holds objects that carry it.
	SetNameLabel = "gamestatefulset.kubernetes.io/set-name"
)

// InPlaceUpdateReady is the readiness gate of pods of InplaceUpdate sets: the operator sets it False to take a pod
// out of Services' endpoints for the grace period before an in-place update.
const InPlaceUpdateReady corev1.PodConditionType = "InPlaceUpdateReady"

// HasReadinessGate tells whether the pod was created with a readiness gate on the condition.
func HasReadinessGate(pod *corev1.Pod, condition corev1.PodConditionType) bool {
	for _, g := range pod.Spec.ReadinessGates {
		if g.ConditionType == condition {
			return true
		}
	}
	return false
}

// Kind is the kind of the owner references the operator writes.
const Kind = "GameStatefulSet"

// PodName is the name of the pod of an ordinal.
func PodName(set *gstsv1alpha1.GameStatefulSet, ordinal int32) string {
	return fmt.Sprintf("%s-%d", set.Name, ordinal)
}

// OrdinalOf parses the ordinal from the name of a pod of set; ok is false for names of other sets.
func OrdinalOf(set *gstsv1alpha1.GameStatefulSet, podName string) (ordinal int32, ok bool) {
	suffix, found := strings.CutPrefix(podName, set.Name+"-")
	if !found || suffix == "" || (len(suffix) > 1 && suffix[0] == '0') {
		return 0, false
	}
	n, err := strconv.ParseInt(suffix, 10, 32)
	if err != nil || n < 0 {
		return 0, false
	}
	return int32(n), true
}

// ClaimName is the name of the claim of a volumeClaimTemplate for an ordinal.
func ClaimName(set *gstsv1alpha1.GameStatefulSet, claimTemplate *corev1.PersistentVolumeClaim, ordinal int32) string {
	return fmt.Sprintf("%s-%s", claimTemplate.Name, PodName(set, ordinal))
}

// StartOrdinal is the first ordinal of the set.
func StartOrdinal(set *gstsv1alpha1.GameStatefulSet) int32 {
	if set.Spec.Ordinals != nil {
		return set.Spec.Ordinals.Start
	}
	return 0
}

// Replicas is the desired number of pods.
func Replicas(set *gstsv1alpha1.GameStatefulSet) int32 {
	if set.Spec.Replicas == nil {
		return 1
	}
	return *set.Spec.Replicas
}

// Revision is the revision label of a pod.
func Revision(pod *corev1.Pod) string {
	return pod.Labels[RevisionLabel]
}

// OwnerReference is the controller reference pods and revisions of set carry.
func OwnerReference(set *gstsv1alpha1.GameStatefulSet) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion:         gstsv1alpha1.GroupVersion.String(),
		Kind:               Kind,
		Name:               set.Name,
		UID:                set.UID,
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}

// IsControlledBy tells whether obj's controller reference points at set.
func IsControlledBy(obj metav1.Object, set *gstsv1alpha1.GameStatefulSet) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.UID == set.UID
}

// identityLabels are the labels that tie a pod to its ordinal.
func identityLabels(set *gstsv1alpha1.GameStatefulSet, ordinal int32) map[string]string {
	name := PodName(set, ordinal)
	index := strconv.Itoa(int(ordinal))
	return map[string]string{
		StatefulSetPodName:  name,
		PodIndexLabel:       index,
		GameSetPodNameLabel: name,
		GameSetOrdinalLabel: index,
		SetNameLabel:        set.Name,
	}
}

// IdentityMatches tells whether pod still carries the identity labels of its ordinal.
func IdentityMatches(set *gstsv1alpha1.GameStatefulSet, pod *corev1.Pod, ordinal int32) bool {
	// called for every pod on every reconcile: compare without building the label map
	name := pod.Name
	if name != PodName(set, ordinal) {
		return false
	}
	index := strconv.Itoa(int(ordinal))
	l := pod.Labels
	return l[StatefulSetPodName] == name && l[GameSetPodNameLabel] == name && l[PodIndexLabel] == index &&
		l[GameSetOrdinalLabel] == index && l[SetNameLabel] == set.Name
}

// HostnameMismatch says how the pod's hostname and subdomain differ from its ordinal's identity (<pod name> in
// the set's headless Service), or "" when they do not. A running pod's hostname cannot change: only a new pod
// gets them right, so this is reported, never patched.
func HostnameMismatch(set *gstsv1alpha1.GameStatefulSet, pod *corev1.Pod) string {
	if pod.Spec.Hostname == pod.Name && pod.Spec.Subdomain == set.Spec.ServiceName {
		return ""
	}
	return fmt.Sprintf("pod %s has hostname %q and subdomain %q, not %q and %q (serviceName): delete it to have it recreated with its identity",
		pod.Name, pod.Spec.Hostname, pod.Spec.Subdomain, pod.Name, set.Spec.ServiceName)
}

// IdentityLabelPatch is the labels a pod must carry for its ordinal, for repairing a pod whose labels a user
// changed.
func IdentityLabelPatch(set *gstsv1alpha1.GameStatefulSet, ordinal int32) map[string]string {
	return identityLabels(set, ordinal)
}

// NewPod builds the pod of an ordinal from a template of revision revisionName.
func NewPod(set *gstsv1alpha1.GameStatefulSet, template *corev1.PodTemplateSpec, revisionName string, ordinal int32) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            PodName(set, ordinal),
			Namespace:       set.Namespace,
			Labels:          make(map[string]string, len(template.Labels)+6),
			Annotations:     make(map[string]string, len(template.Annotations)),
			OwnerReferences: []metav1.OwnerReference{OwnerReference(set)},
		},
		Spec: *template.Spec.DeepCopy(),
	}
	for k, v := range template.Labels {
		pod.Labels[k] = v
	}
	for k, v := range template.Annotations {
		pod.Annotations[k] = v
	}
	for k, v := range identityLabels(set, ordinal) {
		pod.Labels[k] = v
	}
	pod.Labels[RevisionLabel] = revisionName
	gated := !set.Spec.DisableReadinessGate && !set.Spec.WithoutReadiness
	if gated && set.Spec.UpdateStrategy.Type == gstsv1alpha1.InplaceUpdateGameStatefulSetStrategyType && !HasReadinessGate(pod, InPlaceUpdateReady) {
		pod.Spec.ReadinessGates = append(pod.Spec.ReadinessGates, corev1.PodReadinessGate{ConditionType: InPlaceUpdateReady})
	}
	pod.Spec.Hostname = pod.Name
	pod.Spec.Subdomain = set.Spec.ServiceName
	attachClaims(set, pod, ordinal)
	return pod
}

// attachClaims points the pod's volumes named like a volumeClaimTemplate at that template's claim, as the
// StatefulSet controller does; a template without a matching volume gets a volume of its own.
func attachClaims(set *gstsv1alpha1.GameStatefulSet, pod *corev1.Pod, ordinal int32) {
	for i := range set.Spec.VolumeClaimTemplates {
		claimTemplate := &set.Spec.VolumeClaimTemplates[i]
		source := corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: ClaimName(set, claimTemplate, ordinal),
		}}
		replaced := false
		for j := range pod.Spec.Volumes {
			if pod.Spec.Volumes[j].Name == claimTemplate.Name {
				pod.Spec.Volumes[j].VolumeSource = source
				replaced = true
			}
		}
		if !replaced {
			pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: claimTemplate.Name, VolumeSource: source})
		}
	}
}

// NewClaims builds the claims of an ordinal from the volumeClaimTemplates.
func NewClaims(set *gstsv1alpha1.GameStatefulSet, ordinal int32) []*corev1.PersistentVolumeClaim {
	claims := make([]*corev1.PersistentVolumeClaim, 0, len(set.Spec.VolumeClaimTemplates))
	for i := range set.Spec.VolumeClaimTemplates {
		claimTemplate := &set.Spec.VolumeClaimTemplates[i]
		claim := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name:        ClaimName(set, claimTemplate, ordinal),
				Namespace:   set.Namespace,
				Labels:      map[string]string{},
				Annotations: map[string]string{},
			},
			Spec: *claimTemplate.Spec.DeepCopy(),
		}
		for k, v := range claimTemplate.Labels {
			claim.Labels[k] = v
		}
		for k, v := range claimTemplate.Annotations {
			claim.Annotations[k] = v
		}
		if set.Spec.Selector != nil {
			for k, v := range set.Spec.Selector.MatchLabels {
				claim.Labels[k] = v
			}
		}
		claim.Labels[SetNameLabel] = set.Name
		claim.Labels[GameSetOrdinalLabel] = strconv.Itoa(int(ordinal))
		claims = append(claims, claim)
	}
	return claims
}

// RetainsClaimsOnDelete tells whether the claims outlive the set.
func RetainsClaimsOnDelete(set *gstsv1alpha1.GameStatefulSet) bool {
	p := set.Spec.PersistentVolumeClaimRetentionPolicy
	return p == nil || p.WhenDeleted != gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType
}

// RetainsClaimsOnScaleDown tells whether the claims of removed ordinals are kept.
func RetainsClaimsOnScaleDown(set *gstsv1alpha1.GameStatefulSet) bool {
	p := set.Spec.PersistentVolumeClaimRetentionPolicy
	return p == nil || p.WhenScaled != gstsv1alpha1.DeletePersistentVolumeClaimRetentionPolicyType
}

// ClaimOwnerReference is the owner reference a claim carries when whenDeleted is Delete: the set is its
// controller, as the StatefulSet controller makes itself the controller of its claims, so that no other
// controller takes the claim and the set's deletion removes exactly the claims it controls.
func ClaimOwnerReference(set *gstsv1alpha1.GameStatefulSet) metav1.OwnerReference {
	return OwnerReference(set)
}
