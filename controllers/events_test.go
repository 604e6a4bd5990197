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
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/reference"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

type capturedEvent struct{ regarding, related runtime.Object }

type capturingRecorder struct{ events []capturedEvent }

func (c *capturingRecorder) Eventf(regarding, related runtime.Object, _, _, _, _ string, _ ...any) {
	c.events = append(c.events, capturedEvent{regarding, related})
}

func TestEventReferencesCarryNoResourceVersion(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := gstsv1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	captured := &capturingRecorder{}
	r := versionlessEvents{EventRecorder: captured, scheme: scheme}
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "game", UID: "s", ResourceVersion: "7"}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "game-0", UID: "p", ResourceVersion: "9"}}
	r.Eventf(set, nil, corev1.EventTypeNormal, "SuccessfulCreate", "CreatePod", "created")
	r.Eventf(set, pod, corev1.EventTypeNormal, "SuccessfulDelete", "DeletePod", "deleted")

	if len(captured.events) != 2 || captured.events[0].related != nil {
		t.Fatalf("events %+v", captured.events)
	}
	for _, obj := range []runtime.Object{captured.events[1].regarding, captured.events[1].related} {
		ref, err := reference.GetReference(scheme, obj)
		if err != nil {
			t.Fatal(err)
		}
		if ref.ResourceVersion != "" || ref.UID == "" || ref.Name == "" || ref.Kind == "" || ref.APIVersion == "" {
			t.Fatalf("reference %+v", ref)
		}
	}
	if set.ResourceVersion != "7" {
		t.Fatal("the set itself was changed")
	}
}
