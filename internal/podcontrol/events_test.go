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
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/inplace"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
)

func TestPodList(t *testing.T) {
	names := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("web-%d", i)
		}
		return out
	}
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{names(1), "Pod web-0"},
		{names(2), "Pods web-0 and web-1"},
		{names(3), "Pods web-0, web-1 and web-2"},
		{names(10), "Pods web-0, web-1, web-2, web-3, web-4, web-5, web-6, web-7, web-8 and web-9"},
		{names(1000), "Pods web-0, web-1, web-2, web-3, web-4, web-5, web-6, web-7, web-8, web-9 and 990 more"},
	} {
		if got := podList(tc.names); got != tc.want {
			t.Errorf("%d names: %q, want %q", len(tc.names), got, tc.want)
		}
	}
}

// A run of deletions is one event per reason, naming only the pods that were deleted, and never about a pod: an
// event about each pod could not be folded and would cost a write per pod.
func TestRecordDeletionsOneEventPerReason(t *testing.T) {
	recorder := &relatedRecorder{FakeRecorder: events.NewFakeRecorder(10)}
	control := &PodControl{Recorder: recorder}
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}}
	action := func(name, reason string) planner.Action {
		return planner.Action{Type: planner.DeletePod, Pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}}, Reason: reason}
	}
	batch := []planner.Action{action("web-4", "scale-down"), action("web-3", "scale-down"),
		action("web-2", "WaitToBeDeleted"), action("web-1", "scale-down")}
	control.recordDeletions(set, batch, []int{0, 2, 3})
	close(recorder.Events)
	var got []string
	for e := range recorder.Events {
		got = append(got, e)
	}
	want := []string{
		"Normal SuccessfulDelete delete Pods web-4 and web-1 in GameStatefulSet web successful: scale-down",
		"Normal SuccessfulDelete delete Pod web-2 in GameStatefulSet web successful: WaitToBeDeleted",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if recorder.related != 0 {
		t.Fatalf("%d events name a related object", recorder.related)
	}
}

// A run of in-place updates is one event per kind, reason and images, about the set alone, as deletions are.
func TestRecordInPlaceUpdatesOneEventPerKindReasonAndImages(t *testing.T) {
	recorder := &relatedRecorder{FakeRecorder: events.NewFakeRecorder(10)}
	control := &PodControl{Recorder: recorder}
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"}}
	action := func(name, image string, hotPatch bool) planner.Action {
		return planner.Action{Type: planner.UpdateInPlace, Pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name}},
			Reason: "revision web-2", HotPatch: hotPatch, Change: inplace.Change{Images: map[string]string{"main": image}}}
	}
	batch := []planner.Action{action("web-4", "game:v2", false), action("web-3", "game:v2", false),
		action("web-2", "game:v3", false), action("web-1", "game:v2", true), action("web-0", "game:v2", false)}
	control.recordInPlaceUpdates(set, batch, []int{0, 2, 3, 4})
	close(recorder.Events)
	var got []string
	for e := range recorder.Events {
		got = append(got, e)
	}
	want := []string{
		"Normal SuccessfulUpdateInPlace update Pods web-4 and web-0 in place in GameStatefulSet web: revision web-2 (images map[main:game:v2])",
		"Normal SuccessfulUpdateInPlace update Pod web-2 in place in GameStatefulSet web: revision web-2 (images map[main:game:v3])",
		"Normal SuccessfulHotPatch update Pod web-1 in place in GameStatefulSet web: revision web-2 (images map[main:game:v2])",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if recorder.related != 0 {
		t.Fatalf("%d events name a related object", recorder.related)
	}
}

// relatedRecorder counts the events that name a related object.
type relatedRecorder struct {
	*events.FakeRecorder
	related int
}

func (r *relatedRecorder) Eventf(regarding, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	if related != nil && !reflect.ValueOf(related).IsNil() {
		r.related++
	}
	r.FakeRecorder.Eventf(regarding, related, eventtype, reason, action, note, args...)
}
