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

// Package revision keeps the history of a GameStatefulSet's pod templates as ControllerRevisions, named and
// hashed the way the StatefulSet controller names them, and decides the current and update revisions.
package revision

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
)

// patchData is the shape of a revision's data: the part of the spec a revision records, as a strategic merge
// patch that replaces the template, like the StatefulSet controller's.
type patchData struct {
	Spec struct {
		Template map[string]any `json:"template"`
	} `json:"spec"`
}

type templateData struct {
	Spec struct {
		Template corev1.PodTemplateSpec `json:"template"`
	} `json:"spec"`
}

// New builds the ControllerRevision of the set's current template with the given revision number.
func New(set *gstsv1alpha1.GameStatefulSet, number int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	raw, err := json.Marshal(set.Spec.Template)
	if err != nil {
		return nil, err
	}
	var template map[string]any
	if err := json.Unmarshal(raw, &template); err != nil {
		return nil, err
	}
	template["$patch"] = "replace"
	var data patchData
	data.Spec.Template = template
	rawData, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	hash := Hash(&set.Spec.Template, collisionCount)
	labels := make(map[string]string, len(set.Spec.Template.Labels)+1)
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	labels[identity.SetNameLabel] = set.Name
	name := set.Name + "-" + hash
	labels[identity.RevisionLabel] = name
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       set.Namespace,
			Labels:          labels,
			OwnerReferences: []metav1.OwnerReference{identity.OwnerReference(set)},
		},
		Data:     runtime.RawExtension{Raw: rawData},
		Revision: number,
	}, nil
}

// Hash is the template's hash, salted with the collision count, encoded so it is safe in a name.
func Hash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	hasher := fnv.New32a()
	// encoding/json writes map keys sorted, so equal templates hash equally.
	raw, _ := json.Marshal(template)
	_, _ = hasher.Write(raw)
	if collisionCount != nil {
		_, _ = hasher.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(hasher.Sum32()))
}

// Template decodes the pod template a revision recorded.
func Template(rev *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data templateData
	if err := json.Unmarshal(rev.Data.Raw, &data); err != nil {
		return nil, fmt.Errorf("decoding revision %s: %w", rev.Name, err)
	}
	return &data.Spec.Template, nil
}

// Equal tells whether two revisions record the same template.
func Equal(a, b *appsv1.ControllerRevision) bool {
	ta, errA := Template(a)
	tb, errB := Template(b)
	return errA == nil && errB == nil && apiequality.Semantic.DeepEqual(ta, tb)
}

// SortByNumber orders revisions oldest first.
func SortByNumber(revisions []*appsv1.ControllerRevision) {
	sort.SliceStable(revisions, func(i, j int) bool {
		if revisions[i].Revision == revisions[j].Revision {
			return revisions[i].CreationTimestamp.Before(&revisions[j].CreationTimestamp)
		}
		return revisions[i].Revision < revisions[j].Revision
	})
}

// NextNumber is the number of the next revision.
func NextNumber(revisions []*appsv1.ControllerRevision) int64 {
	var highest int64
	for _, r := range revisions {
		if r.Revision > highest {
			highest = r.Revision
		}
	}
	return highest + 1
}

// Decision is what the history needs for the set's template to have its revision.
type Decision struct {
	// Update is the update revision; it exists in the history when Create and Renumber are false.
	Update *appsv1.ControllerRevision
	// Create is true when Update must be created.
	Create bool
	// Renumber is true when an equal older revision (a rollback) must get the next number.
	Renumber bool
	// Current is the current revision: the one the status names when it exists, otherwise the update revision.
	Current *appsv1.ControllerRevision
}

// Decide finds or makes the update revision of the set's template within history (sorted or not) and picks the
// current revision. A revision of the same name with another template is a hash collision: the caller raises
// the collision count and tries again (ErrCollision).
func Decide(set *gstsv1alpha1.GameStatefulSet, history []*appsv1.ControllerRevision) (Decision, error) {
	sorted := append([]*appsv1.ControllerRevision(nil), history...)
	SortByNumber(sorted)
	next := NextNumber(sorted)
	candidate, err := New(set, next, set.Status.CollisionCount)
	if err != nil {
		return Decision{}, err
	}
	var d Decision
	var equal []*appsv1.ControllerRevision
	for _, r := range sorted {
		if Equal(r, candidate) {
			equal = append(equal, r)
		}
	}
	switch {
	case len(equal) > 0 && equal[len(equal)-1].Name == sorted[len(sorted)-1].Name:
		// the newest revision already records this template
		d.Update = equal[len(equal)-1]
	case len(equal) > 0:
		// a rollback to an older template: it becomes the newest revision again
		d.Update = equal[len(equal)-1].DeepCopy()
		d.Update.Revision = next
		d.Renumber = true
	default:
		for _, r := range sorted {
			if r.Name == candidate.Name {
				return Decision{}, ErrCollision
			}
		}
		d.Update = candidate
		d.Create = true
	}
	d.Current = d.Update
	for _, r := range sorted {
		if r.Name == set.Status.CurrentRevision {
			d.Current = r
			break
		}
	}
	return d, nil
}

// ErrCollision reports a hash collision between two different templates.
var ErrCollision = fmt.Errorf("controller revision hash collision")

// ToPrune picks the revisions to delete so at most limit revisions remain beside those in use: the current and
// update revisions and any revision a live pod runs.
func ToPrune(history []*appsv1.ControllerRevision, limit int32, inUse map[string]bool) []*appsv1.ControllerRevision {
	sorted := append([]*appsv1.ControllerRevision(nil), history...)
	SortByNumber(sorted)
	var unused []*appsv1.ControllerRevision
	for _, r := range sorted {
		if !inUse[r.Name] {
			unused = append(unused, r)
		}
	}
	excess := len(unused) - int(limit)
	if excess <= 0 {
		return nil
	}
	return unused[:excess]
}
