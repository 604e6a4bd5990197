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

package controllers

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/adoption"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/podcontrol"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/revision"
)

// revisionsOf returns the set's ControllerRevisions, taking over those it may: orphans that a set of its name
// left (`kubectl delete gamestatefulset --cascade=orphan`), which the cache holds by their label, and revisions
// the set controls without the operator's label (the upstream operator's), which only the API server holds and
// which are looked up by the names the set's pods and status give. In a steady state it makes no request.
func (r *GameStatefulSetReconciler) revisionsOf(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, selector labels.Selector, pods []*corev1.Pod) ([]*appsv1.ControllerRevision, error) {
	var list appsv1.ControllerRevisionList
	if err := r.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingLabels{identity.SetNameLabel: set.Name}); err != nil {
		return nil, fmt.Errorf("listing controller revisions: %w", err)
	}
	history := make([]*appsv1.ControllerRevision, 0, len(list.Items))
	known := make(map[string]bool, len(list.Items))
	for i := range list.Items {
		rev := &list.Items[i]
		known[rev.Name] = true
		switch verdict := adoption.ForRevision(set, selector, rev); verdict {
		case adoption.Owned:
			history = append(history, rev)
		case adoption.Adopt, adoption.Relabel:
			taken, err := r.takeRevision(ctx, set, rev, verdict)
			if err != nil {
				return nil, err
			}
			if taken != nil {
				history = append(history, taken)
			}
		}
	}
	for _, name := range unknownRevisionNames(set, pods, known) {
		rev := &appsv1.ControllerRevision{}
		if err := r.APIReader.Get(ctx, client.ObjectKey{Namespace: set.Namespace, Name: name}, rev); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return nil, fmt.Errorf("reading controller revision %s: %w", name, err)
		}
		verdict := adoption.ForRevision(set, selector, rev)
		if verdict == adoption.Owned {
			// the cache has not shown it yet
			history = append(history, rev)
			continue
		}
		if !verdict.Adoptable() {
			continue
		}
		taken, err := r.takeRevision(ctx, set, rev, verdict)
		if err != nil {
			return nil, err
		}
		if taken != nil {
			history = append(history, taken)
		}
	}
	return history, nil
}

// unknownRevisionNames are the revisions the set's pods and status name that the cache does not hold, among the
// names a revision of the set can have.
func unknownRevisionNames(set *gstsv1alpha1.GameStatefulSet, pods []*corev1.Pod, known map[string]bool) []string {
	var names []string
	add := func(name string) {
		if name != "" && !known[name] && strings.HasPrefix(name, set.Name+"-") {
			known[name] = true
			names = append(names, name)
		}
	}
	add(set.Status.UpdateRevision)
	add(set.Status.CurrentRevision)
	for _, pod := range pods {
		add(identity.Revision(pod))
	}
	return names
}

// takeRevision labels a revision for the set and, for an orphan, makes the set its controller. A revision whose
// template cannot be read is left alone (nil): a pod it names is then updated by the strategy.
func (r *GameStatefulSetReconciler) takeRevision(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, rev *appsv1.ControllerRevision, verdict adoption.Verdict) (*appsv1.ControllerRevision, error) {
	if verdict == adoption.Owned {
		return rev, nil
	}
	if _, err := revision.Template(rev); err != nil {
		r.Recorder.Eventf(set, nil, corev1.EventTypeWarning, podcontrol.ReasonNotAdopted, "AdoptRevision",
			"ControllerRevision %s is not adopted: %v", rev.Name, err)
		return nil, nil
	}
	taken := rev.DeepCopy()
	if taken.Labels == nil {
		taken.Labels = map[string]string{}
	}
	taken.Labels[identity.SetNameLabel] = set.Name
	if verdict == adoption.Adopt {
		taken.OwnerReferences = append(taken.OwnerReferences, identity.OwnerReference(set))
	}
	if err := r.Patch(ctx, taken, client.MergeFromWithOptions(rev, client.MergeFromWithOptimisticLock{})); err != nil {
		return nil, fmt.Errorf("adopting controller revision %s: %w", rev.Name, err)
	}
	reason, what := podcontrol.ReasonAdopted, "adopted ControllerRevision %s, an orphan of a GameStatefulSet of this name"
	if verdict == adoption.Relabel {
		reason, what = podcontrol.ReasonRelabelled, "labelled ControllerRevision %s, which the set controls, with the operator's labels"
	}
	r.Recorder.Eventf(set, nil, corev1.EventTypeNormal, reason, "AdoptRevision", what, rev.Name)
	return taken, nil
}
