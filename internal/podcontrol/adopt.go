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

package podcontrol

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/adoption"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

// terminatingRetry is how soon a set looks again at a pod of its name that is being deleted by someone else: the
// pod may lack the operator's label, so no watch event tells when it is gone.
const terminatingRetry = 2 * time.Second

// NotAdoptedError reports a pod of one of the set's names that the set cannot take: another controller owns it
// or its labels do not match the selector. The ordinal stays without a pod of the set until it is resolved.
type NotAdoptedError struct{ Why string }

func (e *NotAdoptedError) Error() string {
	return e.Why + "; the set leaves it alone and its ordinal has no pod of the set until it is deleted or relabelled"
}

// adoptPod resolves a pod creation refused because a pod of that name exists: the set adopts an orphan that
// matches its selector, labels a pod it controls that lacks its labels, and leaves any other pod alone. It returns
// the pod the set now controls, to be counted like a created one.
func (c *PodControl) adoptPod(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action, templates map[string]*corev1.PodTemplateSpec, retry *retryAfter) (*corev1.Pod, error) {
	existing := &corev1.Pod{}
	name := identity.PodName(set, a.Ordinal)
	if err := c.Reader.Get(ctx, client.ObjectKey{Namespace: set.Namespace, Name: name}, existing); err != nil {
		// gone in between: the next reconcile creates it
		return nil, client.IgnoreNotFound(fmt.Errorf("reading pod %s: %w", name, err))
	}
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return nil, err
	}
	verdict, why := adoption.ForPod(set, selector, existing)
	switch verdict {
	case adoption.Owned:
		return nil, nil
	case adoption.Terminating:
		retry.at(terminatingRetry)
		return nil, nil
	case adoption.Foreign, adoption.NotMatching:
		c.Recorder.Eventf(set, existing, corev1.EventTypeWarning, ReasonNotAdopted, "AdoptPod", "%s: not adopted", why)
		return nil, &NotAdoptedError{Why: why}
	}
	if deleting, err := c.setDeleting(ctx, set); err != nil || deleting {
		return nil, err
	}

	candidates := make([]adoption.Candidate, 0, len(templates))
	candidates = append(candidates, adoption.Candidate{Name: a.Revision, Template: templates[a.Revision]})
	names := make([]string, 0, len(templates))
	for name := range templates {
		if name != a.Revision {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		candidates = append(candidates, adoption.Candidate{Name: name, Template: templates[name]})
	}
	revision := adoption.RevisionOf(set, existing, a.Ordinal, candidates)

	adopted := existing.DeepCopy()
	if verdict == adoption.Adopt {
		adopted.OwnerReferences = append(adopted.OwnerReferences, identity.OwnerReference(set))
	}
	if adopted.Labels == nil {
		adopted.Labels = map[string]string{}
	}
	for k, v := range identity.IdentityLabelPatch(set, a.Ordinal) {
		adopted.Labels[k] = v
	}
	runs := "it runs no revision of the set's history, so the update strategy updates it"
	if revision != "" {
		adopted.Labels[identity.RevisionLabel] = revision
		runs = "it runs revision " + revision
	}
	if err := c.Client.Patch(ctx, adopted, client.MergeFromWithOptions(existing, client.MergeFromWithOptimisticLock{})); err != nil {
		c.Recorder.Eventf(set, existing, corev1.EventTypeWarning, ReasonFailedUpdate, "AdoptPod",
			"adopting Pod %s in GameStatefulSet %s failed error: %v", name, set.Name, err)
		return nil, client.IgnoreNotFound(fmt.Errorf("adopting pod %s: %w", name, err))
	}
	if verdict == adoption.Adopt {
		c.Recorder.Eventf(set, adopted, corev1.EventTypeNormal, ReasonAdopted, "AdoptPod",
			"adopted Pod %s, an orphan whose labels match the selector: %s", name, runs)
	} else {
		c.Recorder.Eventf(set, adopted, corev1.EventTypeNormal, ReasonRelabelled, "AdoptPod",
			"labelled Pod %s, which the set controls, with the operator's labels: %s", name, runs)
	}
	return adopted, nil
}

// adoptClaim resolves a claim creation refused because a claim of that name exists: the set adopts it when it
// may manage it (labels and owner references under the retention policy), and otherwise leaves it to its
// controller; the ordinal's pod mounts it either way, as a StatefulSet's pod mounts an existing claim.
func (c *PodControl) adoptClaim(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, ordinal int32, claim *corev1.PersistentVolumeClaim) error {
	existing := &corev1.PersistentVolumeClaim{}
	if err := c.Reader.Get(ctx, client.ObjectKeyFromObject(claim), existing); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("reading claim %s: %w", claim.Name, err))
	}
	verdict, why := adoption.ForClaim(set, existing)
	switch verdict {
	case adoption.Owned:
		return nil
	case adoption.Terminating:
		// a pod would mount a claim about to go: wait for it to be gone, then create it anew
		return fmt.Errorf("%s; its pod waits for it to be gone", why)
	case adoption.Foreign:
		c.Recorder.Eventf(set, nil, corev1.EventTypeWarning, ReasonNotAdopted, "AdoptClaim",
			"%s: Pod %s mounts it, the set never changes or deletes it", why, identity.PodName(set, ordinal))
		return nil
	}
	if deleting, err := c.setDeleting(ctx, set); err != nil || deleting {
		return err
	}
	adopted := existing.DeepCopy()
	adopted.Labels = adoption.ClaimLabels(set, existing, ordinal)
	adopted.OwnerReferences, _ = adoption.ClaimOwners(set, adopted)
	if err := c.Client.Patch(ctx, adopted, client.MergeFromWithOptions(existing, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("adopting claim %s: %w", claim.Name, err))
	}
	c.Recorder.Eventf(set, nil, corev1.EventTypeNormal, ReasonAdopted, "AdoptClaim",
		"adopted Claim %s for Pod %s", claim.Name, identity.PodName(set, ordinal))
	return nil
}

// setDeleting re-reads the set from the API server before an adoption, as the StatefulSet controller does: a set
// whose deletion the cache has not shown yet must not take objects the garbage collector would then remove.
func (c *PodControl) setDeleting(ctx context.Context, set *gstsv1alpha1.GameStatefulSet) (bool, error) {
	fresh := &gstsv1alpha1.GameStatefulSet{}
	if err := c.Reader.Get(ctx, client.ObjectKeyFromObject(set), fresh); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("re-reading GameStatefulSet %s before an adoption: %w", set.Name, err)
	}
	return fresh.UID != set.UID || fresh.DeletionTimestamp != nil, nil
}

// releasePod removes the set's controller reference from a pod whose labels no longer match the selector.
func (c *PodControl) releasePod(ctx context.Context, set *gstsv1alpha1.GameStatefulSet, a *planner.Action) error {
	released := a.Pod.DeepCopy()
	refs := released.OwnerReferences[:0:0]
	for _, ref := range released.OwnerReferences {
		if ref.UID != set.UID {
			refs = append(refs, ref)
		}
	}
	released.OwnerReferences = refs
	if err := c.Client.Patch(ctx, released, client.MergeFromWithOptions(a.Pod, client.MergeFromWithOptimisticLock{})); err != nil {
		return client.IgnoreNotFound(fmt.Errorf("releasing pod %s: %w", a.Pod.Name, err))
	}
	c.Recorder.Eventf(set, a.Pod, corev1.EventTypeNormal, ReasonReleased, "ReleasePod",
		"released Pod %s: %s; it runs on without the set, and ordinal %d gets a pod of the set once it is deleted",
		a.Pod.Name, a.Reason, a.Ordinal)
	return nil
}

// retryAfter collects, over one execution, how soon the reconciler must look again at what no watch event will
// show; the soonest request wins.
type retryAfter struct {
	mu    sync.Mutex
	after time.Duration
}

func (r *retryAfter) at(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.after == 0 || d < r.after {
		r.after = d
	}
}
