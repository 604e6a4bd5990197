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

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// PodManagementPolicyType says how pods are created and deleted when the set scales.
// +kubebuilder:validation:Enum=OrderedReady;Parallel
type PodManagementPolicyType string

const (
	// OrderedReadyPodManagement creates pods in ordinal order, each after the previous one is Running and Ready,
	// and deletes them in reverse order; it halts while any pod is unhealthy.
	OrderedReadyPodManagement PodManagementPolicyType = "OrderedReady"
	// ParallelPodManagement creates and deletes pods without waiting for others.
	ParallelPodManagement PodManagementPolicyType = "Parallel"
)

// GameStatefulSetUpdateStrategyType names how pods move to a new revision of the template.
// +kubebuilder:validation:Enum=RollingUpdate;OnDelete;InplaceUpdate;HotPatchUpdate
type GameStatefulSetUpdateStrategyType string

const (
	// RollingUpdateStatefulSetStrategyType deletes and recreates pods from the highest ordinal down to the
	// partition, maxUnavailable at a time.
	RollingUpdateStatefulSetStrategyType GameStatefulSetUpdateStrategyType = "RollingUpdate"
	// OnDeleteStatefulSetStrategyType updates a pod only when a user deletes it.
	OnDeleteStatefulSetStrategyType GameStatefulSetUpdateStrategyType = "OnDelete"
	// InplaceUpdateGameStatefulSetStrategyType restarts changed containers with their new images, keeping the pod.
	InplaceUpdateGameStatefulSetStrategyType GameStatefulSetUpdateStrategyType = "InplaceUpdate"
	// HotPatchGameStatefulSetStrategyType patches container images without restarting them (customised kubelet).
	HotPatchGameStatefulSetStrategyType GameStatefulSetUpdateStrategyType = "HotPatchUpdate"
)

// PersistentVolumeClaimRetentionPolicyType says what happens to claims from volumeClaimTemplates.
// +kubebuilder:validation:Enum=Retain;Delete
type PersistentVolumeClaimRetentionPolicyType string

const (
	// RetainPersistentVolumeClaimRetentionPolicyType keeps the claims.
	RetainPersistentVolumeClaimRetentionPolicyType PersistentVolumeClaimRetentionPolicyType = "Retain"
	// DeletePersistentVolumeClaimRetentionPolicyType deletes the claims.
	DeletePersistentVolumeClaimRetentionPolicyType PersistentVolumeClaimRetentionPolicyType = "Delete"
)

// GameStatefulSetPersistentVolumeClaimRetentionPolicy says what happens to the claims created from
// volumeClaimTemplates when the set is deleted or scaled down, as for a StatefulSet.
type GameStatefulSetPersistentVolumeClaimRetentionPolicy struct {
	// WhenDeleted applies when the GameStatefulSet is deleted.
	// +kubebuilder:default=Retain
	// +optional
	WhenDeleted PersistentVolumeClaimRetentionPolicyType `json:"whenDeleted,omitempty"`
	// WhenScaled applies to the claims of ordinals removed by a scale-down.
	// +kubebuilder:default=Retain
	// +optional
	WhenScaled PersistentVolumeClaimRetentionPolicyType `json:"whenScaled,omitempty"`
}

// GameStatefulSetOrdinals configures the ordinals given to pods.
type GameStatefulSetOrdinals struct {
	// Start is the ordinal of the first pod; pods are numbered [start, start+replicas).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=0
	// +optional
	Start int32 `json:"start"`
}

// RollingUpdateStatefulSetStrategy configures the RollingUpdate strategy; its partition is also the partition of
// the InplaceUpdate and HotPatchUpdate strategies, as in the original operator.
type RollingUpdateStatefulSetStrategy struct {
	// Partition keeps pods with an ordinal below it on the current revision. An integer is an ordinal offset from
	// ordinals.start; a percentage ("40%") is taken of replicas, rounded up.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')",message="partition must be a non-negative integer or a percentage from 0% to 100%"
	// +optional
	Partition *intstr.IntOrString `json:"partition,omitempty"`
	// MaxUnavailable is how many pods may be unavailable during an update, an integer or a percentage of replicas
	// (rounded down, at least 1). Above 1 the update runs in parallel over that many pods.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 1 : self.matches('^(100|[1-9][0-9]?)%$')",message="maxUnavailable must be an integer of at least 1 or a percentage from 1% to 100%"
	// +optional
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
	// MaxSurge is how many pods above replicas an update may create, on the update revision, before the outdated
	// pods they stand in for go: an integer or a percentage of replicas, rounded up (default 0). It applies with
	// the Parallel pod management policy while an update is in progress, as upstream; the surge pods go once it
	// completes.
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=4
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 0 : self.matches('^(100|[1-9]?[0-9])%$')",message="maxSurge must be a non-negative integer or a percentage from 0% to 100%"
	// +optional
	MaxSurge *intstr.IntOrString `json:"maxSurge,omitempty"`
}

// InplaceUpdatePolicy says how in-place updates follow one another.
// +kubebuilder:validation:Enum=DisOrdered;OrderedReady;OrderedUpdated
type InplaceUpdatePolicy string

const (
	// DisOrderedInplaceUpdatePolicy updates up to maxUnavailable pods at once, each as soon as there is room.
	DisOrderedInplaceUpdatePolicy InplaceUpdatePolicy = "DisOrdered"
	// OrderedReadyInplaceUpdatePolicy updates one pod at a time, the next once the one before is Ready again.
	OrderedReadyInplaceUpdatePolicy InplaceUpdatePolicy = "OrderedReady"
	// OrderedUpdatedInplaceUpdatePolicy updates one pod at a time, the next once the one before runs its new
	// containers, Ready or not.
	OrderedUpdatedInplaceUpdatePolicy InplaceUpdatePolicy = "OrderedUpdated"
)

// GameStatefulSetScaleStrategy says how the set scales.
type GameStatefulSetScaleStrategy struct {
	// CreateBatch is how many pods a Parallel set creates before it waits for them to be Ready: an integer or a
	// percentage of replicas, rounded up (default 100%).
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:MaxLength=4
	// +kubebuilder:validation:XValidation:rule="type(self) == int ? self >= 1 : self.matches('^(100|[1-9][0-9]?)%$')",message="createBatch must be an integer of at least 1 or a percentage from 1% to 100%"
	// +optional
	CreateBatch *intstr.IntOrString `json:"createBatch,omitempty"`
}

// InPlaceUpdateStrategy configures the InplaceUpdate strategy.
type InPlaceUpdateStrategy struct {
	// GracePeriodSeconds is how long a pod stays not ready, so that Services drop it from their endpoints, before
	// its containers are restarted with the new images.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=0
	// +optional
	GracePeriodSeconds int32 `json:"gracePeriodSeconds,omitempty"`
	// Policy is DisOrdered (the default), OrderedReady or OrderedUpdated.
	// +optional
	Policy InplaceUpdatePolicy `json:"policy,omitempty"`
}

// GameStatefulSetUpdateStrategy says how pods move to a new revision of the template.
type GameStatefulSetUpdateStrategy struct {
	// Type is the strategy: RollingUpdate, OnDelete, InplaceUpdate or HotPatchUpdate.
	// +kubebuilder:default=RollingUpdate
	// +optional
	Type GameStatefulSetUpdateStrategyType `json:"type,omitempty"`
	// RollingUpdate holds the partition and maxUnavailable of every strategy but OnDelete.
	// +optional
	RollingUpdate *RollingUpdateStatefulSetStrategy `json:"rollingUpdate,omitempty"`
	// InPlaceUpdateStrategy holds the grace period of the InplaceUpdate strategy.
	// +optional
	InPlaceUpdateStrategy *InPlaceUpdateStrategy `json:"inPlaceUpdateStrategy,omitempty"`
	// HotPatchUpdateStrategy makes HotPatchUpdate lossless on any kubelet: content containers take the new
	// images and the game reloads (docs/lossless-update.md).
	// +optional
	HotPatchUpdateStrategy *HotPatchUpdateStrategy `json:"hotPatchUpdateStrategy,omitempty"`
	// CanaryStrategy releases each new revision in steps; with steps, rollingUpdate.partition is not used.
	// +optional
	CanaryStrategy *CanaryStrategy `json:"canary,omitempty"`
	// Paused stops updates of existing pods; scaling goes on. A canary pause step sets it; setting it back to
	// false resumes the update.
	// +optional
	Paused bool `json:"paused,omitempty"`
}

// GameStatefulSetSpec is the desired state of a GameStatefulSet: a StatefulSet's spec with more update strategies.
// Whether the selector selects the template's labels is beyond what CEL may estimate the cost of over unbounded
// label maps: the reconciler checks it and reports a condition.
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.podManagementPolicy) || self.podManagementPolicy == oldSelf.podManagementPolicy",message="podManagementPolicy is immutable"
type GameStatefulSetSpec struct {
	// Replicas is the desired number of pods.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=1
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Selector selects the pods of the set; it must match the template's labels.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="selector is immutable"
	Selector *metav1.LabelSelector `json:"selector"`

	// Template is the pod every ordinal is created from.
	Template corev1.PodTemplateSpec `json:"template"`

	// VolumeClaimTemplates are claims each pod gets, named <claim>-<set>-<ordinal>.
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volumeClaimTemplates is immutable"
	// +listType=atomic
	// +optional
	VolumeClaimTemplates []corev1.PersistentVolumeClaim `json:"volumeClaimTemplates,omitempty"`

	// ServiceName is the headless Service that gives pods their network identity <pod>.<serviceName>.
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serviceName is immutable"
	// +optional
	ServiceName string `json:"serviceName,omitempty"`

	// PodManagementPolicy is OrderedReady (the default) or Parallel.
	// +kubebuilder:default=OrderedReady
	// +optional
	PodManagementPolicy PodManagementPolicyType `json:"podManagementPolicy,omitempty"`

	// UpdateStrategy says how pods move to a new revision of the template.
	// +kubebuilder:default={type: RollingUpdate}
	// +optional
	UpdateStrategy GameStatefulSetUpdateStrategy `json:"updateStrategy,omitempty"`

	// PreDeleteUpdateStrategy runs a hook before each running pod is deleted by a scale-down or a RollingUpdate.
	// +optional
	PreDeleteUpdateStrategy GameStatefulSetPreDeleteUpdateStrategy `json:"preDeleteUpdateStrategy,omitempty"`

	// PreInplaceUpdateStrategy runs a hook before each running pod is updated in place.
	// +optional
	PreInplaceUpdateStrategy GameStatefulSetPreInplaceUpdateStrategy `json:"preInplaceUpdateStrategy,omitempty"`

	// PostInplaceUpdateStrategy runs a hook after each pod's in-place update.
	// +optional
	PostInplaceUpdateStrategy GameStatefulSetPostInplaceUpdateStrategy `json:"postInplaceUpdateStrategy,omitempty"`

	// RevisionHistoryLimit is how many old ControllerRevisions are kept.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:default=10
	// +optional
	RevisionHistoryLimit *int32 `json:"revisionHistoryLimit,omitempty"`

	// MinReadySeconds is how long a pod must be Ready before it counts as available.
	// +kubebuilder:validation:Minimum=0
	// +optional
	MinReadySeconds int32 `json:"minReadySeconds,omitempty"`

	// ProgressDeadlineSeconds is how long a rollout or a scale may go without a pod created, updated or turning
	// ready before the set reports Progressing False with reason ProgressDeadlineExceeded, as a Deployment does
	// (the shipped GameStatefulSetRolloutStuck alert fires on it). Default 600. Nothing is rolled back: the
	// condition and the alert tell a person.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ProgressDeadlineSeconds *int32 `json:"progressDeadlineSeconds,omitempty"`

	// PersistentVolumeClaimRetentionPolicy says what happens to claims on scale-down and on deletion.
	// +optional
	PersistentVolumeClaimRetentionPolicy *GameStatefulSetPersistentVolumeClaimRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`

	// Ordinals configures the first ordinal.
	// +optional
	Ordinals *GameStatefulSetOrdinals `json:"ordinals,omitempty"`

	// ScaleStrategy says how the set scales: createBatch.
	// +optional
	ScaleStrategy *GameStatefulSetScaleStrategy `json:"scaleStrategy,omitempty"`

	// DisableReadinessGate leaves the InPlaceUpdateReady readiness gate out of new pods: in-place updates then
	// cannot take a pod out of its Services' endpoints for gracePeriodSeconds before it restarts.
	// +optional
	DisableReadinessGate bool `json:"disableReadinessGate,omitempty"`

	// WithoutReadiness is the upstream operator's earlier name of disableReadinessGate; either disables the gate.
	// +optional
	WithoutReadiness bool `json:"withoutReadiness,omitempty"`

	// ReserveOrders are ordinals no pod runs at: an ordinal ("3") or an inclusive range ("10-19"). Replicas counts
	// the pods that run: the set's ordinals are the first replicas ordinals from ordinals.start that are not
	// reserved. A running pod whose ordinal becomes reserved is removed, through the pre-delete hook when there is
	// one, and no other pod is touched. The webhook checks the forms (CEL could not within its cost budget).
	// +kubebuilder:validation:MaxItems=256
	// +listType=atomic
	// +optional
	ReserveOrders []intstr.IntOrString `json:"reserveOrders,omitempty"`
}

// Condition types of a GameStatefulSet.
const (
	// ConditionReady is True when every desired pod exists, is on the update revision and is available.
	ConditionReady = "Ready"
	// ConditionProgressing is True while pods are being created, deleted or updated.
	ConditionProgressing = "Progressing"
	// ConditionReplicaFailure is True when the operator could not create or delete a pod or a claim.
	ConditionReplicaFailure = "ReplicaFailure"
)

// GameStatefulSetStatus is the observed state of a GameStatefulSet.
type GameStatefulSetStatus struct {
	// ObservedGeneration is the generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Replicas is the number of pods the operator created that still exist.
	Replicas int32 `json:"replicas"`
	// ReadyReplicas is the number of those pods with a Ready condition.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// AvailableReplicas is the number of pods Ready for at least minReadySeconds.
	// +optional
	AvailableReplicas int32 `json:"availableReplicas,omitempty"`
	// CurrentReplicas is the number of pods on currentRevision.
	// +optional
	CurrentReplicas int32 `json:"currentReplicas,omitempty"`
	// UpdatedReplicas is the number of pods on updateRevision.
	// +optional
	UpdatedReplicas int32 `json:"updatedReplicas,omitempty"`
	// UpdatedReadyReplicas is the number of pods on updateRevision that are Ready.
	// +optional
	UpdatedReadyReplicas int32 `json:"updatedReadyReplicas,omitempty"`
	// CurrentRevision is the revision the pods below the partition run; it becomes updateRevision once every
	// pod runs that.
	// +optional
	CurrentRevision string `json:"currentRevision,omitempty"`
	// UpdateRevision is the revision made from the current template.
	// +optional
	UpdateRevision string `json:"updateRevision,omitempty"`
	// CollisionCount is added to the template hash when two revisions' names collide.
	// +optional
	CollisionCount *int32 `json:"collisionCount,omitempty"`
	// Conditions describe readiness, progress and failures.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// LabelSelector is the selector in string form, for the scale subresource and the HPA.
	// +optional
	LabelSelector string `json:"labelSelector,omitempty"`
	// PauseConditions say why the canary update is paused.
	// +listType=atomic
	// +optional
	PauseConditions []PauseCondition `json:"pauseConditions,omitempty"`
	// CurrentStepIndex is the canary step the update of the update revision is at; the number of steps once all
	// are done.
	// +kubebuilder:validation:Minimum=0
	// +optional
	CurrentStepIndex *int32 `json:"currentStepIndex,omitempty"`
	// CurrentStepHash is a hash of the canary steps: editing them restarts an update at the first step.
	// +optional
	CurrentStepHash string `json:"currentStepHash,omitempty"`
	// Canary is where the canary update of the update revision stands.
	// +optional
	Canary *CanaryStatus `json:"canary,omitempty"`
	// PreDeleteHookConditions are the pre-delete hooks of the set's pods.
	// +listType=atomic
	// +optional
	PreDeleteHookConditions []PodHookCondition `json:"preDeleteHookCondition,omitempty"`
	// PreInplaceHookConditions are the pre-inplace hooks of the set's pods.
	// +listType=atomic
	// +optional
	PreInplaceHookConditions []PodHookCondition `json:"preInplaceHookCondition,omitempty"`
	// PostInplaceHookConditions are the post-inplace hooks of the set's pods.
	// +listType=atomic
	// +optional
	PostInplaceHookConditions []PodHookCondition `json:"postInplaceHookCondition,omitempty"`
}

// GameStatefulSet is a StatefulSet for game servers, with in-place and hot-patch updates.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.labelSelector
// +kubebuilder:resource:shortName=gsts,categories=all
// +kubebuilder:printcolumn:name="REPLICAS",type=integer,JSONPath=`.spec.replicas`,description="Desired pods"
// +kubebuilder:printcolumn:name="READYREPLICAS",type=integer,JSONPath=`.status.readyReplicas`,description="Ready pods"
// +kubebuilder:printcolumn:name="CURRENTREPLICAS",type=integer,JSONPath=`.status.currentReplicas`,description="Pods on the current revision"
// +kubebuilder:printcolumn:name="UPDATEDREPLICAS",type=integer,JSONPath=`.status.updatedReplicas`,description="Pods on the update revision"
// +kubebuilder:printcolumn:name="AGE",type=date,JSONPath=`.metadata.creationTimestamp`
// The name of each revision, <name>-<hash of up to 10 characters>, is also the value of the pods'
// controller-revision-hash label, which may hold 63 characters: the practical limit of a StatefulSet's name.
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 52",message="metadata.name may have at most 52 characters: <name>-<revision hash> must fit the 63 characters of a label value, as for a StatefulSet"
type GameStatefulSet struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   GameStatefulSetSpec   `json:"spec,omitempty"`
	Status GameStatefulSetStatus `json:"status,omitempty"`
}

// GameStatefulSetList is a list of GameStatefulSets.
// +kubebuilder:object:root=true
type GameStatefulSetList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []GameStatefulSet `json:"items"`
}

func init() {
	SchemeBuilder.Register(&GameStatefulSet{}, &GameStatefulSetList{})
}

// MaxUnavailableOrNil is maxUnavailable, or nil when the strategy or the field is not set.
func (s *RollingUpdateStatefulSetStrategy) MaxUnavailableOrNil() *intstr.IntOrString {
	if s == nil {
		return nil
	}
	return s.MaxUnavailable
}
