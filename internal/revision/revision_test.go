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

package revision

import (
	"errors"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
)

func setWithImage(image string) *gstsv1alpha1.GameStatefulSet {
	set := &gstsv1alpha1.GameStatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "uid"}}
	set.Spec.Template.Labels = map[string]string{"app": "web"}
	set.Spec.Template.Spec.Containers = []corev1.Container{{Name: "main", Image: image}}
	return set
}

func mustNew(t *testing.T, set *gstsv1alpha1.GameStatefulSet, number int64) *appsv1.ControllerRevision {
	t.Helper()
	rev, err := New(set, number, set.Status.CollisionCount)
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func TestNewRecordsTheTemplateAndNamesByHash(t *testing.T) {
	set := setWithImage("game:v1")
	rev := mustNew(t, set, 1)
	template, err := Template(rev)
	if err != nil {
		t.Fatal(err)
	}
	if template.Spec.Containers[0].Image != "game:v1" || rev.Name != "web-"+Hash(&set.Spec.Template, nil) {
		t.Fatalf("revision %s records %+v", rev.Name, template)
	}
	if rev.Labels["app"] != "web" || !metav1.IsControlledBy(rev, set) {
		t.Fatalf("labels %v owners %v", rev.Labels, rev.OwnerReferences)
	}
	if Hash(&set.Spec.Template, nil) == Hash(&set.Spec.Template, ptr.To[int32](1)) {
		t.Fatal("the collision count must change the hash")
	}
	if Hash(&set.Spec.Template, nil) == Hash(&setWithImage("game:v2").Spec.Template, nil) {
		t.Fatal("different templates must hash differently")
	}
}

func TestDecide(t *testing.T) {
	v1 := mustNew(t, setWithImage("game:v1"), 1)
	v2 := mustNew(t, setWithImage("game:v2"), 2)

	d, err := Decide(setWithImage("game:v3"), []*appsv1.ControllerRevision{v1, v2})
	if err != nil || !d.Create || d.Update.Revision != 3 || d.Current != d.Update {
		t.Fatalf("a new template needs a new revision 3: %+v %v", d, err)
	}

	set := setWithImage("game:v2")
	set.Status.CurrentRevision = v1.Name
	d, err = Decide(set, []*appsv1.ControllerRevision{v2, v1})
	if err != nil || d.Create || d.Renumber || d.Update.Name != v2.Name || d.Current.Name != v1.Name {
		t.Fatalf("the newest revision is reused and the status names the current one: %+v %v", d, err)
	}

	d, err = Decide(setWithImage("game:v1"), []*appsv1.ControllerRevision{v1, v2})
	if err != nil || !d.Renumber || d.Update.Name != v1.Name || d.Update.Revision != 3 {
		t.Fatalf("a rollback renumbers the old revision: %+v %v", d, err)
	}

	collided := v2.DeepCopy()
	collided.Name = mustNew(t, setWithImage("game:v4"), 3).Name
	if _, err := Decide(setWithImage("game:v4"), []*appsv1.ControllerRevision{v1, collided}); !errors.Is(err, ErrCollision) {
		t.Fatalf("same name, other template: want ErrCollision, got %v", err)
	}
}

func TestToPruneKeepsRevisionsInUseAndTheNewestOthers(t *testing.T) {
	var history []*appsv1.ControllerRevision
	for i, image := range []string{"a", "b", "c", "d", "e"} {
		history = append(history, mustNew(t, setWithImage(image), int64(i+1)))
	}
	inUse := map[string]bool{history[0].Name: true, history[4].Name: true}
	pruned := ToPrune(history, 2, inUse)
	if len(pruned) != 1 || pruned[0].Name != history[1].Name {
		t.Fatalf("pruned %v", pruned)
	}
	if got := ToPrune(history, 10, inUse); len(got) != 0 {
		t.Fatalf("nothing to prune under the limit, got %d", len(got))
	}
}
