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
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

// Kind says what a HookRun is for; it is the value of the hookrun-type label, as in the upstream operator.
type Kind string

const (
	// KindCanaryStep is the run of a canary hook step.
	KindCanaryStep Kind = "canary-step"
	// KindPreDelete is the run that must succeed before a pod is deleted.
	KindPreDelete Kind = "pre-delete-step"
	// KindPreInplace is the run that must succeed before a pod is updated in place.
	KindPreInplace Kind = "pre-inplace-step"
	// KindPostInplace is the run after a pod's in-place update.
	KindPostInplace Kind = "post-inplace-step"
)

// The labels of a HookRun, as the upstream operator writes them, so that runs it created are found after a
// migration; PodUIDLabel is ours and tells a run of a recreated pod from one of the pod before it.
const (
	TypeLabel      = "hookrun-type"
	RevisionLabel  = "workload-revision"
	InstanceLabel  = "instance-id"
	StepIndexLabel = "canary-step-index"
	PodUIDLabel    = "tkex.tencent.com/hook-pod-uid"
	// StepsHashLabel is the hash of the canary steps a canary run was made for: a run of the same name made
	// before the steps were edited is not the step's.
	StepsHashLabel = "tkex.tencent.com/canary-steps-hash"
	// SetLabel names the GameStatefulSet of the run.
	SetLabel = "tkex.tencent.com/gamestatefulset"
)

// DeletingAnnotation is set on a pod whose pre-delete or pre-inplace hook runs, so that the game server can stop
// taking players, as in the upstream operator.
const DeletingAnnotation = "io.tencent.bcs.dev/game-pod-deleting"

// The arguments the operator gives every pod hook, when its template declares them.
const (
	ArgPodName      = "PodName"
	ArgPodNamespace = "PodNamespace"
	ArgPodIP        = "PodIP"
	ArgHostIP       = "HostIP"
)

// KindsOf are the kinds of run the set's spec can make, in a fixed order: canary if a canary step is a hook, and
// each pod hook the spec names.
func KindsOf(spec *gstsv1alpha1.GameStatefulSetSpec) []Kind {
	var kinds []Kind
	if canary := spec.UpdateStrategy.CanaryStrategy; canary != nil {
		for _, step := range canary.Steps {
			if step.Hook != nil {
				kinds = append(kinds, KindCanaryStep)
				break
			}
		}
	}
	for _, pod := range []struct {
		kind Kind
		step *gstsv1alpha1.HookStep
	}{{KindPreDelete, spec.PreDeleteUpdateStrategy.Hook}, {KindPreInplace, spec.PreInplaceUpdateStrategy.Hook},
		{KindPostInplace, spec.PostInplaceUpdateStrategy.Hook}} {
		if pod.step != nil {
			kinds = append(kinds, pod.kind)
		}
	}
	return kinds
}

var namePrefix = map[Kind]string{KindPreDelete: "predelete", KindPreInplace: "preinplace", KindPostInplace: "postinplace"}

// PodRunName names the run of a pod hook as the upstream operator does: <kind>-<pod's revision>-<ordinal>-<template>.
func PodRunName(kind Kind, revision string, ordinal int32, templateName string) string {
	return fmt.Sprintf("%s-%s-%d-%s", namePrefix[kind], revision, ordinal, templateName)
}

// PodArgs are the arguments the operator gives a pod's hook.
func PodArgs(pod *corev1.Pod) map[string]string {
	return map[string]string{ArgPodName: pod.Name, ArgPodNamespace: pod.Namespace, ArgPodIP: pod.Status.PodIP, ArgHostIP: pod.Status.HostIP}
}

// Request is a HookRun to create: from which template, with which arguments, for what.
type Request struct {
	Kind     Kind
	Name     string
	Step     gstsv1alpha1.HookStep
	Revision string
	// Ordinal and Pod are set for pod hooks; StepIndex for canary steps.
	Ordinal   int32
	Pod       *corev1.Pod
	StepIndex int32
	// StepsHash is the hash of the canary steps, for canary runs.
	StepsHash string
}

// NewRun builds the HookRun of a request from its template: the template's metrics and policy, the arguments
// resolved, the labels that find it again, and the set as its controller.
func NewRun(set *gstsv1alpha1.GameStatefulSet, template *gstsv1alpha1.HookTemplate, req Request, owner metav1.OwnerReference) (*gstsv1alpha1.HookRun, error) {
	operatorArgs := map[string]string{}
	labels := map[string]string{TypeLabel: string(req.Kind), RevisionLabel: req.Revision, SetLabel: set.Name}
	if req.Pod != nil {
		operatorArgs = PodArgs(req.Pod)
		labels[InstanceLabel] = strconv.Itoa(int(req.Ordinal))
		labels[PodUIDLabel] = string(req.Pod.UID)
	} else {
		labels[StepIndexLabel] = strconv.Itoa(int(req.StepIndex))
		labels[StepsHashLabel] = req.StepsHash
	}
	args, err := ResolveArgs(template.Spec.Args, req.Step.Args, operatorArgs)
	if err != nil {
		return nil, fmt.Errorf("HookTemplate %s: %w", template.Name, err)
	}
	policy := template.Spec.Policy
	if policy == "" {
		policy = gstsv1alpha1.ParallelPolicy
	}
	return &gstsv1alpha1.HookRun{
		ObjectMeta: metav1.ObjectMeta{Name: req.Name, Namespace: set.Namespace, Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}},
		Spec:       gstsv1alpha1.HookRunSpec{Metrics: append([]gstsv1alpha1.Metric(nil), template.Spec.Metrics...), Args: args, Policy: policy},
	}, nil
}
