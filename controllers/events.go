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
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// versionlessEvents records events whose references carry no resourceVersion. The events library folds repeats
// of an event (same reason, action and objects) into one Event with a count instead of a write each; a
// GameStatefulSet's resourceVersion changes with every status write, so references that carry it would make
// every event of an OrderedReady rollout a new object.
type versionlessEvents struct {
	events.EventRecorder
	scheme *runtime.Scheme
}

func (r versionlessEvents) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.EventRecorder.Eventf(r.versionless(regarding), r.versionless(related), eventtype, reason, action, note, args...)
}

// versionless stands in for obj with its kind, namespace, name and UID only.
func (r versionlessEvents) versionless(obj runtime.Object) runtime.Object {
	o, ok := obj.(client.Object)
	if !ok || reflect.ValueOf(o).IsNil() || o.GetResourceVersion() == "" {
		return obj
	}
	gvk, err := apiutil.GVKForObject(obj, r.scheme)
	if err != nil {
		return obj
	}
	ref := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Namespace: o.GetNamespace(), Name: o.GetName(), UID: o.GetUID()}}
	ref.SetGroupVersionKind(gvk)
	return ref
}
